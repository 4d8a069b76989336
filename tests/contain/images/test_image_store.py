"""The image store: references, import, bootstrap, whiteouts through real overlay mounts, commit, rmi."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import contain, needs_root
from pyshell.contain.image.store import ImageStore, parse_reference
from pyshell.contain.image.layers import extract_layer, secure_join, write_layer_tar
from pyshell.errors import ContainerError

# --------------------------------------------------------------------------- references

REFERENCES = [
    # text, registry, repository, tag, digest, familiar
    ("busybox", "docker.io", "library/busybox", "latest", None, "busybox:latest"),
    ("busybox:1.36", "docker.io", "library/busybox", "1.36", None, "busybox:1.36"),
    ("docker.io/library/debian:bookworm", "docker.io", "library/debian", "bookworm", None, "debian:bookworm"),
    ("me/tool", "docker.io", "me/tool", "latest", None, "me/tool:latest"),
    ("127.0.0.1:5000/x/y:2", "127.0.0.1:5000", "x/y", "2", None, "127.0.0.1:5000/x/y:2"),
    ("localhost/app", "localhost", "app", "latest", None, "localhost/app:latest"),
    ("quay.io/a/b@sha256:" + "a" * 64, "quay.io", "a/b", "latest", "sha256:" + "a" * 64,
     "quay.io/a/b@sha256:" + "a" * 64),
]


@pytest.mark.parametrize("text,registry,repository,tag,digest,familiar", REFERENCES)
def test_parse_reference(text, registry, repository, tag, digest, familiar):
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest, ref.familiar) == \
           (registry, repository, tag, digest, familiar)


@pytest.mark.parametrize("bad", ["Busybox", "a:b:c:", "x@sha256:12", "", "a//b", "x:-bad"])
def test_bad_references_are_refused(bad):
    with pytest.raises(ContainerError):
        parse_reference(bad)


# --------------------------------------------------------------------------- helpers


def make_tar(path: Path, entries, compress: str = "") -> Path:
    """entries: (name, kind, payload) with kind in file/dir/symlink/hardlink; payload = text or target."""
    with tarfile.open(path, f"w:{compress}") as archive:
        for name, kind, payload, *mode in entries:
            member = tarfile.TarInfo(name)
            member.mtime = 1_700_000_000
            member.mode = mode[0] if mode else (0o755 if kind == "dir" else 0o644)
            member.uid, member.gid = 1000, 1001
            data = None
            if kind == "dir":
                member.type = tarfile.DIRTYPE
            elif kind == "symlink":
                member.type, member.linkname = tarfile.SYMTYPE, payload
            elif kind == "hardlink":
                member.type, member.linkname = tarfile.LNKTYPE, payload
            else:
                data = payload.encode()
                member.size = len(data)
            archive.addfile(member, io.BytesIO(data) if data is not None else None)
    return path


@contextlib.contextmanager
def overlay(tmp_path: Path, lower_dirs, name="ov"):
    """A real overlay mount of ``lower_dirs`` (lowest first); yields (merged, upper)."""
    base = tmp_path / name
    upper, work, merged = base / "upper", base / "work", base / "merged"
    for directory in (upper, work, merged):
        directory.mkdir(parents=True)
    lowerdir = ":".join(str(d) for d in reversed(list(lower_dirs)))
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={lowerdir},upperdir={upper},workdir={work}", str(merged)], check=True)
    try:
        yield merged, upper
    finally:
        subprocess.run(["umount", str(merged)], check=True)


def chroot_sh(root: Path, script: str) -> str:
    return subprocess.run(["chroot", str(root), "/bin/sh", "-c", script], capture_output=True,
                          text=True, check=True).stdout


# --------------------------------------------------------------------------- import


@needs_root
def test_import_keeps_files_modes_owners_links(tmp_path, home, store):
    tar = make_tar(tmp_path / "rootfs.tar.gz", [
        ("./", "dir", None),
        ("./bin/", "dir", None),
        ("./bin/tool", "file", "#!/bin/sh\necho tool\n", 0o4755),
        ("./bin/alias", "hardlink", "./bin/tool"),
        ("./etc/motd", "file", "hello\n"),            # parent directory entry omitted
        ("./etc/link", "symlink", "/etc/motd"),
        ("./tmp/", "dir", None, 0o1777),
    ], compress="gz")
    done = contain("import", str(tar), "rootfs:v1", check=True)
    image = store.resolve("rootfs:v1")
    assert done.out.strip() == image.id
    root = image.layer_dirs[0]
    tool = os.lstat(root / "bin/tool")
    assert stat.S_IMODE(tool.st_mode) == 0o4755 and (tool.st_uid, tool.st_gid) == (1000, 1001)
    assert tool.st_nlink == 2 and os.lstat(root / "bin/alias").st_ino == tool.st_ino
    assert os.readlink(root / "etc/link") == "/etc/motd"
    assert stat.S_IMODE(os.lstat(root / "tmp").st_mode) == 0o1777
    assert (root / "etc/motd").read_text() == "hello\n"
    assert image.config.env[0].startswith("PATH=")
    # the diff_id is the sha256 of the uncompressed tar
    import gzip, hashlib
    assert image.diff_ids[0] == "sha256:" + hashlib.sha256(gzip.open(tar).read()).hexdigest()
    listing = contain("images", check=True).out.splitlines()
    assert listing[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert listing[1].split()[:3] == ["rootfs", "v1", image.short_id]


def test_import_errors_are_one_line(tmp_path, home):
    done = contain("import", str(tmp_path / "missing.tar"), "x")
    assert done.returncode == 1
    assert done.err == f"pysh: contain import: no such file: {tmp_path / 'missing.tar'}\n"
    (tmp_path / "junk.tar").write_bytes(b"not a tar at all" * 100)
    done = contain("import", str(tmp_path / "junk.tar"), "x")
    assert done.returncode == 1 and done.err.startswith("pysh: contain import: cannot unpack layer")
    assert "Traceback" not in done.err and len(done.err.splitlines()) == 1
    assert contain("images", "-q").out == ""  # no half-made image
    done = contain("images", "--bogus")
    assert (done.returncode, done.err) == (125, "pysh: contain images: unknown flag --bogus\n")  # as Docker


def test_layer_escapes_stay_inside(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    tar = make_tar(tmp_path / "evil.tar", [
        ("etc", "symlink", str(outside)),          # absolute link: must resolve inside root
        ("etc/passwd", "file", "owned\n"),
        ("up", "symlink", "../../.."),
        ("up/escaped", "file", "owned\n"),
    ])
    extract_layer(tar, root)
    assert list(outside.iterdir()) == []
    assert (root / str(outside).lstrip("/") / "passwd").read_text() == "owned\n"
    assert (root / "escaped").read_text() == "owned\n"
    assert secure_join(root, "../../x") == root / "x"
    dotdot = make_tar(tmp_path / "dotdot.tar", [("../x", "file", "bad")])
    with pytest.raises(ContainerError, match="escapes"):
        extract_layer(dotdot, tmp_path / "root2")


# --------------------------------------------------------------------------- bootstrap


@needs_root
def test_bootstrap_busybox_is_reproducible_and_runs(tmp_path, home, busybox, monkeypatch):
    assert busybox.repo_tags == ("busybox:latest",)
    assert busybox.config.cmd == ("sh",)
    other = ImageStore(tmp_path / "other-home")
    from pyshell.contain.image.bootstrap import bootstrap
    assert bootstrap(other, "busybox").id == busybox.id
    with overlay(tmp_path, busybox.layer_dirs) as (merged, _):
        assert chroot_sh(merged, "echo $((6*7)); cat /etc/passwd | head -1") == "42\nroot:x:0:0:root:/root:/bin/sh\n"
    done = contain("bootstrap", "alpine")
    assert done.returncode == 1 and "choose busybox, debian[:SUITE], redis, nginx, php:apache, python:3" in done.err


# --------------------------------------------------------------------------- whiteouts and commit


@needs_root
def test_whiteouts_from_a_tar_hide_lower_files(tmp_path, store, busybox):
    tar = make_tar(tmp_path / "delete.tar", [
        ("bin/.wh.ls", "file", ""),
        ("etc/.wh..wh..opq", "file", ""),
        ("etc/only", "file", "only\n"),
    ])
    diff_id = store.add_layer_from_tar(tar, busybox.layer_dirs)
    image = store.derive(busybox, "deleted:1", new_diff_id=diff_id, created_by="test")
    top = image.layer_dirs[-1]
    assert stat.S_ISCHR(os.lstat(top / "bin/ls").st_mode) and os.lstat(top / "bin/ls").st_rdev == 0
    assert os.getxattr(top / "etc", "trusted.overlay.opaque") == b"y"
    with overlay(tmp_path, image.layer_dirs) as (merged, _):
        assert not os.path.lexists(merged / "bin/ls") and os.path.lexists(merged / "bin/cat")
        assert sorted(os.listdir(merged / "etc")) == ["only"]


@needs_root
def test_commit_turns_an_upper_dir_into_a_layer(tmp_path, store, busybox):
    with overlay(tmp_path, busybox.layer_dirs, "first") as (merged, upper):
        chroot_sh(merged, "rm /bin/ls; rm -r /etc; mkdir /etc; echo new > /etc/new; "
                          "mkdir -p /data; echo hi > /data/file; ln /data/file /data/link")
        image = store.commit(upper, busybox, "committed:1", {"Cmd": ["cat", "/etc/new"]},
                             created_by="commit test")
    names = tarfile.open(store.layer_tar(image.diff_ids[-1])).getnames()
    assert {"bin/.wh.ls", "etc/.wh..wh..opq", "etc/new", "data/file", "data/link"} <= set(names)
    assert image.config.cmd == ("cat", "/etc/new") and image.config.env == busybox.config.env
    assert image.diff_ids[:-1] == busybox.diff_ids and image.parent == busybox.id
    assert [h.get("created_by") for h in image.oci_config["history"]][-1] == "commit test"
    with overlay(tmp_path, image.layer_dirs, "second") as (merged, _):
        assert chroot_sh(merged, "cat /etc/new; ls /etc; test -e /bin/ls || echo gone; cat /data/link") \
               == "new\nnew\ngone\nhi\n"


def test_write_layer_tar_is_deterministic(tmp_path):
    tree = tmp_path / "tree"
    (tree / "b").mkdir(parents=True)
    (tree / "a").write_text("a")
    (tree / "b/c").write_text("c")
    first, second = io.BytesIO(), io.BytesIO()
    write_layer_tar(tree, first)
    write_layer_tar(tree, second)
    assert first.getvalue() == second.getvalue()
    assert tarfile.open(fileobj=io.BytesIO(first.getvalue())).getnames() == ["a", "b", "b/c"]


# --------------------------------------------------------------------------- tag, rmi, inspect


@needs_root
def test_tag_rmi_and_layer_collection(tmp_path, home, store, busybox):
    contain("tag", "busybox", "mybox:2", check=True)
    assert store.resolve("mybox:2").id == busybox.id
    assert store.resolve(busybox.short_id[:6]).id == busybox.id
    assert store.resolve(busybox.id).repo_tags == ("busybox:latest", "mybox:2")
    done = contain("rmi", busybox.short_id)
    assert done.returncode == 1 and "referenced in multiple repositories" in done.err
    assert contain("rmi", "mybox:2", check=True).out == "Untagged: mybox:2\n"
    assert busybox.layer_dirs[0].is_dir()
    done = contain("rmi", "busybox")
    assert done.out == f"Untagged: busybox:latest\nDeleted: {busybox.id}\n"
    assert not busybox.layer_dirs[0].exists()
    done = contain("rmi", "busybox")
    assert (done.returncode, done.err) == (1, "pysh: contain rmi: no such image: busybox\n")


@needs_root
def test_inspect_image(home, busybox):
    document = json.loads(contain("inspect", "busybox", check=True).out)[0]
    assert document["Id"] == busybox.id and document["RepoTags"] == ["busybox:latest"]
    assert document["Config"]["Cmd"] == ["sh"] and document["RootFS"]["Layers"] == list(busybox.diff_ids)
    assert contain("inspect", "-f", "{{.Config.Cmd}} {{json .Config.Cmd}}", "busybox").out == '[sh] ["sh"]\n'
    done = contain("inspect", "nope")
    assert (done.returncode, done.err) == (1, "pysh: contain inspect: no such image: nope\n")


@needs_root
def test_parallel_imports_both_land(tmp_path, home, store):
    tars = [make_tar(tmp_path / f"r{i}.tar", [(f"file{i}", "file", str(i) * 100000)]) for i in range(4)]
    env = dict(os.environ)
    procs = [subprocess.Popen([sys.executable, "-m", "pyshell.contain", "import", str(t), f"par:{i}"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i, t in enumerate(tars)]
    assert [p.wait() for p in procs] == [0, 0, 0, 0]
    assert sorted(t for i in store.list_images() for t in i.repo_tags) == [f"par:{i}" for i in range(4)]


@needs_root
def test_rmi_spares_layers_of_an_image_still_being_added(tmp_path, home, store, busybox):
    """A pull stores its layers before its image: a parallel rmi must not collect them."""
    tar = make_tar(tmp_path / "extra.tar", [("extra", "file", "x")])
    pending = store.add_layer_from_tar(tar)          # like a pull halfway through
    assert store.claim_layer(busybox.diff_ids[0])     # an existing layer the pull will reuse
    contain("rmi", "busybox", check=True)             # another process removes busybox
    assert store.has_layer(pending) and store.has_layer(busybox.diff_ids[0])
    image = store.derive(None, "late:1", new_diff_id=pending)  # the pull records its image
    assert not list(store.layer_path(pending).glob(".pending-*"))
    contain("rmi", "late:1", check=True)
    assert not store.has_layer(pending)
    assert image.diff_ids == (pending,)
