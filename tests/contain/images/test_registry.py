"""contain push / pull / login against a real registry: Debian's docker-registry on 127.0.0.1.

The fixture starts the registry on a free port with a temporary storage directory and
stops it by PID. One registry allows anonymous access; another asks for Basic
credentials (an htpasswd file with a bcrypt hash).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import contain, needs_root
from pyshell.contain.image.store import ImageStore
from pyshell.contain.image.registry import RegistryClient

REGISTRY = shutil.which("docker-registry")
pytestmark = [needs_root, pytest.mark.skipif(REGISTRY is None, reason="docker-registry is not installed")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_registry(directory: Path, htpasswd: Path | None = None):
    port = free_port()
    config = directory / "config.yml"
    auth = f"auth:\n  htpasswd:\n    realm: pysh-test\n    path: {htpasswd}\n" if htpasswd else ""
    config.write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                      f"    rootdirectory: {directory / 'data'}\n  delete:\n    enabled: true\n"
                      f"http:\n  addr: 127.0.0.1:{port}\n{auth}")
    log = open(directory / "registry.log", "wb")
    process = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # 401: up, and asking for credentials
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"docker-registry did not start: {(directory / 'registry.log').read_text()}")
                time.sleep(0.05)
        yield f"127.0.0.1:{port}", directory / "data"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def registry(tmp_path):
    (tmp_path / "registry").mkdir()
    with running_registry(tmp_path / "registry") as (address, data):
        yield address, data


def test_push_then_pull_into_a_clean_store(tmp_path, home, store, busybox, registry, monkeypatch):
    address, _ = registry
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM busybox\nRUN echo pushed > /etc/pushed && rm /bin/vi\n"
                                        'CMD ["cat", "/etc/pushed"]\n')
    contain("build", "-t", f"{address}/course/demo:v1", str(context), check=True)
    built = store.resolve(f"{address}/course/demo:v1")
    pushed = contain("push", f"{address}/course/demo:v1", check=True).out
    assert pushed.count(": Pushed") == 2 and "v1: digest: sha256:" in pushed
    assert contain("push", f"{address}/course/demo:v1", check=True).out.count("Layer already exists") == 2

    monkeypatch.setenv("PYSH_HOME", str(tmp_path / "clean"))
    clean = ImageStore(tmp_path / "clean")
    pulled = contain("pull", f"{address}/course/demo:v1", check=True).out
    assert pulled.count("Pull complete") == 2 and "Status: Downloaded newer image" in pulled
    image = clean.resolve(f"{address}/course/demo:v1")
    assert image.id == built.id and image.diff_ids == built.diff_ids
    assert not os.path.lexists(image.layer_dirs[0] / "bin/vi.wh") and \
        stat.S_ISCHR(os.lstat(image.layer_dirs[-1] / "bin/vi").st_mode)  # the whiteout came through
    ran = subprocess.run([sys.executable, "-m", "pyshell.contain", "run", "--rm", f"{address}/course/demo:v1"],
                         capture_output=True, text=True, timeout=60)
    assert ran.stdout == "pushed\n", ran.stderr
    # pulling by digest, and again: layers are shared, not fetched twice
    digest = pushed.split("digest: ")[1].split()[0]
    again = contain("pull", f"{address}/course/demo@{digest}", check=True).out
    assert again.count("Already exists") == 2 and "Pull complete" not in again
    assert clean.resolve(f"{address}/course/demo@{digest}").id == built.id
    inspected = json.loads(contain("inspect", f"{address}/course/demo:v1", check=True).out)[0]
    assert inspected["RepoDigests"] == [f"{address}/course/demo@{digest}"]
    removed = contain("rmi", f"{address}/course/demo:v1", check=True).out.splitlines()
    assert removed[:2] == [f"Untagged: {address}/course/demo:v1", f"Untagged: {address}/course/demo@{digest}"]
    assert removed[2] == f"Deleted: {built.id}" and contain("images", "-qa").out == ""


def test_manifest_list_resolves_to_linux_amd64(tmp_path, home, store, busybox, registry, monkeypatch):
    address, _ = registry
    contain("tag", "busybox", "multi:plain", check=True)
    digest = contain("push", "--registry", address, "multi:plain", check=True).out.split("digest: ")[1].split()[0]
    client = RegistryClient(address)
    scope = "repository:multi:pull,push"
    manifest, _ = client.get_manifest("multi", digest, scope)
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": len(manifest),
         "platform": {"os": "linux", "architecture": "arm64"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": len(manifest),
         "platform": {"os": "linux", "architecture": "amd64"}}]}
    client.put_manifest("multi", "list", json.dumps(index).encode(), index["mediaType"], scope)
    monkeypatch.setenv("PYSH_HOME", str(tmp_path / "clean"))
    contain("pull", "--registry", address, "multi:list", check=True)
    assert ImageStore(tmp_path / "clean").resolve(f"{address}/multi:list").id == busybox.id
    done = contain("pull", f"{address}/multi:absent")
    assert done.returncode == 1 and done.err.startswith("pysh: contain pull: not found: /v2/multi/manifests/absent")


def test_a_corrupted_blob_is_refused(tmp_path, home, store, busybox, registry, monkeypatch):
    address, data = registry
    contain("tag", "busybox", f"{address}/bad:1", check=True)
    contain("push", f"{address}/bad:1", check=True)
    from pyshell.contain.image.registry import compressed_layer
    blob = compressed_layer(store, busybox.diff_ids[0])["digest"][7:]
    stored = data / f"docker/registry/v2/blobs/sha256/{blob[:2]}/{blob}/data"
    content = bytearray(stored.read_bytes())
    content[len(content) // 2] ^= 0xFF
    stored.write_bytes(bytes(content))
    monkeypatch.setenv("PYSH_HOME", str(tmp_path / "clean"))
    done = contain("pull", f"{address}/bad:1")
    assert done.returncode == 1 and len(done.err.splitlines()) == 1
    assert "mismatch" in done.err or "cannot unpack" in done.err or "gzip" in done.err.lower(), done.err
    assert contain("images", "-qa").out == ""


def test_login_with_basic_auth_and_credentials_file(tmp_path, home, store, busybox):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text(f"student:{crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH))}\n")
    (tmp_path / "secured").mkdir()
    with running_registry(tmp_path / "secured", htpasswd) as (address, _):
        contain("tag", "busybox", f"{address}/private:1", check=True)
        done = contain("push", f"{address}/private:1")
        assert done.returncode == 1 and "authentication required" in done.err
        done = contain("login", "-u", "student", "--password-stdin", address, input=b"wrong\n")
        assert done.returncode == 1 and ("HTTP 401" in done.err or "unauthorized" in done.err), done.err
        assert not (home / "auth.json").exists()
        done = contain("login", "-u", "student", "--password-stdin", address, input=b"s3cret\n", check=True)
        assert done.out == "Login Succeeded\n"
        assert stat.S_IMODE(os.stat(home / "auth.json").st_mode) == 0o600
        contain("push", f"{address}/private:1", check=True)
        contain("rmi", f"{address}/private:1", check=True)
        contain("pull", f"{address}/private:1", check=True)
        assert contain("logout", address, check=True).out == f"Removing login credentials for {address}\n"
        done = contain("pull", f"{address}/private:1")
        assert done.returncode == 1 and "authentication required" in done.err


# --------------------------------------------------------------------------- Bearer tokens, as Docker Hub does


class TokenServer:
    """The auth server a registry sends clients to (distribution's token spec), signing JWTs with openssl.

    The registry trusts the certificate; clients get ``{"token": ...}`` from ``GET /token?scope=...``.
    Anonymous clients may pull; ``student:s3cret`` may also push.
    """

    def __init__(self, directory: Path):
        import base64
        import http.server
        import threading

        self.key, self.cert = directory / "token.key", directory / "token.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=pysh-token", "-keyout", str(self.key), "-out", str(self.cert)],
                       check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", str(self.cert), "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                authorized = self.headers.get("Authorization") == \
                    "Basic " + base64.b64encode(b"student:s3cret").decode()
                if self.headers.get("Authorization") and not authorized:
                    self.send_response(401)
                    self.end_headers()
                    return
                access = []
                for scope in filter(None, query.get("scope", "").split(" ")):
                    kind, name, actions = scope.split(":")
                    allowed = [a for a in actions.split(",") if a == "pull" or authorized]
                    access.append({"type": kind, "name": name, "actions": allowed})
                body = json.dumps({"token": server.sign(query.get("service", ""), access),
                                   "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = f"http://127.0.0.1:{self.http.server_address[1]}/token"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def sign(self, service: str, access: list) -> str:
        import base64
        import uuid

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": "pysh-test-issuer", "sub": "student", "aud": service, "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(self.key)],
                                   input=signing_input.encode(), check=True, capture_output=True).stdout
        return f"{signing_input}.{b64(signature)}"

    def close(self):
        self.http.shutdown()
        self.http.server_close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_bearer_token_flow(tmp_path, home, store, busybox, monkeypatch):
    tokens = TokenServer(tmp_path)
    directory = tmp_path / "token-registry"
    directory.mkdir()
    port = free_port()
    (directory / "config.yml").write_text(
        f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {directory / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\nauth:\n  token:\n    realm: {tokens.realm}\n"
        f"    service: pysh-registry\n    issuer: pysh-test-issuer\n    rootcertbundle: {tokens.cert}\n")
    process = subprocess.Popen([REGISTRY, "serve", str(directory / "config.yml")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        address = f"127.0.0.1:{port}"
        for _ in range(200):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.05)
        contain("tag", "busybox", f"{address}/course/tok:1", check=True)
        done = contain("push", f"{address}/course/tok:1")  # anonymous: pull only, push refused
        assert done.returncode == 1 and ("HTTP 401" in done.err or "denied" in done.err.lower()), done.err
        contain("login", "-u", "student", "--password-stdin", address, input=b"s3cret\n", check=True)
        contain("push", f"{address}/course/tok:1", check=True)
        # The registry's challenge lists the actions in no fixed order (a Go map): either is right.
        asked_to_push = ("scope=repository%3Acourse%2Ftok%3Apull%2Cpush", "scope=repository%3Acourse%2Ftok%3Apush%2Cpull")
        assert any(scope in r for r in tokens.requests for scope in asked_to_push), tokens.requests
        contain("logout", address, check=True)
        monkeypatch.setenv("PYSH_HOME", str(tmp_path / "clean"))
        contain("pull", f"{address}/course/tok:1", check=True)  # anonymous pull with a token
        assert ImageStore(tmp_path / "clean").resolve(f"{address}/course/tok:1").id == busybox.id
    finally:
        process.terminate()
        process.wait(timeout=10)
        tokens.close()
