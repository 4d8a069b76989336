"""OCI image archives: ``contain save`` and ``contain load``.

``save`` writes one tar that two kinds of readers understand, as Docker >= 25 does:

    oci-layout                 {"imageLayoutVersion": "1.0.0"}
    index.json                 OCI index: one manifest descriptor per tag
    blobs/sha256/<hex>         manifests, configs, layers (uncompressed tars)
    manifest.json              docker-save: [{"Config": "blobs/...", "RepoTags": [...], "Layers": [...]}]
    repositories               docker-save: {"busybox": {"latest": "<hex>"}}

``load`` reads either the OCI layout (index.json, preferred) or the docker-save
``manifest.json`` alone (older Docker, podman's docker-archive), from a tar or
from a directory. Every blob is checked against its digest, and every layer's
uncompressed bytes against the config's diff_ids, before the image is recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from pyshell.contain.image.store import Image, ImageStore, canonical_json, digest_of, parse_reference
from pyshell.errors import ContainerError

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
INDEX_TYPES = (OCI_INDEX, DOCKER_MANIFEST_LIST)
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"


# --------------------------------------------------------------------------- verified reading


class VerifyingReader(io.RawIOBase):
    """Wraps a stream; at EOF, raises ContainerError if the bytes don't hash to ``digest``."""

    def __init__(self, stream: BinaryIO, digest: str, what: str, on_read: Callable[[int], None] | None = None):
        self.stream, self.expected, self.what = stream, digest, what
        self.sha256 = hashlib.sha256()
        self.on_read = on_read
        self.verified = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        if not data:
            return 0
        self.sha256.update(data)
        if self.on_read:
            self.on_read(len(data))
        buffer[:len(data)] = data
        return len(data)

    def check(self) -> None:
        """Call at the end: raises unless every byte read so far hashes to the expected digest."""
        if not self.verified:
            actual = "sha256:" + self.sha256.hexdigest()
            if actual != self.expected:
                raise ContainerError(f"{self.what}: digest mismatch: expected {self.expected}, got {actual}")
            self.verified = True


def install_image(store: ImageStore, config_bytes: bytes, config_digest: str | None,
                  open_layer: Callable[[int], BinaryIO], refs: list[str], extra_refs=()) -> Image:
    """Store an image from its config bytes and its layer streams (in order), verifying digests.

    ``open_layer(i)`` returns layer i's blob as a stream that verifies its own blob digest
    (compressed or not); here we check the uncompressed bytes against diff_ids.
    """
    if config_digest and digest_of(config_bytes) != config_digest:
        raise ContainerError(f"image config: digest mismatch: expected {config_digest}, "
                             f"got {digest_of(config_bytes)}")
    try:
        config = json.loads(config_bytes)
        diff_ids = list(config["rootfs"]["diff_ids"])
    except (ValueError, KeyError, TypeError):
        raise ContainerError("image config is not an OCI image config (no rootfs.diff_ids)") from None
    if config.get("os", "linux") != "linux":
        raise ContainerError(f"image is for {config.get('os')}, not linux")
    lower: list[Path] = []
    for position, diff_id in enumerate(diff_ids):
        if not store.claim_layer(diff_id):
            stream = open_layer(position)
            buffered = stream if hasattr(stream, "peek") else io.BufferedReader(stream, 1 << 20)
            try:
                store.add_layer_from_tar(buffered, lower, expected_diff_id=diff_id)
                while buffered.read(1 << 20):
                    pass  # the blob digest covers every byte, even after the tar's end
                if hasattr(stream, "check"):
                    stream.check()
            except (ContainerError, OSError, EOFError, zlib.error) as error:
                # A corrupted blob usually shows first as a broken gzip or tar stream:
                # read the rest and report the digest mismatch, the real cause, if it is one.
                if hasattr(stream, "check"):
                    with contextlib.suppress(Exception):
                        while stream.read(1 << 20):
                            pass
                    stream.check()
                if isinstance(error, ContainerError):
                    raise
                raise ContainerError(f"layer {diff_id[:19]}: {error}") from None
            finally:
                buffered.close()
        lower.append(store.layer_dir(diff_id))
    return store.add_image_bytes(config_bytes, None, None, False,
                                 [parse_reference(r).familiar for r in refs] + list(extra_refs))


# --------------------------------------------------------------------------- archives


