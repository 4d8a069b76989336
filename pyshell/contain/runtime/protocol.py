"""Every message between `contain`, the supervisor and PID 1, and the files they leave: one place.

    contain ──fork──> supervisor ──fork──> PID 1
       ▲  start pipe    │    go pipe ──────▶ │   "go": you are in the cgroup, exec
       │  (EOF = ok,    │  ◀────── error pipe │   EOF = exec'd, or "STATUS message"
       │  or a failure) │
       ▲  status pipe   │   PID 1's exit status, one line (foreground runs)
    attach clients ◀──▶ attach.sock: "attach ROWS COLS" / "resize ROWS COLS", then frames

Files in the container's directory (see state.py): ``running`` (the Running record),
``exit`` (the Exit record), ``restarter`` (a PidFile). Each has one format and one parse here.

Only ``os`` is imported at the top: the supervisor, a bare `python -I -S`, imports this module.
"""

from __future__ import annotations

import os

from pyshell.record import Record

# --------------------------------------------------------------------------- pipes

GO = b"go"  # supervisor -> PID 1: it is in the container's cgroup, it may exec the command


def send_go(fd: int) -> None:
    try:
        os.write(fd, GO)
    except BrokenPipeError:
        pass  # PID 1 failed already: the supervisor reads why from the error pipe
    os.close(fd)


def wait_go(fd: int) -> bool:
    """PID 1's side: False if the supervisor died before releasing it."""
    released = os.read(fd, len(GO)) == GO
    os.close(fd)
    return released


def report_failure(fd: int, status: int, message: str) -> None:
    """A failed setup step, on the error pipe (PID 1 -> supervisor) or the start pipe
    (supervisor -> contain): "STATUS message"; the exit status `contain run` gives."""
    try:
        os.write(fd, f"{status} {message}\n".encode())
    except OSError:
        pass


def parse_failure(data: bytes, default_status: int = 125) -> tuple[int, str]:
    """(status, message) of what report_failure() wrote."""
    text = data.decode(errors="replace").strip()
    code, _, message = text.partition(" ")
    if code.isdigit():
        return int(code), message
    return default_status, text


def format_status(status: int, oom_killed: bool = False) -> bytes:
    """Supervisor -> a foreground `contain run`: PID 1's exit status (and whether the OOM killer struck)."""
    return f"{status}{' oom-killed' if oom_killed else ''}\n".encode()


def parse_status(data: bytes) -> int:
    """255 when the supervisor died without telling a status (Docker's 'unknown')."""
    words = data.decode(errors="replace").split()
    return int(words[0]) if words and words[0].isdigit() else 255


def status_says_oom_killed(data: bytes) -> bool:
    return "oom-killed" in data.decode(errors="replace").split()[1:]


# --------------------------------------------------------------------------- supervisor argv


class SupervisorArgs(Record):
    """What the supervisor is told, as ``key=value`` words of its argv (it may be a fresh Python).
    fds are inherited descriptors; None means the feature is not used, or for the pipes that
    steps 1 and 2 use (error, start, proxy_release, keeper) that those were done before an exec."""

    dir: str                         # the container's directory
    container_pid: int               # PID 1, the supervisor's child
    error_pipe: int | None = None    # read end: PID 1's setup failure, EOF once it exec'd
    start_pipe: int | None = None    # write end: to `contain start`
    status_pipe: int | None = None   # write end: PID 1's exit status for a foreground run
    master: int | None = None        # pty master (-t)
    listen: int | None = None        # the attach socket (-t)
    wait_client: bool = False        # -t in the foreground: hold output until `run` attaches
    stdout_pipe: int | None = None   # without -t: PID 1's stdout, read end
    stderr_pipe: int | None = None
    stdout_to: int | None = None     # ... copied to these in the foreground (the caller's stdout and stderr)
    stderr_to: int | None = None
    log: int | None = None           # container.log, append (containerlog.py's records)
    cgroup: dict | None = None       # cgroups.Cgroup.to_json(): {"version": 1|2, "paths": [...]}
    autoremove: bool = False         # --rm: remove these paths after the exit
    remove: tuple[str, ...] = ()
    network: bool = False            # give the address lease back when PID 1 exits (network/attach.py)
    proxy: int | None = None         # the port proxy's pid, a child: it may enter PID 1's namespaces ...
    proxy_release: int | None = None  # ... once told PID 1's pid on this pipe (write end)
    slirp: tuple[int, int] | None = None  # rootless: slirp4netns (pid, write end of its exit pipe)
    keeper_pid: int | None = None    # health.py's keeper, a child: told PID 1's pid on ...
    keeper_pipe: int | None = None   # ... this pipe (write end)

    def passed_fds(self) -> list[int]:
        """The fds the supervisor must inherit."""
        names = ("error_pipe", "start_pipe", "status_pipe", "master", "listen", "stdout_pipe", "stderr_pipe",
                 "stdout_to", "stderr_to", "log", "proxy_release", "keeper_pipe")
        fds = [value for value in (getattr(self, name) for name in names) if value is not None]
        if self.slirp is not None:
            fds.append(self.slirp[1])
        return fds

    def to_argv(self) -> list[str]:
        argv = []
        for name in self._fields:
            value = getattr(self, name)
            if value is None or value is False or value == ():
                continue
            if value is True:
                argv.append(name)
            elif name == "cgroup":
                argv.append(f"cgroup={value['version']}:{','.join(value['paths'])}")
            elif name == "remove":
                argv.append(f"remove={'|'.join(value)}")
            elif name == "slirp":
                argv.append(f"{name}={value[0]}:{value[1]}")
            else:
                argv.append(f"{name}={value}")
        return argv

    @classmethod
    def from_argv(cls, argv: list[str]) -> SupervisorArgs:
        fields: dict = {}
        for word in argv:
            name, has_value, value = word.partition("=")
            if name not in cls._fields:
                raise ValueError(f"supervisor: unknown argument {word!r}")
            if not has_value:
                fields[name] = True
            elif name == "cgroup":
                version, _, paths = value.partition(":")
                fields[name] = {"version": int(version), "paths": paths.split(",")}
            elif name == "remove":
                fields[name] = tuple(value.split("|"))
            elif name == "slirp":
                fields[name] = tuple(int(number) for number in value.split(":"))
            elif name == "dir":
                fields[name] = value
            else:
                fields[name] = int(value)
        return cls(**fields)


