"""Everything a load learns from outside itself, asked through one door, so that a cache
(cache.py) can tell afterwards whether any of it has changed.

Loading a project is a function of what it reads: the text of the files it opens, whether
the files it looks for are there (an absent compose.override.yaml or .env is an input too),
the environment variables it looks up, what `~` stands for. load.py, normalize.py, envfile.py
and yamlsource.py ask all of these through the functions here. While a ``Recording`` is
active each answer is noted as a *probe*, (kind, argument) → answer; asking every probe
again later and getting the same answers means the load would do exactly what it did,
since it could only have taken another path on another answer.

The environment is a dict (``Environment``) whose lookups are probes; the loader only ever
looks names up in it (get, [], in), copies it, or layers it over `.env` values: it never
iterates over it, which would make every variable an input.
"""

from __future__ import annotations

import os

_recording: Recording | None = None  # the load being recorded, if one is


class Recording:
    """``with Recording(environ) as recording:`` notes the probes of the load run inside,
    in ``recording.probes``; ``environ`` is the process environment the load was given
    (variables are noted with their value there, not after `.env` was layered under them)."""

    def __init__(self, environ):
        self.environ = environ
        self.probes: dict[tuple, object] = {}

    def __enter__(self) -> Recording:
        global _recording
        self.outer, _recording = _recording, self
        return self

    def __exit__(self, *exception) -> None:
        global _recording
        _recording = self.outer


def _noted(kind: str, argument, answer):
    if _recording is not None:
        _recording.probes[(kind, argument)] = answer
    return answer


# ------------------------------------------------------------------ the probes

def _text(path: str) -> str:
    # text mode, as a plain open(): \r\n becomes \n; a file that is not UTF-8 raises
    with open(path, encoding="utf-8") as file:
        return file.read()


def _signature(path: str) -> tuple:
    """Of a loader code file: a new version is a new inode or a new ctime (which no one can
    set back), and edits that keep the size are caught by the mtime too."""
    found = os.stat(path)
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


PROBES = {
    "text": _text,
    "isfile": os.path.isfile,
    "exists": os.path.exists,
    "home": os.path.expanduser,
    "code": _signature,
}


def _probe(kind: str, argument):
    return _noted(kind, argument, PROBES[kind](argument))


def read_text(path: str) -> str:
    """The text of a file (OSError, UnicodeDecodeError as open() raises them)."""
    return _probe("text", path)


def is_file(path: str) -> bool:
    return _probe("isfile", path)


def exists(path: str) -> bool:
    return _probe("exists", path)


def expand_user(path: str) -> str:
    """``~`` and ``~user`` expanded (HOME, else the passwd entry: both are inputs)."""
    return _probe("home", path) if path.startswith("~") else path


def note_code(path: str) -> tuple:
    """The loader ran code from ``path``: another version of it may load differently.
    Returns its signature (inode, size, mtime, ctime)."""
    return _probe("code", path)


class Environment(dict):
    """The variables a load sees; each name it looks up is noted with its value (or its
    absence, None) in the process environment."""

    def get(self, name, default=None):
        _note_variable(name)
        return dict.get(self, name, default)

    def __getitem__(self, name):
        _note_variable(name)
        return dict.__getitem__(self, name)

    def __contains__(self, name) -> bool:
        _note_variable(name)
        return dict.__contains__(self, name)


def _note_variable(name) -> None:
    if _recording is not None:
        _recording.probes[("env", name)] = _recording.environ.get(name)


def unchanged(probes: dict, environ) -> bool:
    """Whether every probe gets the answer it got when it was recorded."""
    try:
        for (kind, argument), answer in probes.items():
            now = environ.get(argument) if kind == "env" else PROBES[kind](argument)
            if now != answer:
                return False
    except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError):
        return False  # a file gone, unreadable or no longer text; a probe of unknown kind
    return True
