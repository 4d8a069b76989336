"""``echo`` and ``printf``: the two builtins that turn arguments into text.

Both build their output as bytes: an escape such as ``\\xff`` yields one byte that
need not be valid UTF-8, and widths count bytes, as in bash under ``LC_ALL=C``.
``format_printf()`` is the pure core of ``printf`` (format + arguments -> bytes,
errors) so it can be read and tested without a shell.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

from pyshell.builtins import builtin, complain, write_err

# ---------------------------------------------------------------------------
# Backslash escapes, shared by `echo -e`, printf's format and printf's %b.
# ---------------------------------------------------------------------------

_SIMPLE_ESCAPES = {
    "a": b"\a", "b": b"\b", "e": b"\x1b", "E": b"\x1b", "f": b"\f",
    "n": b"\n", "r": b"\r", "t": b"\t", "v": b"\v", "\\": b"\\",
}
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"

# The three dialects differ only in octal escapes, \c and \' \" \?:
#   format  \NNN (1-3 digits)           \c literal   \' \" \? give the character
#   %b      \NNN or \0NNN               \c stops     \' \" \? stay as written
#   echo    \0NNN only (\1 is literal)  \c stops     \' \" \? stay as written
FORMAT, PERCENT_B, ECHO = "format", "%b", "echo"


def expand_escapes(text: str, dialect: str, errors: list[str]) -> tuple[bytes, bool]:
    """Replace backslash escapes in ``text``. Returns (bytes, stop) where ``stop``
    means a ``\\c`` was met and all further output must be suppressed."""
    raw = text.encode("utf-8", "surrogateescape")
    if b"\\" not in raw:
        return raw, False
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char != "\\" or i + 1 == n:
            out += char.encode("utf-8", "surrogateescape")
            i += 1
            continue
        code = text[i + 1]
        i += 2
        if code in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[code]
        elif code in _OCTAL and not (dialect == ECHO and code != "0"):
            # Count the digits allowed after the first one.
            more = 3 if (code == "0" and dialect != FORMAT) else 2
            value = int(code, 8)
            while more and i < n and text[i] in _OCTAL:
                value = value * 8 + int(text[i], 8)
                i += 1
                more -= 1
            out.append(value & 0xFF)
        elif code == "x":
            digits = _take(text, i, _HEX, 2)
            if not digits:
                errors.append("missing hex digit for \\x")
                out += b"\\x"
            else:
                out.append(int(digits, 16))
                i += len(digits)
        elif code in "uU":
            digits = _take(text, i, _HEX, 4 if code == "u" else 8)
            if not digits:
                errors.append(f"missing unicode digit for \\{code}")
                out += b"\\" + code.encode()
            else:
                out += _unicode_bytes(int(digits, 16))
                i += len(digits)
        elif code == "c" and dialect != FORMAT:
            return bytes(out), True
        elif code in "'\"?" and dialect == FORMAT:
            out += code.encode()
        else:  # not an escape: keep the backslash and the character
            out += b"\\" + code.encode("utf-8", "surrogateescape")
    return bytes(out), False


def _take(text: str, start: int, allowed: str, limit: int) -> str:
    end = start
    while end < len(text) and end - start < limit and text[end] in allowed:
        end += 1
    return text[start:end]


def _unicode_bytes(codepoint: int) -> bytes:
    try:
        return chr(codepoint).encode("utf-8")
    except (ValueError, UnicodeEncodeError):  # beyond U+10FFFF or a lone surrogate
        return b"?"


# ---------------------------------------------------------------------------
# echo
# ---------------------------------------------------------------------------

@builtin("echo", "echo [-neE] [arg ...]", "Write the arguments, separated by spaces, and a newline.")
def echo(shell, argv: list[str]) -> int:
    """bash's echo: leading words made only of n, e, E are options (``--`` is not);
    backslashes are left alone unless ``-e`` is given, as in ``bash --posix``."""
    newline, interpret = True, False
    args = argv[1:]
    while args and len(args[0]) > 1 and args[0][0] == "-" and all(c in "neE" for c in args[0][1:]):
        for flag in args[0][1:]:
            if flag == "n":
                newline = False
            else:
                interpret = flag == "e"
        args = args[1:]
    text = " ".join(args)
    if interpret:
        errors: list[str] = []
        data, stopped = expand_escapes(text, ECHO, errors)
        if stopped:
            newline = False
    else:
        data = text.encode("utf-8", "surrogateescape")
    return _emit(argv[0], data + (b"\n" if newline else b""))


def _emit(name: str, data: bytes) -> int:
    """Write all of ``data`` to fd 1; a write error is reported, a closed pipe is not."""
    while data:
        try:
            data = data[os.write(1, data):]
        except BrokenPipeError:
            return 1
        except OSError as error:
            complain(name, f"write error: {error.strerror}")
            return 1
    return 0


# ---------------------------------------------------------------------------
# printf
# ---------------------------------------------------------------------------

# errors: messages, each printed as "pysh: printf: MESSAGE"
PrintfResult = namedtuple("PrintfResult", "output errors status")


_INT64_MIN, _INT64_MAX, _UINT64 = -(2**63), 2**63 - 1, 2**64
_INTEGER_PREFIX = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT_PREFIX = re.compile(
    r"\s*[+-]?(?:0[xX][0-9a-fA-F]+|inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)",
    re.IGNORECASE,
)
# %[flags][width][.precision][length]conversion ; '*' takes the value from an argument.
_SPEC = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(?:hh|h|ll|l|L|j|z|t)?(.?)", re.DOTALL)
_CONVERSIONS = "diouxXeEfFgGcsbq"


class _Arguments:
    """The argument list printf consumes from; missing arguments read as ''."""

    def __init__(self, values: list[str]):
        self.values = values
        self.used = 0

    def next(self) -> str:
        if self.used < len(self.values):
            self.used += 1
            return self.values[self.used - 1]
        return ""

    @property
    def remaining(self) -> bool:
        return self.used < len(self.values)


def parse_integer(text: str, errors: list[str], unsigned: bool = False) -> int:
    """Read an argument of %d and friends as C's strtoimax(base 0) would, plus
    ``'c`` for a character code. A bad number is reported and its valid prefix used."""
    if text[:1] in ("'", '"'):
        return text.encode("utf-8", "surrogateescape")[1] if len(text) > 1 else 0
    if not text.strip():
        return 0
    match = _INTEGER_PREFIX.match(text)
    if not match:
        errors.append(f"{text}: invalid number")
        return 0
    sign, digits = match.groups()
    base = 16 if digits[:2].lower() == "0x" else 8 if digits.startswith("0") else 10
    value = int(digits, base)
    if sign == "-":
        value = -value
    if match.end() != len(text):
        errors.append(f"{text}: invalid number")
    if unsigned:
        if value > _UINT64 - 1:
            errors.append(f"warning: {text}: Numerical result out of range")
            return _UINT64 - 1
        return value % _UINT64
    if not _INT64_MIN <= value <= _INT64_MAX:
        errors.append(f"warning: {text}: Numerical result out of range")
        return max(_INT64_MIN, min(_INT64_MAX, value))
    return value


