"""bash's arrays and variable attributes, as values the Shell keeps in ``shell.vars``.

A variable's value is a ``str`` (a scalar), an ``IndexedArray`` (``a=(x y)``, sparse: any
non-negative index may be set) or an ``AssocArray`` (``declare -A m``). Both are dicts;
what they add is the order bash lists their elements in. The attributes that change
what an assignment stores (``declare -i -l -u -n``) are letters in ``shell.attrs``;
readonly and export have their own sets in the Shell.

Also here: ``declare -p`` text (which reads back as the same variable), and bash's
``$RANDOM`` generator, so that ``RANDOM=42`` gives the same numbers as in bash.
"""

from __future__ import annotations

from pyshell.errors import PyshError


class IndexedArray(dict):
    """index (int ≥ 0) -> value; listed in index order."""

    __slots__ = ()
    kind = "a"

    def ordered_keys(self) -> list:
        return sorted(self)

    def values_in_order(self) -> list[str]:
        return [self[key] for key in sorted(self)]

    def next_index(self) -> int:
        return max(self) + 1 if self else 0

    def copy(self) -> IndexedArray:
        return IndexedArray(self)


class AssocArray(dict):
    """key (str) -> value; listed in the order of bash's hash table (1024 buckets of
    FNV-1 hashes, the newest key first in a bucket), so ``${!m[@]}`` prints as bash's."""

    __slots__ = ()
    kind = "A"

    def ordered_keys(self) -> list:
        position = {key: number for number, key in enumerate(self)}
        return sorted(self, key=lambda key: (_bucket(key), -position[key]))

    def values_in_order(self) -> list[str]:
        return [self[key] for key in self.ordered_keys()]

    def copy(self) -> AssocArray:
        return AssocArray(self)


def _bucket(key: str) -> int:
    value = 2166136261
    for byte in key.encode("utf-8", "surrogateescape"):
        value = (value * 16777619) & 0xFFFFFFFF
        value ^= byte
    return value & 1023


class ArrayArgument(str):
    """``name=( … )`` given to declare/local/readonly/export: the text ``name=(...)``, and
    in ``items`` the values already expanded (see execute.array_items)."""

    items: list


def is_array(value) -> bool:
    return value is not None and value.__class__ is not str


def scalar_of(value) -> str | None:
    """What ``$a`` means for an array: its element 0 (key "0" for an associative one)."""
    if value.__class__ is IndexedArray:
        return value.get(0)
    return value.get("0")


# ---------------------------------------------------------------- subscripts


def split_subscript(text: str) -> tuple[str, str | None]:
    """``a[1+2]`` -> ("a", "1+2"); ``a`` -> ("a", None)."""
    if text.endswith("]") and "[" in text:
        name, _, rest = text.partition("[")
        return name, rest[:-1]
    return text, None


def valid_name(name: str) -> bool:
    return name.isidentifier() and name.isascii()


def valid_reference(text: str) -> bool:
    """A name or ``name[subscript]``, as ``unset``, ``read`` or ``printf -v`` take."""
    name, subscript = split_subscript(text)
    return valid_name(name) and subscript != ""


def index_of(array: IndexedArray, number: int, name: str) -> int:
    """An arithmetic subscript as a key: negative ones count back from the end."""
    if number < 0:
        number += array.next_index()
        if number < 0:
            raise PyshError(f"{name}: bad array subscript")
    return number


# ---------------------------------------------------------------- declare -p


def quote_value(value: str) -> str:
    """``"value"`` with \\ " $ ` escaped: how declare -p writes a value."""
    return '"' + "".join("\\" + c if c in '\\"$`' else c for c in value) + '"'


def _quote_key(key: str) -> str:
    if key and all(c.isalnum() or c in "_-./:@%+" for c in key):
        return key
    return quote_value(key)


def array_text(value) -> str:
    """``([0]="x" [2]="y")``: the body of ``declare -p`` for an array."""
    if value.__class__ is IndexedArray:
        return "(" + " ".join(f"[{key}]={quote_value(value[key])}" for key in sorted(value)) + ")"
    items = "".join(f"[{_quote_key(key)}]={quote_value(value[key])} " for key in value.ordered_keys())
    return "(" + items + ")"


def declare_line(shell, name: str) -> str:
    """The ``declare -p`` line of one variable, reusable as input."""
    value = shell.vars.get(name)
    if name in shell.namerefs:   # a nameref's value is the name it refers to
        value = shell.namerefs[name] or None
    flags = ""
    if value is not None and value.__class__ is not str:
        flags += value.kind
    letters = shell.attrs.get(name, "")
    for letter in "ilnu":
        if letter in letters:
            flags += letter
    if name in shell.readonly:
        flags += "r"
    if name in shell.exported:
        flags += "x"
    head = f"declare -{flags or '-'} {name}"
    if value is None or (value.__class__ is not str and not value):
        return head   # declared, no value yet (bash: `declare -a x` with no elements)
    if value.__class__ is str:
        return f"{head}={quote_value(value)}"
    return f"{head}={array_text(value)}"


# ---------------------------------------------------------------- $RANDOM


class BashRandom:
    """bash's generator (variables.c, 5.1 and later): Park–Miller, folded to 15 bits,
    never the same number twice in a row. Seeding with ``RANDOM=n`` repeats bash's
    sequence exactly."""

    def __init__(self, seed: int):
        self.state = seed & 0xFFFFFFFF
        self.last = 0

    def seed(self, seed: int) -> None:
        self.state = seed & 0xFFFFFFFF
        self.last = 0

    def _next(self) -> int:
        last = self.state
        if last == 0:
            last = 123459876
        high, low = divmod(last, 127773)
        value = 16807 * low - 2836 * high
        if value < 0:
            value += 0x7FFFFFFF
        self.state = value
        return ((value >> 16) ^ (value & 0xFFFF)) & 32767

    def next(self) -> int:
        value = self._next()
        while value == self.last:
            value = self._next()
        self.last = value
        return value
