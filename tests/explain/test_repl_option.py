"""`set -o explain` in the interactive shell: every line is drawn until it is turned off;
on a terminal the drawing has box lines and colours."""

from __future__ import annotations

import pytest

from tests.repl.ptyrepl import Repl


@pytest.fixture
def repl(tmp_path):
    (tmp_path / "state").mkdir()
    session = Repl(tmp_path)
    session.expect_prompt()
    yield session
    session.close()


def test_set_o_explain_draws_each_line_until_turned_off(repl):
    repl.run("set -o explain")
    raw = repl.run_raw("ls / | wc -l")
    assert "\x1b[" in raw and "┌─" in raw  # a terminal: colours and box drawing
    shown = repl.run("ls / | wc -l")
    assert "explain: ls / | wc -l" in shown
    assert "pipe() → [" in shown and "execve('/usr/bin/wc', ['wc', '-l'])" in shown
    # job control is on in the REPL: each child leads or joins the job's process group
    assert "setpgid(0, 0)" in shown
    repl.run("set +o explain")
    assert "explain:" not in repl.run("echo plain")
