"""The user namespace of a rootless container, as Docker and podman rootless make it.

An ordinary user may map only its own uid (to root inside): one user, so `-u nobody` can't
work. With a subordinate range in /etc/subuid and /etc/subgid ("nobody:200000:65536"), the
setuid helpers newuidmap/newgidmap (Debian package uidmap) may map more for us:

    inside   0        -> our own uid
    inside   1..N     -> the range, host uids 200000..200000+N-1

They must run outside the new namespace, on our pid (the usual handshake): a helper forked
*before* unshare waits until we unshared, then maps us and exits.
Imports only ``os`` so the supervisor's start stays cheap.
"""

from __future__ import annotations

import os

from pyshell.contain.kernel import syscalls
from pyshell.contain.kernel.osio import write_file


def subordinate_range(path: str, uid: int) -> tuple[int, int] | None:
    """The first "NAME:START:COUNT" line of /etc/subuid (or subgid) for this user, by name or uid."""
    import pwd

    try:
        names = {str(uid), pwd.getpwuid(uid).pw_name}
    except KeyError:
        names = {str(uid)}
    try:
        with open(path) as file:
            for line in file:
                fields = line.strip().split(":")
                if len(fields) == 3 and fields[0] in names and fields[1].isdigit() and fields[2].isdigit():
                    return int(fields[1]), int(fields[2])
    except OSError:
        pass
    return None


def unshare_user_namespace() -> None:
    """unshare(CLONE_NEWUSER) and map it: our uid/gid to 0, plus the subordinate ranges if we
    have them (else only root exists inside). Raises OSError with a one-line message."""
    uid, gid = os.geteuid(), os.getegid()
    uids, gids = subordinate_range("/etc/subuid", uid), subordinate_range("/etc/subgid", uid)
    if uids is None or gids is None:
        # Only our own ids (allowed unprivileged); setgroups must be denied before the gid map.
        syscalls.unshare(syscalls.CLONE_NEWUSER)
        write_file("/proc/self/setgroups", "deny")
        write_file("/proc/self/uid_map", f"0 {uid} 1")
        write_file("/proc/self/gid_map", f"0 {gid} 1")
        return
    me = os.getpid()
    go_r, go_w = os.pipe()
    helper = os.fork()
    if helper == 0:  # outside the new namespace: waits for the unshare, then maps the parent
        status = 1
        try:
            os.close(go_w)
            if os.read(go_r, 2) == b"go":
                status = _map(me, "newuidmap", uid, uids) or _map(me, "newgidmap", gid, gids)
        finally:
            os._exit(status)
    os.close(go_r)
    try:
        syscalls.unshare(syscalls.CLONE_NEWUSER)
        os.write(go_w, b"go")
    finally:
        os.close(go_w)
        _, wait_status = os.waitpid(helper, 0)
    if not os.WIFEXITED(wait_status) or os.WEXITSTATUS(wait_status) != 0:
        raise OSError(f"newuidmap/newgidmap could not map the ranges of /etc/subuid and /etc/subgid "
                      f"(status {os.WEXITSTATUS(wait_status)})")


def _map(pid: int, program: str, own_id: int, subordinate: tuple[int, int]) -> int:
    """Run `newuidmap PID 0 OWN 1 1 START COUNT` (or newgidmap); its status."""
    start, count = subordinate
    argv = [program, str(pid), "0", str(own_id), "1", "1", str(start), str(count)]
    try:
        child = os.posix_spawnp(program, argv, {k: v for k, v in os.environ.items() if k == "PATH"} or
                                {"PATH": "/usr/bin:/bin"})
    except OSError:
        return 127  # uidmap not installed
    _, wait_status = os.waitpid(child, 0)
    return os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else 1
