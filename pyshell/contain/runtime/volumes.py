"""Volumes: directories under PYSH_HOME/volumes/NAME/_data that outlive containers (Docker's layout).

A named volume (`-v data:/var/lib/x`) is made on first use and stays until `volume rm`. An
anonymous one (`-v /var/lib/x`, or an image's VOLUME) gets a random name; `run --rm` and
`rm -v` remove it with its container, a plain `rm` leaves it, as Docker does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pyshell.contain.spec import ANONYMOUS_VOLUME_PREFIX
from pyshell.errors import ContainerError
from pyshell.record import Record

NAME_PATTERN = r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"


class Volume(Record):
    name: str
    mountpoint: str              # the _data directory that is bind-mounted
    anonymous: bool


def volumes_dir(home: Path) -> Path:
    return home / "volumes"


def check_name(name: str) -> None:
    if not re.fullmatch(NAME_PATTERN, name):
        raise ContainerError(f"invalid volume name {name!r}: use [a-zA-Z0-9][a-zA-Z0-9_.-]* "
                             f"(or an absolute path for a bind mount)", 125)


def data_dir(home: Path, name: str) -> Path:
    """The volume's _data directory, made if it is new."""
    path = volumes_dir(home) / name / "_data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_anonymous_name() -> str:
    return f"{ANONYMOUS_VOLUME_PREFIX}{os.urandom(16).hex()}"


def is_anonymous(name: str) -> bool:
    return name.startswith(ANONYMOUS_VOLUME_PREFIX)


def all_volumes(home: Path) -> list[Volume]:
    root = volumes_dir(home)
    if not root.is_dir():
        return []
    return [Volume(entry.name, str(entry / "_data"), is_anonymous(entry.name))
            for entry in sorted(root.iterdir()) if (entry / "_data").is_dir()]


def remove(home: Path, name: str) -> None:
    """Delete a volume and its data (the caller checked that no container uses it)."""
    from pyshell.contain.runtime import teardown

    path = volumes_dir(home) / name
    if not (path / "_data").is_dir():
        raise ContainerError(f"no such volume: {name}")
    teardown.remove_tree(str(path))


def mount_from_text(home: Path, text: str):
    """Docker's -v: /host:/ctr[:ro|rw] (a bind mount), name:/ctr (a named volume), /ctr (anonymous)."""
    from pyshell.contain.spec import Mount

    parts = text.split(":")
    readonly = False
    if len(parts) == 3 and parts[-1] in ("ro", "rw"):
        readonly = parts.pop() == "ro"
    if len(parts) == 1:
        name = new_anonymous_name()
        return Mount("volume", str(data_dir(home, name)), parts[0], readonly, volume_name=name)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise ContainerError(f"invalid volume specification: {text!r} (use SRC:DST[:ro])", 125)
    source, target = parts
    if source.startswith("/") or source.startswith("."):
        path = os.path.abspath(source)
        if not os.path.exists(path):
            raise ContainerError(f"invalid mount: host path {source} does not exist", 125)
        return Mount("bind", path, target, readonly)
    check_name(source)
    return Mount("volume", str(data_dir(home, source)), target, readonly, volume_name=source)
