"""Seccomp: profiles (Docker's JSON format) compiled through libseccomp, installed in a real
process to see the kernel refuse calls, then in real containers (root and rootless) and exec."""

from __future__ import annotations

import ctypes
import errno
import json
import os
from pathlib import Path

import pytest
from forked import in_child

from pyshell.contain.kernel import seccomp
from pyshell.contain.spec import DEFAULT_CAPABILITIES
from pyshell.errors import ContainerError

PODMAN_PROFILE = Path("/usr/share/containers/seccomp.json")
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
# x86_64 numbers: called raw so that no C library wrapper stands between us and the filter.
SYS = {"unshare": 272, "keyctl": 250, "clone3": 435, "getpid": 39, "mount": 165, "setns": 308}
CLONE_NEWUTS = 0x04000000

BAD_PROFILES = [
    ("{not json", "not JSON"),
    ('{"syscalls": []}', "a profile needs a defaultAction"),
    ('{"defaultAction": "SCMP_ACT_MAYBE"}', "unsupported action 'SCMP_ACT_MAYBE'"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}', "every rule needs names"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",'
     ' "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]}', "unknown comparison"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ERRNO"}]}',
     "a list of system calls"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",'
     ' "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]}', "an index 0-5"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",'
     ' "args": [{"index": 0, "value": "x", "op": "SCMP_CMP_EQ"}]}]}', "numbers"),
]


@pytest.mark.parametrize("text,message", BAD_PROFILES)
def test_bad_profiles_are_refused(text, message):
    with pytest.raises(ContainerError, match=message):
        seccomp.read_profile(text)


def test_profiles_compile_to_bpf():
    default = seccomp.filter_for("", DEFAULT_CAPABILITIES)
    assert default and len(default) % 8 == 0  # struct sock_filter: 8 bytes an instruction
    assert seccomp.filter_for("", DEFAULT_CAPABILITIES) is default  # compiled once per shell
    assert seccomp.filter_for("unconfined", DEFAULT_CAPABILITIES) is None
    with_admin = seccomp.filter_for("", DEFAULT_CAPABILITIES | {"SYS_ADMIN"})
    assert with_admin != default  # the rules that CAP_SYS_ADMIN excludes are gone
    if PODMAN_PROFILE.exists():  # an allowlist profile with arch, caps and argument conditions
        assert len(seccomp.filter_for(PODMAN_PROFILE.read_text(), DEFAULT_CAPABILITIES)) > len(default)


def _in_filtered_child(program: bytes, calls) -> dict:
    """Fork; in the child set NO_NEW_PRIVS, install ``program``, make each raw call; return errnos."""
    return in_child(_filtered_calls, program, calls, where="the child under the filter")


def _filtered_calls(program: bytes, calls) -> dict:
    _libc.prctl(38, 1, 0, 0, 0)
    seccomp.install_filter(program)
    results = {}
    for name, args in calls:
        ctypes.set_errno(0)
        result = _libc.syscall(SYS[name], *args)
        results[name] = 0 if result >= 0 else ctypes.get_errno()
    with open("/proc/self/status") as status:
        results["Seccomp"] = next(line.split()[1] for line in status if line.startswith("Seccomp:"))
    return results


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw x86_64 system call numbers")
def test_the_kernel_refuses_what_the_default_profile_names():
    calls = [("unshare", (CLONE_NEWUTS,)), ("keyctl", (0, 0, 0)), ("clone3", (0, 0)), ("getpid", ()),
             ("setns", (-1, 0))]
    seen = _in_filtered_child(seccomp.filter_for("", DEFAULT_CAPABILITIES), calls)
    assert seen == {"unshare": errno.EPERM, "keyctl": errno.EPERM, "clone3": errno.ENOSYS, "getpid": 0,
                    "setns": errno.EPERM, "Seccomp": "2"}
    if os.geteuid() == 0:  # with CAP_SYS_ADMIN the namespace rules step aside (the kernel then decides)
        seen = _in_filtered_child(seccomp.filter_for("", DEFAULT_CAPABILITIES | {"SYS_ADMIN"}), calls[:1])
        assert seen["unshare"] == 0


