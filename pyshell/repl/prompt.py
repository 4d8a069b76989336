"""The prompt: ``user@host:~/dir$ `` with the last status when it is not 0, or $PS1.

The result is prompt_toolkit "formatted text" (a list of (style, text) pairs), which is
plain data: building it needs no prompt_toolkit import.
"""

from __future__ import annotations

import os
import pwd
import time

# The default prompt, in PS1's own language. Left as it is, it is drawn in colour with
# the last status added when it is not 0; any other PS1 is drawn as written.
DEFAULT_PS1 = r"\u@\h:\w\$ "


def home_shortened(directory: str, home: str | None) -> str:
    """``/root/src`` -> ``~/src`` when HOME is /root (not /rootkit)."""
    if home and home != "/" and (directory == home or directory.startswith(home.rstrip("/") + "/")):
        return "~" + directory[len(home.rstrip("/")):]
    return directory


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # a uid with no passwd entry (containers do that)
        return str(os.geteuid())


def _host() -> str:
    return os.uname().nodename  # what gethostname() returns, without importing socket


def _cwd(shell) -> str:
    # $PWD keeps the logical path (through symlinks) that `cd` followed; fall back to the kernel's.
    pwd = shell.getvar("PWD")
    if pwd and os.path.isabs(pwd):
        return pwd
    try:
        return os.getcwd()
    except OSError:
        return "?"


def expand_ps1(ps1: str, shell) -> str:
    """Expand bash's backslash escapes in PS1: \\u \\h \\H \\w \\W \\$ \\? \\t \\n \\\\ (others stay)."""
    home = shell.getvar("HOME")
    cwd = _cwd(shell)
    host = _host()
    escapes = {
        "u": _user,
        "h": lambda: host.split(".")[0],
        "H": lambda: host,
        "w": lambda: home_shortened(cwd, home),
        "W": lambda: "~" if cwd == home else (os.path.basename(cwd) or "/"),
        "$": lambda: "#" if os.geteuid() == 0 else "$",
        "?": lambda: str(shell.last_status),
        "t": lambda: time.strftime("%H:%M:%S"),
        "n": lambda: "\n",
        "\\": lambda: "\\",
    }
    out = []
    i = 0
    while i < len(ps1):
        char = ps1[i]
        if char == "\\" and i + 1 < len(ps1) and ps1[i + 1] in escapes:
            out.append(escapes[ps1[i + 1]]())
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def expand_parameters(text: str, shell) -> str:
    """$NAME, ${...}, $(...) and $((...)) in a prompt, as POSIX asks for PS1 and PS2.

    The text is read as the body of a here-document (expanded, never split or globbed)
    by the shell's own parser and expander: no second grammar for prompts."""
    if "$" not in text and "`" not in text:
        return text
    from pyshell.errors import PyshError
    from pyshell.expand import document
    from pyshell.syntax import parse

    delimiter = "PYSH_PROMPT_END"
    try:
        script = parse(f": <<{delimiter}\n{text}\n{delimiter}\n", "PS1")
        body = script.body[0].command.redirects[0].heredoc
        return document(body, shell).removesuffix("\n")
    except PyshError:
        return text  # a bad prompt must not stop the shell: show it as written


def prompt_fragments(shell) -> list[tuple[str, str]]:
    """The primary prompt, as (style, text) pairs. Call it before prompt_toolkit runs:
    a $(command) in PS1 forks, and jobs never run inside prompt_toolkit's event loop."""
    ps1 = shell.getvar("PS1")
    if ps1 and ps1 != DEFAULT_PS1:
        return [("", expand_parameters(expand_ps1(ps1, shell), shell))]
    status = shell.last_status
    fragments = [
        ("class:prompt.user", f"{_user()}@{_host().split('.')[0]}"),
        ("", ":"),
        ("class:prompt.cwd", home_shortened(_cwd(shell), shell.getvar("HOME"))),
    ]
    if status != 0:
        fragments.append(("class:prompt.status", f" [{status}]"))
    fragments.append(("", "# " if os.geteuid() == 0 else "$ "))
    return fragments


def continuation_prompt(shell) -> str:
    """PS2, shown before each continuation line of an incomplete command."""
    return expand_parameters(shell.getvar("PS2") or "> ", shell)


PROMPT_STYLE = {
    "prompt.user": "ansigreen bold",
    "prompt.cwd": "ansiblue bold",
    "prompt.status": "ansired bold",
}
