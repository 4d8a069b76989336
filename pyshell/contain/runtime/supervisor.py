"""The per-container supervisor (podman calls theirs conmon): a small process that outlives `contain`.

lifecycle.py forks it; every message it sends or reads is in protocol.py. Steps 1 and 2 below
(``until_running``) run right in the fork, so `contain` returns as soon as PID 1 exec'd. For a
container that may run for days (-d, -t) the fork then exec's a fresh, bare Python
(`python -I -S`) for the rest (``watch``, through ``main()``), so it does not carry the shell's
memory (prompt_toolkit and all) for the container's lifetime; a foreground one goes on in the
fork, which saves a Python start on every `run --rm`.
It is the parent of the container's PID 1, and it:

1. waits for PID 1 (its child) to exec the command, or to report why it could not,
2. records that the container runs (``running``) and tells the waiting `contain` command,
3. holds the pty master: copies output to the log and to attached clients, input back;
   or, without a pty, reads PID 1's stdout and stderr pipes: into the log, and for a
   foreground container to the caller's stdout and stderr too. The log keeps each line's
   time and stream (containerlog.py), so every byte of output passes through here,
4. reaps PID 1, records the exit status (``exit``), frees the cgroup, removes an --rm container,
5. reports the status to a foreground `contain run`.

Restart policies are kept by restart.py, outside: this process can't fork a second PID 1 (its
PID namespace died with the first one). Health checks are run by a child of this process,
the keeper, forked before the PID namespace (health.py) and told PID 1's pid here.

Only cheap modules are imported (no json, no pathlib, no signal), so it starts in ~15 ms.
"""

from __future__ import annotations

import os
import select
import sys

from pyshell.contain.kernel.osio import now_iso, process_start_time, read_all, wait_exit_status, write_all
from pyshell.contain.runtime import containerlog, protocol
from pyshell.contain.runtime.protocol import Exit, Running, SupervisorArgs
from pyshell.statedir import atomic_write


def main(argv: list[str]) -> None:
    """The fresh Python's entry (SUPERVISOR_BOOT in lifecycle.py): the supervisor's life, steps 1 to 5
    above, or 3 to 5 when the fork did the first two. Never returns."""
    options = SupervisorArgs.from_argv(argv)
    if options.start_pipe is not None:  # None: the fork did steps 1 and 2 before the exec
        options = until_running(options)
    watch(options)


def until_running(options: SupervisorArgs) -> SupervisorArgs:
    """Steps 1 and 2: wait for PID 1's exec, record it, release the `contain` command (and the
    port proxy and the keeper). On a failure, `contain` gets the error and this process exits.
    Returns the options for watch: without the pipes used here, all closed now."""
    ignore_terminal_signals()

    # 1. PID 1 is our child. Its error pipe reaches EOF without data once it exec'd (the fd is CLOEXEC).
    container_pid = options.container_pid
    failure = read_all(options.error_pipe, close=True)
    if failure:
        os.waitpid(container_pid, 0)
        if _has_network(options):
            _release_network(options.dir, options)
        os.write(options.start_pipe, failure)
        os._exit(1)

    # 1b. Published ports: the container's one proxy process (network/proxy.py) may go in.
    if options.proxy_release is not None:
        from pyshell.contain.network import proxy

        proxy.release(options.proxy_release, container_pid)

    # 2. Recorded, then released: the `contain` command returns only once `ps` can see us.
    # (Our start time stays true if we exec afterwards: exec keeps the pid and its start time.)
    running = Running(os.getpid(), process_start_time(os.getpid()), container_pid,
                      process_start_time(container_pid), now_iso())
    atomic_write(f"{options.dir}/running", running.format(), durable=False)
    os.close(options.start_pipe)
    if options.keeper_pipe is not None:  # the health checks' keeper waits for PID 1 (health.py)
        write_all(options.keeper_pipe, f"{container_pid}\n".encode())
        os.close(options.keeper_pipe)
    return options.replace(error_pipe=None, start_pipe=None, proxy_release=None, keeper_pipe=None)


def watch(options: SupervisorArgs) -> None:
    """Steps 3 to 5, once until_running is done (maybe before an exec: the signals it ignored
    stay ignored across it, as do our children, PID 1 among them). Never returns."""
    container_pid = options.container_pid
    directory = options.dir
    if _has_network(options):
        # Imported now, while PID 1 runs, not in step 4: `stop` waits for this process's exit,
        # and this import (~16 ms in a bare Python) would lengthen every stop by as much.
        _network_release_modules()
        if options.proxy is not None:  # published ports: their DNAT goes with PID 1 (attach.release)
            from pyshell.contain.network import firewall, nftnetlink  # noqa: F401

    # 3. Relay the terminal, or copy the output pipes, while PID 1 runs.
    if options.master is not None:
        status = relay(container_pid, options)
    else:
        status = copy_output_streams(container_pid, options)

    if options.keeper_pid is not None:
        os.waitpid(options.keeper_pid, 0)  # it ends with PID 1 (it watches a pidfd), even mid-check

    # 4. Record the exit, then undo what the container held on the host (even if recording failed).
    from pyshell.contain.kernel import cgroups
    from pyshell.contain.runtime import teardown

    cgroup = cgroups.from_json(options.cgroup)
    # The OOM killer's count, read before the cgroup goes: Docker's OOMKilled. And for --rm,
    # "removing": should we die before the removal below is done, the next command finishes it.
    oom_killed = cgroup is not None and cgroup.oom_kills() > 0
    try:
        atomic_write(f"{directory}/exit", Exit(status, now_iso(), oom_killed, options.autoremove).format(),
                     durable=False)
    finally:
        if _has_network(options):
            _release_network(directory, options)
        teardown.release_cgroup(cgroup)
        if options.autoremove:
            for path in options.remove:
                teardown.remove_tree(path)

    # 5. A foreground `contain run` waits for this line.
    if options.status_pipe is not None:
        try:
            os.write(options.status_pipe, protocol.format_status(status, oom_killed))
        except BrokenPipeError:
            pass  # the user detached (Ctrl-P Ctrl-Q): nobody is waiting any more
    os._exit(0)


