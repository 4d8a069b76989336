"""The container lifecycle on the host side: create, start, wait, exec (stop and rm: stopping.py).

Starting a container takes up to three processes, each with one job:

    contain (the shell) ─fork─> middle ─fork─> supervisor ─fork─> PID 1
                                 exits          see                enter_container(),
                                                supervisor.py      exec the command

* The **middle** process exits at once: the supervisor, re-parented to init, has no parent to
  wait for it. A container that may outlive this command (`-d`, and `-t`: Ctrl-P Ctrl-Q
  detaches) needs that; the middle also starts a new session for it. A plain foreground run
  (`run --rm IMAGE CMD`) has no middle: the supervisor is our child, and we take PID 1's
  status from a pipe without waiting for the supervisor's own exit (~2 ms of the kernel
  freeing its copy of the shell's memory); it is reaped later, without blocking.
* The **supervisor** unshares the user namespace (rootless) and the PID namespace (which
  applies to its children: the next one is PID 1), forks PID 1, sees that it gets into the
  container's cgroup before it runs anything that could escape it, waits for PID 1's exec and
  lets `contain` go (supervisor.until_running), then watches PID 1 (supervisor.watch).
  A daemon supervisor watches from a fresh, bare Python it exec's once `contain` is gone,
  so that it doesn't keep the shell's memory alive for days; a foreground one (`run --rm
  IMAGE CMD`) watches right in the fork, saving a Python start.
* **PID 1** unshares the other namespaces, builds the filesystem and exec's the command (setup.py).

`contain` waits on a pipe that the supervisor closes once PID 1 exec'd and `running` is
written, or on which it receives the setup error (every message: protocol.py). Teardown is code: each host-side step
registers its undo on an ExitStack, so a failed start leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

# Imported here, not where the forked supervisor and PID 1 use them: an import in a forked child
# is redone at every start (the child's modules die with it), in the parent it is done once.
from pyshell.contain.kernel import cgroups, seccomp, syscalls, userns
from pyshell.contain.kernel.osio import close_fds_except, exit_status, process_start_time, read_all, read_line
from pyshell.contain.runtime import protocol, setup, state, supervisor, teardown
from pyshell.contain.runtime.protocol import PidFile, SupervisorArgs
from pyshell.contain.runtime.setup import Paths, SetupError, Stdio
from pyshell.contain.runtime.stopping import removable_paths, remove, send_signal
from pyshell.contain.spec import ContainerSpec
from pyshell.errors import ContainerError
from pyshell.statedir import atomic_write, locked

SUPERVISOR_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
                   "from pyshell.contain.runtime.supervisor import main; main(sys.argv[2:])")
RESTARTER_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
                  "from pyshell.contain.runtime.restart import main; main(sys.argv[2])")
KEEPER_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
               "from pyshell.contain.runtime.health import main; main(sys.argv[2:])")
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])

# Unshared by PID 1 itself (the user and PID namespaces come first, from the supervisor; the
# cgroup namespace last, once PID 1 is in its cgroup: see setup.enter_container).
NAMESPACES = syscalls.CLONE_NEWNS | syscalls.CLONE_NEWUTS | syscalls.CLONE_NEWIPC


# --------------------------------------------------------------------------- create


def create(home: Path, spec: ContainerSpec, starting: bool = False) -> state.Container:
    """Make the container's directory and config; the name is checked and taken under the lock.
    ``starting``: `start` follows at once (`run`), so the mark that we are at it stays (see start)."""
    directory = state.containers_dir(home) / spec.id
    with locked(state.lock_path(home)):
        taken = state.names_in_use(home)
        if spec.name in taken:
            raise ContainerError(f'the container name "{spec.name}" is already in use')
        directory.mkdir(parents=True)
        state.mark_starting(directory)  # first: a create cut short is then found and removed
        for sub in ("rootfs/upper", "rootfs/work", "rootfs/merged", "etc"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        cgroup = None
        if not spec.rootless or os.path.exists(f"{cgroups.CGROUP_ROOT}/cgroup.controllers"):
            found = cgroups.for_container(spec.id)
            cgroup = found.to_json() if found else None
        created = state.now_iso()
        state.save_config(directory, spec, created, cgroup)
        if not starting:
            state.clear_starting(directory)
    # What state.load() would read back from the files just written.
    return state.Container(directory, spec, created, cgroup, state.State.CREATED, None, "", "", 0, 0)


# --------------------------------------------------------------------------- start


MOUNT_POINTS = {"etc": ("hostname", "hosts", "resolv.conf"), "proc": (), "sys": (), "dev": ()}


def mount_points_layer(containers_dir: Path) -> str:
    """A read-only layer that every container gets on top of its image: the empty directories
    and files PID 1 mounts over (/proc, /sys, /dev, /etc/hosts...), as Docker's "init layer".
    An image without them would otherwise get them made in each container's upper dir, on
    disk: a copy-up of /etc and four files created, then deleted at `rm` (1.5 ms of a run),
    and `commit` or `build` would keep these empty files in the image. Made once, atomically."""
    layer = containers_dir / ".mount-points"
    if not layer.is_dir():
        staging = containers_dir / f".mount-points.{os.getpid()}.{os.urandom(4).hex()}.tmp"  # compose starts in threads
        for directory, files in MOUNT_POINTS.items():
            (staging / directory).mkdir(parents=True, exist_ok=True)
            for name in files:
                (staging / directory / name).touch()
        # Whatever our umask: the top layer's /etc is the container's /etc (`-u nobody` reads it).
        for path in (staging, *staging.rglob("*")):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        try:
            os.rename(staging, layer)
        except OSError:  # another command made it meanwhile
            teardown.remove_tree(str(staging))
    return str(layer)


class Started:
    """A started container as seen by the command that started it."""

    def __init__(self, created: state.Container, status_fd: int | None, supervisor_pid: int | None):
        self._created = created
        self._loaded = None
        self.status_fd = status_fd  # foreground: the supervisor writes PID 1's exit status there
        self.supervisor_pid = supervisor_pid  # our child, when no middle process stands between
        self.oom_killed = False  # set by wait_status
        self.supervisor_lost = False  # it died without telling a status (kill -9): set by wait_status

    @property
    def container(self) -> state.Container:
        """The container as recorded now (with PID 1's pid), read only when asked for: most
        foreground runs never need it. A --rm container may be gone already (`true` takes
        no time): then the container as created will do."""
        if self._loaded is None:
            self._loaded = state.load(self._created.dir) or self._created
        return self._loaded


def start(home: Path, container: state.Container, foreground: bool, restarting: bool = False) -> Started:
    """Start PID 1 and its supervisor; return once the command runs (or raise its setup error).
    ``restarting``: the supervisor applies the restart policy (its count and the stop mark stay)."""
    spec = container.spec
    state.require(container, "start")
    seccomp.filter_for(spec.seccomp, spec.capabilities)  # compiled here, before anything is made or forked
    # Until we return, the container directory says that we are starting it: if we are killed
    # half-way, the next command releases what we made (state.reconcile).
    state.mark_starting(container.dir)
    with contextlib.ExitStack() as undo:
        undo.callback(state.clear_starting, container.dir)
        stale_files = ("running", "exit") if restarting else ("running", "exit", "stopped", "restarts")
        for stale in stale_files:
            (container.dir / stale).unlink(missing_ok=True)
        mount_points_layer(container.dir.parent)
        cgroup = _make_cgroup(container)
        if cgroup is not None:
            undo.callback(teardown.release_cgroup, cgroup)
        network = _network_plan(home, container)  # None for --network none: nothing to do
        if network is not None:
            undo.callback(network.undo)
        start_r, start_w = os.pipe()
        status_r, status_w = os.pipe() if foreground else (None, None)
        undo.callback(os.close, start_r)

        daemon = spec.detach or spec.tty
        with_middle = daemon or not foreground  # see the top of this file
        sys.stdout.flush()
        sys.stderr.flush()
        child = os.fork()  # the middle process, or for a plain foreground run the supervisor
        if child == 0:
            _supervisor_entry(container, cgroup, network, start_w, status_w, daemon, with_middle)  # never returns
        os.close(start_w)
        if status_w is not None:
            os.close(status_w)
        undo.callback(_reap, child)  # if we are interrupted (^C) while waiting below

        failure = read_all(start_r)  # EOF: started. Else the failed step (protocol.report_failure).
        if failure or with_middle:
            _reap(child)  # the middle exited long ago; a supervisor that failed is exiting
        if failure:
            if status_r is not None:
                os.close(status_r)
            status, message = protocol.parse_failure(failure)
            raise ContainerError(message, status)
        undo.pop_all()
    # The supervisor writes `running` before it lets us go, then may be done already (an --rm
    # `true`: the directory is gone). If it died before, the mark stays: the next command
    # after us cleans up (reconcile), and `run` removes an --rm container at once.
    if (container.dir / "running").exists() or not (container.dir / "config.json").exists():
        state.clear_starting(container.dir)
    os.close(start_r)
    if network is not None:
        network.close_sockets()  # the supervisor has them now
    if spec.restart != "no" and not restarting:
        _start_restarter(container)
    # A foreground container's status comes through status_r; a supervisor that is our child
    # is reaped later.
    return Started(container, status_r, None if with_middle else child)


def _network_plan(home: Path, container: state.Container):
    """The network side of a start (network/attach.py): a lease on each of the container's
    networks (--network, then those `network connect` added), the port sockets, the record."""
    spec = container.spec
    if spec.network == "none":
        return None
    from pyshell.contain.network import attach

    joined = ""
    if spec.network.startswith("container:"):
        other = state.find(home, spec.network.partition(":")[2])
        if other.status != "running":
            raise ContainerError(f"cannot join network of a non running container: {other.name}", 125)
        joined = f"/proc/{other.pid}/ns/net"
    plan = attach.prepare(home, spec, str(container.dir), joined)
    attach.write_state(str(container.dir), plan)
    plan.start_publishing()  # the kernel's forwarding of the published ports
    return plan


def start_detached(home: Path, container: state.Container) -> state.Container:
    """Docker's `start`: a started container runs detached whatever its first run was.
    Returns the container as it is now (running)."""
    if not container.spec.detach:  # a first run in the foreground: recorded as detached from now on
        spec = container.spec.replace(detach=True)
        state.save_config(container.dir, spec, container.created, container.cgroup)  # fsync'd: ~1.5 ms
        container = container.replace(spec=spec)
    start(home, container, foreground=False)
    return state.load(container.dir)


def _start_restarter(container: state.Container) -> None:
    """The process that keeps the restart policy (restart.py): a daemon, like the supervisor."""
    sys.stdout.flush()
    sys.stderr.flush()
    middle = os.fork()
    if middle == 0:
        try:
            os.setsid()
            restarter = os.fork()
            if restarter == 0:
                devnull = os.open("/dev/null", os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                close_fds_except({0, 1, 2})
                os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", RESTARTER_BOOT, PACKAGE_ROOT,
                                          str(container.dir)])
            # Recorded before we return: `stop` right after `run` must find it to wait for it.
            atomic_write(container.dir / "restarter", PidFile(restarter, process_start_time(restarter)).format(),
                         durable=False)
        finally:
            os._exit(0)
    os.waitpid(middle, 0)


def _reap(pid: int | None, block: bool = True) -> bool:
    """Collect our child ``pid`` (at once unless ``block``); True once it is gone."""
    if pid is not None:
        try:
            return os.waitpid(pid, 0 if block else os.WNOHANG)[0] != 0
        except ChildProcessError:
            pass  # the shell's own SIGCHLD handling reaped it first
    return True


# Supervisors of foreground runs that had not exited yet when their status came: reaped at the
# next start (or by the shell), so that no zombie piles up and nobody waits for them.
_exiting_supervisors: list[int] = []


def _reap_exited_supervisors() -> None:
    _exiting_supervisors[:] = [pid for pid in _exiting_supervisors if not _reap(pid, block=False)]


def _make_cgroup(container: state.Container):
    spec = container.spec
    wants_limits = spec.memory is not None or spec.cpus is not None or spec.pids_limit is not None
    cgroup = cgroups.from_json(container.cgroup)
    if cgroup is None:
        if wants_limits:
            raise ContainerError("--memory, --cpus and --pids-limit need root on this host "
                                 "(cgroup v1 cannot be delegated to ordinary users)")
        return None
    try:
        cgroup.create()
        cgroup.set_limits(spec.memory, spec.cpus, spec.pids_limit)
        if os.geteuid() == 0:  # before PID 1 joins: nothing it runs may open a host device (devices.py)
            cgroup.limit_devices(_device_rules(spec))
        if setup.reporter is not None:
            setup.reporter.cgroup(cgroup, spec)
    except ContainerError:
        teardown.release_cgroup(cgroup)
        if wants_limits or not spec.rootless:
            raise
        return None  # rootless without limits: run without a cgroup of our own
    return cgroup


def _device_rules(spec: ContainerSpec):
    from pyshell.contain.kernel import devices

    return devices.DEFAULT_RULES + tuple(devices.DeviceRule(d.kind, d.major, d.minor, d.access)
                                         for d in spec.devices)


def _supervisor_entry(container, cgroup, network, start_w: int, status_w: int | None, daemon: bool,
                      with_middle: bool) -> None:
    """Runs in a forked copy of the shell and never returns into it: the middle process, or
    the supervisor itself for a plain foreground run (see the top of this file)."""
    try:
        if daemon:
            os.setsid()  # a session of its own: ^C or a closed terminal don't reach the supervisor
        if with_middle:
            if os.fork() != 0:
                os._exit(0)  # the middle process: its exit re-parents the supervisor to init
        _supervisor_process(container, cgroup, network, start_w, status_w, fresh_python=daemon)
    except SetupError as error:
        _report(start_w, error)
    except BaseException as error:  # noqa: BLE001 - report anything
        _debug_traceback()
        _report(start_w, SetupError(f"start: {error}"))
    finally:
        os._exit(125)  # a forked child never returns into the shell's code


def fork_health_keeper(directory: str) -> tuple[int, int]:
    """Start health.py's keeper: (its pid, the pipe the supervisor sends PID 1's pid on).

    Called by the future supervisor *before* it unshares the PID (and user) namespace: a later
    child would be in the container's PID namespace, and PID 1's end waits for every process
    there (zap_pid_ns_processes) — the keeper too, which the supervisor only reaps after.
    A fresh bare Python, like the supervisor: it does not keep the shell's memory for days.
    The fork waits for PID 1's pid before it exec's that Python: its start (~20 ms of CPU)
    then comes after `contain start` returned, not beside PID 1's setup (2 cores: half of them)."""
    pipe_r, pipe_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            devnull = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            close_fds_except({0, 1, 2, pipe_r})
            container_pid = read_line(pipe_r).strip()
            if container_pid:  # else EOF: the container did not start, nothing to keep
                os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", KEEPER_BOOT, PACKAGE_ROOT, directory,
                                          container_pid.decode()])
        finally:
            os._exit(127)
    os.close(pipe_r)
    return pid, pipe_w


