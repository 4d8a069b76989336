"""Tab completion: commands, files, $VARIABLES, and the subcommands of contain, vm, compose.

Where the cursor is (command position or an argument, which command the argument
belongs to) is read from the same ``highlight_spans`` the highlighter uses, so the
completer never disagrees with the parser about what a word is.

The subcommands and options of ``contain``, ``vm`` and ``compose`` are a static table
(their front ends are loaded lazily and we don't want Tab to import them); their live
objects (containers, images, VMs) are read from the state directory when asked.
"""

from __future__ import annotations

import json
import os
import re

from prompt_toolkit.completion import Completer, Completion

from pyshell.repl.commands import CommandClassifier

# Subcommand -> its options. Option lists follow Docker's and the issues' flags.
_RUN_OPTIONS = (
    "-t --tty -i --interactive -ti -d --detach --rm --name -e --env --env-file -v --volume "
    "--tmpfs -w --workdir -h --hostname --entrypoint -u --user --read-only -m --memory --cpus "
    "--pids-limit --cap-add --cap-drop --init --network --userns -l --label --stop-signal -p"
).split()
_VM_CREATE_OPTIONS = (
    "--disk --disk-size --cdrom --tiny -m --memory --smp --maxcpus --fwd --kernel --initrd "
    "--append --balloon --nic --accel --vnc"
).split()
_VM_START_OPTIONS = ["-d", "--detach", "--no-wait", "--wait-ready", "--timeout"]

SUBCOMMANDS: dict[str, dict[str, list[str]]] = {
    "contain": {
        "run": _RUN_OPTIONS, "create": _RUN_OPTIONS,
        "exec": "-t -i -ti -d -e -u -w".split(), "ps": ["-a", "-q"], "images": ["-q"],
        "attach": [], "start": ["-a", "-i"], "stop": ["-t"], "kill": ["-s"], "restart": ["-t"],
        "rm": ["-f"], "rmi": ["-f"], "logs": ["-f"], "inspect": [], "commit": [], "export": ["-o"],
        "import": [], "tag": [], "prune": [], "bootstrap": [],
        "build": "-t -f --build-arg --no-cache --target".split(), "pull": [], "push": [],
        "save": ["-o"], "load": ["-i"], "login": ["-u", "-p"], "logout": [],
    },
    "vm": {
        "disk": [], "create": _VM_CREATE_OPTIONS, "run": _VM_CREATE_OPTIONS + _VM_START_OPTIONS,
        "start": _VM_START_OPTIONS, "ls": [], "stop": ["--timeout"], "kill": [], "rm": ["-f", "--force"],
        "inspect": [], "cmd": [], "logs": [], "tiny": [],
        "console": [], "monitor": [], "cpu": [], "balloon": [], "pause": [], "resume": [],
        "status": [], "exec": [],
    },
    "compose": {
        "up": ["-d", "--build"], "down": ["-v"], "ps": [], "logs": ["-f"], "build": [],
        "pull": [], "start": [], "stop": [], "restart": [], "exec": [], "run": [], "config": [],
        "rm": [], "kill": [],
    },
}
SECOND_LEVEL = {("vm", "disk"): {"create": ["--format", "--backing"], "info": ["--json"]}}

# Which live objects an argument of a subcommand names.
CONTAINER_ARGUMENT = {"attach", "start", "stop", "kill", "restart", "rm", "logs", "exec", "commit",
                      "export", "inspect"}
IMAGE_ARGUMENT = {"run", "create", "rmi", "tag", "push", "save", "inspect"}
BOOTSTRAP_IMAGES = ["busybox", "debian"]

# Characters that mean something to the shell unquoted: a file name containing them is escaped.
_SPECIAL = set(" \t\n\\'\"$`&;|<>()*?[]#!{}")
_SEPARATOR_KINDS = {"whitespace", "operator", "redirect", "comment"}
_NAME_AT_END = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)?$")


def quote_for_shell(text: str) -> str:
    """``my file`` -> ``my\\ file``: what to type so the shell reads one word back."""
    return "".join("\\" + char if char in _SPECIAL else char for char in text)


