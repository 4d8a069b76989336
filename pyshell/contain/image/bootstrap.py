"""Images with no registry: ``contain bootstrap busybox`` and ``contain bootstrap debian[:SUITE]``.

* busybox: Debian's ``busybox-static`` (one static binary with ~270 applets) plus
  a symlink per applet, /etc/passwd and /etc/group. The tar is built in memory
  with fixed timestamps, so the same binary always gives the same image id.
* debian: ``mmdebstrap --variant=minbase SUITE`` writes a root filesystem tar
  (apt, dpkg, bash, coreutils: ~100 MB), imported as a one-layer image.

Both downloads are cached (``cache_dir()``), so a second bootstrap — or a test
suite that bootstraps into a fresh PYSH_HOME each time — does not redo them.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from pyshell.contain.image.store import DEFAULT_PATH, Image, ImageStore
from pyshell.errors import ContainerError
from pyshell.statedir import locked

FIXED_MTIME = 946684800  # 2000-01-01: a reproducible tar gives a reproducible image id
FIXED_CREATED = "2000-01-01T00:00:00Z"


def cache_dir() -> Path:
    """$PYSH_CACHE, else /var/cache/pysh for root, else $XDG_CACHE_HOME/pysh."""
    if os.environ.get("PYSH_CACHE"):
        return Path(os.environ["PYSH_CACHE"])
    if os.geteuid() == 0:
        return Path("/var/cache/pysh")
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "pysh"


def bootstrap(store: ImageStore, what: str, log=lambda line: None) -> Image:
    """Entry point: 'busybox' or 'debian[:SUITE]' -> a tagged image in ``store``."""
    name, _, suite = what.partition(":")
    if name == "busybox":
        return bootstrap_busybox(store, log)
    if name == "debian":
        return bootstrap_debian(store, suite or "bookworm", log)
    raise ContainerError(f"cannot bootstrap {what!r}: choose busybox or debian[:SUITE]")


# --------------------------------------------------------------------------- busybox


def bootstrap_busybox(store: ImageStore, log) -> Image:
    binary = find_static_busybox(log)
    applets = subprocess.run([str(binary), "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for directory, mode in (("bin", 0o755), ("dev", 0o755), ("etc", 0o755), ("home", 0o755),
                                ("proc", 0o555), ("root", 0o700), ("sbin", 0o755), ("sys", 0o555),
                                ("tmp", 0o1777), ("usr", 0o755), ("usr/bin", 0o755),
                                ("usr/sbin", 0o755), ("var", 0o755)):
            archive.addfile(_entry(directory, tarfile.DIRTYPE, mode))
        with open(binary, "rb") as content:
            member = _entry("bin/busybox", tarfile.REGTYPE, 0o755)
            member.size = os.fstat(content.fileno()).st_size
            archive.addfile(member, content)
        for applet in sorted(set(applets)):
            if applet == "bin/busybox":
                continue
            link = _entry(applet, tarfile.SYMTYPE, 0o777)
            link.linkname = "/bin/busybox"
            archive.addfile(link)
        for path, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
                           ("etc/group", "root:x:0:\nnogroup:x:65534:\n")):
            member = _entry(path, tarfile.REGTYPE, 0o644)
            member.size = len(text)
            archive.addfile(member, io.BytesIO(text.encode()))
    buffer.seek(0)
    image = store.import_rootfs(io.BufferedReader(buffer), "busybox:latest",
                                changes={"Env": [f"PATH={DEFAULT_PATH}"], "Cmd": ["sh"]},
                                created_by="contain bootstrap busybox (Debian busybox-static)",
                                created=FIXED_CREATED)
    log(f"busybox:latest {image.id}")
    return image


def _entry(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type = kind
    member.mode = mode
    member.mtime = FIXED_MTIME
    return member


def find_static_busybox(log) -> Path:
    """An installed static busybox, else the one in Debian's busybox-static .deb (cached)."""
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(candidate) and is_static_elf(Path(candidate)):
            return Path(candidate)
    cached = cache_dir() / "busybox-static" / "busybox"
    if cached.exists():
        return cached
    if not shutil.which("apt-get"):
        raise ContainerError("bootstrap busybox: no static busybox here and no apt-get to fetch one")
    cached.parent.mkdir(parents=True, exist_ok=True)
    with locked(cached.parent / "lock"), tempfile.TemporaryDirectory(dir=cached.parent) as work:
        if cached.exists():
            return cached
        log("fetching Debian's busybox-static package")
        # apt-get download fetches the .deb without installing it (busybox-static
        # conflicts with the dynamic busybox package a host may have).
        done = subprocess.run(["apt-get", "download", "busybox-static"], cwd=work,
                              capture_output=True, text=True)
        debs = list(Path(work).glob("busybox-static_*.deb"))
        if done.returncode != 0 or not debs:
            raise ContainerError(f"bootstrap busybox: apt-get download busybox-static failed: "
                                 f"{done.stderr.strip().splitlines()[-1:] or done.returncode}")
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), f"{work}/x"], check=True)
        shutil.copy2(f"{work}/x/bin/busybox", f"{work}/busybox")
        os.replace(f"{work}/busybox", cached)
    return cached


def is_static_elf(path: Path) -> bool:
    """True for an ELF executable with no PT_INTERP (no dynamic loader to find inside the image)."""
    import struct

    with open(path, "rb") as elf:
        header = elf.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit only
            return False
        phoff, = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        elf.seek(phoff)
        table = elf.read(phentsize * phnum)
    PT_INTERP = 3
    return all(struct.unpack_from("<I", table, i * phentsize)[0] != PT_INTERP for i in range(phnum))


# --------------------------------------------------------------------------- debian


def bootstrap_debian(store: ImageStore, suite: str, log) -> Image:
    import datetime

    tarball = debian_rootfs_tar(suite, log)
    # The tarball's mtime as the creation date: the same cached tarball, the same image id.
    made = datetime.datetime.fromtimestamp(int(tarball.stat().st_mtime), datetime.timezone.utc)
    image = store.import_rootfs(tarball, f"debian:{suite}",
                                changes={"Env": [f"PATH={DEFAULT_PATH}"], "Cmd": ["bash"]},
                                created_by=f"mmdebstrap --variant=minbase {suite}",
                                created=made.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if suite == "bookworm":
        store.tag(image.id, "debian:latest")
    log(f"debian:{suite} {image.id}")
    return store.get(image.id)


def debian_rootfs_tar(suite: str, log) -> Path:
    """The cached minbase tarball for ``suite``, made with mmdebstrap on first use."""
    if not suite.replace("-", "").isalnum():
        raise ContainerError(f"bootstrap debian: bad suite name {suite!r}")
    cached = cache_dir() / f"debian-{suite}-minbase.tar"
    if cached.exists():
        return cached
    if not shutil.which("mmdebstrap"):
        raise ContainerError("bootstrap debian: mmdebstrap is not installed (apt-get install mmdebstrap)")
    cached.parent.mkdir(parents=True, exist_ok=True)
    with locked(cached.parent / f"debian-{suite}.lock"):
        if cached.exists():
            return cached
        partial = cached.with_name(f".partial-{os.getpid()}-{cached.name}")  # mmdebstrap picks the format from ".tar"
        log(f"running mmdebstrap --variant=minbase {suite} (a minute or two, once)")
        mode = [] if os.geteuid() == 0 else ["--mode=unshare"]
        done = subprocess.run(["mmdebstrap", "--variant=minbase", "--quiet", *mode, suite, str(partial)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            raise ContainerError(f"bootstrap debian: mmdebstrap failed: {last}")
        os.replace(partial, cached)
    return cached
