"""Container networks, for real: bridges, veths, NAT, published ports, names — root and rootless.

Every test runs in network namespaces it makes itself (the ``lan`` fixture): the pytest
process moves into a fresh namespace, "the host" of the test, with an uplink veth to a second
namespace that stands in for the internet (198.51.100.2). Nothing touches this machine's own
network. After each test, once its containers are removed, a leak check: no veth, no lease,
no proxy or slirp4netns process, no name server, only the rules of networks that still exist.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HOST_ADDRESS = "198.51.100.1"      # the test namespace's "other address" (not loopback)
INTERNET_ADDRESS = "198.51.100.2"  # the stand-in for the internet, in a namespace of its own


def _processes_with(word: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    if word.encode() in file.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


def _proxies_of(homes) -> list[int]:
    """Port proxies of these homes' containers (their supervisor's environment names the
    home), or orphaned ones: other tests on this machine may have proxies of their own."""
    found = []
    for pid in _processes_with("pyshell.contain.network.proxy"):
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
            environ = Path(f"/proc/{parent}/environ").read_bytes() if parent != 1 else b""
        except (OSError, ValueError):
            continue
        if parent == 1 or any(f"PYSH_HOME={home}".encode() in environ for home in homes):
            found.append(pid)
    return found


def _netns_inode(pid: int | str = "self") -> int:
    return os.stat(f"/proc/{pid}/ns/net").st_ino


def _netns_inode_of(pid: int) -> int | None:
    """Of a process that may be gone meanwhile (other tests on this machine start and end theirs)."""
    try:
        return _netns_inode(pid)
    except OSError:
        return None


def _links() -> list[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]


def _bridges_of_no_network(runtime: str) -> list[str]:
    """`pysh-` bridges with no runtime directory: `network rm` leaves the deletion of the device
    to a detached process, which the kernel keeps ~50 ms; after that, one is a leak."""
    return [name for name in _links() if name.startswith("pysh-") and not os.path.exists(f"{runtime}/{name}/network.json")]


class Lan:
    """The test's namespaces: ``self`` is "the host"; ``internet`` a process in the other one."""

    def __init__(self, internet: subprocess.Popen, runtime: str):
        self.internet = internet
        self.runtime = runtime

    def in_internet(self, *argv: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(["nsenter", f"--net=/proc/{self.internet.pid}/ns/net", *argv], **kwargs)

    def leases(self) -> list[str]:
        found = []
        for directory, _, files in os.walk(self.runtime):
            if directory.endswith("/leases"):
                found += [f"{directory}/{name}" for name in files]
        return found


def _published_elements(kinds=(("map", "published_any"), ("map", "published_at"), ("set", "published_self"))) -> list[str]:
    """The elements of pysh's DNAT maps and hairpin set (firewall.py), as nft prints them; [] without our table."""
    found = []
    for kind, name in kinds:
        done = subprocess.run(["nft", "list", kind, "ip", "pysh", name], capture_output=True, text=True)
        text = done.stdout.replace("\n", " ")
        if "elements = {" in text:
            found += [item.strip() for item in text.partition("elements = {")[2].partition("}")[0].split(",")]
    return found


def _wait(predicate, seconds: float = 10.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


_RUNTIME_DIRS: list[tuple[str, str]] = []  # (directory, cookie) of each test's namespace


@pytest.fixture(scope="module", autouse=True)
def runtime_dirs_removed():
    """After all the tests: none of their namespaces' /run/pysh/net-INODE is left (one made again
    by a process that outlived its test would stay until some later namespace's sweep). The
    cookie tells ours from a directory of someone else's namespace that got the same inode."""
    yield

    def left() -> list[str]:
        found = []
        for directory, cookie in _RUNTIME_DIRS:
            try:
                if Path(f"{directory}/cookie").read_text().strip() == cookie:
                    found.append(directory)
            except OSError:
                pass
        return found

    assert _wait(lambda: not left(), 2), left()


@pytest.fixture
def lan(in_test_netns, request):
    from pyshell.contain.kernel import syscalls
    from pyshell.contain.network import ipam

    original = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    syscalls.unshare(syscalls.CLONE_NEWNET)
    _RUNTIME_DIRS.append((f"/run/pysh/net-{_netns_inode()}", ipam.netns_cookie()))
    internet = subprocess.Popen(["unshare", "--net", "sh", "-c", "ip link set lo up; exec sleep 1000"])
    try:
        _wait(lambda: _netns_inode(internet.pid) != _netns_inode())
        for command in (
                "ip link set lo up",
                f"ip link add uplink type veth peer name wan0 netns /proc/{internet.pid}/ns/net",
                f"ip addr add {HOST_ADDRESS}/24 dev uplink", "ip link set uplink up",
                f"nsenter --net=/proc/{internet.pid}/ns/net ip addr add {INTERNET_ADDRESS}/24 dev wan0",
                f"nsenter --net=/proc/{internet.pid}/ns/net ip link set wan0 up",
                f"ip route add default via {INTERNET_ADDRESS}"):
            subprocess.run(command.split(), check=True)
        runtime = f"/run/pysh/net-{_netns_inode()}"
        homes = [request.getfixturevalue(name).home for name in ("root_home", "user_home")]
        yield Lan(internet, runtime)
        # The leak check, in the test's namespace, once the test removed its containers.
        assert _wait(lambda: not [name for name in _links() if name.startswith("veth")], 5), _links()
        assert not Lan(internet, runtime).leases()
        assert _wait(lambda: not _proxies_of(homes), 5)
        assert _wait(lambda: not [p for p in _processes_with("slirp4netns") if _netns_inode_of(p) == _netns_inode()], 5)
        assert _wait(lambda: not os.path.exists(f"{runtime}/dns.pid"), 5)
        assert _wait(lambda: not _bridges_of_no_network(runtime), 1), _links()
        assert not _published_elements()
    finally:
        internet.kill()
        internet.wait()
        import shutil

        shutil.rmtree(f"/run/pysh/net-{_netns_inode()}", ignore_errors=True)
        syscalls.setns(original, syscalls.CLONE_NEWNET)
        os.close(original)


def _get(url: str, timeout: float = 5.0) -> str:
    """The page, once the server in the container listens (until then the proxy resets)."""
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.read().decode()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def _web(contain, name: str, *flags: str) -> str:
    """A busybox httpd serving /etc (so /hostname answers the container's hostname)."""
    return contain.out("run", "-d", "--name", name, *flags, "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").strip()


# --------------------------------------------------------------------------- the default bridge


def test_published_port_answers_on_loopback_other_address_and_from_containers(contain, lan):
    container_id = _web(contain, "web", "-p", "8080:80")
    try:
        hostname = container_id[:12]
        assert _get("http://127.0.0.1:8080/hostname").strip() == hostname
        assert _get(f"http://{HOST_ADDRESS}:8080/hostname").strip() == hostname
        # From another container, through the host's address (root: over the bridge; rootless: slirp).
        if contain.uid == 0:
            assert contain.out("run", "--rm", "busybox", "wget", "-qO-", f"http://{HOST_ADDRESS}:8080/hostname").strip() == hostname
        assert len(_proxies_of([contain.home])) == 1
    finally:
        contain.run("rm", "-f", "web")


def test_default_bridge_gives_eth0_a_route_and_hosts_line(root_contain, lan):
    out = root_contain.out("run", "--rm", "-h", "box", "busybox", "sh", "-c",
                           "ip -o -4 addr show eth0; ip route; cat /etc/hosts")
    assert "inet 172.17.0.2/16" in out
    assert "default via 172.17.0.1 dev eth0" in out
    assert "172.17.0.2\tbox" in out
    # The bridge and our table stay for the next container (as docker0); the container's veth is gone.
    assert "pysh0" in _links()
    rules = subprocess.run(["nft", "list", "table", "ip", "pysh"], capture_output=True, text=True, check=True).stdout
    assert 'ip saddr 172.17.0.0/16 oifname != "pysh0" masquerade' in rules


def test_outbound_traffic_is_masqueraded(contain, lan):
    # A server in the "internet" namespace says which address the connection came from.
    server = lan.in_internet(sys.executable, "-c", (
        "import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        f"s.bind(('{INTERNET_ADDRESS}', 7000)); s.listen(); print('ready', flush=True); "
        "c, peer = s.accept(); c.sendall(peer[0].encode() + b'\\n'); c.close()"), stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        out = contain.out("run", "--rm", "busybox", "nc", INTERNET_ADDRESS, "7000")
        assert out.strip() == HOST_ADDRESS  # not 172.17.0.x (root) or 10.0.2.100 (rootless)
    finally:
        server.kill()
        server.wait()


def test_publish_all_ports_shown_by_port_ps_and_inspect(root_contain, lan):
    _web(root_contain, "pall", "--expose", "80", "--expose", "90", "-P", "-p", "127.0.0.1:8181:81")
    try:
        lines = root_contain.out("port", "pall").splitlines()
        assert len(lines) == 3 and lines[1] == "81/tcp -> 127.0.0.1:8181"
        port_80 = int(root_contain.out("port", "pall", "80").strip().rpartition(":")[2])
        assert lines[0] == f"80/tcp -> 0.0.0.0:{port_80}"
        assert _get(f"http://127.0.0.1:{port_80}/hostname")
        ps_line = [line for line in root_contain.out("ps").splitlines() if line.endswith(" pall")][0]
        assert f"0.0.0.0:{port_80}->80/tcp" in ps_line and "127.0.0.1:8181->81/tcp" in ps_line
        document = json.loads(root_contain.out("inspect", "pall"))[0]
        settings = document["NetworkSettings"]
        assert settings["Ports"]["80/tcp"] == [{"HostIp": "0.0.0.0", "HostPort": str(port_80)}]
        assert settings["IPAddress"].startswith("172.17.0.")
        bridge = settings["Networks"]["bridge"]
        assert bridge["Gateway"] == "172.17.0.1" and bridge["MacAddress"].startswith("02:42:ac:11:00:")
        assert root_contain.out("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "pall").strip() == settings["IPAddress"]
        assert document["Config"]["ExposedPorts"] == {"80/tcp": {}, "90/tcp": {}, "81/tcp": {}}
    finally:
        root_contain.run("rm", "-f", "pall")


UDP_ECHO = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 53))\n"
            "while True:\n    data, peer = s.recvfrom(100); s.sendto(b'got ' + data, peer)")


def test_port_ranges_and_udp(contain, lan):
    # busybox has no UDP server: the host's Python, bound in read-only, answers datagrams.
    contain.out("run", "-d", "--name", "udp", "-p", "5300:53/udp", "-p", "9000-9001:90-91",
                "-v", "/usr:/usr:ro", "-v", "/lib64:/lib64:ro", "-v", "/lib:/lib:ro", "busybox", "/bin/busybox", "sh", "-c",
                f"/usr/bin/python3 -c \"{UDP_ECHO}\" & /bin/busybox httpd -f -p 90 -h /etc & "
                "exec /bin/busybox httpd -f -p 91 -h /etc")
    try:
        assert _get("http://127.0.0.1:9001/hostname")
        ps_line = [line for line in contain.out("ps").splitlines() if line.endswith(" udp")][0]
        assert "0.0.0.0:5300->53/udp, 0.0.0.0:9000->90/tcp, 0.0.0.0:9001->91/tcp" in ps_line
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.5)
        replies = []
        for _ in range(40):  # the container's Python may not be listening yet
            sock.sendto(b"hello", ("127.0.0.1", 5300))
            try:
                replies.append(sock.recv(100))
                sock.sendto(b"again", ("127.0.0.1", 5300))
                replies.append(sock.recv(100))
                break
            except socket.timeout:
                continue
        sock.close()
        assert replies == [b"got hello", b"got again"]
    finally:
        contain.run("rm", "-f", "udp")


