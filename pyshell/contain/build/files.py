"""Where COPY and ADD read from and write to: the build context and images' layered file trees.

``ContextTree`` is the build directory minus what .dockerignore excludes;
``ImageTree`` is an image's file system as overlayfs would show it, read
straight from its layer directories (top layer first, whiteouts and opaque
directories honoured), so COPY --from needs no mount. Both answer the same
few questions: exists, is_dir, listdir, host_path, glob.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from pathlib import Path

from pyshell.contain.build.dockerfile import glob_to_regex, is_ignored, parse_dockerignore
from pyshell.contain.image.layers import is_opaque
from pyshell.contain.image.paths import follow_inside, resolve_in_scope
from pyshell.errors import ContainerError


def _norm(path: str) -> str:
    """'/a/./b/../c/' -> 'a/c' (relative to the tree's root, never above it)."""
    return posixpath.normpath("/" + path).lstrip("/")


class ContextTree:
    def __init__(self, root: Path, dockerignore_text: str = ""):
        self.root = root
        self.rules = parse_dockerignore(dockerignore_text)

    def host_path(self, relative: str) -> Path | None:
        """The entry itself (a link stays a link), its directories resolved inside the context."""
        found = resolve_in_scope(str(self.root), relative, follow_last=False, hidden=self._ignored)
        return None if found is None else self.root / found

    def resolve(self, relative: str) -> str | None:
        """What a COPY source names: every link followed inside the context; None if not there."""
        return resolve_in_scope(str(self.root), relative, hidden=self._ignored)

    def _ignored(self, relative: str) -> bool:
        return is_ignored(relative, self.rules)

    def exists(self, relative: str) -> bool:
        return self.host_path(relative) is not None

    def is_dir(self, relative: str) -> bool:
        path = self.host_path(relative)
        return path is not None and path.is_dir() and not path.is_symlink()

    def listdir(self, relative: str) -> list[str]:
        relative = _norm(relative)
        names = []
        for name in sorted(os.listdir(self.host_path(relative) or self.root / relative)):
            child = f"{relative}/{name}" if relative else name
            if not is_ignored(child, self.rules) or (self.is_dir_on_disk(child) and self._has_kept_below(child)):
                names.append(name)
        return names

    def is_dir_on_disk(self, relative: str) -> bool:
        path = self.root / relative
        return path.is_dir() and not path.is_symlink()

    def _has_kept_below(self, relative: str) -> bool:
        """An ignored directory still matters if a '!' rule re-includes something inside it."""
        if not any(not exclude for exclude, _ in self.rules):
            return False
        for directory, _, files in os.walk(self.root / relative):
            for name in files:
                child = os.path.relpath(os.path.join(directory, name), self.root)
                if not is_ignored(child, self.rules):
                    return True
        return False

    def lstat(self, relative: str):
        path = self.host_path(relative)
        if path is None:
            raise FileNotFoundError(relative)
        return os.lstat(path)


class ImageTree:
    """An image's merged file tree, read from its layer directories (lowest first)."""

    def __init__(self, layer_dirs):
        self.layers = list(reversed(list(layer_dirs)))  # top first

    def host_path(self, relative: str) -> Path | None:
        """The file in the topmost layer that shows ``relative`` (no symlink resolution)."""
        relative = _norm(relative)
        if not relative:
            return self.layers[0] if self.layers else None
        parts = relative.split("/")
        for layer in self.layers:
            hidden_below = False
            for depth in range(1, len(parts)):
                prefix = layer.joinpath(*parts[:depth])
                try:
                    info = os.lstat(prefix)
                except FileNotFoundError:
                    continue
                if not stat.S_ISDIR(info.st_mode):
                    return None  # a file or whiteout above: nothing under it below
                if is_opaque(prefix):
                    hidden_below = True
            candidate = layer / relative
            try:
                info = os.lstat(candidate)
            except FileNotFoundError:
                if hidden_below:
                    return None
                continue
            if stat.S_ISCHR(info.st_mode) and info.st_rdev == 0:
                return None  # whiteout
            return candidate
        return None

    def exists(self, relative: str) -> bool:
        """Is there an entry (a link counts) at ``relative``, its directories' links followed in the image?"""
        parent, _, name = _norm(relative).rpartition("/")
        return self.host_path(f"{self.resolve(parent)}/{name}" if parent else name) is not None

    def is_dir(self, relative: str) -> bool:
        path = self.host_path(relative)
        return path is not None and stat.S_ISDIR(os.lstat(path).st_mode)

    def listdir(self, relative: str) -> list[str]:
        relative = _norm(relative)
        seen: dict[str, bool] = {}  # name -> visible
        for layer in self.layers:
            directory = layer / relative
            try:
                info = os.lstat(directory)
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(info.st_mode):
                break
            for name in os.listdir(directory):
                if name not in seen:
                    entry = os.lstat(directory / name)
                    seen[name] = not (stat.S_ISCHR(entry.st_mode) and entry.st_rdev == 0)
            if is_opaque(directory):
                break
        return sorted(name for name, visible in seen.items() if visible)

    def lstat(self, relative: str):
        path = self.host_path(relative)
        if path is None:
            raise FileNotFoundError(relative)
        return os.lstat(path)

    def resolve(self, path: str) -> str:
        """Follow symlinks in ``path`` inside the image ('/bin/x' -> 'usr/bin/x' on merged-/usr Debian)."""

        def link_target(candidate: str, _last: bool) -> str | None:
            host = self.host_path(candidate)
            return os.readlink(host) if host is not None and os.path.islink(host) else None

        return follow_inside(path, link_target)

    def read_text(self, relative: str) -> str | None:
        path = self.host_path(self.resolve(relative))
        if path is None or not path.is_file():
            return None
        return path.read_text(errors="replace")


def glob_tree(tree, pattern: str) -> list[str]:
    """Sources matching ``pattern`` (Go filepath.Match per component), relative to the tree root."""
    pattern = _norm(pattern)
    if not any(char in pattern for char in "*?["):
        return [pattern] if tree.exists(pattern) or pattern == "" else []
    matches = [""]
    for component in pattern.split("/"):
        regex = re.compile(glob_to_regex(component))
        next_matches = []
        for base in matches:
            if not tree.is_dir(base) and base:
                continue
            if any(char in component for char in "*?["):
                next_matches += [f"{base}/{n}" if base else n for n in tree.listdir(base) if regex.match(n)]
            else:
                candidate = f"{base}/{component}" if base else component
                if tree.exists(candidate):
                    next_matches.append(candidate)
        matches = next_matches
    return sorted(matches)


def hash_sources(tree, sources: list[str]) -> str:
    """A checksum of the sources' names, types, modes and contents (not mtimes): the COPY cache key."""
    sha = hashlib.sha256()

    def visit(relative: str) -> None:
        path = tree.host_path(relative)
        info = os.lstat(path)
        sha.update(f"{relative}\0{stat.S_IFMT(info.st_mode)}\0{stat.S_IMODE(info.st_mode)}\0".encode())
        if stat.S_ISLNK(info.st_mode):
            sha.update(os.readlink(path).encode())
        elif stat.S_ISREG(info.st_mode):
            with open(path, "rb") as content:
                while chunk := content.read(1 << 20):
                    sha.update(chunk)
        elif stat.S_ISDIR(info.st_mode):
            for name in tree.listdir(relative):
                visit(f"{relative}/{name}" if relative else name)

    for source in sources:
        visit(source)
    return sha.hexdigest()


def lookup_ids(image_tree: ImageTree | None, owner: str) -> tuple[int, int]:
    """'--chown=user:group' -> (uid, gid), names looked up in the image's /etc/passwd and /etc/group."""
    user, _, group = owner.partition(":")

    def find(table: str, name: str) -> int:
        if name.isdigit():
            return int(name)
        text = image_tree.read_text(f"etc/{table}") if image_tree else None
        for line in (text or "").splitlines():
            fields = line.split(":")
            if len(fields) > 2 and fields[0] == name:
                return int(fields[2])
        raise ContainerError(f"unable to find {'user' if table == 'passwd' else 'group'} {name}")

    uid = find("passwd", user)
    if group:
        gid = find("group", group)
    elif user.isdigit():
        gid = uid  # Docker: a numeric user alone sets the group to the same number
    else:
        text = image_tree.read_text("etc/passwd") if image_tree else ""
        gid = next((int(f[3]) for f in (l.split(":") for l in (text or "").splitlines())
                    if len(f) > 3 and f[0] == user), uid)
    return uid, gid