def unquote_partial(word: str) -> str:
    """The value of a word being typed, quotes possibly still open: ``"my fi`` -> ``my fi``."""
    value = []
    quote = None
    i = 0
    while i < len(word):
        char = word[i]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                value.append(char)
        elif char == "\\" and i + 1 < len(word) and quote is None:
            value.append(word[i + 1])
            i += 1
        elif char in "'\"" and quote is None:
            quote = char
        elif char == '"' and quote == '"':
            quote = None
        else:
            value.append(char)
        i += 1
    return "".join(value)


def split_command_line(text: str) -> tuple[list[str], bool]:
    """The words of the simple command the cursor (at the end of ``text``) is in, the last
    one being the word under the cursor ("" after a space), and whether that word is in
    command position. Assignments before the command and redirection targets are left out,
    except for the word under the cursor itself."""
    from pyshell.syntax.lexer import highlight_spans  # loaded after the first prompt is drawn (app.py)

    words: list[tuple[str, str]] = []  # (text, role): role is word, assignment, target or fd
    glued = False        # does the next span continue the last word (nothing in between)?
    after_redirect = False
    for start, end, kind in highlight_spans(text):
        piece = text[start:end]
        if kind == "operator" or (kind == "keyword" and not glued):
            words, glued, after_redirect = [], False, False  # `|`, `;`, `then`...: a new command
        elif kind == "redirect":
            if glued and words and words[-1][1] == "fd":
                words.pop()  # the 2 of `2>`: part of the redirection, not an argument
            glued, after_redirect = False, True
        elif kind in ("whitespace", "comment"):
            glued = False
        elif glued:
            words[-1] = (words[-1][0] + piece, words[-1][1])
        else:
            role = "target" if after_redirect else {"assignment": "assignment", "number": "fd"}.get(kind, "word")
            words.append((piece, role))
            glued, after_redirect = True, False
    if not glued:
        words.append(("", "target" if after_redirect else "word"))
    current_text, current_role = words[-1]
    command_words = [word for word, role in words[:-1] if role in ("word", "fd")]
    command_position = current_role == "word" and not command_words
    return command_words + [current_text], command_position


