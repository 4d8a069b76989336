"""`vm exec` through the QEMU guest agent: the client against a real qemu-ga, run on the host
(qemu-ga serves a Unix socket as well as a virtio-serial port; the protocol is the same)."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from pyshell.errors import VmError
from pyshell.vm import guestagent

pytestmark = pytest.mark.skipif(shutil.which("qemu-ga") is None and
                                not os.path.exists("/usr/sbin/qemu-ga"),
                                reason="qemu-ga is not installed (apt-get install qemu-guest-agent)")


@pytest.fixture
def qga_socket(tmp_path):
    socket_path = tmp_path / "qga.sock"
    binary = shutil.which("qemu-ga") or "/usr/sbin/qemu-ga"
    process = subprocess.Popen([binary, "-m", "unix-listen", "-p", str(socket_path),
                                "-t", str(tmp_path), "-f", str(tmp_path / "qga.pid")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        yield socket_path
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def test_exec_output_and_status(qga_socket):
    result = guestagent.run(qga_socket, ["sh", "-c", "echo out; echo err >&2; exit 3"], 30)
    assert (result.status, result.stdout, result.stderr) == (3, b"out\n", b"err\n")


def test_exec_keeps_arguments_whole(qga_socket):
    result = guestagent.run(qga_socket, ["printf", "%s|", "a b", "c'd", "$HOME"], 30)
    assert result.stdout == b"a b|c'd|$HOME|"


def test_missing_program(qga_socket):
    with pytest.raises(VmError, match="guest-exec"):
        guestagent.run(qga_socket, ["/no/such/program"], 30)


def test_no_agent_listening(tmp_path):
    with pytest.raises(VmError, match="cannot reach the guest agent"):
        guestagent.run(tmp_path / "none.sock", ["true"], 5)
