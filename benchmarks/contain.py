"""`contain run --rm busybox true` against runc, crun, bubblewrap and podman, on the same rootfs.

Run by hand, as root:  .venv/bin/python benchmarks/contain.py [--runs 20] [--repeats 5]

What is measured (issue 4), each a median over --repeats, the tools alternated repeat by repeat
so that load on the machine hits them alike:

* **pysh script loop**: ONE `pysh -c 'i=0; while ...; do contain run --rm busybox true; ...'`
  of --runs runs, as a student types it in the REPL. Shown two ways: total / runs (pysh's own
  start and contain's first imports included), and per run once started ((T(2N) - T(N)) / N).
* the **same loop in bash** of `runc run`, `crun run` (in a private mount namespace with the
  cgroup2 mount hidden: crun 1.8 refuses hybrid cgroups), `bwrap --unshare-all` and
  `podman run --rm` (podman: fewer runs, it is slow). Every one runs /bin/true of the same
  busybox directory: the image layer contain stacks under its overlay.
* the in-process entry point (pyshell.contain.cli.main, what the `contain` builtin calls), per run.
* the cold `pysh -c 'contain run --rm busybox true'`, beside `pysh -c true`.
* `contain exec` into a running container vs `runc exec`, both as loops (pysh vs bash);
  the RSS of a running container's supervisor.
* with --only-output [--against TREE]: what a container's output costs on its way through the
  supervisor into the log (issue 12: a time and a stream per line), in this checkout and in
  another one (an older commit, exported with `git archive`), side by side: `contain run --rm
  busybox echo hi` (in-process, per run), 100k lines in the foreground, 100k lines with -d
  until the exit, and `contain logs` of those 100k lines.
* what the hardening costs a start (issue 17), before/after in the same run: the in-process
  `contain run` with the default seccomp filter against `--security-opt seccomp=unconfined`
  (alternated run by run), the filter's compile in a fresh process (libseccomp loaded, the
  profile compiled: what a cold `contain run` pays once), and the device rules written to a
  fresh cgroup (v1 devices.deny/allow; a BPF program attached on cgroup2, where mounted).

Peers need: apt-get install runc crun bubblewrap podman. Missing ones are reported and skipped.
The .pyc files are brought up to date first, as an installed pysh has them: with
PYTHONDONTWRITEBYTECODE=1 set, a stale one is recompiled at every start (tens of ms).
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
PODMAN_RUNS = 5


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    return elapsed


def loop(body: str, runs: int) -> str:
    """A shell loop running ``body`` ``runs`` times ($i is the run number); pysh and bash alike."""
    return f"i=0; while [ $i -lt {runs} ]; do {body}; i=$((i+1)); done"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def spread(values: list[float]) -> str:
    return f"{ms(statistics.median(values))}  ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


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


def peer_loops(work: Path, rootfs: Path, runs: int) -> dict[str, tuple[str, int]]:
    """name -> (a bash script looping the peer, its number of runs)."""
    peers = {}
    if shutil.which("runc"):
        bundle = make_runc_bundle(work, rootfs, "runc-bundle", ["/bin/true"])
        peers["runc run"] = (loop(f'runc run --bundle {bundle} "r$$-$i"', runs), runs)
    if shutil.which("crun"):
        bundle = make_runc_bundle(work, rootfs, "crun-bundle", ["/bin/true"])
        body = loop(f'crun run --bundle {bundle} "c$$-$i"', runs)
        script = f"umount /sys/fs/cgroup/unified 2>/dev/null; {body}"
        peers["crun run (mount-ns workaround)"] = (f"exec unshare -m bash -c '{script}'", runs)
    if shutil.which("bwrap"):
        body = f"bwrap --unshare-all --bind {rootfs} / --proc /proc --dev /dev /bin/true"
        peers["bwrap --unshare-all"] = (loop(body, runs), runs)
    if shutil.which("podman"):
        store = work / "podman"
        base = (f"podman --root {store}/root --runroot {store}/run --cgroup-manager cgroupfs "
                f"--events-backend file")
        tar = work / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar), "."], check=True)
        subprocess.run(f"{base} import {tar} localhost/busybox", shell=True, check=True, capture_output=True)
        body = (f"{base} run --rm --network none --runtime runc --ulimit nofile=20000:20000 "
                f"--ulimit nproc=32768:32768 localhost/busybox /bin/true")
        peers["podman run --rm --runtime runc"] = (loop(body, PODMAN_RUNS), PODMAN_RUNS)
    return peers


class _without_hardening:
    """The start as it was before issue 17, for a before/after in one run: no seccomp program,
    no devices cgroup nor rules, no starting mark (patched in this process; the forks inherit it)."""

    def __enter__(self):
        from pyshell.contain.kernel import cgroups, seccomp
        from pyshell.contain.runtime import lifecycle, state

        self.saved = [(seccomp, "filter_for", seccomp.filter_for), (cgroups, "V1_CONTROLLERS", cgroups.V1_CONTROLLERS),
                      (state, "mark_starting", state.mark_starting), (lifecycle, "_device_rules", lifecycle._device_rules)]
        seccomp.filter_for = lambda setting, capabilities: None
        cgroups.V1_CONTROLLERS = tuple(c for c in cgroups.V1_CONTROLLERS if c != "devices")
        state.mark_starting = lambda directory: None
        for cls in (cgroups.CgroupV1, cgroups.CgroupV2):
            self.saved.append((cls, "limit_devices", cls.__dict__["limit_devices"]))
            cls.limit_devices = lambda self, rules: None
        return self

    def __exit__(self, *exc_info):
        for owner, name, value in self.saved:
            setattr(owner, name, value)


def contain_in_process(*flags: str) -> float:
    """One `contain run --rm busybox true` through the entry point the builtin calls, timed."""
    from pyshell.contain import cli

    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(devnull, 1)
    try:
        started = time.perf_counter()
        status = cli.main(["run", "--rm", *flags, "busybox", "true"])
        elapsed = time.perf_counter() - started
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    assert status == 0, status
    return elapsed


def _only_hardening(work: Path, rootfs: Path, runs: int, repeats: int) -> int:
    contain_in_process()
    results = hardening_costs(contain_in_process, runs * repeats)
    if shutil.which("runc"):
        script = peer_loops(work, rootfs, runs)["runc run"][0]
        timed(["bash", "-c", script])
        results["runc run (bash loop), per run"] = [timed(["bash", "-c", script]) / runs for _ in range(repeats)]
    print(f"hardening, what it adds to a start (ms, medians of {runs * repeats}, min-max):")
    for name, values in results.items():
        print(f"  {name:52s} {spread(values)}")
    return 0


def hardening_costs(contain_in_process, count: int) -> dict[str, list[float]]:
    """The seccomp filter and the device rules, measured where they are paid (see the docstring)."""
    from pyshell.contain.kernel import cgroups, devices

    with_filter, without, before = [], [], []
    for _ in range(count):  # alternated, so that load hits them alike
        with_filter.append(contain_in_process())
        without.append(contain_in_process("--security-opt", "seccomp=unconfined"))
        with _without_hardening():
            before.append(contain_in_process())
    compile_cold = []
    for _ in range(max(5, count // 10)):
        done = subprocess.run([PYTHON, "-c", "import time; from pyshell.contain.kernel import seccomp; "
                               "from pyshell.contain.spec import DEFAULT_CAPABILITIES as caps; t = time.perf_counter(); "
                               "seccomp.filter_for('', caps); print(time.perf_counter() - t)"],
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
        compile_cold.append(float(done.stdout))
    results = {"contain run, default seccomp filter (in-process)": with_filter,
               "contain run, --security-opt seccomp=unconfined": without,
               "contain run, all of issue 17 off (as before it)": before,
               "seccomp: load libseccomp + compile, fresh process": compile_cold}
    targets = {"device rules, cgroup v1 (devices.deny + 10 allow)": f"{cgroups.CGROUP_ROOT}/devices"}
    with open("/proc/self/mounts") as mounts:
        cgroup2 = next((line.split()[1] for line in mounts if line.split()[2] == "cgroup2"), None)
    if cgroup2:
        targets["device rules, cgroup v2 (BPF program attached)"] = cgroup2
    for name, parent in targets.items():
        if not os.path.isdir(parent):
            continue
        times = []
        for attempt in range(20):
            directory = f"{parent}/pysh-bench-devices-{os.getpid()}-{attempt}"
            os.mkdir(directory)
            try:
                started = time.perf_counter()
                if parent == cgroup2:
                    devices.attach_v2(directory, devices.DEFAULT_RULES)
                else:
                    devices.apply_v1(directory, devices.DEFAULT_RULES)
                times.append(time.perf_counter() - started)
            finally:
                os.rmdir(directory)
        results[name] = times
    return results


# One process per checkout runs its own cli.main, so that two trees never share an import.
OUTPUT_DRIVER = r"""
import json, os, statistics, sys, time
tree, home, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, tree)
os.environ["PYSH_HOME"] = home
from pyshell.contain import api, cli

