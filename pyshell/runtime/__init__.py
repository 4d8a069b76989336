"""The runtime: shell state, the executor walking the AST, redirections, processes, jobs.

    shell.py     Shell: variables, options, functions, aliases — the state, passed explicitly
    execute.py   execute(shell, command) -> status: one function per kind of AST node
    redirect.py  redirections in two phases: evaluate (no syscalls), then apply with dup2
    process.py   a spawn plan (argv, env, fd moves, pgid, signals) and the two carriers
                 that carry it out: os.posix_spawn, or os.fork → dup2 → close → execve
    jobs.py      job control in one place: the job table, waitpid, process groups, tcsetpgrp
    path.py      PATH lookup and the `hash` cache
    control.py   break/continue/return/exit as exceptions
"""

from pyshell.runtime.control import BreakLoop, ContinueLoop, ExitShell, ReturnFromFunction

__all__ = ["BreakLoop", "ContinueLoop", "ExitShell", "ReturnFromFunction"]
