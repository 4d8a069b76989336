"""contain's command line (see containers.py for the container commands, images.py for the image ones)."""

from pyshell.contain.cli.containers import main

__all__ = ["main"]
