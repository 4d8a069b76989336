"""``test`` and ``[``: evaluate a condition given as separate words.

POSIX decides what the words mean by how many there are (0 to 4), which is how
``[ = = = ]`` or ``[ ! = ! ]`` can make sense; beyond 4 words a small recursive
descent parser handles ``!``, ``-a``, ``-o`` and parentheses, as bash's test.c does.
``evaluate()`` is the pure entry point; the builtin maps its answer to 0/1, and a
malformed expression (``TestSyntaxError``) to status 2.
"""

from __future__ import annotations

from pyshell.builtins import builtin, complain


# The primaries (-f, -eq, =, ...) are shared with [[ ]], so they live in the runtime.
from pyshell.runtime.conditions import (BINARY_TESTS, FILE_TESTS, UNARY_OPERATORS,  # noqa: E402,F401
                                        TestSyntaxError, _integer, _unary)


# ---------------------------------------------------------------------------
# Evaluation by argument count (POSIX), then the general grammar
# ---------------------------------------------------------------------------

def evaluate(args: list[str], shell=None) -> bool:
    """True or False for the words of a test; raises TestSyntaxError."""
    count = len(args)
    if count == 3:  # the hot path: `[ $i -lt 10 ]`
        compare = BINARY_TESTS.get(args[1])
        if compare is not None:
            return compare(args[0], args[2])
        return _three(args, shell)
    if count == 0:
        return False
    if count == 1:
        return args[0] != ""
    if count == 2:
        return _two(args, shell)
    if count == 4:
        if args[0] == "!":
            return not _three(args[1:], shell)
        if args[0] == "(" and args[3] == ")":
            return _two(args[1:3], shell)
    return _Parser(args, shell).parse()


def _two(args: list[str], shell) -> bool:
    first, second = args
    if first == "!":
        return second == ""
    if first in UNARY_OPERATORS:
        return _unary(first, second, shell)
    raise TestSyntaxError(f"{first}: unary operator expected")


def _three(args: list[str], shell) -> bool:
    first, middle, last = args
    if middle in BINARY_TESTS:
        return BINARY_TESTS[middle](first, last)
    if middle == "-a":
        return first != "" and last != ""
    if middle == "-o":
        return first != "" or last != ""
    if first == "!":
        return not _two(args[1:], shell)
    if first == "(" and last == ")":
        return middle != ""
    raise TestSyntaxError(f"{middle}: binary operator expected")


class _Parser:
    """or := and ('-o' and)* ; and := term ('-a' term)* ;
    term := '!' term | '(' or ')' | WORD BINOP WORD | UNOP WORD | WORD"""

    def __init__(self, args: list[str], shell):
        self.args = args
        self.position = 0
        self.shell = shell

    def parse(self) -> bool:
        value = self.disjunction()
        if self.position < len(self.args):
            raise TestSyntaxError("too many arguments")
        return value

    def peek(self, offset: int = 0) -> str | None:
        index = self.position + offset
        return self.args[index] if index < len(self.args) else None

    def take(self) -> str:
        word = self.peek()
        if word is None:
            raise TestSyntaxError("argument expected")
        self.position += 1
        return word

    def disjunction(self) -> bool:
        value = self.conjunction()
        while self.peek() == "-o":
            self.position += 1
            right = self.conjunction()  # evaluate both sides: errors must still show
            value = value or right
        return value

    def conjunction(self) -> bool:
        value = self.term()
        while self.peek() == "-a":
            self.position += 1
            right = self.term()
            value = value and right
        return value

    def term(self) -> bool:
        word = self.take()
        if word == "!":
            return not self.term()
        if word == "(":
            value = self.disjunction()
            if self.peek() != ")":
                raise TestSyntaxError("`)' expected")
            self.position += 1
            return value
        operator = self.peek()
        if operator in BINARY_TESTS and self.peek(1) is not None:
            self.position += 1
            return BINARY_TESTS[operator](word, self.take())
        if len(word) == 2 and word[0] == "-":
            if word not in UNARY_OPERATORS:
                raise TestSyntaxError(f"{word}: unary operator expected")
            if operator is None:
                return True  # a lone `-f` is just a non-empty string
            return _unary(word, self.take(), self.shell)
        return word != ""


# ---------------------------------------------------------------------------
# The builtins
# ---------------------------------------------------------------------------

@builtin("[", "[ expr ]", "Evaluate a conditional expression; the last argument must be `]'.")
@builtin("test", "test [expr]", "Evaluate a conditional expression: status 0 if true, 1 if false.")
def test(shell, argv: list[str]) -> int:
    name, args = argv[0], argv[1:]
    if name == "[":
        if not args or args[-1] != "]":
            complain(name, "missing `]'")
            return 2
        args = args[:-1]
    try:
        return 0 if evaluate(args, shell) else 1
    except TestSyntaxError as error:
        complain(name, str(error))
        return 2