# --------------------------------------------------------------------------- attach socket

ATTACH_SOCKET = "attach.sock"
FRAME_OUTPUT = b"o"  # payload: bytes the container wrote on its terminal
FRAME_EXIT = b"x"    # payload: PID 1's exit status, in ASCII; the last frame
_FRAME_HEADER = 5    # 1 byte kind, 4 bytes big-endian length


def frame(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def split_frames(pending: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The complete frames at the start of ``pending`` as (kind, payload), and the rest."""
    frames = []
    while len(pending) >= _FRAME_HEADER:
        length = int.from_bytes(pending[1:_FRAME_HEADER], "big")
        if len(pending) < _FRAME_HEADER + length:
            break
        frames.append((pending[:1], pending[_FRAME_HEADER:_FRAME_HEADER + length]))
        pending = pending[_FRAME_HEADER + length:]
    return frames, pending


def attach_request(rows: int, cols: int) -> bytes:
    """A client's first line: stay connected, get frames, send keystrokes."""
    return f"attach {rows} {cols}\n".encode()


def resize_request(rows: int, cols: int) -> bytes:
    """A one-shot connection: set the terminal's size (SIGWINCH in the container)."""
    return f"resize {rows} {cols}\n".encode()


def parse_request(line: bytes) -> tuple[str, tuple[int, int] | None]:
    """("attach" | "resize" | "", (rows, cols) or None)."""
    words = line.decode(errors="replace").split()
    kind = words[0] if words and words[0] in ("attach", "resize") else ""
    size = None
    if len(words) == 3 and words[1].isdigit() and words[2].isdigit():
        size = (int(words[1]), int(words[2]))
    return kind, size


def listen_attach(directory: str):
    """The supervisor's attach socket. Bound through /proc/self/fd/DIR: socket paths are limited
    to 108 bytes, and PYSH_HOME may be deep."""
    import socket

    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(ATTACH_SOCKET, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        listener.bind(f"/proc/self/fd/{dir_fd}/{ATTACH_SOCKET}")
        os.chmod(ATTACH_SOCKET, 0o600, dir_fd=dir_fd)
        listener.listen(8)
        return listener
    finally:
        os.close(dir_fd)


def connect_attach(directory):
    import socket

    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(f"/proc/self/fd/{dir_fd}/{ATTACH_SOCKET}")
        return client
    finally:
        os.close(dir_fd)


# --------------------------------------------------------------------------- files


class Running(Record):
    """The ``running`` file, written by the supervisor once PID 1 exec'd the command.
    Pids come with their start times: a pid alone may be reused by a later process."""

    supervisor_pid: int
    supervisor_start: str
    container_pid: int
    container_start: str
    started_at: str

    def format(self) -> str:
        return (f"{self.supervisor_pid} {self.supervisor_start} {self.container_pid} {self.container_start} "
                f"{self.started_at}\n")

    @classmethod
    def parse(cls, text: str) -> Running | None:
        words = text.split()
        if len(words) < 5:
            return None  # not written yet (it is written atomically: never half)
        return cls(int(words[0]), words[1], int(words[2]), words[3], words[4])


class Exit(Record):
    """The ``exit`` file, written by the supervisor when it reaped PID 1 (or by reconcile: 255).
    Words after the time: ``oom-killed`` (the OOM killer killed a process of the container) and
    ``removing`` (an --rm container being removed: should the supervisor die before it is done,
    the next command finishes the job)."""

    status: int
    finished_at: str
    oom_killed: bool = False
    removing: bool = False

    def format(self) -> str:
        marks = (" oom-killed" if self.oom_killed else "") + (" removing" if self.removing else "")
        return f"{self.status} {self.finished_at}{marks}\n"

    @classmethod
    def parse(cls, text: str) -> Exit | None:
        words = text.split()
        if len(words) < 2:
            return None
        return cls(int(words[0]), words[1], "oom-killed" in words[2:], "removing" in words[2:])


class PidFile(Record):
    """A daemon's "PID START_TIME" (the restarter's ``restarter`` file)."""

    pid: int
    start_time: str

    def format(self) -> str:
        return f"{self.pid} {self.start_time}\n"

    @classmethod
    def parse(cls, text: str) -> PidFile | None:
        words = text.split()
        if len(words) < 2 or not words[0].isdigit():
            return None
        return cls(int(words[0]), words[1])


def read_record(path, kind):
    """``kind.parse`` of the file at ``path``, or None when it is missing or incomplete."""
    try:
        with open(path) as file:
            return kind.parse(file.read())
    except FileNotFoundError:
        return None
