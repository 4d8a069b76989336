"""`python -m pyshell.vm ARGS` runs `vm ARGS` without the shell."""

import sys

from pyshell.vm.cli import main

sys.exit(main(sys.argv[1:]))
