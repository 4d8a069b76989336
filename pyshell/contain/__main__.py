"""`python -m pyshell.contain run ...`: the `contain` command without the shell."""

import sys

from pyshell.contain.cli import main

sys.exit(main(sys.argv[1:]))
