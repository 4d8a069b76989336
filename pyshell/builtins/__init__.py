"""The builtins: the commands that run inside the shell (cd, export, read, printf...).

Each module registers its builtins with ``@builtin``; the registry itself, and the
write_out/write_err/complain every builtin uses, are in pyshell/runtime/registry.py
(the runtime looks builtins up there) and are re-exported here for the builtins.
"""

from pyshell.runtime.registry import (BUILTINS, LAZY_BUILTINS, Builtin, builtin,  # noqa: F401
                                      complain, find_builtin, is_builtin, load_all,
                                      write_err, write_out)


def letter_flags(name: str, args: list[str], allowed: str, usage: str = "") -> set[str] | None:
    """Take the leading ``-abc`` options off ``args`` (up to ``--``) and return their letters;
    None after complaining of one not in ``allowed`` (then the builtin returns 2, as bash's do)."""
    flags = set()
    while args and args[0].startswith("-") and len(args[0]) > 1:
        option = args.pop(0)
        if option == "--":
            break
        for letter in option[1:]:
            if letter not in allowed:
                complain(name, f"-{letter}: invalid option")
                if usage:
                    write_err(f"{name}: usage: {usage}\n")
                return None
            flags.add(letter)
    return flags
