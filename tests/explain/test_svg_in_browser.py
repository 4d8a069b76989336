"""`explain --svg`: a well-formed SVG that a real browser (headless Chromium) draws."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
# the flags that work on these machines (no sandbox as root, no network chatter)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def make_svg(tmp_path: Path, *lines: str) -> Path:
    picture = tmp_path / "picture.svg"
    args = [lines[0]] + [part for line in lines[1:] for part in ("--vs", line)]
    done = subprocess.run([sys.executable, "-m", "pyshell", "-c", 'explain --ascii --svg "$@"', "pysh",
                           str(picture), *args], stdin=subprocess.DEVNULL, capture_output=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=30)
    assert done.returncode == 0, done.stderr
    return picture


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """(width, height, raw scanlines) of an 8-bit RGB(A) PNG — enough to see it is not blank."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat = 8, b""
    width = height = 0
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    return width, height, zlib.decompress(idat)


def test_svg_is_well_formed_and_names_what_ran(tmp_path):
    picture = make_svg(tmp_path, "ls / | wc -l > count")
    root = ElementTree.parse(picture).getroot()
    texts = " ".join(element.text or "" for element in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "ls /" in texts and "wc -l" in texts and "count" in texts
    assert "execve('/usr/bin/wc', ['wc', '-l'])" in texts
    paths = list(root.iter("{http://www.w3.org/2000/svg}path"))
    assert any("url(#arrow)" in (p.get("marker-end") or "") for p in paths), "no pipe arrow"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/test-packages.txt has it)")
def test_chromium_draws_the_svg(tmp_path):
    picture = make_svg(tmp_path, "ls / > out 2>&1", "ls / 2>&1 > out")
    ElementTree.parse(picture)  # a browser shows an error page for bad XML: rule that out first
    shot = tmp_path / "shot.png"
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           f"--screenshot={shot}", "--window-size=1200,800", picture.as_uri()],
                          capture_output=True, timeout=120)
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    width, height, raw = png_pixels(shot)
    assert (width, height) == (1200, 800)
    # the picture is drawn: many bytes are neither white (255) nor a filter-type byte
    inked = sum(1 for byte in raw[::7] if byte < 200)
    assert inked > 2000, f"the screenshot looks blank ({inked} dark samples)"
