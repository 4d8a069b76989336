"""``test`` and ``[``: evaluate a condition given as separate words.

POSIX decides what the words mean by how many there are (0 to 4), which is how
``[ = = = ]`` or ``[ ! = ! ]`` can make sense; beyond 4 words a small recursive
descent parser handles ``!``, ``-a``, ``-o`` and parentheses, as bash's test.c does.
``evaluate()`` is the pure entry point; the builtin maps its answer to 0/1, and a
malformed expression (``TestSyntaxError``) to status 2.
"""

from __future__ import annotations

import os
import stat

from pyshell.builtins import builtin, complain


class TestSyntaxError(Exception):
    """A malformed expression: reported as ``pysh: test: MESSAGE``, status 2."""

    __test__ = False  # not a pytest test class, despite the name


# ---------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------

def _stat(path: str, follow: bool = True) -> os.stat_result | None:
    if not path:
        return None
    try:
        return os.stat(path) if follow else os.lstat(path)
    except (OSError, ValueError):  # ValueError: an embedded NUL byte
        return None


def _mode_test(predicate):
    def check(path: str) -> bool:
        info = _stat(path)
        return info is not None and predicate(info)
    return check


def _access(mode: int):
    def check(path: str) -> bool:
        try:
            return bool(path) and os.access(path, mode)
        except ValueError:
            return False
    return check


def _is_symlink(path: str) -> bool:
    info = _stat(path, follow=False)
    return info is not None and stat.S_ISLNK(info.st_mode)


def _is_terminal(text: str) -> bool:
    try:
        return os.isatty(_integer(text))
    except (TestSyntaxError, OSError, OverflowError):  # `-t x` is just false, as in bash
        return False


FILE_TESTS = {
    "-e": _mode_test(lambda s: True),
    "-a": _mode_test(lambda s: True),  # bash's old spelling of -e
    "-f": _mode_test(lambda s: stat.S_ISREG(s.st_mode)),
    "-d": _mode_test(lambda s: stat.S_ISDIR(s.st_mode)),
    "-b": _mode_test(lambda s: stat.S_ISBLK(s.st_mode)),
    "-c": _mode_test(lambda s: stat.S_ISCHR(s.st_mode)),
    "-p": _mode_test(lambda s: stat.S_ISFIFO(s.st_mode)),
    "-S": _mode_test(lambda s: stat.S_ISSOCK(s.st_mode)),
    "-s": _mode_test(lambda s: s.st_size > 0),
    "-g": _mode_test(lambda s: bool(s.st_mode & stat.S_ISGID)),
    "-u": _mode_test(lambda s: bool(s.st_mode & stat.S_ISUID)),
    "-k": _mode_test(lambda s: bool(s.st_mode & stat.S_ISVTX)),
    "-O": _mode_test(lambda s: s.st_uid == os.geteuid()),
    "-G": _mode_test(lambda s: s.st_gid == os.getegid()),
    "-N": _mode_test(lambda s: s.st_mtime > s.st_atime),
    "-r": _access(os.R_OK),
    "-w": _access(os.W_OK),
    "-x": _access(os.X_OK),
    "-L": _is_symlink,
    "-h": _is_symlink,
    "-t": _is_terminal,
}


def _integer(text: str) -> int:
    """test's integers: optional blanks and sign, decimal digits, 64-bit range."""
    if len(text) < 19 and text.isdigit() and text.isascii():  # the common case, quickly
        return int(text)
    stripped = text.strip(" \t\n")
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if digits.isdigit() and digits.isascii():
        value = int(stripped)
        if -(2**63) <= value < 2**63:
            return value
    raise TestSyntaxError(f"{text}: integer expression expected")


def _newer(left: str, right: str) -> bool:
    a, b = _stat(left), _stat(right)
    return a is not None and (b is None or a.st_mtime_ns > b.st_mtime_ns)


def _same_file(left: str, right: str) -> bool:
    a, b = _stat(left), _stat(right)
    return a is not None and b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")  # compare as bytes, as under LC_ALL=C


BINARY_TESTS = {
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: _bytes(a) < _bytes(b),
    ">": lambda a, b: _bytes(a) > _bytes(b),
    "-eq": lambda a, b: _integer(a) == _integer(b),
    "-ne": lambda a, b: _integer(a) != _integer(b),
    "-lt": lambda a, b: _integer(a) < _integer(b),
    "-le": lambda a, b: _integer(a) <= _integer(b),
    "-gt": lambda a, b: _integer(a) > _integer(b),
    "-ge": lambda a, b: _integer(a) >= _integer(b),
    "-nt": _newer,
    "-ot": lambda a, b: _newer(b, a),
    "-ef": _same_file,
}


def _unary(operator: str, operand: str, shell) -> bool:
    if operator == "-n":
        return operand != ""
    if operator == "-z":
        return operand == ""
    if operator == "-v":
        return shell is not None and shell.is_set(operand)
    if operator == "-o":
        return _option_is_set(shell, operand)
    return FILE_TESTS[operator](operand)


def _option_is_set(shell, name: str) -> bool:
    options = getattr(shell, "options", None)
    return bool(getattr(options, name, False)) if options is not None else False


UNARY_OPERATORS = frozenset(FILE_TESTS) | {"-n", "-z", "-v", "-o"}


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