class Archive:
    """A tar file or a directory, read by member name."""

    def __init__(self, path: Path):
        self.path = path
        self.tar = None if path.is_dir() else tarfile.open(path, "r:*")

    def exists(self, name: str) -> bool:
        if self.tar is None:
            return (self.path / name).is_file()
        try:
            self.tar.getmember(name)
            return True
        except KeyError:
            try:
                self.tar.getmember(f"./{name}")
                return True
            except KeyError:
                return False

    def open(self, name: str) -> BinaryIO:
        """A member named by the archive's own manifest: whatever the name (absolute, '..', a
        link to a host file), it is looked for inside the archive only."""
        if ".." in Path(name).parts:
            raise ContainerError(f"archive member escapes the archive: {name}")
        if self.tar is None:
            from pyshell.contain.image.paths import resolve_in_scope

            found = resolve_in_scope(str(self.path), name)
            if found is None or not (self.path / found).is_file():
                raise ContainerError(f"archive has no {name}")
            return open(self.path / found, "rb")
        for candidate in (name.lstrip("/"), f"./{name.lstrip('/')}"):
            try:
                member = self.tar.getmember(candidate)
            except KeyError:
                continue
            for _ in range(40):  # docker save links identical layers; a loop of links ends here
                if not (member.islnk() or member.issym()):
                    return self.tar.extractfile(member)
                target = os.path.normpath(os.path.join(os.path.dirname(member.name), member.linkname)) \
                    if member.issym() else member.linkname
                try:
                    member = self.tar.getmember(target.lstrip("/"))
                except KeyError:
                    raise ContainerError(f"archive member {name} links to {member.linkname}, "
                                         "which the archive lacks") from None
            raise ContainerError(f"archive member {name}: too many levels of links")
        raise ContainerError(f"archive has no {name}")

    def read(self, name: str) -> bytes:
        with self.open(name) as member:
            return member.read()

    def read_json(self, name: str):
        try:
            return json.loads(self.read(name))
        except ValueError:
            raise ContainerError(f"archive: {name} is not JSON") from None

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()


def blob_name(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    if algorithm != "sha256" or len(hexpart) != 64:
        raise ContainerError(f"unsupported digest {digest}")
    return f"blobs/sha256/{hexpart}"


def load_archive(store: ImageStore, path: Path, shown_as: str = "") -> list[tuple[Image, list[str]]]:
    """Load every image of an OCI layout or docker-save archive. Returns (image, tags) pairs.

    ``shown_as`` names the archive in errors (``standard input`` for a spooled copy)."""
    try:
        archive = Archive(path)
    except (tarfile.TarError, OSError) as error:
        reason = (str(error).splitlines() or ["?"])[0].rstrip(":")
        raise ContainerError(f"cannot read {shown_as or path}: not a tar archive ({reason})") from None
    try:
        if archive.exists("index.json"):
            return list(_load_oci(store, archive))
        if archive.exists("manifest.json"):
            return list(_load_docker(store, archive))
        raise ContainerError("not an image archive: no index.json (OCI) nor manifest.json (docker save)")
    except tarfile.TarError as error:
        raise ContainerError(f"bad archive: {error}") from None
    finally:
        archive.close()


def _load_oci(store: ImageStore, archive: Archive) -> Iterator[tuple[Image, list[str]]]:
    legacy_tags: dict[str, list[str]] = {}
    if archive.exists("manifest.json"):  # docker's combined format names its images here
        for entry in archive.read_json("manifest.json"):
            legacy_tags.setdefault(os.path.basename(entry.get("Config", "")), []).extend(entry.get("RepoTags") or [])
    for descriptor in _manifests(archive, archive.read_json("index.json")):
        manifest_bytes = archive.read(blob_name(descriptor["digest"]))
        if digest_of(manifest_bytes) != descriptor["digest"]:
            raise ContainerError(f"manifest {descriptor['digest']}: digest mismatch")
        manifest = json.loads(manifest_bytes)
        config_digest = manifest["config"]["digest"]
        layer_descriptors = manifest["layers"]
        annotations = descriptor.get("annotations") or {}
        tags = list(legacy_tags.get(config_digest.split(":")[1], []))
        name = annotations.get(CONTAINERD_NAME) or annotations.get(REF_NAME)
        if name and not tags and _is_full_reference(name):
            tags.append(name)
        tags = [parse_reference(tag).familiar for tag in tags]

        def open_layer(position, layer_descriptors=layer_descriptors):
            layer = layer_descriptors[position]
            return VerifyingReader(archive.open(blob_name(layer["digest"])), layer["digest"],
                                   f"layer {layer['digest'][:19]}")

        image = install_image(store, archive.read(blob_name(config_digest)), config_digest, open_layer, tags)
        yield image, tags


def _is_full_reference(name: str) -> bool:
    try:
        parse_reference(name)
    except ContainerError:
        return False
    return ":" in name.rsplit("/", 1)[-1] or "@" in name


def _manifests(archive: Archive, index: dict) -> Iterator[dict]:
    """Image manifest descriptors of an index, nested indexes followed, linux/amd64 only."""
    for descriptor in index.get("manifests", []):
        platform = descriptor.get("platform")
        if platform and (platform.get("os"), platform.get("architecture")) != ("linux", "amd64"):
            continue
        if descriptor.get("mediaType") in INDEX_TYPES:
            nested = archive.read(blob_name(descriptor["digest"]))
            if digest_of(nested) != descriptor["digest"]:
                raise ContainerError(f"index {descriptor['digest']}: digest mismatch")
            for inner in _manifests(archive, json.loads(nested)):
                inner = dict(inner)
                inner.setdefault("annotations", descriptor.get("annotations") or {})
                yield inner
        else:
            yield descriptor


def _load_docker(store: ImageStore, archive: Archive) -> Iterator[tuple[Image, list[str]]]:
    for entry in archive.read_json("manifest.json"):
        config_name = entry["Config"]
        config_bytes = archive.read(config_name)
        stem = os.path.basename(config_name).removesuffix(".json")
        config_digest = f"sha256:{stem}" if len(stem) == 64 else None
        layer_names = entry["Layers"]

        def open_layer(position, layer_names=layer_names):
            return archive.open(layer_names[position])  # checked against diff_ids in install_image

        tags = list(entry.get("RepoTags") or [])
        tags = [parse_reference(tag).familiar for tag in tags]
        yield install_image(store, config_bytes, config_digest, open_layer, tags), tags


# --------------------------------------------------------------------------- saving


def image_manifest(store: ImageStore, image: Image) -> tuple[bytes, list[dict]]:
    """An OCI manifest with uncompressed layers (digest = diff_id) for ``image``."""
    config_bytes = store.config_path(image.id).read_bytes()
    layer_descriptors = [{"mediaType": OCI_LAYER, "digest": diff_id,
                          "size": store.layer_tar(diff_id).stat().st_size} for diff_id in image.diff_ids]
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": image.id, "size": len(config_bytes)},
        "layers": layer_descriptors,
    }
    return canonical_json(manifest), layer_descriptors


