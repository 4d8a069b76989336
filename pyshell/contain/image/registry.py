"""``contain pull``, ``push`` and ``login``: the OCI distribution (Docker Registry v2) protocol.

Our own small client over urllib rather than a library: the protocol is a handful
of HTTP requests, and what matters here — streaming each layer straight into the
store while checking its digest, whiteouts, layer sharing, a progress bar — is
ours to write anyway. Pulling ``busybox`` goes:

1. ``GET /v2/library/busybox/manifests/latest`` -> 401 with
   ``WWW-Authenticate: Bearer realm=...,service=...,scope=...``;
   ``GET realm?service=...&scope=...`` (with Basic credentials if logged in)
   gives a token; retry with ``Authorization: Bearer TOKEN``.
2. The answer may be an index (manifest list): pick linux/amd64, fetch that manifest.
3. ``GET /v2/.../blobs/CONFIG`` then each layer blob (often a redirect to a CDN,
   followed without the token), each checked against its digest, and each
   uncompressed layer against the config's diff_ids.

Push is the reverse: ``HEAD`` each blob (skip what the registry has),
``POST /blobs/uploads/`` + ``PUT ?digest=`` to upload, then ``PUT`` the manifest.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO, Callable

from pyshell.contain.image import oci
from pyshell.contain.image.store import DOCKER_HUB, Image, ImageStore, digest_of, parse_reference
from pyshell.errors import ContainerError
from pyshell.statedir import atomic_write_json, pysh_home, read_json

MANIFEST_ACCEPT = ", ".join([oci.OCI_INDEX, oci.DOCKER_MANIFEST_LIST, oci.OCI_MANIFEST, oci.DOCKER_MANIFEST])
USER_AGENT = "pysh-contain/0.1"


class RegistryUnreachable(ContainerError):
    """No answer at all from the registry (no DNS, no route): first_use.py offers a way out."""


# --------------------------------------------------------------------------- credentials


def auth_file(home: Path | None = None) -> Path:
    """Credentials in Docker's config.json format: {"auths": {"registry": {"auth": base64(user:pass)}}}."""
    return (home or pysh_home()) / "auth.json"


def registry_host(registry: str) -> str:
    return "registry-1.docker.io" if registry == DOCKER_HUB else registry


def load_credentials(registry: str, home: Path | None = None) -> tuple[str, str] | None:
    entry = (read_json(auth_file(home), {}) or {}).get("auths", {}).get(registry)
    if not entry:
        return None
    user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
    return user, password


def save_credentials(registry: str, user: str, password: str, home: Path | None = None) -> None:
    path = auth_file(home)
    config = read_json(path, {}) or {}
    config.setdefault("auths", {})[registry] = {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}
    atomic_write_json(path, config, mode=0o600)
    os.chmod(path, 0o600)  # an older file may have been created wider


def forget_credentials(registry: str, home: Path | None = None) -> bool:
    path = auth_file(home)
    config = read_json(path, {}) or {}
    if config.get("auths", {}).pop(registry, None) is None:
        return False
    atomic_write_json(path, config, mode=0o600)
    return True


# --------------------------------------------------------------------------- HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """We follow redirects ourselves, to drop the Authorization header when the host changes."""

    def redirect_request(self, *args, **kwargs):
        return None


