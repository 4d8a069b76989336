"""`vm bootstrap debian`: a Debian bookworm disk that boots by itself, made offline from Debian
packages (no installer, and nothing downloaded but from the machine's own apt sources).

How a PC boots, and how the disk is laid out for each step:

    BIOS (SeaBIOS) -> the MBR: 440 bytes of boot code (syslinux's mbr.bin) and the partition
    table -> the boot sector of the active partition (syslinux, on FAT) -> syslinux.cfg -> the
    kernel and its initramfs -> the initramfs loads the disk drivers, mounts the root partition
    and hands over to /sbin/init (systemd) -> getty on the serial console, sshd, qemu-ga

    0        1 MiB                65 MiB                                       --size
    | MBR ... | p1 FAT16 (active):  | p2 ext4: the root filesystem, Debian       |
              | syslinux, vmlinuz,  | made by mmdebstrap                          |
              | initrd.img          |                                             |

The base, built once and cached (cache_root()/<recipe hash>/; minutes the first time):
1. mmdebstrap writes the Debian tree into a private scratch directory (never the host's own
   files): minbase plus a kernel, systemd, openssh-server, qemu-guest-agent; hooks set up
   the initramfs, DHCP, the CPU hotplug rule and the course's `chps` account.
2. `mkfs.ext4 -d` turns the tree into a filesystem image, root.ext4: no mount, no loop device.
3. mkfs.fat, mtools and syslinux make boot.fat: the kernel, the initramfs, syslinux.cfg.

Each disk (`vm bootstrap debian FILE`, seconds):
4. copy root.ext4 and grow it to fill --size (resize2fs works on an image file);
5. debugfs writes the disk's own files into it: /etc/shadow with the password's hash, ssh
   authorized_keys, fresh ssh host keys, the hostname;
6. lay the MBR, boot.fat and root.ext4 at their offsets in a sparse raw file and convert it
   to qcow2 (`qemu-img convert` stores no cluster of zeros).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyshell.errors import VmError
from pyshell.statedir import locked

SUITE = "bookworm"
DEFAULT_PASSWORD = "toto"           # the course's image: root and chps, password toto
LAB_USER = "chps"

# Beyond minbase (apt, dpkg, bash, coreutils): a boot, a login, the course's tools.
PACKAGES = ("linux-image-amd64", "initramfs-tools", "systemd-sysv", "udev", "dbus",
            "openssh-server", "qemu-guest-agent", "sudo", "iproute2", "iputils-ping",
            "procps", "htop", "less")

# dpkg leaves these out of the tree (documentation, translations, drivers for hardware QEMU
# does not emulate): a smaller image, less to copy.
PATH_EXCLUDES = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*",
                 *(f"/lib/modules/*/kernel/{tree}/*" for tree in (
                     "drivers/gpu", "drivers/media", "drivers/net/wireless", "drivers/infiniband",
                     "drivers/staging", "drivers/iio", "drivers/bluetooth", "drivers/isdn",
                     "net/bluetooth", "sound")))
PATH_INCLUDES = ("/usr/share/doc/*/copyright",)

# Drivers in the initramfs: just what finds the root disk (IDE as -hda, virtio-blk, virtio-scsi)
# and its filesystem. MODULES=list makes initramfs-tools take these and no others: a 7 MB
# initramfs instead of 30 MB, which loads and unpacks faster under TCG.
INITRAMFS_MODULES = ("ata_piix", "sd_mod", "virtio_pci", "virtio_blk", "virtio_scsi", "ext4")

ROOT_UUID = "0b5e7d2a-1c3f-4e8b-9a6d-5f2c8e4b7a10"   # every disk of one base shares it (as
                                                     # clones of a cloud image do)
KERNEL_APPEND = (f"root=UUID={ROOT_UUID} ro console=tty0 console=ttyS0,115200 "
                 "net.ifnames=0")                   # eth0, as in the course and the tiny guest

HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")

SECTOR = 512
BOOT_START = 1 << 20              # partitions start on 1 MiB boundaries
BOOT_SIZE = 64 << 20
ROOT_START = BOOT_START + BOOT_SIZE
SYSLINUX_MBR = Path("/usr/lib/syslinux/mbr/mbr.bin")

# Run by mmdebstrap once the essential packages are in, before the kernel is: initramfs-tools
# reads this configuration when linux-image's postinst makes the initramfs.
ESSENTIAL_HOOK = f"""\
#!/bin/sh
set -e
root=$1
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/usr/share/initramfs-tools/modules.d"
echo MODULES=list > "$root/etc/initramfs-tools/conf.d/pysh-vm"
printf '%s\\n' {' '.join(INITRAMFS_MODULES)} > "$root/usr/share/initramfs-tools/modules.d/pysh-vm"
"""

# Run by mmdebstrap on the host once every package is in; $1 is the new tree.
CUSTOMIZE_HOOK = f"""\
#!/bin/sh
set -e
root=$1

