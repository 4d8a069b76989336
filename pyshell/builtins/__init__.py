"""The builtin registry.

A builtin is a function ``(shell, argv) -> int``. It runs inside the shell process,
reads fd 0 and writes fds 1 and 2 with ``os.write`` (never ``print``), so the
redirections the runtime applies around it with dup2 take effect. ``argv[0]`` is the
name it was called by. Modules register their builtins with ``@builtin``; the runtime
imports them all through ``load_all()``.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable


# name, the function (shell, argv) -> status, usage: one line ("cd [-L|-P] [dir]"),
# summary: one line for `help`, special: a POSIX special builtin (assignment prefixes
# persist, errors exit a script). A namedtuple: @dataclass would import inspect (~30 ms).
Builtin = namedtuple("Builtin", "name run usage summary special", defaults=(False,))


BUILTINS: dict[str, Builtin] = {}

# core.py is loaded with the runtime. The builtins of these modules load the first
# time one of them is looked up, so `pysh -c true` does not pay for printf's parser
# (a test checks that this table names exactly what each module registers).
LAZY_BUILTINS = {
    "echo": "text", "printf": "text",
    "test": "test", "[": "test",
    "read": "read",
    "getopts": "getopts",
    "declare": "declare", "typeset": "declare", "local": "declare",
    "let": "bash", "mapfile": "bash", "readarray": "bash", "shopt": "bash",
}


def builtin(name: str, usage: str, summary: str, special: bool = False, aliases: tuple[str, ...] = ()):
    """Decorator registering ``fn`` as the builtin ``name`` (and its aliases)."""

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        for each in (name, *aliases):
            BUILTINS[each] = Builtin(each, fn, usage, summary, special)
        return fn

    return register


def find_builtin(name: str) -> Builtin | None:
    """The builtin called ``name``, loading its module on first use; None if there is none."""
    found = BUILTINS.get(name)
    if found is None and name in LAZY_BUILTINS:
        import importlib

        importlib.import_module(f"{__name__}.{LAZY_BUILTINS[name]}")
        found = BUILTINS.get(name)
    return found


def is_builtin(name: str) -> bool:
    return name in BUILTINS or name in LAZY_BUILTINS


def load_all() -> dict[str, Builtin]:
    """Every builtin (for `help` and completion), loading all their modules."""
    import importlib

    for module in ("core", *LAZY_BUILTINS.values()):
        importlib.import_module(f"{__name__}.{module}")
    return BUILTINS


def write_out(text: str) -> None:
    """Write to fd 1 as it is now (after redirections), bypassing Python's buffers."""
    _write_all(1, text.encode("utf-8", "surrogateescape"))


def write_err(text: str) -> None:
    _write_all(2, text.encode("utf-8", "surrogateescape"))


def complain(name: str, message: str) -> None:
    """The one-line error every builtin uses: ``pysh: NAME: MESSAGE``."""
    write_err(f"pysh: {name}: {message}\n")


def _write_all(fd: int, data: bytes) -> None:
    import os

    while data:
        try:
            written = os.write(fd, data)
        except BrokenPipeError:
            return  # reader went away (e.g. `echo x | true`); bash ignores this too
        except OSError as error:
            raise OSError(error.errno, f"write error: {error.strerror}") from None
        data = data[written:]
