"""A container's log (container.log): its output, one record per line, with when it came and from where.

The supervisor writes it (supervisor.py); `contain logs` and compose read it (api.log_batches),
as LogEntry values: the lines of one read of one stream together, as they were written.
A record is the CRI's log format (Kubernetes' container logs; podman's k8s-file, which conmon,
our supervisor's counterpart, writes)::

    2026-12-03T17:00:00.123456789Z stdout F hello

the time (RFC 3339 in UTC, always nine digits of nanoseconds: comparing two such texts compares
the times, so --since and --until need no date arithmetic), the stream (stdout or stderr), F for a
full line or P for a piece of one (the output stopped mid-line: the line goes on in the next
record of that stream), then the bytes as the container wrote them, without any escaping: only
the newline ends a record. Docker's json-file driver keeps the same three facts as JSON, which
costs a json.dumps per line; here one read of output becomes its records in a few
bytes.replace-sized steps. All lines of one read share its time: they came together.

A log written by an older contain holds the raw output, without times: each such line reads as a
stdout line with no time (``time == ""``), which --since and --until leave out.
"""

from __future__ import annotations

import time


def timestamp(nanoseconds: int | None = None) -> str:
    """The time (now by default, else nanoseconds since the epoch) as a log record writes it."""
    if nanoseconds is None:
        nanoseconds = time.time_ns()
    seconds, fraction = divmod(nanoseconds, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:09d}Z"


def records(data: bytes, stream: bytes) -> bytes:
    """What one read of a stream (b"stdout" or b"stderr") adds to the log: a record per line."""
    full = b"%s %s F " % (timestamp().encode(), stream)
    lines, newline, rest = data.rpartition(b"\n")
    written = full + lines.replace(b"\n", b"\n" + full) + b"\n" if newline else b""
    if rest:  # a line without its end yet
        written += full[:-2] + b"P " + rest + b"\n"
    return written


class LogEntry:
    """What the log holds of one read of one stream: one or more whole lines (``text`` ends with
    a newline), or a piece of a line (it does not). Its records share the time and the stream,
    and keep their order: joining the entries' texts gives the output back."""

    __slots__ = ("time", "stream", "text")

    def __init__(self, time: str, stream: str, text: bytes):
        self.time = time      # "2026-12-03T17:00:00.123456789Z", "" for lines of an older log
        self.stream = stream  # "stdout" or "stderr"
        self.text = text

    def __repr__(self) -> str:
        return f"LogEntry({self.time!r}, {self.stream!r}, {self.text!r})"

    def line_count(self) -> int:
        return self.text.count(b"\n")

    def last_lines(self, count: int) -> LogEntry:
        """The entry with only its last ``count`` lines (count < line_count())."""
        cut = len(self.text) - 1
        for _ in range(count):
            cut = self.text.rindex(b"\n", 0, cut)
        return LogEntry(self.time, self.stream, self.text[cut + 1:])

    def timed_text(self, at_line_start: bool) -> bytes:
        """The text with the time before each line (`logs -t`); a line that came in pieces has
        the time of its first: ``at_line_start`` says whether this entry begins one."""
        if not self.time:
            return self.text
        stamp = self.time.encode() + b" "
        body = self.text[:-1].replace(b"\n", b"\n" + stamp) + self.text[-1:]
        return stamp + body if at_line_start else body


# A run of records with the same time, stream and kind: one read's lines (\1 \2 \3: the same again).
# Compiled on first use (re's cache): the supervisor, which only writes, does not import re.
ENTRY = rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) [^\n]*\n(?:\1 \2 \3 [^\n]*\n)*"
PREFIX_LENGTH = len(b"2026-12-03T17:00:00.123456789Z stdout F ")


def parse(data: bytes) -> list[LogEntry]:
    """Whole records (each ends with its newline) as entries. The regular expression does the
    per-line work; what it does not match is raw output from an older contain."""
    import re

    entries = []
    position = 0
    for match in re.finditer(ENTRY, data):
        if match.start() > position:
            entries.append(LogEntry("", "stdout", data[position:match.start()]))
        stamp, stream, kind = match.groups()
        records = match.group(0)
        prefix = records[:PREFIX_LENGTH]
        if kind == b"F":
            text = records.replace(b"\n" + prefix, b"\n")[PREFIX_LENGTH:]
        else:  # pieces: their newlines end records, not lines
            text = records.replace(b"\n" + prefix, b"")[PREFIX_LENGTH:-1]
        entries.append(LogEntry(stamp.decode(), stream.decode(), text))
        position = match.end()
    if position < len(data):
        entries.append(LogEntry("", "stdout", data[position:]))
    return entries