def parse_float(text: str, errors: list[str]) -> float:
    if text[:1] in ("'", '"'):
        return float(text.encode("utf-8", "surrogateescape")[1]) if len(text) > 1 else 0.0
    if not text.strip():
        return 0.0
    match = _FLOAT_PREFIX.match(text)
    if not match:
        errors.append(f"{text}: invalid number")
        return 0.0
    if match.end() != len(text):
        errors.append(f"{text}: invalid number")
    number = match.group().strip()
    if number.lstrip("+-")[:2].lower() == "0x":
        return float(int(number, 16))
    return float(number)


def _pad(body: bytes, width: int, left: bool) -> bytes:
    if len(body) >= width:
        return body
    fill = b" " * (width - len(body))
    return body + fill if left else fill + body


def _format_integer(value: int, conversion: str, flags: str, width: int, precision: int | None) -> bytes:
    """C's integer formatting, written out: sign, prefix, digits, then padding."""
    negative = value < 0 and conversion in "di"
    magnitude = abs(value)
    base = {"o": "o", "x": "x", "X": "X"}.get(conversion, "d")
    digits = format(magnitude, base)
    if precision is not None:
        digits = "" if precision == 0 and magnitude == 0 else digits.zfill(precision)
    sign = "-" if negative else ("+" if "+" in flags else " " if " " in flags else "") if conversion in "di" else ""
    prefix = ""
    if "#" in flags:
        if conversion in "xX" and magnitude:
            prefix = "0" + conversion
        elif conversion == "o" and not digits.startswith("0"):
            digits = "0" + digits
    head = sign + prefix
    if "0" in flags and "-" not in flags and precision is None:
        digits = digits.zfill(width - len(head))
    return _pad((head + digits).encode(), width, "-" in flags)


def _shell_quote(text: str) -> str:
    """bash's %q for the common cases: backslashes before special characters."""
    if text == "":
        return "''"
    if any(c < " " or c == "\x7f" for c in text):   # control characters: $'...' as bash
        from pyshell.syntax.printer import _ansi_quoted

        return _ansi_quoted(text)
    out = []
    for index, c in enumerate(text):
        if c.isalnum() or c in "_-./,:@%+=" or (c in "~#" and index > 0) or ord(c) > 127:
            out.append(c)
        else:
            out.append("\\" + c)
    return "".join(out)


def _follow_timezone(shell) -> None:
    """%(…)T formats local time as the shell's $TZ says (`TZ=UTC printf …`)."""
    import os
    import time

    zone = shell.getvar("TZ")
    if zone != os.environ.get("TZ"):
        if zone is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = zone
        time.tzset()


def _time_spec_start(fmt: str, percent: int) -> int:
    """Where a ``(`` would be in ``%-10(...)T``: after the flags and width."""
    index = percent + 1
    while index < len(fmt) and fmt[index] in "-0123456789":
        index += 1
    return index