def test_port_taken_is_an_error_with_nothing_left(contain, lan):
    taken = socket.socket()
    taken.bind(("0.0.0.0", 8282))
    taken.listen()
    try:
        before = set(contain.container_ids())
        done = contain.run("run", "-d", "-p", "8282:80", "busybox", "true")
        assert done.returncode == 125
        assert done.stderr == "pysh: contain run: Bind for 0.0.0.0:8282 failed: port is already allocated\n"
        assert set(contain.container_ids()) == before
    finally:
        taken.close()


# --------------------------------------------------------------------------- the kernel forwards published ports


def _udp_answer(address: tuple[str, int], tries: int = 40) -> bytes | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.25)
    try:
        for _ in range(tries):  # the container's Python may not be listening yet
            sock.sendto(b"hello", address)
            try:
                return sock.recv(100)
            except socket.timeout:
                continue
        return None
    finally:
        sock.close()


class _PausedProxy:
    """The container's port proxy stopped (SIGSTOP): what still answers, the kernel forwards.
    (A connection the proxy would have to serve waits in its listening socket's queue.)"""

    def __init__(self, contain):
        self.pids = _proxies_of([contain.home])
        assert len(self.pids) == 1

    def __enter__(self):
        os.kill(self.pids[0], signal.SIGSTOP)

    def __exit__(self, *exc):
        os.kill(self.pids[0], signal.SIGCONT)


