"""Record: the behaviour of ``@dataclass(frozen=True)``, written out in a few methods.

A subclass lists its fields as annotations, with defaults where they have one::

    class Mount(Record):
        kind: str
        target: str
        readonly: bool = False

Records are built positionally or by keyword, are immutable, compare and hash by their
fields, print as ``Mount(kind='bind', ...)``, and have ``replace(**changes)`` and
``as_dict()`` (like dataclasses.replace and asdict).

Why not @dataclass: ``import dataclasses`` pulls in ``inspect`` (with ast, dis, tokenize…)
and each class costs ~0.8 ms of generated code: together ~30 ms of every start of pysh
that touches them (measured on Python 3.11), against the ~45 ms the whole shell takes.
"""

from __future__ import annotations


class Record:
    _fields: tuple[str, ...] = ()
    _defaults: dict[str, object] = {}

    def __init_subclass__(cls) -> None:
        own = tuple(cls.__dict__.get("__annotations__", ()))
        inherited = tuple(name for name in cls._fields if name not in own)
        cls._fields = inherited + own
        cls._defaults = {**cls._defaults,
                         **{name: cls.__dict__[name] for name in own if name in cls.__dict__}}
        cls.__match_args__ = cls._fields

    def __init__(self, *values, **named):
        fields = self._fields
        if len(values) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} values")
        state = dict(zip(fields, values))
        for name, value in named.items():
            if name not in fields or name in state:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated field {name!r}")
            state[name] = value
        for name in fields:
            if name not in state:
                if name not in self._defaults:
                    raise TypeError(f"{type(self).__name__}: missing field {name!r}")
                state[name] = self._defaults[name]
        self.__dict__.update(state)  # bypasses __setattr__, which refuses changes

    def values(self) -> tuple:
        return tuple(self.__dict__[name] for name in self._fields)

    def replace(self, **changes):
        """A copy with some fields changed."""
        state = dict(zip(self._fields, self.values()))
        state.update(changes)
        return type(self)(**state)

    def as_dict(self) -> dict:
        """The fields as a dict, records inside turned into dicts too (for JSON)."""
        return {name: _plain(value) for name, value in zip(self._fields, self.values())}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.values() == self.values()

    def __hash__(self) -> int:
        return hash((type(self), self.values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self.values()))
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable: use replace()")

    __delattr__ = __setattr__


def _plain(value):
    if isinstance(value, Record):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
