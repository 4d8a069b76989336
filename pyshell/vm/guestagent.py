"""`vm exec` for guests that run the QEMU guest agent (qemu-ga, Debian: qemu-guest-agent).

QEMU gives the guest a virtio-serial port named org.qemu.guest_agent.0 (see qemu.py); qemu-ga
in the guest serves JSON commands on it, and the host reaches it through qga.sock. The
protocol is QMP's without the greeting:

    {"execute": "guest-sync", "arguments": {"id": N}}         -> {"return": N}
    {"execute": "guest-exec", "arguments": {"path": …, "arg": […], "capture-output": true}}
                                                               -> {"return": {"pid": P}}
    {"execute": "guest-exec-status", "arguments": {"pid": P}} -> {"return": {"exited": true,
                                          "exitcode": 0, "out-data": BASE64, "err-data": …}}

guest-sync comes first because the channel may hold an old answer nobody read: everything
up to the answer carrying our own number is skipped.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import time
from pathlib import Path

from pyshell.errors import VmError
from pyshell.vm.agent import ExecResult, LineChannel

SYNC_TIMEOUT = 5.0   # a guest without qemu-ga never answers: say so after this long


def run(agent_socket: Path, argv: list[str], timeout: float) -> ExecResult:
    """Run ARGV (no shell: argv[0] is looked up in the guest's PATH by qemu-ga)."""
    with _Channel(agent_socket) as channel:
        sync_id = random.randrange(1, 2**31)
        channel.send_message({"execute": "guest-sync", "arguments": {"id": sync_id}})
        if not channel.wait_for_return(sync_id, SYNC_TIMEOUT):
            raise VmError("no guest agent answered (install qemu-guest-agent in the guest)")
        started = channel.call("guest-exec", {"path": argv[0], "arg": argv[1:],
                                              "capture-output": True}, timeout)
        deadline = time.monotonic() + timeout
        delay = 0.01
        while time.monotonic() < deadline:
            status = channel.call("guest-exec-status", {"pid": started["pid"]}, timeout)
            if status["exited"]:
                return ExecResult(status=status.get("exitcode", 128 + status.get("signal", 0)),
                                  stdout=base64.b64decode(status.get("out-data", "")),
                                  stderr=base64.b64decode(status.get("err-data", "")))
            time.sleep(delay)
            delay = min(delay * 2, 0.5)   # short commands answer fast, long ones poll less
    raise VmError(f"no answer from the guest after {timeout:g} s (the command may still run)")


class _Channel(LineChannel):
    """qemu-guest-agent's JSON messages, one a line."""

    def __init__(self, path: Path):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
        except OSError as error:
            sock.close()
            raise VmError(f"cannot reach the guest agent channel: {error.strerror}") from None
        super().__init__(sock)

    def send_message(self, message: dict) -> None:
        self.send(json.dumps(message).encode() + b"\n")

    def call(self, command: str, arguments: dict, timeout: float):
        self.send_message({"execute": command, "arguments": arguments})
        message = self._read(time.monotonic() + timeout)
        if message is None:
            raise VmError(f"{command}: no answer from the guest agent")
        if "error" in message:
            raise VmError(f"{command}: {message['error'].get('desc', message['error'])}")
        return message["return"]

    def wait_for_return(self, value, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while (message := self._read(deadline)) is not None:
            if message.get("return") == value:
                return True
        return False

    def _read(self, deadline: float) -> dict | None:
        while (line := self.read_raw_line(deadline)) is not None:
            try:
                return json.loads(line.strip(b"\xff"))   # 0xFF: qemu-ga's resync marker
            except ValueError:
                continue   # a fragment of an older message
        return None
