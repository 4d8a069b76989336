"""The per-container supervisor (podman calls theirs conmon): a small process that outlives `contain`.

runtime.py forks it. For a container that may run for days (-d, -t) it exec's a fresh, bare
Python (`python -I -S`) running ``main()``, so it does not carry the shell's memory
(prompt_toolkit and all) for the container's lifetime; a foreground one runs ``main()`` right
in the fork, which saves a Python start on every `run --rm`.
It is the parent of the container's PID 1, and it:

1. waits for PID 1 (its child) to exec the command, or to report why it could not,
2. records that the container runs (``running``) and tells the waiting `contain` command,
3. holds the pty master: copies output to the log and to attached clients, input back;
   or, for a foreground container without a pty, copies its stdout and stderr pipes to the
   caller's stdout and stderr and to the log,
4. reaps PID 1, records the exit status (``exit``), frees the cgroup, removes an --rm container,
5. reports the status to a foreground `contain run`.

Restart policies are kept by restart.py, outside: this process can't fork a second PID 1 (its
PID namespace died with the first one). Health checks and a userland port proxy belong here
(they come with networking and compose): they are more sources in the loop of ``relay()``.

Only cheap modules are imported (no json, no pathlib, no signal), so it starts in ~15 ms.
"""

from __future__ import annotations

import os
import select
import sys

# Frames sent to attach clients: 1 byte kind, 4 bytes length, then the payload.
FRAME_OUTPUT = b"o"
FRAME_EXIT = b"x"


def main(argv: list[str]) -> None:
    options = _parse(argv)
    _ignore_terminal_signals()

    # 1. PID 1 is our child. Its error pipe reaches EOF without data once it exec'd (the fd is CLOEXEC).
    container_pid = options["container_pid"]
    failure = _read_all(options["error_pipe"])
    if failure:
        os.waitpid(container_pid, 0)
        if options.get("proxy") or options.get("slirp") or options.get("network"):
            _release_network(options["dir"], options)
        os.write(options["start_pipe"], failure.encode())
        os._exit(1)

    # 1b. Published ports: the container's one proxy process (network/proxy.py) may go in.
    if options.get("proxy"):
        from pyshell.contain.network import proxy

        proxy.release(options["proxy"][1], container_pid)

    # 2. Recorded, then released: the `contain` command returns only once `ps` can see us.
    directory = options["dir"]
    _write_atomically(f"{directory}/running", f"{os.getpid()} {_start_time(os.getpid())} {container_pid} "
                                              f"{_start_time(container_pid)} {_now()}\n")
    os.close(options["start_pipe"])

    # 3. Relay the terminal while PID 1 runs (or just wait for it when there is none).
    if options.get("master") is not None:
        status = relay(container_pid, options)
    elif options.get("stdout_pipe") is not None:
        status = copy_output_streams(container_pid, options)
    else:
        status = _exit_status(os.waitpid(container_pid, 0)[1])

    # 4. Record the exit, then undo what the container held on the host (even if recording failed).
    from pyshell.contain import cgroups, teardown

    try:
        _write_atomically(f"{directory}/exit", f"{status} {_now()}\n")
    finally:
        if options.get("proxy") or options.get("slirp") or options.get("network"):
            _release_network(directory, options)
        teardown.release_cgroup(cgroups.from_json(options.get("cgroup")))
        if options.get("autoremove"):
            for path in options["remove"]:
                teardown.remove_tree(path)

    # 5. A foreground `contain run` waits for this line.
    if options.get("status_pipe") is not None:
        try:
            os.write(options["status_pipe"], f"{status}\n".encode())
        except BrokenPipeError:
            pass  # the user detached (Ctrl-P Ctrl-Q): nobody is waiting any more
    os._exit(0)


def _release_network(directory: str, options: dict) -> None:
    """PID 1 exited: the proxy and slirp4netns stop, the address lease goes back."""
    from pyshell.contain.network import attach, rootless

    if options.get("proxy"):
        pid, release_fd = options["proxy"]
        try:
            os.close(release_fd)  # still ours if PID 1 failed before the proxy was released
        except OSError:
            pass
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    if options.get("slirp"):
        pid, exit_fd = options["slirp"]
        rootless.stop_slirp(pid, exit_fd)
    if options.get("network"):
        attach.release(directory, os.path.basename(directory))


