"""Which device nodes a root container may open: an allowlist kept by the kernel, per cgroup.

A container keeps CAP_MKNOD (as in Docker: package installs make device nodes), so without
a rule `mknod /v c 7 0; cat /v` would read the host's virtual console memory. The kernel
checks every open (and mknod) of a device node against the opener's cgroup:

* cgroup v1 (the course's hybrid hosts): the ``devices`` controller. ``devices.deny`` "a"
  empties the list, then each line written to ``devices.allow`` adds one rule.
* cgroup v2: no such files; instead a small BPF program of type CGROUP_DEVICE attached to
  the container's cgroup answers 1 (allow) or 0 (deny) for each (type, major, minor, access).
  We write that program here, instruction by instruction (runc does the same in Go).
* rootless containers get neither (an ordinary user has no devices cgroup to write to), and
  need none: the kernel refuses mknod of a device node to a user namespace, and /dev only
  holds bind mounts of the host's harmless nodes.

The default list is Docker's, less /dev/console (5:1: ours is the container's pty, 136:N)
and /dev/net/tun (10:200): mknod of any node, and open of null, zero, full, random, urandom,
tty, ptmx and the pty slaves. ``--device HOST[:CTR][:rwm]`` adds a rule for that node.
"""

from __future__ import annotations

import ctypes
import os
import stat
import struct

from pyshell.contain.kernel.osio import write_file
from pyshell.errors import ContainerError
from pyshell.record import Record


class DeviceRule(Record):
    kind: str               # "c" character, "b" block, "a" both
    major: int | None       # None: any
    minor: int | None
    access: str = "rwm"     # read, write, mknod

    def line(self) -> str:
        """The v1 form: 'c 1:3 rwm', 'b *:* m'."""
        number = lambda n: "*" if n is None else str(n)  # noqa: E731
        return f"{self.kind} {number(self.major)}:{number(self.minor)} {self.access}"


DEFAULT_RULES = (
    DeviceRule("c", None, None, "m"), DeviceRule("b", None, None, "m"),  # mknod: opening is what counts
    DeviceRule("c", 1, 3), DeviceRule("c", 1, 5), DeviceRule("c", 1, 7),  # null, zero, full
    DeviceRule("c", 1, 8), DeviceRule("c", 1, 9),                         # random, urandom
    DeviceRule("c", 5, 0), DeviceRule("c", 5, 2), DeviceRule("c", 136, None),  # tty, ptmx, pts/N
)