# The course's second account (its password, like root's, is written per disk).
chroot "$root" useradd --create-home --shell /bin/bash --groups sudo {LAB_USER}

echo debian > "$root/etc/hostname"
echo 'UUID={ROOT_UUID} / ext4 errors=remount-ro 0 1' > "$root/etc/fstab"

# DHCP on every Ethernet card, by systemd-networkd: QEMU's user network has a DHCP server
# (10.0.2.2) and a DNS relay (10.0.2.3).
cat > "$root/etc/systemd/network/80-dhcp.network" <<EOF
[Match]
Name=eth* en*

[Network]
DHCP=ipv4
EOF
chroot "$root" systemctl enable systemd-networkd.service
echo 'nameserver 10.0.2.3' > "$root/etc/resolv.conf"

# A CPU added with `vm cpu NAME add` arrives offline: online it (distributions ship such a rule).
echo 'SUBSYSTEM=="cpu", ACTION=="add", TEST=="online", ATTR{{online}}=="0", ATTR{{online}}="1"' \\
    > "$root/etc/udev/rules.d/80-pysh-cpu-online.rules"

# sshd: the course logs in as root with a password. Host keys are made per disk (or, if the
# host has no ssh-keygen, at the guest's first boot); the ones the package made are dropped.
echo 'PermitRootLogin yes' > "$root/etc/ssh/sshd_config.d/pysh-lab.conf"
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat > "$root/etc/systemd/system/ssh.service.d/pysh-host-keys.conf" <<EOF
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
EOF

# A fast boot under TCG: no first-boot questions on the console (the empty /etc/machine-id
# marks a first boot), none of the periodic jobs a lab machine has no use for.
chroot "$root" systemctl mask systemd-firstboot.service apt-daily.timer \\
    apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
