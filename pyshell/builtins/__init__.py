"""The builtin registry.

A builtin is a function ``(shell, argv) -> int``. It runs inside the shell process,
reads fd 0 and writes fds 1 and 2 with ``os.write`` (never ``print``), so the
redirections the runtime applies around it with dup2 take effect. ``argv[0]`` is the
name it was called by. Modules register their builtins with ``@builtin``; the runtime
imports them all through ``load_all()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable


@dataclass(frozen=True)
class Builtin:
    name: str
    run: Callable[..., int]
    usage: str            # one line, e.g. "cd [-L|-P] [dir]"
    summary: str          # one line for `help`
    special: bool = False  # POSIX special builtin: assignment prefixes persist, errors exit a script


BUILTINS: dict[str, Builtin] = {}

# Modules that define builtins; imported lazily by load_all() so that
# heavy front ends (contain, vm) cost nothing until they are called.
_MODULES = ("core", "text", "test", "read", "getopts")


def builtin(name: str, usage: str, summary: str, special: bool = False, aliases: tuple[str, ...] = ()):
    """Decorator registering ``fn`` as the builtin ``name`` (and its aliases)."""

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        for each in (name, *aliases):
            BUILTINS[each] = Builtin(each, fn, usage, summary, special)
        return fn

    return register


def load_all() -> dict[str, Builtin]:
    import importlib

    for module in _MODULES:
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as missing:
            if missing.name != f"{__name__}.{module}":
                raise
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
