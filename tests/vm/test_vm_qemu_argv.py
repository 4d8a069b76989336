"""The qemu-system command line a spec becomes (what `vm cmd` prints)."""

from pathlib import Path

from pyshell.vm.qemu import build_argv, choose_accel, disk_format
from pyshell.vm.spec import Forward, VmSpec
from pyshell.vm.state import VmPaths

PATHS = VmPaths(Path("/h/vms/demo"))


def option_values(argv, option):
    return [argv[i + 1] for i, word in enumerate(argv) if word == option]


def test_course_line():
    spec = VmSpec(name="demo", memory_mib=2048, smp=2, maxcpus=4, balloon=True,
                  forwards=(Forward(10022, 22),))
    argv = build_argv(spec, PATHS, "tcg")
    assert argv[0] == "qemu-system-x86_64"
    assert option_values(argv, "-m") == ["2048"]
    assert option_values(argv, "-smp") == ["2,maxcpus=4"]
    assert option_values(argv, "-accel") == ["tcg"]
    assert option_values(argv, "-netdev") == ["user,id=net0,hostfwd=tcp:127.0.0.1:10022-:22"]
    assert "e1000,netdev=net0" in option_values(argv, "-device")
    assert "virtio-balloon-pci,id=balloon0" in option_values(argv, "-device")
    assert option_values(argv, "-qmp") == ["unix:/h/vms/demo/qmp.sock,server=on,wait=off",
                                           "unix:/h/vms/demo/events.sock,server=on,wait=off"]
    assert argv[-3:] == ["-pidfile", "/h/vms/demo/qemu.pid", "-daemonize"]
    assert "-S" not in argv
    # only the tiny guest has the second serial port (the `vm exec` agent)
    assert option_values(argv, "-serial") == ["chardev:console0"]


def test_tiny_guest_gets_an_agent_port_and_its_kernel():
    spec = VmSpec(name="demo", tiny=True, nic="virtio")
    argv = build_argv(spec, PATHS, "tcg", kernel="/c/vmlinux", initrd="/c/initrd",
                      append="console=ttyS0", paused=True)
    assert option_values(argv, "-serial") == ["chardev:console0", "chardev:agent0"]
    assert option_values(argv, "-kernel") == ["/c/vmlinux"]
    assert option_values(argv, "-initrd") == ["/c/initrd"]
    assert option_values(argv, "-append") == ["console=ttyS0"]
    assert "virtio-net-pci,netdev=net0" in option_values(argv, "-device")
    assert "-S" in argv


def test_kvm_uses_the_host_cpu_and_no_nic_means_none():
    argv = build_argv(VmSpec(name="demo", nic="none"), PATHS, "kvm")
    assert option_values(argv, "-accel") == ["kvm"]
    assert option_values(argv, "-cpu") == ["host"]
    assert option_values(argv, "-nic") == ["none"]
    assert "-netdev" not in argv


def test_disk_format_is_stated(tmp_path):
    raw = tmp_path / "raw.img"
    raw.write_bytes(b"\0" * 4096)
    qcow = tmp_path / "q.qcow2"
    qcow.write_bytes(b"QFI\xfb" + b"\0" * 100)
    assert disk_format(str(raw)) == "raw"
    assert disk_format(str(qcow)) == "qcow2"
    argv = build_argv(VmSpec(name="demo", disk=str(qcow), cdrom="/x.iso"), PATHS, "tcg")
    assert option_values(argv, "-drive") == [f"file={qcow},format=qcow2,index=0,media=disk"]
    assert option_values(argv, "-cdrom") == ["/x.iso"]


def test_accel_follows_the_cpu_flags():
    flags = open("/proc/cpuinfo").read()
    accel, notice = choose_accel("auto")
    if " vmx" in flags or " svm" in flags:
        assert accel in ("kvm", "tcg")
    else:
        # no hardware virtualization: TCG, and the user is told why in one line
        assert accel == "tcg" and notice and "\n" not in notice
    assert choose_accel("tcg") == ("tcg", None)


def test_display_window_or_none():
    assert option_values(build_argv(VmSpec(name="demo"), PATHS, "tcg"), "-display") == ["none"]
    argv = build_argv(VmSpec(name="demo", display="gtk"), PATHS, "tcg")
    assert option_values(argv, "-display") == ["gtk"]


def test_vnc_listens_on_loopback():
    argv = build_argv(VmSpec(name="demo", vnc=1), PATHS, "tcg")
    assert option_values(argv, "-vnc") == ["127.0.0.1:1"]
    assert option_values(argv, "-display") == ["none"]
    # a BIOS guest prints on the serial console as with -nographic
    assert option_values(argv, "-machine") == ["graphics=off"]