def save_archive(store: ImageStore, refs: list[str], out: BinaryIO) -> None:
    """Write the images named by ``refs`` to ``out`` as one OCI layout + docker-save tar."""
    index_entries, legacy_entries, repositories = [], [], {}
    written: set[str] = set()
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        for ref in refs:
            image = store.resolve(ref)
            manifest_bytes, layer_descriptors = image_manifest(store, image)
            manifest_digest = digest_of(manifest_bytes)
            for layer in layer_descriptors:
                if layer["digest"] not in written:
                    written.add(layer["digest"])
                    tar.add(store.layer_tar(layer["digest"]), blob_name(layer["digest"]), filter=_anonymous)
            for digest, data in ((image.id, store.config_path(image.id).read_bytes()),
                                 (manifest_digest, manifest_bytes)):
                if digest not in written:
                    written.add(digest)
                    _add_bytes(tar, blob_name(digest), data)
            tags = _tags_for(ref, image)
            descriptor = {"mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": len(manifest_bytes)}
            for tag in tags or [None]:
                annotated = dict(descriptor)
                if tag:
                    parsed = parse_reference(tag)
                    annotated["annotations"] = {CONTAINERD_NAME: f"{parsed.registry}/{parsed.repository}:{parsed.tag}",
                                                REF_NAME: parsed.tag}
                index_entries.append(annotated)
            legacy_entries.append({"Config": blob_name(image.id), "RepoTags": tags,
                                   "Layers": [blob_name(d) for d in image.diff_ids]})
            for tag in tags:
                name, _, tag_name = tag.rpartition(":")
                repositories.setdefault(name, {})[tag_name] = image.id.split(":")[1]
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index_entries}
        _add_bytes(tar, "index.json", canonical_json(index))
        _add_bytes(tar, "manifest.json", canonical_json(legacy_entries))
        _add_bytes(tar, "repositories", canonical_json(repositories))


def _tags_for(ref: str, image: Image) -> list[str]:
    """Saving by name keeps that name; saving by id keeps none (as docker save does)."""
    try:
        familiar = parse_reference(ref).familiar
    except ContainerError:
        return []
    return [familiar] if familiar in image.repo_tags else []


def _anonymous(member: tarfile.TarInfo) -> tarfile.TarInfo:
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    member.mode = 0o644
    return member


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    member.mode = 0o644
    tar.addfile(member, io.BytesIO(data))


def spool_stdin(directory: Path) -> Path:
    """`load` from a pipe: tar needs to seek, so copy the stream to a temporary file first."""
    import sys

    handle, name = tempfile.mkstemp(prefix=".load-", suffix=".tar", dir=directory)
    with os.fdopen(handle, "wb") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
    return Path(name)
