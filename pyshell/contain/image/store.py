"""The image store: content-addressed layers and OCI image configs under $PYSH_HOME/images.

An image is two things (OCI image-spec):

* a **config** (JSON): what to run (Env, Cmd, Entrypoint, WorkingDir, User...) and
  ``rootfs.diff_ids``, the sha256 of each *uncompressed* layer tar, lowest first.
  The image id is the sha256 of the config's bytes, as in Docker.
* its **layers**: tar changesets (see layers.py), each stored once, named by diff_id,
  and extracted once into a directory that overlayfs stacks as a lowerdir.

Layout (everything a registry pull, a build or an OCI archive produces fits here)::

    images/
      index.json                     tags, per-image bookkeeping, build cache (one atomic file)
      configs/<hex>.json             image configs, named by their digest (= image id)
      layers/<diff-hex>/layer.tar    the uncompressed layer
      layers/<diff-hex>/root/        the same, extracted, whiteouts in overlay form
      blobs/sha256/<hex>             gzip'd layers made once for push (same layer, same digest)
      lock                           flock held while index.json changes

Readers need no lock (every file is replaced atomically); writers take ``lock``.
Layer files are written to a temporary name first and renamed into place, so a
crash never leaves half a layer under its final name.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from pathlib import Path

from pyshell.errors import ContainerError
from pyshell.record import Record
from pyshell.statedir import atomic_write, atomic_write_json, locked, read_json

# What only adding layers needs (layers, tarfile, hashlib, shutil, tempfile, datetime) is
# imported in the functions that add them: `contain run` only resolves an image (10 ms less).

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DOCKER_HUB = "docker.io"


# --------------------------------------------------------------------------- references


class Reference(Record):
    """``[registry/]repository[:tag][@digest]`` split into its parts (distribution's grammar)."""

    registry: str          # "docker.io", "127.0.0.1:5000"
    repository: str        # "library/busybox", "me/tool"
    tag: str = "latest"
    digest: str | None = None

    @property
    def name(self) -> str:
        """The short name users see: 'busybox', 'me/tool', '127.0.0.1:5000/x'."""
        if self.registry == DOCKER_HUB:
            return self.repository.removeprefix("library/")
        return f"{self.registry}/{self.repository}"

    @property
    def familiar(self) -> str:
        """'busybox:latest' or 'busybox@sha256:...': the key used for tags in the store."""
        return f"{self.name}@{self.digest}" if self.digest else f"{self.name}:{self.tag}"


_NAME_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def parse_reference(text: str) -> Reference:
    """'busybox' -> docker.io/library/busybox:latest; raises ContainerError on a bad name."""
    rest, digest = text, None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if not _DIGEST.match(digest):
            raise ContainerError(f"invalid reference format: bad digest in {text!r}")
    tag = "latest"
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.match(tag):
            raise ContainerError(f"invalid reference format: bad tag in {text!r}")
    first, _, remainder = rest.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, remainder
    else:
        registry, repository = DOCKER_HUB, rest
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    if not repository or not all(_NAME_COMPONENT.match(part) for part in repository.split("/")):
        raise ContainerError(f"invalid reference format: {text!r} (names are lower case)")
    if len(rest) > 255:
        raise ContainerError("invalid reference format: repository name must not be more than 255 characters")
    return Reference(registry, repository, tag, digest)


# --------------------------------------------------------------------------- images


class ImageConfig(Record):
    """The part of an OCI image config that says how to run the image (its ``config`` object)."""

    env: tuple[str, ...] = ()                 # "K=V"
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    working_dir: str = ""
    user: str = ""
    exposed_ports: tuple[str, ...] = ()       # "80/tcp"
    labels: Mapping[str, str] = MappingProxyType({})  # read-only: shared by default
    volumes: tuple[str, ...] = ()
    stop_signal: str = ""
    healthcheck: Mapping | None = None        # Docker's {"Test": [...], "Interval": ns, ...}
    shell: tuple[str, ...] | None = None
    on_build: tuple[str, ...] = ()

    @classmethod
    def from_oci(cls, section: Mapping | None) -> "ImageConfig":
        section = section or {}

        def words(key):
            value = section.get(key)
            return None if value is None else tuple(value)

        return cls(
            env=tuple(section.get("Env") or ()),
            cmd=words("Cmd"),
            entrypoint=words("Entrypoint"),
            working_dir=section.get("WorkingDir") or "",
            user=section.get("User") or "",
            exposed_ports=tuple(sorted(section.get("ExposedPorts") or {})),
            labels=dict(section.get("Labels") or {}),
            volumes=tuple(sorted(section.get("Volumes") or {})),
            stop_signal=section.get("StopSignal") or "",
            healthcheck=section.get("Healthcheck"),
            shell=words("Shell"),
            on_build=tuple(section.get("OnBuild") or ()),
        )

    def to_oci(self) -> dict:
        section: dict = {}
        if self.env:
            section["Env"] = list(self.env)
        if self.cmd is not None:
            section["Cmd"] = list(self.cmd)
        if self.entrypoint is not None:
            section["Entrypoint"] = list(self.entrypoint)
        if self.working_dir:
            section["WorkingDir"] = self.working_dir
        if self.user:
            section["User"] = self.user
        if self.exposed_ports:
            section["ExposedPorts"] = {port: {} for port in self.exposed_ports}
        if self.labels:
            section["Labels"] = dict(self.labels)
        if self.volumes:
            section["Volumes"] = {volume: {} for volume in self.volumes}
        if self.stop_signal:
            section["StopSignal"] = self.stop_signal
        if self.healthcheck is not None:
            section["Healthcheck"] = dict(self.healthcheck)
        if self.shell is not None:
            section["Shell"] = list(self.shell)
        if self.on_build:
            section["OnBuild"] = list(self.on_build)
        return section

    def env_value(self, name: str) -> str | None:
        for entry in self.env:
            key, _, value = entry.partition("=")
            if key == name:
                return value
        return None


class Image(Record):
    id: str                          # "sha256:<hex>": digest of the config JSON
    config: ImageConfig
    diff_ids: tuple[str, ...]        # lowest layer first
    layer_dirs: tuple[Path, ...]     # extracted layers, lowest first: overlay lowerdirs (reverse them for lowerdir=)
    repo_tags: tuple[str, ...]
    created: str
    size: int                        # bytes of uncompressed layers
    parent: str | None
    oci_config: Mapping              # the whole config document (architecture, history...)
    repo_digests: tuple[str, ...] = ()  # "name@sha256:<manifest digest>" for pulled images

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]


