"""The interactive pysh, driven in a real pseudo-terminal as a student would use it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pexpect
import pytest
from .ptyrepl import PROMPT, PROMPT_DEFAULT, Repl, plain

ROOT = Path(__file__).resolve().parents[2]


def test_tac_demo(repl):
    # tac's output does not end with a newline: pysh ends the line with a reverse-video %
    # (as zsh does), or the next prompt, drawn from column 0, would cover the words.
    output = repl.run_raw('echo "Salut Tout Le Monde " | tac -s " "')
    assert "Monde Le Tout Salut \x1b[7m%\x1b[27m " in output


def test_after_a_complete_line_the_mark_fills_exactly_one_line(repl):
    # From column 0, the mark and its spaces fill the 100 columns without wrapping; the
    # carriage return comes back to that line and the prompt covers them.
    output = repl.run_raw("echo full-line")
    assert output.startswith("full-line\r\n\x1b[7m%\x1b[27m" + " " * 99 + "\r")  # 100 columns: no wrap


def test_tab_completes_a_command_name(repl):
    # `cont` could be `contain` or the builtin `continue`: the first Tab shows both in a
    # menu, the second picks the first, `contain`. We then make the line print it in
    # capitals, so that what we match is the command's output, not the echo of our typing.
    repl.child.send("cont\t")
    time.sleep(0.3)
    repl.child.send("\t")
    time.sleep(0.3)
    repl.child.send("\r")         # Enter in the menu takes the entry and runs nothing yet
    time.sleep(0.3)
    repl.child.send("\x01")       # Ctrl-A: start of line
    repl.child.send("echo ")
    repl.child.send("\x05")       # Ctrl-E: end of line
    output = repl.run("| tr a-z A-Z")
    assert output.strip() == "CONTAIN"   # (contain's own usage says CONTAINER: not that)


def test_tab_completes_a_file_name_with_a_space(repl, home):
    (home / "some file.txt").write_text("file-content-42\n")
    repl.child.send("cat som\t")
    time.sleep(0.3)
    output = repl.run("")
    assert "file-content-42" in output


def test_ctrl_c_interrupts_the_foreground_job_only(repl):
    assert re.search(r"\[1\] \d+", repl.run("sleep 100 &"))   # a background job, in its own group
    repl.child.send("sleep 100\r")
    repl.wait_for_foreground("sleep")
    started = time.monotonic()
    repl.child.sendcontrol("c")
    repl.expect_prompt(timeout=5)
    assert time.monotonic() - started < 2
    assert "status=130" in repl.run("echo status=$?")
    assert "still-alive" in repl.run("echo still-alive")
    assert re.search(r"\[1\]\+?\s+Running\s+sleep 100", repl.run("jobs"))  # untouched by Ctrl-C
    repl.run("kill %1")


def test_ctrl_c_at_the_prompt_drops_the_line(repl):
    repl.child.send("echo never-run")
    repl.child.sendcontrol("c")
    repl.expect_prompt()
    output = repl.run("echo after")
    assert "never-run" not in output.replace("echo never-run", "")
    assert "after" in output


def test_ctrl_z_jobs_bg_fg(repl):
    repl.child.send("sleep 100\r")
    repl.wait_for_foreground("sleep")
    repl.child.sendcontrol("z")
    output = repl.expect_prompt(timeout=5)
    assert "Stopped" in output
    assert re.search(r"\[1\]\+?\s+Stopped\s+sleep 100", repl.run("jobs"))
    assert "sleep 100" in repl.run("bg")
    assert re.search(r"\[1\]\+?\s+Running\s+sleep 100", repl.run("jobs"))
    repl.child.send("fg\r")
    repl.child.expect("sleep 100")
    repl.wait_for_foreground("sleep")
    repl.child.sendcontrol("c")
    repl.expect_prompt(timeout=5)
    assert "status=130" in repl.run("echo status=$?")
    assert "Stopped" not in repl.run("jobs")


def test_kill_ends_a_stopped_job(repl):
    """kill %1 on a stopped job also continues it, or SIGTERM would wait forever (as bash)."""
    repl.child.send("sleep 100\r")
    repl.wait_for_foreground("sleep")
    repl.child.sendcontrol("z")
    assert "Stopped" in repl.expect_prompt(timeout=5)
    repl.run("kill %1")
    time.sleep(0.5)
    repl.run("")
    assert "sleep" not in repl.run("jobs")


def test_background_job_and_done_notice(repl):
    output = repl.run("sleep 0.2 &")
    assert re.search(r"\[1\] \d+", output)
    time.sleep(0.6)
    assert "Done" in repl.run("")


def test_incomplete_if_gets_a_continuation_prompt(repl):
    repl.child.send("if true; then\r")
    repl.expect_continuation()
    repl.child.send("echo inside-the-if\r")
    repl.expect_continuation()
    output = repl.run("fi")
    assert "inside-the-if" in output.split("fi", 1)[-1]


def test_open_quote_and_trailing_pipe_continue(repl):
    repl.child.send('echo "two\r')
    repl.expect_continuation()
    assert "two\nlines" in repl.run('lines"')
    repl.child.send("echo piped |\r")
    repl.expect_continuation()
    assert "PIPED" in repl.run("tr a-z A-Z")


def test_syntax_error_shows_a_caret_and_the_repl_goes_on(repl):
    output = repl.run("echo a | | cat")
    assert "syntax error" in output
    assert "\n  echo a | | cat\n           ^\n" in output   # the line, a caret under the second |
    assert "status=2" in repl.run("echo status=$?")  # as in bash
    assert "still-usable" in repl.run("echo still-usable")


def test_history_survives_a_restart(home):
    first = Repl(home)
    first.expect_prompt()
    first.run("echo history-marker-1")
    first.child.sendcontrol("d")
    first.child.expect(pexpect.EOF)
    history_file = home / "state" / "pysh" / "history"
    assert "echo history-marker-1" in history_file.read_text()

    second = Repl(home)
    try:
        second.expect_prompt()
        second.child.send("\x1b[A")  # Up: the last line of the first session
        time.sleep(0.3)
        assert "history-marker-1" in second.run("").replace("echo history-marker-1", "")
        # Running the recalled line again adds no duplicate entry (prompt_toolkit skips repeats).
        assert re.search(r"1  echo history-marker-1\n\s+2  history\n",
                         second.run("history"))
    finally:
        second.close()


def test_exit_with_a_status_and_ctrl_d(home):
    session = Repl(home)
    session.expect_prompt()
    session.child.sendline("exit 7")
    session.child.expect(pexpect.EOF)
    session.child.close()
    assert session.child.exitstatus == 7

    session = Repl(home)
    session.expect_prompt()
    session.run("false")
    session.child.sendcontrol("d")
    session.child.expect(pexpect.EOF)
    session.child.close()
    assert session.child.exitstatus == 1


def test_ctrl_d_warns_once_about_stopped_jobs(repl):
    repl.child.send("sleep 100\r")
    repl.wait_for_foreground("sleep")
    repl.child.sendcontrol("z")
    repl.expect_prompt(timeout=5)
    repl.child.sendcontrol("d")
    assert "stopped jobs" in repl.expect_prompt()
    repl.run("kill -9 %1")


def test_help_lists_builtins_and_shows_usage(repl):
    output = repl.run("help")
    assert re.search(r"^\s*cd\b.*$", output, re.M)
    assert "history" in output
    assert "history [-c] [N]" in repl.run("help history")


def test_default_prompt_shows_user_directory_and_failed_status(home):
    session = Repl(home, ps1=None)
    user_at_host = r"\w+@[\w-]+"
    try:
        session.expect_prompt(PROMPT_DEFAULT)
        assert re.fullmatch(user_at_host + r":~[#$]", session.prompt)
        session.run("false", prompt=PROMPT_DEFAULT)
        assert re.fullmatch(user_at_host + r":~ \[1\][#$]", session.prompt)
        session.run("cd /tmp", prompt=PROMPT_DEFAULT)
        assert re.fullmatch(user_at_host + r":/tmp[#$]", session.prompt)
    finally:
        session.close()


def test_pyshrc_is_read_unless_norc(home):
    (home / ".pyshrc").write_text("RC_WAS_READ=yes\n")
    with_rc = Repl(home, args=())
    try:
        with_rc.expect_prompt()
        assert "rc=yes" in with_rc.run("echo rc=$RC_WAS_READ")
    finally:
        with_rc.close()
    without = Repl(home)
    try:
        without.expect_prompt()
        assert "rc=." in without.run("echo rc=${RC_WAS_READ}.")
    finally:
        without.close()


def test_terminal_modes_come_back_after_a_job_is_killed(repl):
    # A job that turns echo off and is killed (like a crashed vi) must not leave the
    # terminal unusable: what we type next is still echoed.
    repl.child.send("stty -echo; sleep 100\r")
    repl.wait_for_foreground("sleep")
    repl.child.sendcontrol("c")
    repl.expect_prompt(timeout=5)
    output = repl.run("stty -a")
    assert re.search(r"(?<!-)\becho\b", output)


def test_plain_strips_escapes():
    assert plain("\x1b[0mab\x1b[?25lc\r\n") == "abc\n"
    assert PROMPT.search("pysh-test$ ")


def test_highlighting_as_you_type(repl):
    # The lexer is loaded just after the first prompt is drawn; then an unknown command
    # turns red (bold) and a program found on PATH blue, before Enter is pressed.
    repl.child.send("pysh-no-such-command | tac")
    repl.child.expect(r"\x1b\[0;31;1mpysh-no-such-command", timeout=10)
    repl.child.expect(r"\x1b\[0;34mtac", timeout=10)
    repl.child.sendcontrol("c")
    repl.expect_prompt()
    assert "not found" in repl.run("pysh-no-such-command")
    assert "status=127" in repl.run("echo status=$?")


def test_auto_suggestion_from_history_and_ctrl_r(repl):
    repl.run("echo suggestion-target-99")
    repl.run("echo something-else")
    repl.child.send("echo sugg")
    time.sleep(0.3)
    repl.child.send("\x1b[C")     # Right arrow: take the grey suggestion
    output = repl.run("")
    assert "suggestion-target-99" in output

    repl.child.sendcontrol("r")   # reverse search, as in bash
    repl.child.send("target-9")
    time.sleep(0.3)
    repl.child.send("\r")         # Enter ends the search with the line found...
    time.sleep(0.2)
    output = repl.run("")         # ...and Enter runs it
    assert "suggestion-target-99" in output


def test_prompt_stays_on_the_terminal_when_stdout_is_redirected(home):
    session = Repl(home, args=("--norc",))
    try:
        session.expect_prompt()
        # An interactive pysh whose stdout is a file would print its prompt into it; bash
        # writes it on the terminal. Start one from the first and check the log.
        log = home / "log.txt"
        session.child.send(f"{__import__('sys').executable} -m pyshell --norc -i > {log}\r")
        session.child.expect_exact("\x1b[?2004h", timeout=10)  # the inner pysh's prompt
        session.child.send("echo into-the-log\r")
        session.child.expect_exact("\x1b[?2004h", timeout=10)
        session.child.sendcontrol("d")
        session.expect_prompt()
        assert log.read_text() == "into-the-log\n"
    finally:
        session.close()


@pytest.mark.skipif(shutil.which("vi") is None, reason="no vi on this machine (Debian: vim-tiny)")
def test_terminal_is_sane_after_vi_is_killed(repl, home):
    # vi puts the terminal in raw mode; killed with SIGKILL it cannot put it back.
    repl.child.send(f"vi {home / 'notes.txt'}\r")
    pid = repl.wait_for_foreground("vi")
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)  # a process this test started (through pysh)
    repl.expect_prompt()
    output = repl.run("stty -a")
    assert re.search(r"(?<!-)\bicanon\b", output) and re.search(r"(?<!-)\becho\b", output)
    assert "typed-after-vi" in repl.run("echo typed-after-vi")


def test_errors_leave_the_repl_running_and_exit_trap_runs(repl):
    for line, message in [("echo ${x?unset-msg}", "unset-msg"), ("return 3", "return"),
                          ("cd /nonexistent", "No such file"), ("echo $((1/0))", "division by 0"),
                          ("pysh-no-such-command", "not found")]:
        assert message in repl.run(line)
        assert "alive" in repl.run("echo alive")
    repl.run("trap 'echo bye-from-trap' EXIT")
    repl.child.sendline("exit 4")
    repl.child.expect("bye-from-trap")
    repl.child.expect(pexpect.EOF)
    repl.child.close()
    assert repl.child.exitstatus == 4


def test_a_line_typed_before_the_first_prompt_runs(home):
    """Typed ahead, Enter comes while the warm-up thread imports the lexer: the parser's import
    waits for it (two threads importing the syntax package at once were each handed the other's
    half-made module, and the line died with "partially initialized module"; 1 start in 30
    here, 1 in 7 on a loaded machine). Through the entry point ./pysh runs, which imports as a user's."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TERM": "dumb", "LANG": "C.UTF-8"}
    for attempt in range(12):
        child = pexpect.spawn(str(ROOT / ".venv" / "bin" / "pysh"), [], cwd=str(home), env=env,
                              encoding="utf-8", timeout=20)
        try:
            child.send(f"echo typed-ahead-$((40+{attempt}))\r")
            child.expect(f"typed-ahead-{40 + attempt}\r")
            assert "partially initialized" not in child.before
            child.sendline("exit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
