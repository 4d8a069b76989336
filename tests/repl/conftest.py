"""Fixtures for the REPL tests: a scratch HOME, and a running REPL (see ptyrepl.py)."""

from __future__ import annotations

import pytest

from .ptyrepl import Repl


@pytest.fixture
def home(tmp_path):
    (tmp_path / "state").mkdir()
    return tmp_path


@pytest.fixture
def repl(home):
    session = Repl(home)
    session.expect_prompt()
    yield session
    session.close()
