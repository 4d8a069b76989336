"""`vm bootstrap debian`, then the course's session on that disk: a real Debian booted from
its disk under QEMU (TCG here), reached by ssh on a forwarded port, by the guest agent, with
CPU hotplug, the balloon and an ACPI power-off.

The base image is built once per machine (mmdebstrap: a minute or more, then cached in
$PYSH_TEST_CACHE, default /var/cache/pysh-test/debian-disk); each disk takes seconds. Every
guest runs in a network namespace of the test's own: its forwarded port 10022 is the
namespace's loopback, never the machine's.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from vmsupport import VmRunner, needs_qemu, qemu_pids_under, wait_until

CACHE = Path(os.environ.get("PYSH_TEST_CACHE", "/var/cache/pysh-test"))
TOOLS = ("mmdebstrap", "mkfs.ext4", "debugfs", "resize2fs", "mkfs.fat", "mcopy", "syslinux",
         "openssl", "sshpass", "ssh", "ssh-keygen")

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="building the Debian base image needs root"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason=f"needs {', '.join(TOOLS)} (scripts/test-packages.txt)"),
]

SSH_PORT = 10022   # the course's port; free, since the namespace is ours


@pytest.fixture(scope="module")
def netns():
    """A network namespace with only lo, up: ("ip", "netns", "exec", NAME) runs a command in it."""
    name = f"pysh-vm-debian-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        prefix = ("ip", "netns", "exec", name)
        subprocess.run([*prefix, "ip", "link", "set", "lo", "up"], check=True)
        yield prefix
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


@pytest.fixture(scope="module")
def debian(tmp_path_factory, netns):
    home = tmp_path_factory.mktemp("vmh")
    runner = VmRunner(home, prefix=netns, env={"PYSH_CACHE": str(CACHE)})
    runner.work = tmp_path_factory.mktemp("disks")
    yield runner
    runner.kill_all()
    for pid in qemu_pids_under(home):
        os.kill(pid, 9)


@pytest.fixture(scope="module")
def disks(debian):
    """Two disks: the course's defaults, then one with its own password and an ssh key (the
    second bootstrap must reuse the cached base)."""
    work = debian.work
    # outside the namespace: mmdebstrap fetches packages from the machine's apt sources
    bootstrap = VmRunner(debian.home, env={"PYSH_CACHE": str(CACHE)})
    from netns import in_host_network

    with in_host_network():
        default = bootstrap("bootstrap", "debian", str(work / "mydebian.qcow2"), timeout=1800)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / "id")],
                   check=True)
    custom = bootstrap("bootstrap", "debian", str(work / "custom.qcow2"), "--size", "3G",
                    "--password", "s3cret", "--ssh-key", str(work / "id.pub"), timeout=600)
    return {"default": default, "custom": custom, "key": work / "id"}


def ssh(debian, user, *command, password=None, key=None, timeout=60):
    argv = [*debian.prefix]
    if password is not None:
        argv += ["sshpass", "-p", password]
    argv += ["ssh", "-p", str(SSH_PORT), "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
             "-o", "ConnectTimeout=20"]
    if key:
        argv += ["-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no"]
    else:
        argv += ["-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1"]
    argv += [f"{user}@127.0.0.1", *command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_bootstrap_reuses_the_cached_base(debian, disks):
    assert disks["default"].stdout == f"{debian.work / 'mydebian.qcow2'}\n"
    assert "warning: root and chps have the password 'toto'" in disks["default"].stderr
    # the second disk: no mmdebstrap, the cached base
    assert "using the cached base image" in disks["custom"].stderr
    assert "mmdebstrap" not in disks["custom"].stderr
    assert "the password 'toto'" not in disks["custom"].stderr
    for name, size in (("mydebian", 4 << 30), ("custom", 3 << 30)):
        info = json.loads(subprocess.run(["qemu-img", "info", "--output=json",
                                          str(debian.work / f"{name}.qcow2")],
                                         capture_output=True, text=True, check=True).stdout)
        assert info["format"] == "qcow2" and info["virtual-size"] == size
        assert info["actual-size"] < 1 << 30   # the free space is not stored
    assert sorted(p.name for p in debian.work.iterdir()) == [
        "custom.qcow2", "id", "id.pub", "mydebian.qcow2"]   # no scratch left behind


@pytest.mark.parametrize("args, message", [
    (("bootstrap", "ubuntu"), "only debian"),
    (("bootstrap", "debian", "{work}/mydebian.qcow2"), "file exists"),
    (("bootstrap", "debian", "{work}/small.qcow2", "--size", "100M"), "needs at least"),
    (("bootstrap", "debian", "{work}/k.qcow2", "--ssh-key", "/etc/hostname"), "public key"),
    (("bootstrap", "debian", "{work}/k.qcow2", "--ssh-key", "/nonexistent"), "No such file"),
    (("bootstrap", "debian", "{work}/h.qcow2", "--hostname", "a_b"), "--hostname"),
    (("bootstrap", "debian", "{work}/p.qcow2", "--password", ""), "empty password"),
])
def test_bootstrap_bad_input(debian, disks, args, message):
    result = debian(*(a.format(work=debian.work) for a in args), check=False)
    assert result.status != 0 and result.stderr.startswith("pysh: vm: "), result
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in debian.work.iterdir()) == [
        "custom.qcow2", "id", "id.pub", "mydebian.qcow2"]


@pytest.fixture(scope="module")
def guest(debian, disks):
    """The custom disk booted as the course does (-smp 2 -m 2048, port 10022 to 22), with
    room for 2 more CPUs and a balloon; ready once sshd answers."""
    debian("create", "mydebian", "--disk", str(debian.work / "custom.qcow2"), "--smp", "2",
           "--maxcpus", "4", "-m", "2048", "--balloon", "--fwd", f"{SSH_PORT}:22")
    debian("start", "mydebian", "-d")
    wait_until(lambda: ssh(debian, "root", "true", password="s3cret").returncode == 0, 300,
               "sshd in the guest to answer")
    return debian


def test_login_prompt_on_the_serial_console(guest):
    console = pexpect.spawn(sys.executable, ["-m", "pyshell.vm", "console", "mydebian"],
                            env=guest.env, encoding="utf-8", timeout=60)
    try:
        console.expect("connected to the console of mydebian")
        console.sendline("")
        console.expect("custom login: ")   # the hostname comes from the file's name
        console.sendline("root")
        console.expect("Password: ")
        console.sendline("s3cret")
        console.expect("root@custom:~# ")
        console.sendline("echo $((6 * 7))")
        console.expect("42")
        # exit only once 42 is out: the hang-up at the shell's exit flushes what the guest's
        # serial port has not sent yet (uart_hangup), and under TCG that can be the answer
        console.expect("root@custom:~# ")
        console.sendline("exit")
        console.expect("login: ")
        console.send("\x1d")   # Ctrl-]
        console.expect(r"\[detached\]")
        console.expect(pexpect.EOF)
    finally:
        console.close(force=True)


def test_ssh_with_the_password(guest):
    done = ssh(guest, "root", "uname -a; nproc", password="s3cret")
    assert done.returncode == 0, done.stderr
    uname, nproc = done.stdout.splitlines()
    assert uname.startswith("Linux custom 6.") and uname.endswith("GNU/Linux")
    assert nproc == "2"
    assert ssh(guest, "root", "true", password="toto").returncode != 0   # not the default


def test_ssh_key_logs_in_chps(guest, disks):
    done = ssh(guest, "chps", "id -un; groups", key=disks["key"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["chps", "chps sudo"]


def test_exec_through_the_guest_agent(guest):
    assert guest("exec", "mydebian", "--", "uname", "-n").stdout == "custom\n"
    result = guest("exec", "mydebian", "--", "sh", "-c", "echo out; echo err >&2; exit 3",
                   check=False)
    assert (result.status, result.stdout, result.stderr) == (3, "out\n", "err\n")
    # the DHCP lease of QEMU's user network, by systemd-networkd
    address = guest("exec", "mydebian", "--", "ip", "-4", "-o", "addr", "show", "eth0").stdout
    assert "inet 10.0.2.15/24" in address


def test_cpu_hotplug_seen_by_nproc(guest):
    assert guest("cpu", "mydebian", "add").stdout == "cpu1\n"
    # the udev rule onlines it (a hot-added CPU arrives offline)
    wait_until(lambda: ssh(guest, "root", "nproc", password="s3cret").stdout == "3\n", 60,
               "the guest to see 3 CPUs")


def test_balloon_seen_by_free(guest):
    def total_mib():
        done = ssh(guest, "root", "free -m", password="s3cret")
        return int(done.stdout.splitlines()[1].split()[1])   # Mem: total used free ...

    before = total_mib()
    assert before > 1800
    guest("balloon", "mydebian", "1024")
    wait_until(lambda: total_mib() < before - 900, 60, "free to show about 1 GiB less")
    guest("balloon", "mydebian", "2048")
    wait_until(lambda: total_mib() == before, 60, "the memory to come back")


def test_stop_is_a_clean_acpi_poweroff(guest):
    [pid] = guest.pids()
    assert guest("stop", "mydebian").stdout == "mydebian stopped (ACPI power button)\n"
    log = (guest.home / "vms" / "mydebian" / "console.log").read_text(errors="replace")
    assert "System Power Off" in log and "reboot: Power down" in log   # systemd's shutdown
    assert not Path(f"/proc/{pid}/cmdline").exists() or \
        Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    assert guest("ls").stdout.splitlines()[1].split()[1:3] == ["stopped", "-"]
    guest("rm", "mydebian")
    assert qemu_pids_under(guest.home) == []