def relay(container_pid: int, options: dict) -> int:
    """The event loop of a container with a terminal: pty master <-> log + attach clients."""
    import socket

    master = options["master"]
    log_fd = options.get("log")
    listener = socket.socket(fileno=options["listen"])
    clients: list = []
    exited = os.pidfd_open(container_pid)
    # A foreground `run -ti` attaches right after the start: keep output in the pty until then.
    reading_master = not options.get("wait_client")
    status = None
    while status is None:
        sources = [listener, exited, *clients] + ([master] if reading_master else [])
        ready, _, _ = select.select(sources, [], [])
        for source in ready:
            if source is exited:
                status = _exit_status(os.waitpid(container_pid, 0)[1])
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
        _send_frame(client, FRAME_EXIT, str(status).encode())
        client.close()
    listener.close()
    return status


def copy_output_streams(container_pid: int, options: dict) -> int:
    """A foreground container without a pty: its stdout and stderr pipes -> the caller's stdout
    and stderr (kept apart) and the log (merged, as for -d)."""
    log_fd = options["log"]
    destinations = {options["stdout_pipe"]: options["stdout_to"], options["stderr_pipe"]: options["stderr_to"]}
    # Copy until both pipes reach EOF, then reap: EOF comes once the container's last process is
    # gone (PID 1's exit ends its PID namespace), so no output is lost behind the exit status.
    while destinations:
        ready, _, _ = select.select(list(destinations), [], [])
        for source in ready:
            data = os.read(source, 65536)
            if data:
                os.write(log_fd, data)
            if not data or not _write_all(destinations[source], data):
                # EOF, or nobody reads our output any more (`contain run busybox yes | head -1`):
                # closing our end gives the writer EPIPE, as if it wrote to the reader directly.
                os.close(source)
                del destinations[source]
    return _exit_status(os.waitpid(container_pid, 0)[1])


def _write_all(fd: int, data: bytes) -> bool:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        return False  # EPIPE (SIGPIPE is ignored here), or the terminal is gone
    return True


def _accept(listener, master, clients) -> None:
    """A client's first line: "attach ROWS COLS" (stays connected) or "resize ROWS COLS"."""
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
    words = header.split()
    if len(words) == 3 and words[1].isdigit() and words[2].isdigit():
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(words[1]), int(words[2]), 0, 0))
    if words[:1] == [b"attach"]:
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
        os.write(log_fd, data)
    for client in list(clients):
        try:
            _send_frame(client, FRAME_OUTPUT, data)
        except OSError:
            clients.remove(client)
    return True


def _send_frame(client, kind: bytes, payload: bytes) -> None:
    client.sendall(kind + len(payload).to_bytes(4, "big") + payload)


def _recv(client) -> bytes:
    try:
        return client.recv(65536)
    except OSError:
        return b""


def _exit_status(wait_status: int) -> int:
    """Docker's convention: the exit code, or 128 + the signal that killed PID 1 (137 = SIGKILL)."""
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def _write_atomically(path: str, text: str) -> None:
    """Readers see the old file or the new one, never half. No fsync: this is runtime state,
    which a reboot makes stale anyway (`reconcile()` fixes it), so durability buys nothing."""
    temporary = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(temporary, path)


def _start_time(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as file:
        data = file.read()
    return data[data.rindex(")") + 2:].split()[19]


def _now() -> str:
    import time

    seconds = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1e6):06d}Z"


def _ignore_terminal_signals() -> None:
    """The supervisor must not die of a ^C, a closed terminal or a vanished reader."""
    import _signal  # the C module: `signal` would import enum, which costs the start time

    for number in (_signal.SIGINT, _signal.SIGHUP, _signal.SIGQUIT, _signal.SIGPIPE, _signal.SIGTSTP,
                   _signal.SIGTTIN, _signal.SIGTTOU):
        _signal.signal(number, _signal.SIG_IGN)


def _parse(argv: list[str]) -> dict:
    """``key=value`` words; fds and pids are numbers, ``cgroup`` is "VERSION:PATH,PATH", lists use '|'."""
    options: dict = {"remove": []}
    for word in argv:
        key, _, value = word.partition("=")
        if key in ("container_pid", "error_pipe", "start_pipe", "status_pipe", "master", "listen", "log",
                   "stdout_pipe", "stderr_pipe", "stdout_to", "stderr_to"):
            options[key] = int(value)
        elif key == "cgroup":
            version, _, paths = value.partition(":")
            options["cgroup"] = {"version": int(version), "paths": paths.split(",")}
        elif key == "remove":
            options["remove"] = value.split("|")
        elif key in ("proxy", "slirp"):  # PID:FD
            options[key] = tuple(int(n) for n in value.split(":"))
        elif key in ("autoremove", "wait_client", "network"):
            options[key] = True
        else:
            options[key] = value
    return options


if __name__ == "__main__":
    main(sys.argv[1:])
