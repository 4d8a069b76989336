"""Inside the new namespaces: turn a process into a container, then exec the command.

`enter_container()` runs in the container's first process (PID 1 of its PID namespace),
already inside the namespaces the runtime unshared (see lifecycle.py). It reads top to bottom
like bubblewrap or runc's rootfs_linux.go + standard_init_linux.go: one line per step, each
with why it is there; a failing step raises SetupError naming the step and the syscall.

Order matters and follows the kernel: mounts are built under the new root while the host's
paths are still reachable, then pivot_root makes it "/", then the process sheds privileges
(capabilities, NO_NEW_PRIVS, groups, gid, uid) as the very last thing before exec.
Nothing here needs undoing: every mount lives in the container's private mount namespace
and disappears with it.
"""

from __future__ import annotations

import _socket  # the C part of `socket`: socket.py's enums would cost 4 ms at the first run
import errno
import fcntl
import os
import signal
import stat
import struct
import termios  # at the top like the rest: after pivot_root, PID 1 can load no module

from pyshell.contain.kernel import seccomp, syscalls
from pyshell.contain.kernel.syscalls import (MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY,
                                   MS_REC, MS_REMOUNT, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS)
from pyshell.contain.network import resolv
from pyshell.contain.spec import MASKED_PATHS, READONLY_PATHS, ContainerSpec
from pyshell.record import Record

DEVICES = ("null", "zero", "full", "random", "urandom", "tty")


class SetupError(Exception):
    """A setup step failed; ``status`` is what `contain run` exits with (125, or 126/127 for exec)."""

    def __init__(self, message: str, status: int = 125):
        super().__init__(message)
        self.status = status


class Paths(Record):
    """Host paths the container is made of (under PYSH_HOME/containers/ID, but the last one)."""

    upper: str
    work: str
    merged: str
    etc_dir: str          # an empty directory: a tmpfs for hostname, hosts, resolv.conf goes there
    mount_points: str     # a read-only layer shared by all containers: see lifecycle.mount_points_layer


class Stdio(Record):
    """What fds 0, 1, 2 become: a pty slave (for -t) or three inherited fds."""

    tty_slave: int | None
    stdin: int
    stdout: int
    stderr: int


# `contain run --explain` puts a SetupReporter here (runtime/explain.py): each step is then
# told with the kernel's answer as it happens. None otherwise.
reporter = None


def step(what: str, action, *args):
    """Run one setup step; on failure name it: 'mount /proc: Operation not permitted'."""
    try:
        result = action(*args)
    except OSError as error:
        if reporter is not None:
            reporter.step(what, args, error=error)
        detail = error.strerror or str(error)
        raise SetupError(f"{what}: {detail}") from None
    if reporter is not None:
        reporter.step(what, args, result, action=action)
    return result


