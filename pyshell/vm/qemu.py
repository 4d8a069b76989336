"""From a VmSpec to a running QEMU: the command line, the accelerator, the launch, the end.

build_argv() is the heart of `vm`: every option it writes is one a student can type by hand,
and `vm cmd NAME` prints the result. QEMU runs daemonized (`-daemonize -pidfile`): the parent
QEMU exits only once the machine is set up, so a busy port or a bad image is reported by its
exit status, synchronously, and the daemon stays alive after pysh exits.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess

from pyshell.errors import VmError
from pyshell.vm.spec import NICS, VmSpec
from pyshell.vm.state import VmPaths

QEMU = "qemu-system-x86_64"


def qemu_binary() -> str:
    path = shutil.which(QEMU)
    if not path:
        raise VmError(f"{QEMU} not found (Debian: apt-get install qemu-system-x86 qemu-utils)")
    return path


def choose_accel(requested: str) -> tuple[str, str | None]:
    """("kvm" or "tcg", a notice for the user or None).

    /dev/kvm alone proves nothing: on a VM without nested hardware virtualization it can be a
    software KVM (here: kvm_pvm) that accepts -enable-kvm and then hangs a stock kernel. So KVM
    is used only when the CPU advertises vmx (Intel) or svm (AMD)."""
    if requested == "tcg":
        return "tcg", None
    has_flags = _cpu_has_virtualization()
    usable_dev = os.access("/dev/kvm", os.R_OK | os.W_OK)
    if requested == "kvm":
        if not usable_dev:
            raise VmError("--accel kvm: /dev/kvm is missing or not accessible")
        return "kvm", None
    if has_flags and usable_dev:
        return "kvm", None
    if usable_dev:
        why = "/dev/kvm exists but the CPU has no vmx/svm flag (nested software KVM)"
    else:
        why = "no KVM here"
    return "tcg", f"{why}: using TCG emulation (slower)"


def _cpu_has_virtualization() -> bool:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    flags = line.split(":", 1)[1].split()
                    return "vmx" in flags or "svm" in flags
    except OSError:
        pass
    return False


def build_argv(spec: VmSpec, paths: VmPaths, accel: str, *, kernel: str | None = None,
               initrd: str | None = None, append: str | None = None,
               paused: bool = False) -> list[str]:
    """The qemu-system command line for SPEC. kernel/initrd/append override the spec's (the
    tiny guest's files live in a cache). paused adds -S: the guest waits for QMP `cont`, so
    that `vm start` can attach the console before the first byte of output."""
    argv = [QEMU, "-name", spec.name]
    if accel == "kvm":
        argv += ["-accel", "kvm", "-cpu", "host"]
    else:
        argv += ["-accel", "tcg"]
    argv += ["-m", str(spec.memory_mib)]
    smp = str(spec.smp) + (f",maxcpus={spec.maxcpus}" if spec.maxcpus else "")
    argv += ["-smp", smp]

    kernel = kernel or spec.kernel
    if kernel:
        argv += ["-kernel", kernel]
        if initrd or spec.initrd:
            argv += ["-initrd", initrd or spec.initrd]
        if append or spec.append:
            argv += ["-append", append or spec.append]
    if spec.disk:
        # The course writes `-hda FILE`; -drive says the format, so QEMU never guesses it.
        argv += ["-drive", f"file={spec.disk},format={disk_format(spec.disk)},index=0,media=disk"]
    if spec.cdrom:
        argv += ["-cdrom", spec.cdrom]

    if NICS[spec.nic]:
        netdev = ",".join(["user", "id=net0", *(f.hostfwd() for f in spec.forwards)])
        argv += ["-netdev", netdev, "-device", f"{NICS[spec.nic]},netdev=net0"]
    else:
        argv += ["-nic", "none"]
    if spec.balloon:
        argv += ["-device", "virtio-balloon-pci,id=balloon0"]

    # No window: the first serial port is the console, a socket that `vm console` attaches
    # to, and everything the guest prints there is also kept in console.log.
    if not spec.tiny:
        # -nographic would also tell the BIOS (SeaBIOS) to print on the serial port, so that
        # the course's "No bootable device" shows on the console; -display none does not, so
        # say it ourselves: graphics=off is the part of -nographic that the firmware reads.
        argv += ["-machine", "graphics=off"]
    if spec.vnc is not None:
        # An installer ISO draws on the screen: VNC shows it (vncviewer 127.0.0.1:N).
        argv += ["-vnc", f"127.0.0.1:{spec.vnc}"]
    # --display gtk|sdl opens a window (a desktop session and Debian's qemu-system-gui needed)
    argv += ["-display", spec.display, "-monitor", "none",
             "-chardev", f"socket,id=console0,path={paths.console},server=on,wait=off,"
                         f"logfile={paths.console_log}",
             "-serial", "chardev:console0"]
    if spec.tiny:
        # The second serial port (ttyS1 in the guest) carries `vm exec` to the guest's agent.
        argv += ["-chardev", f"socket,id=agent0,path={paths.agent},server=on,wait=off",
                 "-serial", "chardev:agent0"]
    else:
        # Where the guest runs the QEMU guest agent (qemu-ga), `vm exec` goes through it.
        argv += ["-device", "virtio-serial-pci,id=serial0",
                 "-chardev", f"socket,id=qga0,path={paths.guest_agent},server=on,wait=off",
                 "-device", "virtserialport,bus=serial0.0,chardev=qga0,"
                            "name=org.qemu.guest_agent.0"]
    argv += ["-qmp", f"unix:{paths.qmp},server=on,wait=off"]
    # A second QMP socket for the event watcher (watcher.py): each socket serves one client.
    argv += ["-qmp", f"unix:{paths.events},server=on,wait=off"]
    if paused:
        argv += ["-S"]
    argv += ["-pidfile", str(paths.pidfile), "-daemonize"]
    return argv


def disk_format(path: str) -> str:
    """qcow2 files start with the magic 'QFI\\xfb'; anything else is a raw image."""
    try:
        with open(path, "rb") as image:
            return "qcow2" if image.read(4) == b"QFI\xfb" else "raw"
    except OSError as error:
        raise VmError(f"{path}: {error.strerror}") from None


def check_ports_free(spec: VmSpec) -> None:
    """Bind each forwarded port for a moment: a clear error beats QEMU's."""
    for forward in spec.forwards:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind((forward.host_address, forward.host_port))
        except OSError as error:
            raise VmError(f"--fwd {forward}: port {forward.host_port} on "
                          f"{forward.host_address} is busy ({error.strerror})") from None
        finally:
            probe.close()


def launch(argv: list[str], paths: VmPaths) -> int:
    """Start QEMU daemonized; return the daemon's pid (from -pidfile)."""
    binary = qemu_binary()
    # argv[0] stays "qemu-system-x86_64": `ps` then shows exactly what `vm cmd` prints.
    done = subprocess.run(argv, executable=binary, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, start_new_session=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise VmError(f"qemu failed to start: {message[-1].removeprefix(binary + ': ')}")
    try:
        return int(paths.pidfile.read_text().strip())
    except (OSError, ValueError):
        raise VmError(f"qemu started but wrote no pid to {paths.pidfile}") from None


def wait_exit(pid: int, timeout: float) -> bool:
    """Wait up to TIMEOUT seconds for PID (not our child: QEMU daemonized) to end.
    A pidfd becomes readable when its process exits: no polling loop."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([pidfd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(pidfd)


def kill(pid: int, timeout: float = 10.0) -> None:
    """The last resort: SIGKILL, then wait for the process to be gone."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if not wait_exit(pid, timeout):
        raise VmError(f"qemu (pid {pid}) did not die after SIGKILL")
