"""The same `run` flags through contain and through a real Docker engine: the PORTS column of
`ps`, `port`'s output and `inspect`'s network fields must have Docker's shape.

Docker is the shared peer of /work/shared/reference/scripts/docker-peer.sh (its own network
namespace; tests/docker_peer.py starts it); our side runs in the test's own
namespace (conftest.py). Differences we keep on purpose: Docker also publishes each port on
[::] (we bind IPv4 only), so its [::] entries are left out of the comparison; host port
numbers picked by the kernel differ and are replaced by EPHEMERAL.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import docker_peer
import pytest

IMAGE = "network-busybox"
FLAGS = ["-p", "8080:80", "-p", "127.0.0.1::81", "-p", "9000-9001:90-91", "-p", "5300:53/udp", "--expose", "99"]


def _docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], env={**os.environ, "DOCKER_HOST": docker_peer.DOCKER_HOST},
                          capture_output=True, text=True, timeout=120)
    if check and done.returncode:
        raise AssertionError(f"docker {' '.join(args)}: {done.stderr}")
    return done


@pytest.fixture(scope="module")
def docker(root_home):
    reason = docker_peer.start()
    if reason:
        pytest.skip(reason)
    if _docker("image", "inspect", IMAGE, check=False).returncode:
        binary = next((root_home.home / "images").rglob("bin/busybox"))
        subprocess.run([str(docker_peer.SCRIPT), "load-rootfs", str(binary.parents[1]), IMAGE], check=True, capture_output=True)
    return _docker


def _without_ipv6(lines: list[str]) -> list[str]:
    return [line for line in lines if "[::]" not in line and ":::" not in line]


def _ephemeral(text: str, port: str) -> str:
    return re.sub(rf"\b{port}\b", "EPHEMERAL", text)


def _shape(value):
    """Keys and the kinds of values, not the values (ids, addresses and times differ)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value[:1]]
    return type(value).__name__


def test_ps_port_and_inspect_have_dockers_shape(root_contain, docker):
    docker("rm", "-f", "network-web", check=False)
    docker("run", "-d", "--name", "network-web", *FLAGS, IMAGE, "httpd", "-f", "-p", "80")
    root_contain.out("run", "-d", "--name", "network-web", *FLAGS, "busybox", "httpd", "-f", "-p", "80")
    try:
        theirs = {"port": docker("port", "network-web").stdout.splitlines(),
                  "ps": docker("ps", "--filter", "name=network-web", "--format", "{{.Ports}}").stdout.strip(),
                  "inspect": json.loads(docker("inspect", "network-web").stdout)[0]}
        ours = {"port": root_contain.out("port", "network-web").splitlines(),
                "ps": [line for line in root_contain.out("ps", "--no-trunc").splitlines()
                       if line.endswith("network-web")][0],
                "inspect": json.loads(root_contain.out("inspect", "network-web"))[0]}
        their_81 = theirs["inspect"]["NetworkSettings"]["Ports"]["81/tcp"][0]["HostPort"]
        our_81 = ours["inspect"]["NetworkSettings"]["Ports"]["81/tcp"][0]["HostPort"]

        assert [_ephemeral(line, our_81) for line in ours["port"]] == \
            [_ephemeral(line, their_81) for line in _without_ipv6(theirs["port"])]
        their_ps = ", ".join(_without_ipv6(theirs["ps"].split(", ")))
        assert _ephemeral(their_ps, their_81) in _ephemeral(ours["ps"], our_81)
        assert docker("port", "network-web", "80").stdout.splitlines()[0] == root_contain.out("port", "network-web", "80").strip()
        missing = docker("port", "network-web", "99", check=False)
        ours_missing = root_contain.run("port", "network-web", "99")
        assert (ours_missing.returncode, ours_missing.stderr.strip()) == \
            (missing.returncode, "pysh: contain port: " + missing.stderr.strip().removeprefix("Error: "))

        their_settings, our_settings = theirs["inspect"]["NetworkSettings"], ours["inspect"]["NetworkSettings"]
        assert set(our_settings) >= set(their_settings)
        assert _shape(our_settings["Networks"]["bridge"]) == _shape(their_settings["Networks"]["bridge"]) | {
            "DNSNames": "NoneType", "Aliases": "NoneType"}
        for key in ("Gateway", "IPAddress", "IPPrefixLen", "MacAddress"):
            assert our_settings[key] == our_settings["Networks"]["bridge"][key]
            assert type(our_settings[key]) is type(their_settings[key])
        assert our_settings["MacAddress"][:6] == their_settings["MacAddress"][:6] == "02:42:"
        their_ports = {key: [b for b in value if b["HostIp"] != "::"] if value else value
                       for key, value in their_settings["Ports"].items()}
        assert {k: v for k, v in our_settings["Ports"].items() if k != "81/tcp"} == \
            {k: v for k, v in their_ports.items() if k != "81/tcp"}
        assert ours["inspect"]["HostConfig"]["PortBindings"] == theirs["inspect"]["HostConfig"]["PortBindings"]
        assert ours["inspect"]["Config"]["ExposedPorts"] == theirs["inspect"]["Config"]["ExposedPorts"]
    finally:
        docker("rm", "-f", "network-web", check=False)
        root_contain.run("rm", "-f", "network-web")


