"""Benchmarks for `vm` (run by hand: python benchmarks/vm.py [--runs N]).

1. Boot to ready of the tiny guest: `vm run NAME --tiny -d` against the very same qemu command
   (from `vm cmd`) started by hand and waited for the same way (the guest agent answers a
   ping). The difference is what pysh adds: Python start-up, vm.json, the readiness loop.
2. The cost of `vm exec NAME -- true`: in-process (what the builtin costs inside pysh), through
   `python -m pyshell.vm` (a new interpreter each time), next to a bare QMP round trip.
3. The Debian disk of `vm bootstrap debian`: boot from the disk (SeaBIOS, syslinux, kernel,
   systemd) to the first answer of its sshd on the forwarded port, `vm run -d` against the same
   qemu command by hand; each boot on a fresh qcow2 overlay of the disk, so that every one is
   a first boot. Also: the disk's size, the cached base's, and the time to make one disk.

Everything runs in a network namespace of its own (the benchmark re-executes itself under
`unshare --net`, once the guests are built: their packages come from the apt sources).

Prints medians (and min-max) and the ratios; the machine's load average goes with them,
because TCG competes with everything else on the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyshell.vm import agent, state  # noqa: E402
from pyshell.vm.qmp import QmpClient  # noqa: E402


def vm(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pyshell.vm", *args], capture_output=True,
                          text=True, check=True)
    return done.stdout


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def summary(label: str, samples: list[float], unit: str = "s") -> float:
    median = statistics.median(samples)
    scale = 1000 if unit == "ms" else 1
    print(f"  {label:<44} median {median * scale:8.2f} {unit}"
          f"   [{min(samples) * scale:.2f}-{max(samples) * scale:.2f}]  n={len(samples)}")
    return median


def quit_qemu(name: str) -> None:
    paths = state.paths_of(name)
    pid = int(paths.pidfile.read_text())
    with QmpClient(paths.qmp) as qmp:
        qmp.execute_until_closed("quit")
    while Path(f"/proc/{pid}/cmdline").exists() and Path(f"/proc/{pid}/cmdline").read_bytes():
        time.sleep(0.02)


def boot_by_pysh(name: str) -> float:
    seconds = timed(lambda: vm("run", name, "--tiny", "-d", "-m", "512"))
    quit_qemu(name)
    vm("rm", name)
    return seconds


def boot_by_hand(name: str) -> float:
    """The same qemu command line, typed by hand: start it, then ping the agent."""
    vm("create", name, "--tiny", "-m", "512")
    argv = shlex.split(vm("cmd", name))
    paths = state.paths_of(name)

    def boot():
        subprocess.run(argv, check=True)
        pid = int(paths.pidfile.read_text())
        agent.wait_ready(paths.agent, 300, lambda: Path(f"/proc/{pid}").exists())

    seconds = timed(boot)
    quit_qemu(name)
    vm("rm", name)
    return seconds


SSH_PORT = 10022
SSH = ["sshpass", "-p", "toto", "ssh", "-p", str(SSH_PORT), "-o", "StrictHostKeyChecking=no",
       "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5",
       "-o", "PubkeyAuthentication=no", "root@127.0.0.1", "true"]


def wait_for_ssh(pid: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(SSH, capture_output=True).returncode == 0:
            return
        if not Path(f"/proc/{pid}").exists():
            raise SystemExit("qemu exited before sshd answered")
        time.sleep(0.5)
    raise SystemExit(f"no ssh answer after {timeout} s")


def debian_overlay(disk: str, name: str) -> str:
    overlay = os.path.join(os.environ["PYSH_HOME"], f"{name}.qcow2")
    vm("disk", "create", overlay, "--backing", disk)
    return overlay


def debian_boot_by_pysh(disk: str, name: str) -> float:
    overlay = debian_overlay(disk, name)

    def boot():
        vm("run", name, "--disk", overlay, "--smp", "2", "-m", "2048", "--fwd",
           f"{SSH_PORT}:22", "-d")
        wait_for_ssh(int(state.paths_of(name).pidfile.read_text()))

    seconds = timed(boot)
    quit_qemu(name)
    vm("rm", name)
    os.unlink(overlay)
    return seconds


def debian_boot_by_hand(disk: str, name: str) -> float:
    overlay = debian_overlay(disk, name)
    vm("create", name, "--disk", overlay, "--smp", "2", "-m", "2048", "--fwd", f"{SSH_PORT}:22")
    argv = shlex.split(vm("cmd", name))
    paths = state.paths_of(name)

    def boot():
        subprocess.run(argv, check=True, stderr=subprocess.DEVNULL)
        wait_for_ssh(int(paths.pidfile.read_text()))

    seconds = timed(boot)
    quit_qemu(name)
    vm("rm", name)
    os.unlink(overlay)
    return seconds


def debian_rows(disk: str, runs: int, make_seconds: float) -> None:
    from pyshell.vm import bootstrap

    base = bootstrap.cached_base()
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", disk],
                                     capture_output=True, text=True, check=True).stdout)
    print("Debian disk (vm bootstrap debian):")
    print(f"  disk {info['virtual-size'] >> 30} GiB virtual, {info['actual-size'] / 2**20:.0f} MiB "
          f"in the qcow2; cached base: root.ext4 {base.root_bytes >> 20} MiB "
          f"({os.stat(base.root_image).st_blocks * 512 / 2**20:.0f} MiB used) + boot.fat "
          f"{bootstrap.BOOT_SIZE >> 20} MiB; making one disk from it: {make_seconds:.1f} s")
    print("boot from disk to the first ssh answer (TCG, -smp 2 -m 2048, fresh overlay):")
    pysh, by_hand = [], []
    for run in range(runs):
        by_hand.append(debian_boot_by_hand(disk, f"dh{run}"))
        pysh.append(debian_boot_by_pysh(disk, f"dp{run}"))
    hand_median = summary("same qemu command by hand", by_hand)
    pysh_median = summary("vm run --disk DISK -d, then ssh", pysh)
    print(f"  pysh / by hand: {pysh_median / hand_median:.2f}  "
          f"(pysh adds {pysh_median - hand_median:+.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="boots of each kind")
    parser.add_argument("--exec-runs", type=int, default=20)
    parser.add_argument("--debian-runs", type=int, default=2, help="Debian boots of each kind")
    parser.add_argument("--inside", nargs=2, metavar=("DISK", "SECONDS"),
                        help=argparse.SUPPRESS)   # the re-executed run, in its namespace
    options = parser.parse_args()
    # the bases in the tests' cache, as benchmarks/images.py does
    os.environ.setdefault("PYSH_CACHE", "/var/cache/pysh-test")
    if not options.inside:
        # Outside the namespace: what needs the apt sources (builds, cached after the first).
        vm("tiny")
        work = tempfile.mkdtemp(prefix="vmbench-disk")
        disk = os.path.join(work, "mydebian.qcow2")
        vm("bootstrap", "debian", disk)               # builds the base the first time
        os.unlink(disk)
        make_seconds = timed(lambda: vm("bootstrap", "debian", disk))   # from the cache
        argv = [sys.executable, __file__, *sys.argv[1:], "--inside", disk, f"{make_seconds}"]
        status = subprocess.run(["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"',
                                 "-", *argv]).returncode
        os.unlink(disk)
        os.rmdir(work)
        raise SystemExit(status)
    home = tempfile.mkdtemp(prefix="vmbench")
    os.environ["PYSH_HOME"] = home
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    print("boot to ready (tiny guest, TCG, -m 512, launch -> agent answers):")
    pysh, by_hand = [], []
    for run in range(options.runs):   # interleaved, so that load changes hit both alike
        by_hand.append(boot_by_hand(f"h{run}"))
        pysh.append(boot_by_pysh(f"p{run}"))
    hand_median = summary("same qemu command by hand", by_hand)
    pysh_median = summary("vm run --tiny -d", pysh)
    print(f"  pysh / by hand: {pysh_median / hand_median:.2f}  "
          f"(pysh adds {pysh_median - hand_median:+.2f} s)")

    print("vm exec NAME -- true (guest already running):")
    vm("run", "x", "--tiny", "-d", "-m", "512")
    paths = state.paths_of("x")
    try:
        in_process = [timed(lambda: agent.run(paths.agent, paths.agent_lock, ["true"], 60))
                      for _ in range(options.exec_runs)]
        cli = [timed(lambda: vm("exec", "x", "--", "true")) for _ in range(options.exec_runs // 2)]

        def qmp_round_trip():
            with QmpClient(paths.qmp) as qmp:
                qmp.execute("query-status")
        qmp = [timed(qmp_round_trip) for _ in range(options.exec_runs)]
        python_start = [timed(lambda: subprocess.run([sys.executable, "-c", "pass"]))
                        for _ in range(options.exec_runs // 2)]
        exec_median = summary("vm exec, in process (the builtin)", in_process, "ms")
        summary("python -m pyshell.vm exec (new interpreter)", cli, "ms")
        summary("python -c pass (interpreter start-up alone)", python_start, "ms")
        qmp_median = summary("QMP connect + query-status (for scale)", qmp, "ms")
        print(f"  vm exec / QMP round trip: {exec_median / qmp_median:.1f}")
    finally:
        quit_qemu("x")
        vm("rm", "x")
    debian_rows(options.inside[0], options.debian_runs, float(options.inside[1]))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
