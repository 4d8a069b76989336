"""Realistic scripts parse, print canonically, and round-trip; printing is stable."""

from pathlib import Path

import pytest

from pyshell.syntax import format, iter_commands, parse

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.sh"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_round_trips(path):
    tree = parse(path.read_text(), str(path))
    assert len(tree.body) > 5
    text = format(tree)
    assert parse(text) == tree
    assert format(parse(text)) == text  # the canonical form is a fixed point


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_line_by_line_matches_whole(path):
    source = path.read_text()
    statements = tuple(s for script in iter_commands(source, str(path)) for s in script.body)
    assert statements == parse(source).body
