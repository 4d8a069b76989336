"""The syntax stage: source text -> AST (pyshell.syntax.ast), and back to text.

    parse(source, filename, aliases) -> Script       the whole text at once
    iter_commands(source, filename, aliases_getter)   one Script per command line
    format(node) -> str                              the canonical text of a tree

Knows nothing of running commands: expand/ and runtime/ import this, never the reverse.
"""

from .parser import iter_commands, parse
from .printer import format

__all__ = ["parse", "iter_commands", "format"]