def _supervisor_process(container, cgroup, network, start_w: int, status_w: int | None, fresh_python: bool) -> None:
    """Fork PID 1, put it in the cgroup, release it, become the supervisor program."""
    spec = container.spec
    directory = str(container.dir)

    devnull = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
    master = slave = listener = None
    streams = None  # without -t: (stdout read, stdout write, stderr read, stderr write)
    if spec.tty:
        master, slave = os.openpty()
        listener = protocol.listen_attach(directory)
    # Every container has a log, as in Docker: `contain logs` works for foreground ones too.
    log_fd = os.open(f"{directory}/container.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    if spec.tty:
        stdio = Stdio(slave, devnull, devnull, devnull)
    else:
        # Output goes through the supervisor, which writes each line into the log with its time
        # and stream, and copies it to our stdout/stderr when we wait in the foreground. Two
        # pipes, not one: stdout and stderr stay apart (`2>/dev/null` works, and so does logs').
        streams = (*os.pipe(), *os.pipe())
        stdin = 0 if spec.interactive and not spec.detach else devnull
        stdio = Stdio(None, stdin, streams[1], streams[3])

    # Health checks: their keeper is forked now, before the namespaces (see fork_health_keeper).
    keeper = fork_health_keeper(directory) if spec.healthcheck is not None else (None, None)
    if spec.rootless:
        # A user namespace where we are root: our own uid and gid map to 0, and the user's range
        # of /etc/subuid and /etc/subgid (if any) to 1..N, so that `-u nobody` works (userns.py).
        # It must come first: it is what lets an ordinary user create the other namespaces.
        setup.step("user namespace", userns.unshare_user_namespace)
    proxy = None
    if network is not None and network.listeners:
        from pyshell.contain.network import proxy as port_proxy

        # Before the PID namespace: our children after it are processes of the container.
        proxy = port_proxy.spawn([(sock.fileno(), mapping.container_port) for mapping, sock in network.listeners],
                                 network.target_address, PACKAGE_ROOT)
        network.close_sockets()  # the proxy has them
    slirp = None
    if network is not None and network.mode == "slirp4netns":
        from pyshell.contain.network import rootless

        slirp = rootless.Slirp()  # forked before the PID namespace too; waits for PID 1's pid
    # A new PID namespace takes effect for the caller's *children*: our next child is its PID 1.
    setup.step("unshare(CLONE_NEWPID)", syscalls.unshare, syscalls.CLONE_NEWPID)

    go_r, go_w = os.pipe()
    error_r, error_w = os.pipe()
    # Once PID 1 says it has its network namespace, we give it its way out from here (the host's
    # side): a veth pair on the bridge, made while PID 1 builds its filesystem; or slirp4netns.
    netns_r, netns_w = os.pipe() if network is not None and network.needs_supervisor_help else (None, None)
    container_pid = os.fork()
    if container_pid == 0:
        keep = {go_r, error_w, devnull, *(fd for fd in (slave, stdio.stdout, stdio.stderr, netns_w)
                                                  if fd is not None), 0}
        if setup.reporter is not None:
            keep.add(setup.reporter.fd)  # --explain: PID 1 goes on telling its steps
        close_fds_except(keep)
        _container_init(spec, directory, cgroup, network, stdio, go_r, error_w, netns_w)  # never returns
    # Our copies of the write ends go: the pipes reach EOF once the container's last process is gone.
    for fd in (go_r, error_w, netns_w, *(fd for fd in (slave, *(streams or ())[1::2]) if fd is not None)):
        if fd is not None:
            os.close(fd)
    if netns_r is not None:
        if os.read(netns_r, 1) == b"n":
            try:
                if slirp is not None:
                    slirp.start(container_pid)
                else:
                    network.connect_from_host(container_pid)
            except (ContainerError, OSError) as error:
                os.kill(container_pid, 9)
                os.waitpid(container_pid, 0)
                raise SetupError(f"network (the host side): {getattr(error, 'message', None) or error}") from None
        elif slirp is not None:  # PID 1 failed: its error pipe says why
            slirp.abandon()
            slirp = None
        os.close(netns_r)

    # PID 1 must be in the cgroup before it runs anything the container could escape it with.
    # Moving another process costs an RCU grace period (6-12 ms here, a third of a run): on
    # cgroup v1, PID 1 joins by itself, first thing, which is cheap (cgroups.CgroupV1.join);
    # elsewhere we move it while it builds the filesystem, and it waits for our go before exec.
    try:
        if cgroup is not None and not cgroup.joins_itself_fast:
            cgroup.add(container_pid)
            if setup.reporter is not None:
                setup.reporter.note(f"cgroup: move {container_pid} (PID 1) into it", "before PID 1 may run")
    except ContainerError as error:
        os.kill(container_pid, 9)
        os.waitpid(container_pid, 0)
        raise SetupError(str(error)) from None
    protocol.send_go(go_w)

    # Where a foreground container's output goes: the caller's stdout and stderr, kept as new fds.
    output_to = (os.dup(1), os.dup(2)) if streams is not None and not spec.detach else (None, None)
    # The supervisor must not hold the caller's terminal or pipes open (`run -d | cat` would hang).
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    options = SupervisorArgs(
        dir=directory, container_pid=container_pid, error_pipe=error_r, start_pipe=start_w, status_pipe=status_w,
        master=master, listen=listener.fileno() if listener is not None else None,
        wait_client=master is not None and not spec.detach,
        log=log_fd, cgroup=cgroup.to_json() if cgroup else None,
        autoremove=spec.autoremove, remove=tuple(removable_paths(container, volumes=True)) if spec.autoremove else (),
        keeper_pid=keeper[0], keeper_pipe=keeper[1])
    if streams is not None:
        options = options.replace(stdout_pipe=streams[0], stderr_pipe=streams[2], stdout_to=output_to[0],
                                  stderr_to=output_to[1])
    if network is not None:
        # The supervisor gives the lease back when PID 1 exits, and stops the proxy and slirp4netns.
        options = options.replace(network=True, proxy=proxy[0] if proxy else None,
                                  proxy_release=proxy[1] if proxy else None,
                                  slirp=(slirp.pid, slirp.exit_w) if slirp is not None else None)
    options = supervisor.until_running(options)  # PID 1 exec'd: `contain` returns now
    if fresh_python:
        # The fresh Python starts while `contain` goes on, and only watches. PID 1 stays our
        # child, and the recorded start time ours: exec keeps the pid.
        for fd in options.passed_fds():
            os.set_inheritable(fd, True)
        try:
            os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", SUPERVISOR_BOOT, PACKAGE_ROOT,
                                      *options.to_argv()])
        except OSError:
            pass  # watched from this copy of the shell then: bigger, but watched
    supervisor.watch(options)  # exits


