"""contain's command line: a thin layer over pyshell.contain.api that parses and prints.

    entry.py       main(argv): find the command, the one error trap, exit statuses
    flags.py       every flag (one table), the parser, the @command decorator
    containers.py  run create start stop kill restart rm ps exec logs attach inspect commit ...
    images.py      images tag rmi import bootstrap build pull push save load login logout
    format.py      out/err on fds 1 and 2, tables, ages, sizes, {{.Go.Templates}}

May import pyshell.contain.api (and spec for the types), never runtime/ image/ build/ directly.
Nothing imports cli/ but the `contain` builtin and `python -m pyshell.contain`.
"""

from pyshell.contain.cli.entry import main

__all__ = ["main"]
