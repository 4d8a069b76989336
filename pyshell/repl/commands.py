"""What a command name refers to: keyword, alias, function, builtin, a program on PATH, or nothing.

The highlighter asks this on every keystroke and the completer wants every program
name on PATH, so the PATH directories are listed once and listed again only when a
directory's mtime changes (installing or removing a program changes it). Checking
the mtimes costs one stat per PATH directory, a few microseconds.
"""

from __future__ import annotations

import os

from pyshell.builtins import load_all

# The reserved words of the grammar (POSIX's, and bash's `function`).
KEYWORDS = frozenset("if then else elif fi case esac for while until do done in { } ! function".split())


class PathCommands:
    """The executable files in the directories of a PATH value, cached per directory."""

    def __init__(self) -> None:
        self._listing: dict[str, tuple[float, frozenset[str]]] = {}  # dir -> (mtime, names)

    def names(self, path_value: str) -> set[str]:
        """Every program on this PATH (for completion)."""
        found: set[str] = set()
        for directory in path_value.split(":"):
            found |= self._names_in(directory or ".")
        return found

    def contains(self, path_value: str, name: str) -> bool:
        """Is ``name`` a program on this PATH? (for highlighting: a few µs, on every key)"""
        return any(name in self._names_in(directory or ".") for directory in path_value.split(":"))

    def _names_in(self, directory: str) -> frozenset[str]:
        try:
            mtime = os.stat(directory).st_mtime
        except OSError:
            return frozenset()
        cached = self._listing.get(directory)
        if cached and cached[0] == mtime:
            return cached[1]
        names = frozenset(_executables(directory))
        self._listing[directory] = (mtime, names)
        return names


def _executables(directory: str):
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_file() and os.access(entry.path, os.X_OK):
                yield entry.name
        except OSError:
            continue


class CommandClassifier:
    """Answers "what would running NAME run?" the way the shell's lookup order does:
    alias, keyword, function, builtin, then PATH (or the file itself if NAME has a slash)."""

    def __init__(self, shell=None) -> None:
        self.shell = shell
        self.path_commands = PathCommands()
        self._builtins = None

    @property
    def builtins(self):
        if self._builtins is None:  # the registry fills as the builtin modules are imported
            self._builtins = load_all()
        return self._builtins

    def path_value(self) -> str:
        if self.shell is not None:
            value = self.shell.getvar("PATH")
            if value is not None:
                return value
        return os.environ.get("PATH", os.defpath)

    def kind(self, name: str) -> str:
        """One of: alias, keyword, function, builtin, external, missing."""
        if self.shell is not None and name in getattr(self.shell, "aliases", {}):
            return "alias"
        if name in KEYWORDS:
            return "keyword"
        if self.shell is not None and name in getattr(self.shell, "functions", {}):
            return "function"
        if name in self.builtins:
            return "builtin"
        if "/" in name:
            path = os.path.expanduser(name)
            return "external" if os.path.isfile(path) and os.access(path, os.X_OK) else "missing"
        return "external" if self.path_commands.contains(self.path_value(), name) else "missing"

    def all_names(self) -> set[str]:
        """Every name that can start a command, for completion."""
        names = set(KEYWORDS) | set(self.builtins)
        if self.shell is not None:
            names |= set(getattr(self.shell, "aliases", {}))
            names |= set(getattr(self.shell, "functions", {}))
        return names | self.path_commands.names(self.path_value())
