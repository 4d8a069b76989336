"""The device allowlist: the cgroup v2 BPF program checked by the real kernel (on the host's
cgroup2 hierarchy, also on a hybrid host), the v1 devices cgroup, and containers with --device."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from forked import in_child

from pyshell.contain.kernel import devices
from pyshell.contain.kernel.devices import DEFAULT_RULES, DeviceRule

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="device nodes and cgroups need root")


def _cgroup2_root() -> str | None:
    with open("/proc/self/mounts") as mounts:
        for line in mounts:
            _, where, kind, *_ = line.split()
            if kind == "cgroup2":
                return where
    return None


def test_rules_in_the_v1_form():
    assert [rule.line() for rule in DEFAULT_RULES] == [
        "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm"]


def test_the_program_is_whole_instructions():
    program = devices.device_program(DEFAULT_RULES)
    assert len(program) % 8 == 0 and program[-8:] == bytes([0x95, 0, 0, 0, 0, 0, 0, 0])  # ends with exit


@pytest.fixture
def nodes(tmp_path) -> Path:
    """Device nodes of our own (the host's numbers), so no test opens the host's /dev."""
    for name, (major, minor) in {"null": (1, 3), "mem": (1, 1), "vcs": (7, 0), "kmsg": (1, 11)}.items():
        os.mknod(tmp_path / name, 0o600 | stat.S_IFCHR, os.makedev(major, minor))
    return tmp_path


def _opens_in(cgroup_procs: str, nodes: Path) -> dict:
    """In a child moved into the cgroup: which opens and which mknod the kernel lets through."""
    return in_child(_try_the_nodes, cgroup_procs, nodes, where="the child in the device cgroup")


def _try_the_nodes(cgroup_procs: str, nodes: Path) -> dict:
    with open(cgroup_procs, "w") as procs:
        procs.write("0")
    seen = {}
    for name in ("null", "mem", "vcs", "kmsg"):
        for mode, letter in ((os.O_RDONLY, "r"), (os.O_WRONLY, "w")):
            try:
                os.close(os.open(nodes / name, mode | os.O_NONBLOCK))
                seen[f"{name} {letter}"] = "ok"
            except OSError as error:
                seen[f"{name} {letter}"] = errno.errorcode[error.errno]
    try:
        os.mknod(nodes / "new", 0o600 | stat.S_IFCHR, os.makedev(7, 1))
        os.unlink(nodes / "new")
        seen["mknod"] = "ok"
    except OSError as error:
        seen["mknod"] = errno.errorcode[error.errno]
    return seen


EXPECTED = {"null r": "ok", "null w": "ok", "mem r": "EPERM", "mem w": "EPERM", "vcs r": "ok", "vcs w": "EPERM",
            "kmsg r": "EPERM", "kmsg w": "EPERM", "mknod": "ok"}
RULES = DEFAULT_RULES + (DeviceRule("c", 7, 0, "r"),)  # --device of a vcs node, read only


@needs_root
@pytest.mark.skipif(_cgroup2_root() is None, reason="no cgroup2 hierarchy mounted")
def test_bpf_device_program_on_cgroup_v2(nodes):
    directory = f"{_cgroup2_root()}/pysh-test-devices-{os.getpid()}"
    os.mkdir(directory)
    try:
        devices.attach_v2(directory, RULES)
        assert _opens_in(f"{directory}/cgroup.procs", nodes) == EXPECTED
        # with no mknod rule, mknod is refused too
        nested = f"{directory}/strict"
        os.mkdir(nested)
        try:
            devices.attach_v2(nested, (DeviceRule("c", 1, 3, "rw"),))
            assert _opens_in(f"{nested}/cgroup.procs", nodes)["mknod"] == "EPERM"
        finally:
            os.rmdir(nested)
    finally:
        os.rmdir(directory)


@needs_root
@pytest.mark.skipif(not os.path.exists("/sys/fs/cgroup/devices/devices.allow"), reason="no v1 devices controller")
def test_v1_devices_cgroup(nodes):
    directory = f"/sys/fs/cgroup/devices/pysh-test-devices-{os.getpid()}"
    os.mkdir(directory)
    try:
        devices.apply_v1(directory, RULES)
        assert Path(f"{directory}/devices.list").read_text().split("\n")[-2] == "c 7:0 r"
        assert _opens_in(f"{directory}/cgroup.procs", nodes) == EXPECTED
    finally:
        os.rmdir(directory)


# --------------------------------------------------------------------------- in containers

PROBE = ("mknod /v c 7 0 && echo MKNOD; head -c1 /v >/dev/null 2>&1 || echo NO-VCS; "
         "mknod /c c 5 1; { [ -c /c ] && echo -n > /c; } 2>/dev/null || echo NO-CONSOLE; "
         "mknod /m c 1 1; (head -c1 /m) >/dev/null 2>&1 || echo NO-MEM; echo x > /dev/null && echo NULL")


def test_root_containers_open_only_the_allowed_nodes(root_contain):
    done = root_contain.run("run", "--rm", "busybox", "sh", "-c", PROBE)
    assert done.stdout.split() == ["MKNOD", "NO-VCS", "NO-CONSOLE", "NO-MEM", "NULL"], done.stderr


def test_rootless_containers_cannot_make_nodes(user_home):
    done = user_home.run("run", "--rm", "busybox", "sh", "-c", PROBE)
    assert done.stdout.split() == ["NO-VCS", "NO-CONSOLE", "NO-MEM", "NULL"], done.stderr


def test_device_flag(root_contain, open_tmp):
    node = open_tmp / "vcs0"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(7, 0))
    done = root_contain.run("run", "--rm", "--device", f"{node}:/dev/v:r", "busybox", "sh", "-c",
                            "head -c1 /dev/v | wc -c; (echo x > /dev/v) 2>/dev/null || echo NO-WRITE")
    assert done.stdout.split() == ["1", "NO-WRITE"], done.stderr
    done = root_contain.run("run", "--rm", "--device", str(node), "busybox", "sh", "-c",
                            f"ls -l {node} | cut -c1; echo x > {node} && echo WROTE")
    assert done.stdout.split() == ["c", "WROTE"], done.stderr


def test_device_flag_rootless(user_home):
    """Rootless: the node is bound in (no devices cgroup; the user's own access to it applies)."""
    done = user_home.run("run", "--rm", "--device", "/dev/null:/dev/n2", "busybox", "sh", "-c",
                         "ls -l /dev/n2 | cut -c1; echo x > /dev/n2 && echo WROTE")
    assert done.stdout.split() == ["c", "WROTE"], done.stderr


@pytest.mark.parametrize("value,message", [
    ("/dev/nope", 'error gathering device information while adding custom device "/dev/nope": no such file'),
    ("/dev/null:rwx", 'invalid argument "/dev/null:rwx" for "--device" flag: bad format for path'),
    ("/dev/null:relative:r", "bad format for path"),
    ("/dev/null:/a:r:x", "bad format for path"),
    ("/etc/passwd", "/etc/passwd is not a device node"),
])
def test_bad_device_flags(root_contain, value, message):
    done = root_contain.run("run", "--rm", "--device", value, "busybox", "true")
    assert done.returncode == 125 and message in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.skipif(_cgroup2_root() is None or not shutil.which("unshare"), reason="no cgroup2 hierarchy")
def test_a_container_on_cgroup_v2_gets_the_bpf_program(root_contain):
    """This course machine runs containers on v1; in a mount namespace of the test's own where
    /sys/fs/cgroup is the cgroup2 hierarchy, `contain` takes the v2 path: the BPF program."""
    python = " ".join(root_contain.argv())
    script = (f"mount -t cgroup2 none /sys/fs/cgroup && {python} run -d --name v2 busybox sleep 60 >/dev/null && "
              f"{python} inspect -f '{{{{json .Cgroup}}}}' v2 && {python} exec v2 sh -c '{PROBE}'; "
              f"{python} rm -f v2 >/dev/null")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], env=root_contain.env, cwd=str(root_contain.home),
                          capture_output=True, text=True, timeout=120)
    first, *probe = done.stdout.splitlines()
    assert json.loads(first)["version"] == 2, done.stdout + done.stderr
    assert probe == ["MKNOD", "NO-VCS", "NO-CONSOLE", "NO-MEM", "NULL"], done.stdout + done.stderr
