"""The tiny offline guest: a Debian kernel and a busybox initramfs, built from Debian packages.

`vm create --tiny` boots this guest so that students and tests have a real Linux in a few
seconds with no download from the Internet: everything comes from the machine's apt sources.

    build_tiny_guest()  →  TinyGuest(kernel=…/vmlinux, initrd=…/initramfs.cpio.gz, append=…)

The recipe, step by step (each one is a function below):
1. `apt-get download` the kernel package that linux-image-amd64 points to, and busybox-static
   (downloaded, not installed: busybox-static conflicts with the `busybox` package).
2. `dpkg-deb -x` both into a scratch directory.
3. Decompress the kernel: a bzImage is a small x86 decompressor followed by an xz payload, the
   ELF `vmlinux`. QEMU boots that ELF directly through its PVH entry point, which skips the
   BIOS and the decompressor that TCG would otherwise emulate (about 4 s instead of 9 s here).
4. Pick the driver modules the guest needs and, from each module's `depends=` field, the
   modules they need; /etc/modules lists them in load order, so `insmod` alone suffices.
5. Write the initramfs as a "newc" cpio archive (the format the kernel unpacks into its first
   root filesystem), gzip it.

The result is cached under $XDG_CACHE_HOME/pysh/tiny-guest/<recipe hash>/ and built once.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import json
import lzma
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyshell.errors import VmError

# Drivers the guest loads: network cards (the course's e1000, and virtio-net), the memory
# balloon, disks (IDE for -hda, virtio-blk), and the ACPI power button that `vm stop` presses.
GUEST_MODULES = ("e1000", "virtio_pci", "virtio_net", "virtio_balloon", "virtio_blk",
                 "button", "evdev", "ata_piix", "sd_mod")

# No `quiet`: the boot messages are worth reading on the console (and cost nothing here).
KERNEL_APPEND = "console=ttyS0 panic=-1"

# ---- the guest's own files ----------------------------------------------------------------
# busybox init (PID 1) reads /etc/inittab: never an interactive shell as PID 1, because if it
# exits the kernel panics ("Attempted to kill init"); init respawns the shell instead.
INITTAB = """\
# run once at boot
::sysinit:/etc/init.d/rcS
# a root shell on the serial console (ttyS0), started again whenever it exits
::respawn:/bin/cttyhack /bin/sh -l
# the guest side of `vm exec`, on the second serial port (ttyS1)
::respawn:/sbin/pysh-agent
::ctrlaltdel:/bin/poweroff
::shutdown:/bin/umount -a -r
"""

RCS = """\
#!/bin/sh
# Boot script (run by busybox init before anything else, see /etc/inittab).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

# Drivers, listed in dependency order: plain insmod, no modules.dep needed.
while read -r module; do
    insmod "/lib/modules/$module" || echo "rcS: insmod $module failed"
done < /etc/modules

hostname tiny
ip link set lo up

# The ACPI power button (QMP system_powerdown, used by `vm stop`) -> /etc/acpi/PWRF/00000080.
acpid -l /var/log/acpid.log

# A CPU added with `vm cpu NAME add` arrives offline; distributions online it from a udev rule.
/sbin/cpu-online-watcher &

# Network: QEMU's user-mode network has a DHCP server (10.0.2.2). The link must be up first,
# or udhcpc loops on "Network is down".
if [ -e /sys/class/net/eth0 ]; then
    ip link set eth0 up
    udhcpc -i eth0 -s /etc/udhcpc/default.script -q -n -t 10 -T 1 >/dev/null 2>&1 \\
        || echo "rcS: no DHCP lease on eth0"
fi
echo "tiny guest ready: $(nproc) cpu(s), $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB, \\
ip $(ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}')"
"""

# Debian's busybox udhcpc runs /etc/udhcpc/default.script with the lease in its environment.
UDHCPC_SCRIPT = """\
#!/bin/sh
case "$1" in
    deconfig)
        ip addr flush dev "$interface"
        ip link set "$interface" up ;;
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" dev "$interface"
        for gateway in $router; do ip route add default via "$gateway" dev "$interface"; break; done
        : > /etc/resolv.conf
        for server in $dns; do echo "nameserver $server" >> /etc/resolv.conf; done ;;
esac
exit 0
"""

CPU_ONLINE_WATCHER = """\
#!/bin/sh
# Online each CPU the first time it appears (a hot-added CPU starts offline). A CPU that was
# already there is left alone, so `echo 0 > .../online` by hand still works.
seen=$(echo /sys/devices/system/cpu/cpu[0-9]*)
while sleep 1; do
    now=$(echo /sys/devices/system/cpu/cpu[0-9]*)
    for cpu in $now; do
        case " $seen " in *" $cpu "*) continue ;; esac
        [ "$(cat "$cpu/online" 2>/dev/null)" = 0 ] && echo 1 > "$cpu/online"
    done
    seen=$now