report = os.fdopen(os.dup(2), "w")  # the figures; the containers' output goes to /dev/null
devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(devnull, 1)
os.dup2(devnull, 2)

def timed(*argv):
    started = time.perf_counter()
    status = cli.main(list(argv))
    if status != 0:
        print(f"contain {' '.join(argv)}: status {status}", file=report)
        sys.exit(1)
    return time.perf_counter() - started

lines = "seq 100000"
results = {"echo": [], "fg": [], "detached": [], "logs": []}
timed("run", "--rm", "--network", "none", "busybox", "echo", "hi")
for _ in range(runs):
    results["echo"].append(timed("run", "--rm", "--network", "none", "busybox", "echo", "hi"))
for _ in range(max(3, runs // 5)):
    results["fg"].append(timed("run", "--rm", "--network", "none", "busybox", "sh", "-c", lines))
    started = time.perf_counter()
    timed("run", "-d", "--network", "none", "--name", "bench-lines", "busybox", "sh", "-c", lines)
    api.wait("bench-lines")
    results["detached"].append(time.perf_counter() - started)
    results["logs"].append(timed("logs", "bench-lines"))
    timed("rm", "bench-lines")
print(json.dumps({name: statistics.median(values) for name, values in results.items()}), file=report)
"""

OUTPUT_CASES = {"echo": "contain run --rm busybox echo hi (in-process, per run)",
                "fg": "contain run --rm busybox seq 100000 (foreground)",
                "detached": "contain run -d busybox seq 100000, until it exits",
                "logs": "contain logs of those 100k lines"}


def output_costs(work: Path, trees: list[str], runs: int, repeats: int) -> int:
    """The medians of OUTPUT_DRIVER per tree, alternated repeat by repeat; ratios against the first."""
    homes = {}
    for number, tree in enumerate(trees):
        homes[tree] = str(work / f"home-{number}")
        subprocess.run([PYTHON, "-m", "pyshell.contain", "bootstrap", "busybox"], check=True, capture_output=True,
                       cwd=tree, env={**os.environ, "PYTHONPATH": tree, "PYSH_HOME": homes[tree]})
    found: dict[str, dict[str, list[float]]] = {tree: {case: [] for case in OUTPUT_CASES} for tree in trees}
    for _ in range(repeats):
        for tree in trees:
            done = subprocess.run([PYTHON, "-c", OUTPUT_DRIVER, tree, homes[tree], str(runs)], cwd=tree,
                                  capture_output=True, text=True, env={**os.environ, "PYTHONPATH": tree})
            if done.returncode != 0:
                raise RuntimeError(f"{tree}: {done.stderr[-500:]}")
            for case, value in json.loads(done.stderr.splitlines()[-1]).items():
                found[tree][case].append(value)
    print(f"output through the supervisor into the log: medians of {repeats} (min-max); ratio = this tree / the first")
    for case, title in OUTPUT_CASES.items():
        print(f"  {title}")
        first = statistics.median(found[trees[0]][case])
        for tree in trees:
            values = found[tree][case]
            print(f"    {tree:50s} {spread(values)}   x{statistics.median(values) / first:5.2f}")
    return 0


def _own_network_namespace() -> str:
    """Move this process (and all it starts) into a new network namespace with lo up: containers
    get the default bridge network, whose bridge, veths and nft rules must never touch this
    machine's own namespace. The namespace goes when we exit; returns its /run/pysh state dir."""
    from pyshell.contain.kernel import syscalls

    syscalls.unshare(syscalls.CLONE_NEWNET)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    return f"/run/pysh/net-{os.stat('/proc/self/ns/net').st_ino}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per loop")
    parser.add_argument("--repeats", type=int, default=5, help="loops per tool (the median is shown)")
    parser.add_argument("--only-hardening", action="store_true",
                        help="only the issue 17 section, with runc's loop beside it")
    parser.add_argument("--only-output", action="store_true",
                        help="only what output costs on its way into the log (issue 12)")
    parser.add_argument("--against", action="append", default=[], metavar="TREE",
                        help="with --only-output: another checkout to measure first, beside this one")
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root (the peers run rootful)", file=sys.stderr)
        return 1
    runs = options.runs
    netns_state = _own_network_namespace()
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "pyshell")], check=True, capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="pysh-bench-"))
    home = work / "home"
    os.environ["PYSH_HOME"] = str(home)
    from pyshell.contain import cli
    from pyshell.contain.image.store import ImageStore

    try:
        if options.only_output:
            for tree in options.against:
                subprocess.run([PYTHON, "-m", "compileall", "-q", tree], check=True, capture_output=True)
            return output_costs(work, [*options.against, str(ROOT)], runs, options.repeats)
        subprocess.run([PYTHON, "-m", "pyshell.contain", "bootstrap", "busybox"], check=True,
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        image = ImageStore(home).resolve("busybox")
        (rootfs,) = image.layer_dirs  # one layer: the same directory every peer runs
        print(f"rootfs: {rootfs}\nruns per loop: {runs}   repeats: {options.repeats}   "
              f"load: {os.getloadavg()[0]:.1f}   cpus: {os.cpu_count()}\n")

        if options.only_hardening:
            return _only_hardening(work, rootfs, runs, options.repeats)

        # --- loops: pysh running contain, bash running the peers (total / runs of each loop).
        contain_run = "contain run --rm busybox true"
        scripts = {"pysh loop: contain run --rm": ([PYSH, "-c", loop(contain_run, runs)], runs),
                   "pysh loop of 2N (for the per-run cost)": ([PYSH, "-c", loop(contain_run, 2 * runs)], 2 * runs)}
        for name, (script, count) in peer_loops(work, rootfs, runs).items():
            scripts[name] = (["bash", "-c", script], count)
        missing = [p for p in ("runc", "crun", "bwrap", "podman") if not shutil.which(p)]
        if missing:
            print(f"not installed (skipped): {', '.join(missing)}\n")
        totals: dict[str, list[float]] = {name: [] for name in scripts}
        for command, _ in scripts.values():
            timed(command)  # warm-up: page cache, .pyc files, podman's storage
        for _ in range(options.repeats):
            for name, (command, _) in scripts.items():
                totals[name].append(timed(command))
        per_run = {name: [t / scripts[name][1] for t in values] for name, values in totals.items()}
        started_cost = [(long - short) / runs for long, short in
                        zip(totals["pysh loop of 2N (for the per-run cost)"], totals["pysh loop: contain run --rm"])]

        # --- the in-process entry point, run by run (what the builtin costs once pysh is warm).
        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(1)
        contain_in_process()
        in_process = [contain_in_process() for _ in range(runs * options.repeats)]
        hardening = hardening_costs(contain_in_process, runs * options.repeats)

        ours = statistics.median(per_run["pysh loop: contain run --rm"])
        ours_started = statistics.median(started_cost)
        print(f"contain run --rm busybox true: ms per run, median of {options.repeats} loops (min-max);")
        print("ratio = peer / contain (> 1: contain is faster), against the pysh loop [and once started]:")
        print(f"  {'pysh loop, total / runs (pysh start + imports in)':52s} {spread(per_run['pysh loop: contain run --rm'])}")
        print(f"  {'pysh loop, per run once started ((T(2N)-T(N))/N)':52s} {spread(started_cost)}")
        print(f"  {'in-process entry point (cli.main), per run':52s} {spread(in_process)}")
        for name, values in per_run.items():
            if name.startswith("pysh"):
                continue
            peer = statistics.median(values)
            print(f"  {name + ' (bash loop)':52s} {spread(values)}   x{peer / ours:5.2f}  [x{peer / ours_started:5.2f}]")

        print("\nhardening, what it adds to a start (medians, min-max):")
        for name, values in hardening.items():
            print(f"  {name:52s} {spread(values)}")

        # --- cold starts.
        print("\ncold start (a new pysh each time):")
        cold_runs = max(5, options.repeats)
        pysh_true = [timed([PYSH, "-c", "true"]) for _ in range(cold_runs)]
        cold = [timed([PYSH, "-c", contain_run]) for _ in range(cold_runs)]
        cold_m = [timed([PYTHON, "-m", "pyshell.contain", "run", "--rm", "busybox", "true"],
                        env={**os.environ, "PYTHONPATH": str(ROOT)}) for _ in range(cold_runs)]
        print(f"  {'pysh -c true':52s} {spread(pysh_true)}")
        print(f"  {'pysh -c ' + repr(contain_run):52s} {spread(cold)}")
        print(f"  {'python -m pyshell.contain run --rm busybox true':52s} {spread(cold_m)}")

        # --- exec into a running container: a pysh loop vs a bash loop of runc exec.
        print("\nexec into a running container (ms per exec, loops as above):")
        os.dup2(devnull, 1)
        try:
            cli.main(["run", "-d", "--name", "bench-exec", "busybox", "sleep", "1000"])
        finally:
            os.dup2(saved, 1)
        exec_scripts = {"contain exec (pysh loop)": [PYSH, "-c", loop("contain exec bench-exec true", runs)]}
        if shutil.which("runc"):
            bundle_e = make_runc_bundle(work, rootfs, "runc-exec", ["/bin/sleep", "1000"])
            subprocess.run(["runc", "run", "-d", "--bundle", str(bundle_e), "bench-exec"], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            exec_scripts["runc exec (bash loop)"] = ["bash", "-c", loop("runc exec bench-exec /bin/true", runs)]
        exec_times: dict[str, list[float]] = {name: [] for name in exec_scripts}
        for _ in range(options.repeats):
            for name, command in exec_scripts.items():
                exec_times[name].append(timed(command) / runs)
        ours_exec = statistics.median(exec_times["contain exec (pysh loop)"])
        for name, values in exec_times.items():
            print(f"  {name:52s} {spread(values)}   x{statistics.median(values) / ours_exec:5.2f}")

        from pyshell.contain import api
        from pyshell.contain.runtime.protocol import Running, read_record

        running = read_record(api.get("bench-exec", home).directory / "running", Running)
        supervisor = running.supervisor_pid
        status_text = Path(f"/proc/{supervisor}/status").read_text()
        rss = next(line for line in status_text.splitlines() if line.startswith("VmRSS"))
        print(f"\nsupervisor of a running (-d) container: {rss.split(':')[1].strip()} RSS")
        os.dup2(devnull, 1)
        try:
            cli.main(["rm", "-f", "bench-exec"])
        finally:
            os.dup2(saved, 1)
        if "runc exec (bash loop)" in exec_scripts:
            subprocess.run(["runc", "delete", "-f", "bench-exec"], capture_output=True)
    finally:
        podman_store = work / "podman"
        if shutil.which("podman") and podman_store.exists():
            subprocess.run(["podman", "--root", str(podman_store / "root"), "--runroot", str(podman_store / "run"),
                            "system", "reset", "-f"], capture_output=True)
        from pyshell.contain.runtime.teardown import remove_tree

        subprocess.run(["umount", "-R", str(podman_store)], capture_output=True)
        remove_tree(str(work))
        shutil.rmtree(netns_state, ignore_errors=True)  # the networks' records of our namespace
    return 0


if __name__ == "__main__":
    sys.exit(main())
