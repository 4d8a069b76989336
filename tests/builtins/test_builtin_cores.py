"""The pure cores of the text builtins, checked row by row against bash itself.

``format_printf`` and ``evaluate`` take words and return bytes / a truth value, so
each row is also run through ``bash --posix -c 'printf "$@"'`` (or ``test "$@"``)
and the two answers compared: the table cannot drift from the real behaviour.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pyshell.builtins.getopts import next_option
from pyshell.builtins.read import parse_options, split_fields, _UsageError
from pyshell.builtins.test import TestSyntaxError, evaluate
from pyshell.builtins.text import format_printf

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
C_LOCALE = {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}

PRINTF_ROWS = [
    ["%d|%i|%u\n", "-5", "-5", "-5"],
    ["%x %o %X\n", "-1", "8", "255"],
    ["%d\n", "12abc"],
    ["%d\n", "abc"],
    ["%d\n", ""],
    ["%d %d\n", "'A", '"B'],
    ["%5.2f|%-6s|%06d|%+d|% d\n", "3.14159", "ab", "42", "5", "5"],
    ["a\\cb\n"],
    ["%b\n", "x\\101y\\0101z\\cq"],
    ["\\101\\0101\\x41x\n"],
    ["%s-%s\n", "a", "b", "c"],
    ["%*d|%-*d|%.*f\n", "5", "1", "4", "2", "2", "3.14159"],
    ["%*s|\n", "-4", "x"],
    ["%e %g %G %E\n", "12345.678", "0.0001", "1e20", "1"],
    ["%c%c|%3c|\n", "hello", "", "z"],
    ["%d\n", "0x10", "010", " 12"],
    ["%s\n"],
    ["x\n", "a", "b"],
    ["%z\n"],
    ["%5%|\n"],
    ["%", "x"],
    ["%d\n", "99999999999999999999"],
    ["%.3s|\n", "abcdef"],
    ["%#x %#o %#X %#o\n", "255", "8", "0", "0"],
    ["%f\n", "abc"],
    ["%d\n", "1.5"],
    ["%s", "\\n"],
    ["%b", "\\n"],
    ["%u\n", "18446744073709551615", "-1"],
    ["\\q\\\"\\'\\?\n"],
    ["%d\n", "+5", "-0x10"],
    ["%d\n", "'"],
    ["%.0f %.0f\n", "2.5", "3.5"],
    ["%i\n", "0x"],
    ["%d\n", "08"],
    ["%10.4s|\n", "abcdefg"],
    ["%-+5d|%05.2d|%.0d|\n", "3", "4", "0"],
    ["%ld %lld %hd\n", "1", "2", "3"],
    ["%q %q %q\n", "a b", "", "x'y"],
    ["\\x\\u0041\\U00000042\\e\n"],
    ["%b", "\\x41\\u0042\\\"\\?"],
    ["%-5s|%5s|%05s|\n", "ab", "cd", "ef"],
    ["%.2e %g %g\n", "0x10", "100000", "1000000"],
    ["abc"],
    ["%s\\"],
    ["%+.3d|% 05d|%-05d|\n", "7", "7", "7"],
    ["%o %x\n", "0", "0"],
    ["%f %F\n", "inf", "-inf"],
    ["%b|\n", "a\\tb\\\\c\\0d\\1e"],
    ["%s %s\n", "\xe9", "x"],
]


@needs_bash
@pytest.mark.parametrize("row", PRINTF_ROWS, ids=[repr(row) for row in PRINTF_ROWS])
def test_printf_matches_bash(row):
    bash = subprocess.run(["bash", "--posix", "-c", 'printf "$@"; echo "[$?]"', "printf", *row],
                          capture_output=True, env=C_LOCALE)
    result = format_printf(row[0], row[1:])
    assert result.output + f"[{result.status}]\n".encode() == bash.stdout
    assert bool(result.errors) == bool(bash.stderr), (result.errors, bash.stderr)


def test_printf_unicode_escape_is_utf8_whatever_the_locale():
    # bash prints `\u00E9` back under LC_ALL=C; pysh always writes UTF-8.
    assert format_printf("\\u00e9\\U0001F600", []).output == "\u00e9\U0001F600".encode()


def test_printf_reports_every_bad_number_and_continues():
    result = format_printf("%d,", ["1", "x", "3", "4y"])
    assert result.output == b"1,0,3,4,"
    assert result.errors == ("x: invalid number", "4y: invalid number")
    assert result.status == 1


TEST_ROWS = [
    "", "x", "-n", "!", "! x", "! ''", "-z ''", "-n ''", "a = a", "a = b", "a != b",
    "a == a", "a < b", "b < a", "a > b", "' 5 ' -eq 5", "'' -eq 0", "010 -eq 10", "+5 -eq 5",
    "-5 -lt 0", "abc -gt 3", "3 -gt 1x", "9223372036854775807 -gt 1", "9223372036854775808 -gt 1",
    "1 -eq 1 -a 2 -eq 3", "1 -eq 1 -o 2 -eq 3", "! -z x", "-x", "-q a", "a b", "a b c d e",
    "( a )", "(", "a =", "= = =", "! = !", "-n = -n", "( -n x ) -a ( ! -z y )", "a -a -f",
    "a -a b -a -f", "a -a -q b", "! a = b -a c", "! a = b -a ''", "-o", "! ! a", "( a = a )",
    "x -a", "1 -eq 1 -o x", "( -z )", "! -o a", "a -o -z b", "-5", "( ( a ) )",
    "( a -a b ) -o c", "a -o b -a ''", "'' -o b -a ''", "! ( a = b )", "( ! a = b )",
    "-z -z -z", "a = b c", "a -lt", "1 -lt 2 -lt", "-t", "! ! ! a", "( ) )", "-z a -o",
    "-n -a -n", "-n -a -n -a -n", "-f -o -f", "= = = = =", "! -n",
    "-d /tmp", "-f /etc/passwd -a -r /etc/passwd", "-e /nonexistent -o -d /", "! -e /nonexistent",
    "/etc/passwd -nt /nonexistent", "/nonexistent -ot /etc/passwd", "/etc/passwd -ef /etc/passwd",
    "/etc/passwd -ef /etc/hostname", "-h /nonexistent", "-s /etc/passwd", "-c /dev/null",
    "-b /dev/null", "-p /dev/null", "-S /dev/null", "-e ''", "-t 99", "-t x",
]


@needs_bash
@pytest.mark.parametrize("words", TEST_ROWS)
def test_test_matches_bash(words):
    import shlex

    args = shlex.split(words)
    bash = subprocess.run(["bash", "--posix", "-c", 'test "$@"; echo $?', "test", *args],
                          capture_output=True, env=C_LOCALE)
    try:
        mine = "0" if evaluate(args) else "1"
    except TestSyntaxError:
        mine = "2"
    assert mine == bash.stdout.decode().strip(), bash.stderr


SPLIT_ROWS = [
    # (line, IFS, number of names, fields)  -- expectations measured with bash --posix
    ("x:y:", ":", 2, ["x", "y"]),
    ("x:", ":", 1, ["x"]),
    ("x::", ":", 1, ["x::"]),
    ("  x : y  :  ", ": ", 2, ["x", "y"]),
    ("  x : y  :  ", ": ", 1, ["x : y  :"]),
    ("  x :  ", ": ", 1, ["x"]),
    ("x::y", ": ", 3, ["x", "", "y"]),
    ("::y", ":", 3, ["", "", "y"]),
    ("  one  two  three  ", " \t\n", 2, ["one", "two  three"]),
    ("  x  y  ", "", 2, ["  x  y  ", ""]),
    ("a, b, c, d", ", ", 3, ["a", "b", "c, d"]),
    ("a,b", ",", 3, ["a", "b", ""]),
    ("x:y::", ":", 2, ["x", "y::"]),
    ("x:y: ", ":", 2, ["x", "y: "]),
    ("", " \t\n", 2, ["", ""]),
]


@pytest.mark.parametrize("line, ifs, count, fields", SPLIT_ROWS)
def test_read_field_splitting(line, ifs, count, fields):
    data = line.encode()
    assert split_fields(data, bytes(len(data)), ifs, count) == [f.encode() for f in fields]


def test_read_escaped_separator_does_not_split():
    data = b"x:y:z"
    escaped = bytes([0, 1, 0, 0, 0])  # the first colon came from `\:`
    assert split_fields(data, escaped, ":", 2) == [b"x:y", b"z"]


def test_read_options_group_like_getopt():
    options = parse_options(["-rn3", "-d,", "-p", "> ", "-t0.5", "a", "b"])
    assert (options.raw, options.limit, options.delimiter, options.prompt, options.timeout) == \
        (True, 3, ord(","), "> ", 0.5)
    assert options.names == ("a", "b")
    assert parse_options(["-d", "", "x"]).delimiter == 0
    for bad in (["-z"], ["-n"], ["-n", "x"], ["-t", "-1"], ["-u", "fd"]):
        with pytest.raises(_UsageError):
            parse_options(bad)


def _getopts_run(optstring, args):
    """Drive next_option() like a `while getopts` loop; returns what each call gave."""
    steps, optind, offset = [], 1, 0
    while True:
        step = next_option(optstring, args, optind, offset)
        steps.append((step.status, step.option, step.optarg, step.optind))
        optind, offset = step.optind, step.offset
        if step.status:
            return steps


def test_getopts_grouped_and_arguments():
    assert _getopts_run("abc:", ["-ab", "-c", "arg", "x"]) == [
        (0, "a", None, 1), (0, "b", None, 2), (0, "c", "arg", 4), (1, "?", None, 4)]
    assert _getopts_run("f:g:", ["-f", "file", "-gvalue", "rest"]) == [
        (0, "f", "file", 3), (0, "g", "value", 4), (1, "?", None, 4)]


def test_getopts_errors_loud_and_silent():
    assert _getopts_run("ac:", ["-a", "-z", "-c"]) == [
        (0, "a", None, 2), (0, "?", None, 3), (0, "?", None, 4), (1, "?", None, 4)]
    assert _getopts_run(":ac:", ["-a", "-z", "-c"]) == [
        (0, "a", None, 2), (0, "?", "z", 3), (0, ":", "c", 4), (1, "?", None, 4)]
    assert next_option("a", ["-z"], 1, 0).error == "illegal option -- z"
    assert next_option("a:", ["-a"], 1, 0).error == "option requires an argument -- a"


def test_getopts_end_of_options():
    assert _getopts_run("ab", ["-a", "--", "-b"]) == [(0, "a", None, 2), (1, "?", None, 3)]
    assert _getopts_run("ab", ["-a", "-", "-b"]) == [(0, "a", None, 2), (1, "?", None, 2)]
    assert _getopts_run("ab", ["word"]) == [(1, "?", None, 1)]
    assert _getopts_run("ab", []) == [(1, "?", None, 1)]


def test_lazy_builtin_table_names_what_each_module_registers():
    """LAZY_BUILTINS must list every builtin of the lazily loaded modules, and only those."""
    import pyshell.builtins as registry

    everything = registry.load_all()
    by_module = {name: each.run.__module__.rsplit(".", 1)[-1] for name, each in everything.items()}
    lazy_modules = set(registry.LAZY_BUILTINS.values())
    assert {name: module for name, module in by_module.items() if module in lazy_modules} == registry.LAZY_BUILTINS
