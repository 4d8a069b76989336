"""Seccomp: a BPF program the kernel runs at every system call of the container, which refuses some.

Profiles are written in the JSON format Docker and podman share (a default action, then
rules: system call names, an action, optional argument comparisons, and conditions on the
container's capabilities, architecture and kernel). ``compile_filter`` turns a profile into
the kernel's BPF bytes through libseccomp, the C library every container runtime uses for
this (runc, crun, podman, systemd): it knows each architecture's system call numbers and
writes a correct, efficient program, which is hard to get right by hand.

We call libseccomp through ctypes rather than a binding (pyseccomp, python3-seccomp): seven
functions are all we need, ctypes adds no dependency, and kernel/ speaks ctypes everywhere.
libseccomp runs only in the shell, before the fork; the container's first process installs
the finished bytes with one prctl() (``install_filter``), as its last step before exec:
after NO_NEW_PRIVS (so no CAP_SYS_ADMIN is needed) and after the setup's own mounts.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
from pathlib import Path

from pyshell.errors import ContainerError

DEFAULT_PROFILE = Path(__file__).with_name("seccomp-default.json")
UNCONFINED = "unconfined"

# Actions (seccomp.h of libseccomp): the kernel's SECCOMP_RET_* values, ERRNO and TRACE carry data.
_ACTIONS = {
    "SCMP_ACT_KILL": 0x00000000, "SCMP_ACT_KILL_THREAD": 0x00000000, "SCMP_ACT_KILL_PROCESS": 0x80000000,
    "SCMP_ACT_TRAP": 0x00030000, "SCMP_ACT_ERRNO": 0x00050000, "SCMP_ACT_TRACE": 0x7FF00000,
    "SCMP_ACT_LOG": 0x7FFC0000, "SCMP_ACT_ALLOW": 0x7FFF0000,
}
_COMPARISONS = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
                "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}
# Docker's profiles name architectures in rules the way Go does.
_GO_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm", "ppc64le": "ppc64le",
            "s390x": "s390x", "riscv64": "riscv64"}
_NR_SCMP_ERROR = -1

PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class _ArgCompare(ctypes.Structure):  # struct scmp_arg_cmp
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


class _SockFprog(ctypes.Structure):  # struct sock_fprog (linux/filter.h); each instruction is 8 bytes
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_library: list = []


def _libseccomp():
    """libseccomp.so.2, loaded at the first compile (a `contain run --security-opt seccomp=unconfined`
    never loads it)."""
    if not _library:
        try:
            lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
        except OSError:
            raise ContainerError("seccomp: libseccomp.so.2 not found (Debian package libseccomp2); "
                                 "or run with --security-opt seccomp=unconfined") from None
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_release.argtypes = [ctypes.c_void_p]
        lib.seccomp_arch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        lib.seccomp_arch_native.restype = ctypes.c_uint32
        lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
        lib.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.POINTER(_ArgCompare)]
        lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
        _library.append(lib)
    return _library[0]


def read_profile(text: str, origin: str = "profile") -> dict:
    """Parse a profile; a clear error for what is not one."""
    try:
        profile = json.loads(text)
    except ValueError as error:
        raise ContainerError(f"seccomp {origin}: not JSON: {error}") from None
    if not isinstance(profile, dict) or "defaultAction" not in profile:
        raise ContainerError(f"seccomp {origin}: a profile needs a defaultAction")
    for rule in profile.get("syscalls") or ():
        names = rule.get("names") or ([rule["name"]] if rule.get("name") else None) if isinstance(rule, dict) else None
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise ContainerError(f"seccomp {origin}: every rule needs names (a list of system calls): {rule!r}")
        _action(rule.get("action", ""), rule.get("errnoRet"), profile)
        for arg in rule.get("args") or ():
            if not isinstance(arg, dict) or arg.get("op") not in _COMPARISONS:
                raise ContainerError(f"seccomp {origin}: unknown comparison {arg!r}")
            if arg.get("index") not in range(6) or not all(isinstance(arg.get(key, 0), int)
                                                           for key in ("value", "valueTwo")):
                raise ContainerError(f"seccomp {origin}: an argument needs an index 0-5 and numbers: {arg!r}")
    _action(profile["defaultAction"], profile.get("defaultErrnoRet"), profile)
    return profile


def _action(name: str, errno_ret, profile: dict) -> int:
    if name not in _ACTIONS:
        raise ContainerError(f"seccomp profile: unsupported action {name!r}")
    value = _ACTIONS[name]
    if not isinstance(errno_ret if errno_ret is not None else 0, int):
        raise ContainerError(f"seccomp profile: errnoRet must be a number, not {errno_ret!r}")
    if name == "SCMP_ACT_ERRNO":
        code = errno_ret if errno_ret is not None else profile.get("defaultErrnoRet", errno.EPERM)
        value |= int(code) & 0xFFFF
    elif name == "SCMP_ACT_TRACE":
        value |= int(errno_ret or 0) & 0xFFFF
    return value


def _applies(rule: dict, capabilities: frozenset[str], arch: str, kernel: tuple[int, int]) -> bool:
    """Docker's conditions: ``includes`` all must hold, any of ``excludes`` cancels the rule."""
    caps = {f"CAP_{name}" for name in capabilities}
    includes, excludes = rule.get("includes") or {}, rule.get("excludes") or {}
    if includes.get("caps") and not set(includes["caps"]) <= caps:
        return False
    if includes.get("arches") and arch not in includes["arches"]:
        return False
    if includes.get("minKernel") and kernel < _version(includes["minKernel"]):
        return False
    if excludes.get("caps") and set(excludes["caps"]) & caps:
        return False
    if excludes.get("arches") and arch in excludes["arches"]:
        return False
    return True