def rule_for_node(path: str, access: str) -> DeviceRule:
    """The rule that lets a container use the host's device node ``path``."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise ContainerError(f'error gathering device information while adding custom device "{path}": '
                             f"{error.strerror.lower()}", 125) from None
    if not (stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)):
        raise ContainerError(f"{path} is not a device node", 125)
    kind = "c" if stat.S_ISCHR(info.st_mode) else "b"
    return DeviceRule(kind, os.major(info.st_rdev), os.minor(info.st_rdev), access)


# --------------------------------------------------------------------------- cgroup v1


def apply_v1(directory: str, rules) -> None:
    """Deny everything, then allow ``rules``, in a v1 devices cgroup no process has joined yet."""
    _write(f"{directory}/devices.deny", "a")
    for rule in rules:
        _write(f"{directory}/devices.allow", rule.line())


def _write(path: str, value: str) -> None:
    try:
        write_file(path, value)
    except OSError as error:
        raise ContainerError(f"devices cgroup: cannot write {value!r} to {path}: {error.strerror}") from None


# --------------------------------------------------------------------------- cgroup v2: a BPF program
#
# The program gets a struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } in r1,
# where access_type = access << 16 | type (type: 1 block, 2 char; access: 1 mknod, 2 read, 4 write).
# It loads the four values into r2-r5, then tests one rule after another; a rule whose every test
# holds returns 1, a failed test jumps to the next rule; after the last rule it returns 0.

_TYPE = {"b": 1, "c": 2}
_ACCESS = {"m": 1, "r": 2, "w": 4}
# Opcodes (linux/bpf_common.h, linux/bpf.h)
_LDX_W = 0x61     # dst = *(u32 *)(src + off)
_AND_K = 0x54     # dst &= imm   (32-bit)
_RSH_K = 0x74     # dst >>= imm  (32-bit)
_MOV_X = 0xBC     # dst = src    (32-bit)
_MOV_K = 0xB7     # dst = imm
_JNE_K = 0x55     # if dst != imm: pc += off
_EXIT = 0x95


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, dst | src << 4, off, imm)


def device_program(rules) -> bytes:
    """The BPF instructions that allow exactly ``rules`` (see the comment above)."""
    program = [
        _insn(_LDX_W, 2, 1, 0), _insn(_AND_K, 2, imm=0xFFFF),   # r2 = type
        _insn(_LDX_W, 3, 1, 0), _insn(_RSH_K, 3, imm=16),       # r3 = access
        _insn(_LDX_W, 4, 1, 4),                                 # r4 = major
        _insn(_LDX_W, 5, 1, 8),                                 # r5 = minor
    ]
    for rule in rules:
        tests: list[tuple[int, int, int, int]] = []  # (code, dst, imm) + whether it jumps
        if rule.kind != "a":
            tests.append((_JNE_K, 2, _TYPE[rule.kind], 1))
        allowed = sum(_ACCESS[a] for a in set(rule.access))
        if allowed != 7:  # the access asked for must be within the rule's: (access & ~allowed) == 0
            tests += [(_MOV_X, 1, 3, 0), (_AND_K, 1, 7 & ~allowed, 0), (_JNE_K, 1, 0, 1)]
        if rule.major is not None:
            tests.append((_JNE_K, 4, rule.major, 1))
        if rule.minor is not None:
            tests.append((_JNE_K, 5, rule.minor, 1))
        block = []
        for index, (code, dst, value, jumps) in enumerate(tests):
            if code == _MOV_X:
                block.append(_insn(code, dst, src=value))
            elif jumps:
                remaining = len(tests) - index - 1 + 2  # the tests after this one, then "r0 = 1; exit"
                block.append(_insn(code, dst, off=remaining, imm=value))
            else:
                block.append(_insn(code, dst, imm=value))
        program += block + [_insn(_MOV_K, 0, imm=1), _insn(_EXIT)]
    program += [_insn(_MOV_K, 0, imm=0), _insn(_EXIT)]
    return b"".join(program)


_SYS_BPF = {"x86_64": 321, "aarch64": 280}
_BPF_PROG_LOAD, _BPF_PROG_ATTACH = 5, 8
_BPF_PROG_TYPE_CGROUP_DEVICE = 15
_BPF_CGROUP_DEVICE = 6
_BPF_F_ALLOW_MULTI = 2
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _bpf(command: int, attributes: bytes, what: str) -> int:
    number = _SYS_BPF.get(os.uname().machine)
    if number is None:
        raise ContainerError(f"device rules for cgroup v2: no bpf() number known for {os.uname().machine}")
    buffer = ctypes.create_string_buffer(attributes, 128)  # union bpf_attr, zero-padded
    result = _libc.syscall(number, command, buffer, 128)
    if result < 0:
        error = ctypes.get_errno()
        raise ContainerError(f"device rules for cgroup v2: {what}: {os.strerror(error)}")
    return result


def attach_v2(directory: str, rules) -> None:
    """Load the program for ``rules`` and attach it to the v2 cgroup ``directory``. It stays
    attached until the cgroup is removed (no fd of ours needs to live on)."""
    code = device_program(rules)
    instructions = ctypes.create_string_buffer(code, len(code))
    license_text = ctypes.create_string_buffer(b"GPL")
    load = struct.pack("<IIQQIIQII16s", _BPF_PROG_TYPE_CGROUP_DEVICE, len(code) // 8,
                       ctypes.addressof(instructions), ctypes.addressof(license_text), 0, 0, 0, 0, 0,
                       b"pysh_devices")
    program_fd = _bpf(_BPF_PROG_LOAD, load, "load the program")
    try:
        cgroup_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            attach = struct.pack("<IIII", cgroup_fd, program_fd, _BPF_CGROUP_DEVICE, _BPF_F_ALLOW_MULTI)
            _bpf(_BPF_PROG_ATTACH, attach, f"attach the program to {directory}")
        finally:
            os.close(cgroup_fd)
    finally:
        os.close(program_fd)
