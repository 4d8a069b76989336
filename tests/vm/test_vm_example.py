"""examples/vm/course-demo.pysh runs through pysh, start to end, on a real tiny guest."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from vmsupport import needs_qemu, qemu_pids_under

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vm" / "course-demo.pysh"


@needs_qemu
def test_course_demo(vm):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run([sys.executable, "-m", "pyshell", str(EXAMPLE)],
                          env={**vm.env, "PORT": str(port)}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("demo ready in ")
    assert lines[3].startswith("qemu-system-x86_64 -name demo ")
    assert f"hostfwd=tcp:127.0.0.1:{port}-:80" in lines[3]
    assert "inet 10.0.2.15/24" in done.stdout
    assert "cpus before: 1" in lines and "cpus after: 2" in lines
    mem_totals = [int(line.split()[1]) for line in lines if line.startswith("MemTotal:")]
    assert len(mem_totals) == 2 and mem_totals[1] < mem_totals[0] - 200 * 1024
    # the guest's acpid heard the power button and powered off by itself
    assert lines[-1] == "demo stopped (ACPI power button)"
    assert qemu_pids_under(vm.home) == []
    assert not (vm.home / "vms" / "demo").exists()


DEBIAN_EXAMPLE = EXAMPLE.with_name("debian-session.pysh")
DEBIAN_TOOLS = ("mmdebstrap", "mkfs.fat", "mcopy", "syslinux", "debugfs", "sshpass", "ssh")


@needs_qemu
@pytest.mark.skipif(os.geteuid() != 0, reason="building the Debian base image needs root")
@pytest.mark.skipif(any(shutil.which(t) is None for t in DEBIAN_TOOLS),
                    reason="needs the packages of scripts/test-packages.txt")
def test_debian_session(vm, tmp_path):
    """The course's session with ssh, in a network namespace of the test's own (port 10022
    is its loopback's)."""
    vm.env["PYSH_CACHE"] = os.environ.get("PYSH_TEST_CACHE", "/var/cache/pysh-test")
    # the base image first, outside the namespace (mmdebstrap needs the apt sources); the
    # example's own bootstrap then finds it cached
    warm = vm("bootstrap", "debian", str(tmp_path / "warm.qcow2"), timeout=1800, check=False)
    assert warm.status == 0, warm.stderr
    (tmp_path / "warm.qcow2").unlink()
    name = f"pysh-vm-example-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        inside = ["ip", "netns", "exec", name]
        subprocess.run([*inside, "ip", "link", "set", "lo", "up"], check=True)
        done = subprocess.run([*inside, sys.executable, "-m", "pyshell", str(DEBIAN_EXAMPLE)],
                              env={**vm.env, "DISK": str(tmp_path / "mydebian.qcow2")},
                              capture_output=True, text=True, timeout=900, cwd=tmp_path)
    finally:
        for pid in qemu_pids_under(vm.home):
            os.kill(pid, 9)
        subprocess.run(["ip", "netns", "delete", name], check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "virtual size: 4 GiB (4294967296 bytes)" in lines
    assert any(line.startswith("qemu-system-x86_64 -name mydebian ") and
               "hostfwd=tcp:127.0.0.1:10022-:22" in line and "-smp 2,maxcpus=4" in line
               for line in lines)
    uname = lines.index(next(line for line in lines if line.startswith("Linux mydebian ")))
    assert lines[uname + 1] == "2"                       # nproc over ssh
    assert "cpus now: 3" in lines
    totals = [int(line.split()[1]) for line in lines if line.startswith("Mem:")]
    assert len(totals) == 2 and totals[1] < totals[0] - 800
    assert lines[-1] == "mydebian stopped (ACPI power button)"
    assert qemu_pids_under(vm.home) == []