def _version(text: str) -> tuple[int, int]:
    numbers = [int("".join(c for c in part if c.isdigit()) or 0) for part in text.split(".")[:2]]
    return (numbers + [0, 0])[0], (numbers + [0, 0])[1]


def compile_filter(profile: dict, capabilities: frozenset[str]) -> bytes:
    """The BPF program for ``profile`` and a container with ``capabilities`` ("SYS_ADMIN"...)."""
    lib = _libseccomp()
    default = _action(profile["defaultAction"], profile.get("defaultErrnoRet"), profile)
    machine = os.uname()
    arch, kernel = _GO_ARCH.get(machine.machine, machine.machine), _version(machine.release)
    context = lib.seccomp_init(default)
    if not context:
        raise ContainerError("seccomp_init failed")
    try:
        _add_architectures(lib, context, profile)
        for rule in profile.get("syscalls") or ():
            if _applies(rule, capabilities, arch, kernel):
                _add_rule(lib, context, rule, profile, default)
        with _MemoryFile() as fd:
            _check(lib.seccomp_export_bpf(context, fd), "seccomp_export_bpf")
            size = os.lseek(fd, 0, os.SEEK_END)
            return os.pread(fd, size, 0)
    finally:
        lib.seccomp_release(context)


def _add_architectures(lib, context, profile: dict) -> None:
    """The native architecture is in already; its sub-architectures (x86 and x32 for x86_64) come
    from archMap, or the profile lists them ("architectures"). A program of an architecture not
    added is killed (libseccomp's default for a bad architecture)."""
    native = lib.seccomp_arch_native()
    names = list(profile.get("architectures") or ())
    for entry in profile.get("archMap") or ():
        if _arch_token(lib, entry.get("architecture", "")) == native:
            names += [entry["architecture"], *entry.get("subArchitectures", ())]
    for name in names:
        token = _arch_token(lib, name)
        if token and token != native:
            result = lib.seccomp_arch_add(context, token)
            if result < 0 and -result != errno.EEXIST:
                _check(result, f"seccomp_arch_add {name}")


def _arch_token(lib, name: str) -> int:
    return lib.seccomp_arch_resolve_name(name.removeprefix("SCMP_ARCH_").lower().encode())


def _add_rule(lib, context, rule: dict, profile: dict, default: int) -> None:
    action = _action(rule["action"], rule.get("errnoRet"), profile)
    if action == default:
        return  # libseccomp refuses a rule that says what the default says (runc skips it too)
    args = rule.get("args") or []
    # Comparisons on different arguments must all hold (one rule); several on the same argument
    # are alternatives (one rule each), as runc reads Docker's profiles.
    indexes = [arg["index"] for arg in args]
    groups = [[arg] for arg in args] if len(set(indexes)) < len(indexes) else [args]
    for name in rule.get("names") or [rule["name"]]:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number == _NR_SCMP_ERROR:
            continue  # a call this libseccomp (or architecture) does not know: nothing to filter
        for group in groups:
            array = (_ArgCompare * max(len(group), 1))(
                *[_ArgCompare(a["index"], _COMPARISONS[a["op"]], a.get("value", 0), a.get("valueTwo", 0))
                  for a in group])
            _check(lib.seccomp_rule_add_array(context, action, number, len(group), array),
                   f"seccomp rule for {name}")


def _check(result: int, what: str) -> None:
    if result < 0:
        raise ContainerError(f"{what}: {os.strerror(-result)}")


class _MemoryFile:
    """An anonymous file for libseccomp to write the program into."""

    def __enter__(self) -> int:
        self.fd = os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC)
        return self.fd

    def __exit__(self, *exc_info) -> None:
        os.close(self.fd)


_compiled: dict[tuple[str, frozenset[str]], bytes] = {}


def filter_for(setting: str, capabilities: frozenset[str]) -> bytes | None:
    """--security-opt seccomp=... as stored in the spec: "" (our default profile), "unconfined"
    (no filter: None), or a profile's JSON text. Compiled once per shell for the same input."""
    if setting == UNCONFINED:
        return None
    text = setting or DEFAULT_PROFILE.read_text()
    key = (text, frozenset(capabilities))
    if key not in _compiled:
        _compiled[key] = compile_filter(read_profile(text, "default profile" if not setting else "profile"),
                                        capabilities)
    return _compiled[key]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def install_filter(program: bytes) -> None:
    """Make the kernel run ``program`` at every system call of this process and its children, for
    good. Needs NO_NEW_PRIVS (or CAP_SYS_ADMIN). Raises OSError."""
    buffer = ctypes.create_string_buffer(program, len(program))
    header = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(header), 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
