"""The prompt string and the shared history file, checked without a terminal."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from pyshell.repl.prompt import DEFAULT_PS1, expand_ps1, home_shortened, prompt_fragments
from pyshell.runtime.shell import Shell


@pytest.fixture
def shell(tmp_path):
    shell = Shell("pysh")
    shell.setvar("HOME", str(tmp_path))
    shell.setvar("PWD", str(tmp_path / "src"))
    return shell


@pytest.mark.parametrize("directory, home, shown", [
    ("/root", "/root", "~"),
    ("/root/src", "/root", "~/src"),
    ("/rootkit", "/root", "/rootkit"),   # a prefix of the name is not the home directory
    ("/tmp", "/root", "/tmp"),
    ("/home/ana/", "/home/ana/", "~/"),
    ("/x", "/", "/x"),                   # HOME=/ would turn every path into ~...
    ("/x", None, "/x"),
])
def test_home_shortened(directory, home, shown):
    assert home_shortened(directory, home) == shown


def test_ps1_escapes(shell):
    host = socket.gethostname()
    dollar = "#" if os.geteuid() == 0 else "$"
    shell.last_status = 3
    assert expand_ps1(r"\w|\W|\h|\H|\$|\?|\\|\q", shell) == f"~/src|src|{host.split('.')[0]}|{host}|{dollar}|3|\\|\\q"
    assert expand_ps1("plain> ", shell) == "plain> "


def test_default_prompt_shows_status_only_when_not_zero(shell):
    shell.setvar("PS1", DEFAULT_PS1)
    text = "".join(part for _, part in prompt_fragments(shell))
    assert ":~/src" in text and "[" not in text
    shell.last_status = 130
    text = "".join(part for _, part in prompt_fragments(shell))
    assert text.endswith(" [130]# ") or text.endswith(" [130]$ ")


def test_a_custom_ps1_is_used_as_written(shell):
    shell.setvar("PS1", r"[\W]% ")
    assert prompt_fragments(shell) == [("", "[src]% ")]


# ---------------------------------------------------------------- history


def _load(history) -> list[str]:
    async def collect():
        return [entry async for entry in history.load()]

    return asyncio.run(collect())


def test_history_file_is_shared_between_sessions(tmp_path):
    from pyshell.repl.history import SharedFileHistory, parse_entries

    path = str(tmp_path / "state" / "pysh" / "history")
    first, second = SharedFileHistory(path), SharedFileHistory(path)
    assert _load(first) == [] and _load(second) == []

    first.append_string("echo one")
    second.append_string("for i in 1 2\ndo echo $i\ndone")   # a multi-line entry stays one entry
    first.append_string("echo three")

    # Each session sees the other's entries, newest first, in the order they were typed.
    expected = ["echo three", "for i in 1 2\ndo echo $i\ndone", "echo one"]
    assert _load(first) == expected
    assert _load(second) == expected
    assert _load(SharedFileHistory(path)) == expected   # and so does a new session
    with open(path, "rb") as file:
        assert parse_entries(file.read()) == expected[::-1]
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_history_builtin_lists_and_clears(tmp_path, capfd):
    from pyshell.builtins import BUILTINS
    from pyshell.repl.history import SharedFileHistory, register_history_builtin

    history = SharedFileHistory(str(tmp_path / "history"))
    _load(history)
    for line in ("echo a", "echo b", "echo c"):
        history.append_string(line)
    register_history_builtin(history)
    run = BUILTINS["history"].run
    shell = Shell("pysh")

    assert run(shell, ["history"]) == 0
    assert capfd.readouterr().out == "    1  echo a\n    2  echo b\n    3  echo c\n"
    assert run(shell, ["history", "2"]) == 0
    assert capfd.readouterr().out == "    2  echo b\n    3  echo c\n"
    assert run(shell, ["history", "x"]) == 2
    assert "usage" in capfd.readouterr().err
    assert run(shell, ["history", "-c"]) == 0
    run(shell, ["history"])
    assert capfd.readouterr().out == ""


def test_ps1_parameters_and_command_substitution_expand(shell):
    shell.setvar("WHO", "ana")
    shell.setvar("PS1", r"$WHO ${WHO%a}:$(echo sub):$((6 * 7)) \W\$ ")
    dollar = "#" if os.geteuid() == 0 else "$"
    assert prompt_fragments(shell) == [("", f"ana an:sub:42 src{dollar} ")]
    shell.setvar("PS1", "${unclosed ")          # a prompt that does not parse is shown as written
    assert prompt_fragments(shell) == [("", "${unclosed ")]


def test_ps2(shell):
    from pyshell.repl.prompt import continuation_prompt

    assert continuation_prompt(shell) == "> "
    shell.setvar("PS2", "... ")
    assert continuation_prompt(shell) == "... "


def test_history_that_cannot_be_saved_warns_once_and_still_works(tmp_path, capfd):
    from pyshell.repl.history import SharedFileHistory

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    history = SharedFileHistory(str(blocker / "pysh" / "history"))
    assert _load(history) == []
    history.append_string("echo one")
    history.append_string("echo two")
    assert capfd.readouterr().err.count("history is not saved") == 1
    assert _load(history) == ["echo two", "echo one"]   # kept in memory for this session
