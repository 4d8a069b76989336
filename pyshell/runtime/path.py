"""Finding commands on $PATH, and the cache of what was found (the `hash` builtin)."""

from __future__ import annotations

import os
import stat


class CommandCache:
    """name -> full path, remembered until $PATH changes or `hash -r`."""

    def __init__(self):
        self.paths: dict[str, str] = {}

    def find(self, name: str, search_path: str | None) -> str | None:
        path = self.paths.get(name)
        if path is not None:
            return path
        path = search(name, search_path)
        if path is not None:
            self.paths[name] = path
        return path

    def forget(self) -> None:
        self.paths.clear()


def search(name: str, search_path: str | None) -> str | None:
    """The first executable regular file called ``name`` in the ``:``-separated path.

    An empty path entry means the current directory, as POSIX says.
    """
    if search_path is None:
        search_path = "/usr/local/bin:/usr/bin:/bin"
    for directory in search_path.split(":"):
        candidate = os.path.join(directory or ".", name)
        try:
            info = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and os.access(candidate, os.X_OK):
            return candidate
    return None
