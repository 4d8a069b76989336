"""The builtin registry, and the writers builtins and the runtime share.

A builtin is a function ``(shell, argv) -> int``. It runs inside the shell process,
reads fd 0 and writes fds 1 and 2 with ``os.write`` (never ``print``), so the
redirections the runtime applies around it with dup2 take effect. ``argv[0]`` is the
name it was called by. Modules of pyshell/builtins register their builtins with
``@builtin`` (imported from ``pyshell.builtins``, which re-exports this module); the
runtime finds them here, loading their module by name on first use, so that imports
flow one way: builtins -> runtime.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable


# name, the function (shell, argv) -> status, usage: one line ("cd [-L|-P] [dir]"),
# summary: one line for `help`, special: a POSIX special builtin (assignment prefixes
# persist, errors exit a script). A namedtuple: @dataclass would import inspect (~30 ms).
Builtin = namedtuple("Builtin", "name run usage summary special", defaults=(False,))


BUILTINS: dict[str, Builtin] = {}

# core.py (cd, export, exit...) is loaded on the first lookup of any builtin. The
# builtins of these modules load the first time one of them is looked up, so
# `pysh -c true` does not pay for printf's parser (a test checks that this table names
# exactly what each module registers). Modules are named within pyshell.builtins.
LAZY_BUILTINS = {
    "echo": "text", "printf": "text",
    "test": "test", "[": "test",
    "read": "read",
    "getopts": "getopts",
    "declare": "declare", "typeset": "declare", "local": "declare",
    "let": "bash", "mapfile": "bash", "readarray": "bash", "shopt": "bash",
    "pushd": "bash", "popd": "bash", "dirs": "bash", "caller": "bash",
}


def builtin(name: str, usage: str, summary: str, special: bool = False, aliases: tuple[str, ...] = ()):
    """Decorator registering ``fn`` as the builtin ``name`` (and its aliases)."""

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        for each in (name, *aliases):
            BUILTINS[each] = Builtin(each, fn, usage, summary, special)
        return fn

    return register


_PACKAGE = "pyshell.builtins"
_core_loaded = False


def _load(module: str) -> None:
    # By name, at run time: the runtime (this registry) is below the builtins it finds.
    # __import__, not importlib.import_module: the importlib package costs every start ~0.3 ms.
    __import__(f"{_PACKAGE}.{module}")


def _load_core() -> None:
    global _core_loaded
    if not _core_loaded:
        _core_loaded = True
        _load("core")


def find_builtin(name: str) -> Builtin | None:
    """The builtin called ``name``, loading its module on first use; None if there is none."""
    found = BUILTINS.get(name)
    if found is None:
        if not _core_loaded:
            _load_core()
            found = BUILTINS.get(name)
        if found is None and name in LAZY_BUILTINS:
            _load(LAZY_BUILTINS[name])
            found = BUILTINS.get(name)
    return found


def is_builtin(name: str) -> bool:
    if not _core_loaded:
        _load_core()
    return name in BUILTINS or name in LAZY_BUILTINS


def load_all() -> dict[str, Builtin]:
    """Every builtin (for `help` and completion), loading all their modules."""
    _load_core()
    for module in LAZY_BUILTINS.values():
        _load(module)
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
