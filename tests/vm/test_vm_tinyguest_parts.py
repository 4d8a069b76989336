"""The tiny guest's building blocks that need no download: the cpio writer, the kernel
decompression's error path, the recipe hash."""

import lzma

import pytest

from pyshell.errors import VmError
from pyshell.vm.tinyguest import CpioWriter, decompress_bzimage, recipe_hash


def read_newc(archive: bytes) -> dict:
    """A minimal newc reader, to check what CpioWriter wrote."""
    entries, offset = {}, 0
    while True:
        header = archive[offset:offset + 110]
        assert header[:6] == b"070701"
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, rdev_major, rdev_minor, name_size = (fields[1], fields[6], fields[9],
                                                         fields[10], fields[11])
        name = archive[offset + 110:offset + 110 + name_size - 1].decode()
        offset += 110 + name_size
        offset += -offset % 4
        data = archive[offset:offset + size]
        offset += size
        offset += -offset % 4
        if name == "TRAILER!!!":
            assert offset == len(archive)
            return entries
        entries[name] = (mode, data, (rdev_major, rdev_minor))


def test_cpio_writer_round_trip():
    writer = CpioWriter()
    writer.directory("etc")
    writer.file("etc/hello", b"hello\n", mode=0o755)
    writer.symlink("bin/sh", "busybox")
    writer.char_device("dev/console", 5, 1)
    entries = read_newc(writer.finish())
    assert entries["etc"][0] == 0o040755
    assert entries["etc/hello"] == (0o100755, b"hello\n", (0, 0))
    assert entries["bin/sh"][:2] == (0o120777, b"busybox")
    assert entries["dev/console"] == (0o020600, b"", (5, 1))


def test_decompress_finds_the_xz_payload():
    vmlinux = b"\x7fELF" + bytes(range(256)) * 40
    fake_bzimage = b"MZ setup code" * 10 + lzma.compress(vmlinux, format=lzma.FORMAT_XZ) + b"tail"
    assert decompress_bzimage(fake_bzimage) == vmlinux


@pytest.mark.parametrize("image, message", [
    (b"no payload here", "no xz payload"),
    (b"x" + lzma.compress(b"not an elf", format=lzma.FORMAT_XZ), "not an ELF"),
])
def test_decompress_rejects(image, message):
    with pytest.raises(VmError, match=message):
        decompress_bzimage(image)


def test_recipe_hash_is_stable():
    assert recipe_hash() == recipe_hash() and len(recipe_hash()) == 16
