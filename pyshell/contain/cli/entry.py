"""`contain SUBCOMMAND ...`: find the command, parse its flags, run it, and the one error trap.

Whatever goes wrong ends as one line on stderr, ``pysh: contain CMD: message``, and an exit
status: the error's own (ContainerError.status), 125 for a command line that cannot be
parsed (Docker's), 130 for ^C. A Python traceback only with PYSH_DEBUG=1.
"""

from __future__ import annotations

import os
import sys

from pyshell.contain.cli import containers, images, networks  # noqa: F401 - they register their @commands
from pyshell.contain.cli.flags import COMMANDS, USAGE_ERROR
from pyshell.contain.cli.format import err, out
from pyshell.errors import PyshError


def usage() -> str:
    lines = ["Usage: contain COMMAND [OPTIONS]", ""]
    for group in ("Containers", "Images"):
        lines.append(f"{group}:")
        seen = set()
        for name, command in COMMANDS.items():
            if command.group == group and command.name == name and name not in seen:
                seen.add(name)
                lines.append(f"  {name:14s} {command.summary}")
    lines += ["", "Run 'contain COMMAND --help' for a command's options."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """The exit status; errors are one line on stderr."""
    if not argv or argv[0] in ("help", "-h", "--help"):
        out(usage())
        return 0 if argv else 1
    name, rest = argv[0], argv[1:]
    command = COMMANDS.get(name)
    if command is None:
        err(f"pysh: contain: unknown command {name!r} (see contain help)\n")
        return USAGE_ERROR
    sys.stdout.flush()
    try:
        options, words = command.parse(rest)
        if options.get("help"):
            out(command.help_text())
            return 0
        if command.reconcile:
            from pyshell.contain import api

            api.reconcile()
        return command.handler(options, words)
    except PyshError as error:
        err(f"pysh: contain {name}: {error.message}\n")
        return error.status
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        err(f"pysh: contain {name}: {error.strerror or error}{where}\n")
        return command.failure_status
    except KeyboardInterrupt:
        err("\n")
        return 130
    except Exception as error:  # a bug: still one line; PYSH_DEBUG=1 shows the traceback
        if os.environ.get("PYSH_DEBUG"):
            raise
        err(f"pysh: contain {name}: internal error: {type(error).__name__}: {error}\n")
        return command.failure_status
    finally:
        sys.stdout.flush()
