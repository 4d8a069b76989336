"""pysh against bash and dash, side by side, in the same run (run by hand).

    .venv/bin/python benchmarks/shell.py [--runs N] [--quick]

Each row runs the same snippet under every shell, alternating shells run by run so
that load on the machine hits them alike, and prints the median wall time and the
ratio to bash (and, for startup, to `python -c pass`). Rows:

    startup         `SHELL -c true`, each run starting it 20 times
    1000 × /bin/true  an external command per iteration (spawn cost)
    1 GiB pipeline  `head -c 1G /dev/zero | cat | wc -c` (throughput: no data through the shell)
    arith loop      `i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done`

Targets (issue 2): startup within 3× of python; the /bin/true loop within 1.5× of bash
per iteration; the pipeline at ≥ 0.95 of bash's throughput.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def shells() -> dict[str, list[str]]:
    # The installed `pysh` command (what users type) when there is one, else `python -m pyshell`
    # (runpy costs ~3 ms more per start).
    installed = ROOT / ".venv" / "bin" / "pysh"
    found = {"pysh": [str(installed)] if installed.exists() else [PYTHON, "-m", "pyshell"]}
    for name in ("bash", "dash"):
        path = shutil.which(name)
        if path:
            found[name] = [path]
    return found


def run_once(argv: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files
    start = time.perf_counter()
    completed = subprocess.run(argv, stdout=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"benchmark command failed ({completed.returncode}): {argv}")
    return elapsed


def measure(rows: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median seconds per row; the rows are interleaved run by run."""
    times: dict[str, list[float]] = {name: [] for name in rows}
    for name, argv in rows.items():  # one warm-up each (page cache, .pyc files)
        run_once(argv)
    for _ in range(runs):
        for name, argv in rows.items():
            times[name].append(run_once(argv))
    return {name: statistics.median(values) for name, values in times.items()}


def repeat(shell: list[str], snippet: str, count: int) -> list[str]:
    """A dash loop starting `shell -c snippet` ``count`` times (startup resolution)."""
    quoted = " ".join(f"'{word}'" for word in shell)
    return ["dash", "-c", f"i=0; while [ $i -lt {count} ]; do {quoted} -c '{snippet}'; i=$((i+1)); done"]


def report(title: str, medians: dict[str, float], per: float = 1.0, unit: str = "ms",
           scale: float = 1000.0, baseline: str = "bash", extra: str | None = None) -> None:
    print(f"\n{title}")
    base = medians.get(baseline)
    for name, seconds in medians.items():
        value = seconds / per * scale
        ratio = f"{seconds / base:6.2f}x {baseline}" if base else ""
        more = f"   {seconds / medians[extra]:5.2f}x {extra}" if extra and extra in medians else ""
        print(f"  {name:<16} {value:10.3f} {unit}   {ratio}{more}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller loops, 3 runs")
    options = parser.parse_args()
    runs = 3 if options.quick else options.runs
    peers = shells()
    print(f"pysh benchmarks, {runs} runs each (medians), carrier={os.environ.get('PYSH_SPAWN', 'posix_spawn')}")

    starts = 20
    rows = {name: repeat(argv, "true", starts) for name, argv in peers.items()}
    rows["python -c pass"] = repeat([PYTHON], "pass", starts)
    medians = measure(rows, runs)
    report("startup: SHELL -c true (per start)", medians, per=starts, extra="python -c pass")
    startup = {name: medians[name] / starts for name in peers}

    count = 300 if options.quick else 1000
    loop = f"i=0; while [ $i -lt {count} ]; do /bin/true; i=$((i+1)); done"
    rows = {name: argv + ["-c", loop] for name, argv in peers.items()}
    medians = measure(rows, runs)
    report(f"{count} x /bin/true (per iteration, startup included)", medians, per=count)
    corrected = {name: max(medians[name] - startup[name], 1e-9) for name in peers}
    report(f"{count} x /bin/true (per iteration, startup subtracted)", corrected, per=count)

    size = "256M" if options.quick else "1G"
    pipeline = f"head -c {size} /dev/zero | cat | wc -c"
    rows = {name: argv + ["-c", pipeline] for name, argv in peers.items()}
    medians = measure(rows, runs)
    report(f"pipeline: {pipeline} (seconds; lower is better)", medians, scale=1.0, unit="s")
    if "bash" in medians:
        print(f"  pysh throughput = {medians['bash'] / medians['pysh']:.2f} of bash's (startup included), "
              f"{(medians['bash'] - startup['bash']) / (medians['pysh'] - startup['pysh']):.2f} "
              "(startup subtracted)")

    count = 20000 if options.quick else 100000
    loop = f"i=0; while [ $i -lt {count} ]; do i=$((i+1)); done"
    rows = {name: argv + ["-c", loop] for name, argv in peers.items()}
    medians = measure(rows, max(1, runs // 2))
    corrected = {name: max(medians[name] - startup[name], 1e-9) for name in peers}
    report(f"arithmetic loop, {count} iterations (per iteration, startup subtracted)", corrected,
           per=count, unit="us", scale=1e6)


if __name__ == "__main__":
    main()
