"""`vm disk create/info` with the real qemu-img."""

import json

from vmsupport import needs_qemu_img

pytestmark = needs_qemu_img


def test_create_qcow2_and_info(vm, tmp_path):
    image = tmp_path / "disk.qcow2"
    created = vm("disk", "create", str(image), "5G")
    assert "Formatting" in created.stdout and "fmt=qcow2" in created.stdout
    info = json.loads(vm("disk", "info", "--json", str(image)).stdout)
    assert info["format"] == "qcow2"
    assert info["virtual-size"] == 5 << 30
    assert info["actual-size"] < 1 << 20   # qcow2 grows as the guest writes
    assert "virtual size: 5 GiB" in vm("disk", "info", str(image)).stdout


def test_raw_is_sparse(vm, tmp_path):
    image = tmp_path / "disk.raw"
    vm("disk", "create", str(image), "1G", "--format", "raw")
    assert image.stat().st_size == 1 << 30
    assert image.stat().st_blocks * 512 < 1 << 20


def test_backing_overlay(vm, tmp_path):
    base, overlay = tmp_path / "base.qcow2", tmp_path / "overlay.qcow2"
    vm("disk", "create", str(base), "2G")
    vm("disk", "create", str(overlay), "--backing", str(base))
    info = json.loads(vm("disk", "info", "--json", str(overlay)).stdout)
    assert info["backing-filename"] == str(base)
    assert info["virtual-size"] == 2 << 30


def test_errors_are_one_line(vm, tmp_path):
    image = tmp_path / "d.qcow2"
    for args, message in [
        (("disk", "create", str(image), "5Q"), "bad size"),
        (("disk", "create", str(image)), "a SIZE is needed"),
        (("disk", "create", str(image), "1G", "--format", "vmdk"), "invalid choice"),
        (("disk", "create", str(image), "1G", "--backing", str(tmp_path / "none")), "no such file"),
        (("disk", "info", str(tmp_path / "none")), "no such file"),
    ]:
        result = vm(*args, check=False)
        assert result.status != 0
        assert result.stderr.startswith("pysh: vm: ") and message in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    assert not image.exists()
    image.write_bytes(b"")
    assert "file exists" in vm("disk", "create", str(image), "1G", check=False).stderr
