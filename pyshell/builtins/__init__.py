"""The builtins: the commands that run inside the shell (cd, export, read, printf...).

Each module registers its builtins with ``@builtin``; the registry itself, and the
write_out/write_err/complain every builtin uses, are in pyshell/runtime/registry.py
(the runtime looks builtins up there) and are re-exported here for the builtins.
"""

from pyshell.runtime.registry import (BUILTINS, LAZY_BUILTINS, Builtin, builtin,  # noqa: F401
                                      complain, find_builtin, is_builtin, load_all,
                                      write_err, write_out)
