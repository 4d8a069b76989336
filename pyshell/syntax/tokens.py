"""The token kinds the parser sees, shared by the lexer (which makes them) and the
grammar (which consumes them).

Names follow the POSIX shell grammar (XCU 2.10.2) where it has one: WORD,
ASSIGNMENT_WORD, IO_NUMBER, NEWLINE, AND_IF, DSEMI, DLESS...
"""

from __future__ import annotations

# Operators, longest first so that the lexer's alternation tries ``<<-`` before ``<<``.
OPERATORS = {
    "&>>": "AND_DGREAT",   # bash: stdout and stderr, appending
    "<<<": "TLESS",        # bash: here-string
    "<<-": "DLESSDASH",
    "&&": "AND_IF",
    "||": "OR_IF",
    ";;": "DSEMI",
    "|&": "PIPE_AMP",      # bash: pipe stdout and stderr
    ">>": "DGREAT",
    ">|": "CLOBBER",
    "<>": "LESSGREAT",
    ">&": "GREATAND",
    "<&": "LESSAND",
    "&>": "AND_GREAT",     # bash: stdout and stderr to a file
    "<<": "DLESS",
    "<": "LESS",
    ">": "GREAT",
    "|": "PIPE",
    "&": "AMP",
    ";": "SEMI",
    "(": "LPAREN",
    ")": "RPAREN",
}

# Redirection operators as the AST spells them (Redirect.op), by token kind.
REDIRECT_OPS = {
    "LESS": "<", "GREAT": ">", "DGREAT": ">>", "CLOBBER": ">|", "LESSGREAT": "<>",
    "GREATAND": ">&", "LESSAND": "<&", "AND_GREAT": "&>", "AND_DGREAT": "&>>",
    "DLESS": "<<", "DLESSDASH": "<<-", "TLESS": "<<<",
}

# Reserved words: recognised only where sh says so (first word of a command, and a few
# positions in ``for`` and ``case``); elsewhere ``if`` is an ordinary word.
RESERVED = {
    "if": "IF", "then": "THEN", "else": "ELSE", "elif": "ELIF", "fi": "FI",
    "do": "DO", "done": "DONE", "case": "CASE", "esac": "ESAC",
    "while": "WHILE", "until": "UNTIL", "for": "FOR", "in": "IN",
    "{": "LBRACE", "}": "RBRACE", "!": "BANG",
    "function": "FUNCTION",  # bash: ``function name { ...; }``
    "time": "TIME",          # bash's keyword: ``time [-p] pipeline``
}

GRAMMAR_TOKENS = tuple(dict.fromkeys(
    ["WORD", "ASSIGNMENT_WORD", "IO_NUMBER", "NEWLINE",
     "ARITH_CMD", "COND_CMD"]  # bash's (( expr )) and [[ expr ]], read whole by the Scanner
    + list(OPERATORS.values())
    + list(RESERVED.values())
))


class Token:
    """One token handed to the parser: PLY reads ``type`` and ``value``; we add a position.

    ``value`` is a ready AST piece: a Word for WORD, an Assignment for ASSIGNMENT_WORD,
    an int for IO_NUMBER, a HereDoc for ``<<``/``<<-``, else the token's Pos.
    ``text`` is the source text, used in error messages.
    """

    __slots__ = ("type", "value", "text", "pos", "lexpos", "lineno", "lexer")  # PLY sets .lexer on errors

    def __init__(self, type, value, text, pos, lexpos):
        self.type = type
        self.value = value
        self.text = text
        self.pos = pos
        self.lexpos = lexpos
        self.lineno = pos.line

    def __repr__(self):
        return f"Token({self.type}, {self.text!r}, {self.pos.line}:{self.pos.col})"


class HereDoc:
    """A pending here-document: the operator's token value, filled in by the lexer when it
    reaches the end of the line (the body comes after the newline)."""

    __slots__ = ("pos", "index", "strip_tabs", "delimiter", "body")

    def __init__(self, pos, index, strip_tabs):
        self.pos = pos
        self.index = index      # offset of the operator in its text, for error messages
        self.strip_tabs = strip_tabs
        self.delimiter = None   # the Word written after << (set when the lexer reads it)
        self.body = None        # the body as a Word (set after the newline)
