"""The whole test session runs in a network namespace of its own (see tests/netns.py), so that
no test — container, network, compose, course or VM — ever touches this machine's network."""

from __future__ import annotations

import os

import docker_peer
import pytest
from netns import enter_new_namespace, leave_namespace


@pytest.fixture(scope="session", autouse=True)
def test_netns():
    """An fd of the session's network namespace (lo up), which the pytest process is in."""
    if os.geteuid() != 0:
        yield None  # an ordinary user cannot make bridges or rules anywhere: nothing to keep apart
        return
    ours = enter_new_namespace()
    yield ours
    docker_peer.stop_if_started_here()  # the reference engine, if a test started it
    leave_namespace(ours)


@pytest.fixture
def in_test_netns(test_netns):
    """Kept for the tests that name it: the whole session is in the test namespace already."""
    return test_netns