def inspect_document(image: Image) -> dict:
    """Docker's `image inspect` fields for one image."""
    oci = image.oci_config
    return {
        "Id": image.id,
        "RepoTags": list(image.repo_tags),
        "RepoDigests": list(image.repo_digests),
        "Parent": image.parent or "",
        "Comment": "",
        "Created": image.created,
        "Author": oci.get("author", ""),
        "Config": oci.get("config", {}),
        "Architecture": oci.get("architecture", "amd64"),
        "Os": oci.get("os", "linux"),
        "Size": image.size,
        "GraphDriver": {"Name": "overlay",
                        "Data": {"LowerDir": ":".join(str(d) for d in reversed(image.layer_dirs))}},
        "RootFS": {"Type": "layers", "Layers": list(image.diff_ids)},
        "History": oci.get("history", []),
    }


def now_rfc3339() -> str:
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_oci_config(image_config: ImageConfig, diff_ids, history, created: str | None = None) -> dict:
    return {
        "architecture": "amd64",
        "os": "linux",
        "created": created or now_rfc3339(),
        "config": image_config.to_oci(),
        "rootfs": {"type": "layers", "diff_ids": list(diff_ids)},
        "history": list(history),
    }


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def digest_of(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def _hex(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    if algorithm != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", hexpart):
        raise ContainerError(f"unsupported digest: {digest}")
    return hexpart


# --------------------------------------------------------------------------- the store


class ImageStore:
    def __init__(self, home: Path):
        self.root = Path(home) / "images"
        self.index_path = self.root / "index.json"
        self.lock_path = self.root / "lock"

    # ---- paths

    def config_path(self, image_id: str) -> Path:
        return self.root / "configs" / f"{_hex(image_id)}.json"

    def layer_path(self, diff_id: str) -> Path:
        return self.root / "layers" / _hex(diff_id)

    def layer_tar(self, diff_id: str) -> Path:
        return self.layer_path(diff_id) / "layer.tar"

    def layer_dir(self, diff_id: str) -> Path:
        return self.layer_path(diff_id) / "root"

    def blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / _hex(digest)

    def has_layer(self, diff_id: str) -> bool:
        return self.layer_dir(diff_id).is_dir()

    # ---- index.json

    def _read_index(self) -> dict:
        index = read_json(self.index_path, None) or {}
        index.setdefault("images", {})       # id -> {"created", "parent", "hidden"}
        index.setdefault("tags", {})         # "name:tag" or "name@digest" -> id
        index.setdefault("compressed", {})   # diff_id -> {"digest", "size", "media_type"}
        index.setdefault("build_cache", {})  # cache key -> id
        return index

    def _write_index(self, index: dict) -> None:
        atomic_write_json(self.index_path, index)

    def locked(self):
        """The store's write lock; hold it around read-modify-write of index.json."""
        return locked(self.lock_path)

    # ---- reading images

    def get(self, image_id: str, index: dict | None = None) -> Image:
        index = index if index is not None else self._read_index()
        record = index["images"].get(image_id)
        if record is None:
            raise ContainerError(f"no such image: {image_id}")
        raw = self.config_path(image_id).read_bytes()
        oci_config = json.loads(raw)
        diff_ids = tuple(oci_config.get("rootfs", {}).get("diff_ids", ()))
        size = 0
        for diff_id in diff_ids:
            try:
                size += self.layer_tar(diff_id).stat().st_size
            except FileNotFoundError:
                pass
        return Image(
            id=image_id,
            config=ImageConfig.from_oci(oci_config.get("config")),
            diff_ids=diff_ids,
            layer_dirs=tuple(self.layer_dir(d) for d in diff_ids),
            repo_tags=tuple(sorted(t for t, i in index["tags"].items() if i == image_id and "@" not in t)),
            created=oci_config.get("created") or record.get("created", ""),
            size=size,
            parent=record.get("parent"),
            oci_config=oci_config,
            repo_digests=tuple(sorted(t for t, i in index["tags"].items() if i == image_id and "@" in t)),
        )

    def resolve(self, ref: str) -> Image:
        index = self._read_index()
        return self.get(self._resolve_id(index, ref), index)

    def _resolve_id(self, index: dict, ref: str) -> str:
        """A tag, name@digest, full id (sha256:...) or unique id prefix -> image id."""
        if ref.startswith("sha256:") and ref in index["images"]:
            return ref
        try:
            familiar = parse_reference(ref).familiar
        except ContainerError:
            familiar = None
        if familiar and familiar in index["tags"]:
            return index["tags"][familiar]
        prefix = ref.removeprefix("sha256:")
        if re.fullmatch(r"[0-9a-f]{4,64}", prefix):
            matches = [i for i in index["images"] if i.removeprefix("sha256:").startswith(prefix)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise ContainerError(f"ambiguous image id prefix: {ref}")
        raise ContainerError(f"no such image: {ref}")

    def list_images(self, include_hidden: bool = False) -> list[Image]:
        index = self._read_index()
        shown = [i for i, r in index["images"].items()
                 if include_hidden or not r.get("hidden") or any(v == i for v in index["tags"].values())]
        images = [self.get(i, index) for i in shown]
        return sorted(images, key=lambda image: image.created, reverse=True)

    # ---- adding layers

    def add_layer_from_tar(self, source, lower_dirs=(), expected_diff_id: str | None = None) -> str:
        """Store a layer from a tar file (path or readable binary stream, maybe gzip'd).

        The uncompressed bytes are hashed while they are copied: that hash is the
        diff_id. Returns it. Extraction happens once, here, not at each run.
        """
        import gzip
        import shutil
        import tempfile

        from pyshell.contain.image import layers

        staging = Path(tempfile.mkdtemp(prefix=".layer-", dir=self._ensure_dir("layers")))
        try:
            stream = open(source, "rb") if isinstance(source, (str, Path)) else source
            try:
                head = stream.peek(2)[:2] if hasattr(stream, "peek") else b""
                if head == b"\x1f\x8b":
                    stream = gzip.GzipFile(fileobj=stream)
                with open(staging / "layer.tar", "wb") as out:
                    writer = layers.HashingWriter(out)
                    shutil.copyfileobj(stream, writer, 1 << 20)
            finally:
                if isinstance(source, (str, Path)):
                    stream.close()
            diff_id = writer.digest
            if expected_diff_id and expected_diff_id != diff_id:
                raise ContainerError(f"layer digest mismatch: expected {expected_diff_id}, got {diff_id}")
            return self._install_layer(staging, diff_id, lower_dirs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def add_layer_from_dir(self, directory: Path, lower_dirs=()) -> str:
        """Store ``directory`` (an overlay upper dir or a staging tree) as a new layer."""
        import shutil
        import tempfile

        from pyshell.contain.image import layers

        staging = Path(tempfile.mkdtemp(prefix=".layer-", dir=self._ensure_dir("layers")))
        try:
            with open(staging / "layer.tar", "wb") as out:
                writer = layers.HashingWriter(out)
                layers.write_layer_tar(Path(directory), writer)
            return self._install_layer(staging, writer.digest, lower_dirs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _install_layer(self, staging: Path, diff_id: str, lower_dirs) -> str:
        """Extract the staged tar beside it, then rename the whole layer into place."""
        import shutil
        import tarfile

        from pyshell.contain.image import layers

        final = self.layer_path(diff_id)
        if (final / "root").is_dir():
            with self.locked():
                self._mark_pending(diff_id)
            return diff_id  # content-addressed: we already have it
        (staging / "root").mkdir()
        try:
            layers.extract_layer(staging / "layer.tar", staging / "root", lower_dirs)
        except (OSError, EOFError, tarfile.TarError) as error:
            reason = (str(error).splitlines() or [type(error).__name__])[0].rstrip(":")
            raise ContainerError(f"cannot unpack layer {diff_id[:19]}: not a tar file ({reason})") from None
        os.chmod(staging, 0o755)
        with self.locked():
            if not (final / "root").is_dir():  # else another command stored it meanwhile
                shutil.rmtree(final, ignore_errors=True)
                os.rename(staging, final)
            self._mark_pending(diff_id)
        return diff_id

    # A layer stored for an image not recorded yet (a pull adds all layers, then the
    # image) has no image referring to it: a parallel `rmi` must not collect it.
    # The mark names our pid; add_image removes it, and a dead pid's mark is ignored.

    def claim_layer(self, diff_id: str) -> bool:
        """Keep an existing layer from `rmi` until our image is recorded. False if we don't have it."""
        with self.locked():
            if not self.has_layer(diff_id):
                return False
            self._mark_pending(diff_id)
            return True

    def _mark_pending(self, diff_id: str) -> None:
        (self.layer_path(diff_id) / f".pending-{os.getpid()}").touch()

    def _unmark_pending(self, diff_ids) -> None:
        for diff_id in diff_ids:
            (self.layer_path(diff_id) / f".pending-{os.getpid()}").unlink(missing_ok=True)

    @staticmethod
    def _is_pending(layer: Path) -> bool:
        for mark in layer.glob(".pending-*"):
            try:
                os.kill(int(mark.name.split("-")[1]), 0)
                return True
            except (ProcessLookupError, ValueError):
                mark.unlink(missing_ok=True)
            except PermissionError:
                return True  # alive, someone else's
        return False

    def _ensure_dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # ---- adding images

    def add_image(self, oci_config: dict, ref: str | None = None, parent: str | None = None,
                  hidden: bool = False, extra_refs=()) -> Image:
        """Record an image whose layers are already stored. Returns it (tagged with ref)."""
        for diff_id in oci_config.get("rootfs", {}).get("diff_ids", ()):
            if not self.has_layer(diff_id):
                raise ContainerError(f"image config names a missing layer {diff_id}")
        raw = canonical_json(oci_config)
        return self.add_image_bytes(raw, ref, parent, hidden, extra_refs)

    def add_image_bytes(self, raw_config: bytes, ref: str | None = None, parent: str | None = None,
                        hidden: bool = False, extra_refs=()) -> Image:
        """Like add_image, keeping the config's exact bytes (their digest is the id)."""
        image_id = digest_of(raw_config)
        atomic_write(self.config_path(image_id), raw_config)
        refs = [parse_reference(r).familiar for r in ([ref] if ref else [])] + list(extra_refs)
        with self.locked():
            index = self._read_index()
            record = index["images"].setdefault(image_id, {"created": now_rfc3339(), "parent": parent,
                                                           "hidden": hidden})
            if not hidden:
                record["hidden"] = False
            for familiar in refs:
                index["tags"][familiar] = image_id
            self._write_index(index)
            self._unmark_pending(json.loads(raw_config).get("rootfs", {}).get("diff_ids", ()))
            return self.get(image_id, index)

    def commit(self, upper_dir: Path, parent: Image | None, ref: str | None = None,
               changes: dict | None = None, created_by: str = "", comment: str = "",
               hidden: bool = False, author: str = "") -> Image:
        """A new image = ``parent`` + one layer made of ``upper_dir`` (overlay form).

        ``changes`` are Docker config keys to override ({"Cmd": [...], "Env": [...]}).
        """
        lower = parent.layer_dirs if parent else ()
        diff_id = self.add_layer_from_dir(Path(upper_dir), lower)
        return self.derive(parent, ref, changes, new_diff_id=diff_id, created_by=created_by,
                           comment=comment, hidden=hidden, author=author)

    def derive(self, parent: Image | None, ref: str | None = None, changes: dict | None = None,
               new_diff_id: str | None = None, created_by: str = "", comment: str = "",
               hidden: bool = False, author: str = "") -> Image:
        """A child config of ``parent``: optional new top layer, config changes, one history entry."""
        section = dict(parent.config.to_oci()) if parent else {}
        section.update(changes or {})
        section = {k: v for k, v in section.items() if v is not None}
        diff_ids = list(parent.diff_ids if parent else ())
        history = list(parent.oci_config.get("history", ())) if parent else []
        entry = {"created": now_rfc3339(), "created_by": created_by}
        if comment:
            entry["comment"] = comment
        if author:
            entry["author"] = author
        if new_diff_id:
            diff_ids.append(new_diff_id)
        else:
            entry["empty_layer"] = True
        history.append(entry)
        oci_config = new_oci_config(ImageConfig.from_oci(section), diff_ids, history)
        if author:
            oci_config["author"] = author  # `commit -a`: inspect's Author, as in Docker
        return self.add_image(oci_config, ref, parent.id if parent else None, hidden)

    def import_rootfs(self, tar_source, ref: str | None, changes: dict | None = None,
                      created_by: str = "", created: str | None = None) -> Image:
        """A one-layer image from a root filesystem tar (``contain import``)."""
        diff_id = self.add_layer_from_tar(tar_source)
        section = {"Env": [f"PATH={DEFAULT_PATH}"]}
        section.update(changes or {})
        oci_config = new_oci_config(ImageConfig.from_oci(section), [diff_id],
                                    [{"created": created or now_rfc3339(), "created_by": created_by}],
                                    created=created)
        return self.add_image(oci_config, ref)

    # ---- tags and removal

    def tag(self, source_ref: str, target_ref: str) -> Image:
        target = parse_reference(target_ref)
        if target.digest:
            raise ContainerError(f"refusing to create a tag with a digest reference: {target_ref}")
        with self.locked():
            index = self._read_index()
            image_id = self._resolve_id(index, source_ref)
            if index["tags"].get(target.familiar) == image_id and not index["images"][image_id].get("hidden"):
                return self.get(image_id, index)  # nothing changes: spare the fsync (a cached rebuild)
            index["tags"][target.familiar] = image_id
            index["images"][image_id]["hidden"] = False
            self._write_index(index)
            return self.get(image_id, index)

    def remove(self, ref: str, force: bool = False,
               in_use: Callable[[str], str | None] = lambda image_id: None) -> list[str]:
        """``rmi``: untag, and delete the image once no tag or container refers to it.

        ``in_use(image_id)`` names a container using the image (or None). Returns
        Docker-like lines: "Untagged: busybox:latest", "Deleted: sha256:...".
        """
        messages: list[str] = []
        with self.locked():
            index = self._read_index()
            image_id = self._resolve_id(index, ref)
            tags = [t for t, i in index["tags"].items() if i == image_id]
            by_tag = None
            try:
                familiar = parse_reference(ref).familiar
                by_tag = familiar if familiar in tags else None
            except ContainerError:
                pass
            user = in_use(image_id)
            if by_tag is None and len([t for t in tags if "@" not in t]) > 1 and not force:
                raise ContainerError(f"conflict: unable to delete {image_id[7:19]} (must be forced) - "
                                     f"image is referenced in multiple repositories")
            if user and not force and (by_tag is None or len(tags) == 1):
                raise ContainerError(f"conflict: unable to remove {ref} (must force) - "
                                     f"container {user} is using its referenced image {image_id[7:19]}")
            for tag in ([by_tag] if by_tag else tags):
                del index["tags"][tag]
                messages.append(f"Untagged: {tag}")
            remaining = [t for t, i in index["tags"].items() if i == image_id]
            if remaining and all("@" in t for t in remaining) and not user:
                for tag in remaining:  # name@digest refs go with the last tag, as in Docker
                    del index["tags"][tag]
                    messages.append(f"Untagged: {tag}")
            still_tagged = any(i == image_id for i in index["tags"].values())
            has_children = any(r.get("parent") == image_id for r in index["images"].values())
            if not still_tagged and not user:
                if has_children:
                    index["images"][image_id]["hidden"] = True
                else:
                    messages += self._delete_chain(index, image_id)
            self._write_index(index)
            self._collect_layers(index)
        return messages

    def _delete_chain(self, index: dict, image_id: str) -> list[str]:
        """Delete an image, then its hidden (build step) ancestors nobody else needs."""
        deleted = []
        while image_id:
            record = index["images"].pop(image_id)
            self.config_path(image_id).unlink(missing_ok=True)
            index["build_cache"] = {k: v for k, v in index["build_cache"].items() if v != image_id}
            index["tags"] = {t: i for t, i in index["tags"].items() if i != image_id}
            deleted.append(f"Deleted: {image_id}")
            parent = record.get("parent")
            if (parent not in index["images"] or not index["images"][parent].get("hidden")
                    or any(r.get("parent") == parent for r in index["images"].values())
                    or any(i == parent for i in index["tags"].values())):
                break
            image_id = parent
        return deleted

    def _collect_layers(self, index: dict) -> None:
        """Delete stored layers that no remaining image lists (called with the lock held)."""
        import shutil

        wanted = set()
        for image_id in index["images"]:
            try:
                wanted.update(json.loads(self.config_path(image_id).read_bytes())["rootfs"]["diff_ids"])
            except (FileNotFoundError, KeyError, ValueError):
                continue
        layers_root = self.root / "layers"
        if not layers_root.is_dir():
            return
        for entry in layers_root.iterdir():
            if entry.name.startswith("."):
                continue
            if f"sha256:{entry.name}" not in wanted and not self._is_pending(entry):
                shutil.rmtree(entry, ignore_errors=True)
                compressed = index["compressed"].pop(f"sha256:{entry.name}", None)
                if compressed:
                    self.blob_path(compressed["digest"]).unlink(missing_ok=True)
        self._write_index(index)

    # ---- bookkeeping used by build, save/load and registries

    def cached_build_step(self, key: str) -> Image | None:
        index = self._read_index()
        image_id = index["build_cache"].get(key)
        if image_id and image_id in index["images"]:
            return self.get(image_id, index)
        return None

    def remember_build_step(self, key: str, image_id: str) -> None:
        with self.locked():
            index = self._read_index()
            index["build_cache"][key] = image_id
            self._write_index(index)

    def compressed_layer(self, diff_id: str) -> dict | None:
        return self._read_index()["compressed"].get(diff_id)

    def remember_compressed_layer(self, diff_id: str, digest: str, size: int, media_type: str) -> None:
        with self.locked():
            index = self._read_index()
            index["compressed"][diff_id] = {"digest": digest, "size": size, "media_type": media_type}
            self._write_index(index)