class RegistryClient:
    def __init__(self, registry: str, credentials: tuple[str, str] | None = None):
        self.registry = registry
        host = registry_host(registry)
        plain_http = host.split(":")[0] in ("localhost", "127.0.0.1", "[::1]") or host.startswith("127.") \
            or registry in os.environ.get("PYSH_INSECURE_REGISTRIES", "").split(",")
        self.base = f"{'http' if plain_http else 'https'}://{host}"
        self.credentials = credentials
        self.tokens: dict[str, str] = {}  # scope -> bearer token
        self.opener = urllib.request.build_opener(_NoRedirect)

    # ---- requests with the auth dance

    def request(self, method: str, url: str, scope: str, headers: dict | None = None,
                body=None, expect=(200,)):
        """Send a request, answering a 401 challenge once; return the open response."""
        if url.startswith("/"):
            url = self.base + url
        for attempt in range(2):
            all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
            authorization = self._authorization(scope)
            if authorization:
                all_headers["Authorization"] = authorization
            if hasattr(body, "seek"):
                body.seek(0)
            response = self._open(method, url, all_headers, body)
            if response.status == 401 and attempt == 0:
                self._answer_challenge(response.headers.get("WWW-Authenticate", ""), scope)
                response.close()
                continue
            if response.status in (301, 302, 303, 307, 308):
                location = urllib.parse.urljoin(url, response.headers["Location"])
                response.close()
                same_host = urllib.parse.urlsplit(location).netloc == urllib.parse.urlsplit(url).netloc
                redirected = {k: v for k, v in all_headers.items() if same_host or k != "Authorization"}
                response = self._open(method, location, redirected, None)
            if response.status not in expect:
                raise ContainerError(self._error_text(method, url, response))
            return response
        raise ContainerError(f"{self.registry}: unauthorized (try contain login {self.registry})")

    def _open(self, method: str, url: str, headers: dict, body):
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            return self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as error:
            return error  # an HTTPError is a response too: status, headers, body
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RegistryUnreachable(f"cannot reach registry {self.registry}: {reason}") from None

    def _authorization(self, scope: str) -> str | None:
        if scope in self.tokens:
            return self.tokens[scope]
        if "basic" in self.tokens:
            return self.tokens["basic"]
        return None

    def _answer_challenge(self, challenge: str, scope: str) -> None:
        scheme, _, rest = challenge.partition(" ")
        parameters = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if scheme.lower() == "basic":
            if not self.credentials:
                raise ContainerError(f"{self.registry}: authentication required (contain login {self.registry})")
            user, password = self.credentials
            self.tokens["basic"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            return
        if scheme.lower() != "bearer" or "realm" not in parameters:
            raise ContainerError(f"{self.registry}: unsupported authentication challenge {challenge!r}")
        query = {"service": parameters.get("service", "")}
        query["scope"] = parameters.get("scope") or scope
        headers = {"User-Agent": USER_AGENT}
        if self.credentials:
            user, password = self.credentials
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        url = parameters["realm"] + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v})
        response = self._open("GET", url, headers, None)
        if response.status != 200:
            raise ContainerError(f"{self.registry}: token request refused ({response.status}); "
                                 f"check contain login {self.registry}")
        answer = json.loads(response.read())
        token = answer.get("token") or answer.get("access_token")
        if not token:
            raise ContainerError(f"{self.registry}: token server gave no token")
        self.tokens[scope] = f"Bearer {token}"

    @staticmethod
    def _error_text(method: str, url: str, response) -> str:
        path = urllib.parse.urlsplit(url).path
        try:
            errors = json.loads(response.read()).get("errors") or []
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
        except (ValueError, AttributeError):
            detail = ""
        if response.status == 404:
            return f"not found: {path}" + (f" ({detail})" if detail else "")
        return f"{method} {path}: HTTP {response.status}" + (f": {detail}" if detail else "")

    # ---- the API

    def get_manifest(self, repository: str, reference: str, scope: str) -> tuple[bytes, str]:
        response = self.request("GET", f"/v2/{repository}/manifests/{reference}", scope,
                                {"Accept": MANIFEST_ACCEPT})
        with response:
            data = response.read()
            media_type = response.headers.get("Content-Type", "").split(";")[0]
            header_digest = response.headers.get("Docker-Content-Digest")
        if header_digest and header_digest != digest_of(data):
            raise ContainerError(f"manifest {reference}: digest mismatch (header {header_digest})")
        if reference.startswith("sha256:") and digest_of(data) != reference:
            raise ContainerError(f"manifest {reference}: digest mismatch")
        try:
            document = json.loads(data)
        except ValueError:
            raise ContainerError(f"manifest {reference}: not JSON") from None
        return data, document.get("mediaType") or media_type

    def open_blob(self, repository: str, digest: str, scope: str):
        return self.request("GET", f"/v2/{repository}/blobs/{digest}", scope)

    def has_blob(self, repository: str, digest: str, scope: str) -> bool:
        response = self.request("HEAD", f"/v2/{repository}/blobs/{digest}", scope, expect=(200, 404))
        response.close()
        return response.status == 200

    def upload_blob(self, repository: str, digest: str, source: BinaryIO, size: int, scope: str) -> None:
        start = self.request("POST", f"/v2/{repository}/blobs/uploads/", scope,
                             {"Content-Length": "0"}, b"", expect=(202,))
        location = urllib.parse.urljoin(self.base + "/", start.headers["Location"])
        start.close()
        separator = "&" if "?" in location else "?"
        done = self.request("PUT", f"{location}{separator}digest={urllib.parse.quote(digest)}", scope,
                            {"Content-Type": "application/octet-stream", "Content-Length": str(size)},
                            source, expect=(201,))
        done.close()

    def put_manifest(self, repository: str, tag: str, data: bytes, media_type: str, scope: str) -> str:
        response = self.request("PUT", f"/v2/{repository}/manifests/{tag}", scope,
                                {"Content-Type": media_type}, data, expect=(201,))
        response.close()
        return response.headers.get("Docker-Content-Digest") or digest_of(data)


# --------------------------------------------------------------------------- progress