"""

SYSLINUX_CFG = f"""\
SERIAL 0 115200
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND {KERNEL_APPEND}
"""

# Bump when the recipe changes in a way the hash of the texts above does not see.
RECIPE_VERSION = 2

# What each step runs, and the Debian package it comes in.
BASE_TOOLS = {"mmdebstrap": "mmdebstrap", "unshare": "util-linux", "mkfs.ext4": "e2fsprogs",
              "mkfs.fat": "dosfstools", "mcopy": "mtools", "syslinux": "syslinux"}
DISK_TOOLS = {"e2fsck": "e2fsprogs", "resize2fs": "e2fsprogs", "debugfs": "e2fsprogs",
              "qemu-img": "qemu-utils", "openssl": "openssl"}
SHARED_CACHE = Path("/var/cache/pysh/debian-disk")   # root's, which other users may read


@dataclass(frozen=True)
class Base:
    """The cached parts every disk is made from."""
    directory: Path
    kernel_version: str
    root_bytes: int        # the size of root.ext4 as built (the least a disk can hold)

    @property
    def root_image(self) -> Path:
        return self.directory / "root.ext4"

    @property
    def boot_image(self) -> Path:
        return self.directory / "boot.fat"

    @property
    def boot_code(self) -> Path:       # syslinux's mbr.bin
        return self.directory / "mbr.bin"

    @property
    def smallest_disk(self) -> int:
        return ROOT_START + self.root_bytes


def cache_root() -> Path:
    """$PYSH_CACHE, else /var/cache/pysh for root, else $XDG_CACHE_HOME/pysh; then debian-disk/."""
    if os.environ.get("PYSH_CACHE"):
        base = Path(os.environ["PYSH_CACHE"])
    elif os.geteuid() == 0:
        base = Path("/var/cache/pysh")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "pysh"
    return base / "debian-disk"


def recipe_hash() -> str:
    texts = [SUITE, " ".join(PACKAGES), " ".join(PATH_EXCLUDES), " ".join(PATH_INCLUDES),
             ESSENTIAL_HOOK, CUSTOMIZE_HOOK, SYSLINUX_CFG, str(RECIPE_VERSION)]
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]


def check_tools(tools: dict[str, str]) -> None:
    missing = sorted({package for tool, package in tools.items() if not shutil.which(tool)})
    if missing:
        raise VmError(f"bootstrap debian needs {', '.join(missing)} "
                      f"(Debian: apt-get install {' '.join(missing)})")


# ---- the base: built once ------------------------------------------------------------------

def cached_base(cache_dir: Path | None = None) -> Base | None:
    """The base in CACHE_DIR (default cache_root()); for a user other than root, else the one
    root built, when it is readable."""
    base = _base_in((cache_dir or cache_root()) / recipe_hash())
    if base is None and cache_dir is None and os.geteuid() != 0 and \
            os.access(SHARED_CACHE / recipe_hash() / "root.ext4", os.R_OK):
        base = _base_in(SHARED_CACHE / recipe_hash())
    return base


def _base_in(directory: Path) -> Base | None:
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return Base(directory, manifest["kernel_version"], manifest["root_bytes"])


def build_base(cache_dir: Path | None = None, progress=lambda message: None,
               rebuild: bool = False) -> Base:
    """The cached base, built first when missing (or when REBUILD): ~1-3 min, once."""
    final = (cache_dir or cache_root()) / recipe_hash()
    if not rebuild and (base := cached_base(cache_dir)):
        return base
    check_tools({**BASE_TOOLS, **DISK_TOOLS})   # all of them, before minutes of work
    if not SYSLINUX_MBR.exists():
        raise VmError(f"{SYSLINUX_MBR} is missing (Debian: apt-get install syslinux-common)")
    if os.geteuid() != 0:
        # mmdebstrap --mode=unshare would make the tree, but its files belong to subordinate
        # uids that mkfs.ext4 -d would copy as they are: the image would be wrong.
        raise VmError("bootstrap debian builds its base image as root: run it once as root "
                      f"(it goes to {SHARED_CACHE}), then every user makes disks from it")
    progress(f"building the Debian base image once (it is then cached in {final.parent})")
    final.parent.mkdir(parents=True, exist_ok=True)
    with locked(final.parent / ".lock"):   # two builds at once: one builds, the other waits
        if not rebuild and (base := cached_base(cache_dir)):
            return base
        with tempfile.TemporaryDirectory(dir=final.parent, prefix=".build-") as scratch:
            os.chmod(scratch, 0o700)   # the tree holds setuid binaries: keep it private
            parts = Path(scratch) / "base"
            parts.mkdir()
            _build_into(Path(scratch), parts, progress)
            if final.exists():
                shutil.rmtree(final)
            os.replace(parts, final)   # atomic: a reader sees all of it or nothing
        for old in final.parent.iterdir():   # the bases of older recipes: hundreds of MiB each
            if old.is_dir() and not old.name.startswith(".") and old != final:
                shutil.rmtree(old, ignore_errors=True)
    return cached_base(cache_dir)


def _build_into(scratch: Path, parts: Path, progress) -> None:
    tree = scratch / "tree"
    tree.mkdir()
    hooks = {}
    for name, text in (("essential", ESSENTIAL_HOOK), ("customize", CUSTOMIZE_HOOK)):
        hooks[name] = scratch / f"{name}-hook.sh"
        hooks[name].write_text(text)
        hooks[name].chmod(0o755)
    # In a mount namespace of its own, mmdebstrap's mounts in the tree (/proc, /sys, /dev)
    # vanish with it however it ends: none can outlive it on the host, nor be under the tree
    # when the scratch directory is deleted.
    # Sandbox user root: the _apt user could not enter our private (0700) scratch directory.
    argv = ["unshare", "--mount", "--propagation", "private", "mmdebstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
            "--aptopt=APT::Sandbox::User \"root\"",
            *(f"--dpkgopt=path-exclude={p}" for p in PATH_EXCLUDES),
            *(f"--dpkgopt=path-include={p}" for p in PATH_INCLUDES),
            f"--essential-hook={hooks['essential']}", f"--customize-hook={hooks['customize']}",
            SUITE, str(tree)]
    progress(f"mmdebstrap {SUITE} with {', '.join(PACKAGES)} (a minute or more, once)")
    _run_streaming(argv, progress, "mmdebstrap")

    [kernel] = sorted((tree / "boot").glob("vmlinuz-*"))
    kernel_version = kernel.name.removeprefix("vmlinuz-")
    initrd = tree / "boot" / f"initrd.img-{kernel_version}"
    progress(f"kernel {kernel_version}; writing the boot partition (FAT, syslinux)")
    make_boot_image(parts / "boot.fat", kernel, initrd, scratch)
    shutil.copyfile(SYSLINUX_MBR, parts / "mbr.bin")   # the MBR's boot code, for each disk

    tree_bytes = _tree_bytes(tree)
    # Room for the filesystem's own tables and a little free space; each disk grows it.
    root_bytes = _round_up(int(tree_bytes * 1.25) + (64 << 20), 1 << 20)
    progress(f"writing the root filesystem: {tree_bytes >> 20} MiB of files into "
             f"{root_bytes >> 20} MiB of ext4 (mkfs.ext4 -d)")
    _run(["mkfs.ext4", "-q", "-F", "-L", "debian", "-U", ROOT_UUID, "-d", str(tree),
          str(parts / "root.ext4"), f"{root_bytes >> 10}k"])
    shutil.rmtree(tree)
    manifest = {"suite": SUITE, "kernel_version": kernel_version, "root_bytes": root_bytes,
                "packages": list(PACKAGES), "recipe": recipe_hash()}
    (parts / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def make_boot_image(path: Path, kernel: Path, initrd: Path, scratch: Path) -> None:
    """A FAT16 filesystem image holding syslinux, its configuration, the kernel and initrd."""
    # -h: the partition's first sector, recorded in the boot sector for the boot code
    _run(["mkfs.fat", "-F", "16", "-n", "BOOT", "-h", str(BOOT_START // SECTOR),
          "-C", str(path), str(BOOT_SIZE >> 10)])
    config = scratch / "syslinux.cfg"
    config.write_text(SYSLINUX_CFG)
    for source, name in ((kernel, "vmlinuz"), (initrd, "initrd.img"), (config, "syslinux.cfg")):
        _run(["mcopy", "-i", str(path), str(source), f"::{name}"])
    # syslinux (the mtools flavour) writes its boot sector and ldlinux.sys/.c32 into the image.
    _run(["syslinux", "--install", str(path)])


def _tree_bytes(tree: Path) -> int:
    total = 0
    for directory, _, files in os.walk(tree):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_blocks * 512
            except OSError:
                pass
    return total


# ---- one disk ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DiskOptions:
    path: str
    size: int                      # bytes
    password: str | None           # None: no password (log in with the ssh key)
    public_key: str | None         # authorized_keys lines for root and chps (read_public_key)
    hostname: str = "debian"


def make_disk(base: Base, options: DiskOptions, progress=lambda message: None) -> None:
    """Write OPTIONS.path, a qcow2 made from BASE; nothing is left behind if it fails."""
    check_tools(DISK_TOOLS)
    if options.size < base.smallest_disk:
        raise VmError(f"--size: this image needs at least {-(-base.smallest_disk >> 20)} MiB")
    target = Path(options.path)
    if target.exists():
        raise VmError(f"{target}: file exists")
    directory = target.parent if str(target.parent) else Path(".")
    with tempfile.TemporaryDirectory(dir=directory, prefix=f".{target.name}-") as scratch:
        scratch = Path(scratch)
        os.chmod(scratch, 0o700)
        root = scratch / "root.ext4"
        root_bytes = _round_down(options.size - ROOT_START, 1 << 20)
        progress(f"copying the root filesystem and growing it to {root_bytes >> 20} MiB")
        with open(base.root_image, "rb") as source, open(root, "wb") as copy:
            copy_sparse(source, copy, 0)
        _check_filesystem(root)   # resize2fs wants a freshly checked filesystem
        _run(["resize2fs", "-f", str(root), f"{root_bytes >> 10}K"])
        progress("writing this disk's passwords, ssh keys and hostname (debugfs)")
        write_disk_files(root, scratch, options)

        raw = scratch / "disk.raw"
        with open(raw, "wb") as disk:
            disk.truncate(options.size)
            disk.write(master_boot_record(base.boot_code.read_bytes(), options.size))
            with open(base.boot_image, "rb") as boot:
                copy_sparse(boot, disk, BOOT_START)
            with open(root, "rb") as filesystem:
                copy_sparse(filesystem, disk, ROOT_START)
        root.unlink()
        progress(f"converting to qcow2: {target}")
        partial = scratch / "disk.qcow2"
        _run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(partial)])
        os.replace(partial, target)


def master_boot_record(boot_code: bytes, disk_size: int) -> bytes:
    """Sector 0 of a PC disk: boot code (at most 446 bytes; syslinux's is 440), a 4-byte disk
    signature, four 16-byte partition entries, and the 0x55 0xAA mark the BIOS looks for."""
    if len(boot_code) > 440:
        raise VmError(f"mbr.bin: {len(boot_code)} bytes of boot code, want at most 440")
    sectors = disk_size // SECTOR
    entries = [
        _partition_entry(active=True, kind=0x0E, first=BOOT_START // SECTOR,   # FAT16 (LBA)
                         count=BOOT_SIZE // SECTOR),
        _partition_entry(active=False, kind=0x83, first=ROOT_START // SECTOR,  # Linux
                         count=sectors - ROOT_START // SECTOR),
    ]
    sector = boot_code.ljust(440, b"\0") + secrets.token_bytes(4) + b"\0\0"
    sector += b"".join(entries).ljust(64, b"\0") + b"\x55\xaa"
    assert len(sector) == SECTOR
    return sector


def _partition_entry(active: bool, kind: int, first: int, count: int) -> bytes:
    return struct.pack("<B3sB3sII", 0x80 if active else 0, _chs(first), kind,
                       _chs(first + count - 1), first, count)


def _chs(lba: int) -> bytes:
    """The old cylinder/head/sector address of a sector (255 heads, 63 sectors a track);
    beyond 1023 cylinders it saturates, and every BIOS since the 90s reads the LBA instead."""
    cylinder, rest = divmod(lba, 255 * 63)
    head, sector = divmod(rest, 63)
    if cylinder > 1023:
        cylinder, head, sector = 1023, 254, 62
    return bytes((head, (sector + 1) | ((cylinder >> 2) & 0xC0), cylinder & 0xFF))


def write_disk_files(root: Path, scratch: Path, options: DiskOptions) -> None:
    """Write the disk's own files into the unmounted ext4 image ROOT with debugfs."""
    passwd = _debugfs_cat(root, "/etc/passwd")
    group = _debugfs_cat(root, "/etc/group")
    shadow = _debugfs_cat(root, "/etc/shadow")
    ids = {line.split(":")[0]: (int(line.split(":")[2]), int(line.split(":")[3]))
           for line in passwd.splitlines() if line.count(":") >= 6}
    shadow_gid = next(int(line.split(":")[2]) for line in group.splitlines()
                      if line.startswith("shadow:"))
    hashed = password_hash(options.password) if options.password else "*"
    lines = []
    for line in shadow.splitlines():
        fields = line.split(":")
        if fields[0] in ("root", LAB_USER):
            fields[1] = hashed
        lines.append(":".join(fields))
    files = [("/etc/shadow", "\n".join(lines) + "\n", 0o640, (0, shadow_gid)),
             ("/etc/hostname", f"{options.hostname}\n", 0o644, (0, 0)),
             ("/etc/hosts", f"127.0.0.1\tlocalhost\n127.0.1.1\t{options.hostname}\n"
                            "::1\t\tlocalhost ip6-localhost ip6-loopback\n", 0o644, (0, 0))]
    directories = []
    if options.public_key:
        for user, home in (("root", "/root"), (LAB_USER, f"/home/{LAB_USER}")):
            owner = ids[user]
            directories.append((f"{home}/.ssh", 0o700, owner))
            files.append((f"{home}/.ssh/authorized_keys", options.public_key, 0o600, owner))
    files += _host_keys(scratch, options.hostname)

    commands = []
    for path, mode, (uid, gid) in directories:
        commands += [f"mkdir {path}", *_set_owner_and_mode(path, 0o040000 | mode, uid, gid)]
    for number, (path, content, mode, (uid, gid)) in enumerate(files):
        local = scratch / f"file{number}"
        local.write_text(content)
        commands += [f"rm {path}", f"write {local} {path}",
                     *_set_owner_and_mode(path, 0o100000 | mode, uid, gid)]
    script = scratch / "debugfs.cmds"
    script.write_text("\n".join(commands) + "\n")
    # debugfs goes on after a failed command (the `rm` of a file not there yet is one), so
    # what counts is the result: read back and compared below.
    _run(["debugfs", "-w", "-f", str(script), str(root)])
    for path, content, _, _ in files:
        if _debugfs_cat(root, path) != content:
            raise VmError(f"bootstrap debian: debugfs did not write {path}")


def _check_filesystem(image: Path) -> None:
    # e2fsck's status is a bit mask: 1 = errors corrected, 2 = reboot needed, 4 and up = bad
    done = subprocess.run(["e2fsck", "-f", "-p", str(image)], capture_output=True, text=True)
    if done.returncode >= 4:
        last = (done.stdout.strip().splitlines() or ["?"])[-1]
        raise VmError(f"bootstrap debian: e2fsck found errors in {image.name}: {last}")


def _set_owner_and_mode(path: str, mode: int, uid: int, gid: int) -> list[str]:
    return [f"set_inode_field {path} mode 0{mode:o}", f"set_inode_field {path} uid {uid}",
            f"set_inode_field {path} gid {gid}"]


def _host_keys(scratch: Path, hostname: str) -> list[tuple]:
    """Fresh ssh host keys for this disk (each disk its own identity); none if the host has
    no ssh-keygen, and the guest makes them at its first boot."""
    if not shutil.which("ssh-keygen"):
        return []
    keys = []
    for kind in ("ed25519", "ecdsa", "rsa"):
        private = scratch / f"ssh_host_{kind}_key"
        _run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"root@{hostname}",
              "-f", str(private)])
        keys.append((f"/etc/ssh/{private.name}", private.read_text(), 0o600, (0, 0)))
        keys.append((f"/etc/ssh/{private.name}.pub", Path(f"{private}.pub").read_text(),
                     0o644, (0, 0)))
    return keys


