"""``read``: one line of input, split into fields on IFS, into shell variables.

Two things matter for a shell's ``read`` and are easy to get wrong:

* It must not consume input past the line it returns, because the next command
  shares the same file offset: ``{ read first; cat; } < file`` must let ``cat`` see
  line 2. From a pipe or a terminal that means reading one byte per ``read(2)``;
  from a regular file we may read a block and ``lseek`` back what we did not use.
* Field splitting follows POSIX: IFS whitespace (space, tab, newline) is trimmed
  and runs of it count as one separator; any other IFS character separates on its
  own; the last name gets the rest of the line with its separators.

Without ``-r`` a backslash quotes the next character (protecting it from
splitting) and backslash-newline joins two lines.
"""

from __future__ import annotations

import os
import re
import select
import stat
import time
from collections import namedtuple

from pyshell.builtins import builtin, complain, write_err
from pyshell.errors import PyshError

USAGE = "read [-ers] [-a array] [-d delim] [-n nchars] [-N nchars] [-p prompt] [-t timeout] [-u fd] [name ...]"
TIMEOUT_STATUS = 128 + 14  # as bash: 128 + SIGALRM
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class ReadOptions(namedtuple("ReadOptions", "raw silent delimiter limit exact prompt timeout fd names array",
                             defaults=(False, False, ord("\n"), None, False, "", None, 0, (), None))):
    """The options of one `read` call:
    raw        -r: backslash is an ordinary character
    silent     -s: do not echo a terminal's input
    delimiter  -d: the byte that ends the input
    limit      -n: stop after this many characters (None: no limit)
    exact      -N: read exactly `limit` characters, no splitting
    prompt     -p: shown on stderr when reading a terminal
    timeout    -t: seconds (None: wait for ever)
    fd         -u: the fd to read
    names      the variables to set
    array      -a: the array that gets every field instead (bash)
    """

    __slots__ = ()


class _UsageError(Exception):
    pass


def parse_options(args: list[str]) -> ReadOptions:
    """getopt-style parsing of ``-rs -d X -nN ...``; raises _UsageError."""
    values: dict = {}
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            index += 1
            break
        if len(word) < 2 or word[0] != "-":
            break
        position = 1
        while position < len(word):
            flag = word[position]
            position += 1
            if flag in "rse":
                if flag != "e":  # -e (readline editing) has no meaning here
                    values["raw" if flag == "r" else "silent"] = True
                continue
            if flag not in "adnNptu":
                raise _UsageError(f"-{flag}: invalid option")
            if position < len(word):
                argument, position = word[position:], len(word)
            elif index + 1 < len(args):
                index += 1
                argument = args[index]
            else:
                raise _UsageError(f"-{flag}: option requires an argument")
            _store_option(values, flag, argument)
        index += 1
    names = tuple(args[index:])
    return ReadOptions(names=names, **values)


def _store_option(values: dict, flag: str, argument: str) -> None:
    if flag == "a":
        values["array"] = argument
    elif flag == "d":
        values["delimiter"] = argument.encode("utf-8", "surrogateescape")[:1][0] if argument else 0
    elif flag == "p":
        values["prompt"] = argument
    elif flag in "nN":
        if not argument.isdigit():
            raise _UsageError(f"{argument}: invalid number")
        values["limit"] = int(argument)
        values["exact"] = flag == "N"
    elif flag == "t":
        try:
            timeout = float(argument)
        except ValueError:
            timeout = -1.0
        if not timeout >= 0:
            raise _UsageError(f"{argument}: invalid timeout specification")
        values["timeout"] = timeout
    elif flag == "u":
        if not argument.isdigit():
            raise _UsageError(f"{argument}: invalid file descriptor specification")
        values["fd"] = int(argument)


# ---------------------------------------------------------------------------
# Reading bytes without taking more than we use
# ---------------------------------------------------------------------------

class _Timeout(Exception):
    pass


class _ByteReader:
    """Hands out the bytes of ``fd`` one at a time. On a regular file it reads a
    block and, in ``give_back()``, seeks back over the bytes nobody took."""

    def __init__(self, fd: int, deadline: float | None):
        self.fd = fd
        self.deadline = deadline
        self.block = stat.S_ISREG(os.fstat(fd).st_mode)
        self.buffer = b""
        self.offset = 0

    def next(self) -> int | None:
        """The next byte, or None at end of file."""
        if self.offset < len(self.buffer):
            self.offset += 1
            return self.buffer[self.offset - 1]
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise _Timeout()
        self.buffer = os.read(self.fd, 4096 if self.block else 1)
        self.offset = 0
        if not self.buffer:
            return None
        self.offset = 1
        return self.buffer[0]

    def give_back(self) -> None:
        unread = len(self.buffer) - self.offset
        if unread and self.block:
            os.lseek(self.fd, -unread, os.SEEK_CUR)


def read_input(reader: _ByteReader, options: ReadOptions) -> tuple[bytearray, bytearray, int]:
    """Read up to the delimiter. Returns (bytes, escaped flags per byte, status):
    status 0 if the delimiter (or the -n/-N limit) was reached, 1 at end of file."""
    data, escaped = bytearray(), bytearray()
    limit = options.limit
    delimiter = None if options.exact else options.delimiter
    while limit is None or len(data) < limit:
        byte = reader.next()
        if byte is None:
            return data, escaped, 1
        if byte == delimiter:
            return data, escaped, 0
        if byte == 0x5C and not options.raw:  # backslash
            quoted = reader.next()
            if quoted is None:
                return data, escaped, 1
            if quoted == ord("\n"):
                continue  # line continuation: both characters vanish
            data.append(quoted)
            escaped.append(1)
            continue
        data.append(byte)
        escaped.append(0)
    return data, escaped, 0