def _container_init(spec: ContainerSpec, directory: str, cgroup, network, stdio: Stdio, go_r: int, error_w: int,
                    netns_w: int | None) -> None:
    """PID 1 of the new PID namespace: join the cgroup (v1) or let the supervisor move us (v2),
    unshare the other namespaces, build the container and exec. Errors go to the supervisor
    through ``error_w``."""

    def wait_for_cgroup() -> None:
        if not protocol.wait_go(go_r):
            os._exit(1)  # the supervisor died before releasing us
        if network is not None:
            setup.step("network (eth0 in the container)", network.after_go)  # eth0 is there now: its address, route

    try:
        # If the supervisor dies (kill -9), so do we, and with PID 1 its whole PID namespace:
        # no container process lives on unwatched. (Before it releases us it cannot die unseen:
        # wait_for_cgroup then reads EOF.)
        syscalls.prctl(syscalls.PR_SET_PDEATHSIG, 9)
        if not spec.tty:  # a -t run makes its session with the terminal (setup._setup_stdio)
            # A session of our own: a command that signals its process group (apache's parent
            # sends SIGTERM to getpgrp() as it shuts down) must reach the container's processes
            # only, never the supervisor and the port proxy, which were in the same group.
            os.setsid()
        if cgroup is not None and cgroup.joins_itself_fast:
            cgroup.join()
            if setup.reporter is not None:
                setup.reporter.note("cgroup: PID 1 joins it (writes 0 to cgroup.procs)", "first thing")
        if network is not None:
            setup.step("network", network.before_unshare)
        new_netns = network.new_netns if network is not None else spec.network == "none"
        flags = NAMESPACES | (syscalls.CLONE_NEWNET if new_netns else 0)
        setup.step("unshare(mount, UTS, IPC, network namespaces)", syscalls.unshare, flags)
        if network is not None:
            setup.step("network", network.after_unshare)  # eth0 on the bridge, or another's namespace
            if netns_w is not None:
                os.write(netns_w, b"n")
                os.close(netns_w)
        paths = Paths(f"{directory}/rootfs/upper", f"{directory}/rootfs/work", f"{directory}/rootfs/merged",
                      f"{directory}/etc", f"{os.path.dirname(directory)}/.mount-points")
        setup.enter_container(spec, paths, stdio, error_w, wait_for_cgroup, network)
    except SetupError as error:
        _report(error_w, error)
        os._exit(error.status)
    except BaseException as error:  # noqa: BLE001
        _debug_traceback()
        _report(error_w, SetupError(f"setup: {error}"))
    finally:
        os._exit(125)