done
"""

# The guest side of `vm exec`. One request per line on ttyS1, one answer per request:
#   host -> guest   ping ID      | exec ID BASE64-OF-A-SHELL-SCRIPT
#   guest -> host   pong ID      | out ID, base64 lines, err ID, base64 lines, status ID N
# Output is base64-encoded so that no byte of it can be mistaken for the framing. Every fork
# costs milliseconds under TCG, so the loop uses as few as it can.
AGENT = """\
#!/bin/sh
port=/dev/ttyS1
stty -F $port raw -echo
exec < $port > $port 2>/dev/null
cd /root
while read -r verb id payload; do
    case $verb in
    ping)
        echo "pong $id" ;;
    exec)
        base64 -d > /tmp/exec.sh <<EOF
$payload
EOF
        sh /tmp/exec.sh < /dev/null > /tmp/exec.out 2> /tmp/exec.err
        status=$?
        echo "out $id"
        [ -s /tmp/exec.out ] && base64 /tmp/exec.out
        echo "err $id"
        [ -s /tmp/exec.err ] && base64 /tmp/exec.err
        echo "status $id $status" ;;
    esac
done
"""

POWER_BUTTON = """\
#!/bin/sh
echo "power button pressed: powering off" > /dev/console
poweroff
"""

PROFILE = """\
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root PS1='tiny# '
"""

# Bump when the recipe changes in a way the hash of the texts above does not see.
RECIPE_VERSION = 1


@dataclass(frozen=True)
class TinyGuest:
    kernel: Path        # the decompressed ELF vmlinux (booted through its PVH entry)
    initrd: Path        # the gzipped newc cpio
    append: str         # the kernel command line
    kernel_version: str


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pysh" / "tiny-guest"


def recipe_hash() -> str:
    texts = [INITTAB, RCS, UDHCPC_SCRIPT, CPU_ONLINE_WATCHER, AGENT, POWER_BUTTON, PROFILE,
             " ".join(GUEST_MODULES), str(RECIPE_VERSION)]
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]


def build_tiny_guest(cache_dir: Path | None = None, progress=None) -> TinyGuest:
    """Return the cached tiny guest, building it first if needed (takes ~15 s once)."""
    final = (cache_dir or cache_root()) / recipe_hash()
    cached = _load_cached(final)
    if cached:
        return cached
    final.parent.mkdir(parents=True, exist_ok=True)
    # Two shells may build at once (tests run in parallel): one builds, the other waits.
    with open(final.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = _load_cached(final)
        if cached:
            return cached
        with tempfile.TemporaryDirectory(dir=final.parent, prefix=".build-") as scratch:
            guest_dir = Path(scratch) / "guest"
            guest_dir.mkdir()
            _build_into(Path(scratch), guest_dir, progress or (lambda message: None))
            os.replace(guest_dir, final)   # atomic: a reader sees all of it or nothing
    return _load_cached(final)


def _load_cached(directory: Path) -> TinyGuest | None:
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return TinyGuest(kernel=directory / "vmlinux", initrd=directory / "initramfs.cpio.gz",
                     append=KERNEL_APPEND, kernel_version=manifest["kernel_version"])


def _build_into(scratch: Path, guest_dir: Path, progress) -> None:
    kernel_package = _kernel_package_name()
    progress(f"downloading {kernel_package} and busybox-static (apt-get download)")
    kernel_deb = _apt_download(kernel_package, scratch)
    busybox_deb = _apt_download("busybox-static", scratch)

    progress("unpacking them (dpkg-deb -x)")
    kernel_tree = scratch / "kernel"
    _run(["dpkg-deb", "-x", str(kernel_deb), str(kernel_tree)])
    busybox_tree = scratch / "busybox"
    _run(["dpkg-deb", "-x", str(busybox_deb), str(busybox_tree)])

    [bzimage] = sorted((kernel_tree / "boot").glob("vmlinuz-*"))
    kernel_version = bzimage.name.removeprefix("vmlinuz-")
    progress(f"decompressing the kernel {kernel_version} to an ELF vmlinux")
    (guest_dir / "vmlinux").write_bytes(decompress_bzimage(bzimage.read_bytes()))

    progress("writing the initramfs")
    module_root = kernel_tree / "lib" / "modules" / kernel_version
    modules = module_load_order(module_root, GUEST_MODULES)
    busybox = busybox_tree / "bin" / "busybox"
    archive = initramfs_archive(busybox, module_root, modules)
    with open(guest_dir / "initramfs.cpio.gz", "wb") as out:
        out.write(gzip.compress(archive, compresslevel=1))
    manifest = {"kernel_package": kernel_package, "kernel_version": kernel_version,
                "modules": [str(m) for m in modules]}
    (guest_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _kernel_package_name() -> str:
    """The versioned package linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64."""
    output = _run(["apt-cache", "depends", "linux-image-amd64"])
    for line in output.splitlines():
        word = line.strip().removeprefix("Depends:").strip()
        if line.strip().startswith("Depends:") and word.startswith("linux-image-"):
            return word
    raise VmError("tiny guest: apt-cache knows no linux-image-amd64 (run apt-get update)")


def _apt_download(package: str, directory: Path) -> Path:
    # Sandbox user root: the _apt user could not write into our private scratch directory.
    _run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", package], cwd=directory)
    found = sorted(directory.glob(f"{package}_*.deb"))
    if not found:
        raise VmError(f"tiny guest: apt-get download {package} produced no .deb")
    return found[-1]


def _run(argv: list[str], cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise VmError(f"tiny guest: {argv[0]} not found (a Debian machine is needed)") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise VmError(f"tiny guest: {' '.join(argv[:3])} failed: {last}")
    return done.stdout


def decompress_bzimage(bzimage: bytes) -> bytes:
    """The ELF vmlinux inside a bzImage whose payload is xz-compressed (Debian's kernels)."""
    start = bzimage.find(b"\xfd7zXZ\x00")   # the xz stream's magic number
    if start < 0:
        raise VmError("tiny guest: the kernel image has no xz payload")
    decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    vmlinux = decompressor.decompress(bzimage[start:])
    if not vmlinux.startswith(b"\x7fELF"):
        raise VmError("tiny guest: the kernel payload is not an ELF file")
    return vmlinux


def module_load_order(module_root: Path, wanted: tuple[str, ...]) -> list[Path]:
    """Module files (relative to module_root) with their dependencies, each after what it needs."""
    by_name = {}
    for path in (module_root / "kernel").rglob("*.ko"):
        by_name[path.stem.replace("-", "_")] = path
    order: list[Path] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        name = name.replace("-", "_")
        if name in done:
            return
        done.add(name)
        if name not in by_name:
            raise VmError(f"tiny guest: kernel module {name} not found")
        for dependency in _module_depends(by_name[name]):
            visit(dependency)
        order.append(by_name[name].relative_to(module_root))

    for name in wanted:
        visit(name)
    return order


def _module_depends(module: Path) -> list[str]:
    # The .modinfo section holds NUL-separated key=value strings, one of them "depends=a,b".
    for field in module.read_bytes().split(b"\0"):
        if field.startswith(b"depends="):
            value = field.removeprefix(b"depends=").decode()
            return [name for name in value.split(",") if name]
    return []


def initramfs_archive(busybox: Path, module_root: Path, modules: list[Path]) -> bytes:
    """The guest's whole root filesystem, as a newc cpio archive."""
    archive = CpioWriter()
    for directory in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "etc/init.d",
                      "etc/udhcpc", "etc/acpi", "etc/acpi/PWRF", "proc", "sys", "dev", "tmp",
                      "root", "var", "var/log", "var/run", "lib", "lib/modules"):
        archive.directory(directory)
    # /dev/console must exist before devtmpfs is mounted: the kernel opens it for init's stdio.
    archive.char_device("dev/console", major=5, minor=1)
    archive.file("bin/busybox", busybox.read_bytes(), mode=0o755)
    for applet in _busybox_applets(busybox):
        if applet != "busybox":
            archive.symlink(f"bin/{applet}", "busybox")
    archive.symlink("init", "bin/busybox")
    archive.symlink("sbin/init", "../bin/busybox")
    archive.file("etc/inittab", INITTAB.encode())
    archive.file("etc/init.d/rcS", RCS.encode(), mode=0o755)
    archive.file("etc/udhcpc/default.script", UDHCPC_SCRIPT.encode(), mode=0o755)
    archive.file("etc/acpi/PWRF/00000080", POWER_BUTTON.encode(), mode=0o755)
    archive.file("etc/profile", PROFILE.encode())
    archive.file("sbin/cpu-online-watcher", CPU_ONLINE_WATCHER.encode(), mode=0o755)
    archive.file("sbin/pysh-agent", AGENT.encode(), mode=0o755)
    for module in modules:
        archive.file(f"lib/modules/{module.name}", (module_root / module).read_bytes())
    archive.file("etc/modules", "".join(f"{m.name}\n" for m in modules).encode())
    return archive.finish()


