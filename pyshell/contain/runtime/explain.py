"""`contain run --explain`: a container's setup told step by step, as it happens.

The runtime runs a container's setup as small named steps (``setup.step(what, action,
*args)``: one system call each, in kernel order). While explaining, ``setup.reporter``
holds a ``SetupReporter`` and every step is told here with
the result the kernel gave — in whichever process runs it: the `contain` command itself
(the cgroup), the supervisor (the user and PID namespaces), then PID 1 (the other
namespaces, the mounts, pivot_root, the privileges, execve). The lines go to a copy of
the caller's stderr made close-on-exec and above the container's fds, so PID 1 can still
write after it has made its own fds 0, 1, 2, and the command never inherits it.

Each step gets one line of "what it means", the course's tables: what each namespace
isolates, the overlay's layers, what /proc and the masked paths hide, which capabilities
are dropped. Steps that only make mount points (mkdir, create) are counted, not shown.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time

OWN_FD_FLOOR = 200
_IN_NEW_ROOT = re.compile(r"\S*/rootfs/merged(?=/)")

# The course's namespace table: flag, short name, what a new one isolates.
NAMESPACES = (
    (0x10000000, "user", "uids/gids and capabilities: root inside is an ordinary user outside"),
    (0x20000000, "pid", "process ids: the first child is PID 1 and sees only its descendants"),
    (0x00020000, "mnt", "the mount table: mounts made inside are invisible outside"),
    (0x04000000, "uts", "hostname and domain name"),
    (0x08000000, "ipc", "System V IPC and POSIX message queues"),
    (0x40000000, "net", "network devices, addresses, routes, ports (a new one has only lo, down)"),
    (0x02000000, "cgroup", "the cgroup tree's root: the container sees its cgroup as /"),
)

# capability numbers (linux/capability.h), for naming the ones dropped
CAPABILITIES = (
    "chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap linux_immutable "
    "net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio "
    "sys_chroot sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time "
    "sys_tty_config mknod lease audit_write audit_control setfcap mac_override mac_admin syslog "
    "wake_alarm block_suspend audit_read perfmon bpf checkpoint_restore").split()

MEANINGS = (  # (how the step's name starts, what it means)
    ("mount --make-rprivate", "no mount made from now on propagates back to the host"),
    ("mount /proc", "a procfs of the new PID namespace: ps shows only the container"),
    ("mount tmpfs /dev", "a small /dev of our own; device nodes are bind mounts of the host's"),
    ("mount /dev/pts", "a new devpts instance: the container's own terminals"),
    ("mask ", "hidden: host information or kernel knobs (runc's masked paths)"),
    ("remount /proc", "read-only: kernel knobs the container must not turn"),
    ("chdir to the new root", "pivot_root needs to be run from inside the new root"),
    ("pivot_root", "the merged overlay becomes /; the old root is stacked on top of it"),
    ("umount2 the old root", "the old root goes: no path leads back to the host (unlike chroot)"),
    ("sethostname", "in the new UTS namespace only"),
    ("bring up lo", "the new network namespace's loopback starts down"),
    ("prctl(PR_SET_NO_NEW_PRIVS)", "execve can no longer raise privileges (setuid bits, file caps)"),
    ("setgroups", "supplementary groups first, then gid, then uid: after setuid we could not"),
    ("capset", "the capabilities root keeps inside the container"),
    ("cgroup", "limits apply to every process of the container, and it cannot leave"),
)


class SetupReporter:
    def __init__(self, name: str, fd: int = 2, colour: bool | None = None, what: str = "run",
                 helper: str = "supervisor"):
        self.fd = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, OWN_FD_FLOOR)
        self.colour = os.isatty(fd) and "NO_COLOR" not in os.environ if colour is None else colour
        self.caller = os.getpid()
        self.started = time.monotonic()
        self.dropped: list[int] = []       # capabilities dropped, told as one step
        self.mount_points = 0              # mkdir/create steps, counted
        self.first_words_said = False  # by a process of the container (each has a copy of this)
        self.helper = helper  # the process between contain and the container: its name
        self.helper_pid: int | None = None
        self._say(self._bold(f"contain {what} --explain: the setup of {name}, in the order the kernel sees it"))

    # ---------------------------------------------------------------- output

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def _bold(self, text: str) -> str:
        return self._paint(text, "1")

    def _say(self, text: str) -> None:
        try:
            os.write(self.fd, (text + "\n").encode("utf-8", "surrogateescape"))
        except OSError:
            pass  # the caller's stderr went away: the container goes on

    def _who(self) -> str:
        pid = os.getpid()
        if pid == 1:
            return "PID 1"
        if pid == self.caller:
            return "contain"
        if self.helper_pid is None:  # the first other process to speak: the supervisor (or exec's child)
            self.helper_pid = pid
        return self.helper if pid == self.helper_pid else f"PID {pid}"  # `exec`'s command: its pid inside

    def _first_words(self) -> None:
        """A process in the container's PID namespace says first where it came from: PID 1,
        the supervisor's fork, and its pid on the host (NSpid in /proc/self/status: the
        host's /proc is still mounted); `exec`'s command, the fork after setns."""
        self.first_words_said = True
        if os.getpid() != 1:
            self._line(f"fork() by the {self.helper} → PID {os.getpid()} inside", "ok",
                       "setns into a PID namespace takes effect for the children of the caller")
            return
        host_pid = "?"
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("NSpid:"):
                        host_pid = line.split()[1]
        except OSError:
            pass
        self._line(f"fork() by the supervisor → pid {host_pid} on the host, 1 inside", "ok",
                   "its first child since unshare(CLONE_NEWPID) is the new namespace's PID 1")

    def _line(self, what: str, result: str, meaning: str = "", failed: bool = False) -> None:
        pid = os.getpid()
        if not self.first_words_said and pid != self.caller and self.helper_pid not in (None, pid):
            self._first_words()
        # No step numbers: the supervisor and PID 1 each hold a copy of this reporter; the
        # time since the start orders the lines, which each process writes as it goes.
        elapsed = (time.monotonic() - self.started) * 1000
        result = self._paint(result, "31;1" if failed else "32")
        self._say(f"{elapsed:7.1f} ms  {self._paint(f'{self._who():<10}', '1')}  {what}  → {result}")
        if meaning:
            self._say(" " * 23 + self._paint(meaning, "2"))

    # ---------------------------------------------------------------- what contain tells us

    def step(self, what: str, args, result=None, error: OSError | None = None, action=None) -> None:
        """One setup step and its outcome (``error`` when the kernel refused it). ``action``,
        the function the step ran: its docstring says what a step this table lacks means."""
        if what.startswith("prctl(PR_CAPBSET_DROP") and error is None:
            self.dropped.append(args[1] if len(args) > 1 else -1)
            return
        self._flush_capabilities()
        if what.startswith(("mkdir ", "create ")) and error is None:
            self.mount_points += 1
            return
        what = _IN_NEW_ROOT.sub("", what)  # /…/rootfs/merged/proc/keys is /proc/keys inside
        outcome = f"{_errno_name(error)} ({error.strerror})" if error is not None else "ok"
        meaning = "" if error is not None else _meaning(what, args) or _first_sentence(action)
        self._line(what, outcome, meaning, failed=error is not None)

    def note(self, what: str, meaning: str = "") -> None:
        """A setup action that is not a single step (the cgroup and its limits)."""
        self._flush_capabilities()
        self._line(what, "ok", meaning)

    def cgroup(self, cgroup, spec) -> None:
        """The container's cgroup, made by `contain` before anything is started."""
        memory = f"{spec.memory / 2**20:g} MiB" if spec.memory else None
        limits = [f"{name} {value}" for name, value in (("memory", memory), ("cpus", spec.cpus),
                                                         ("pids", spec.pids_limit)) if value]
        where = ", ".join(cgroup.paths)
        self.note(f"cgroup v{cgroup.version}: mkdir {where}",
                  ("limits: " + ", ".join(limits) if limits else "no limits asked: it still counts and can kill all")
                  + "; every process of the container will be in it")

    def exec(self, path: str, argv) -> None:
        """The last thing: PID 1 (or the command under --init) becomes the program."""
        self._flush_capabilities()
        if self.mount_points:
            self._say(" " * 23 + self._paint(f"({self.mount_points} mount points made with mkdir/create)", "2"))
            self.mount_points = 0
        pid_1 = os.getpid() == 1
        self._line(f"execve({path!r}, {list(argv)!r})", "the container runs" if pid_1 else "the command runs",
                   "close-on-exec fds (this report's too) vanish; "
                   + ("the command is the container's PID 1" if pid_1 else "it lives in the container's namespaces"))

    def finished(self, status: int, detached: bool, executed: bool = False) -> None:
        """Back in `contain`: the container's end (or, with -d, that it runs on)."""
        if executed:
            self.note(f"waitpid → the command ended: status {status}")
        elif detached:
            self.note("detached: the supervisor waits for PID 1, `contain` returns")
        else:
            self.note(f"the supervisor's waitpid → PID 1 ended: status {status}",
                      "the supervisor passes it on; the cgroup and the mounts go with the container")

    def _flush_capabilities(self) -> None:
        if not self.dropped:
            return
        names = [CAPABILITIES[n] if 0 <= n < len(CAPABILITIES) else str(n) for n in self.dropped]
        self.dropped = []
        shown = ", ".join(names[:8]) + (f", … ({len(names)} in all)" if len(names) > 8 else "")
        self._line(f"prctl(PR_CAPBSET_DROP) × {len(names)}", "ok",
                   f"gone from the bounding set for good: {shown}")