def _debugfs_cat(image: Path, path: str) -> str:
    done = subprocess.run(["debugfs", "-R", f"cat {path}", str(image)], capture_output=True,
                          text=True)
    return done.stdout


def password_hash(password: str) -> str:
    """SHA-512 crypt ($6$salt$hash), the format of Debian's /etc/shadow."""
    if "\n" in password:
        raise VmError("--password: a password cannot hold a newline")
    done = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password + "\n",
                          capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.startswith("$6$"):
        raise VmError("openssl passwd -6 failed: cannot hash the password")
    return done.stdout.strip()


def hostname_from(path: str) -> str:
    """mydebian.qcow2 -> mydebian; a name that is no valid hostname gives `debian`."""
    stem = Path(path).name.split(".")[0]
    return stem if HOSTNAME.fullmatch(stem) else "debian"


def read_public_key(path: str) -> str:
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise VmError(f"--ssh-key {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise VmError(f"--ssh-key {path}: not a text file") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not all(line.split()[0].startswith(("ssh-", "ecdsa-", "sk-"))
                            for line in lines):
        raise VmError(f"--ssh-key {path}: want a public key (ssh-ed25519 AAAA…), "
                      "e.g. ~/.ssh/id_ed25519.pub")
    return "\n".join(lines) + "\n"