def _busybox_applets(busybox: Path) -> list[str]:
    # busybox-static runs on the host too, so it can list its own applets.
    return _run([str(busybox), "--list"]).split()


class CpioWriter:
    """Writes the "newc" cpio format: for each entry a 110-byte ASCII header, the name, the
    data, each padded to 4 bytes; a last entry named TRAILER!!! ends the archive."""

    def __init__(self):
        self._out = io.BytesIO()
        self._inode = 0

    def directory(self, name: str) -> None:
        self._entry(name, stat.S_IFDIR | 0o755, b"")

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name: str, major: int, minor: int) -> None:
        self._entry(name, stat.S_IFCHR | 0o600, b"", rdev=(major, minor))

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0, b"")
        return self._out.getvalue()

    def _entry(self, name: str, mode: int, data: bytes, rdev: tuple[int, int] = (0, 0)) -> None:
        self._inode += 1
        encoded_name = name.encode() + b"\0"
        fields = (self._inode, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(encoded_name), 0)
        header = b"070701" + b"".join(b"%08X" % value for value in fields)
        self._out.write(header + encoded_name)
        self._pad()
        self._out.write(data)
        self._pad()

    def _pad(self) -> None:
        self._out.write(b"\0" * (-self._out.tell() % 4))


def remove_cache(cache_dir: Path | None = None) -> None:
    shutil.rmtree(cache_dir or cache_root(), ignore_errors=True)
