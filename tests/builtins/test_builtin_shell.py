"""echo, printf, test, read and getopts end to end: real `python -m pyshell -c` processes,
real pipes, files and pseudo-terminals."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ENV = {"LC_ALL": "C", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"}


def pysh(code: str, stdin=b"", cwd=None, args=()) -> subprocess.CompletedProcess:
    """Run CODE under pysh; stdin is bytes (sent through a pipe) or an open file."""
    options = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
    return subprocess.run([sys.executable, "-m", "pyshell", "-c", code, *args],
                          capture_output=True, env=ENV, cwd=cwd, timeout=30, **options)


def out(code: str, **kwargs) -> str:
    result = pysh(code, **kwargs)
    assert "Traceback" not in result.stderr.decode(), result.stderr.decode()
    return result.stdout.decode()


# ---------------------------------------------------------------- read

def test_read_from_a_pipe_leaves_the_rest_for_the_next_command():
    assert out('read first; echo "[$first]"; cat', stdin=b"l1\nl2\nl3\n") == "[l1]\nl2\nl3\n"


def test_read_from_a_file_seeks_back_over_a_long_line(tmp_path):
    data = tmp_path / "data"
    data.write_bytes(b"x" * 10000 + b"\nsecond\nthird\n")
    with open(data, "rb") as stdin:
        assert out('read -r a; echo ${#a}; read b; echo "$b"; cat', stdin=stdin) == "10000\nsecond\nthird\n"


def test_read_nul_delimited_records():
    assert out("while read -r -d '' x; do echo \"[$x]\"; done", stdin=b"a b\0c\\d\0") == "[a b]\n[c\\d]\n"


def test_read_prefix_ifs_is_temporary():
    code = 'IFS=: read a b; echo "$a|$b"; printf %s "$IFS" | od -An -c'
    assert out(code, stdin=b"x:y z\n").split("\n")[0] == "x|y z"
    assert out(code, stdin=b"x:y z\n").split("\n")[1].split() == ["\\t", "\\n"]


def test_read_timeout_on_a_silent_pipe():
    reader, writer = os.pipe()  # we hold the write end open and never write
    try:
        result = pysh('read -t 0.2 x; echo "$? [$x]"', stdin=os.fdopen(reader, "rb"))
    finally:
        os.close(writer)
    assert result.stdout == b"142 []\n"


def test_read_timeout_zero_polls():
    assert out("read -t 0; echo $?", stdin=b"waiting\n") == "0\n"


def test_read_into_readonly_variable_fails():
    result = pysh("readonly r; read r; echo $?", stdin=b"x\n")
    assert result.stdout == b"1\n" and b"readonly" in result.stderr


def test_read_bad_fd():
    result = pysh("read -u 7 x; echo $?")
    assert result.stdout == b"1\n" and result.stderr.startswith(b"pysh: read: ")


def _spawn(code: str):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "pyshell", "-c", code], env=ENV, timeout=10)
    return child


def _expect_end(child) -> None:
    import pexpect

    child.expect(pexpect.EOF)


def test_read_prompt_and_tty_on_a_terminal():
    child = _spawn('read -p "name? " n; echo "hi $n"; [ -t 0 ] && echo tty')
    child.expect_exact("name? ")
    child.sendline("bob")
    child.expect_exact("hi bob")
    child.expect_exact("tty")
    _expect_end(child)


def test_read_silent_does_not_echo():
    child = _spawn('read -s -p "pw: " p; echo; echo "got ${#p}"')
    child.expect_exact("pw: ")
    child.sendline("secret")
    child.expect_exact("got 6")
    assert b"secret" not in child.before
    _expect_end(child)


def test_read_n_takes_keys_without_enter():
    child = _spawn('read -n 2 k; echo "[$k]"')
    child.send("xy")  # no newline: the terminal must not wait for a whole line
    child.expect_exact("[xy]")
    _expect_end(child)


# ---------------------------------------------------------------- echo, printf

def test_echo_writes_raw_bytes():
    assert pysh(r"echo -e '\xff\0101'; echo -n end").stdout == b"\xffA\nend"


def test_echo_into_a_closed_pipe_has_no_traceback():
    shell = subprocess.Popen([sys.executable, "-m", "pyshell", "-c",
                              "i=0; while [ $i -lt 2000 ]; do echo line; i=$((i+1)); done"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    shell.stdout.read(5)
    shell.stdout.close()
    _, errors = shell.communicate(timeout=30)
    assert b"Traceback" not in errors


def test_printf_continues_after_a_bad_number():
    result = pysh("printf '%d\\n' 1 x 3; echo $?")
    assert result.stdout == b"1\n0\n3\n1\n"
    assert result.stderr == b"pysh: printf: x: invalid number\n"


def test_printf_v_assigns():
    assert out("printf -v v '%03d-%s' 7 x; echo \"[$v]\"") == "[007-x]\n"


def test_printf_to_closed_stdout_fails():
    result = pysh("printf x >&-; echo $?")
    assert result.stdout == b"1\n"


# ---------------------------------------------------------------- test / [

def test_bracket_loop_counts():
    assert out("i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; echo $i") == "3000\n"


def test_test_errors_are_status_2_with_one_line():
    result = pysh("[ 1 -lt x ]; echo $?; test a b c d e; echo $?; [ x; echo $?")
    assert result.stdout == b"2\n2\n2\n"
    assert result.stderr.decode().splitlines() == [
        "pysh: [: x: integer expression expected",
        "pysh: test: too many arguments",
        "pysh: [: missing `]'",
    ]


def test_test_v_and_o():
    assert out("x=1; [ -v x ] && echo set; [ -v nope ] || echo unset; set -u; [ -o nounset ] && echo on") \
        == "set\nunset\non\n"


# ---------------------------------------------------------------- getopts

SCRIPT = r'''
parse() {
  local OPTIND=1 opt
  while getopts "vo:" opt; do
    case $opt in
      v) echo verbose;;
      o) echo "output=$OPTARG";;
      *) echo "bad";;
    esac
  done
  shift $((OPTIND - 1))
  echo "args: $*"
}
parse -v -o file a b
parse -vofile2 c
parse -x d
'''


def test_getopts_in_a_function_with_local_optind():
    result = pysh(SCRIPT)
    assert result.stdout.decode() == (
        "verbose\noutput=file\nargs: a b\n"
        "verbose\noutput=file2\nargs: c\n"
        "bad\nargs: d\n")
    assert result.stderr.decode().strip().endswith("illegal option -- x")


def test_getopts_names_the_script_in_errors(tmp_path):
    script = tmp_path / "tool.pysh"
    script.write_text("while getopts a: o; do :; done\n")
    result = subprocess.run([sys.executable, "-m", "pyshell", str(script), "-a"],
                            capture_output=True, env=ENV, timeout=30)
    assert result.stderr.decode() == f"{script}: option requires an argument -- a\n"
