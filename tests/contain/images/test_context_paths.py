"""COPY/ADD sources resolved inside the build context (symlinks as if the context were "/"),
on a real directory tree; then real builds that try to read the host through links."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from conftest import contain, needs_root
from pyshell.contain.image.paths import resolve_in_scope
from pyshell.errors import ContainerError


@pytest.fixture
def context(tmp_path) -> Path:
    root = tmp_path / "ctx"
    (root / "sub").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc" / "hostname").write_text("context's own\n")
    (root / "sub" / "f").write_text("inside\n")
    links = {"etclink": "/etc", "abslink": "/etc/hostname", "up": "../../../../../etc/hostname",
             "dirlink": "sub", "rel": "sub/f", "dangling": "/nowhere", "loop1": "loop2", "loop2": "loop1",
             "sub/back": "../etc", "filedir": "sub/f"}
    for name, target in links.items():
        os.symlink(target, root / name)
    return root


RESOLVES = [
    # (path written in the Dockerfile, follow_last, resolved path or None = not in the context)
    ("etclink/hostname", True, "etc/hostname"),      # /etc -> <context>/etc, never the host's
    ("etclink/shadow", True, None),
    ("abslink", True, "etc/hostname"),
    ("abslink", False, "abslink"),                   # met while copying a directory: stays a link
    ("up", True, "etc/hostname"),                    # '..' stops at the context's top
    ("../../etc/passwd", True, None),
    ("dirlink/f", True, "sub/f"),
    ("dirlink", True, "sub"),
    ("rel", True, "sub/f"),
    ("sub/back/hostname", True, "etc/hostname"),
    ("dangling", True, None),
    ("dangling", False, "dangling"),
    ("filedir/x", True, None),                       # a file is no directory
    ("./sub//f", True, "sub/f"),
    ("", True, ""),
]


@pytest.mark.parametrize("path,follow_last,expected", RESOLVES)
def test_resolve_in_scope(context, path, follow_last, expected):
    assert resolve_in_scope(str(context), path, follow_last) == expected


def test_link_loops_and_ignored_paths(context):
    with pytest.raises(ContainerError, match="too many levels of symbolic links in loop1"):
        resolve_in_scope(str(context), "loop1")
    hidden = {"etc/hostname", "dirlink"}.__contains__
    assert resolve_in_scope(str(context), "abslink", hidden=hidden) is None   # the target is ignored
    assert resolve_in_scope(str(context), "dirlink/f", hidden=hidden) is None  # the link is ignored
    assert resolve_in_scope(str(context), "sub/f", hidden=hidden) == "sub/f"


# --------------------------------------------------------------------------- real builds

HOST_SECRET = "/etc/hostname"  # a host file every machine has; the context has its own etc/hostname


def _layer_archive(path: Path, members: dict[str, str]) -> None:
    with tarfile.open(path, "w") as archive:
        for name, text in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text.encode()))


ESCAPES = [
    # (Dockerfile after FROM busybox, error on stderr or None, what /out holds when it builds)
    ("COPY etclink/shadow /out\n", "no such file or directory in the build context", None),
    ("COPY abslink /out\n", None, "context's own\n"),
    ("COPY up /out\n", None, "context's own\n"),
    ("COPY etclink/hostname /out\n", None, "context's own\n"),
    ("COPY ignored_link /out\n", "no such file or directory in the build context", None),
    ("COPY to_ignored /out\n", "no such file or directory in the build context", None),
    ("ADD tarlink /outdir/\n", "no such file or directory in the build context", None),       # an archive on the host
    ("ADD inside.tar /outdir/\nRUN cat /outdir/m > /out\n", None, "member\n"),
    ("COPY --from=0 /etclink/marker /out\n", None, "the stage's\n"),      # links followed inside the stage
    ("COPY --from=0 /etclink/nothing /out\n", "/etclink/nothing: no such file or directory", None),
]


@needs_root
@pytest.mark.parametrize("instructions,error,content", ESCAPES)
def test_copy_never_reads_the_host_through_links(tmp_path, home, store, busybox, instructions, error, content):
    context = tmp_path / "ctx"
    (context / "etc").mkdir(parents=True)
    (context / "etc" / "hostname").write_text("context's own\n")
    (context / "secret").write_text("ignored\n")
    for name, target in {"etclink": "/etc", "abslink": HOST_SECRET, "up": "../../../.." + HOST_SECRET,
                         "ignored_link": "etc/hostname", "to_ignored": "secret",
                         "tarlink": str(tmp_path / "host.tar")}.items():
        os.symlink(target, context / name)
    _layer_archive(tmp_path / "host.tar", {"m": "from the host\n"})
    _layer_archive(context / "inside.tar", {"m": "member\n"})
    (context / ".dockerignore").write_text("ignored_link\nsecret\n")
    if "--from=0" in instructions:  # a stage whose /etclink points at its own /etc
        dockerfile = "FROM busybox\nRUN ln -s /etc /etclink && echo \"the stage's\" > /etc/marker\nFROM busybox\n" \
            + instructions
    else:
        dockerfile = "FROM busybox\n" + instructions
    (context / "Dockerfile").write_text(dockerfile)
    done = contain("build", "-t", "escape", str(context))
    if error:
        assert done.returncode == 1 and error in done.err and "Traceback" not in done.err, done.err
        return
    assert done.returncode == 0, done.err
    from pyshell.contain.build.files import ImageTree

    image = store.resolve("escape")
    assert ImageTree(image.layer_dirs).read_text("out") == content