def _route_network(run, container: str, gateways: dict[str, str]) -> str:
    """Which network the container's default route goes through ("" for none)."""
    routes = run("exec", container, "ip", "route").stdout.splitlines()
    gateway = next((line.split()[2] for line in routes if line.startswith("default via ")), "")
    return gateways.get(gateway, "?" if gateway else "")


def _finds(run, container: str, name: str) -> bool:
    return f"Name:\t{name}" in run("exec", container, "nslookup", name).stdout


def test_live_connect_and_disconnect_move_the_route_and_names_as_dockers(root_contain, docker):
    """The same steps on both engines: which network routes, and whether a name on one of the
    container's networks resolves (Docker names 127.0.0.11 in resolv.conf, we the gateway of the
    first network with a server: the answers are compared, not the files). Both steps end on a
    container without networks, from which Docker also stops resolving. Docker 20.10 routes
    through an internal network too: we never do, so no internal network here."""
    names = ("dlc", "dlb", "dla")
    steps = [("connect", "dlb"), ("connect", "dla"), ("disconnect", "dla"), ("disconnect", "dlc"),
             ("connect", "dla"), ("disconnect", "dlb")]
    seen = {}
    for engine, run in (("docker", lambda *args: docker(*args, check=False)), ("pysh", root_contain.run)):
        for name in names:
            run("network", "create", name)
        try:
            gateways = {}
            for name in names:
                document = json.loads(run("network", "inspect", name).stdout)[0]
                gateways[document["IPAM"]["Config"][0]["Gateway"]] = name
            image = IMAGE if engine == "docker" else "busybox"
            run("run", "-d", "--name", "roamer", "--network", "dlc", image, "sleep", "1000")
            run("run", "-d", "--name", "peer", "--network", "dlb", image, "sleep", "1000")
            found = [(_route_network(run, "roamer", gateways), _finds(run, "roamer", "peer"))]
            for action, name in steps:
                done = run("network", action, name, "roamer")
                assert done.returncode == 0, (engine, action, name, done.stderr)
                found.append((_route_network(run, "roamer", gateways), _finds(run, "roamer", "peer")))
            seen[engine] = found
        finally:
            run("rm", "-f", "roamer", "peer")
            run("network", "rm", *names)
    assert seen["pysh"] == seen["docker"]


def test_etc_hosts_has_dockers_lines_in_dockers_order(root_contain, docker):
    """The usual names, the --add-host lines, then the container's address and hostname."""
    flags = ["--hostname", "web", "--add-host", "db.example:192.0.2.7", "--add-host", "cache:192.0.2.8"]
    theirs = docker("run", "--rm", *flags, IMAGE, "cat", "/etc/hosts").stdout.splitlines()
    ours = root_contain.out("run", "--rm", *flags, "busybox", "cat", "/etc/hosts").splitlines()

    def shape(lines):  # the containers' addresses differ
        return [re.sub(r"^172\.\d+\.\d+\.\d+\t", "ADDRESS\t", line) for line in lines]

    assert shape(ours) == shape(theirs)
    assert shape(ours)[-1] == "ADDRESS\tweb"
    none = ["--network", "none", "--hostname", "web"]  # no address: no line of its own
    assert root_contain.out("run", "--rm", *none, "busybox", "cat", "/etc/hosts") == \
        docker("run", "--rm", *none, IMAGE, "cat", "/etc/hosts").stdout
