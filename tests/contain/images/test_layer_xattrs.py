"""Extended attributes survive a layer round trip: directory -> tar (PAX SCHILY.xattr.*) -> directory."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import needs_root
from pyshell.contain.image.layers import extract_layer, write_layer_tar


def _round_trip(source: Path, tmp_path: Path) -> tuple[tarfile.TarFile, Path]:
    buffer = io.BytesIO()
    write_layer_tar(source, buffer)
    tar_path = tmp_path / "layer.tar"
    tar_path.write_bytes(buffer.getvalue())
    target = tmp_path / "extracted"
    target.mkdir()
    extract_layer(tar_path, target)
    return tarfile.open(tar_path), target


def test_user_xattr_recorded_and_restored(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "file").write_text("x")
    try:
        os.setxattr(source / "file", "user.pysh.note", b"hello \xff binary")
    except OSError as error:
        pytest.skip(f"no user xattrs on {tmp_path}: {error}")
    archive, target = _round_trip(source, tmp_path)
    member = archive.getmember("file")
    assert "SCHILY.xattr.user.pysh.note" in member.pax_headers
    assert os.getxattr(target / "file", "user.pysh.note") == b"hello \xff binary"


@needs_root
@pytest.mark.skipif(shutil.which("setcap") is None, reason="setcap missing (Debian package libcap2-bin)")
def test_file_capability_survives_a_layer(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy("/bin/true", source / "ping")
    subprocess.run(["setcap", "cap_net_raw+ep", str(source / "ping")], check=True)
    (source / "dir").mkdir()
    os.setxattr(source / "dir", "trusted.overlay.opaque", b"y")  # overlay bookkeeping: not an xattr record
    archive, target = _round_trip(source, tmp_path)
    assert "SCHILY.xattr.security.capability" in archive.getmember("ping").pax_headers
    assert not any(k.startswith("SCHILY.xattr.") for k in archive.getmember("dir").pax_headers)
    assert archive.getmember("dir/.wh..wh..opq")  # the opaque dir is written as its marker instead
    shown = subprocess.run(["getcap", str(target / "ping")], capture_output=True, text=True, check=True).stdout
    assert "cap_net_raw" in shown
