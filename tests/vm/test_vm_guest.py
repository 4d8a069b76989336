"""Real tiny guests under QEMU: one shared guest for most tests (booting costs seconds of
TCG), then guests of their own for the console, stop and crash paths."""

import json
import os
import shlex
import signal
import socket
import sys
import threading
import urllib.request
from pathlib import Path

import pexpect
import pytest

from vmsupport import needs_qemu, qemu_pids_under, wait_until

pytestmark = needs_qemu


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gone(pid: int) -> bool:
    """The process has exited: no /proc entry, or a zombie that init has not reaped yet
    (QEMU daemonized, so its parent is init, which reaps when it gets to it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture(scope="module")
def guest(module_vm):
    """A running tiny guest named g: 512 MiB, 1 CPU (room for 3), a balloon, port 80
    forwarded. It is started the way a user would, attached to its console (`vm start g`),
    and left running with Ctrl-]."""
    port = free_port()
    module_vm("create", "g", "--tiny", "-m", "512", "--smp", "1", "--maxcpus", "3",
              "--balloon", "--fwd", f"{port}:80")
    session = pexpect.spawn(sys.executable, ["-m", "pyshell.vm", "start", "g"],
                            env=module_vm.env, encoding="utf-8", timeout=240)
    try:
        session.expect("connected to the console of g")
        session.expect(r"Linux version 6\.")   # nothing lost: QEMU waited (-S) for us
        session.expect("tiny guest ready: 1 cpu")
        session.send("\x1d")                    # Ctrl-]
        session.expect(r"\[detached\]")
        session.expect(pexpect.EOF)
    finally:
        session.close(force=True)
    assert session.exitstatus == 0
    module_vm.http_port = port
    return module_vm


def exec_out(vm, *command: str) -> str:
    return vm("exec", "g", "--", *command).stdout


def test_running_and_listed(guest):
    [row] = guest("ls").stdout.splitlines()[1:]
    name, status, pid, cpus, memory, forwards = row.split()
    assert (name, status, cpus, memory) == ("g", "running", "1/3", "512M")
    assert forwards == f"127.0.0.1:{guest.http_port}->80"
    assert guest.pids() == [int(pid)]
    assert guest("status", "g").stdout == "running\n"


def test_vm_cmd_is_what_runs(guest):
    [pid] = guest.pids()
    running = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    assert guest("cmd", "g").stdout == shlex.join(running) + "\n"
    assert "-accel" in running


def test_exec_returns_output_and_status(guest):
    result = guest("exec", "g", "--", "sh", "-c", "echo out; echo err >&2; exit 7", check=False)
    assert (result.status, result.stdout, result.stderr) == (7, "out\n", "err\n")
    # each word arrives intact, quotes and spaces included
    assert exec_out(guest, "printf", "%s|", "a b", "c'd", "$HOME") == "a b|c'd|$HOME|"
    assert exec_out(guest, "uname", "-s") == "Linux\n"
    missing = guest("exec", "g", "--", "no-such-command", check=False)
    assert missing.status == 127 and "not found" in missing.stderr


def test_exec_large_output(guest):
    numbers = exec_out(guest, "seq", "1", "5000")
    assert numbers == "".join(f"{n}\n" for n in range(1, 5001))


def test_exec_calls_in_parallel_are_serialized(guest):
    results = {}

    def run(word):
        results[word] = exec_out(guest, "echo", word)

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {f"w{i}": f"w{i}\n" for i in range(3)}


def test_forwarded_port_reaches_a_guest_server(guest):
    exec_out(guest, "sh", "-c", "mkdir -p /www && echo hello from the guest > /www/index.html"
                                " && httpd -p 80 -h /www")
    url = f"http://127.0.0.1:{guest.http_port}/"
    body = urllib.request.urlopen(url, timeout=30).read()
    assert body == b"hello from the guest\n"
    assert exec_out(guest, "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}'") == "10.0.2.15/24\n"


def test_cpu_hotplug_onlines_the_new_cpus(guest):
    assert exec_out(guest, "nproc") == "1\n"
    assert guest("cpu", "g", "add").stdout == "cpu1\n"
    # the guest's watcher onlines it (a hot-added CPU arrives offline)
    wait_until(lambda: exec_out(guest, "nproc") == "2\n", 30, "the guest to see 2 CPUs")
    slots = guest("cpu", "g").stdout.splitlines()
    assert slots[0].split() == ["ID", "SOCKET", "CORE", "THREAD", "STATE"]
    assert [line.split()[-1] for line in slots[1:]] == ["plugged", "plugged", "free"]
    assert slots[2].split()[0] == "cpu1"
    assert guest("ls").stdout.splitlines()[1].split()[3] == "2/3"
    assert guest("cpu", "g", "add").stdout == "cpu2\n"
    wait_until(lambda: exec_out(guest, "nproc") == "3\n", 30, "3 CPUs")
    full = guest("cpu", "g", "add", check=False)
    assert full.status == 1 and "no free CPU slot" in full.stderr


def test_cpu_unplug(guest):
    # The guest ejects it through ACPI. (QEMU 7.2 is fragile after an unplug: adding a CPU
    # again, or a guest poweroff, can crash it; so nothing but `quit` follows on this guest.)
    guest("cpu", "g", "rm", "cpu2")
    wait_until(lambda: exec_out(guest, "nproc") == "2\n", 30, "the guest to drop to 2 CPUs")
    assert [line.split()[-1] for line in guest("cpu", "g").stdout.splitlines()[1:]] == \
        ["plugged", "plugged", "free"]
    missing = guest("cpu", "g", "rm", "cpu9", check=False)
    assert missing.status == 1 and "cpu9" in missing.stderr


def mem_total_kb(vm) -> int:
    return int(exec_out(vm, "awk", "/MemTotal/ {print $2}", "/proc/meminfo"))


def test_balloon_shrinks_memtotal(guest):
    before = mem_total_kb(guest)
    assert guest("balloon", "g").stdout == "512 MiB (of 512 MiB)\n"
    guest("balloon", "g", "256")
    # the guest's balloon driver gives the pages back a few MiB at a time
    wait_until(lambda: guest("balloon", "g").stdout == "256 MiB (of 512 MiB)\n", 30,
               "the balloon to reach 256 MiB")
    assert mem_total_kb(guest) < before - 200 * 1024
    guest("balloon", "g", "512")
    wait_until(lambda: guest("balloon", "g").stdout == "512 MiB (of 512 MiB)\n", 30,
               "the balloon to deflate")
    wait_until(lambda: mem_total_kb(guest) == before, 30, "MemTotal to come back")
    too_big = guest("balloon", "g", "4096", check=False)
    assert too_big.status == 1 and "want 1 to 512" in too_big.stderr


def test_pause_resume_and_monitor(guest):
    guest("pause", "g")
    assert guest("status", "g").stdout == "paused\n"
    assert guest("monitor", "g", "info", "status").stdout == "VM status: paused\n"
    guest("resume", "g")
    assert guest("status", "g").stdout == "running\n"
    prompt = guest("monitor", "g", input="info status\ninfo balloon\n").stdout
    assert prompt == "VM status: running\nballoon: actual=512\n"
    bad = guest("monitor", "g", "no-such-command", check=False)
    assert "unknown command" in bad.stdout + bad.stderr


def test_inspect_reports_live_state(guest):
    report = json.loads(guest("inspect", "g").stdout)
    assert report["state"] == "running"
    assert report["live"]["status"] == "running"
    assert report["live"]["balloon_mib"] == 512
    assert report["spec"]["tiny"] is True


def test_refusals_while_running(guest):
    again = guest("start", "g", "-d", check=False)
    assert again.status == 1 and "already running" in again.stderr
    remove = guest("rm", "g", check=False)
    assert remove.status == 1 and "stop it first" in remove.stderr


def test_console_detach_leaves_the_guest_running(guest):
    console = pexpect.spawn(sys.executable, ["-m", "pyshell.vm", "console", "g"], env=guest.env,
                            encoding="utf-8", timeout=60)
    try:
        console.expect("connected to the console of g")
        console.sendline("")
        console.expect("tiny# ")
        console.sendline("echo $((6 * 7))")
        console.expect("42")
        console.send("\x1d")   # Ctrl-]
        console.expect(r"\[detached\]")
        console.expect(pexpect.EOF)
    finally:
        console.close(force=True)
    assert console.exitstatus == 0
    assert guest("status", "g").stdout == "running\n"


def test_ctrl_a_x_quits_qemu(guest):
    # last test on the shared guest: after a vCPU unplug a guest poweroff makes QEMU 7.2
    # abort, but quit (what Ctrl-A x does) is clean
    [pid] = guest.pids()
    console = pexpect.spawn(sys.executable, ["-m", "pyshell.vm", "console", "g"], env=guest.env,
                            encoding="utf-8", timeout=60)
    try:
        console.expect("connected to the console")
        console.send("\x01c")     # Ctrl-A c: one monitor command
        console.expect(r"\(qemu\) ")
        console.sendline("info status")
        console.expect("VM status: running")
        console.sendline("")      # back to the console
        console.send("\x01x")     # Ctrl-A x
        console.expect(r"\[quit\]")
        console.expect(pexpect.EOF)
    finally:
        console.close(force=True)
    wait_until(lambda: gone(pid), 10, "qemu to exit")
    assert guest("ls").stdout.splitlines()[1].split()[1:3] == ["stopped", "-"]
    files = sorted(p.name for p in (guest.home / "vms" / "g").iterdir())
    assert files == ["console.log", "events.json", "lock", "vm.json"]
    events = json.loads(guest("inspect", "g").stdout)["events"]
    assert events["shutdown"] == {"guest": False, "reason": "host-qmp-quit"}
    guest("rm", "g")
    assert qemu_pids_under(guest.home) == []


def test_reboot_and_poweroff_update_the_state(vm):
    """QEMU announces a reset or a shutdown only as a QMP event: the watcher started with the
    guest writes them down (events.json), and `vm inspect` shows them."""
    vm("run", "r", "--tiny", "-d", "-m", "256")
    assert json.loads(vm("inspect", "r").stdout)["events"]["resets"] == 0
    no_balloon = vm("balloon", "r", "128", check=False)   # created without --balloon
    assert no_balloon.status == 1 and "has no balloon device" in no_balloon.stderr
    vm("exec", "r", "--", "reboot")
    inspect = lambda: json.loads(vm("inspect", "r").stdout)   # noqa: E731
    wait_until(lambda: inspect()["events"]["resets"] == 1, 30, "the RESET event")
    assert vm("exec", "--timeout", "120", "r", "--", "echo", "back").stdout == "back\n"
    assert inspect()["state"] == "running"
    [pid] = vm.pids()
    vm("exec", "r", "--", "poweroff", check=False)   # the agent may die before it answers
    wait_until(lambda: gone(pid), 60, "qemu to exit after the guest's poweroff")
    assert vm("ls").stdout.splitlines()[1].split()[1:3] == ["stopped", "-"]
    assert vm("status", "r").stdout == "stopped\n"
    events = wait_until(lambda: inspect()["events"].get("exited_at") and inspect()["events"],
                        10, "the watcher to see qemu exit")
    assert events["resets"] == 1 and events["last"] == "SHUTDOWN"
    assert events["shutdown"] == {"guest": True, "reason": "guest-shutdown"}
    assert inspect()["state"] == "stopped"
    vm("rm", "r")
    assert qemu_pids_under(vm.home) == []


def test_kill_and_a_guest_that_dies(vm):
    vm("run", "k", "--tiny", "-d", "--no-wait")
    assert vm("kill", "k").stdout == "k killed (QMP quit)\n"
    assert qemu_pids_under(vm.home) == []
    # a QEMU that dies behind our back (OOM killer, kill -9) shows as stopped, sockets gone
    vm("start", "k", "-d", "--no-wait")
    [pid] = vm.pids()
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: gone(pid), 10, "qemu to die")
    assert vm("ls").stdout.splitlines()[1].split()[1:3] == ["stopped", "-"]
    assert vm.record("k")["pid"] is None
    assert not (vm.home / "vms" / "k" / "qmp.sock").exists()
    vm("rm", "k")
    assert not (vm.home / "vms" / "k").exists()


def test_empty_disk_says_no_bootable_device(vm):
    """The course's first slide: a blank 5G disk and nothing else; the BIOS and iPXE try
    everything, then give up, on the serial console (console.log)."""
    vm("run", "empty", "--disk-size", "5G", "-d", "-m", "256")
    assert vm("status", "empty").stdout == "running\n"   # -d returned once QMP said so
    log = vm.home / "vms" / "empty" / "console.log"
    wait_until(lambda: log.exists() and b"No bootable device" in log.read_bytes(), 150,
               "SeaBIOS to give up")
    assert b"iPXE" in log.read_bytes()
    assert "No bootable device" in vm("logs", "empty").stdout
    vm("kill", "empty")
    vm("rm", "empty")
