"""Arithmetic expansion: ``$(( expr ))`` with C's operators on 64-bit signed integers.

The expression text (already parameter-expanded) is tokenized, parsed once by a small
precedence-climbing parser into a tree of Python closures, and the closures are cached
by text. Running ``$((i+1))`` a hundred thousand times therefore parses it once and
then only calls three small functions per evaluation.

Variables are read and written through the ``env`` object (the shell): a bare name
reads its value, and a value that is not a number is itself evaluated as an expression,
as bash and dash do (``a=b; b=3; echo $((a))`` prints 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyshell.errors import ExpandError

Evaluator = Callable[[object], int]

_TOKEN_PATTERN = (r"""
    \s*(?:
      (?P<number> 0[xX][0-9a-fA-F]* | [0-9]+\#[0-9a-zA-Z@_]+ | [0-9]+ )
    | (?P<subscripted> [A-Za-z_][A-Za-z0-9_]*\[ )
    | (?P<name>   [A-Za-z_][A-Za-z0-9_]* )
    | (?P<op>     <<= | >>= | \*\* | \+\+ | -- | << | >> | <= | >= | == | != | && | \|\|
                | \+= | -= | \*= | /= | %= | &= | \^= | \|=
                | [-+*/%<>&^|!~?:=(),] )
    )""")
_token = None  # the compiled _TOKEN_PATTERN, built on first use (startup: most scripts never need it)

_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1


def _wrap(value: int) -> int:
    """Wrap to a 64-bit signed integer, like the C arithmetic bash uses."""
    if _INT_MIN <= value <= _INT_MAX:
        return value
    return (value - _INT_MIN) % (1 << 64) + _INT_MIN


def parse_number(text: str) -> int:
    """A C-style integer literal: 42, 0x2a, 052 (octal), 16#2a (base#digits)."""
    try:
        if "#" in text:
            base, digits = text.split("#", 1)
            return _digits_in_base(digits, int(base))
        if text[:2] in ("0x", "0X"):
            return int(text[2:], 16) if len(text) > 2 else 0   # bash: a bare 0x is 0
        if len(text) > 1 and text[0] == "0":
            return int(text, 8)
        return int(text)
    except ValueError:
        raise ExpandError(f"{text}: value too great for base") from None


def _digits_in_base(digits: str, base: int) -> int:
    if not 2 <= base <= 64:
        raise ValueError(digits)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@_"
    if base <= 36:
        alphabet = alphabet[:36]
        digits = digits.lower()
    value = 0
    for digit in digits:
        position = alphabet.find(digit)
        if position < 0 or position >= base:
            raise ValueError(digits)
        value = value * base + position
    return value


# ---------------------------------------------------------------- variables


def _read_variable(env, name: str, depth: int = 0) -> int:
    return _number_of(env, name, env.getvar(name), depth)


def _number_of(env, name: str, value: str | None, depth: int = 0) -> int:
    """A variable's value as arithmetic sees it: unset or empty is 0, a number is itself, anything
    else is an expression evaluated in turn (bash's recursive variable expansion)."""
    if value is None or value == "":
        if env.options.nounset and value is None:
            raise ExpandError(f"{name}: parameter not set")
        return 0
    if value.isdigit() and (value[0] != "0" or len(value) == 1):
        return int(value)  # the common case: a plain decimal number (010 is octal: below)
    if depth > 32:
        raise ExpandError(f"{name}: expression recursion level exceeded")
    return _compile(value.strip())(env) if value.strip() else 0


def _assign(env, name: str, value: int) -> int:
    env.setvar(name, str(value))
    return value


# An array element, ``a[i]``, is a (name, subscript text) pair; these two stand for
# _read_variable and _assign then (the subscript is evaluated by the shell: arithmetic
# for an indexed array, a key for an associative one).

def _read_element(env, element: tuple[str, str], depth: int = 0) -> int:
    name, subscript = element
    return _number_of(env, f"{name}[{subscript}]", env.get_element(name, subscript), depth)


def _assign_element(env, element: tuple[str, str], value: int) -> int:
    env.set_element(element[0], element[1], str(value))
    return value


# ---------------------------------------------------------------- parser


class _Parser:
    """Precedence climbing over the token list; each parse_* returns an Evaluator."""

    # binary operators by precedence level, lowest first (assignment and ?: are handled apart)
    LEVELS = (("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="),
              ("<<", ">>"), ("+", "-"), ("*", "/", "%"))

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def error(self, message: str = "arithmetic syntax error") -> ExpandError:
        where = self.tokens[self.index][1] if self.index < len(self.tokens) else ""
        detail = f' (error token is "{where}")' if where else ""
        return ExpandError(f"{self.text}: {message}{detail}")

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise self.error("operand expected")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, op: str) -> None:
        if self.peek() != op:
            raise self.error(f"'{op}' expected")
        self.index += 1

    def parse(self) -> Evaluator:
        if not self.tokens:
            return lambda env: 0
        result = self.comma()
        if self.index != len(self.tokens):
            raise self.error()
        return result

    def comma(self) -> Evaluator:
        left = self.assignment()
        while self.peek() == ",":
            self.index += 1
            first, second = left, self.assignment()
            left = lambda env, a=first, b=second: (a(env), b(env))[1]
        return left

    def assignment(self) -> Evaluator:
        start = self.index
        if self.index + 1 < len(self.tokens) and self.tokens[self.index][0] == "name":
            name, op = self.tokens[self.index][1], self.tokens[self.index + 1][1]
            if op in _ASSIGN_OPS:
                self.index += 2
                value = self.assignment()
                read, store = _accessors(name)
                if op == "=":
                    return lambda env: store(env, name, value(env))
                combine = _BINARY[op[:-1]]
                return lambda env: store(env, name, combine(read(env, name), value(env)))
        self.index = start
        return self.conditional()

    def conditional(self) -> Evaluator:
        condition = self.binary(0)
        if self.peek() != "?":
            return condition
        self.index += 1
        if_true = self.comma()
        self.expect(":")
        if_false = self.conditional()
        return lambda env: if_true(env) if condition(env) else if_false(env)

    def binary(self, level: int) -> Evaluator:
        if level == len(self.LEVELS):
            return self.power()
        left = self.binary(level + 1)
        while self.peek() in self.LEVELS[level]:
            op = self.take()[1]
            right = self.binary(level + 1)
            if op == "&&":
                left = lambda env, a=left, b=right: int(bool(a(env)) and bool(b(env)))
            elif op == "||":
                left = lambda env, a=left, b=right: int(bool(a(env)) or bool(b(env)))
            else:
                left = _binary_node(_BINARY[op], left, right)
        return left

    def power(self) -> Evaluator:
        base = self.unary()
        if self.peek() == "**":  # right-associative
            self.index += 1
            exponent = self.power()
            return _binary_node(_BINARY["**"], base, exponent)
        return base

    def unary(self) -> Evaluator:
        op = self.peek()
        if op in ("++", "--"):
            self.index += 1
            kind, name = self.take()
            if kind != "name":
                raise self.error("variable expected after " + op)
            step = 1 if op == "++" else -1
            read, store = _accessors(name)
            return lambda env: store(env, name, _wrap(read(env, name) + step))
        if op in ("-", "+", "!", "~"):
            self.index += 1
            operand = self.unary()
            if op == "-":
                return lambda env: _wrap(-operand(env))
            if op == "+":
                return operand
            if op == "!":
                return lambda env: int(not operand(env))
            return lambda env: ~operand(env)
        return self.postfix()

    def postfix(self) -> Evaluator:
        kind, text = self.take()
        if kind == "number":
            value = parse_number(text)
            return lambda env: value
        if kind == "name":
            name = text
            if self.peek() in ("++", "--"):
                step = 1 if self.take()[1] == "++" else -1
                read, store = _accessors(name)

                def post_increment(env):
                    old = read(env, name)
                    store(env, name, _wrap(old + step))
                    return old
                return post_increment
            read = _read_element if name.__class__ is tuple else _read_variable
            return lambda env: read(env, name)
        if text == "(":
            inner = self.comma()
            self.expect(")")
            return inner
        self.index -= 1
        raise self.error()


def _accessors(name):
    """The reader and writer of a variable (a str) or an array element (a tuple)."""
    if name.__class__ is tuple:
        return _read_element, _assign_element
    return _read_variable, _assign


def _binary_node(operation, left: Evaluator, right: Evaluator) -> Evaluator:
    return lambda env: operation(left(env), right(env))


def _divide(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError  # reported with the expression by evaluate()
    quotient = abs(a) // abs(b)  # C truncates toward zero
    return _wrap(quotient if (a < 0) == (b < 0) else -quotient)


def _remainder(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    return a - b * _divide(a, b)


def _power(a: int, b: int) -> int:
    if b < 0:
        raise ExpandError("exponent less than 0")
    return _wrap(pow(a, b, 1 << 64))


_BINARY = {
    "+": lambda a, b: _wrap(a + b), "-": lambda a, b: _wrap(a - b), "*": lambda a, b: _wrap(a * b),
    "/": _divide, "%": _remainder, "**": _power,
    "<<": lambda a, b: _wrap(a << (b & 63)), ">>": lambda a, b: a >> (b & 63),
    "<": lambda a, b: int(a < b), ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b), ">=": lambda a, b: int(a >= b),
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "&": lambda a, b: a & b, "^": lambda a, b: a ^ b, "|": lambda a, b: a | b,
}
_ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="}


def _tokenize(text: str) -> list[tuple[str, str]]:
    global _token
    if _token is None:
        _token = re.compile(_TOKEN_PATTERN, re.VERBOSE)
    tokens = []
    position = 0
    end = len(text.rstrip())
    while position < end:
        match = _token.match(text, position)
        if not match or match.end() == position:
            bad = text[position:].strip()
            raise ExpandError(f"{text}: arithmetic syntax error (error token is \"{bad}\")")
        kind = match.lastgroup
        if kind == "subscripted":   # a[i+1]: the name, and the subscript's text as written
            close = _closing_bracket(text, match.end())
            if close < 0:
                raise ExpandError(f"{text}: bad array subscript")
            tokens.append(("name", (match.group(kind)[:-1], text[match.end():close])))
            position = close + 1
            continue
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _closing_bracket(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "[":
            depth += 1
        elif char == "]":
            if depth == 0:
                return index
            depth -= 1
    return -1


_CACHE: dict[str, Evaluator] = {}


def _compile(text: str) -> Evaluator:
    evaluator = _CACHE.get(text)
    if evaluator is None:
        evaluator = _Parser(text).parse()
        if len(_CACHE) > 2000:  # scripts generating endless distinct expressions
            _CACHE.clear()
        _CACHE[text] = evaluator
    return evaluator


def evaluate(text: str, env) -> int:
    """Evaluate arithmetic ``text``, reading and assigning variables through ``env``."""
    try:
        return _compile(text)(env)
    except ZeroDivisionError:
        raise ExpandError(f"{text}: division by 0") from None
    except RecursionError:
        raise ExpandError(f"{text}: expression too deeply nested") from None
