"""Image benchmarks, run by hand as root: ``.venv/bin/python benchmarks/images.py``.

1. A 10-step Dockerfile rebuilt with everything cached: ``contain build`` as a fresh
   process (what a user types) and the Builder called in-process (what the REPL pays).
2. Pull throughput from a local docker-registry (Debian's) of the debian:bookworm
   image: ``contain pull`` (download + verify + unpack into layer dirs) against
   ``skopeo copy`` of the same image to an OCI directory (download + verify, no unpack).

Prints medians, min-max and ratios. Uses a temporary PYSH_HOME; the debian rootfs
comes from the bootstrap cache (PYSH_CACHE, default /var/cache/pysh-test).
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
RUNS = int(os.environ.get("RUNS", "7"))

TEN_STEPS = """\
FROM busybox
ARG LEVEL=1
ENV APP=/app LEVEL=$LEVEL
WORKDIR /app
COPY data/ ./data/
RUN echo built > /app/built
LABEL course=virtualisation
EXPOSE 8080
USER 0
CMD ["cat", "/app/built"]
"""


def contain(env, *args, quiet=True):
    return subprocess.run([PYTHON, "-m", "pyshell.contain", *args], env=env, cwd=ROOT, check=True,
                          stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.PIPE)


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def summary(name: str, samples: list[float], unit: str = "ms") -> float:
    scale = 1000 if unit == "ms" else 1
    median = statistics.median(samples)
    print(f"  {name:<46} median {median * scale:8.1f} {unit}  (min {min(samples) * scale:.1f}, "
          f"max {max(samples) * scale:.1f}, n={len(samples)})")
    return median


def cached_rebuild(env, work: Path) -> None:
    print("10-step cached rebuild (FROM busybox, COPY of 200 files, one RUN)")
    context = work / "ctx"
    (context / "data").mkdir(parents=True)
    for i in range(200):
        (context / "data" / f"file{i}.txt").write_text(f"{i}\n" * 100)
    (context / "Dockerfile").write_text(TEN_STEPS)
    contain(env, "bootstrap", "busybox")
    first = timed(lambda: contain(env, "build", "-t", "ten", str(context)))
    print(f"  first build (nothing cached)                   {first * 1000:8.1f} ms")
    summary("contain build, cached (fresh process)",
            [timed(lambda: contain(env, "build", "-t", "ten", str(context))) for _ in range(RUNS)])
    os.environ.update(env)
    from pyshell.contain.build.builder import BuildOptions, Builder
    from pyshell.contain.image.store import ImageStore

    store = ImageStore(Path(env["PYSH_HOME"]))
    options = BuildOptions(context=context, tags=("ten",), quiet=True)
    summary("Builder.build() in-process, cached",
            [timed(lambda: Builder(store, options, lambda s: None).build()) for _ in range(RUNS)])
    summary("python -c pass (the interpreter floor)",
            [timed(lambda: subprocess.run([PYTHON, "-c", "pass"], check=True)) for _ in range(RUNS)])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pull_throughput(env, work: Path) -> None:
    if not shutil.which("docker-registry") or not shutil.which("skopeo"):
        print("pull throughput: skipped (needs docker-registry and skopeo)")
        return
    print("pull of debian:bookworm from a local docker-registry")
    port = free_port()
    (work / "registry.yml").write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                                       f"    rootdirectory: {work / 'registry'}\nhttp:\n  addr: 127.0.0.1:{port}\n")
    registry = subprocess.Popen(["docker-registry", "serve", str(work / "registry.yml")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        contain(env, "bootstrap", "debian")
        reference = f"127.0.0.1:{port}/debian:bookworm"
        contain(env, "tag", "debian:bookworm", reference)
        contain(env, "push", reference)
        blobs = work / "registry/docker/registry/v2/blobs"
        size = sum(p.stat().st_size for p in blobs.rglob("data"))
        ours, theirs, theirs_unpacked = [], [], []
        umoci = shutil.which("umoci")
        for run in range(max(3, RUNS // 2)):
            clean = dict(env, PYSH_HOME=str(work / f"pull-{run}"))
            ours.append(timed(lambda: contain(clean, "pull", "-q", reference)))
            target = work / f"skopeo-{run}"
            theirs.append(timed(lambda: subprocess.run(
                ["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{reference}", f"oci:{target}:x"],
                check=True)))
            if umoci:  # the same whole job as ours: download, then unpack into a root filesystem
                theirs_unpacked.append(theirs[-1] + timed(lambda: subprocess.run(
                    [umoci, "unpack", "--image", f"{target}:x", str(work / f"bundle-{run}")],
                    check=True, stdout=subprocess.DEVNULL)))
                shutil.rmtree(work / f"bundle-{run}")
            shutil.rmtree(work / f"pull-{run}")
            shutil.rmtree(target)
        print(f"  registry holds {size / 1e6:.1f} MB of blobs (gzip'd layer + config + manifest)")
        a = summary("contain pull (download, verify, unpack)", ours, "s")
        b = summary("skopeo copy docker:// -> oci: (no unpack)", theirs, "s")
        print(f"  throughput: contain {size / a / 1e6:.1f} MB/s, skopeo {size / b / 1e6:.1f} MB/s; "
              f"ratio contain/skopeo {a / b:.2f}")
        if theirs_unpacked:
            c = summary("skopeo copy + umoci unpack (same whole job)", theirs_unpacked, "s")
            print(f"  ratio contain pull / (skopeo + umoci unpack) {a / c:.2f}")
    finally:
        registry.terminate()
        registry.wait()


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("run as root (layers keep their owners; RUN steps make containers)")
    work = Path(tempfile.mkdtemp(prefix="pysh-bench-images-"))
    env = dict(os.environ, PYSH_HOME=str(work / "home"),
               PYSH_CACHE=os.environ.get("PYSH_CACHE", "/var/cache/pysh-test"))
    try:
        cached_rebuild(env, work)
        pull_throughput(env, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
