"""`contain run --rm busybox true` against runc, crun, bubblewrap and podman, on the same rootfs.

Run by hand, as root:  .venv/bin/python benchmarks/contain.py [--runs 20]

What is measured (medians over --runs, peers alternated run by run so load hits all alike):
* contain, warm: a loop of `contain run --rm busybox true` in ONE pysh process, as a student
  types it in the REPL (the builtin; per-run times come from a pysh script's `times`-free loop
  measured from Python calling the same entry point, pyshell.contain.cli.main).
* the same loop of `runc run`, `crun run` (in a private mount namespace with the cgroup2 mount
  hidden: crun 1.8 refuses hybrid cgroups), `bwrap --unshare-all`, `podman run --runtime runc`.
* a whole pysh script looping N times (total / N), and the cold `pysh -c 'contain run ...'`.
* `contain exec` into a running container vs `runc exec`; the supervisor's RSS.

Peers need: apt-get install runc crun bubblewrap podman. Missing ones are reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
PYSH = str(ROOT / ".venv" / "bin" / "pysh")




def cpu_seconds() -> float:
    """This process and all its reaped descendants: a measure that load on the machine doesn't inflate."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    return elapsed


def median_ms(values) -> str:
    values = sorted(values)
    return f"{statistics.median(values) * 1000:6.1f} ms  ({values[0] * 1000:.0f}-{values[-1] * 1000:.0f})"


