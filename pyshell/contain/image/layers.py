"""Layers: tar changesets (OCI `layer.md`) <-> directories that overlayfs can stack.

An image layer is a tar of the files one step added or changed. Deleting is
written as a *whiteout*: an empty file ``dir/.wh.NAME`` means "NAME from the
layers below is gone", and ``dir/.wh..wh..opq`` means "hide everything the
lower layers had in dir" (an opaque directory).

overlayfs speaks a different dialect of the same idea:

    OCI layer tar                 overlayfs lower/upper dir
    ---------------------------   -------------------------------------------
    dir/.wh.NAME (empty file)     dir/NAME as a character device 0/0
    dir/.wh..wh..opq              xattr trusted.overlay.opaque="y" on dir
                                  (user.overlay.opaque when rootless)

``extract_layer`` turns a tar into a directory in overlay form (used as a
lowerdir); ``write_layer_tar`` does the reverse for a container's upper dir
(``commit``) or any directory (``build``'s COPY). Both keep the file owner,
mode, mtime and extended attributes.

Tar files come from strangers (registries, archives): a member named
``../../etc/passwd`` or one written through a symlink ``etc -> /etc`` must
not touch the host. ``secure_join`` resolves every path as if the layer
directory were ``/``, like runc's securejoin.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import tarfile
from pathlib import Path
from typing import BinaryIO, Iterable

from pyshell.contain.image.paths import follow_inside
from pyshell.errors import ContainerError

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
_CHUNK = 1 << 20


def opaque_xattr_name() -> str:
    """trusted.* xattrs need CAP_SYS_ADMIN; rootless overlay (mount option userxattr) reads user.*."""
    return "trusted.overlay.opaque" if os.geteuid() == 0 else "user.overlay.opaque"


def secure_join(root: Path, relative: str) -> Path:
    """``root/relative`` with every symlink on the way resolved *inside* root.

    An absolute link target restarts from root, ``..`` never climbs above it:
    whatever the tar contains, the path we return is under root.
    """

    def link_target(candidate: str, _last: bool) -> str | None:
        path = root / candidate
        return os.readlink(path) if path.is_symlink() else None

    return root / follow_inside(relative, link_target)


def clean_member_name(name: str) -> str:
    """'./usr//bin/' -> 'usr/bin'; '' for the root entry. '..' parts are refused."""
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ContainerError(f"layer member escapes the layer: {name}")
    return "/".join(parts)


# --------------------------------------------------------------------------- reading


def extract_layer(tar_path: Path, root: Path, lower_roots: Iterable[Path] = ()) -> None:
    """Unpack one layer tar into ``root`` (an empty directory), whiteouts in overlay form.

    ``lower_roots`` (lowest first) serve only for hard links whose target lives in a
    lower layer: the file is copied, since a link cannot cross layer directories.
    """
    as_root = os.geteuid() == 0
    parents = _Parents(root)
    directories: list[tuple[str, tarfile.TarInfo]] = []
    with tarfile.open(tar_path, "r:*") as archive:
        for member in archive:
            relative = clean_member_name(member.name)
            if not relative:
                continue  # the "./" entry: root's own attributes are ours to choose
            parent_relative, _, name = relative.rpartition("/")
            parent = parents.directory(parent_relative)
            if name == OPAQUE_MARKER:
                os.setxattr(parent, opaque_xattr_name(), b"y")
                continue
            if name.startswith(WHITEOUT_PREFIX):
                parents.forget_below(relative)
                _make_whiteout(os.path.join(parent, name[len(WHITEOUT_PREFIX):]))
                continue
            target = os.path.join(parent, name)
            if _remove_unless_directory(target, keep_directory=member.isdir()):
                parents.forget_below(relative)
            if member.isdir():
                if not os.path.isdir(target):
                    os.mkdir(target, 0o755)
                directories.append((target, member))
                continue
            if member.isreg():
                _write_regular(archive, member, target)
            elif member.issym():
                os.symlink(member.linkname, target)
            elif member.islnk():
                _make_hardlink(root, member.linkname, target, lower_roots)
                continue  # the link shares its target's inode and attributes
            elif member.ischr() or member.isblk():
                kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK
                try:
                    os.mknod(target, kind | 0o600, os.makedev(member.devmajor, member.devminor))
                except PermissionError:
                    continue  # rootless: no device nodes (the runtime gives /dev anyway)
            elif member.isfifo():
                os.mkfifo(target)
            else:
                continue  # unknown types (e.g. GNU sparse bookkeeping) carry no file
            _set_attributes(target, member, as_root)
    # Directories last, deepest first: their mtime would change as we filled them,
    # and a read-only mode would have stopped us writing into them.
    for target, member in reversed(directories):
        _set_attributes(target, member, as_root)


class _Parents:
    """Where each directory of the tar really is on disk, resolved once (securely) and remembered.

    A layer has thousands of members in a few hundred directories: resolving each
    member's parent from the root again would cost depth x members lookups.
    """

    def __init__(self, root: Path):
        self.root = str(root)
        self.known: dict[str, str] = {"": self.root}

    def directory(self, relative: str) -> str:
        known = self.known.get(relative)
        if known is not None:
            return known
        above, _, name = relative.rpartition("/")
        candidate = os.path.join(self.directory(above), name)
        if os.path.islink(candidate):
            # Follow it inside root only; it may point several levels down, to nothing yet.
            candidate = str(secure_join(Path(self.root), os.path.relpath(candidate, self.root)))
            if not os.path.isdir(candidate):
                _remove_unless_directory(candidate, keep_directory=True)
                os.makedirs(candidate, 0o755, exist_ok=True)
        elif not os.path.isdir(candidate):
            _remove_unless_directory(candidate, keep_directory=True)
            os.mkdir(candidate, 0o755)  # the tar omitted this directory's own entry
        self.known[relative] = candidate
        return candidate

    def forget_below(self, relative: str) -> None:
        """A directory or link was replaced: what we knew under it may be wrong now."""
        self.known = {k: v for k, v in self.known.items()
                      if k != relative and not k.startswith(relative + "/")}


def _make_whiteout(path) -> None:
    _remove_unless_directory(path, keep_directory=False)
    os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))


def _remove_unless_directory(path, keep_directory: bool) -> bool:
    """A later entry replaces an earlier one of the same name (tar semantics). True if removed."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(mode):
        if keep_directory:
            return False
        shutil.rmtree(path)
    else:
        os.unlink(path)
    return True


