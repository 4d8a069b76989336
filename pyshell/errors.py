"""One exception hierarchy for everything pysh reports to a user.

Every error is shown as a single line (``pysh: <message>``) with no traceback;
set PYSH_DEBUG=1 to get the Python traceback as well.
"""


class PyshError(Exception):
    """Base of all errors meant for the user. ``status`` is the exit status to use."""

    status = 1

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ParseError(PyshError):
    """A syntax error at FILE:LINE:COL. ``incomplete`` means more input could fix it
    (an open quote, a missing ``fi``): the REPL then asks for a continuation line."""

    status = 2

    def __init__(self, message: str, *, filename: str = "-c", line: int = 1, col: int = 1,
                 token: str | None = None, incomplete: bool = False, source_line: str | None = None):
        super().__init__(message)
        self.filename = filename
        self.line = line
        self.col = col
        self.token = token
        self.incomplete = incomplete
        self.source_line = source_line

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col}: {self.args[0]}"


class ExpandError(PyshError):
    """Bad substitution, ${x:?msg}, unset variable under set -u, arithmetic errors.

    ``bash_form``: an error of one of bash's own forms (substring, indirection), after which
    bash does not leave a script as POSIX wants, but drops the rest of the command line."""

    def __init__(self, message: str, status: int | None = None, bash_form: bool = False):
        super().__init__(message, status)
        self.bash_form = bash_form


class RedirectError(PyshError):
    """A redirection that cannot be applied (no such file, bad fd, ambiguous target)."""


class ContainerError(PyshError):
    """Anything `contain` cannot do; the message names the failing step or syscall."""


class VmError(PyshError):
    """Anything `vm` cannot do (missing QEMU, busy port, dead guest...)."""