def _debug_traceback() -> None:
    """PYSH_DEBUG=1: the Python traceback of an unexpected failure in a child, on its stderr."""
    if os.environ.get("PYSH_DEBUG"):
        try:
            import traceback

            traceback.print_exc()
        except BaseException:  # noqa: BLE001 - stderr may be closed: never let it escape the child
            pass


def _report(fd: int, error: SetupError) -> None:
    protocol.report_failure(fd, error.status, str(error))


# --------------------------------------------------------------------------- wait


def wait_status(started: Started) -> int:
    """Block until the supervisor reports PID 1's exit status. ^C is passed on to the container."""
    import signal

    while True:
        try:
            line = read_line(started.status_fd)  # not up to EOF: that comes after the supervisor's exit
            break
        except KeyboardInterrupt:
            send_signal(started.container, signal.SIGINT)
    os.close(started.status_fd)
    _reap_exited_supervisors()
    if not _reap(started.supervisor_pid, block=False):
        _exiting_supervisors.append(started.supervisor_pid)  # still freeing its memory: later
    started.oom_killed = protocol.status_says_oom_killed(line)
    started.supervisor_lost = not line.strip()
    return protocol.parse_status(line)


# --------------------------------------------------------------------------- run


def run(home: Path, spec: ContainerSpec, attach_terminal=None, notice=None) -> int:
    """`contain run`: create, start, and (unless -d) wait; returns the container's exit status.
    ``notice(text)`` hears what the user should know beyond the status (an OOM kill)."""
    container = create(home, spec, starting=True)
    try:
        started = start(home, container, foreground=not spec.detach)
    except BaseException:
        remove(home, state.load(container.dir) or container, force=True, volumes=True)
        raise
    if spec.detach:
        return 0
    if spec.tty and attach_terminal is not None:
        if attach_terminal(started.container) is None:  # detached with Ctrl-P Ctrl-Q
            os.close(started.status_fd)
            return 0
    status = wait_status(started)
    if started.supervisor_lost and spec.autoremove:
        remove(home, state.load(container.dir) or container, force=True, volumes=True)
    if started.oom_killed and notice is not None:
        notice(f"the container was killed by the OOM killer (memory limit {spec.memory} bytes)"
               if spec.memory else "the container was killed by the OOM killer")
    return status