def _write_regular(archive: tarfile.TarFile, member: tarfile.TarInfo, target: str) -> None:
    source = archive.extractfile(member)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _make_hardlink(root: Path, linkname: str, target: str, lower_roots: Iterable[Path]) -> None:
    relative = clean_member_name(linkname)
    source = secure_join(root, relative)
    if os.path.lexists(source):
        os.link(source, target, follow_symlinks=False)
        return
    for lower in reversed(list(lower_roots)):
        candidate = secure_join(lower, relative)
        if os.path.lexists(candidate):
            shutil.copy2(candidate, target, follow_symlinks=False)
            return
    raise ContainerError(f"layer hard link {os.path.basename(target)} -> {linkname}: target not found")


def _set_attributes(target: str, member: tarfile.TarInfo, as_root: bool) -> None:
    if as_root:
        os.lchown(target, member.uid, member.gid)
    if not member.issym():
        os.chmod(target, member.mode & 0o7777)  # after chown, which clears setuid bits
    for key, value in member.pax_headers.items():
        if key.startswith("SCHILY.xattr."):
            try:
                os.setxattr(target, key[len("SCHILY.xattr."):],
                            value.encode("utf-8", "surrogateescape"), follow_symlinks=False)
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EACCES):
                    raise
    os.utime(target, (member.mtime, member.mtime), follow_symlinks=False)


# --------------------------------------------------------------------------- writing


def write_layer_tar(source_dir: Path, out: BinaryIO) -> None:
    """Write ``source_dir`` (an overlay upper dir, or any tree) to ``out`` as an OCI layer tar.

    Entries are sorted and owner names left out, so the same tree gives the same bytes.
    """
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        _add_tree(archive, source_dir, "")


def _add_tree(archive: tarfile.TarFile, directory: Path, prefix: str) -> None:
    for name in sorted(os.listdir(directory)):
        path = directory / name
        arcname = f"{prefix}{name}"
        info = os.lstat(path)
        if stat.S_ISCHR(info.st_mode) and info.st_rdev == 0:
            archive.addfile(_empty_file(f"{prefix}{WHITEOUT_PREFIX}{name}", info.st_mtime))
            continue
        member = archive.gettarinfo(str(path), arcname)  # tracks inodes: 2nd name -> hard link
        member.uname = member.gname = ""
        member.pax_headers = _xattr_headers(path)
        if stat.S_ISREG(info.st_mode) and member.isreg():
            with open(path, "rb") as content:
                archive.addfile(member, content)
        else:
            archive.addfile(member)
        if stat.S_ISDIR(info.st_mode):
            if is_opaque(path):
                archive.addfile(_empty_file(f"{arcname}/{OPAQUE_MARKER}", info.st_mtime))
            _add_tree(archive, path, f"{arcname}/")


def _xattr_headers(path: Path) -> dict[str, str]:
    """Extended attributes as PAX ``SCHILY.xattr.NAME`` records (GNU tar's and Docker's way).

    Binary values (``security.capability`` is a struct) go through surrogateescape: tarfile then
    writes them byte for byte under ``hdrcharset=BINARY``. overlayfs's own bookkeeping
    (``*.overlay.*``) is not file content and stays out.
    """
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}  # a file system without xattrs
    headers = {}
    for name in sorted(names):
        if ".overlay." in name:
            continue
        try:
            value = os.getxattr(path, name, follow_symlinks=False)
        except OSError:
            continue
        headers[f"SCHILY.xattr.{name}"] = value.decode("utf-8", "surrogateescape")
    return headers


def is_opaque(path: Path) -> bool:
    for name in ("trusted.overlay.opaque", "user.overlay.opaque"):
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            pass
    return False


def _empty_file(name: str, mtime: float) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.mode = 0o644
    member.mtime = int(mtime)
    return member


# --------------------------------------------------------------------------- digests


class HashingWriter:
    """A write-only file that hashes (and counts) what passes through it."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()

    @property
    def digest(self) -> str:
        return "sha256:" + self.sha256.hexdigest()


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            sha.update(chunk)
    return "sha256:" + sha.hexdigest()
