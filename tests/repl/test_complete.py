"""Tab completion, asked through prompt_toolkit's own Document and CompleteEvent."""

from __future__ import annotations

import json

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from pyshell.repl.complete import PyshCompleter, quote_for_shell, split_command_line, unquote_partial
from pyshell.runtime.shell import Shell


@pytest.fixture
def completer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYSH_HOME", str(tmp_path / "pysh-home"))
    (tmp_path / "some file.txt").write_text("x")
    (tmp_path / "somedir").mkdir()
    (tmp_path / ".hidden").write_text("x")
    shell = Shell("pysh")
    shell.setvar("MY_VARIABLE", "1")
    return PyshCompleter(shell)


def complete(completer, text: str) -> list[str]:
    """What the line would read after choosing each completion."""
    results = []
    for completion in completer.get_completions(Document(text), CompleteEvent(completion_requested=True)):
        results.append(text[: len(text) + completion.start_position] + completion.text)
    return results


@pytest.mark.parametrize("text, expected", [
    ("cont", "contain "),
    ("ech", "echo "),
    ("ls | gr", "ls | grep "),
    ("echo hi; ec", "echo hi; echo "),
    ("true && wc", "true && wc "),
    ("if tr", "if true "),
    ("X=1 en", "X=1 env "),
    ("hist", "history "),           # the REPL's own builtin is registered with the others
])
def test_commands_in_command_position(completer, text, expected):
    if text == "hist":
        from pyshell.repl.history import SharedFileHistory, register_history_builtin

        register_history_builtin(SharedFileHistory("/nonexistent/history"))
    assert expected in complete(completer, text)


@pytest.mark.parametrize("text, expected, unexpected", [
    ("cat som", ["cat some\\ file.txt ", "cat somedir/"], []),
    ("cat 'som", ["cat some\\ file.txt "], []),
    ("cd som", ["cd somedir/"], ["cd some\\ file.txt "]),
    ("cat ", ["cat somedir/"], ["cat .hidden "]),
    ("cat .h", ["cat .hidden "], []),
    ("echo hi > som", ["echo hi > some\\ file.txt "], []),
    ("ls ./som", ["ls ./somedir/"], []),
    ("ech som", ["ech some\\ file.txt "], []),
])
def test_files_and_directories(completer, text, expected, unexpected):
    results = complete(completer, text)
    for each in expected:
        assert each in results
    for each in unexpected:
        assert each not in results


def test_tilde_is_kept_as_typed(completer, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert "ls ~/somedir/" in complete(completer, "ls ~/som")


@pytest.mark.parametrize("text, expected", [
    ("echo $MY_VA", "echo $MY_VARIABLE"),
    ("echo ${MY_VA", "echo ${MY_VARIABLE}"),
    ('echo "$MY_VA', 'echo "$MY_VARIABLE'),
    ("echo x$PA", "echo x$PATH"),
])
def test_variables(completer, text, expected):
    assert expected in complete(completer, text)


@pytest.mark.parametrize("text, expected, unexpected", [
    ("contain ", ["contain run ", "contain ps ", "contain images "], []),
    ("contain r", ["contain run ", "contain rm ", "contain rmi "], ["contain ps "]),
    ("contain run --r", ["contain run --rm ", "contain run --read-only "], []),
    ("contain ps -", ["contain ps -a "], []),
    ("vm ", ["vm create ", "vm start ", "vm disk "], []),
    ("vm disk ", ["vm disk create ", "vm disk info "], []),
    ("vm disk create --f", ["vm disk create --format "], []),
    ("vm create x --sm", ["vm create x --smp "], []),
    ("compose u", ["compose up "], []),
    ("compose up -", ["compose up -d "], []),
    ("contain bootstrap ", ["contain bootstrap busybox "], []),
])
def test_subcommands_and_options(completer, text, expected, unexpected):
    results = complete(completer, text)
    for each in expected:
        assert each in results
    for each in unexpected:
        assert each not in results


def test_live_containers_images_and_vms(completer, tmp_path):
    home = tmp_path / "pysh-home"
    assert not any("web" in each for each in complete(completer, "contain rm "))  # no state dir: no error
    (home / "containers" / "3f2a9c").mkdir(parents=True)
    (home / "containers" / "3f2a9c" / "config.json").write_text(json.dumps({"spec": {"name": "web"}}))
    (home / "images").mkdir(parents=True)
    (home / "images" / "index.json").write_text(json.dumps({"tags": {"busybox:latest": "sha256:1",
                                                                    "debian:12": "sha256:2"}}))
    (home / "vms" / "tiny1").mkdir(parents=True)
    (home / "containers" / "broken").mkdir()
    (home / "containers" / "broken" / "config.json").write_text("{not json")
    (home / "containers" / ".lock").write_text("")

    offered = set(complete(completer, "contain rm "))
    assert {"contain rm web ", "contain rm broken "} <= offered and "contain rm 3f2a9c " not in offered
    assert {"contain run busybox ", "contain run busybox:latest ", "contain run debian:12 "} <= set(
        complete(completer, "contain run "))
    assert "vm stop tiny1 " in complete(completer, "vm stop ")


@pytest.mark.parametrize("text, words, command_position", [
    ("", [""], True),
    ("ec", ["ec"], True),
    ("echo a b", ["echo", "a", "b"], False),
    ("echo a ", ["echo", "a", ""], False),
    ("ls | ", [""], True),
    ("X=1 ", [""], True),
    ("echo > ", ["echo", ""], False),
    ("sort 2> ", ["sort", ""], False),
    ("sort 2 ", ["sort", "2", ""], False),
    ("contain run -ti --rm busy", ["contain", "run", "-ti", "--rm", "busy"], False),
    ('echo "a b" c', ["echo", '"a b"', "c"], False),
])
def test_split_command_line(text, words, command_position):
    assert split_command_line(text) == (words, command_position)


def test_quoting_round_trip():
    for name in ["plain", "with space", "it's", 'say "hi"', "a$b", "x*y", "back\\slash", "#hash"]:
        assert unquote_partial(quote_for_shell(name)) == name
    assert unquote_partial('"open quo') == "open quo"
    assert unquote_partial("'a b") == "a b"


def test_builtins_come_with_their_summary(completer):
    from pyshell.builtins import BUILTINS

    completions = {c.text: c for c in completer.get_completions(Document("ec"), CompleteEvent())}
    assert completions["echo "].display_meta_text == BUILTINS["echo"].summary != ""
