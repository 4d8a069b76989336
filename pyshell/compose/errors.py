"""ComposeError: what `compose` reports to a user, one line, part of pysh's one hierarchy."""

from pyshell.errors import PyshError


class ComposeError(PyshError):
    """A compose file or command that cannot be carried out.

    ``where`` is a position ``file:line:col`` when the error comes from a place in a file;
    it is put in front of the message."""

    status = 1

    def __init__(self, message: str, status: int | None = None, where: str = ""):
        super().__init__(f"{where}: {message}" if where else message, status)