def make_runc_bundle(work: Path, rootfs: Path, name: str, args: list[str]) -> Path:
    bundle = work / name
    bundle.mkdir()
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    spec = json.loads((bundle / "config.json").read_text())
    spec["root"] = {"path": str(rootfs), "readonly": True}
    spec["process"]["terminal"] = False
    spec["process"]["args"] = args
    (bundle / "config.json").write_text(json.dumps(spec))
    return bundle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root (the peers run rootful)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="pysh-bench-"))
    home = work / "home"
    os.environ["PYSH_HOME"] = str(home)
    from pyshell.contain import cli
    from pyshell.contain.images import ImageStore

    try:
        subprocess.run([PYTHON, "-m", "pyshell.contain", "bootstrap", "busybox"], check=True,
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        image = ImageStore(home).resolve("busybox")
        (rootfs,) = image.layer_dirs  # one layer: the same directory every peer runs
        print(f"rootfs: {rootfs}   runs: {options.runs}   load: {os.getloadavg()[0]:.1f}\n")

        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(1)

        def contain_warm() -> float:
            os.dup2(devnull, 1)
            try:
                started = time.perf_counter()
                status = cli.main(["run", "--rm", "busybox", "true"])
                elapsed = time.perf_counter() - started
            finally:
                os.dup2(saved, 1)
            assert status == 0, status
            return elapsed

        peers: dict[str, object] = {"contain (warm, in-process builtin)": contain_warm}
        counter = iter(range(10**6))
        if shutil.which("runc"):
            bundle = make_runc_bundle(work, rootfs, "runc-bundle", ["/bin/true"])
            peers["runc run"] = lambda: timed(["runc", "run", "--bundle", str(bundle), f"b{next(counter)}"])
        if shutil.which("crun"):
            bundle_c = make_runc_bundle(work, rootfs, "crun-bundle", ["/bin/true"])
            peers["crun run (mount-ns workaround)"] = lambda: timed(
                ["unshare", "-m", "sh", "-c", 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun run --bundle "$0" "$1"',
                 str(bundle_c), f"c{next(counter)}"])
        if shutil.which("bwrap"):
            peers["bwrap --unshare-all"] = lambda: timed(
                ["bwrap", "--unshare-all", "--bind", str(rootfs), "/", "--proc", "/proc", "--dev", "/dev", "/bin/true"])
        podman_store = work / "podman"
        if shutil.which("podman"):
            base = ["podman", "--root", str(podman_store / "root"), "--runroot", str(podman_store / "run"),
                    "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
            tar = work / "rootfs.tar"
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar), "."], check=True)
            subprocess.run(base + ["import", str(tar), "localhost/busybox"], check=True, capture_output=True)
            peers["podman run --runtime runc"] = lambda: timed(
                base + ["run", "--rm", "--network", "none", "--runtime", "runc", "--ulimit", "nofile=20000:20000",
                        "--ulimit", "nproc=32768:32768", "localhost/busybox", "/bin/true"])
        missing = [p for p in ("runc", "crun", "bwrap", "podman") if not shutil.which(p)]
        if missing:
            print(f"not installed (skipped): {', '.join(missing)}\n")

        results: dict[str, list[float]] = {name: [] for name in peers}
        cpu: dict[str, list[float]] = {name: [] for name in peers}
        for name, run in peers.items():
            run()  # warm-up
        for _ in range(options.runs):
            for name, run in peers.items():
                if name.startswith("podman") and len(results[name]) >= max(5, options.runs // 4):
                    continue  # podman is slow; a few runs are enough for its median
                before = cpu_seconds()
                results[name].append(run())
                cpu[name].append(cpu_seconds() - before)

        print("contain run --rm busybox true, and peers: wall median (min-max), ratio, CPU user+sys median:")
        ours = statistics.median(results["contain (warm, in-process builtin)"])
        ours_cpu = statistics.median(cpu["contain (warm, in-process builtin)"])
        for name, values in results.items():
            ratio = statistics.median(values) / ours
            cpu_median = statistics.median(cpu[name])
            print(f"  {name:38s} {median_ms(values)}   x{ratio:5.2f}   cpu {cpu_median * 1000:5.1f} ms"
                  f" (x{cpu_median / ours_cpu:4.2f})")

        # A pysh script looping, as typed in the REPL; and the cold start of a new pysh.
        loops = options.runs
        script = f"i=0; while [ $i -lt {loops} ]; do contain run --rm busybox true; i=$((i+1)); done"
        total = timed([PYSH, "-c", script])
        print(f"\n  pysh script loop of {loops}: {total / loops * 1000:6.1f} ms per run (includes pysh start / {loops})")
        cold = [timed([PYSH, "-c", "contain run --rm busybox true"]) for _ in range(max(5, loops // 4))]
        print(f"  cold pysh -c 'contain run --rm busybox true': {median_ms(cold)}")
        cold_m = [timed([PYTHON, "-m", "pyshell.contain", "run", "--rm", "busybox", "true"],
                        env={**os.environ, "PYTHONPATH": str(ROOT)}) for _ in range(max(5, loops // 4))]
        print(f"  cold python -m pyshell.contain run ...:       {median_ms(cold_m)}")

        # exec into a running container.
        print("\nexec into a running container:")
        os.dup2(devnull, 1)
        try:
            cli.main(["run", "-d", "--name", "bench-exec", "busybox", "sleep", "1000"])
        finally:
            os.dup2(saved, 1)

        def contain_exec() -> float:
            started = time.perf_counter()
            status = cli.main(["exec", "bench-exec", "true"])
            assert status == 0
            return time.perf_counter() - started

        exec_results = {"contain exec (warm)": [], "runc exec": []}
        runners = {"contain exec (warm)": contain_exec}
        if shutil.which("runc"):
            bundle_e = make_runc_bundle(work, rootfs, "runc-exec", ["/bin/sleep", "1000"])
            subprocess.run(["runc", "run", "-d", "--bundle", str(bundle_e), "bench-exec"], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runners["runc exec"] = lambda: timed(["runc", "exec", "bench-exec", "/bin/true"])
        for _ in range(options.runs):
            for name, run in runners.items():
                exec_results[name].append(run())
        ours_exec = statistics.median(exec_results["contain exec (warm)"])
        for name, values in exec_results.items():
            if values:
                print(f"  {name:38s} {median_ms(values)}   x{statistics.median(values) / ours_exec:5.2f} of contain")

        from pyshell.contain import state

        container = state.find(home, "bench-exec")
        supervisor = (container.dir / "running").read_text().split()[0]
        status_text = Path(f"/proc/{supervisor}/status").read_text()
        rss = next(line for line in status_text.splitlines() if line.startswith("VmRSS"))
        print(f"\nsupervisor of a running container: {rss.split(':')[1].strip()} RSS")
        cli.main(["rm", "-f", "bench-exec"])
        if "runc exec" in runners:
            subprocess.run(["runc", "delete", "-f", "bench-exec"], capture_output=True)
    finally:
        if shutil.which("podman") and podman_store.exists():
            subprocess.run(["podman", "--root", str(podman_store / "root"), "--runroot", str(podman_store / "run"),
                            "system", "reset", "-f"], capture_output=True)
        from pyshell.contain.teardown import remove_tree

        subprocess.run(["umount", "-R", str(podman_store)], capture_output=True)
        remove_tree(str(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