def _format_time(fmt: str, percent: int, args, out: bytearray, errors: list[str]) -> int | None:
    """bash's ``%(strftime)T``: the argument is seconds since the epoch (-1 or none: now,
    -2: when the shell started); returns where the format goes on."""
    import time

    open_paren = _time_spec_start(fmt, percent)
    close = fmt.find(")T", open_paren)
    if close < 0:
        errors.append("`(': invalid format character")
        return None
    width_text = fmt[percent + 1:open_paren]
    pattern = fmt[open_paren + 1:close] or "%X"
    argument = args.next()
    seconds = parse_integer(argument, errors) if argument.strip() else -1
    if seconds in (-1, -2):
        seconds = int(time.time())
    text = time.strftime(pattern, time.localtime(seconds)).encode("utf-8", "surrogateescape")
    left = width_text.startswith("-")
    width = int(width_text.lstrip("-") or "0")
    out += _pad(text, width, left)
    return close + 2


def format_printf(fmt: str, values: list[str]) -> PrintfResult:
    """Apply ``fmt`` to ``values``, reusing the format while arguments remain."""
    args = _Arguments(values)
    out = bytearray()
    errors: list[str] = []
    status = 0
    while True:
        used_before = args.used
        stop, failed = _format_once(fmt, args, out, errors)
        if failed:
            return PrintfResult(bytes(out), tuple(errors), 1)
        if stop or not args.remaining or args.used == used_before:
            break
    if any(not e.startswith(("warning:", "missing ")) for e in errors):
        status = 1
    return PrintfResult(bytes(out), tuple(errors), status)


def _format_once(fmt: str, args: _Arguments, out: bytearray, errors: list[str]) -> tuple[bool, bool]:
    """One pass over the format. Returns (stopped by \\c, failed on a bad format)."""
    position = 0
    while position < len(fmt):
        percent = fmt.find("%", position)
        literal = fmt[position:] if percent < 0 else fmt[position:percent]
        if literal:
            out += expand_escapes(literal, FORMAT, errors)[0]
        if percent < 0:
            return False, False
        if fmt.startswith("%%", percent):
            out += b"%"
            position = percent + 2
            continue
        if fmt.startswith("(", _time_spec_start(fmt, percent)):
            consumed = _format_time(fmt, percent, args, out, errors)
            if consumed is None:
                return False, True
            position = consumed
            continue
        spec = _SPEC.match(fmt, percent)
        flags, width_text, precision_text, conversion = spec.groups()
        position = spec.end()
        if conversion == "" or conversion not in _CONVERSIONS:
            errors.append(f"`{conversion or '%'}': invalid format character" if conversion
                          else "`%': missing format character")
            return False, True
        width = 0
        if width_text == "*":
            width = parse_integer(args.next(), errors)
            if width < 0:
                flags, width = flags + "-", -width
        elif width_text:
            width = int(width_text)
        precision = None
        if precision_text == "*":
            precision = parse_integer(args.next(), errors)
            if precision < 0:
                precision = None
        elif precision_text is not None:
            precision = int(precision_text or "0")
        argument = args.next()
        left = "-" in flags
        if conversion in "di":
            out += _format_integer(parse_integer(argument, errors), conversion, flags, width, precision)
        elif conversion in "ouxX":
            out += _format_integer(parse_integer(argument, errors, unsigned=True), conversion, flags, width, precision)
        elif conversion in "eEfFgG":
            python_spec = "%" + flags + (str(width) if width else "") + \
                ("" if precision is None else f".{precision}") + conversion
            out += (python_spec % parse_float(argument, errors)).encode()
        elif conversion == "c":
            out += _pad(argument.encode("utf-8", "surrogateescape")[:1] or b"\0", width, left)
        else:
            if conversion == "b":
                body, stop = expand_escapes(argument, PERCENT_B, errors)
            elif conversion == "q":
                body, stop = _shell_quote(argument).encode("utf-8", "surrogateescape"), False
            else:
                body, stop = argument.encode("utf-8", "surrogateescape"), False
            if precision is not None:
                body = body[:precision]
            out += _pad(body, width, left)
            if stop:
                return True, False
    return False, False


def _usage(name: str, problem: str | None) -> int:
    if problem:
        complain(name, problem)
    write_err("printf: usage: printf [-v var] format [arguments]\n")
    return 2


@builtin("printf", "printf [-v var] format [arguments]",
         "Format and print the arguments under control of the format.")
def printf(shell, argv: list[str]) -> int:
    args = argv[1:]
    target = None
    if args[:1] == ["-v"]:
        if len(args) < 2:
            return _usage(argv[0], "-v: option requires an argument")
        target, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    elif args and args[0].startswith("-") and len(args[0]) > 1:
        return _usage(argv[0], f"{args[0][:2]}: invalid option")
    if not args:
        return _usage(argv[0], None)
    if ")T" in args[0]:
        _follow_timezone(shell)
    result = format_printf(args[0], args[1:])
    for message in result.errors:
        complain(argv[0], message)
    if target is not None:
        from pyshell.expand.variables import valid_reference

        if not valid_reference(target):
            complain(argv[0], f"`{target}': not a valid identifier")
            return 2
        shell.set_reference(target, result.output.decode("utf-8", "surrogateescape"))
        return result.status
    written = _emit(argv[0], result.output)
    return result.status or written