def run_for_build(image, argv, env, workdir: str = "/", user: str = "", network: str = "none",
                  home: Path | None = None, on_start=None) -> tuple[int, Path]:
    """Run ``argv`` in a new container of ``image`` (for `contain build` RUN steps and the like).

    Output goes to this process's stdout/stderr. Returns (exit status, the container's upper dir);
    the container stays (hidden from `ps`) until the caller calls ``remove_build_container``.
    ``on_start(container_id)``, if given, is called once the container exists, before it starts.
    """
    from pyshell.contain.spec import default_spec
    from pyshell.statedir import pysh_home

    home = home or pysh_home()
    spec = default_spec(image, image_ref=image.id)
    spec = spec.replace(argv=tuple(argv), env=tuple(env), workdir=workdir or "/", user=user or "",
                   network=network, hidden=True)
    container = create(home, spec)
    try:
        if on_start is not None:
            on_start(container.id)
        started = start(home, container, foreground=True)
    except BaseException:
        remove(home, state.load(container.dir) or container, force=True, volumes=True)
        raise
    return wait_status(started), container.upper_dir


def remove_build_container(upper_dir: Path, home: Path | None = None) -> None:
    """Remove the container whose upper dir ``run_for_build`` returned."""
    from pyshell.statedir import pysh_home

    home = home or pysh_home()
    container = state.load(Path(upper_dir).parents[1])
    if container is not None:
        remove(home, container, force=True, volumes=True)


