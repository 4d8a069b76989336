"""COPY and ADD sources resolved inside the build context, as if the context were "/".

A build context comes from whoever wrote the Dockerfile: ``etclink -> /etc`` in it must not
let ``COPY etclink/shadow /s`` read the host's /etc/shadow. Docker resolves every source
path in scope: an absolute link target restarts at the context's top, ``..`` never climbs
above it, so ``etclink/shadow`` means ``<context>/etc/shadow`` (and is "not found" when the
context has no etc/). A path or link that .dockerignore excludes is not in the context at all.

Each component is looked at with lstat under directories we already resolved, so the kernel
never follows a link for us. (A context changed by someone else *while* we build could still
swap a directory for a link between the check and the copy: Docker has the same window.)
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from pyshell.errors import ContainerError

MAX_LINKS = 40  # as the kernel's path walk (ELOOP)


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part not in ("", ".")]


def follow_inside(relative: str, link_target: Callable[[str, bool], str | None]) -> str:
    """``relative`` with every symlink on the way followed as if its root were "/": an absolute
    target restarts at the top, ``..`` never climbs above it. ``link_target(path, last)`` is the
    target of the link at ``path`` (relative to the root), or None where there is no link to
    follow; ``last`` says nothing comes after it. The one walk of layers.secure_join, the build's
    image view (build/files.py) and resolve_in_scope below."""
    pending = _parts(relative)
    resolved: list[str] = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        target = link_target("/".join(resolved + [part]), not pending)
        if target is None:
            resolved.append(part)
            continue
        links += 1
        if links > MAX_LINKS:
            raise ContainerError(f"too many levels of symbolic links in {relative}")
        if target.startswith("/"):
            resolved = []
        pending = _parts(target) + pending
    return "/".join(resolved)


class _NotInScope(Exception):
    """The path is not there: missing, a file taken for a directory ('file/x'), or hidden."""


def resolve_in_scope(root: str, relative: str, follow_last: bool = True,
                     hidden: Callable[[str], bool] = lambda relative: False) -> str | None:
    """``relative`` under ``root`` with its symlinks followed inside root: the resolved path
    relative to root ('' for root itself), or None when it does not exist there.

    ``follow_last``: follow a link in the last component too (a COPY source names what the link
    points to; an entry met while copying a directory stays a link). ``hidden(path)`` says a
    path is not there (.dockerignore); it is asked of every link met and of the end result.
    """

    def link_target(candidate: str, last: bool) -> str | None:
        try:
            info = os.lstat(os.path.join(root, candidate))
        except (FileNotFoundError, NotADirectoryError):
            raise _NotInScope from None
        if stat.S_ISLNK(info.st_mode) and (follow_last or not last):
            if hidden(candidate):
                raise _NotInScope
            return os.readlink(os.path.join(root, candidate))
        if not last and not stat.S_ISDIR(info.st_mode):
            raise _NotInScope  # 'file/x'
        return None

    try:
        result = follow_inside(relative, link_target)
    except _NotInScope:
        return None
    if result and hidden(result):
        return None
    return result
