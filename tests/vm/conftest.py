"""Fixtures for the vm tests: a private PYSH_HOME, a `vm` runner, and cleanup of every QEMU
a test started (by the pid in its vm.json), even when the test fails."""

import os
import signal
from pathlib import Path

import pytest
from netns import in_host_network

from vmsupport import VmRunner, qemu_pids_under


def _make_runner(home: Path):
    runner = VmRunner(home)
    yield runner
    runner.kill_all()
    for pid in qemu_pids_under(home):   # started but never recorded (a failed start)
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def vm(tmp_path_factory):
    # A short directory: QEMU's Unix socket paths must stay under 108 bytes.
    yield from _make_runner(tmp_path_factory.mktemp("vmh"))


@pytest.fixture(scope="module")
def module_vm(tmp_path_factory):
    yield from _make_runner(tmp_path_factory.mktemp("vmh"))


@pytest.fixture(scope="session", autouse=True)
def tiny_guest_made():
    """The tiny guest is made from Debian packages (apt-get download): make it once, cached, from
    the machine's network namespace, before the tests run in the session's own (tests/netns.py)."""
    if os.geteuid() != 0:
        return
    from pyshell.errors import PyshError
    from pyshell.vm.tinyguest import build_tiny_guest

    try:
        with in_host_network():
            build_tiny_guest()
    except PyshError:
        pass  # the tests that boot it say what is missing
