"""Escape probes run inside real containers (root and rootless): each tries one way out that
runtimes are known for, and must fail. Docker runs the same probes as the reference (when the
shared engine is up); a container given back CAP_SYS_ADMIN without the filter shows that the
probes can succeed, so that a probe which always fails does not pass for a defence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docker_peer
import pytest

# Each probe is a shell command that succeeds only if the way out is open. Writes put back
# the value they read, so that a probe that got through changes nothing on the host.
PROBES = {
    "host pids": "grep -q kthreadd /proc/2/comm",
    "/proc/sys writable": "v=$(cat /proc/sys/vm/swappiness) && echo $v > /proc/sys/vm/swappiness",
    "core_pattern writable": "cat /proc/sys/kernel/core_pattern > /tmp/c && cat /tmp/c > /proc/sys/kernel/core_pattern",
    "/sys writable": "cat /sys/kernel/uevent_helper > /tmp/u && cat /tmp/u > /sys/kernel/uevent_helper",
    "mount": "mkdir -p /tmp/m && mount -t tmpfs probe /tmp/m",
    "sethostname": "hostname probe-host",
    "mknod host disk": "mknod /tmp/sda b 8 0 && head -c1 /tmp/sda >/dev/null",
    "mknod host memory": "mknod /tmp/mem c 1 1 && head -c1 /tmp/mem >/dev/null",
    "mknod kernel log": "mknod /tmp/kmsg c 1 11 && head -c1 /tmp/kmsg >/dev/null",
    "unshare mount ns": "unshare -m true",
    "unshare user ns": "unshare -U -r true",
    "nsenter": "nsenter -t 1 -m -u true",
    "/proc/1/root is another root": "[ \"$(stat -c %d:%i /proc/1/root/)\" != \"$(stat -c %d:%i /)\" ]",
    "sysrq": "echo h > /proc/sysrq-trigger",
    ":ro remount": "mount -o remount,rw /data",
    ":ro write": "touch /data/probe",
}
SCRIPT = "".join(f"if ( {command} ) >/dev/null 2>&1; then echo 'OPEN {name}'; else echo 'shut {name}'; fi\n"
                 for name, command in PROBES.items())
# What a container with CAP_SYS_ADMIN and no filter can do: these probes do catch an open door.
OPEN_WITH_SYS_ADMIN = {"mount", "sethostname", "unshare mount ns", "unshare user ns", "nsenter", ":ro remount"}


def _results(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        state, _, name = line.partition(" ")
        found[name] = state
    assert set(found) == set(PROBES), output
    return found


@pytest.fixture
def data_dir(open_tmp) -> Path:
    directory = open_tmp / "data"
    directory.mkdir()
    os.chmod(directory, 0o777)
    return directory


def test_every_probe_fails(contain, data_dir):
    done = contain.run("run", "--rm", "-v", f"{data_dir}:/data:ro", "busybox", "sh", "-c", SCRIPT)
    results = _results(done.stdout)
    assert [name for name, state in results.items() if state == "OPEN"] == []
    assert list(data_dir.iterdir()) == []


def test_the_probes_can_see_an_open_door(root_contain, data_dir):
    done = root_contain.run("run", "--rm", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
                            "-v", f"{data_dir}:/data:ro", "busybox", "sh", "-c", SCRIPT)
    results = _results(done.stdout)
    assert {name for name, state in results.items() if state == "OPEN"} >= OPEN_WITH_SYS_ADMIN


def test_docker_shuts_the_same_doors(root_contain, data_dir):
    """Docker as the reference: what it shuts, we shut. Where they differ is listed here (none)."""
    reason = docker_peer.start()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "DOCKER_HOST": docker_peer.DOCKER_HOST}
    image = "harden-probe-busybox"
    if subprocess.run(["docker", "image", "inspect", image], env=env, capture_output=True).returncode != 0:
        sys.path.insert(0, str(Path(__file__).parent))
        from pyshell.contain.image.store import ImageStore

        (layer,) = ImageStore(root_contain.home).resolve("busybox").layer_dirs
        tar = subprocess.run(["tar", "-C", str(layer), "-c", "."], capture_output=True, check=True).stdout
        subprocess.run(["docker", "import", "-", image], input=tar, env=env, capture_output=True, check=True)
    done = subprocess.run(["docker", "run", "--rm", "--network", "none", "-v", f"{data_dir}:/data:ro", image,
                           "sh", "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    docker = _results(done.stdout)
    ours = _results(root_contain.out("run", "--rm", "-v", f"{data_dir}:/data:ro", "busybox", "sh", "-c", SCRIPT))
    assert [name for name, state in docker.items() if state == "OPEN"] == []
    assert ours == docker