# ---------------------------------------------------------------------------
# Field splitting
# ---------------------------------------------------------------------------

def split_fields(data: bytes, escaped: bytes, ifs: str, count: int) -> list[bytes]:
    """Split ``data`` into exactly ``count`` fields, the last taking the rest (with
    ``count`` None: into as many fields as there are, for ``read -a``)."""
    separators = set(ifs.encode("utf-8", "surrogateescape"))
    whitespace = separators & set(b" \t\n")
    end = len(data)

    def is_separator(i: int) -> bool:
        return data[i] in separators and not escaped[i]

    def is_white(i: int) -> bool:
        return data[i] in whitespace and not escaped[i]

    def skip_delimiter(i: int) -> int:
        """Skip IFS whitespace, at most one other IFS character, IFS whitespace."""
        while i < end and is_white(i):
            i += 1
        if i < end and is_separator(i) and not is_white(i):
            i += 1
            while i < end and is_white(i):
                i += 1
        return i

    def word_end(i: int) -> int:
        while i < end and not is_separator(i):
            i += 1
        return i

    position = 0
    while position < end and is_white(position):
        position += 1
    fields = []
    if count is None:  # read -a: every field, each on its own
        while position < end:
            stop = word_end(position)
            fields.append(bytes(data[position:stop]))
            position = skip_delimiter(stop)
        return fields
    for _ in range(count - 1):
        stop = word_end(position)
        fields.append(bytes(data[position:stop]))
        position = skip_delimiter(stop)
    # The last name: a single word if nothing follows it; else the whole rest
    # of the line, separators included, minus trailing IFS whitespace.
    stop = word_end(position)
    if skip_delimiter(stop) >= end:
        fields.append(bytes(data[position:stop]))
    else:
        last = end
        while last > position and is_white(last - 1):
            last -= 1
        fields.append(bytes(data[position:last]))
    return fields


# ---------------------------------------------------------------------------
# The builtin
# ---------------------------------------------------------------------------

@builtin("read", USAGE, "Read a line from standard input and split it into fields.")
def read(shell, argv: list[str]) -> int:
    name = argv[0]
    try:
        options = parse_options(argv[1:])
    except _UsageError as error:
        complain(name, str(error))
        write_err(f"{name}: usage: {USAGE}\n")
        return 2
    for variable in options.names + ((options.array,) if options.array is not None else ()):
        if not _NAME.match(variable):
            complain(name, f"`{variable}': not a valid identifier")
            return 1
    try:
        os.fstat(options.fd)
    except OSError as error:
        complain(name, f"{options.fd}: invalid file descriptor: {error.strerror}")
        return 1
    if options.timeout == 0:  # -t 0: only ask whether input is waiting
        return 0 if select.select([options.fd], [], [], 0)[0] else 1

    terminal = os.isatty(options.fd)
    if options.prompt and terminal:
        write_err(options.prompt)
    deadline = None if options.timeout is None else time.monotonic() + options.timeout
    reader = _ByteReader(options.fd, deadline)
    char_at_a_time = options.limit is not None
    saved_modes = None
    if terminal and (options.silent or char_at_a_time):
        saved_modes = _set_terminal(options.fd, options.silent, char_at_a_time)
    status = 0
    data, escaped = bytearray(), bytearray()
    try:
        data, escaped, status = read_input(reader, options)
    except _Timeout:
        status = TIMEOUT_STATUS
    except OSError as error:
        complain(name, f"read error: {options.fd}: {error.strerror}")
        return 1
    finally:
        reader.give_back()
        if saved_modes is not None:
            _restore_modes(options.fd, saved_modes)
    return _assign(shell, name, options, data, escaped) or status


def _assign(shell, name: str, options: ReadOptions, data: bytes, escaped: bytes) -> int:
    if options.array is not None:
        fields = split_fields(data, escaped, shell.ifs, None)
        try:
            shell.assign_array(options.array, [f.decode("utf-8", "surrogateescape") for f in fields],
                               kind="a")
        except PyshError as error:
            complain(name, error.message)
            return 1
        return 0
    if not options.names:  # REPLY gets the line as read, without trimming
        values = [("REPLY", bytes(data))]
    elif options.exact:
        values = [(options.names[0], bytes(data))] + [(n, b"") for n in options.names[1:]]
    else:
        fields = split_fields(data, escaped, shell.ifs, len(options.names))
        values = list(zip(options.names, fields))
    for variable, value in values:
        try:
            shell.set_reference(variable, value.decode("utf-8", "surrogateescape"))
        except PyshError as error:
            complain(name, error.message)
            return 1
    return 0


def _set_terminal(fd: int, silent: bool, char_at_a_time: bool):
    """-s turns off the terminal's echo; -n/-N turn off line editing (ICANON) so
    that each key arrives at once, as in bash. Returns the modes to restore."""
    import termios

    try:
        modes = termios.tcgetattr(fd)
    except termios.error:
        return None
    changed = list(modes)
    changed[6] = list(modes[6])
    if silent:
        changed[3] &= ~termios.ECHO
    if char_at_a_time:
        changed[3] &= ~termios.ICANON
        changed[6][termios.VMIN], changed[6][termios.VTIME] = 1, 0
    termios.tcsetattr(fd, termios.TCSADRAIN, changed)
    return modes


def _restore_modes(fd: int, modes) -> None:
    import termios

    termios.tcsetattr(fd, termios.TCSADRAIN, modes)
