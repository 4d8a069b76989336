"""Show what the syntax stage makes of a script:

    python -m pyshell.syntax [--tokens | --tree | --print] (-c TEXT | FILE)

--tokens  the tokens the grammar receives from the lexer, one per line
--tree    the syntax tree, one node per line (fields left at their default are not shown)
--print   the canonical text, format(parse(text)) (the default)
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import ParseError
from . import format, parse
from .ast import Escaped, Lit, Node, ParamExp, SglQuoted, Word
from .lexer import Scanner, Source, _fresh_lexer
from .parser import _parse_tokens


def dump_tree(node, indent: int = 0, label: str = "") -> list[str]:
    """The tree as indented lines: ``Name`` then its non-default fields, nested."""
    pad = "  " * indent + (f"{label}: " if label else "")
    if isinstance(node, tuple):
        if not node:
            return [pad + "()"]
        lines = [pad.rstrip(": ") + ":" if label else pad + "-"]
        for item in node:
            lines += dump_tree(item, indent + 1)
        return lines
    if not isinstance(node, Node):
        return [pad + repr(node)]
    if isinstance(node, Word) and all(_is_leaf(part) for part in node.parts):
        return [pad + "Word " + " ".join(_leaf(part) for part in node.parts)]
    missing = object()
    shown = [name for name in node._fields if getattr(node, name) != node._defaults.get(name, missing)]
    simple = [name for name in shown if not _is_nested(getattr(node, name))]
    nested = [name for name in shown if _is_nested(getattr(node, name))]
    head = type(node).__name__
    if simple:
        head += " " + " ".join(f"{name}={getattr(node, name)!r}" for name in simple)
    lines = [pad + head]
    for name in nested:
        lines += dump_tree(getattr(node, name), indent + 1, name)
    return lines


def _is_leaf(part) -> bool:
    return isinstance(part, (Lit, SglQuoted, Escaped)) or (isinstance(part, ParamExp) and part.arg is None)


def _leaf(part) -> str:
    if isinstance(part, ParamExp):
        return f"ParamExp({part.name!r}" + (f", {part.op!r}" if part.op else "") + \
            (", braced" if part.braced else "") + ")"
    if isinstance(part, SglQuoted) and part.ansi:
        return f"SglQuoted({part.text!r}, ansi)"
    return f"{type(part).__name__}({part.values()[0]!r})"


def _is_nested(value) -> bool:
    return isinstance(value, (Node, tuple))


def dump_tokens(text: str) -> list[str]:
    source = Source(text, "-")
    scanner = Scanner(_fresh_lexer(text), source, _parse_tokens)
    return [f"{t.pos.line}:{t.pos.col}\t{t.type}\t{t.text!r}" for t in scanner.tokens()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyshell.syntax",
                                     description="Show the tokens, tree or canonical text of a script.")
    show = parser.add_mutually_exclusive_group()
    show.add_argument("--tokens", action="store_const", dest="show", const="tokens")
    show.add_argument("--tree", action="store_const", dest="show", const="tree")
    show.add_argument("--print", action="store_const", dest="show", const="print")
    parser.add_argument("-c", dest="command", help="the script text")
    parser.add_argument("file", nargs="?", help="a script file ('-' for stdin)")
    args = parser.parse_args(argv)
    if args.command is not None:
        text, filename = args.command, "-c"
    elif args.file in (None, "-"):
        text, filename = sys.stdin.read(), "-"
    else:
        try:
            with open(args.file, encoding="utf-8") as script:
                text, filename = script.read(), args.file
        except OSError as error:
            print(f"pysh: {args.file}: {error.strerror}", file=sys.stderr)
            return 1
    try:
        if args.show == "tokens":
            lines = dump_tokens(text)
        elif args.show == "tree":
            lines = dump_tree(parse(text, filename))
        else:
            lines = [format(parse(text, filename))]
    except ParseError as error:
        print(f"pysh: {error}", file=sys.stderr)
        return error.status
    try:
        print("\n".join(lines))
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head`: the reader has gone, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