def _has_network(options: SupervisorArgs) -> bool:
    """Whether PID 1's exit leaves a proxy, a slirp4netns or an address lease to release."""
    return bool(options.proxy or options.slirp or options.network)


def _network_release_modules():
    """The network modules _release_network needs (imported lazily: `--network none` never pays)."""
    from pyshell.contain.network import attach, rootless

    return attach, rootless


def _release_network(directory: str, options: SupervisorArgs) -> None:
    """PID 1 exited: the ports' DNAT goes and the address lease goes back (attach.release), then
    the proxy and slirp4netns stop: a port is free once nothing forwards it any more."""
    attach, rootless = _network_release_modules()

    if options.network:
        attach.release(directory, os.path.basename(directory))
    if options.proxy:
        if options.proxy_release is not None:  # PID 1 failed: the proxy was never released
            os.close(options.proxy_release)
        os.kill(options.proxy, 9)
        os.waitpid(options.proxy, 0)
    if options.slirp:
        rootless.stop_slirp(*options.slirp)


def relay(container_pid: int, options: SupervisorArgs) -> int:
    """The event loop of a container with a terminal: pty master <-> log + attach clients."""
    import socket

    master = options.master
    log_fd = options.log
    listener = socket.socket(fileno=options.listen)
    clients: list = []
    exited = os.pidfd_open(container_pid)
    # A foreground `run -ti` attaches right after the start: keep output in the pty until then.
    reading_master = not options.wait_client
    status = None
    while status is None:
        sources = [listener, exited, *clients] + ([master] if reading_master else [])
        ready, _, _ = select.select(sources, [], [])
        for source in ready:
            if source is exited:
                status = wait_exit_status(container_pid)
            elif source is listener:
                _accept(listener, master, clients)
                reading_master = True
            elif source is master:
                if not _copy_output(master, log_fd, clients):
                    reading_master = False  # EIO: no process holds the terminal any more
            else:
                data = _recv(source)
                if data:
                    os.write(master, data)
                else:
                    clients.remove(source)
                    source.close()
    os.set_blocking(master, False)
    while reading_master and _copy_output(master, log_fd, clients):
        pass
    for client in clients:
        _send_frame(client, protocol.FRAME_EXIT, str(status).encode())
        client.close()
    listener.close()
    return status


def copy_output_streams(container_pid: int, options: SupervisorArgs) -> int:
    """A container without a pty: its stdout and stderr pipes -> the log (a record per line,
    with its time and stream), and for a foreground one the caller's stdout and stderr too
    (kept apart). -d: the log only."""
    log_fd = options.log
    streams = {options.stdout_pipe: b"stdout", options.stderr_pipe: b"stderr"}
    destinations = {options.stdout_pipe: options.stdout_to, options.stderr_pipe: options.stderr_to}
    # Copy until both pipes reach EOF, then reap: EOF comes once the container's last process is
    # gone (PID 1's exit ends its PID namespace), so no output is lost behind the exit status.
    while destinations:
        ready, _, _ = select.select(list(destinations), [], [])
        for source in ready:
            data = os.read(source, 65536)
            if data:
                write_all(log_fd, containerlog.records(data, streams[source]))
            destination = destinations[source]
            if not data or (destination is not None and not _copied(destination, data)):
                # EOF, or nobody reads our output any more (`contain run busybox yes | head -1`):
                # closing our end gives the writer EPIPE, as if it wrote to the reader directly.
                os.close(source)
                del destinations[source]
    return wait_exit_status(container_pid)


def _copied(fd: int, data: bytes) -> bool:
    try:
        write_all(fd, data)
    except OSError:
        return False  # EPIPE (SIGPIPE is ignored here), or the terminal is gone
    return True


def _accept(listener, master, clients) -> None:
    """A client's first line (protocol.parse_request): attach (stays connected) or resize."""
    import fcntl
    import struct
    import termios

    client, _ = listener.accept()
    header = b""
    while not header.endswith(b"\n") and len(header) < 100:
        chunk = client.recv(1)
        if not chunk:
            break
        header += chunk
    kind, size = protocol.parse_request(header)
    if size is not None:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
    if kind == "attach":
        clients.append(client)
    else:
        client.close()


def _copy_output(master: int, log_fd, clients) -> bool:
    try:
        data = os.read(master, 65536)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return False  # EIO once the slave side is closed
    if not data:
        return False
    if log_fd is not None:
        write_all(log_fd, containerlog.records(data, b"stdout"))  # a terminal has one stream
    for client in list(clients):
        try:
            _send_frame(client, protocol.FRAME_OUTPUT, data)
        except OSError:
            clients.remove(client)
    return True


def _send_frame(client, kind: bytes, payload: bytes) -> None:
    client.sendall(protocol.frame(kind, payload))


def _recv(client) -> bytes:
    try:
        return client.recv(65536)
    except OSError:
        return b""


def ignore_terminal_signals() -> None:
    """The supervisor must not die of a ^C, a closed terminal or a vanished reader."""
    import _signal  # the C module: `signal` would import enum, which costs the start time

    for number in (_signal.SIGINT, _signal.SIGHUP, _signal.SIGQUIT, _signal.SIGPIPE, _signal.SIGTSTP,
                   _signal.SIGTTIN, _signal.SIGTTOU):
        _signal.signal(number, _signal.SIG_IGN)


if __name__ == "__main__":
    main(sys.argv[1:])
