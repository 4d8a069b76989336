"""Every case of spec/*.test.sh, run under bash --posix (or dash) and under pysh.

All cases run once, in parallel, when the first one is asked for; each pytest case
then reports its own comparison. A case id is ``file: name``.
"""

from __future__ import annotations

import shutil

import pytest

import difftable

CASES = difftable.load_cases()
_results: dict[str, difftable.Comparison] = {}


def test_table_is_big_enough():
    assert len(CASES) >= 330


def test_overrides_are_explained():
    for case in CASES:
        if case.stdout is not None or case.status is not None or case.reference not in ("bash", "bash-default"):
            assert case.note, case.id


@pytest.fixture(scope="module")
def comparisons(request):
    """Run the selected cases (all of them, unless -k chose some) in one parallel batch."""
    for shell in ("bash", "dash"):
        if shutil.which(shell) is None:
            pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    if not _results:
        selected = [item.callspec.params["case"] for item in request.session.items
                    if getattr(item, "originalname", None) == "test_snippet"]
        for comparison in difftable.run_all(selected or CASES):
            _results[comparison.case.id] = comparison
    return _results


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_snippet(case, comparisons):
    comparison = comparisons[case.id]
    if comparison.problems:
        pytest.fail(comparison.report(), pytrace=False)


def test_comparison_catches_each_kind_of_difference():
    case = difftable.parse_spec("#### c\necho x\n## compare: stderr\n", "t.test.sh")[0]
    same = difftable.Result("x\n", "", 0)
    assert not difftable.compare(case, same, same).problems
    kinds = {
        "stdout": difftable.Result("y\n", "", 0),
        "status": difftable.Result("x\n", "", 1),
        "stderr shape": difftable.Result("x\n", "pysh: oops\n", 0),
        "crashed": difftable.Result("x\n", "pysh: internal error: KeyError\n", 0),
    }
    for kind, pysh in kinds.items():
        problems = difftable.compare(case, same, pysh).problems
        assert any(kind in problem for problem in problems), (kind, problems)
    bash_error = difftable.Result("", "bash: line 3: x: not found\n", 127)
    assert not difftable.compare(case, bash_error, difftable.Result("", "pysh: x: not found\n", 127)).problems
    assert difftable.compare(case, bash_error, difftable.Result("", "pysh: x: missing\n", 127)).problems
    killed = difftable.Result("", "", -9)  # subprocess's way of saying "killed by SIGKILL"
    assert not difftable.compare(case, difftable.Result("", "", 137), killed).problems


def test_spec_format_rejects_unexplained_overrides():
    with pytest.raises(ValueError, match="note"):
        difftable.parse_spec("#### c\necho x\n## status: 3\n", "t.test.sh")
    with pytest.raises(ValueError, match="unknown directive"):
        difftable.parse_spec("#### c\necho x\n## stdou: 3\n", "t.test.sh")
