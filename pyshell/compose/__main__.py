"""python -m pyshell.compose ARGS: the same as the `compose` builtin."""

import os
import sys

from pyshell.compose.cli import main

status = main(sys.argv[1:])
# This process ran one command and ends: what it wrote is flushed, and it leaves without
# tearing down each of its ~150 modules and ~12,000 objects one by one (~10 ms of every
# `compose up`, more on a busy machine). Nothing of compose's waits for that teardown.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except (BrokenPipeError, ValueError):
    status = status or 1
os._exit(status)