def enter_container(spec: ContainerSpec, paths: Paths, stdio: Stdio, error_fd: int, wait_for_cgroup,
                    network=None) -> None:
    """Build the container's filesystem and process state, then exec ``spec.argv``. Never returns.
    ``wait_for_cgroup()`` returns once this process is in the container's cgroup."""
    new_root = paths.merged

    # 1. Nothing we mount may propagate back to the host (shared mounts would leak there).
    step("mount --make-rprivate /", syscalls.mount, None, "/", None, MS_REC | MS_PRIVATE)

    # 2. The root filesystem: image layers (read-only, lowest first) under a per-container upper dir.
    #    On top of the image, the layer of empty mount points (/etc/hosts...) that we mount over.
    lower = ":".join((paths.mount_points, *reversed(spec.layer_dirs)))  # overlayfs lists the top layer first
    options = f"lowerdir={lower},upperdir={paths.upper},workdir={paths.work}"
    if spec.rootless:
        options += ",userxattr"  # trusted.* xattrs are out of reach in a user namespace
    step("mount overlay (root filesystem)", syscalls.mount, "overlay", new_root, "overlay", 0, options)

    # 3. Volumes, bind mounts and tmpfs the user asked for, while host paths are still visible.
    #    Every path in the new root goes through _inside(), which keeps the image's symlinks inside it.
    for mount in spec.mounts:
        target = _inside(new_root, mount.target)
        if mount.kind == "tmpfs":
            _make_mount_point(target, directory=True)
            data = mount.options or "mode=1777"
            step(f"mount tmpfs {mount.target}", syscalls.mount, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, data)
        else:
            _make_mount_point(target, directory=os.path.isdir(mount.source))
            step(f"bind mount {mount.source} on {mount.target}", syscalls.mount,
                 mount.source, target, None, MS_BIND | MS_REC)
            if mount.readonly:
                _remount_readonly(target, f"remount {mount.target} read-only")

    # 4. /proc for the new PID namespace: it shows only the container's processes.
    proc = _inside(new_root, "/proc")
    _make_mount_point(proc, directory=True)
    step("mount /proc", syscalls.mount, "proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)

    # 5. /sys read-only: a fresh sysfs shows our network namespace's devices only.
    sys_dir = _inside(new_root, "/sys")
    _make_mount_point(sys_dir, directory=True)
    _mount_sys(spec, sys_dir)

    # 6. A minimal /dev on tmpfs. Device nodes are bind mounts of the host's, which also works
    #    in a user namespace where mknod is forbidden (bubblewrap does the same).
    _make_dev(_inside(new_root, "/dev"), stdio.tty_slave)
    for device in spec.devices:  # --device: the host's node, bound (the devices cgroup lets it open)
        target = _inside(new_root, device.target)
        _make_mount_point(target, directory=False)
        step(f"bind mount device {device.host} on {device.target}", syscalls.mount, device.host, target, None, MS_BIND)

    # 7. /etc/hostname, /etc/hosts, /etc/resolv.conf: written to a small tmpfs of this mount
    #    namespace (no disk writes, gone with the container), then bound over the image's files.
    step("mount tmpfs for the /etc files", syscalls.mount, "tmpfs", paths.etc_dir, "tmpfs",
         MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=755")
    _make_mount_point(_inside(new_root, "/etc"), directory=True)
    for name, content in etc_files(spec, network).items():
        step(f"write {name}", _write_new_file, f"{paths.etc_dir}/{name}", content)
        target = _inside(new_root, f"/etc/{name}")
        _make_mount_point(target, directory=False)
        step(f"bind mount /etc/{name}", syscalls.mount, f"{paths.etc_dir}/{name}", target, None, MS_BIND)

    # 8. runc's masked paths (host information) and read-only /proc parts (kernel knobs).
    for path in MASKED_PATHS:
        _mask(_inside(new_root, path))
    for path in READONLY_PATHS:
        target = _inside(new_root, path)
        if os.path.exists(target):
            step(f"bind mount {path}", syscalls.mount, target, target, None, MS_BIND | MS_REC)
            _remount_readonly(target, f"remount {path} read-only")

    # The seccomp program, while "/" is still the host's: runtime.start compiled it before the
    # fork (this is a cache hit); libseccomp must never be loaded from the container's root.
    seccomp_program = seccomp.filter_for(spec.seccomp, spec.capabilities)

    # 9. Make the new root "/": pivot_root(".", ".") stacks the old root on top of the new one,
    #    and the lazy unmount takes it away. Unlike chroot, no path leads back to the host.
    step("chdir to the new root", os.chdir, new_root)
    step("pivot_root", syscalls.pivot_root, ".", ".")
    step("umount2 the old root", syscalls.umount2, ".", MNT_DETACH)
    step("chdir /", os.chdir, "/")

    # 10. --read-only: the root itself, now that every mount point in it exists.
    if spec.read_only:
        _remount_readonly("/", "remount / read-only")

    # 11. The UTS namespace is ours: give it the container's hostname.
    step("sethostname", syscalls.sethostname, spec.hostname)

    # 12. --network none: a new network namespace has only "lo", and it starts down.
    if spec.network == "none":
        step("bring up lo", _loopback_up)

    # 13. The cgroup: we are in it once this returns (we joined it first thing, or the supervisor
    #     moved us while we built the filesystem). Nothing ran yet that could escape it. Then a
    #     cgroup namespace, rooted at that cgroup: the container sees itself at "/" in /proc/self/cgroup.
    wait_for_cgroup()
    step("unshare(CLONE_NEWCGROUP)", syscalls.unshare, syscalls.CLONE_NEWCGROUP)

    # 14-21. Then the same steps as `contain exec`: user, working directory, stdio, privileges, exec.
    env = dict(item.split("=", 1) for item in spec.env)
    exec_process(spec.argv, env, spec.user, spec.workdir, stdio, spec.capabilities, spec.rootless,
                 seccomp_program, error_fd if spec.init else None)


def exec_process(argv, env: dict, user: str, workdir: str, stdio: Stdio, capabilities, rootless: bool,
                 seccomp_program: bytes | None, init_error_fd: int | None = None) -> None:
    """The last steps of any process entering a container (PID 1 or `exec`). Never returns.

    With ``init_error_fd`` (--init), this process stays as PID 1 and a child runs the command;
    the fd is where setup errors go, and the reaper must close it once the child is forked."""
    # 14. Who to run as, read from the image's /etc/passwd and /etc/group.
    uid, gid, groups, home = lookup_user(user, rootless)
    env.setdefault("HOME", home)

    # 15. The working directory (-w / WorkingDir), created if missing, as Docker does.
    if not os.path.isdir(workdir):
        step(f"mkdir {workdir}", os.makedirs, workdir, 0o755, True)
    step(f"chdir {workdir}", os.chdir, workdir)

    # 16. The terminal or the inherited fds become 0, 1, 2.
    _setup_stdio(stdio)

    # 17. Capabilities: remove all others from the bounding set, for good (exec can't get them back).
    wanted = _capability_mask(capabilities)
    for number in range(syscalls.last_capability() + 1):
        if not wanted & (1 << number):
            step(f"prctl(PR_CAPBSET_DROP, {number})", syscalls.prctl, PR_CAPBSET_DROP, number)

    # 18. NO_NEW_PRIVS: setuid binaries and file capabilities can't raise privileges any more.
    step("prctl(PR_SET_NO_NEW_PRIVS)", syscalls.prctl, PR_SET_NO_NEW_PRIVS, 1)

    # 19. Drop to the user, last: groups, then gid, then uid (after setuid we couldn't change gid).
    if groups is not None:
        step("setgroups", os.setgroups, groups)
    step("setgid", os.setgid, gid)
    step("setuid", os.setuid, uid)
    if uid == 0:
        step("capset", syscalls.capset, wanted, wanted, 0)

    # 20. Seccomp, last (NO_NEW_PRIVS lets us without CAP_SYS_ADMIN): from now on the kernel
    #     refuses the system calls the profile names, to this process and all it starts.
    if seccomp_program is not None:
        step("seccomp filter", seccomp.install_filter, seccomp_program)

    # 21. The command becomes PID 1 (or, with --init, the child of a tiny reaper that stays PID 1).
    if init_error_fd is not None:
        _run_init(argv, env, init_error_fd)
    _exec(argv, env)


def lookup_user(user: str, rootless: bool) -> tuple[int, int, list[int] | None, str]:
    """-u USER[:GROUP] -> (uid, gid, supplementary groups, home), from the container's /etc files.

    In a rootless container without a subordinate range only root exists (one uid is mapped),
    and setgroups is denied; with one, the ids 0..N-1 exist (userns.py).
    """
    name, _, group = (user or "root").partition(":")
    passwd = _read_table("/etc/passwd")
    groups_table = _read_table("/etc/group")
    entry = next((row for row in passwd if row[0] == name or (name.isdigit() and row[2] == name)), None)
    if entry is not None:
        uid, gid, home, user_name = int(entry[2]), int(entry[3]), entry[5] or "/", entry[0]
    elif name.isdigit():
        uid, gid, home, user_name = int(name), int(name) if not group else 0, "/", ""
    else:
        raise SetupError(f"unable to find user {name}: no matching entries in passwd file")
    if group:
        row = next((row for row in groups_table if row[0] == group or (group.isdigit() and row[2] == group)), None)
        if row is not None:
            gid = int(row[2])
        elif group.isdigit():
            gid = int(group)
        else:
            raise SetupError(f"unable to find group {group}: no matching entries in group file")
    extra = [int(row[2]) for row in groups_table if user_name and user_name in row[3].split(",")]
    if rootless:
        uids, gids = _mapped_ids("/proc/self/uid_map"), _mapped_ids("/proc/self/gid_map")
        if uids == 1 and (uid != 0 or gid != 0):
            raise SetupError(f"user {user}: a rootless container maps only root (uid 0); "
                             f"run as root or add a range for your user to /etc/subuid and /etc/subgid")
        if uid >= uids or gid >= gids:
            raise SetupError(f"user {user}: uid {uid} or gid {gid} is outside the {uids} ids "
                             f"this rootless container maps (see /etc/subuid and /etc/subgid)")
        if uids == 1:
            return 0, 0, None, home  # setgroups is denied in this namespace
        return uid, gid, sorted({group for group in extra if group < gids}), home
    return uid, gid, sorted(set(extra)), home


def _mapped_ids(path: str) -> int:
    """How many ids our user namespace maps (1: only root, as without a subordinate range).
    Read here, not imported: `exec` runs this after entering the container's filesystem."""
    try:
        with open(path) as file:
            return sum(int(line.split()[2]) for line in file if line.strip())
    except (OSError, ValueError, IndexError):
        return 1


def _read_table(path: str) -> list[list[str]]:
    try:
        with open(path) as file:
            return [line.rstrip("\n").split(":") + [""] * 7 for line in file if line.strip() and not line.startswith("#")]
    except OSError:
        return []


# --------------------------------------------------------------------------- steps in detail


# The start of every container's /etc/hosts, as Docker's (and Debian's) has it.
STANDARD_HOSTS = (b"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                  b"ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")


def etc_files(spec: ContainerSpec, network=None) -> dict[str, bytes]:
    """The network identity files: the container's name and address, --add-host lines, and its
    name servers (--dns, its network's, or the host's). ``network``: network/attach.py's Plan."""
    extra = "".join(f"{ip}\t{name}\n" for name, ip in spec.add_hosts).encode()
    if spec.network == "host":
        hosts = _read_host_file("/etc/hosts") + extra
    else:  # Docker's order: the usual names, --add-host's, then the container's own lines
        own = network.hosts_lines() if network is not None else ""  # none: no address, no line
        hosts = STANDARD_HOSTS + extra + own.encode()
    servers = list(spec.dns) or (network.name_servers() if network is not None else [])
    resolv_conf = resolv.content(resolv.host_file(), servers)
    return {"hostname": f"{spec.hostname}\n".encode(), "hosts": hosts, "resolv.conf": resolv_conf}


def _read_host_file(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return b""


def _write_new_file(path: str, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, content)
    finally:
        os.close(fd)


def _inside(root: str, path: str) -> str:
    """``path`` as seen from inside ``root``, following symlinks *within* the root (like runc's
    securejoin): an image's symlink /data -> /etc must not make us mount or mkdir on the host's /etc."""
    resolved = ""
    pending = [part for part in path.split("/") if part]
    for _ in range(255):  # at most this many symlinks, as the kernel's own limit
        if not pending:
            return root + (resolved or "/")
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            resolved = os.path.dirname(resolved).rstrip("/")
            continue
        candidate = f"{resolved}/{part}"
        if os.path.islink(root + candidate):
            target = os.readlink(root + candidate)
            if target.startswith("/"):
                resolved = ""
            pending[:0] = [p for p in target.split("/") if p]
        else:
            resolved = candidate
    raise SetupError(f"too many symlinks in {path}")


def _make_mount_point(path: str, directory: bool) -> None:
    """mkdir -p (or touch) ``path`` in the new root: a mount needs something to cover."""
    if os.path.lexists(path):
        return
    parent = os.path.dirname(path)
    step(f"mkdir {parent}", os.makedirs, parent, 0o755, True)
    if directory:
        step(f"mkdir {path}", os.mkdir, path, 0o755)
    else:
        step(f"create {path}", lambda: os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644)))


def _locked_flags(path: str) -> int:
    """Flags a bind remount must keep: in a user namespace the kernel locks nosuid/nodev/noexec."""
    flags = os.statvfs(path).f_flag
    result = 0
    for st_flag, ms_flag in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
        if flags & st_flag:
            result |= ms_flag
    return result


def _remount_readonly(path: str, what: str) -> None:
    step(what, syscalls.mount, None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(path))


def _mount_sys(spec: ContainerSpec, target: str) -> None:
    try:
        syscalls.mount("sysfs", target, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        # A user namespace may mount sysfs only with a network namespace of its own
        # (--network host when rootless): fall back to a read-only bind of the host's /sys.
        step("bind mount /sys", syscalls.mount, "/sys", target, None, MS_BIND | MS_REC)
        _remount_readonly(target, "remount /sys read-only")


def _make_dev(dev: str, tty_slave: int | None) -> None:
    _make_mount_point(dev, directory=True)
    step("mount tmpfs /dev", syscalls.mount, "tmpfs", dev, "tmpfs", MS_NOSUID, "mode=755,size=65536k")
    for name in DEVICES:
        _make_mount_point(f"{dev}/{name}", directory=False)
        step(f"bind mount /dev/{name}", syscalls.mount, f"/dev/{name}", f"{dev}/{name}", None, MS_BIND)
    os.mkdir(f"{dev}/pts", 0o755)
    step("mount /dev/pts", syscalls.mount, "devpts", f"{dev}/pts", "devpts", MS_NOSUID | MS_NOEXEC,
         "newinstance,ptmxmode=0666,mode=0620")
    os.symlink("pts/ptmx", f"{dev}/ptmx")
    os.mkdir(f"{dev}/shm", 0o1777)
    step("mount /dev/shm", syscalls.mount, "shm", f"{dev}/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
         "mode=1777,size=65536k")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    if tty_slave is not None:
        # /dev/console is the container's terminal, as in runc.
        _make_mount_point(f"{dev}/console", directory=False)
        step("bind mount /dev/console", syscalls.mount, os.ttyname(tty_slave), f"{dev}/console", None, MS_BIND)


def _mask(path: str) -> None:
    """Hide ``path``: /dev/null over a file, an empty read-only tmpfs over a directory."""
    if not os.path.exists(path):
        return
    if os.path.isdir(path):
        step(f"mask {path}", syscalls.mount, "tmpfs", path, "tmpfs", MS_RDONLY, "size=0")
    else:
        step(f"mask {path}", syscalls.mount, "/dev/null", path, None, MS_BIND)


def _loopback_up() -> None:
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    finally:
        sock.close()


def _setup_stdio(stdio: Stdio) -> None:
    if stdio.tty_slave is not None:
        # A session of our own with the pty as its controlling terminal: job control and ^C work.
        os.setsid()
        step("ioctl(TIOCSCTTY)", fcntl.ioctl, stdio.tty_slave, termios.TIOCSCTTY, 0)
        sources = (stdio.tty_slave,) * 3
    else:
        sources = (stdio.stdin, stdio.stdout, stdio.stderr)
    for target, source in enumerate(sources):
        step(f"dup2 onto fd {target}", os.dup2, source, target)


def _capability_mask(names) -> int:
    mask = 0
    for name in names:
        number = syscalls.CAPABILITIES[name]
        if number <= syscalls.last_capability():
            mask |= 1 << number
    return mask


def _exec(argv, env) -> None:
    """exec the command found on the container's PATH; failure is 127 (not found) or 126 (not
    executable). The search is done with stat, as shells and runc do, not by trying execve in
    each directory (os.execvpe): a failed execve costs ~0.3 ms here, busybox's `true` is 6th."""
    try:
        _reset_signals()
        path = _find_on_path(argv[0], env.get("PATH", os.defpath))
        if reporter is not None:
            reporter.exec(path, argv)
        os.execve(path, list(argv), env)
    except OSError as error:
        if reporter is not None:
            reporter.step(f'execve "{argv[0]}"', (), error=error)
        status = 127 if isinstance(error, FileNotFoundError) else 126
        raise SetupError(f'exec "{argv[0]}": {error.strerror}', status) from None


def _find_on_path(command: str, search_path: str) -> str:
    """The first executable ``command`` in ``search_path`` (a name with a / is not searched).
    Else, as execvp: the first one we may not run or reach, whose exec fails with "Permission
    denied"; or FileNotFoundError."""
    if "/" in command:
        return command
    denied = None
    for directory in search_path.split(":"):
        path = f"{directory or '.'}/{command}"
        try:
            if stat.S_ISREG(os.stat(path).st_mode) and os.access(path, os.X_OK):
                return path
            denied = denied or path  # a directory, or not executable
        except PermissionError:
            denied = denied or path
        except OSError:
            pass  # not there
    if denied is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
    return denied


def _reset_signals() -> None:
    """Python ignores SIGPIPE and SIGXFSZ and catches SIGINT; the command starts with the defaults."""
    for number in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM,
                   signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                     signal.SIGUSR2, signal.SIGWINCH)


def _run_init(argv, env, error_fd: int) -> None:
    """--init: stay PID 1 as a tiny reaper (this Python process, already in memory: the image
    needs no Python). Forward signals to the command, reap orphans, exit with its status."""
    child = os.fork()
    if child == 0:
        _exec(argv, env)  # on failure, SetupError goes up to the runtime, which reports it on error_fd
    os.close(error_fd)  # only the command's exec (CLOEXEC) may close the last copy: "started"
    for number in FORWARDED_SIGNALS:
        signal.signal(number, lambda sig, frame: os.kill(child, sig))
    while True:
        pid, status = os.wait()  # any process: orphans of the container are re-parented to us
        if pid == child:
            os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))

