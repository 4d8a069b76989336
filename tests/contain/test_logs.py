"""`contain logs`: the log keeps each line's time and stream (runtime/containerlog.py), and
logs shows them as Docker's does: -t, --since, --until, --tail, -f, stdout and stderr apart.

The containers are real (busybox, as root and rootless); the format and the time values are
checked on their own first, with fixed clocks.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest

from pyshell.contain.runtime import containerlog

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"
NOW_NS = 1796317200_123456789  # 2026-12-03T17:00:00.123456789Z


# --------------------------------------------------------------------------- the format


@pytest.mark.parametrize("data, kinds", [
    (b"one\n", [b"F"]),
    (b"one\ntwo\n", [b"F", b"F"]),
    (b"one\ntwo", [b"F", b"P"]),
    (b"prompt $ ", [b"P"]),
    (b"\n\n", [b"F", b"F"]),
    (b"tab\tand spaces  and \r\n", [b"F"]),
])
def test_records_give_the_output_back(data, kinds):
    written = containerlog.records(data, b"stderr")
    records = written.split(b"\n")[:-1]
    assert [record.split(b" ")[2] for record in records] == kinds
    assert all(re.match(STAMP.encode() + b" stderr [FP] ", record) for record in records)
    entries = containerlog.parse(written)
    assert b"".join(entry.text for entry in entries) == data
    assert {entry.stream for entry in entries} == {"stderr"} and len({entry.time for entry in entries}) == 1
    assert len(entries) == (2 if kinds[1:] and kinds[-1] == b"P" else 1)  # the lines of a read, then its piece


def test_entries_are_reads_and_old_lines_have_no_time():
    log = (b"raw output, as an older contain wrote it\n"
           + containerlog.records(b"a\nb\n", b"stdout") + containerlog.records(b"c", b"stdout")
           + containerlog.records(b"oops\n", b"stderr") + containerlog.records(b" d\n", b"stdout"))
    entries = containerlog.parse(log)
    assert [(entry.stream, entry.text) for entry in entries] == [
        ("stdout", b"raw output, as an older contain wrote it\n"), ("stdout", b"a\nb\n"), ("stdout", b"c"),
        ("stderr", b"oops\n"), ("stdout", b" d\n")]
    assert entries[0].time == "" and all(re.fullmatch(STAMP, entry.time) for entry in entries[1:])
    assert entries[0].timed_text(True) == entries[0].text
    stamp = entries[1].time.encode()
    assert entries[1].timed_text(True) == stamp + b" a\n" + stamp + b" b\n"
    assert entries[1].last_lines(1).text == b"b\n" and entries[1].line_count() == 2
    assert entries[4].timed_text(False) == b" d\n"  # it goes on with the piece "c"


def test_timestamps_sort_as_times():
    assert containerlog.timestamp(NOW_NS) == "2026-12-03T17:00:00.123456789Z"
    assert containerlog.timestamp(0) == "1970-01-01T00:00:00.000000000Z"
    assert containerlog.timestamp(NOW_NS + 1) > containerlog.timestamp(NOW_NS) > containerlog.timestamp(NOW_NS - 10**9)


def _local(*fields) -> str:
    """The record time of a local time of day (a value without a zone is local, as in Docker)."""
    when = datetime.datetime(*fields).astimezone(datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.000000000Z")


@pytest.mark.parametrize("value, expected", [
    ("2026-12-03T17:00:00Z", "2026-12-03T17:00:00.000000000Z"),
    ("2026-12-03T17:00:00.5Z", "2026-12-03T17:00:00.500000000Z"),
    ("2026-12-03T17:00:00.123456789Z", "2026-12-03T17:00:00.123456789Z"),
    ("2026-12-03T18:30:00+01:30", "2026-12-03T17:00:00.000000000Z"),
    ("2026-12-03T12:00:00-05:00", "2026-12-03T17:00:00.000000000Z"),
    ("2026-12-03T17:00Z", "2026-12-03T17:00:00.000000000Z"),
    ("2026-12-03T17:00:00", _local(2026, 12, 3, 17, 0, 0)),
    ("2026-12-03T17", _local(2026, 12, 3, 17)),
    ("2026-12-03", _local(2026, 12, 3)),
    ("1796317200", "2026-12-03T17:00:00.000000000Z"),
    ("1796317200.25", "2026-12-03T17:00:00.250000000Z"),
    ("0", "1970-01-01T00:00:00.000000000Z"),
    # back from now (NOW_NS), to a whole second as Docker does
    ("10m", "2026-12-03T16:50:00.000000000Z"),
    ("1h30m", "2026-12-03T15:30:00.000000000Z"),
    ("1.5h", "2026-12-03T15:30:00.000000000Z"),
    ("90s", "2026-12-03T16:58:30.000000000Z"),
    ("-10m", "2026-12-03T17:10:00.000000000Z"),
])
def test_since_and_until_values(value, expected):
    assert containerlog.parse_time(value, "since", now_ns=NOW_NS) == expected


@pytest.mark.parametrize("value, message", [
    ("yesterday", 'invalid value for "since": failed to parse value as time or duration: "yesterday"'),
    ("12abc", 'invalid value for "since": failed to parse value as time or duration: "12abc"'),
    ("10 m", 'invalid value for "since": failed to parse value as time or duration: "10 m"'),
    ("2026-13-40", 'invalid value for "since": parsing time "2026-13-40": month must be in 1..12'),
    ("2026-12-03 17:00", 'invalid value for "since": \'2026-12-03 17:00\' is not a time as RFC 3339 writes it'
                         ' (2013-01-02T13:23:37Z)'),
    ("99999999999999", 'invalid value for "since": \'99999999999999\' is out of the years 1970 to 9999'),
])
def test_bad_since_values(value, message):
    with pytest.raises(ValueError) as error:
        containerlog.parse_time(value, "since", now_ns=NOW_NS)
    assert str(error.value) == message


# --------------------------------------------------------------------------- real containers


def _exited(contain, name: str) -> None:
    deadline = time.time() + 10
    while contain.out("inspect", "-f", "{{.State.Status}}", name).strip() != "exited":
        assert time.time() < deadline, f"{name} still runs"
        time.sleep(0.05)


def test_logs_keep_the_stream_and_the_time_of_each_line(contain):
    contain.out("run", "-d", "--network", "none", "--name", "talk", "busybox", "sh", "-c",
                "echo one; echo oops >&2; sleep 0.3; echo two; echo three")
    _exited(contain, "talk")
    done = contain.run("logs", "talk")
    assert (done.returncode, done.stdout, done.stderr) == (0, "one\ntwo\nthree\n", "oops\n")

    stamped = contain.run("logs", "-t", "talk")
    lines = stamped.stdout.splitlines()
    assert all(re.fullmatch(STAMP + " (one|two|three)", line) for line in lines), lines
    assert re.fullmatch(STAMP + " oops\n", stamped.stderr)
    times = [line.split()[0] for line in lines]
    assert times[0] < times[1] <= times[2]
    assert contain.out("logs", "--timestamps", "talk") == stamped.stdout

    # --since and --until take a time in, both ends included; the first line's time is before "two"'s.
    assert contain.out("logs", "--since", times[1], "talk") == "two\nthree\n"
    assert contain.out("logs", "--until", times[0], "talk") == "one\n"
    assert contain.run("logs", "--until", times[0], "talk").stderr == ""  # oops came after one
    assert contain.out("logs", "--since", times[0], "--until", times[0], "talk") == "one\n"
    assert contain.out("logs", "--since", "1h", "talk") == "one\ntwo\nthree\n"  # relative: back from now
    assert contain.out("logs", "--until", "1h", "talk") == ""
    assert contain.out("logs", "--since", "-1h", "talk") == ""  # an hour from now
    assert contain.out("logs", "--since", str(int(time.time()) - 60), "talk") == "one\ntwo\nthree\n"
    # --tail counts the lines of both streams, from the end.
    assert contain.out("logs", "--tail", "2", "talk") == "two\nthree\n"
    assert contain.out("logs", "-n", "0", "talk") == ""
    assert contain.run("logs", "--tail", "3", "talk").stderr == "oops\n"
    assert contain.out("logs", "--tail", "all", "talk") == "one\ntwo\nthree\n"
    contain.out("rm", "talk")


def test_bad_values_are_one_line_with_dockers_status(contain):
    contain.out("create", "--network", "none", "--name", "quiet", "busybox", "true")
    for flags, message in [
        (["--since", "yesterday"], 'invalid value for "since": failed to parse value as time or duration: "yesterday"'),
        (["--until", "2026-13-40"], 'invalid value for "until": parsing time "2026-13-40": month must be in 1..12'),
        (["--tail", "ten"], 'invalid --tail "ten" (use a number or all)'),
    ]:
        done = contain.run("logs", *flags, "quiet")
        assert (done.returncode, done.stdout, done.stderr) == (1, "", f"pysh: contain logs: {message}\n")
    contain.out("rm", "quiet")


def test_follow_shows_lines_as_they_come_and_ends_with_the_container(contain):
    contain.out("run", "-d", "--network", "none", "--name", "ticker", "busybox", "sh", "-c",
                "printf 'part'; sleep 0.3; echo ' rest'; for i in 1 2 3; do echo tick $i; sleep 0.2; done; echo bye >&2")
    started = time.time()
    done = contain.run("logs", "-f", "-t", "ticker", timeout=20)
    assert time.time() - started >= 0.5  # it waited for the ticks
    lines = done.stdout.splitlines()
    # A line that came in two pieces is one line, with the time of its first piece.
    assert re.fullmatch(STAMP + " part rest", lines[0]), lines
    assert [line.split(" ", 1)[1] for line in lines[1:]] == ["tick 1", "tick 2", "tick 3"]
    assert re.fullmatch(STAMP + " bye\n", done.stderr)
    # -f with --tail: the last lines there are, then (here: nothing more, it exited) the end.
    assert contain.out("logs", "-f", "--tail", "1", "ticker") == ""
    assert contain.run("logs", "-f", "--tail", "1", "ticker").stderr == "bye\n"
    contain.out("rm", "ticker")


def test_follow_ends_once_until_has_passed(contain):
    contain.out("run", "-d", "--network", "none", "--name", "endless", "busybox", "sh", "-c",
                "while :; do echo on; sleep 0.1; done")
    until = containerlog.timestamp(time.time_ns() + 10**9)
    done = contain.run("logs", "-f", "-t", "--until", until, "endless", timeout=20)  # it runs on: -f ends by itself
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines and all(line.split()[0] <= until for line in lines)
    contain.out("rm", "-f", "endless")


def test_start_attach_shows_this_run_only(contain):
    contain.out("run", "--network", "none", "--name", "twice", "busybox", "sh", "-c", "echo run; echo err >&2")
    done = contain.run("start", "-a", "twice")
    assert (done.returncode, done.stdout, done.stderr) == (0, "run\n", "err\n")
    assert contain.out("logs", "twice") == "run\nrun\n"
    contain.out("rm", "twice")


def test_a_terminal_has_one_stream(contain):
    contain.out("run", "-d", "-t", "--network", "none", "--name", "tty", "busybox", "sh", "-c",
                "echo out; echo err >&2")
    _exited(contain, "tty")
    done = contain.run("logs", "-t", "tty")
    assert re.fullmatch(f"{STAMP} out\n{STAMP} err\n", done.stdout) and done.stderr == ""  # \r\n read as text
    contain.out("rm", "tty")


def test_a_log_written_by_an_older_contain_is_still_read(root_contain):
    # Before times were kept, container.log held the raw output. Such a log (here: written so by
    # hand, then a start appends records to it) reads as stdout lines without a time.
    root_contain.out("create", "--network", "none", "--name", "old", "busybox", "sh", "-c", "echo new >&2")
    log = Path(root_contain.out("inspect", "-f", "{{.LogPath}}", "old").strip())
    log.write_bytes(b"old out\nold err\n")
    root_contain.out("start", "old")
    _exited(root_contain, "old")
    done = root_contain.run("logs", "old")
    assert (done.stdout, done.stderr) == ("old out\nold err\n", "new\n")
    stamped = root_contain.run("logs", "-t", "old")
    assert stamped.stdout == "old out\nold err\n" and re.fullmatch(STAMP + " new\n", stamped.stderr)
    since = root_contain.run("logs", "--since", "0", "old")  # no time: not known to be in the range
    assert (since.stdout, since.stderr) == ("", "new\n")
    root_contain.out("rm", "old")
