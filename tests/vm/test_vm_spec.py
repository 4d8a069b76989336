"""VmSpec parsing and validation: pure tables, no QEMU."""

import pytest

from pyshell.errors import VmError
from pyshell.vm.spec import Forward, VmSpec, parse_forward, parse_memory, parse_size, validate


@pytest.mark.parametrize("text, expected", [
    ("5G", 5 << 30), ("512M", 512 << 20), ("10240K", 10240 << 10), ("1T", 1 << 40),
    ("4096", 4096), ("2GiB", 2 << 30), ("2g", 2 << 30), (" 1G ", 1 << 30), ("1.5G", 1536 << 20),
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "G", "5Q", "-1G", "0", "1.5", "5 GB extra"])
def test_parse_size_rejects(text):
    with pytest.raises(VmError, match="bad size"):
        parse_size(text)


@pytest.mark.parametrize("text, expected", [("1024", 1024), ("2G", 2048), ("512M", 512)])
def test_parse_memory(text, expected):
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["99999999999999999999T", "16777216T", "17592186044416"])
def test_parse_memory_refuses_what_qemu_refuses(text):
    # qemu-system-x86_64 -m 99999999999999999999T: "expects a non-negative number below 2^64"
    with pytest.raises(VmError, match="too large"):
        parse_memory(text)


@pytest.mark.parametrize("text, expected", [
    ("8080:80", Forward(8080, 80, "127.0.0.1")),
    ("0.0.0.0:10022:22", Forward(10022, 22, "0.0.0.0")),
])
def test_parse_forward(text, expected):
    assert parse_forward(text) == expected


def test_forward_binds_loopback_by_default():
    # QEMU's own `hostfwd=tcp::P-:22` listens on every interface: vm writes 127.0.0.1.
    assert parse_forward("10022:22").hostfwd() == "hostfwd=tcp:127.0.0.1:10022-:22"


@pytest.mark.parametrize("text, message", [
    ("80", "want HOSTPORT:GUESTPORT"), ("a:b:c:d", "not an IPv4"), ("0:22", "not a port"),
    ("70000:22", "not a port"), ("x:22", "not a port"), ("localhost:1:2", "not an IPv4"),
])
def test_parse_forward_rejects(text, message):
    with pytest.raises(VmError, match=message):
        parse_forward(text)


@pytest.mark.parametrize("changes, message", [
    ({"name": "a/b"}, "bad name"),
    ({"name": ""}, "bad name"),
    ({"memory_mib": 8}, "too small"),
    ({"smp": 0}, "--smp"),
    ({"smp": 2, "maxcpus": 1}, "--maxcpus"),
    ({"nic": "rtl"}, "--nic"),
    ({"display": "curses"}, "--display"),
    ({"accel": "hax"}, "--accel"),
    ({"tiny": True, "kernel": "/etc/hostname"}, "brings its own kernel"),
    ({"append": "quiet"}, "need --kernel"),
    ({"disk": "/nonexistent.qcow2"}, "no such file"),
    ({"forwards": (Forward(1, 2),), "nic": "none"}, "needs a network card"),
    ({"forwards": (Forward(1, 2), Forward(1, 3))}, "forwarded twice"),
])
def test_validate_rejects(changes, message):
    with pytest.raises(VmError, match=message):
        validate(VmSpec(**{"name": "ok", **changes}))


def test_validate_makes_paths_absolute(tmp_path, monkeypatch):
    (tmp_path / "disk.img").write_bytes(b"\0" * 512)
    monkeypatch.chdir(tmp_path)
    spec = validate(VmSpec(name="ok", disk="disk.img"))
    assert spec.disk == str(tmp_path / "disk.img")


def test_spec_json_round_trip():
    spec = VmSpec(name="x", forwards=(Forward(8080, 80), Forward(2222, 22, "0.0.0.0")),
                  maxcpus=4, tiny=True, balloon=True)
    assert VmSpec.from_json(spec.to_json()) == spec