class Progress:
    """One line per layer: a bar redrawn in place on a terminal, 'Pull complete' lines otherwise."""

    def __init__(self, write: Callable[[str], None], interactive: bool):
        self.write = write
        self.interactive = interactive
        self.last_draw = 0.0

    def update(self, label: str, done: int, total: int | None, verb: str = "Downloading") -> None:
        if not self.interactive:
            return
        now = time.monotonic()
        if now - self.last_draw < 0.1 and (total is None or done < total):
            return
        self.last_draw = now
        if total:
            width = 40
            filled = min(width, width * done // max(total, 1))
            bar = "=" * max(filled - 1, 0) + (">" if filled < width else "=") + " " * (width - filled)
            self.write(f"\r{label}: {verb} [{bar}] {_size(done)}/{_size(total)}\x1b[K")
        else:
            self.write(f"\r{label}: {verb} {_size(done)}\x1b[K")

    def finish(self, label: str, message: str) -> None:
        self.write(("\r" if self.interactive else "") + f"{label}: {message}" +
                   ("\x1b[K" if self.interactive else "") + "\n")


def _size(count: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f}{unit}" if unit == "B" else f"{count:.1f}{unit}"
        count /= 1000
    return str(count)


# --------------------------------------------------------------------------- pull


def pull(store: ImageStore, text: str, progress: Callable[[str], None] = lambda s: None,
         interactive: bool | None = None) -> Image:
    reference = parse_reference(text)
    if ":" not in text.rsplit("/", 1)[-1] and "@" not in text:
        progress("Using default tag: latest\n")
    client = RegistryClient(reference.registry, load_credentials(reference.registry))
    scope = f"repository:{reference.repository}:pull"
    wanted = reference.digest or reference.tag
    progress(f"{wanted}: Pulling from {reference.repository}\n")
    data, media_type = client.get_manifest(reference.repository, wanted, scope)
    manifest_digest = digest_of(data)
    if media_type in oci.INDEX_TYPES:
        entries = json.loads(data).get("manifests", [])
        chosen = next((m for m in entries if (m.get("platform", {}).get("os"),
                                              m.get("platform", {}).get("architecture")) == ("linux", "amd64")),
                      None)
        if chosen is None:
            raise ContainerError(f"{text}: no linux/amd64 image in the manifest list")
        data, media_type = client.get_manifest(reference.repository, chosen["digest"], scope)
    if media_type not in oci.MANIFEST_TYPES:
        raise ContainerError(f"{text}: unsupported manifest type {media_type or 'schema 1'}")
    manifest = json.loads(data)
    config_descriptor = manifest["config"]
    with client.open_blob(reference.repository, config_descriptor["digest"], scope) as response:
        config_bytes = response.read()
    layers = manifest["layers"]
    bar = Progress(progress, sys.stderr.isatty() if interactive is None else interactive)

    def open_layer(position: int):
        layer = layers[position]
        label = layer["digest"][7:19]
        response = client.open_blob(reference.repository, layer["digest"], scope)
        received = [0]

        def on_read(count: int) -> None:
            received[0] += count
            bar.update(label, received[0], layer.get("size"))

        return _Finishing(oci.VerifyingReader(response, layer["digest"], f"layer {label}", on_read),
                          lambda: bar.finish(label, "Pull complete"))

    before = {d for d in json.loads(config_bytes).get("rootfs", {}).get("diff_ids", []) if store.has_layer(d)}
    for layer, diff_id in zip(layers, json.loads(config_bytes).get("rootfs", {}).get("diff_ids", [])):
        if diff_id in before:
            bar.finish(layer["digest"][7:19], "Already exists")
    refs = [] if reference.digest else [text]
    repo_digest = f"{reference.name}@{manifest_digest}"
    image = oci.install_image(store, config_bytes, config_descriptor["digest"], open_layer, refs, [repo_digest])
    progress(f"Digest: {manifest_digest}\n")
    progress(f"Status: Downloaded newer image for {reference.familiar}\n")
    return image


class _Finishing(io.RawIOBase):
    """A stream that calls ``on_close`` once it is closed (to print 'Pull complete')."""

    def __init__(self, inner, on_close):
        self.inner, self.on_close = inner, on_close

    def readable(self):
        return True

    def readinto(self, buffer):
        return self.inner.readinto(buffer)

    def check(self):
        self.inner.check()

    def close(self):
        if not self.closed and self.inner.verified:
            self.on_close()
        super().close()


# --------------------------------------------------------------------------- push


def push(store: ImageStore, text: str, progress: Callable[[str], None] = lambda s: None,
         interactive: bool | None = None) -> str:
    """Upload an image (layers gzip'd, OCI manifest); returns the manifest digest."""
    image = store.resolve(text)
    reference = parse_reference(text)
    if reference.digest:
        raise ContainerError("cannot push to a digest reference; use a tag")
    client = RegistryClient(reference.registry, load_credentials(reference.registry))
    scope = f"repository:{reference.repository}:pull,push"
    bar = Progress(progress, sys.stderr.isatty() if interactive is None else interactive)
    progress(f"The push refers to repository [{reference.registry}/{reference.repository}]\n")
    layer_descriptors = []
    for diff_id in image.diff_ids:
        blob = compressed_layer(store, diff_id)
        label = blob["digest"][7:19]
        layer_descriptors.append({"mediaType": oci.OCI_LAYER_GZIP, "digest": blob["digest"], "size": blob["size"]})
        if client.has_blob(reference.repository, blob["digest"], scope):
            bar.finish(label, "Layer already exists")
            continue
        with open(store.blob_path(blob["digest"]), "rb") as source:
            reader = _CountingReader(source, lambda n: bar.update(label, n, blob["size"], "Pushing"))
            client.upload_blob(reference.repository, blob["digest"], reader, blob["size"], scope)
        bar.finish(label, "Pushed")
    config_bytes = store.config_path(image.id).read_bytes()
    if not client.has_blob(reference.repository, image.id, scope):
        client.upload_blob(reference.repository, image.id, io.BytesIO(config_bytes), len(config_bytes), scope)
    manifest = {"schemaVersion": 2, "mediaType": oci.OCI_MANIFEST,
                "config": {"mediaType": oci.OCI_CONFIG, "digest": image.id, "size": len(config_bytes)},
                "layers": layer_descriptors}
    data = json.dumps(manifest, separators=(",", ":")).encode()
    digest = client.put_manifest(reference.repository, reference.tag, data, oci.OCI_MANIFEST, scope)
    progress(f"{reference.tag}: digest: {digest} size: {len(data)}\n")
    return digest


def compressed_layer(store: ImageStore, diff_id: str) -> dict:
    """The gzip blob of a layer, made once and remembered (same bytes -> same digest next push)."""
    known = store.compressed_layer(diff_id)
    if known and store.blob_path(known["digest"]).exists():
        return known
    blobs = store.blob_path("sha256:" + "0" * 64).parent
    blobs.mkdir(parents=True, exist_ok=True)
    partial = blobs / f".gzip-{os.getpid()}"
    sha = hashlib.sha256()
    with open(store.layer_tar(diff_id), "rb") as source, open(partial, "wb") as raw:
        counting = _HashingFile(raw, sha)
        # mtime=0 and no file name: the same layer always compresses to the same blob
        with gzip.GzipFile(filename="", mode="wb", fileobj=counting, mtime=0, compresslevel=6) as compressor:
            shutil.copyfileobj(source, compressor, 1 << 20)
    digest = "sha256:" + sha.hexdigest()
    os.replace(partial, store.blob_path(digest))
    store.remember_compressed_layer(diff_id, digest, counting.size, oci.OCI_LAYER_GZIP)
    return {"digest": digest, "size": counting.size, "media_type": oci.OCI_LAYER_GZIP}


class _HashingFile:
    def __init__(self, out, sha):
        self.out, self.sha, self.size = out, sha, 0

    def write(self, data):
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self):
        self.out.flush()


