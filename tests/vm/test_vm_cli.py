"""Bad input and state handling, without booting a guest (or with one that fails fast)."""

import json
import socket
import sys

import pytest

from pyshell.vm.cli import main
from vmsupport import needs_qemu, qemu_pids_under


def assert_one_line_error(result, message):
    assert result.status != 0
    assert result.stderr.startswith("pysh: vm: "), result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    ((), "a subcommand is needed"),
    (("frobnicate",), "invalid choice"),
    (("start", "nope"), "no such vm: nope"),
    (("stop", "nope"), "no such vm"),
    (("create", "a/b"), "bad name"),
    (("create", "x", "-m", "lots"), "bad size"),
    (("create", "x", "--memory", "99999999999999999999T"), "too large"),
    (("create", "x", "--fwd", "99999:22"), "not a port"),
    (("create", "x", "--disk", "/nonexistent"), "no such file"),
    (("create", "x", "--disk-size", "0"), "bad size"),
    (("exec",), "usage: vm exec"),
    (("exec", "x"), "no command given"),
    (("exec", "--timeout", "soon", "x", "--", "true"), "bad --timeout"),
])
def test_bad_input(vm, args, message):
    assert_one_line_error(vm(*args, check=False), message)
    assert list(vm.home.glob("vms/*")) == []   # a refused create leaves no directory


def test_main_never_raises_and_writes_to_fd2(capfd, tmp_path, monkeypatch):
    monkeypatch.setenv("PYSH_HOME", str(tmp_path))
    assert main(["rm", "ghost"]) == 1
    assert main(["--help"]) == 0
    out, err = capfd.readouterr()
    assert err == "pysh: vm: no such vm: ghost\n"
    assert "usage: vm" in out


def test_create_ls_inspect_rm(vm):
    vm("create", "box", "--disk-size", "1G", "-m", "256", "--smp", "2", "--fwd", "10022:22")
    record = vm.record("box")
    assert record["pid"] is None and record["spec"]["memory_mib"] == 256
    assert record["spec"]["disk"] == str(vm.home / "vms" / "box" / "disk.qcow2")
    listing = vm("ls").stdout.splitlines()
    assert listing[0].split() == ["NAME", "STATE", "PID", "CPUS", "MEMORY", "FORWARDS"]
    assert listing[1].split() == ["box", "stopped", "-", "2", "256M", "127.0.0.1:10022->22"]
    inspected = json.loads(vm("inspect", "box").stdout)
    assert inspected["state"] == "stopped" and inspected["spec"]["smp"] == 2
    assert_one_line_error(vm("create", "box", check=False), "already exists")
    assert_one_line_error(vm("stop", "box", check=False), "box is not running")
    assert_one_line_error(vm("exec", "box", "--", "true", check=False), "is not running")
    vm("rm", "box")
    assert not (vm.home / "vms" / "box").exists()


def test_vm_cmd_for_a_stopped_machine(vm, tmp_path):
    vm("create", "box", "-m", "300")
    line = vm("cmd", "box").stdout
    assert line.startswith("qemu-system-x86_64 -name box ")
    assert "-m 300" in line and "-daemonize" in line


def test_state_is_written_atomically(vm):
    vm("create", "box")
    leftovers = [p.name for p in (vm.home / "vms" / "box").iterdir()]
    assert leftovers == ["vm.json"]


def test_missing_qemu(vm):
    vm("create", "box")
    vm.env["PATH"] = "/nonexistent"
    result = vm("start", "box", "-d", check=False)
    assert_one_line_error(result, "qemu-system-x86_64 not found")
    assert vm.record("box")["pid"] is None


@needs_qemu
def test_busy_port_leaves_nothing(vm):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = vm("run", "box", "--tiny", "-d", "--fwd", f"{port}:80", check=False)
    assert_one_line_error(result, f"port {port} on 127.0.0.1 is busy")
    assert not (vm.home / "vms" / "box").exists()   # run = create + start: undone together
    assert qemu_pids_under(vm.home) == []


@needs_qemu
def test_qemu_refusal_is_reported(vm, tmp_path):
    # a kernel file QEMU cannot load: the daemonizing parent exits non-zero with a message
    bogus = tmp_path / "kernel"
    bogus.write_bytes(b"not a kernel")
    vm("create", "box", "--kernel", str(bogus))
    result = vm("start", "box", "-d", check=False)
    assert_one_line_error(result, "qemu failed to start")
    assert vm.record("box")["pid"] is None
    assert qemu_pids_under(vm.home) == []


@needs_qemu
def test_boot_timeout_kills_the_guest(vm):
    result = vm("run", "slow", "--tiny", "-d", "--wait-ready", "0.5", check=False)
    assert_one_line_error(result, "not ready after 0.5 s (vm logs slow shows its console); "
                                  "slow is kept, stopped (vm rm slow deletes it)")
    assert qemu_pids_under(vm.home) == []
    # the machine stays, stopped, with its console log: the hint points somewhere
    assert vm("ls").stdout.splitlines()[1].split()[:3] == ["slow", "stopped", "-"]
    assert (vm.home / "vms" / "slow" / "console.log").exists()
    assert vm("logs", "slow").status == 0
    vm("rm", "slow")
    assert vm("ls").stdout.splitlines()[1:] == []


def test_wait_ready_is_documented(vm):
    assert "--wait-ready S" in vm("start", "--help").stdout
    assert "--wait-ready" in vm("--help").stdout


def test_socket_paths_too_long(tmp_path, capfd, monkeypatch):
    home = tmp_path / ("x" * 100)
    monkeypatch.setenv("PYSH_HOME", str(home))
    assert main(["create", "box"]) == 1
    assert "longer than 107 bytes" in capfd.readouterr().err
    assert not (home / "vms" / "box").exists()


def test_through_the_shell(vm):
    """`vm` is a pysh builtin: the same entry point, reached from a pysh command line."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "pyshell", "-c",
                           "vm create box -m 300 && vm ls; vm start nope; echo status=$?"],
                          env=vm.env, capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[0] == "box"
    assert done.stdout.splitlines()[2].split()[:2] == ["box", "stopped"]
    assert done.stdout.splitlines()[-1] == "status=1"
    assert done.stderr == "pysh: vm: no such vm: nope\n"


@needs_qemu
def test_exec_without_a_guest_agent(vm):
    # a guest booted from a kernel of its own (not --tiny): vm exec asks qemu-ga, which this
    # initramfs lacks; the answer must be a clear line, not a hang
    files = dict(line.split(": ", 1) for line in vm("tiny").stdout.splitlines())
    vm("create", "plain", "--kernel", files["kernel"], "--initrd", files["initrd"],
       "--append", files["append"])
    vm("start", "plain", "-d")
    assert "virtserialport" in vm("cmd", "plain").stdout
    result = vm("exec", "plain", "--", "true", check=False)
    assert_one_line_error(result, "no guest agent answered (install qemu-guest-agent")
    vm("kill", "plain")
    assert qemu_pids_under(vm.home) == []
