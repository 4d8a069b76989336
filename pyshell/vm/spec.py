"""What a virtual machine is made of: a frozen VmSpec, parsed from `vm create` options and
checked by validate() before anything runs. qemu.py turns it into a qemu-system command line."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import asdict, dataclass, field, replace

from pyshell.errors import VmError
from pyshell.units import parse_size  # sizes: one convention with contain (cli.py and disks.py import it from here)

DISPLAYS = ("none", "gtk", "sdl")
NICS = {"e1000": "e1000", "virtio": "virtio-net-pci", "none": None}
ACCELS = ("auto", "kvm", "tcg")
DISK_FORMATS = ("qcow2", "raw")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
MEMORY_LIMIT = 1 << 64


@dataclass(frozen=True)
class Forward:
    """A host TCP port forwarded into the guest: QEMU's `hostfwd=tcp:ADDR:HOST-:GUEST`."""
    host_port: int
    guest_port: int
    host_address: str = "127.0.0.1"   # QEMU's own default (empty) listens on every interface

    def hostfwd(self) -> str:
        return f"hostfwd=tcp:{self.host_address}:{self.host_port}-:{self.guest_port}"

    def __str__(self) -> str:
        return f"{self.host_address}:{self.host_port}->{self.guest_port}"


@dataclass(frozen=True)
class VmSpec:
    name: str
    memory_mib: int = 1024
    smp: int = 1
    maxcpus: int | None = None       # > smp leaves room for `vm cpu NAME add`
    disk: str | None = None          # an image file (qcow2 or raw)
    cdrom: str | None = None         # an ISO file
    tiny: bool = False               # boot pysh's own offline guest (see tinyguest.py)
    kernel: str | None = None        # direct kernel boot (-kernel/-initrd/-append)
    initrd: str | None = None
    append: str | None = None
    forwards: tuple[Forward, ...] = field(default_factory=tuple)
    balloon: bool = False            # a virtio-balloon device, for `vm balloon`
    nic: str = "e1000"               # e1000 (the course's), virtio, or none
    accel: str = "auto"              # kvm only where the CPU has vmx/svm, else tcg
    vnc: int | None = None           # show the screen on VNC display N (127.0.0.1:5900+N)
    display: str = "none"            # or a window on the desktop: gtk, sdl (qemu-system-gui)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> VmSpec:
        forwards = tuple(Forward(**f) for f in data.get("forwards", ()))
        return cls(**{**data, "forwards": forwards})


def validate(spec: VmSpec) -> VmSpec:
    """Reject what QEMU would refuse later (or worse, accept and hang on); return the spec with
    file names made absolute, since QEMU runs daemonized from another directory."""
    if not NAME_PATTERN.fullmatch(spec.name):
        raise VmError(f"bad name {spec.name!r}: use letters, digits, '.', '_' or '-'")
    if spec.memory_mib < 32:
        raise VmError(f"memory {spec.memory_mib} MiB is too small (at least 32)")
    if not 1 <= spec.smp <= 64:
        raise VmError(f"--smp {spec.smp}: want 1 to 64 CPUs")
    if spec.maxcpus is not None and not spec.smp <= spec.maxcpus <= 64:
        raise VmError(f"--maxcpus {spec.maxcpus}: want between --smp ({spec.smp}) and 64")
    if spec.nic not in NICS:
        raise VmError(f"--nic {spec.nic}: want one of {', '.join(NICS)}")
    if spec.accel not in ACCELS:
        raise VmError(f"--accel {spec.accel}: want one of {', '.join(ACCELS)}")
    if spec.tiny and (spec.kernel or spec.initrd):
        raise VmError("--tiny brings its own kernel: drop --kernel/--initrd")
    if (spec.initrd or spec.append) and not (spec.kernel or spec.tiny):
        raise VmError("--initrd and --append need --kernel")
    if spec.forwards and spec.nic == "none":
        raise VmError("--fwd needs a network card (--nic e1000 or virtio)")
    if spec.display not in DISPLAYS:
        raise VmError(f"--display {spec.display}: want one of {', '.join(DISPLAYS)}")
    if spec.vnc is not None and not 0 <= spec.vnc <= 99:
        raise VmError(f"--vnc {spec.vnc}: want a display number from 0 to 99")
    ports = [f.host_port for f in spec.forwards]
    if len(set(ports)) != len(ports):
        raise VmError("--fwd: the same host port is forwarded twice")
    files = {}
    for option in ("disk", "cdrom", "kernel", "initrd"):
        path = getattr(spec, option)
        if path is None:
            continue
        if not os.path.isfile(path):
            raise VmError(f"--{option} {path}: no such file")
        files[option] = os.path.abspath(path)
    return replace(spec, **files)


def parse_forward(text: str) -> Forward:
    """`HOST:GUEST` or `ADDRESS:HOST:GUEST` (the course's `-p 10022:22` style)."""
    parts = text.rsplit(":", 2)
    if len(parts) == 2:
        parts.insert(0, "127.0.0.1")
    if len(parts) != 3:
        raise VmError(f"--fwd {text}: want HOSTPORT:GUESTPORT or ADDRESS:HOSTPORT:GUESTPORT")
    address, host, guest = parts
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise VmError(f"--fwd {text}: {address!r} is not an IPv4 address") from None
    return Forward(host_port=_port(host, text), guest_port=_port(guest, text),
                   host_address=address)


def _port(text: str, context: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise VmError(f"--fwd {context}: {text!r} is not a port number (1-65535)")
    return int(text)


def parse_memory(text: str) -> int:
    """MiB in `-m` values: a bare number is MiB (as for qemu -m), or give a unit: 2G."""
    size = int(text) << 20 if text.strip().isdigit() else parse_size(text)
    if size % (1 << 20):
        raise VmError(f"-m {text}: memory must be a whole number of MiB")
    if size >= MEMORY_LIMIT:
        # QEMU reads -m into a 64-bit byte count; it would refuse this at start.
        raise VmError(f"-m {text}: too large (QEMU wants less than 2^64 bytes, 16 EiB)")
    return size >> 20