# --------------------------------------------------------------------------- exec


def exec_in(container: state.Container, argv, env, user: str, workdir: str, tty: bool, interactive: bool,
            detach: bool = False) -> int:
    """`contain exec`: a new process in all the namespaces and the cgroup of a running container.
    Its exit status; with ``detach`` (-d), 0 once it runs: its stdio is /dev/null, it has a
    session of its own, and the container's PID 1 becomes its parent (we don't wait for it)."""
    import socket

    state.require(container, "exec")
    if detach and (tty or interactive):
        raise ContainerError("exec -d runs the command in the background: it takes no -t or -i", 125)
    spec = container.spec
    pid = container.pid
    namespaces = ["ipc", "uts", "net", "cgroup", "pid", "mnt"]
    if spec.rootless:
        namespaces.insert(0, "user")
    seccomp.filter_for(spec.seccomp, spec.capabilities)  # the container's filter, compiled before the fork
    # With -t the pty must come from the container's own /dev/pts (so `tty` names it there):
    # the child opens it after joining the mount namespace and passes us the master end.
    our_end, their_end = socket.socketpair() if tty else (None, None)
    error_r, error_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        os.close(error_r)
        try:
            # Open every namespace first: once in the mount namespace, /proc is the container's.
            fds = [(name, os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC)) for name in namespaces]
            program = seccomp.filter_for(spec.seccomp, spec.capabilities)  # compiled above: a cache hit
            cgroup = cgroups.from_json(container.cgroup)
            if cgroup is not None:
                cgroup.join()  # before the namespaces (we would not see the cgroup fs): limits apply to us too
            for name, fd in fds:
                setup.step(f"setns {name}", syscalls.setns, fd, 0)
                os.close(fd)
            slave = None
            if tty:
                master, slave = setup.step("openpty", os.openpty)
                socket.send_fds(their_end, [b"pty"], [master])
                os.close(master)
            inner = os.fork()  # a PID namespace is entered by the children of setns's caller
            if inner == 0:
                if detach:
                    os.setsid()
                    devnull = os.open("/dev/null", os.O_RDWR)
                    stdio = Stdio(None, devnull, devnull, devnull)
                else:
                    stdio = Stdio(slave, 0 if interactive or tty else os.open("/dev/null", os.O_RDWR), 1, 2)
                full_env = dict(item.split("=", 1) for item in spec.env)
                full_env.update(item.split("=", 1) for item in env)
                setup.exec_process(argv, full_env, user if user else spec.user, workdir or spec.workdir,
                                   stdio, spec.capabilities, spec.rootless, program)
            os.close(error_w)
            if slave is not None:
                os.close(slave)
            if detach:
                os._exit(0)  # the error pipe tells our parent whether the command started
            os._exit(exit_status(os.waitpid(inner, 0)[1]))
        except SetupError as error:
            _report(error_w, error)
            os._exit(error.status)
        except BaseException as error:  # noqa: BLE001
            _debug_traceback()
            _report(error_w, SetupError(f"exec: {error}"))
        finally:
            os._exit(126)
    os.close(error_w)
    if tty:
        their_end.close()
        _, fds, _, _ = socket.recv_fds(our_end, 16, 1)
        our_end.close()
        if fds:
            from pyshell.contain.runtime.terminal import relay_pty

            _copy_window_size(0, fds[0])
            relay_pty(fds[0])
            os.close(fds[0])
    _, wait_status_value = os.waitpid(child, 0)
    failure = read_all(error_r, close=True)
    if failure:
        status, message = protocol.parse_failure(failure, default_status=126)
        raise ContainerError(message, status)
    return exit_status(wait_status_value)