class PyshCompleter(Completer):
    """prompt_toolkit asks ``get_completions`` on Tab; we look at the word under the cursor
    and where it stands, and offer what fits there (one source per situation)."""

    def __init__(self, shell, classifier: CommandClassifier | None = None, before_use=lambda: None) -> None:
        self.shell = shell
        self.classifier = classifier or CommandClassifier(shell)
        self.before_use = before_use  # app.py: the warm-up thread's end, before we import the lexer

    def get_completions(self, document, complete_event):
        self.before_use()
        text = document.text_before_cursor
        words, command_position = split_command_line(text)
        word = words[-1]

        variable = _NAME_AT_END.search(word)
        if variable and "'" not in word:  # `$PA`, `${PA`, `"$PA`: a parameter name
            yield from self._variables(variable.group(1) or "", braced=variable.group(0).startswith("${"))
            return
        if command_position and "/" not in word:
            yield from self._commands(word)
            return
        command = words[0] if words else ""
        if command in SUBCOMMANDS and len(words) > 1:
            yield from self._subcommand_words(command, words[1:])
            if len(words) == 2 or word.startswith("-"):
                return
        yield from self._files(word, directories_only=(command == "cd"))

    # ---------------------------------------------------------------- sources

    def _commands(self, prefix: str):
        builtins = self.classifier.builtins
        for name in sorted(self.classifier.all_names()):
            if name.startswith(prefix):
                # Like fish's pager: a builtin shows its one-line summary next to its name.
                summary = builtins[name].summary if name in builtins else ""
                yield Completion(name + " ", start_position=-len(prefix), display=name, display_meta=summary)

    def _variables(self, prefix: str, braced: bool):
        for name in sorted(self._variable_names()):
            if name.startswith(prefix):
                text = name + ("}" if braced else "")
                yield Completion(text, start_position=-len(prefix), display="$" + name)

    def _variable_names(self) -> set[str]:
        names = set(getattr(self.shell, "vars", os.environ))
        return {name for name in names if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)}

    def _subcommand_words(self, command: str, arguments: list[str]):
        """Completions for `contain ...`, `vm ...`, `compose ...`; ``arguments[-1]`` is being typed."""
        word = arguments[-1]
        positional = [a for a in arguments[:-1] if not a.startswith("-")]
        table = SUBCOMMANDS[command]
        if not positional:
            candidates = list(table) if not word.startswith("-") else (["-f", "-p"] if command == "compose" else [])
        else:
            sub = positional[0]
            second = SECOND_LEVEL.get((command, sub))
            if second is not None and len(positional) == 1:
                candidates = list(second) if not word.startswith("-") else []
            elif word.startswith("-"):
                candidates = (second or {}).get(positional[1], []) if second else table.get(sub, [])
            else:
                candidates = self._objects(command, sub)
        for candidate in candidates:
            if candidate.startswith(word):
                yield Completion(candidate + " ", start_position=-len(word), display=candidate)

    def _objects(self, command: str, sub: str) -> list[str]:
        """Names of live containers, images and VMs; nothing (never an error) if none exist."""
        from pathlib import Path

        from pyshell.statedir import pysh_home

        # The shell's own PYSH_HOME first: `export PYSH_HOME=...` typed in pysh counts.
        home = Path(self.shell.getvar("PYSH_HOME") or pysh_home())
        names: list[str] = []
        if command == "contain":
            if sub in CONTAINER_ARGUMENT:
                names += _state_names(home / "containers")
            if sub in IMAGE_ARGUMENT:
                names += _image_names(home / "images")
            if sub == "bootstrap":
                names += BOOTSTRAP_IMAGES
        elif command == "vm" and sub not in ("create", "run", "ls", "tiny"):
            names += _state_names(home / "vms")
        return sorted(set(names))

    def _files(self, word: str, directories_only: bool = False):
        value = unquote_partial(word)
        directory_typed, _, prefix = value.rpartition("/")
        if "/" in value:
            directory_typed += "/"
        directory = os.path.expanduser(directory_typed) if directory_typed else "."
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            return
        # Keep a leading ~ or ~user as typed: it expands the same way when the line runs.
        tilde, rest = "", directory_typed
        if directory_typed.startswith("~"):
            tilde, slash, rest = directory_typed.partition("/")
            tilde += slash
        for entry in entries:
            name = entry.name
            if not name.startswith(prefix) or (name.startswith(".") and not prefix.startswith(".")):
                continue
            try:
                is_directory = entry.is_dir()
            except OSError:
                is_directory = False
            if directories_only and not is_directory:
                continue
            text = tilde + quote_for_shell(rest + name) + ("/" if is_directory else " ")
            yield Completion(text, start_position=-len(word), display=name + ("/" if is_directory else ""))


def _state_names(directory) -> list[str]:
    """Each object is a directory named by its id (containers) or name (VMs); a container's
    config.json also gives its name (``{"spec": {"name": "web"}}``)."""
    names = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return names
    for entry in entries:
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        try:
            with open(os.path.join(entry.path, "config.json")) as file:
                name = json.load(file)["spec"]["name"]
        except (OSError, ValueError, KeyError, TypeError):
            name = None
        # A container is best named by its name; its id (64 hex digits) by the first 12, as Docker shows it.
        names.append(name if isinstance(name, str) and name else entry.name[:12])
    return names


def _image_names(directory) -> list[str]:
    """Tags from the image store's index.json (``{"tags": {"busybox:latest": id}}``),
    offered both as ``busybox:latest`` and, for the latest tag, as plain ``busybox``."""
    try:
        with open(directory / "index.json") as file:
            tags = json.load(file).get("tags", {})
    except (OSError, ValueError, AttributeError):
        return []
    names = []
    for tag in tags:
        if "@" in tag:
            continue
        names.append(tag)
        if tag.endswith(":latest"):
            names.append(tag.removesuffix(":latest"))
    return names