# ---- helpers -------------------------------------------------------------------------------

def copy_sparse(source, target, offset: int) -> None:
    """Copy file SOURCE into TARGET at OFFSET, the data extents only: the holes of a sparse
    image stay holes (SEEK_DATA/SEEK_HOLE find them; copy_file_range copies in the kernel)."""
    size = os.fstat(source.fileno()).st_size
    if os.fstat(target.fileno()).st_size < offset + size:
        os.ftruncate(target.fileno(), offset + size)   # a hole at the end is part of the copy
    position = 0
    while position < size:
        try:
            start = os.lseek(source.fileno(), position, os.SEEK_DATA)
        except OSError:   # ENXIO: nothing but a hole up to the end
            break
        end = os.lseek(source.fileno(), start, os.SEEK_HOLE)
        while start < end:
            copied = os.copy_file_range(source.fileno(), target.fileno(), end - start,
                                        start, offset + start)
            if copied == 0:
                raise VmError("copy_file_range copied nothing: is the source truncated?")
            start += copied
        position = end


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def _round_down(value: int, step: int) -> int:
    return value // step * step


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise VmError(f"bootstrap debian: {argv[0]} not found") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise VmError(f"bootstrap debian: {argv[0]} failed: {last}")
    return done.stdout


def _run_streaming(argv: list[str], progress, label: str) -> None:
    """Run ARGV, passing each line it writes on stderr to PROGRESS as it comes."""
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    last = ""
    try:
        for line in process.stderr:
            line = line.rstrip()
            if line:
                last = line
                progress(f"{label}: {line}")
    finally:
        status = process.wait()
    if status != 0:
        raise VmError(f"bootstrap debian: {label} failed: {last or f'exit status {status}'}")
