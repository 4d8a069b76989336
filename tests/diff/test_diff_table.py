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
        if case.stdout is not None or case.status is not None or case.reference != "bash":
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
