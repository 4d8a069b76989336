"""Dockerfile syntax: lines -> instructions, words with quotes and $variables, .dockerignore.

Knows nothing of images or containers; builder.py gives the instructions meaning.

A Dockerfile is a list of ``KEYWORD arguments`` lines (BuildKit reference):

* parser directives (``# escape=`` ``# syntax=``) come first, before any comment;
* a line ending with the escape character (``\\``) continues on the next one,
  and comment lines inside a continuation are dropped;
* arguments are either JSON (``["exe", "arg"]``, the *exec* form) or text
  (the *shell* form); some instructions take ``--flag=value`` options first;
* RUN, COPY and ADD may end with here-documents (``RUN <<EOF`` ... ``EOF``, BuildKit):
  their bodies are the lines after the instruction, up to the delimiter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from pyshell.errors import ContainerError

KEYWORDS = {"FROM", "RUN", "CMD", "ENTRYPOINT", "ENV", "ARG", "COPY", "ADD", "WORKDIR", "EXPOSE",
            "USER", "LABEL", "VOLUME", "SHELL", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "MAINTAINER"}
FLAGGED = {"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"}  # instructions that take --flags
HEREDOC_KEYWORDS = {"RUN", "COPY", "ADD"}
# <<EOF, <<-EOF, <<"EOF", <<'EOF' (not <<<, a here-string)
HEREDOC_MARKER = re.compile(r"""(?<!<)<<(?!<)(-?)(["']?)([A-Za-z0-9_.-]+)\2""")


@dataclass(frozen=True)
class Heredoc:
    """One ``<<NAME`` of an instruction: the body as written, and how to read it."""

    name: str
    raw_body: str                # the lines between the instruction and NAME, each ending in \n
    strip_tabs: bool = False     # <<-NAME: leading tabs are removed from each line
    expand: bool = True          # <<"NAME" or <<'NAME': no $variable expansion

    @property
    def body(self) -> str:
        if not self.strip_tabs:
            return self.raw_body
        return "".join(line.lstrip("\t") for line in self.raw_body.splitlines(keepends=True))


@dataclass(frozen=True)
class Instruction:
    keyword: str                 # upper case
    arguments: str               # the text after the keyword and flags
    flags: tuple[tuple[str, str], ...] = ()
    exec_form: tuple[str, ...] | None = None  # the JSON list, when the arguments are one
    line: int = field(default=0, compare=False)
    original: str = field(default="", compare=False)  # as written (joined), for "Step 2/3 : ..."
    heredocs: tuple[Heredoc, ...] = ()

    def flag(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.flags:
            if key == name:
                return value
        return default


class DockerfileError(ContainerError):
    """A syntax error at FILE:LINE, with the instruction when there is one."""

    def __init__(self, message: str, filename: str = "Dockerfile", line: int = 0, keyword: str = ""):
        where = f"{filename}:{line}" if line else filename
        super().__init__(f"{where}: {keyword + ': ' if keyword else ''}{message}")


def parse_dockerfile(text: str, filename: str = "Dockerfile") -> list[Instruction]:
    escape = "\\"
    lines = text.splitlines()
    position = 0
    # Parser directives: only at the very top, before any other line.
    while position < len(lines):
        match = re.match(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$", lines[position])
        if not match:
            break
        name, value = match.group(1).lower(), match.group(2)
        if name == "escape":
            if value not in ("\\", "`"):
                raise DockerfileError(f"invalid escape token {value!r}: must be ` or \\", filename, position + 1)
            escape = value
        position += 1
    instructions: list[Instruction] = []
    while position < len(lines):
        start = position
        line = lines[position]
        position += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = []
        while _continues(line, escape):
            parts.append(line.rstrip()[:-1])
            # Comment and empty lines inside a continuation are skipped, not ends.
            while position < len(lines) and (not lines[position].strip()
                                             or lines[position].lstrip().startswith("#")):
                position += 1
            if position == len(lines):
                line = ""
                break
            line = lines[position]
            position += 1
        parts.append(line)
        joined = "".join(parts).strip()
        instruction = _parse_instruction(joined, start + 1, filename)
        if instruction.keyword in HEREDOC_KEYWORDS and instruction.exec_form is None:
            heredocs, position = _read_heredocs(instruction, lines, position, filename)
            if heredocs:
                instruction = replace(instruction, heredocs=heredocs)
        instructions.append(instruction)
    return instructions


def _read_heredocs(instruction: Instruction, lines: list[str], position: int, filename: str):
    """The bodies of the instruction's ``<<NAME`` markers, in order; and the line after the last one."""
    heredocs = []
    text = instruction.arguments
    markers = [m.groups() for m in HEREDOC_MARKER.finditer(text) if not _inside_quotes(text, m.start())]
    for dash, quote, name in markers:
        body = []
        while True:
            if position == len(lines):
                raise DockerfileError(f"unterminated heredoc: no line {name!r} after it", filename,
                                      instruction.line, instruction.keyword)
            line = lines[position]
            position += 1
            if (line.lstrip("\t") if dash else line) == name:
                break
            body.append(line + "\n")
        heredocs.append(Heredoc(name, "".join(body), strip_tabs=bool(dash), expand=not quote))
    return tuple(heredocs), position


def _inside_quotes(text: str, index: int) -> bool:
    """Is text[index] inside '...' or "..."? (``echo "a<<b"`` has no heredoc)"""
    quote = None
    position = 0
    while position < index:
        char = text[position]
        if char == "\\" and quote != "'":
            position += 1  # an escaped character is nobody's quote
        elif quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
        position += 1
    return quote is not None


def _continues(line: str, escape: str) -> bool:
    stripped = line.rstrip()
    return stripped.endswith(escape) and not stripped.endswith(escape * 2)


def _parse_instruction(text: str, line: int, filename: str) -> Instruction:
    keyword, _, rest = text.partition(" ")
    keyword, rest = keyword.upper(), rest.strip()
    if "\t" in keyword:
        keyword, _, more = keyword.partition("\t")
        rest = (more + " " + rest).strip()
    if keyword not in KEYWORDS:
        raise DockerfileError(f"unknown instruction: {keyword}", filename, line)
    flags: list[tuple[str, str]] = []
    if keyword in FLAGGED:
        while rest.startswith("--"):
            word, _, rest = rest.partition(" ")
            name, has_value, value = word[2:].partition("=")
            if not name:
                raise DockerfileError(f"bad flag {word!r}", filename, line, keyword)
            flags.append((name, value if has_value else "true"))
            rest = rest.strip()
    exec_form = None
    if rest.startswith("["):
        try:
            value = json.loads(rest)
        except ValueError:
            value = None  # not JSON: the shell form, as Docker does
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            exec_form = tuple(value)
    if not rest and keyword not in ("CMD", "ENTRYPOINT", "RUN") and not flags:
        raise DockerfileError("requires at least one argument", filename, line, keyword)
    return Instruction(keyword, rest, tuple(flags), exec_form, line, text)


# --------------------------------------------------------------------------- words and variables


def split_words(text: str, env: dict[str, str], expand: bool = True, split: bool = True) -> list[str]:
    """Shell-like words: quotes removed, backslash escapes, $VAR / ${VAR} / ${VAR:-w} / ${VAR:+w}.

    No globbing and no command substitution: the builder does this, not a shell.
    """
    words: list[str] = []
    current: list[str] = []
    quoted = False  # "" is a word; an unquoted $EMPTY is not (as in sh)
    position = 0
    quote = None

    def end_word() -> None:
        nonlocal current, quoted
        if "".join(current) or quoted:
            words.append("".join(current))
        current, quoted = [], False

    while position < len(text):
        char = text[position]
        if quote is None and char in " \t\n" and split:
            end_word()
            position += 1
            continue
        if char in "'\"" and quote is None:
            quote, quoted = char, True
        elif char == quote:
            quote = None
        elif char == "\\" and quote != "'" and position + 1 < len(text):
            position += 1
            current.append(text[position])
        elif char == "$" and quote != "'" and expand:
            value, position = _expand_at(text, position, env)
            current.append(value)
            continue
        else:
            current.append(char)
        position += 1
    if quote:
        raise ContainerError(f"unterminated quote in: {text}")
    end_word()
    return words


def expand_text(text: str, env: dict[str, str]) -> str:
    """$-substitution only (quotes kept), for JSON-form arguments and single values."""
    out, position = [], 0
    while position < len(text):
        if text[position] == "\\" and text[position + 1:position + 2] == "$":
            out.append("$")
            position += 2
        elif text[position] == "$":
            value, position = _expand_at(text, position, env)
            out.append(value)
        else:
            out.append(text[position])
            position += 1
    return "".join(out)


_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _expand_at(text: str, position: int, env: dict[str, str]) -> tuple[str, int]:
    """Expand the $... that starts at ``position``; return its value and the position after it."""
    if text.startswith("${", position):
        end = text.find("}", position)
        if end < 0:
            raise ContainerError(f"missing '}}' in: {text}")
        body = text[position + 2:end]
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$", body, re.S)
        if not match:
            raise ContainerError(f"bad substitution: ${{{body}}}")
        name, operator, word = match.groups()
        value = env.get(name)
        if operator == ":-":
            value = value if value else expand_text(word, env)
        elif operator == "-":
            value = value if value is not None else expand_text(word, env)
        elif operator == ":+":
            value = expand_text(word, env) if value else ""
        elif operator == "+":
            value = expand_text(word, env) if value is not None else ""
        return value or "", end + 1
    match = _SIMPLE.match(text, position + 1)
    if not match:
        return "$", position + 1
    return env.get(match.group(0), ""), match.end()


def parse_key_values(text: str, env: dict[str, str], keyword: str) -> list[tuple[str, str]]:
    """ENV/LABEL/ARG pairs: 'A=1 B="two words"', or the legacy 'KEY the rest is the value'."""
    words = split_words(text, env)
    if not words:
        raise ContainerError(f"{keyword} requires arguments")
    if "=" not in words[0]:
        if keyword == "ARG":
            return [(words[0], None)]  # type: ignore[list-item]
        # Legacy form: everything after the key (whitespace kept, quotes processed) is the value.
        key, _, rest = text.strip().partition(" ")
        if not rest.strip() and keyword != "LABEL":
            raise ContainerError(f"{keyword} names {key} but gives it no value")
        return [(key, "".join(split_words(rest.strip(), env, split=False)))]
    pairs = []
    for word in words:
        key, equal, value = word.partition("=")
        if not equal or not key:
            raise ContainerError(f"{keyword}: expected KEY=VALUE, got {word!r}")
        pairs.append((key, value))
    return pairs


# --------------------------------------------------------------------------- .dockerignore


def parse_dockerignore(text: str) -> list[tuple[bool, re.Pattern]]:
    """Lines -> (excluded?, regex) in file order; the last matching line decides."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:].strip()
        line = _clean_path(line)
        if line in ("", "."):
            continue
        rules.append((not negate, re.compile(glob_to_regex(line))))
    return rules


def _clean_path(path: str) -> str:
    import posixpath

    return posixpath.normpath("/" + path).lstrip("/")


def glob_to_regex(pattern: str) -> str:
    """Go's filepath.Match (``*``, ``?``, ``[...]``, ``\\``) plus ``**`` for any number of directories."""
    out, position = ["^"], 0
    while position < len(pattern):
        char = pattern[position]
        if pattern.startswith("**", position):
            position += 2
            if pattern.startswith("/", position):
                position += 1
                out.append("(?:.*/)?")
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", position + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[position + 1:end]
                if body.startswith("^") or body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                position = end
        elif char == "\\" and position + 1 < len(pattern):
            position += 1
            out.append(re.escape(pattern[position]))
        else:
            out.append(re.escape(char))
        position += 1
    out.append("$")
    return "".join(out)


def is_ignored(relative_path: str, rules: list[tuple[bool, re.Pattern]]) -> bool:
    """Is ``relative_path`` (or a directory above it) excluded by the .dockerignore rules?"""
    parts = relative_path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for exclude, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            excluded = exclude
    return excluded