def _errno_name(error: OSError) -> str:
    import errno

    return errno.errorcode.get(error.errno or 0, "error")


def _meaning(what: str, args) -> str:
    if what.startswith("unshare(") or what.startswith("user namespace"):
        flags = args[0] if args and isinstance(args[0], int) else 0x10000000
        text = "; ".join(f"{name}: {isolates}" for bit, name, isolates in NAMESPACES if flags & bit)
        if what.startswith("user namespace"):
            text += "; " + _id_maps()
        return text
    if what.startswith("setns "):
        name = what.split()[1]
        isolates = next((text for _, short, text in NAMESPACES if short == name), "")
        return f"joins the running container's {name} namespace: {isolates}"
    if what.startswith("mount overlay"):
        options = args[4] if len(args) > 4 else ""
        parts = dict(item.split("=", 1) for item in options.split(",") if "=" in item)
        layers = parts.get("lowerdir", "").split(":")
        names = " ".join(_short_layer(layer) for layer in layers[1:])
        return (f"{len(layers)} read-only layers, top first: the mount points, then the image's"
                f" {len(layers) - 1} ({names}); every write goes to the container's upper dir")
    for start, meaning in MEANINGS:
        if what.startswith(start):
            return meaning
    return ""


def _first_sentence(action) -> str:
    """The first sentence of a step function's docstring (the network and seccomp rooms'
    steps explain themselves that way); "" for a builtin such as os.chdir."""
    doc = getattr(action, "__doc__", None) or ""
    if not doc or getattr(action, "__module__", "") in (None, "posix", "os", "builtins"):
        return ""
    return " ".join(doc.split(".")[0].replace("``", "").split())


def _short_layer(path: str) -> str:
    """A layer directory by the start of its digest (…/sha256/86cca51f9f35…/ -> 86cca51f9f35)."""
    for part in reversed(path.rstrip("/").split("/")):
        digest = part.split(":")[-1]
        if len(digest) >= 12 and all(c in "0123456789abcdef" for c in digest):
            return digest[:12]
    return os.path.basename(path.rstrip("/"))


def _id_maps() -> str:
    try:
        with open("/proc/self/uid_map") as uids, open("/proc/self/gid_map") as gids:
            return f"uid_map {' '.join(uids.read().split())} · gid_map {' '.join(gids.read().split())}"
    except OSError:
        return ""


@contextlib.contextmanager
def reporting(name: str, what: str = "run"):
    """While the block runs (`contain run`, or `exec`), every setup step is told on stderr."""
    from pyshell.contain.runtime import setup

    setup.reporter = SetupReporter(name, what=what, helper="supervisor" if what == "run" else "child")
    try:
        yield setup.reporter
    finally:
        reporter, setup.reporter = setup.reporter, None
        os.close(reporter.fd)
