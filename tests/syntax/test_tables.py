"""The generated tables match the grammar; the grammar has no LR conflicts; the syntax
stage stands alone, writes nothing and imports no PLY at run time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyshell.syntax import grammar

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pyshell" / "syntax"
REGENERATE = "python -m pyshell.syntax.grammar --regenerate"


@pytest.fixture(scope="module")
def fresh_tables(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("tables")
    conflicts = grammar.build_tables(str(outdir))
    return outdir, conflicts


def test_no_lr_conflicts(fresh_tables):
    _, conflicts = fresh_tables
    assert conflicts == {"shift/reduce": 0, "reduce/reduce": 0}


@pytest.mark.parametrize("name,committed", [
    ("lrtables.py", PACKAGE / "lrtables.py"),
    ("pysh.bnf", ROOT / "grammar" / "pysh.bnf"),
])
def test_committed_tables_match_the_grammar(fresh_tables, name, committed):
    outdir, _ = fresh_tables
    assert (outdir / name).read_text() == committed.read_text(), \
        f"{committed} is out of date: run `{REGENERATE}`"


def test_every_production_has_its_p_function():
    from pyshell.syntax import lrtables
    for name, length, function in lrtables.PRODUCTIONS[1:]:
        assert callable(getattr(grammar, function)), (name, function)


def test_bnf_lists_every_production():
    bnf = (ROOT / "grammar" / "pysh.bnf").read_text()
    _, rules = grammar._grammar_rules()
    for name, alternatives in rules.items():
        assert f"\n{name} : " in bnf
        for symbols in alternatives:
            assert " ".join(symbols) in bnf if symbols else "/* empty */" in bnf


def _run_fresh(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=str(ROOT), timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_syntax_imports_neither_expand_nor_runtime():
    out = _run_fresh(
        "import sys, pyshell.syntax as s\n"
        "s.format(s.parse('echo $(a) | b'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('pyshell')))\n"
        "print([m for m in ('prompt_toolkit', 'pygments', 'ply', 'inspect') if m in sys.modules])\n")
    modules, heavy = out.splitlines()
    assert "expand" not in modules and "runtime" not in modules and "repl" not in modules
    assert heavy == "[]"


def test_nothing_written_and_nothing_printed_at_run_time(tmp_path):
    # Run from a copy of the package in a read-only directory: loading the tables must
    # neither write (parser.out, parsetab) nor warn.
    import shutil
    copy = tmp_path / "pkg"
    shutil.copytree(ROOT / "pyshell", copy / "pyshell",
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = sorted(p.name for p in (copy / "pyshell" / "syntax").iterdir())
    result = subprocess.run(
        [sys.executable, "-B", "-c",
         "import pyshell.syntax as s; s.parse('if a; then b; fi'); "
         "from pyshell.syntax.lexer import highlight_spans; highlight_spans('echo $x')"],
        capture_output=True, text=True, cwd=str(copy), timeout=60,
        env={**os.environ, "PYTHONPATH": str(copy)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert sorted(p.name for p in (copy / "pyshell" / "syntax").iterdir()) == before