def read_entries(path, position: int, to_the_end: bool) -> tuple[list[LogEntry], int]:
    """The entries from byte ``position`` on, and where the next read starts. Only whole
    records unless ``to_the_end`` (the writer is gone): a record being written waits for the
    next read."""
    try:
        with open(path, "rb") as file:
            file.seek(position)
            data = file.read()
    except FileNotFoundError:
        return [], position
    if not to_the_end:
        data = data[:data.rfind(b"\n") + 1]
    position += len(data)
    if data and not data.endswith(b"\n"):
        data += b"\n"  # an older log's last line, without its end
    return parse(data), position


# --------------------------------------------------------------------------- --since and --until


def parse_time(value: str, flag: str, now_ns: int | None = None) -> str:
    """Docker's --since/--until value as a record's time: RFC 3339 (the zone may be left out: local
    time; so may the seconds, the minutes, the whole time of day), Unix seconds (1733245200.5),
    or a duration back from now (10m, 1h30m, 1.5h; Go's syntax). ValueError: Docker's message."""
    import re

    now_ns = time.time_ns() if now_ns is None else now_ns
    duration = _go_duration(value)
    if duration is not None and value != "0":
        # Docker counts back from now to a whole second (timetypes.GetTimestamp).
        return timestamp((now_ns - duration) // 1_000_000_000 * 1_000_000_000)
    if re.fullmatch(r"\d+(\.\d{1,9})?", value):
        seconds, _, fraction = value.partition(".")
        return _checked(int(seconds) * 1_000_000_000 + int(fraction.ljust(9, "0") or 0), value, flag)
    match = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d)(?::(\d\d)(?::(\d\d)(\.\d{1,9})?)?)?)?(Z|[+-]\d\d:\d\d)?",
                         value)
    if match is None:
        if "-" in value:
            raise ValueError(f'invalid value for "{flag}": {value!r} is not a time as RFC 3339 writes it '
                             '(2013-01-02T13:23:37Z)')
        raise ValueError(f'invalid value for "{flag}": failed to parse value as time or duration: "{value}"')
    return _checked(_rfc3339_nanoseconds(match, value, flag), value, flag)


def _rfc3339_nanoseconds(match, value: str, flag: str) -> int:
    import datetime

    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone is None:
        zone_info = None  # local time: astimezone() below takes a naive time as local
    elif zone == "Z":
        zone_info = datetime.timezone.utc
    else:
        sign = -1 if zone[0] == "-" else 1
        zone_info = datetime.timezone(sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        when = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                 int(second or 0), tzinfo=zone_info).astimezone(datetime.timezone.utc)
    except ValueError as error:  # "month must be in 1..12"
        raise ValueError(f'invalid value for "{flag}": parsing time "{value}": {error}') from None
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    whole = (when - epoch) // datetime.timedelta(seconds=1)
    return whole * 1_000_000_000 + int((fraction or ".0")[1:].ljust(9, "0"))


def _checked(nanoseconds: int, value: str, flag: str) -> str:
    """The time as a record's, if it has four digits of year (else the texts would not sort)."""
    if not 0 <= nanoseconds < 253402300800 * 1_000_000_000:  # 10000-01-01
        raise ValueError(f'invalid value for "{flag}": {value!r} is out of the years 1970 to 9999')
    return timestamp(nanoseconds)


GO_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000}


def _go_duration(value: str) -> int | None:
    """Go's time.ParseDuration ("1h30m", "1.5h", "-10m", "300ms") in nanoseconds, or None."""
    import re

    sign, body = (-1, value[1:]) if value.startswith("-") else (1, value.removeprefix("+"))
    if body == "0":
        return 0
    parts = re.findall(r"(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)", body)
    if not parts or "".join(number + unit for number, unit in parts) != body:
        return None
    return sign * round(sum(float(number) * GO_UNITS[unit] for number, unit in parts))