@pytest.mark.skipif(not PODMAN_PROFILE.exists(), reason="podman's profile is not installed")
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw x86_64 system call numbers")
def test_podmans_allowlist_profile_works_too():
    seen = _in_filtered_child(seccomp.filter_for(PODMAN_PROFILE.read_text(), DEFAULT_CAPABILITIES),
                              [("getpid", ()), ("keyctl", (0, 0, 0))])
    # podman allows keyctl (its containers get their own session keyring); getpid of course
    assert seen["getpid"] == 0 and seen["Seccomp"] == "2"


# --------------------------------------------------------------------------- in containers

ESCAPE = "unshare -U -r -m sh -c 'mkdir -p /m && mount -t tmpfs x /m && echo MOUNTED'"


def test_containers_run_filtered(contain):
    done = contain.run("run", "--rm", "busybox", "sh", "-c", f"grep Seccomp: /proc/self/status; {ESCAPE}")
    assert done.stdout.split() == ["Seccomp:", "2"], done.stdout + done.stderr
    assert "Operation not permitted" in done.stderr and done.returncode != 0


def test_unconfined_and_a_profile_file(contain, open_tmp):
    done = contain.run("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "sh", "-c",
                       f"grep Seccomp: /proc/self/status; {ESCAPE}")
    assert done.stdout.split() == ["Seccomp:", "0", "MOUNTED"], done.stdout + done.stderr
    profile = open_tmp / "no-mkdir.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EACCES}]}))
    os.chmod(profile, 0o644)
    done = contain.run("run", "--rm", "--security-opt", f"seccomp={profile}", "busybox", "mkdir", "/x")
    assert done.returncode == 1 and "Permission denied" in done.stderr


def test_cap_add_sys_admin_lifts_the_namespace_rules(root_contain):
    done = root_contain.run("run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", ESCAPE)
    assert done.stdout.strip() == "MOUNTED", done.stderr


def test_exec_gets_the_containers_filter(contain):
    contain.out("run", "-d", "--name", "filtered", "busybox", "sleep", "60")
    contain.out("run", "-d", "--name", "open", "--security-opt", "seccomp=unconfined", "busybox", "sleep", "60")
    try:
        assert contain.out("exec", "filtered", "grep", "Seccomp:", "/proc/self/status").split()[1] == "2"
        assert contain.out("exec", "open", "grep", "Seccomp:", "/proc/self/status").split()[1] == "0"
        assert contain.run("exec", "filtered", "unshare", "-m", "true").returncode != 0
    finally:
        contain.run("rm", "-f", "filtered", "open")


@pytest.mark.parametrize("option,message", [
    ("seccomp=/nonexistent.json", "opening seccomp profile (/nonexistent.json) failed: No such file or directory"),
    ("apparmor=unconfined", 'invalid --security-opt: "apparmor=unconfined"'),
    ("seccomp", 'invalid --security-opt: "seccomp"'),
    ("no-new-privileges=false", "contain always sets NO_NEW_PRIVS"),
])
def test_bad_security_opts(root_contain, option, message):
    done = root_contain.run("run", "--rm", "--security-opt", option, "busybox", "true")
    assert done.returncode == 125 and message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("content,message", [(b'{"syscalls": []}', "a profile needs a defaultAction"),
                                             (b"\xff\xfe\x00binary", "not JSON"), (b"[1, 2]", "needs a defaultAction")])
def test_a_profile_that_is_not_one(root_contain, open_tmp, content, message):
    bad = open_tmp / "bad.json"
    bad.write_bytes(content)
    done = root_contain.run("run", "--rm", "--security-opt", f"seccomp={bad}", "busybox", "true")
    assert done.returncode == 125 and message in done.stderr and len(done.stderr.splitlines()) == 1
