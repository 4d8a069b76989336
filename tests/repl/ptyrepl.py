"""Drive the real interactive pysh in a pseudo-terminal (pexpect), with a scratch HOME.

Each session gets HOME, XDG_STATE_HOME and the working directory in a temporary
directory, TERM=xterm, and PS1 set to a plain marker so a prompt is easy to match
among prompt_toolkit's escape sequences. PROMPT_TOOLKIT_NO_CPR=1 stops prompt_toolkit
from asking the (absent) terminal emulator where the cursor is.

prompt_toolkit redraws the whole line at each key, so the prompt text shows up many
times per command. What marks a *new* prompt is that prompt_toolkit switches bracketed
paste on when it starts reading a line (ESC[?2004h) and off when the line is accepted
(ESC[?2004l); whatever the command printed comes in between.
"""

from __future__ import annotations

import os
import re
import sys
import time

import pexpect

PROMPT = re.compile(r"pysh-test[#$]")
PROMPT_DEFAULT = re.compile(r"[#$]")   # the end of the default user@host:dir$ prompt
READING_STARTS = "\x1b[?2004h"
LINE_ACCEPTED = "\x1b[?2004l"
CONTINUATION = re.compile(r"\n(?:\x1b\[[0-9;]*m)*>")  # PS2 at the start of a new line
ANY_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


LINE_END_MARK = re.compile(r"\x1b\[7m%\x1b\[27m *\r")  # pysh's mark for output without a final newline


def plain(text: str) -> str:
    """Terminal output without pysh's line-end mark, escape sequences and carriage returns."""
    return ANY_ESCAPE.sub("", LINE_END_MARK.sub("", text)).replace("\r", "")


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

    def expect_prompt(self, prompt=PROMPT, timeout: float = 10) -> str:
        """Wait for the next prompt; return (plain) what came before it. The prompt's
        own text is kept in ``self.prompt``."""
        self.child.expect_exact(READING_STARTS, timeout=timeout)
        before = self.child.before
        self.child.expect(prompt, timeout=timeout)
        self.prompt = plain(self.child.before + self.child.after).strip()
        return plain(before)

    def run(self, line: str, prompt=PROMPT, timeout: float = 10) -> str:
        """Type ``line`` and Enter; return the plain output up to the next prompt."""
        return plain(self.run_raw(line, prompt, timeout))

    def run_raw(self, line: str, prompt=PROMPT, timeout: float = 10) -> str:
        """Like run(), but the output as the terminal received it, escapes included."""
        self.child.send(line + "\r")
        self.child.expect_exact(LINE_ACCEPTED, timeout=timeout)
        self.child.expect_exact(READING_STARTS, timeout=timeout)
        raw = self.child.before
        self.child.expect(prompt, timeout=timeout)
        self.prompt = plain(self.child.before + self.child.after).strip()
        return raw

    def expect_continuation(self, timeout: float = 10) -> None:
        """Wait for the `> ` of a continuation line (the same prompt_toolkit session goes on)."""
        self.child.expect(CONTINUATION, timeout=timeout)

    def wait_for_foreground(self, program: str, timeout: float = 10) -> int:
        """Wait until ``program`` runs as the terminal's foreground job; return its pid.

        A key typed before that moment goes to pysh, not to the job (the same is true in
        a real terminal, only the window is shorter than on a loaded test machine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pid in self.session_processes():
                fields = _stat_fields(pid)
                if fields and _comm(pid) == program and fields["pgrp"] == fields["tpgid"]:
                    return pid
            time.sleep(0.02)
        raise TimeoutError(f"{program} never became the foreground job")

    def session_processes(self) -> list[int]:
        """PIDs in the pty's session (pexpect made pysh a session leader): pysh and its jobs."""
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                fields = _stat_fields(int(entry))
                if fields and fields["session"] == self.child.pid:
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
            time.sleep(0.1)
            self.child.sendcontrol("d")  # a second time, if the first only warned of stopped jobs
            deadline = time.monotonic() + 3
            while self.child.isalive() and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.child.isalive():
            self.child.terminate(force=True)  # our own child, by pid


def _stat_fields(pid: int) -> dict[str, int] | None:
    """The ids job control is about, from /proc/PID/stat (fields 5, 6 and 8 of proc(5))."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            after_name = file.read().rsplit(")", 1)[1].split()  # starts at field 3, the state
    except OSError:
        return None
    return {"pgrp": int(after_name[2]), "session": int(after_name[3]), "tpgid": int(after_name[5])}


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as file:
            return file.read().strip()
    except OSError:
        return ""
