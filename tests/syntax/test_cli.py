"""python -m pyshell.syntax: tokens, tree and canonical print of a script."""

import subprocess
import sys

from pyshell.syntax.__main__ import main


def test_print_is_the_canonical_form(capsys):
    assert main(["-c", "if a;then b;fi"]) == 0
    assert capsys.readouterr().out == "if a; then\n  b\nfi\n"


def test_tokens(capsys):
    assert main(["--tokens", "-c", "echo if; if x"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["WORD", "WORD", "SEMI", "IF", "WORD"]
    assert lines[3].startswith("1:10\t")


def test_tree(capsys):
    assert main(["--tree", "-c", "a=1 ls -l"]) == 0
    out = capsys.readouterr().out
    assert "Assignment name='a'" in out and "Word Lit('ls')" in out


def test_file_and_errors(tmp_path, capsys):
    script = tmp_path / "s.sh"
    script.write_text("echo a\nfi\n")
    assert main([str(script)]) == 2
    assert capsys.readouterr().err == f"pysh: {script}:2:1: syntax error near 'fi'\n"
    assert main([str(tmp_path / "missing.sh")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "pyshell.syntax", "-c", "a|b"],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "a | b\n", "")
