"""examples/vm/course-demo.pysh runs through pysh, start to end, on a real tiny guest."""

import socket
import subprocess
import sys
from pathlib import Path

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