class _CountingReader:
    def __init__(self, source, on_progress):
        self.source, self.on_progress, self.count = source, on_progress, 0

    def read(self, size=-1):
        data = self.source.read(size if size and size > 0 else 1 << 20)
        self.count += len(data)
        self.on_progress(self.count)
        return data

    def seek(self, offset, whence=0):
        self.count = 0
        return self.source.seek(offset, whence)


# --------------------------------------------------------------------------- login


def login(registry: str, user: str, password: str, home: Path | None = None) -> None:
    """Check the credentials against the registry (GET /v2/ with the auth dance), then store them."""
    client = RegistryClient(registry, (user, password))
    response = client.request("GET", "/v2/", scope="", expect=(200,))
    response.close()
    save_credentials(registry, user, password, home)


def registry_of(text: str | None) -> str:
    if not text:
        return DOCKER_HUB
    if text in ("index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"):
        return DOCKER_HUB
    return text.removeprefix("https://").removeprefix("http://").rstrip("/")


def resolve_or_pull(store: ImageStore, text: str, progress: Callable[[str], None] = lambda s: None) -> Image:
    """`contain run IMAGE` with an image we don't have: pull it first, as Docker does."""
    try:
        return store.resolve(text)
    except ContainerError as missing:
        if text.startswith("sha256:") or re.fullmatch(r"[0-9a-f]{4,64}", text):
            raise  # an id can't be pulled
        progress(f"Unable to find image '{parse_reference(text).familiar}' locally\n")
        try:
            return pull(store, text, progress)
        except ContainerError as error:
            raise ContainerError(f"{missing.message} (pull: {error.message})") from None
