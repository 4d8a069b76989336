"""Reading a process's open files from /proc, the kernel's own account of them.

``fd_table(pid)`` lists every descriptor of process ``pid``: what it points to
(readlink /proc/PID/fd/N: a path, ``pipe:[inode]``, ``socket:[inode]``, a terminal), the
inode (stat through the same link), and the open flags (the ``flags:`` line of
/proc/PID/fdinfo/N, in octal, with O_CLOEXEC included: the kernel reports the
close-on-exec bit there too). ``process_ids(pid)`` reads the parent and the process group
from /proc/PID/stat. Nothing here knows about shells.
"""

from __future__ import annotations

import os
import stat

# the flags worth naming in a course, in the order open(2) lists them
FLAG_NAMES = (
    (os.O_APPEND, "O_APPEND"), (os.O_CREAT, "O_CREAT"), (os.O_TRUNC, "O_TRUNC"),
    (os.O_EXCL, "O_EXCL"), (os.O_NONBLOCK, "O_NONBLOCK"), (os.O_CLOEXEC, "O_CLOEXEC"),
)
ACCESS_NAMES = {os.O_RDONLY: "O_RDONLY", os.O_WRONLY: "O_WRONLY", os.O_RDWR: "O_RDWR"}


def flag_names(flags: int) -> str:
    """``O_WRONLY|O_CREAT|O_TRUNC`` for the flags of an open(2) call or of an fdinfo line."""
    names = [ACCESS_NAMES.get(flags & os.O_ACCMODE, "O_RDONLY")]
    names += [name for bit, name in FLAG_NAMES if flags & bit]
    return "|".join(names)


def access_of(flags: int) -> str:
    """"r", "w" or "rw": which way data can flow through a descriptor with these flags."""
    return {os.O_RDONLY: "r", os.O_WRONLY: "w"}.get(flags & os.O_ACCMODE, "rw")


def kind_of(target: str, mode: int) -> str:
    if target.startswith("pipe:"):
        return "pipe"
    if target.startswith("socket:"):
        return "socket"
    if stat.S_ISCHR(mode):
        return "tty" if target.startswith(("/dev/pts/", "/dev/tty", "/dev/console")) else "device"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode):
        return "fifo"
    return "other"


def fd_table(pid: int | str = "self", skip=()) -> list[dict]:
    """The open descriptors of ``pid`` as dicts: fd, target, kind, inode, flags, cloexec.
    ``skip``: fd numbers not to list (the explainer's own pipes)."""
    base = f"/proc/{pid}/fd"
    try:
        numbers = sorted(int(name) for name in os.listdir(base))
    except OSError:  # the process has gone (or is a zombie: its table is already empty)
        return []
    own_listing = f"/proc/{os.getpid()}/fd" if pid == "self" else None
    table = []
    for number in numbers:
        if number in skip:
            continue
        try:
            target = os.readlink(f"{base}/{number}")
            info = os.stat(f"{base}/{number}")
            flags = _fdinfo_flags(pid, number)
        except OSError:  # closed meanwhile, or the directory listing's own fd
            continue
        if target == own_listing:
            continue
        table.append({"fd": number, "target": target, "kind": kind_of(target, info.st_mode),
                      "inode": info.st_ino, "flags": flags, "cloexec": bool(flags & os.O_CLOEXEC)})
    return table


def _fdinfo_flags(pid, number: int) -> int:
    with open(f"/proc/{pid}/fdinfo/{number}") as info:
        for line in info:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    return 0


def process_ids(pid: int | str = "self") -> dict:
    """{"ppid": ..., "pgid": ...} from /proc/PID/stat (empty when the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            text = stat_file.read()
    except OSError:
        return {}
    # the command name (field 2) is in parentheses and may hold spaces: cut after the last ')'
    fields = text[text.rindex(")") + 2:].split()
    return {"ppid": int(fields[1]), "pgid": int(fields[2])}
