"""Disk images with qemu-img: `vm disk create` and `vm disk info`.

qcow2 ("QEMU copy-on-write") grows as the guest writes; a raw image is a plain (sparse) file.
A qcow2 can sit on a read-only *backing* image and store only the blocks that differ: one
base install, many cheap machines on top of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from pyshell.errors import VmError
from pyshell.vm.spec import DISK_FORMATS, parse_size


def qemu_img() -> str:
    path = shutil.which("qemu-img")
    if not path:
        raise VmError("qemu-img not found (Debian: apt-get install qemu-utils)")
    return path


def create_argv(path: str, size: str | None, disk_format: str = "qcow2",
                backing: str | None = None) -> list[str]:
    """The qemu-img command that creates PATH (checked first: qemu-img's errors are terse)."""
    if disk_format not in DISK_FORMATS:
        raise VmError(f"--format {disk_format}: want one of {', '.join(DISK_FORMATS)}")
    if os.path.exists(path):
        raise VmError(f"{path}: file exists")
    argv = ["qemu-img", "create", "-f", disk_format]
    if backing:
        if disk_format != "qcow2":
            raise VmError("--backing needs --format qcow2")
        backing_info = info(backing)
        # QEMU 7 refuses to guess the backing file's format: say it (-F).
        argv += ["-b", os.path.abspath(backing), "-F", backing_info["format"]]
    argv.append(path)
    if size is not None:
        argv.append(str(parse_size(size)))
    elif not backing:
        raise VmError("disk create: a SIZE is needed (it may be omitted only with --backing)")
    return argv


def create(path: str, size: str | None, disk_format: str = "qcow2",
           backing: str | None = None) -> str:
    """Create the image; return qemu-img's own report ("Formatting …")."""
    argv = create_argv(path, size, disk_format, backing)
    return _run([qemu_img(), *argv[1:]])


def info(path: str) -> dict:
    """qemu-img info --output=json: format, virtual-size, actual-size, backing-filename…"""
    if not os.path.exists(path):
        raise VmError(f"{path}: no such file")
    return json.loads(_run([qemu_img(), "info", "--output=json", path]))


def info_text(path: str) -> str:
    if not os.path.exists(path):
        raise VmError(f"{path}: no such file")
    return _run([qemu_img(), "info", path])


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise VmError(message.removeprefix("qemu-img: "))
    return done.stdout
