"""Helpers for the vm tests: the `vm` runner and process lookups."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

QEMU = shutil.which("qemu-system-x86_64")
needs_qemu = pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed "
                                "(apt-get install qemu-system-x86 qemu-utils)")
needs_qemu_img = pytest.mark.skipif(shutil.which("qemu-img") is None,
                                    reason="qemu-img is not installed (apt-get install qemu-utils)")


@dataclass(frozen=True)
class Result:
    status: int
    stdout: str
    stderr: str


class VmRunner:
    """Runs `python -m pyshell.vm ARGS` with PYSH_HOME set: the real entry point."""

    def __init__(self, home: Path, prefix: tuple[str, ...] = (), env: dict | None = None):
        self.home = home
        self.prefix = prefix   # e.g. ("ip", "netns", "exec", NAME): run in that namespace
        self.env = {**os.environ, **(env or {}), "PYSH_HOME": str(home)}

    def __call__(self, *args: str, timeout: float = 180, check: bool = True,
                 input: str | None = None) -> Result:
        done = subprocess.run([*self.prefix, sys.executable, "-m", "pyshell.vm", *args],
                              env=self.env,
                              capture_output=True, text=True, timeout=timeout,
                              input=input, stdin=None if input is not None else subprocess.DEVNULL)
        result = Result(done.returncode, done.stdout, done.stderr)
        if check and done.returncode != 0:
            raise AssertionError(f"vm {' '.join(args)} -> {result}")
        return result

    def record(self, name: str) -> dict:
        return json.loads((self.home / "vms" / name / "vm.json").read_text())

    def pids(self) -> list[int]:
        found = []
        for state_file in (self.home / "vms").glob("*/vm.json"):
            pid = json.loads(state_file.read_text()).get("pid")
            qmp = str(state_file.parent / "qmp.sock").encode()
            try:
                if pid and qmp in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                pass
        return found

    def kill_all(self) -> None:
        for pid in self.pids():
            os.kill(pid, signal.SIGKILL)


def qemu_pids_under(home: Path) -> list[int]:
    """Every qemu process whose command line mentions HOME (whatever the state files say)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"qemu-system") and str(home).encode() in cmdline:
            found.append(int(proc.name))
    return found


def wait_until(condition, timeout: float, what: str, every: float = 0.5):
    """Poll ``condition`` until it gives a true value (returned); an AssertionError names ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
