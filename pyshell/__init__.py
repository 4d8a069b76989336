"""pysh: a POSIX shell written in Python to teach how shells, containers and VMs work.

Stages, imports flowing one way:
    syntax  (lex -> parse -> AST)  ->  expand (words -> fields)  ->  runtime (fork, pipe, dup2, exec)
Builtins plug into the runtime; contain/ and vm/ are libraries the builtins front.
"""

import time as _time

# When this process began to import pysh's code: a module file changed later may not be the
# code that runs (compose's load cache trusts only older ones; see compose/cache.py).
IMPORTED_NS = _time.time_ns()
