"""Control flow that unwinds the executor: ``break``, ``continue``, ``return``, ``exit``,
and the end of a command line after some errors.

These are not errors (they derive from Exception, not PyshError): builtins raise them and
the loop, function call or top level that they target catches them.
"""


class BreakLoop(Exception):
    """``break [n]``: leave ``count`` enclosing loops."""

    def __init__(self, count: int = 1):
        super().__init__(count)
        self.count = count


class ContinueLoop(Exception):
    """``continue [n]``: start the next iteration of the ``count``-th enclosing loop."""

    def __init__(self, count: int = 1):
        super().__init__(count)
        self.count = count


class ReturnFromFunction(Exception):
    """``return [n]``: leave the current function or sourced file with ``status``."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class AbortCommandLine(Exception):
    """An error in one of bash's own expansions (``${x:1:-5}``, ``${!x}``) in a script: as
    bash does, the rest of the top-level command line is dropped, ``$?`` is ``status``, and
    the script goes on with the next line."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class ExitShell(Exception):
    """``exit [n]``, or a fatal error under ``set -e``: leave the shell (or subshell)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status
