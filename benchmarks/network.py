"""contain networks against Docker, side by side: run cost, port throughput, connections, names.

Run by hand, as root:  .venv/bin/python benchmarks/network.py [--runs 40] [--gib 1] [--rounds 5]

It re-executes itself in a network namespace of its own (`unshare --net`): bridges, rules and
ports never touch the machine's network. Docker is the peer that
/work/shared/reference/scripts/docker-peer.sh starts (its own namespace; reached by its socket);
docker-proxy is Debian's, started standalone. Missing peers are reported and skipped.
Whatever is compared takes turns, run by run or round by round, so that the load other work
puts on the machine hits both sides alike; every part prints medians, ratios and the load.

1. `contain run --rm busybox true`, default bridge vs --network none, the two alternated:
   * loop: in ONE process (the `contain` builtin's entry point, as the REPL and scripts call
     it), each run timed, after one untimed run;
   * cold: a new `python -m pyshell.contain` process each run, as a terminal or a script of
     another language calls `contain`. Nothing is dropped first: it runs after the loop, so
     the image, the bridge, the page cache and the .pyc files are warm. Cold means a new
     interpreter, not a cold machine. It is split into its parts: the interpreter's start
     (`python -c pass`) and the imports a run makes (the same modules imported in a new
     process), the rest being the run itself;
   * `docker run --rm` (bridge, none): a new docker CLI process each run against dockerd, warm
     (it is always running): the same footing as cold, a new client process each time. The
     loop's ratio compares our in-process run with the same docker figure: Docker has no
     in-process form.
2. Throughput of --gib GiB into a container: through the published port on 127.0.0.1 (the
   kernel's DNAT, firewall.py), through our proxy (splice(2); a second published port whose
   DNAT element the benchmark deletes, so the proxy, the fallback, serves it), directly to the
   container's address, and through docker-proxy. The sink
   is the host's Python (bound in read-only) reading into one buffer: busybox nc tops out
   near 0.8 GiB/s, below what is measured.
3. Short connections per second (connect, 1 byte each way, the server closes, the client reads
   that end of file and closes), the same three paths with the same client and server. The
   client waits for the server's close so that each connection ends the same way on every
   path: the server side holds the TIME_WAIT, not now one side, now both (a client that
   closed before the FIN came in). Connections slower than STALL are counted: a lost SYN
   costs a second (the first retransmission), enough to bring a 2-second round down tenfold.
4. A name lookup from inside a container on a user network: 200 `nslookup target` against 200
   `/bin/true`, timed by the container's clock in one run (ours, and Docker's 127.0.0.11 on a
   user network of the peer), so that what a run costs drops out; our server's answers
   per second (asked from inside a container: it answers containers, known by their address),
   `network create` + `network rm` (ours and Docker's alternated), and the proxy's memory with
   100 published ports beside 100 docker-proxy processes (dockerd 20.10 starts one per
   published port), measured: RSS, and PSS (shared pages split between the processes that
   map them: what the processes cost together).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
PEER = "/work/shared/reference/scripts/docker-peer.sh"
HOST_LIBS = ["-v", "/usr:/usr:ro", "-v", "/lib64:/lib64:ro", "-v", "/lib:/lib:ro"]
SINK = ("import socket, sys, threading\n"
        "def serve(port):\n"
        "    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', port)); s.listen(512)\n"
        "    buf = bytearray(1 << 20)\n"
        "    while True:\n"
        "        c, _ = s.accept()\n"
        "        first = c.recv(1)\n"
        "        if first == b'x':\n"
        "            c.sendall(b'y'); c.close(); continue\n"
        "        while c.recv_into(buf): pass\n"
        "        c.sendall(b'done'); c.close()\n"
        "for port in sys.argv[1:]:\n"
        "    threading.Thread(target=serve, args=(int(port),)).start()\n")
# Each path reaches the sink on a port of its own. One port for all would let the paths' short
# connections collide: the sink closes first, so the container keeps each one's TIME_WAIT, and
# a connection of another path from the same address and port (the DNAT's are masqueraded to
# the bridge's address, as the host's direct ones come from it) has other TCP timestamps: the
# TIME_WAIT refuses its SYN (PAWS), which costs the client a second.
SINK_PORTS = {"dnat": 80, "proxy": 81, "direct": 82, "docker-proxy": 83}


def ratio(a: float, b: float) -> str:
    return f"{a / b:6.2f}x" if b else "   n/a"


class Contain:
    def __init__(self, home: Path):
        self.home = home
        self.env = {**os.environ, "PYSH_HOME": str(home), "PYTHONPATH": str(ROOT)}

    def run(self, *args: str, check: bool = True) -> str:
        # cwd: `python -m` puts the current directory first on sys.path, so started from
        # another checkout it would measure that checkout's pyshell.
        done = subprocess.run([PYTHON, "-m", "pyshell.contain", *args], env=self.env, capture_output=True, text=True,
                              cwd=str(ROOT))
        if check and done.returncode:
            raise RuntimeError(f"contain {' '.join(args[:4])}: {done.stderr.strip()}")
        return done.stdout


DOCKER_ENV = {**os.environ, "DOCKER_HOST": "unix:///run/docker-peer.sock"}


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], env=DOCKER_ENV, capture_output=True, text=True)
    if check and done.returncode:
        raise RuntimeError(f"docker {' '.join(args[:3])}: {done.stderr.strip()}")
    return done


def docker_ready() -> bool:
    if not shutil.which("docker") or not os.path.exists("/run/docker-peer.sock"):
        return False
    return docker("info", check=False).returncode == 0


# --------------------------------------------------------------------------- 1. run cost


NETWORKS = ("bridge", "none")


def in_process_loop(home: Path, runs: int) -> tuple[dict[str, list[float]], list[str]]:
    """Seconds of each run, per network, in one Python process: the `contain` builtin's entry
    point, bridge and none taking turns; and the modules that process imported to run them."""
    code = (f"import json, os, sys, time; os.environ['PYSH_HOME'] = {str(home)!r}\n"
            "already = set(sys.modules)\n"
            "from pyshell.contain.cli import main\n"
            f"networks = {NETWORKS!r}\n"
            "for network in networks: main(['run', '--rm', '--network', network, 'busybox', 'true'])\n"
            "seconds = {network: [] for network in networks}\n"
            f"for _ in range({runs}):\n"
            "    for network in networks:\n"
            "        started = time.perf_counter()\n"
            "        main(['run', '--rm', '--network', network, 'busybox', 'true'])\n"
            "        seconds[network].append(time.perf_counter() - started)\n"
            "imported = sorted(name for name in sys.modules if name not in already)\n"
            "print(json.dumps({'seconds': seconds, 'imported': imported}))")
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=str(ROOT),
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise RuntimeError(done.stderr[-500:])
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["seconds"], found["imported"]


def timed(command: list[str], env: dict | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(ROOT))
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:6])}: {done.stderr.strip()[-300:]}")
    return elapsed


def cold_runs(contain: Contain, imported: list[str], runs: int) -> dict[str, list[float]]:
    """Seconds of each cold run (a new `python -m pyshell.contain`), per network, beside the
    parts of one: a new interpreter doing nothing, and one importing what a run imports."""
    # Leaf modules only: importing a.b imports a; private and frozen ones come with the rest.
    leaves = [name for name in imported if not name.startswith("_")
              and not any(other.startswith(name + ".") for other in imported)]
    cases = {network: [PYTHON, "-m", "pyshell.contain", "run", "--rm", "--network", network, "busybox", "true"]
             for network in NETWORKS}
    cases["python -c pass"] = [PYTHON, "-c", "pass"]
    cases["python importing what a run imports"] = [PYTHON, "-c", "import " + ", ".join(leaves)]
    seconds = {case: [] for case in cases}
    for _ in range(runs):
        for case, command in cases.items():
            seconds[case].append(timed(command, contain.env))
    return seconds


def docker_runs(runs: int) -> dict[str, list[float]]:
    seconds = {network: [] for network in NETWORKS}
    for _ in range(runs):
        for network in NETWORKS:
            started = time.perf_counter()
            docker("run", "--rm", "--network", network, "network-busybox", "true")
            seconds[network].append(time.perf_counter() - started)
    return seconds


def spread(values: list[float]) -> str:
    """The median, and the lowest and highest, in ms."""
    return f"{statistics.median(values) * 1000:7.1f} ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


# --------------------------------------------------------------------------- 2, 3. ports


def send_gib(address: tuple[str, int], gib: float) -> float:
    """Seconds to push ``gib`` GiB to the sink and have it confirm."""
    chunk = memoryview(bytearray(4 << 20))
    total = int(gib * (1 << 30))
    sock = socket.create_connection(address)
    started = time.perf_counter()
    sent = 0
    while sent < total:
        sock.sendall(chunk)
        sent += len(chunk)
    sock.shutdown(socket.SHUT_WR)
    assert sock.recv(4) == b"done"
    elapsed = time.perf_counter() - started
    sock.close()
    return elapsed


STALL = 0.1  # seconds: a connection this slow waited for something (a lost SYN costs 1 s)


def connections_per_second(address: tuple[str, int], seconds: float) -> tuple[float, float, int]:
    """Short connections to the sink, one after another, for ``seconds``: the rate, the slowest
    connection and how many took longer than STALL."""
    count, slowest, stalls = 0, 0.0, 0
    started = time.perf_counter()
    while (now := time.perf_counter()) - started < seconds:
        sock = socket.create_connection(address)
        sock.sendall(b"x")
        assert sock.recv(1) == b"y"
        assert sock.recv(1) == b""  # the sink closed first: the same ending on every path
        sock.close()
        took = time.perf_counter() - now
        slowest = max(slowest, took)
        stalls += took > STALL
        count += 1
    return count / (time.perf_counter() - started), slowest, stalls


def wait_port(address: tuple[str, int]) -> None:
    for _ in range(200):
        try:
            sock = socket.create_connection(address, timeout=1)
            sock.sendall(b"x")
            if sock.recv(1) == b"y":
                sock.close()
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers on {address}")


def start_docker_proxy(address: str, host_port: int = 8090, container_port: int = 80) -> subprocess.Popen:
    """docker-proxy (20.10) as dockerd starts it: it binds the host port itself and says "0\n"
    (ready) or "1\n<error>" on fd 3."""
    status_r, status_w = os.pipe()

    def as_dockerd_does():
        os.dup2(status_w, 3)

    proxy = subprocess.Popen(["docker-proxy", "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", str(host_port),
                              "-container-ip", address, "-container-port", str(container_port)],
                             preexec_fn=as_dockerd_does,
                             pass_fds=(3, status_w), close_fds=True)  # 3: kept after preexec_fn made it
    os.close(status_w)
    answer = os.read(status_r, 200)
    os.close(status_r)
    if not answer.startswith(b"0"):
        print(f"   (docker-proxy: {answer.decode(errors='replace').strip()})")
    return proxy


def memory_kib(pid: int) -> tuple[int, int]:
    """RSS and PSS: PSS splits each shared page between the processes mapping it, so the PSS of
    many processes adds up to what they cost together, where RSS counts shared pages again each time."""
    found = {}
    with open(f"/proc/{pid}/smaps_rollup") as file:
        for line in file:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                found[key] = int(rest.split()[0])
    return found["Rss"], found["Pss"]


def parent_of(pid: int) -> int:
    # /proc/PID/stat: "pid (command) state ppid ..."; the command may hold spaces and parentheses.
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def children_with(parent: int, word: str) -> list[int]:
    """Children of ``parent`` whose command line holds ``word`` (not other helpers' processes)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if parent_of(int(pid)) == parent and word.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
            except (OSError, ValueError):
                pass
    return found


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--only", choices=["ports"], help="run only parts 2-3 (port throughput, connections)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of parts 2-3, the paths taking turns")
    args = parser.parse_args()
    if os.environ.get("NETWORK_BENCH_INNER") != "1":
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "pyshell")])
        # The static busybox comes from Debian's mirror (cached once): fetched here, as the
        # namespace the benchmark moves into has no route out.
        from pyshell.contain.image.bootstrap import find_static_busybox
        find_static_busybox(print)
        os.execvp("unshare", ["unshare", "--net", "env", "NETWORK_BENCH_INNER=1", PYTHON, *sys.argv])
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    home = Path(tempfile.mkdtemp(prefix="network-bench-"))
    contain = Contain(home)
    try:
        contain.run("bootstrap", "busybox")
        have_docker = docker_ready()
        if have_docker:
            if docker("image", "inspect", "network-busybox", check=False).returncode:
                binary = next((home / "images").rglob("bin/busybox"))  # the root of our busybox layer
                subprocess.run([PEER, "load-rootfs", str(binary.parents[1]), "network-busybox"], check=True,
                               capture_output=True)
        else:
            print("(docker peer not running: start it with docker-peer.sh start; its columns are skipped)")

        if args.only != "ports":
            run_cost(home, contain, args.runs, have_docker)
        ports(contain, args.gib, args.rounds)
        if args.only != "ports":
            names_networks_memory(contain, args.runs, have_docker)
    finally:
        subprocess.run([PYTHON, "-m", "pyshell.contain", "prune"], env=contain.env, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def run_cost(home: Path, contain: Contain, runs: int, have_docker: bool) -> None:
    cold_count, docker_count = max(5, runs // 2), max(5, runs // 4)
    print(f"1. contain run --rm busybox true, ms: median (min-max); bridge and none alternated ({load()})")
    loop, imported = in_process_loop(home, runs)
    cold = cold_runs(contain, imported, cold_count)
    rows = {f"contain, loop in one process ({runs} each)": loop,
            f"contain, cold: a new python each ({cold_count} each)": cold}
    if have_docker:
        rows[f"docker run --rm, a new CLI each ({docker_count} each)"] = docker_runs(docker_count)
    median = {row: {network: statistics.median(seconds[network]) for network in NETWORKS}
              for row, seconds in rows.items()}
    print(f"   {'':48} {'bridge':>18} {'none':>18}   bridge adds (median of the pairs' differences)")
    for row, seconds in rows.items():
        adds = statistics.median(bridge - none for bridge, none in zip(seconds["bridge"], seconds["none"]))
        print(f"   {row:48} {spread(seconds['bridge']):>18} {spread(seconds['none']):>18}   {adds * 1000:6.1f}")
    start, imports = (statistics.median(cold[case])
                      for case in ("python -c pass", "python importing what a run imports"))
    print("   cold: after the loop, nothing dropped (image, bridge, page cache, .pyc warm): a new interpreter;\n"
          "   docker's likewise a new CLI process against a running dockerd")
    print(f"   cold, none, in parts: python starts {start * 1000:.1f}, its imports {(imports - start) * 1000:.1f} "
          f"({len(imported)} modules), the run {(median[list(rows)[1]]['none'] - imports) * 1000:.1f}")
    if have_docker:
        ours_loop, ours_cold, theirs = (median[row] for row in rows)
        for network in NETWORKS:
            print(f"   docker / contain, {network:6}: loop {ratio(theirs[network], ours_loop[network])}   "
                  f"cold {ratio(theirs[network], ours_cold[network])}")
    print(f"   ({load()})")


def ports(contain: Contain, gib: float, rounds: int) -> None:
    print(f"2-3. ports: {gib} GiB into a Python sink in the container; short connections")
    contain.run("run", "-d", "--name", "sink", "-p", f"127.0.0.1:8080:{SINK_PORTS['dnat']}",
                "-p", f"127.0.0.1:8081:{SINK_PORTS['proxy']}", *HOST_LIBS,
                "busybox", "/usr/bin/python3", "-c", SINK, *(str(port) for port in SINK_PORTS.values()))
    address = contain.run("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "sink").strip()
    # 8081 without its DNAT: the proxy serves it (`rm` deletes what is left, and tolerates this).
    subprocess.run(["nft", "delete element ip pysh published_at { 127.0.0.1 . tcp . 8081 }"], check=True)
    paths = {"published 127.0.0.1 (pysh, DNAT)": ("127.0.0.1", 8080),
             "published 127.0.0.1 (pysh proxy)": ("127.0.0.1", 8081),
             "direct to the container": (address, SINK_PORTS["direct"])}
    proxy = None
    if shutil.which("docker-proxy"):
        proxy = start_docker_proxy(address, container_port=SINK_PORTS["docker-proxy"])
        paths["docker-proxy (standalone)"] = ("127.0.0.1", 8090)
    try:
        for name, target in list(paths.items()):
            try:
                wait_port(target)
            except RuntimeError as error:
                if "docker-proxy" not in name:
                    raise
                print(f"   (docker-proxy skipped: {error}; exit status {proxy.poll()})")
                del paths[name]
        for target in paths.values():
            connections_per_second(target, 0.3)  # untimed: each path's first connections
        print(f"   ({load()})")
        # The paths take turns, round after round, so that the machine's load hits them alike.
        seconds = {name: [] for name in paths}
        rates = {name: [] for name in paths}
        slowest = {name: 0.0 for name in paths}
        stalls = {name: 0 for name in paths}
        for _ in range(rounds):
            for name, target in paths.items():
                seconds[name].append(send_gib(target, gib))
                rate, slow, stalled = connections_per_second(target, 2.0)
                rates[name].append(rate)
                slowest[name], stalls[name] = max(slowest[name], slow), stalls[name] + stalled
        throughput = {name: [gib / each for each in seconds[name]] for name in paths}

        def paired(figures: dict[str, list[float]], name: str, against: str) -> str:
            """The median of the rounds' ratios: each round's paths ran within seconds of each other."""
            return f"{statistics.median(a / b for a, b in zip(figures[name], figures[against])):5.2f}x"

        direct = "direct to the container"
        print(f"   medians of {rounds} rounds (min-max); x: against direct, the median of the rounds' ratios")
        for name in paths:
            print(f"   {name:34} {statistics.median(throughput[name]):5.2f} GiB/s "
                  f"({min(throughput[name]):.2f}-{max(throughput[name]):.2f}) {paired(throughput, name, direct)}   "
                  f"{statistics.median(rates[name]):6.0f} conn/s ({min(rates[name]):.0f}-{max(rates[name]):.0f}) "
                  f"{paired(rates, name, direct)}   slowest {slowest[name] * 1000:.1f} ms, "
                  f"{stalls[name]} over {STALL * 1000:.0f} ms")
        theirs = "docker-proxy (standalone)"
        if theirs in paths:
            for ours in ("published 127.0.0.1 (pysh, DNAT)", "published 127.0.0.1 (pysh proxy)"):
                print(f"   {ours[len('published 127.0.0.1 '):]:12} / docker-proxy: {paired(throughput, ours, theirs)} "
                      f"GiB/s   {paired(rates, ours, theirs)} conn/s")
        print(f"   ({load()})")
    finally:
        if proxy is not None:
            proxy.kill()
            proxy.wait()
        contain.run("rm", "-f", "sink")


def names_networks_memory(contain: Contain, runs: int, have_docker: bool) -> None:
    print(f"4. names, networks, proxy memory ({load()})")
    network_create_rm(contain, 5, have_docker)
    contain.run("network", "create", "names")
    try:
        contain.run("run", "-d", "--name", "target", "--network", "names", "busybox", "sleep", "600")
        ours = lookup_ms(lambda script: contain.run("run", "--rm", "--network", "names", "busybox", "sh", "-c", script),
                         runs)
        line = f"   a name lookup in a container   {ours:6.2f} ms (nslookup, our server)"
        if have_docker:
            # Names of our own in a peer other benchmarks may use; the lookup is by the alias.
            docker("network", "create", "netbench-names")
            try:
                docker("run", "-d", "--name", "netbench-target", "--network", "netbench-names",
                       "--network-alias", "target", "network-busybox", "sleep", "600")
                theirs = lookup_ms(lambda script: docker("run", "--rm", "--network", "netbench-names",
                                                         "network-busybox", "sh", "-c", script).stdout, runs)
                line += f"   docker {theirs:6.2f} ms (its 127.0.0.11)"
            finally:
                docker("rm", "-f", "netbench-target", check=False)
                docker("network", "rm", "netbench-names", check=False)
        print(line)
        gateway = json.loads(contain.run("network", "inspect", "names"))[0]["IPAM"]["Config"][0]["Gateway"]
        pid = int(contain.run("inspect", "-f", "{{.State.Pid}}", "target"))
        print(f"   our DNS server, answers        {dns_rate(pid, gateway, 'target'):8.0f} /s")
    finally:
        contain.run("rm", "-f", "target", check=False)
        contain.run("network", "rm", "names", check=False)
    proxy_memory(contain)
    print(f"   ({load()})")


def proxy_memory(contain: Contain) -> None:
    """Our one proxy for 100 published ports, against the 100 docker-proxy processes dockerd
    (userland-proxy, its default) would start for them: RSS and PSS, summed."""
    contain.run("run", "-d", "--name", "hundred", "-p", "127.0.0.1:20000-20099:8000-8099", "busybox", "sleep", "600")
    docker_proxies = []
    try:
        time.sleep(0.5)
        pid = int(contain.run("inspect", "-f", "{{.State.Pid}}", "hundred"))
        ours = children_with(parent_of(pid), "pyshell.contain.network.proxy")  # the supervisor's child
        rss, pss = (sum(memory_kib(each)[i] for each in ours) / 1024 for i in (0, 1))
        line = f"   100 published ports: pysh, {len(ours)} proxy process, RSS {rss:.1f} MiB, PSS {pss:.1f} MiB"
        if shutil.which("docker-proxy"):
            address = contain.run("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "hundred").strip()
            docker_proxies = [start_docker_proxy(address, 21000 + port, 8000 + port) for port in range(100)]
            time.sleep(0.5)
            rss, pss = (sum(memory_kib(each.pid)[i] for each in docker_proxies) / 1024 for i in (0, 1))
            line += f";  docker-proxy, 100 processes, RSS {rss:.1f} MiB, PSS {pss:.1f} MiB"
        print(line)
    finally:
        for proxy in docker_proxies:
            proxy.kill()
            proxy.wait()
        contain.run("rm", "-f", "hundred")


def network_create_rm(contain: Contain, runs: int, with_docker: bool) -> None:
    """`network create` + `network rm`, each a fresh process (issue 11): the medians of ``runs``
    pairs, Docker's beside it (its CLI and dockerd make a bridge too), the two alternated."""
    def ours(name: str) -> None:
        contain.run("network", "create", name)
        contain.run("network", "rm", name)

    def theirs(name: str) -> None:
        docker("network", "create", name)
        docker("network", "rm", name)

    sides = {"contain": (ours, []), "docker": (theirs, [])} if with_docker else {"contain": (ours, [])}
    for index in range(runs):
        for create_and_remove, seconds in sides.values():
            started = time.perf_counter()
            create_and_remove(f"netbench{index}")
            seconds.append(time.perf_counter() - started)
    line = f"   network create + rm            {spread(sides['contain'][1])} ms"
    if with_docker:
        line += (f"   docker {spread(sides['docker'][1])} ms "
                 f"({ratio(statistics.median(sides['docker'][1]), statistics.median(sides['contain'][1]))} contain)")
    print(line)


LOOKUPS = 200


def lookup_ms(run_script, runs: int) -> float:
    """One name lookup from inside a container, in ms: LOOKUPS `nslookup target` against as many
    `/bin/true` (the same fork and exec, no query), timed inside one container by its clock
    (/proc/uptime, 10 ms steps: busybox date has no %N); the median of ``runs`` // 4 runs."""
    loop = f"i=0; while [ $i -lt {LOOKUPS} ]; do %s >/dev/null; i=$((i+1)); done"
    script = ("read t0 _ < /proc/uptime; " + loop % "nslookup target" + "; read t1 _ < /proc/uptime; "
              + loop % "/bin/true" + "; read t2 _ < /proc/uptime; echo $t0 $t1 $t2")
    each = []
    for _ in range(max(3, runs // 4)):
        t0, t1, t2 = (float(word) for word in run_script(script).split())
        each.append(((t1 - t0) - (t2 - t1)) / LOOKUPS * 1000)
    return statistics.median(each)


def dns_rate(pid: int, server: str, name: str, seconds: float = 2.0) -> float:
    """Answers per second to queries sent from the network namespace of the container ``pid``:
    the server answers a container (known by its address) with the names of its networks."""
    from pyshell.contain.kernel import syscalls
    from pyshell.contain.network import dns

    query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + bytes([len(name)]) + name.encode() + b"\x00\x00\x01\x00\x01"
    result_r, result_w = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            syscalls.setns(os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC), syscalls.CLONE_NEWNET)
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.settimeout(1)
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                sock.sendto(query, (server, 53))
                reply = sock.recv(512)
                assert dns.parse_question(reply) is None and len(reply) > len(query)
                count += 1
            os.write(result_w, str(count / (time.perf_counter() - started)).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(result_w)
    answer = os.read(result_r, 64)
    os.close(result_r)
    _, status = os.waitpid(child, 0)
    if status:
        raise RuntimeError("the DNS rate measurement failed in the container's namespace")
    return float(answer)

if __name__ == "__main__":
    main()
