"""Shell patterns: ``* ? [...]`` matching (case, ${x#pat}) and pathname expansion.

A pattern here is a string in which a backslash quotes the next character: the
expansion stage escapes every character that was quoted in the source, so ``'*'x*``
arrives as ``\\*x*`` and only the second star is special.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

_CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "xdigit": "0-9A-Fa-f", "cntrl": r"\x00-\x1f\x7f", "print": r"\x20-\x7e", "graph": r"\x21-\x7e",
    "word": r"\w",
}


def has_magic(pattern: str) -> bool:
    """True if ``pattern`` has an unquoted ``*``, ``?`` or ``[`` (a ``[`` needs a ``]`` after it:
    the test command ``[`` is no pattern)."""
    escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "*?" or (char == "[" and "]" in pattern[index + 1:]):
            return True
    return False


def unescape(pattern: str) -> str:
    """The literal text a pattern stands for when it matches nothing."""
    return re.sub(r"\\(.)", r"\1", pattern, flags=re.DOTALL) if "\\" in pattern else pattern


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern:
    return re.compile(_translate(pattern), re.DOTALL)


def matches(pattern: str, text: str) -> bool:
    """Does the whole of ``text`` match the shell ``pattern``?"""
    return compile_pattern(pattern).fullmatch(text) is not None


def _translate(pattern: str) -> str:
    out = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        i += 1
        if char == "\\" and i < n:
            out.append(re.escape(pattern[i]))
            i += 1
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            bracket, i = _bracket(pattern, i)
            out.append(bracket)
        else:
            out.append(re.escape(char))
    return "".join(out)


def _bracket(pattern: str, i: int) -> tuple[str, int]:
    """Translate a bracket expression starting after '['; an unclosed one is a literal '['."""
    start = i
    n = len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    items = []
    first = True
    while i < n:
        char = pattern[i]
        if char == "]" and not first:
            body = "".join(items)
            return ("[^" if negate else "[") + body + "]", i + 1
        first = False
        if char == "[" and pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            name = pattern[i + 2:end] if end > 0 else None
            if name in _CLASSES:
                items.append(_CLASSES[name])
                i = end + 2
                continue
        if char == "\\" and i + 1 < n:
            i += 1
            char = pattern[i]
        if i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            low, high = char, pattern[i + 2]
            if high == "\\" and i + 3 < n:
                high = pattern[i + 3]
                i += 1
            items.append(re.escape(low) + "-" + re.escape(high) if low <= high else "")
            i += 3
            continue
        items.append(re.escape(char))
        i += 1
    return re.escape("["), start


def strip_affix(value: str, pattern: str, op: str) -> str:
    """``${x#p}`` ``${x##p}`` (prefix) and ``${x%p}`` ``${x%%p}`` (suffix) removal."""
    compiled = compile_pattern(pattern)
    n = len(value)
    if op == "#":
        cuts = range(0, n + 1)
    elif op == "##":
        cuts = range(n, -1, -1)
    elif op == "%":
        cuts = range(n, -1, -1)
    else:  # %%
        cuts = range(0, n + 1)
    for cut in cuts:
        if op in ("#", "##"):
            if compiled.fullmatch(value, 0, cut):
                return value[cut:]
        elif compiled.fullmatch(value, cut):
            return value[:cut]
    return value


# ---------------------------------------------------------------- pathname expansion


def expand_path(pattern: str) -> list[str]:
    """Pathnames matching ``pattern``, sorted; an empty list when nothing matches.

    Each ``/``-separated component is matched against directory entries on its own; a
    leading dot must be matched explicitly, and ``*/`` matches directories only.
    """
    components = pattern.split("/")
    prefixes = ["/"] if pattern.startswith("/") else [""]
    if pattern.startswith("/"):
        components = components[1:]
    last = len(components) - 1
    for index, component in enumerate(components):
        is_last = index == last
        if component == "":  # '//' or a trailing '/'
            prefixes = [p + "/" if not p.endswith("/") else p for p in prefixes
                        if is_last is False or os.path.isdir(p or ".")]
            continue
        separator = "" if is_last else "/"
        found = []
        if has_magic(component):
            compiled = compile_pattern(component)
            dot_ok = component.startswith(".") or component.startswith("\\.")
            for prefix in prefixes:
                try:
                    names = os.listdir(prefix or ".")
                except OSError:
                    continue
                for name in names:
                    if (dot_ok or name[0] != ".") and compiled.fullmatch(name):
                        found.append(prefix + name + separator)
        else:
            literal = unescape(component)
            for prefix in prefixes:
                candidate = prefix + literal
                if os.path.lexists(candidate):
                    found.append(candidate + separator)
        prefixes = found
        if not prefixes:
            return []
    return sorted(prefixes)