# --------------------------------------------------------------------------- commit


def commit(home: Path, container: state.Container, reference: str | None, changes: dict, message: str = "",
           author: str = "", pause: bool | None = None):
    """`contain commit`: the container's upper dir as a new layer on its image (an image.store.Image).
    A running container is frozen meanwhile (kernel/freezer.py), so that the layer is one moment
    of it: ``pause`` None = when this host can (Docker's default), True = or fail, False = never."""
    from pyshell.contain.image.store import ImageStore
    from pyshell.contain.kernel import freezer

    store = ImageStore(home)
    parent = store.get(container.spec.image_id)

    def make_layer():
        return store.commit(container.upper_dir, parent, reference, changes,
                            created_by=f"contain commit {container.name}", comment=message, author=author)

    cgroup = cgroups.from_json(container.cgroup)
    if container.status != state.State.RUNNING or pause is False:
        return make_layer()
    if not freezer.available(cgroup):
        if pause:
            raise ContainerError("commit --pause: this host gives no cgroup freezer to this user "
                                 "(use --pause=false to commit a running container as it is)")
        return make_layer()
    with freezer.Frozen(container.pid, cgroup):
        return make_layer()


def _copy_window_size(source: int, target: int) -> None:
    import fcntl
    import termios

    try:
        size = fcntl.ioctl(source, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(target, termios.TIOCSWINSZ, size)
    except OSError:
        pass


def container_using_image(home: Path, image_id: str) -> str | None:
    """For `rmi`: the name of a container made from ``image_id`` (build containers excepted)."""
    return state.image_users(home)(image_id)