def test_published_ports_are_forwarded_by_the_kernel_with_the_proxy_stopped(root_contain, lan):
    c = root_contain
    c.out("run", "-d", "--name", "fwd", "-p", "8585:80", "-p", "127.0.0.1:8586:80", "-p", "5301:53/udp",
          "-v", "/usr:/usr:ro", "-v", "/lib64:/lib64:ro", "-v", "/lib:/lib:ro", "busybox", "/bin/busybox", "sh", "-c",
          f"/usr/bin/python3 -c \"{UDP_ECHO}\" & exec /bin/busybox httpd -f -p 80 -h /etc")
    try:
        address = c.out("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "fwd").strip()
        assert sorted(_published_elements()) == sorted([f"{address} . {address} . tcp . 80",
                                                        f"{address} . {address} . udp . 53",f"tcp . 8585 : {address} . 80", f"udp . 5301 : {address} . 53",
                                                        f"127.0.0.1 . tcp . 8586 : {address} . 80"])
        # Added and (at the end) deleted by the processes themselves: no nft waits beside the container.
        container_id = c.out("inspect", "-f", "{{.Id}}", "fwd").strip()
        supervisor = (c.home / "containers" / container_id / "running").read_text().split()[0]
        children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
        assert children and all(Path(f"/proc/{child}/comm").read_text() != "nft\n" for child in children)
        hostname = _get("http://127.0.0.1:8585/hostname").strip()
        assert _udp_answer(("127.0.0.1", 5301)) == b"got hello"
        with _PausedProxy(c):
            for url in ("http://127.0.0.1:8585", f"http://{HOST_ADDRESS}:8585", "http://127.0.0.1:8586"):
                assert _get(f"{url}/hostname", timeout=3).strip() == hostname
            assert _udp_answer(("127.0.0.1", 5301), tries=8) == b"got hello"
            assert _udp_answer((HOST_ADDRESS, 5301), tries=8) == b"got hello"
            # From another namespace (the internet's), through the host's address.
            fetch = ("import urllib.request; "
                     f"print(urllib.request.urlopen('http://{HOST_ADDRESS}:8585/hostname', timeout=3).read().decode())")
            remote = lan.in_internet(sys.executable, "-c", fetch, stdout=subprocess.PIPE, text=True)
            assert remote.communicate(timeout=10)[0].strip() == hostname
            # A port published on 127.0.0.1 only answers there: nothing listens at the other address.
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((HOST_ADDRESS, 8586), timeout=3)
    finally:
        c.run("rm", "-f", "fwd")
    assert not _published_elements()


def test_a_start_takes_over_the_stale_element_of_a_container_that_died_unseen(root_contain, lan):
    """Its port was free (we bound it), so an element with its key is a leftover (of another
    home's container whose reconciliation never came): the start replaces it."""
    c = root_contain
    c.out("run", "--rm", "busybox", "true")  # the bridge and the table
    subprocess.run(["nft", "add element ip pysh published_any { tcp . 8888 : 172.17.0.99 . 80 }"], check=True)
    hostname = _web(c, "heir", "-p", "8888:80")[:12]
    try:
        address = c.out("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "heir").strip()
        assert f"tcp . 8888 : {address} . 80" in _published_elements()
        assert _get("http://127.0.0.1:8888/hostname").strip() == hostname
        with _PausedProxy(c):
            assert _get(f"http://{HOST_ADDRESS}:8888/hostname", timeout=3).strip() == hostname
    finally:
        c.run("rm", "-f", "heir")


def test_a_container_reaches_its_own_and_a_neighbours_published_port_through_the_host(root_contain, lan):
    """Hairpin: the DNAT sends it back into the bridge, masqueraded; and across networks too."""
    c = root_contain
    hostname = _web(c, "hairpin", "-p", "8686:80")[:12]
    c.out("network", "create", "elsewhere")
    try:
        assert _get("http://127.0.0.1:8686/hostname").strip() == hostname
        with _PausedProxy(c):
            fetch = ["timeout", "5", "wget", "-qO-"]  # (busybox wget -T crashes here)
            for target in (HOST_ADDRESS, "172.17.0.1"):
                assert c.out("exec", "hairpin", *fetch, f"http://{target}:8686/hostname").strip() == hostname
            assert c.out("run", "--rm", "busybox", *fetch, f"http://{HOST_ADDRESS}:8686/hostname").strip() == hostname
            assert c.out("run", "--rm", "--network", "elsewhere", "busybox", *fetch,
                         f"http://{HOST_ADDRESS}:8686/hostname").strip() == hostname
    finally:
        c.run("network", "rm", "elsewhere")
        kept = _published_elements()  # a rewrite of the table (a network gone) keeps the elements
        c.run("rm", "-f", "hairpin")
    assert len(kept) == 2


def test_nothing_on_a_bridge_reaches_the_hosts_loopback(root_contain, lan):
    """The bridges take 127.0.0.0/8 as a destination (route_localnet, for the loopback DNAT's
    replies): the guard drops everything else a bridge sends there (kube-proxy's CVE-2020-8558).
    The attacker is a namespace of the test's on pysh0 that routes 127.0.0.1 to the gateway, as
    a container with NET_ADMIN could; without the guard it connects."""
    c = root_contain
    _web(c, "published", "-p", "8787:80")
    secret = socket.socket()
    secret.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    secret.bind(("127.0.0.1", 7777))
    secret.listen()
    attacker = subprocess.Popen(["unshare", "--net", "sleep", "1000"])
    try:
        assert _wait(lambda: _netns_inode_of(attacker.pid) != _netns_inode())
        inside = ["nsenter", f"--net=/proc/{attacker.pid}/ns/net"]
        for command in ([*"ip link add atk0 type veth peer name eth0 netns".split(), f"/proc/{attacker.pid}/ns/net"],
                        "ip link set atk0 master pysh0".split(), "ip link set atk0 up".split(),
                        [*inside, *"ip addr add 172.17.0.250/16 dev eth0".split()], [*inside, *"ip link set eth0 up".split()],
                        [*inside, *"sysctl -qw net.ipv4.conf.eth0.route_localnet=1".split()],
                        [*inside, *"ip route add 127.0.0.1/32 via 172.17.0.1 dev eth0".split()]):
            subprocess.run(command, check=True)
        probe = ("import socket, sys\n"
                 "try:\n    socket.create_connection(('127.0.0.1', 7777), timeout=2); print('connected')\n"
                 "except OSError as error:\n    print(type(error).__name__)")

        def attack() -> str:
            return subprocess.run([*inside, sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()

        assert attack() == "TimeoutError"
        subprocess.run("nft flush chain ip pysh loopback_guard".split(), check=True)
        assert attack() == "connected"  # the attack is real: the guard is what stops it
    finally:
        secret.close()
        attacker.kill()
        attacker.wait()
        subprocess.run("ip link del atk0".split(), capture_output=True)
        c.run("rm", "-f", "published")


@pytest.mark.parametrize("flags, message", [
    (["-p", "80:80:80:80"], "invalid port specification: '80:80:80:80'"),
    (["-p", "x:80"], "invalid hostPort: x"),
    (["-p", "80/sctp"], "invalid proto: sctp"),
    (["-p", "8000-8002:80-81"], "invalid port specification: '8000-8002:80-81' (the two ranges differ in length)"),
    (["--network", "nosuch"], "network nosuch not found"),
    (["--ip", "172.17.0.9"], "user specified IP address is supported on user defined networks only"),
    (["--add-host", "db:nowhere"], 'invalid argument "db:nowhere" for "--add-host" flag: invalid IP address'),
])
def test_network_errors(root_contain, lan, flags, message):
    done = root_contain.run("run", "--rm", *flags, "busybox", "true")
    assert (done.returncode, done.stderr) == (125, f"pysh: contain run: {message}\n")


def test_none_has_lo_only_and_container_mode_shares(root_contain, lan):
    assert root_contain.out("run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net").split() == ["lo"]
    _web(root_contain, "first")
    try:
        mine = root_contain.out("exec", "first", "ip", "-o", "-4", "addr", "show", "eth0").split()[3]
        theirs = root_contain.out("run", "--rm", "--network", "container:first", "busybox", "sh", "-c",
                                  "ip -o -4 addr show eth0; wget -qO- http://127.0.0.1/hostname")
        assert theirs.split()[3] == mine
        assert theirs.split()[-1] == root_contain.out("inspect", "-f", "{{.Config.Hostname}}", "first").strip()
    finally:
        root_contain.run("rm", "-f", "first")


def test_add_host_dns_and_hostname_files(root_contain, lan):
    out = root_contain.out("run", "--rm", "--hostname", "h1", "--add-host", "db:10.1.2.3", "--dns", "9.9.9.9",
                           "busybox", "sh", "-c", "cat /etc/hosts /etc/resolv.conf; hostname")
    assert "10.1.2.3\tdb" in out and "\th1\n" in out
    assert "nameserver 9.9.9.9" in out and out.endswith("h1\n")


# --------------------------------------------------------------------------- user-defined networks


def _nslookup_addresses(contain, network: str, name: str) -> list[str]:
    out = contain.run("run", "--rm", "--network", network, "busybox", "nslookup", name).stdout
    answer = out.partition(f"Name:\t{name}")[2]
    return [line.split()[-1] for line in answer.splitlines() if line.startswith("Address")]


def test_user_network_names_aliases_restart_and_isolation(root_contain, lan):
    c = root_contain
    c.out("network", "create", "front")
    c.out("network", "create", "--subnet", "10.50.0.0/24", "back")
    try:
        _web(c, "api", "--network", "front", "--network-alias", "service")
        api_id = c.out("inspect", "-f", "{{.Id}}", "api").strip()
        for name in ("api", "service"):
            got = c.out("run", "--rm", "--network", "front", "busybox", "wget", "-qO-", f"http://{name}/hostname")
            assert got.strip() == api_id[:12]
        # A restart with a new address: the names follow (DNS, not a stale /etc/hosts).
        old = c.out("inspect", "-f", "{{.NetworkSettings.Networks.front.IPAddress}}", "api").strip()
        c.out("stop", "-t", "0", "api")
        _web(c, "squatter", "--network", "front", "--ip", old)
        c.out("start", "api")
        new = c.out("inspect", "-f", "{{.NetworkSettings.Networks.front.IPAddress}}", "api").strip()
        assert new != old
        assert _nslookup_addresses(c, "front", "api") == [new]
        assert c.out("run", "--rm", "--network", "front", "busybox", "wget", "-qO-", "http://service/hostname").strip() == api_id[:12]
        # Another network neither resolves it nor reaches its address.
        assert _nslookup_addresses(c, "back", "api") == []
        done = c.run("run", "--rm", "--network", "back", "busybox", "wget", "-T", "2", "-qO-", f"http://{new}/hostname")
        assert done.returncode != 0
        # The default bridge resolves no names, as Docker's.
        assert c.run("run", "--rm", "busybox", "nslookup", "api").stdout.count(new) == 0
        # Errors: in use, a name already on the network, an address outside the subnet, overlaps.
        done = c.run("network", "rm", "front")
        assert done.returncode == 125 and "has active endpoints" in done.stderr
        done = c.run("run", "--rm", "--network", "back", "--ip", "10.99.0.5", "busybox", "true")
        assert done.stderr == "pysh: contain run: no configured subnet contains IP address 10.99.0.5\n"
        done = c.run("network", "create", "--subnet", "10.50.0.128/25", "again")
        assert done.stderr == "pysh: contain network: Pool overlaps with other one on this address space (10.50.0.128/25)\n"
    finally:
        c.run("rm", "-f", "api", "squatter")
        c.run("network", "rm", "front", "back")
    assert _wait(lambda: not [name for name in _links() if name.startswith("pysh-")], 1), _links()


def test_replicas_sharing_an_alias_get_round_robin(root_contain, lan):
    c = root_contain
    c.out("network", "create", "pool")
    try:
        for index in (1, 2, 3):
            _web(c, f"replica{index}", "--network", "pool", "--network-alias", "svc")
        addresses = sorted(c.out("inspect", "-f", "{{.NetworkSettings.Networks.pool.IPAddress}}", f"replica{i}").strip()
                           for i in (1, 2, 3))
        first = _nslookup_addresses(c, "pool", "svc")
        assert sorted(first) == addresses
        second = _nslookup_addresses(c, "pool", "svc")
        assert sorted(second) == addresses and second != first  # rotated
    finally:
        c.run("rm", "-f", "replica1", "replica2", "replica3")
        c.run("network", "rm", "pool")


def test_internal_network_has_no_way_out(root_contain, lan):
    c = root_contain
    c.out("network", "create", "--internal", "closed")
    try:
        out = c.run("run", "--rm", "--network", "closed", "busybox", "sh", "-c",
                    f"ip route; nc -w 2 {INTERNET_ADDRESS} 7000 </dev/null; echo status $?").stdout
        assert "default" not in out and "status 0" not in out
    finally:
        c.run("network", "rm", "closed")


def test_network_ls_inspect_prune(root_contain, lan):
    c = root_contain
    network_id = c.out("network", "create", "--label", "team=a", "listed").strip()
    try:
        names = [line.split()[1] for line in c.out("network", "ls").splitlines()[1:]]
        assert {"bridge", "host", "none", "listed"} <= set(names)
        document = json.loads(c.out("network", "inspect", "listed"))[0]
        assert document["Id"] == network_id and document["Driver"] == "bridge"
        assert document["IPAM"]["Config"][0]["Subnet"].endswith("/16") and document["Labels"] == {"team": "a"}
        assert c.out("network", "prune", "-f") == "Deleted Networks:\nlisted\n"
    finally:
        c.run("network", "rm", "listed")


def test_killed_supervisor_leaves_nothing_once_reconciled(root_contain, lan):
    c = root_contain
    _web(c, "doomed", "-p", "8383:80")
    directory = c.home / "containers" / c.out("inspect", "-f", "{{.Id}}", "doomed").strip()
    supervisor = int((directory / "running").read_text().split()[0])
    os.kill(supervisor, 9)
    # The proxy dies with it (PR_SET_PDEATHSIG); PID 1 runs on until the next command reconciles.
    assert _wait(lambda: not _proxies_of([c.home]))
    assert lan.leases() and _published_elements()
    assert "Exited (255)" in c.out("ps", "-a")  # reconcile: PID 1 killed, the lease and the DNAT given back
    assert not lan.leases() and not _published_elements()
    assert _wait(lambda: not [name for name in _links() if name.startswith("veth")])
    c.out("rm", "doomed")


def test_killed_pid_1_takes_its_published_ports_along(root_contain, lan):
    c = root_contain
    _web(c, "shot", "-p", "8484:80")
    try:
        assert len(_published_elements()) == 2  # the port, and its hairpin
        os.kill(int(c.out("inspect", "-f", "{{.State.Pid}}", "shot")), 9)
        assert _wait(lambda: c.out("inspect", "-f", "{{.State.Status}}", "shot").strip() == "exited")
        assert not _published_elements()
        c.out("start", "shot")  # and a start adds them again
        assert len(_published_elements()) == 2
    finally:
        c.run("rm", "-f", "shot")


def test_stale_lease_is_reclaimed_by_the_next_allocation(root_contain, lan):
    from pyshell.contain.network import ipam

    c = root_contain
    c.out("run", "--rm", "busybox", "true")  # pysh0 exists
    leases = f"{lan.runtime}/pysh0/leases"
    with open(f"{leases}/172.17.0.2", "w") as file:  # as a crashed start would leave it
        file.write('{"container": "gone", "name": "gone", "veth": "vethdead"}')
    assert ipam.reclaim_stale(f"{lan.runtime}/pysh0") == []  # young: it may be a start under way
    os.utime(f"{leases}/172.17.0.2", (time.time() - 60, time.time() - 60))
    assert "inet 172.17.0.2/16" in c.out("run", "--rm", "busybox", "ip", "-o", "-4", "addr", "show", "eth0")
    assert not lan.leases()


def test_build_run_steps_on_the_default_bridge(root_contain, lan, open_tmp):
    (open_tmp / "Dockerfile").write_text(f"FROM busybox\nRUN ip -o -4 addr show eth0 && nc {INTERNET_ADDRESS} 7001 </dev/null; true\n")
    out = root_contain.out("build", "--network", "bridge", "--no-cache", "-t", "network-built", str(open_tmp))
    assert "inet 172.17.0." in out
    root_contain.out("rmi", "network-built")
    done = root_contain.run("build", "--network", "nowhere", str(open_tmp))
    assert (done.returncode, done.stderr) == (125, "pysh: contain build: --network nowhere: use host, none or bridge\n")


def test_network_connect_and_disconnect_a_running_container(root_contain, lan):
    c = root_contain
    c.out("network", "create", "extra")
    try:
        _web(c, "multi")  # on the default bridge: 172.17.0.0/16, user networks from 172.18
        c.out("network", "connect", "--alias", "second-name", "extra", "multi")
        done = c.run("network", "connect", "extra", "multi")
        assert (done.returncode, done.stderr) == (125, "pysh: contain network: endpoint with name multi already "
                                                       "exists in network extra\n")
        addresses = c.out("exec", "multi", "ip", "-o", "-4", "addr")
        assert "eth0    inet 172.17.0." in addresses and "eth1    inet 172.18.0." in addresses
        got = c.out("run", "--rm", "--network", "extra", "busybox", "wget", "-qO-", "http://second-name/hostname")
        assert got.strip() == c.out("inspect", "-f", "{{.Config.Hostname}}", "multi").strip()
        networks = json.loads(c.out("inspect", "-f", "{{json .NetworkSettings.Networks}}", "multi"))
        assert set(networks) == {"bridge", "extra"} and networks["extra"]["IPAddress"].startswith("172.18.")
        assert c.run("network", "rm", "extra").returncode == 125  # in use
        c.out("network", "disconnect", "extra", "multi")
        assert "eth1" not in c.out("exec", "multi", "ip", "-o", "link")
        done = c.run("network", "disconnect", "extra", "multi")
        assert done.stderr == "pysh: contain network: container multi is not connected to network extra\n"
    finally:
        c.run("rm", "-f", "multi")
        c.run("network", "rm", "extra")



def _address_on(contain, container: str, network: str) -> str:
    return contain.out("inspect", "-f", f"{{{{.NetworkSettings.Networks.{network}.IPAddress}}}}", container).strip()


def _exec_nslookup(contain, container: str, name: str, server: str = "") -> list[str]:
    """The addresses ``container`` gets for ``name`` (from its resolv.conf's server, or ``server``)."""
    out = contain.run("exec", container, "nslookup", name, *([server] if server else [])).stdout
    answer = out.partition(f"Name:\t{name}")[2]
    return [line.split()[-1] for line in answer.splitlines() if line.startswith("Address")]


def test_a_container_on_several_networks_resolves_names_on_all_of_them(root_contain, lan):
    """The name server answers for every network of the container that asks (its source
    address says which one it is), and for no other: asking another network's server directly
    learns nothing either. Aliases shared on a second network still rotate."""
    c = root_contain
    c.out("network", "create", "front")
    c.out("network", "create", "back")
    try:
        _web(c, "web", "--network", "front")
        for replica in ("db1", "db2"):
            _web(c, replica, "--network", "back", "--network-alias", "database")
        _web(c, "api", "--network", "front")
        c.out("network", "connect", "--alias", "api-back", "back", "api")
        web, api_back = _address_on(c, "web", "front"), _address_on(c, "api", "back")
        replicas = sorted(_address_on(c, name, "back") for name in ("db1", "db2"))
        # api (eth0 on front, eth1 on back) finds both sides, through front's server.
        assert _exec_nslookup(c, "api", "web") == [web]
        first, second = _exec_nslookup(c, "api", "database"), _exec_nslookup(c, "api", "database")
        assert sorted(first) == sorted(second) == replicas and first != second
        hostnames = {name: c.out("inspect", "-f", "{{.Config.Hostname}}", name).strip()
                     for name in ("web", "db1", "db2")}
        assert c.out("exec", "api", "wget", "-qO-", "http://web/hostname").strip() == hostnames["web"]
        served = c.out("exec", "api", "wget", "-qO-", "http://database/hostname").strip()
        assert served in (hostnames["db1"], hostnames["db2"])
        # From back, api is there by its alias; web, on front alone, is not.
        assert _exec_nslookup(c, "db1", "api-back") == [api_back]
        assert _exec_nslookup(c, "db1", "web") == []
        assert _exec_nslookup(c, "web", "database") == []
        # Asking front's server directly from back: the asker is db1, on back only.
        front_gateway = json.loads(c.out("network", "inspect", "front"))[0]["IPAM"]["Config"][0]["Gateway"]
        assert _exec_nslookup(c, "db1", "web", front_gateway) == []
        assert _exec_nslookup(c, "db1", "api-back", front_gateway) == [api_back]
    finally:
        c.run("rm", "-f", "web", "db1", "db2", "api")
        c.run("network", "rm", "front", "back")


def _interfaces(contain, container: str) -> dict[str, str]:
    """{interface: address/prefix} of a running container's IPv4 addresses, lo left out."""
    found = {}
    for line in contain.out("exec", container, "ip", "-o", "-4", "addr").splitlines():
        words = line.split()
        if words[1] != "lo":
            found[words[1]] = words[3]
    return found


def test_network_connect_is_kept_across_restarts_and_disconnect_too(root_contain, lan):
    """As Docker's: a container comes back on every network it was connected to, with its
    aliases and --ip, after `restart`, `stop` + `start`, and a restart policy's restart; a
    stopped container can be connected and disconnected; a disconnect is kept likewise."""
    c = root_contain
    c.out("network", "create", "--subnet", "10.60.0.0/24", "extra")
    try:
        _web(c, "keeper")  # on the default bridge (no names), then connected to extra
        c.out("network", "connect", "--alias", "kept", "--ip", "10.60.0.50", "extra", "keeper")
        hostname = c.out("inspect", "-f", "{{.Config.Hostname}}", "keeper").strip()
        for how in (("restart", "-t", "0", "keeper"), ("stop", "-t", "0", "keeper")):
            c.out(*how)
            if how[0] == "stop":
                assert set(json.loads(c.out("inspect", "-f", "{{json .NetworkSettings.Networks}}", "keeper"))) == \
                    {"bridge", "extra"}  # stopped: the networks it will come back on
                c.out("start", "keeper")
            interfaces = _interfaces(c, "keeper")
            assert interfaces["eth0"].startswith("172.17.") and interfaces["eth1"] == "10.60.0.50/24", interfaces
            got = c.out("run", "--rm", "--network", "extra", "busybox", "wget", "-qO-", "http://kept/hostname")
            assert got.strip() == hostname
            # Its resolver is extra's server now (the default bridge has none): it finds extra's names.
            assert "nameserver 10.60.0.1" in c.out("exec", "keeper", "cat", "/etc/resolv.conf")
        c.out("network", "disconnect", "extra", "keeper")
        c.out("restart", "-t", "0", "keeper")
        assert list(_interfaces(c, "keeper")) == ["eth0"]
        # A stopped container: connected and disconnected while it is down, as it starts next.
        c.out("stop", "-t", "0", "keeper")
        c.out("network", "connect", "extra", "keeper")
        c.out("network", "disconnect", "bridge", "keeper")
        c.out("start", "keeper")
        assert list(_interfaces(c, "keeper")) == ["eth0"] and _interfaces(c, "keeper")["eth0"].startswith("10.60.0.")
        assert "default via 10.60.0.1" in c.out("exec", "keeper", "ip", "route")
        done = c.run("network", "disconnect", "bridge", "keeper")
        assert done.stderr == "pysh: contain network: container keeper is not connected to network bridge\n"
        # A restart policy's restart: the first run waits for its connect, then fails.
        script = ("if [ -e /ran ]; then exec sleep 1000; fi; touch /ran; "
                  "until ip link show eth1 >/dev/null 2>&1; do sleep 0.05; done; exit 1")
        c.out("run", "-d", "--name", "phoenix", "--restart", "on-failure", "busybox", "sh", "-c", script)
        c.out("network", "connect", "--alias", "risen", "extra", "phoenix")
        assert _wait(lambda: c.out("inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "phoenix").split()
                     == ["1", "running"], 20)
        assert _wait(lambda: "eth1" in _interfaces(c, "phoenix"), 5)
        assert _nslookup_addresses(c, "extra", "risen") == [_address_on(c, "phoenix", "extra")]
    finally:
        c.run("rm", "-f", "keeper", "phoenix")
        c.run("network", "rm", "extra")


def _gateway(contain, network: str) -> str:
    return json.loads(contain.out("network", "inspect", network))[0]["IPAM"]["Config"][0]["Gateway"]


def _default_route(contain, container: str) -> str:
    """The gateway of the container's default route, "" for none."""
    routes = contain.out("exec", container, "ip", "route").splitlines()
    return next((line.split()[2] for line in routes if line.startswith("default via ")), "")


def _name_servers(contain, container: str) -> list[str]:
    lines = contain.out("exec", container, "cat", "/etc/resolv.conf").splitlines()
    return [line.split()[1] for line in lines if line.startswith("nameserver")]


def test_a_live_connect_and_disconnect_move_the_default_route_and_the_name_server(root_contain, lan):
    """As the Docker peer does: the default route goes through the first network by name of
    those that are not internal, after each live connect and disconnect too; /etc/resolv.conf
    names the server of the first network that has one, and the host's servers again once the
    container is on none (the file is rewritten in place: it is a bind mount)."""
    c = root_contain
    for name in ("nlc", "nlb", "nla"):
        c.out("network", "create", name)
    c.out("network", "create", "--internal", "quiet")
    gateways = {name: _gateway(c, name) for name in ("nlc", "nlb", "nla", "quiet")}
    with open("/etc/resolv.conf") as file:
        host_servers = [line.split()[1] for line in file if line.startswith("nameserver")]
    try:
        _web(c, "roamer", "--network", "nlc")
        _web(c, "peer", "--network", "nlb")
        assert (_default_route(c, "roamer"), _name_servers(c, "roamer")) == (gateways["nlc"], [gateways["nlc"]])
        c.out("network", "connect", "nlb", "roamer")
        assert (_default_route(c, "roamer"), _name_servers(c, "roamer")) == (gateways["nlb"], [gateways["nlc"]])
        assert _exec_nslookup(c, "roamer", "peer") == [_address_on(c, "peer", "nlb")]
        c.out("network", "connect", "nla", "roamer")
        assert _default_route(c, "roamer") == gateways["nla"]
        c.out("network", "disconnect", "nla", "roamer")
        assert _default_route(c, "roamer") == gateways["nlb"]
        c.out("network", "disconnect", "nlc", "roamer")  # eth0's network: nlb's server now
        assert (_default_route(c, "roamer"), _name_servers(c, "roamer")) == (gateways["nlb"], [gateways["nlb"]])
        assert _exec_nslookup(c, "roamer", "peer") == [_address_on(c, "peer", "nlb")]
        c.out("network", "connect", "quiet", "roamer")  # internal: never the way out
        assert _default_route(c, "roamer") == gateways["nlb"]
        c.out("network", "disconnect", "nlb", "roamer")
        assert (_default_route(c, "roamer"), _name_servers(c, "roamer")) == ("", [gateways["quiet"]])
        c.out("network", "disconnect", "quiet", "roamer")
        assert _name_servers(c, "roamer") == host_servers
        # The rule holds at a start too: restarted on nlc and nla (connected in that order), nla routes.
        c.out("network", "connect", "nlc", "roamer")
        c.out("network", "connect", "nla", "roamer")
        c.out("restart", "-t", "0", "roamer")
        assert (_default_route(c, "roamer"), _name_servers(c, "roamer")) == (gateways["nla"], [gateways["nlc"]])
    finally:
        c.run("rm", "-f", "roamer", "peer")
        c.run("network", "rm", "nlc", "nlb", "nla", "quiet")



def _own_hosts_lines(contain, container: str, hostname: str) -> list[str]:
    """The lines of the container's /etc/hosts that name ``hostname``, in the file's order."""
    return [line for line in contain.out("exec", container, "cat", "/etc/hosts").splitlines()
            if line.split()[1:] == [hostname]]


def test_etc_hosts_has_a_line_per_network_and_follows_a_live_connect_and_disconnect(root_contain, lan):
    """As Docker's: a line (address, hostname) per network at the start, in the networks' order;
    a live connect appends the new network's line, a disconnect removes that one line (Docker
    20.10 removes all the hostname's lines, later versions that one); --add-host lines and a
    line the container wrote itself stay."""
    c = root_contain
    for name in ("hosta", "hostb"):
        c.out("network", "create", name)
    try:
        _web(c, "roamer", "-h", "roam", "--network", "hosta", "--add-host", "elsewhere:192.0.2.7")
        on_a = _address_on(c, "roamer", "hosta")
        assert _own_hosts_lines(c, "roamer", "roam") == [f"{on_a}\troam"]
        c.out("exec", "roamer", "sh", "-c", "echo '192.0.2.9 mine' >> /etc/hosts")
        c.out("network", "connect", "hostb", "roamer")
        on_b = _address_on(c, "roamer", "hostb")
        assert _own_hosts_lines(c, "roamer", "roam") == [f"{on_a}\troam", f"{on_b}\troam"]
        c.out("network", "disconnect", "hosta", "roamer")
        assert _own_hosts_lines(c, "roamer", "roam") == [f"{on_b}\troam"]
        hosts = c.out("exec", "roamer", "cat", "/etc/hosts")
        assert "192.0.2.7\telsewhere" in hosts and "192.0.2.9 mine" in hosts and "127.0.0.1\tlocalhost" in hosts
        c.out("network", "connect", "hosta", "roamer")
        c.out("restart", "-t", "0", "roamer")  # a start writes the file anew: eth0's network first
        assert _own_hosts_lines(c, "roamer", "roam") == [f"{_address_on(c, 'roamer', 'hostb')}\troam",
                                                           f"{_address_on(c, 'roamer', 'hosta')}\troam"]
    finally:
        c.run("rm", "-f", "roamer")
        c.run("network", "rm", "hosta", "hostb")

def _bridge_mac(network_id: str = "") -> str:
    """The MAC of the default network's bridge, or of the user network with this id."""
    from pyshell.contain.network import links

    return links.link_details(f"pysh-{network_id[:10]}" if network_id else "pysh0")["mac"]


def _arp_entry(contain, container: str, address: str) -> str:
    """The MAC ``container`` has in its ARP table for ``address`` ("" if none)."""
    for line in contain.out("exec", container, "cat", "/proc/net/arp").splitlines()[1:]:
        words = line.split()
        if words[0] == address:
            return words[3]
    return ""


def test_a_bridge_keeps_its_mac_as_containers_come_and_go(root_contain, lan):
    """The kernel gives a bridge without a MAC of its own the lowest MAC of its ports, so it
    would change as veths come and go, and containers would keep a stale ARP entry for their
    gateway (their name server). As Docker's, a bridge gets a random fixed MAC as it is made."""
    c = root_contain
    network_id = c.out("network", "create", "steady").strip()
    try:
        made = _bridge_mac(network_id)
        assert int(made[:2], 16) & 0b11 == 0b10  # unicast, locally administered
        gateway = json.loads(c.out("network", "inspect", "steady"))[0]["IPAM"]["Config"][0]["Gateway"]
        c.out("run", "-d", "--name", "watcher", "--network", "steady", "busybox", "sleep", "1000")
        _web(c, "first", "--network", "steady")
        assert _exec_nslookup(c, "watcher", "first") == [_address_on(c, "first", "steady")]
        assert _bridge_mac(network_id) == made
        assert _arp_entry(c, "watcher", gateway) == made
        c.out("rm", "-f", "first")
        _web(c, "second", "--network", "steady")
        c.out("restart", "-t", "0", "second")
        assert _bridge_mac(network_id) == made
        # The watcher reaches its name server at once, through the entry it had.
        assert _exec_nslookup(c, "watcher", "second") == [_address_on(c, "second", "steady")]
        assert _arp_entry(c, "watcher", gateway) == made
        # The default bridge likewise (made by the first container on it).
        _web(c, "on-default")
        default_mac = _bridge_mac()
        c.out("rm", "-f", "on-default")
        _web(c, "on-default-again")
        assert _bridge_mac() == default_mac and int(default_mac[:2], 16) & 0b11 == 0b10
    finally:
        c.run("rm", "-f", "watcher", "first", "second", "on-default", "on-default-again")
        c.run("network", "rm", "steady")


FAKE_UPSTREAM = r"""
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
print("ready", flush=True)
while True:
    query, peer = s.recvfrom(512)
    end = query.index(b"\0", 12) + 5                  # the question: name, type, class
    is_a = query[end - 4:end - 2] == b"\0\1"
    answer = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([203, 0, 113, 7]) if is_a else b""
    header = query[:2] + b"\x81\x80" + struct.pack("!HHHH", 1, 1 if is_a else 0, 0, 0)
    s.sendto(header + query[12:end] + answer, peer)
"""


def test_names_the_network_does_not_know_go_to_the_hosts_resolver(root_contain, lan, open_tmp):
    """The host's resolver is a fake one in the "internet" namespace, named by a resolv.conf bound
    over /etc/resolv.conf in a mount namespace of that `network create` and `contain run` (the
    DNS server the network's creation starts inherits it)."""
    c = root_contain
    upstream = lan.in_internet(sys.executable, "-c", FAKE_UPSTREAM, stdout=subprocess.PIPE, text=True)
    (open_tmp / "resolv.conf").write_text(f"nameserver {INTERNET_ADDRESS}\n")
    try:
        assert upstream.stdout.readline().strip() == "ready"
        script = (f"mount --bind {open_tmp}/resolv.conf /etc/resolv.conf && "
                  f"{' '.join(c.argv('network', 'create', 'outside'))} >/dev/null && "
                  f"exec {' '.join(c.argv('run', '--rm', '--network', 'outside', 'busybox', 'nslookup', 'example.test'))}")
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], env=c.env,
                              capture_output=True, text=True, timeout=60)
        assert "203.0.113.7" in done.stdout, done.stdout + done.stderr
    finally:
        upstream.kill()
        upstream.wait()
        c.run("network", "rm", "outside")


def test_a_running_name_server_binds_a_new_network_when_signalled_not_at_its_next_tick(lan, tmp_path):
    """`contain run` on a network the server does not serve yet signals it (SIGHUP) and waits for
    it to bind the gateway. The server's tick is made an hour here: only the signal can wake it.
    (Python retries a select a signal interrupted, so a handler alone waited for the tick: every
    `compose up` right after a `down` spent up to a second there.)"""
    from pyshell.contain.network import dns

    runtime = str(tmp_path)

    def serve(bridge: str, gateway: str) -> None:
        os.makedirs(f"{runtime}/{bridge}")
        with open(f"{runtime}/{bridge}/network.json", "w") as file:
            json.dump({"bridge": bridge, "gateway": gateway, "dns": True}, file)

    serve("first", "127.0.0.2")
    server = os.fork()
    if server == 0:
        try:
            dns.TICK = 3600.0
            dns.Server.idle = lambda self: False
            dns.Server(runtime).run()
        finally:
            os._exit(1)
    try:
        assert _wait(lambda: os.path.exists(f"{runtime}/first/dns.ready"), 20)
        serve("second", "127.0.0.3")
        os.kill(server, signal.SIGHUP)
        assert _wait(lambda: os.path.exists(f"{runtime}/second/dns.ready"), 20)
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(OSError, match="in use"):
            taken.bind(("127.0.0.3", 53))  # the server's now
        taken.close()
    finally:
        os.kill(server, signal.SIGKILL)
        os.waitpid(server, 0)



def test_the_name_server_starts_with_the_network_and_goes_when_no_container_comes(root_contain, lan):
    """`network create` starts the name server without waiting for it (its boot overlaps what
    comes next, compose's creates): it answers on the gateway before any container; with no
    container it goes again after its first second, and the next container starts it anew."""
    c = root_contain
    network_id = c.out("network", "create", "early").strip()
    try:
        bridge = f"pysh-{network_id[:10]}"
        assert _wait(lambda: os.path.exists(f"{lan.runtime}/{bridge}/dns.ready"), 5)
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(OSError, match="in use"):
            taken.bind((_gateway(c, "early"), 53))  # the server's
        taken.close()
        assert _wait(lambda: not os.path.exists(f"{lan.runtime}/dns.pid"), 5)  # idle: gone
        _web(c, "late", "--network", "early")
        assert _exec_nslookup(c, "late", "late") == [_address_on(c, "late", "early")]
    finally:
        c.run("rm", "-f", "late")
        c.run("network", "rm", "early")

def test_a_failed_start_on_the_bridge_leaves_nothing(contain, lan):
    """PID 1 fails late (its exec): the lease, the veth, the proxy and its port all go (the
    ``lan`` fixture checks the first three); the port is free again at once."""
    done = contain.run("run", "-p", "8484:80", "busybox", "/no/such/program")
    assert done.returncode == 127 and "No such file or directory" in done.stderr
    assert not lan.leases()
    probe = socket.socket()
    probe.bind(("0.0.0.0", 8484))
    probe.close()


def test_state_of_dead_namespaces_is_swept(root_contain, lan):
    """/run/pysh/net-INODE of a namespace that is gone goes when a new namespace's is made, and a
    directory left by a dead namespace whose inode number a new one reuses is not taken for its own."""
    from pyshell.contain.network import ipam

    holder = subprocess.Popen(["unshare", "--net", "sleep", "1000"])
    alive = ""
    try:
        _wait(lambda: _netns_inode(holder.pid) != _netns_inode())
        alive = f"/run/pysh/net-{_netns_inode(holder.pid)}"
        os.makedirs(f"{alive}/pysh0/leases", exist_ok=True)  # a live namespace's: stays
        dead = "/run/pysh/net-1"                              # no namespace has inode 1
        os.makedirs(f"{dead}/pysh0/leases", exist_ok=True)
        root_contain.out("run", "--rm", "busybox", "true")  # pysh0 and its record
        # Ours looks like a dead namespace's that had our inode number: another cookie.
        ours = lan.runtime
        os.makedirs(f"{ours}/pysh9/leases", exist_ok=True)
        with open(f"{ours}/cookie", "w") as file:
            file.write("0000000000000000\n")
        assert ipam.runtime_dir() == ours
        assert not os.path.exists(dead) and os.path.exists(alive)
        assert not os.path.exists(f"{ours}/pysh9")
        assert open(f"{ours}/cookie").read().strip() == ipam.netns_cookie()
        # The record of pysh0 went with the directory: the bridge itself says its subnet again.
        assert "inet 172.17.0.2/16" in root_contain.out("run", "--rm", "busybox", "ip", "-o", "-4", "addr", "show", "eth0")
    finally:
        holder.kill()
        holder.wait()
        import shutil

        shutil.rmtree(alive, ignore_errors=True)


def test_rootless_names_its_gaps_in_one_line(user_home, lan):
    done = user_home.run("network", "create", "mine")
    assert done.returncode == 125
    assert done.stderr == ("pysh: contain network: user-defined networks need root: rootless containers have the "
                           "default network only (slirp4netns), a gap of this version\n")
    done = user_home.run("run", "--rm", "--network", "elsewhere", "busybox", "true")
    assert done.returncode == 125 and "user-defined networks need root" in done.stderr
    assert not user_home.container_ids()
    # The default network is there, with its name in `network ls`.
    assert [line.split()[1] for line in user_home.out("network", "ls").splitlines()[1:]] == ["bridge", "host", "none"]


def test_rootless_without_access_to_dev_net_tun_says_so(user_home, lan, open_tmp):
    """A machine without udev keeps the kernel's 0600 /dev/net/tun: seen here through a 0600 node
    bound over it in a mount namespace of this test's own (the machine's node is not touched)."""
    node = open_tmp / "tun"
    script = (f"mknod -m 0600 {node} c 10 200 && mount --bind {node} /dev/net/tun && "
              f"exec {' '.join(user_home.argv('run', '--rm', 'busybox', 'true'))}")
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          env=user_home.env, cwd=str(user_home.home), capture_output=True, text=True, timeout=60)
    assert done.returncode == 125
    assert done.stderr == ("pysh: contain run: rootless networking needs /dev/net/tun readable and writable by you "
                           "(it is mode 0600; Debian's udev makes it 0666): use --network none, or as root: "
                           "chmod 0666 /dev/net/tun\n")
    assert not user_home.container_ids()
