"""python -m pyshell.compose ARGS: the same as the `compose` builtin."""

import sys

from pyshell.compose.cli import main

sys.exit(main(sys.argv[1:]))
