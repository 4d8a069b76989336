"""Drive the real interactive pysh in a pseudo-terminal (pexpect), with a scratch HOME.

Each session gets HOME, XDG_STATE_HOME and the working directory in a temporary
directory, TERM=xterm, and PS1 set to a plain marker so a prompt is easy to match
among prompt_toolkit's escape sequences. PROMPT_TOOLKIT_NO_CPR=1 stops prompt_toolkit
from asking the (absent) terminal emulator where the cursor is.
"""

from __future__ import annotations

import os
import re
import sys
import time

import pexpect

PROMPT = re.compile(r"pysh-test[#$] ")
ANY_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def plain(text: str) -> str:
    """Terminal output with escape sequences and carriage returns removed."""
    return ANY_ESCAPE.sub("", text).replace("\r", "")


class Repl:
    """A running `pysh --norc` on a pty, with helpers that wait for the prompt."""

    def __init__(self, home, extra_env=None, args=("--norc",), ps1="pysh-test\\$ "):
        self.home = home
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_STATE_HOME": str(home / "state"),
            "PYSH_HOME": str(home / "pysh-home"),
            "TERM": "xterm",
            "LANG": "C.UTF-8",
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        if ps1 is not None:
            env["PS1"] = ps1
        env.update(extra_env or {})
        self.child = pexpect.spawn(
            sys.executable, ["-m", "pyshell", *args], cwd=str(home), env=env,
            encoding="utf-8", codec_errors="replace", dimensions=(24, 100), timeout=10,
        )

    def expect_prompt(self, timeout: float = 10) -> str:
        """Wait for the next prompt; return (plain) what came before it."""
        self.child.expect(PROMPT, timeout=timeout)
        return plain(self.child.before)

    def run(self, line: str, timeout: float = 10) -> str:
        """Type ``line`` and Enter; return the plain output up to the next prompt."""
        self.child.send(line + "\r")
        return self.expect_prompt(timeout)

    def session_processes(self) -> list[int]:
        """PIDs in the pty's session (pexpect made pysh a session leader): pysh and its jobs."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == self.child.pid:  # field 6 of stat: the session id
                pids.append(int(entry))
        return pids

    def close(self) -> None:
        leftovers = [pid for pid in self.session_processes() if pid != self.child.pid]
        for pid in leftovers:  # jobs a failed test left behind (a stopped sleep...)
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        if self.child.isalive():
            self.child.sendcontrol("d")
            deadline = time.monotonic() + 3
            while self.child.isalive() and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.child.isalive():
            self.child.terminate(force=True)  # our own child, by pid
