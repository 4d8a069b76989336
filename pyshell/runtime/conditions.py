"""The primaries of ``test``/``[`` and of ``[[ ]]``: file tests (-f -d -r ...), string and
integer comparisons (= != < -eq -lt ...), -n -z -v -o.

The builtin (builtins/test.py) decides what its words mean; ``[[ ]]`` (runtime/execute.py)
has its own syntax tree; both call these.
"""

from __future__ import annotations

import os
import stat


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
    return bool(getattr(options, name.replace("-", "_"), False)) if options is not None else False


UNARY_OPERATORS = frozenset(FILE_TESTS) | {"-n", "-z", "-v", "-o"}
