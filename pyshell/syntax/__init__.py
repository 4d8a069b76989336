"""The syntax stage: source text -> AST (pyshell.syntax.ast), and back to text.

    parse(source, filename, aliases) -> Script       the whole text at once
    iter_commands(source, filename, aliases_getter)   one Script per top-level command line
    format(node) -> str                              the canonical text of a tree
    lexer.highlight_spans(text)                      what each piece of text is, for the REPL

How it is built (read in this order):
    tokens.py    the token kinds the grammar sees (WORD, IF, AND_IF, ...)
    lexer.py     PLY rules cut text into lexemes; the Scanner makes words and tokens
                 (and reads bash's ``(( ))`` whole, and ``[[ ]]`` through cond.py)
    lexengine.py runs those rules at run time (one master regex per lexer state)
    grammar.py   the PLY grammar: p_ functions whose docstrings are the BNF
    lr.py        the LR loop running the tables PLY generated (lrtables.py) over the tokens
    parser.py    ties them together: parse() and iter_commands()
PLY itself is only needed to regenerate lrtables.py and in the tests, which check that
its own lexer and parser agree with lexengine.py and lr.py.
    printer.py   the inverse: a tree back to text
Try ``python -m pyshell.syntax --tokens -c 'echo hi | wc'`` (or ``--tree``).

Knows nothing of running commands: expand/ and runtime/ import this, never the reverse.
"""

from .parser import iter_commands, parse


def format(node) -> str:
    """The canonical text of a tree: printer.py, loaded by the first caller (most runs have none)."""
    from .printer import format as format_tree

    return format_tree(node)


__all__ = ["parse", "iter_commands", "format"]
