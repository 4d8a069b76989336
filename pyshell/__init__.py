"""pysh: a POSIX shell written in Python to teach how shells, containers and VMs work.

Stages, imports flowing one way:
    syntax  (lex -> parse -> AST)  ->  expand (words -> fields)  ->  runtime (fork, pipe, dup2, exec)
Builtins plug into the runtime; contain/ and vm/ are libraries the builtins front.
"""
