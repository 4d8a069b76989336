"""Address leases on disk: which container holds which address on which bridge.

A bridge lives in a network namespace, not in a PYSH_HOME: two homes (root's, a test's) that
start containers in the same namespace share pysh0, so they must share its leases. The state
of a namespace's networks is therefore kept under /run (gone at reboot, as the bridges are),
in a directory named after the namespace (its inode, as `stat /proc/self/ns/net` shows)::

    /run/pysh/net-4026532301/
        lock                      flock(2): taken to lease, to make or remove a bridge
        pysh0/network.json        the network as this namespace has it: subnet, gateway, ...
        pysh0/leases/172.17.0.2   one file per address: {"container": ID, "name": ..., ...}

A lease file is made with O_CREAT|O_EXCL, so two commands can never take one address, and its
content is written before it is linked into place (atomic). The supervisor removes it when the
container's PID 1 exits; after a crash (`kill -9` of the supervisor) the lease is stale: the
container's veth is gone (it dies with the namespace) and the lease is older than the longest
start, so the next allocation on the bridge takes it back (``reclaim_stale``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import struct
import time

from pyshell.contain.kernel.osio import remove_tree

RUN_ROOT = "/run/pysh"
STALE_AFTER = 30.0  # seconds: a lease with no veth, older than any container start takes


SO_NETNS_COOKIE = 71  # linux/socket.h: a 64-bit id of the socket's namespace, never reused


def netns_key() -> str:
    """The current network namespace, as a file name."""
    return f"net-{os.stat('/proc/self/ns/net').st_ino}"


def netns_cookie() -> str:
    """The kernel's cookie of the current network namespace. An inode number is reused once its
    namespace is gone, a cookie never: it tells a directory of ours from a dead namespace's."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        return sock.getsockopt(socket.SOL_SOCKET, SO_NETNS_COOKIE, 8).hex()


def realised(runtime: str) -> list[dict]:
    """The networks this namespace has (their network.json under /run): for the firewall, the
    name server, and the choice of a new network's subnet."""
    found = []
    try:
        names = sorted(os.listdir(runtime))
    except FileNotFoundError:
        return found
    for name in names:
        try:
            with open(f"{runtime}/{name}/network.json") as file:
                found.append(json.load(file))
        except (OSError, ValueError):
            continue
    return found


def runtime_dir() -> str:
    """This namespace's directory, made on first use. Then also: the directories of namespaces
    that no longer exist go (tests make and drop namespaces by the hundred), and one left by a
    dead namespace whose inode number ours now has is replaced."""
    path = f"{RUN_ROOT}/{netns_key()}"
    cookie = netns_cookie()
    try:
        with open(f"{path}/cookie") as file:
            if file.read().strip() == cookie:
                return path  # the common case: ours, made before
    except OSError:
        pass
    os.makedirs(RUN_ROOT, mode=0o755, exist_ok=True)
    with locked(RUN_ROOT):
        try:
            with open(f"{path}/cookie") as file:
                if file.read().strip() == cookie:
                    return path  # another command made it meanwhile
        except OSError:
            pass
        remove_directory(path)  # a dead namespace's, with the same inode number
        os.makedirs(path, mode=0o755)
        write_atomically(f"{path}/cookie", cookie + "\n")
        sweep_dead_namespaces()
    return path


def live_netns_inodes() -> set[int]:
    """Inodes of the network namespaces that exist: those of processes, of their open fds,
    and of bind mounts (`ip netns add`). Reading another's fds needs root: as another user we
    would see less, so only root sweeps."""
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            found.add(os.stat(f"/proc/{pid}/ns/net").st_ino)
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("net:["):
                    found.add(int(target[5:-1]))
        except OSError:
            continue
    try:
        with open("/proc/self/mountinfo") as file:
            for line in file:
                fields = line.split()
                if fields[3].startswith("net:["):
                    found.add(int(fields[3][5:-1]))
    except (OSError, IndexError, ValueError):
        pass
    return found


def sweep_dead_namespaces() -> list[str]:
    """Remove the directories of namespaces that are gone; the caller holds RUN_ROOT's lock."""
    if os.geteuid() != 0:
        return []
    live = live_netns_inodes()
    removed = []
    for name in os.listdir(RUN_ROOT):
        if name.startswith("net-") and name[4:].isdigit() and int(name[4:]) not in live:
            remove_directory(f"{RUN_ROOT}/{name}")
            removed.append(name)
    return removed


def remove_directory(path: str) -> None:
    """rm -rf of a directory of ours under /run, errors ignored (as shutil.rmtree's ignore_errors,
    without shutil's imports: kernel/osio.py)."""
    with contextlib.suppress(OSError):
        remove_tree(path)


@contextlib.contextmanager
def locked(directory: str, name: str = "lock"):
    fd = os.open(f"{directory}/{name}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_atomically(path: str, text: str) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w") as file:
        file.write(text)
    os.replace(temporary, path)


# --------------------------------------------------------------------------- IPv4 arithmetic


def to_int(address: str) -> int:
    return struct.unpack("!I", socket.inet_aton(address))[0]


def to_text(number: int) -> str:
    return socket.inet_ntoa(struct.pack("!I", number))


def parse_cidr(text: str) -> tuple[int, int]:
    """"172.18.0.0/16" -> (network as an int, prefix length); raises ValueError."""
    address, slash, prefix_text = text.partition("/")
    if not slash or not prefix_text.isdigit() or not 8 <= int(prefix_text) <= 30:
        raise ValueError(f"invalid subnet {text!r}: use A.B.C.D/N with N from 8 to 30")
    try:
        number = to_int(address)
    except OSError:
        raise ValueError(f"invalid subnet {text!r}") from None
    prefix = int(prefix_text)
    mask = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
    return number & mask, prefix


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    prefix = min(a[1], b[1])
    mask = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
    return a[0] & mask == b[0] & mask


def contains(subnet: tuple[int, int], address: int) -> bool:
    return overlaps(subnet, (address, 32))


# --------------------------------------------------------------------------- leases


def lease_dir(network_dir: str) -> str:
    return f"{network_dir}/leases"


def read_leases(network_dir: str) -> dict[str, dict]:
    leases = {}
    try:
        names = os.listdir(lease_dir(network_dir))
    except FileNotFoundError:
        return leases
    for address in names:
        if address.endswith(".tmp"):
            continue
        try:
            with open(f"{lease_dir(network_dir)}/{address}") as file:
                leases[address] = json.loads(file.read() or "{}")
        except (OSError, ValueError):
            continue
    return leases


def _is_stale(path: str, lease: dict) -> bool:
    veth = lease.get("veth")
    if veth:
        try:
            socket.if_nametoindex(veth)
            return False  # its container's namespace is alive
        except OSError:
            pass
    try:
        return time.time() - os.stat(path).st_mtime > STALE_AFTER
    except FileNotFoundError:
        return False


def reclaim_stale(network_dir: str) -> list[str]:
    """Remove leases whose container died without releasing them; the caller holds the lock."""
    reclaimed = []
    for address, lease in read_leases(network_dir).items():
        path = f"{lease_dir(network_dir)}/{address}"
        if _is_stale(path, lease):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            reclaimed.append(address)
    return reclaimed


def take(network_dir: str, subnet: tuple[int, int], gateway: int, lease: dict, wanted: str = "") -> str:
    """Lease ``wanted`` or the lowest free address of ``subnet``; the caller holds the lock.
    Returns the address; raises ValueError with Docker's wording when none can be had."""
    os.makedirs(lease_dir(network_dir), exist_ok=True)
    taken = set(read_leases(network_dir))
    network, prefix = subnet
    last = network | ((1 << (32 - prefix)) - 1)  # the broadcast address
    if wanted:
        number = to_int(wanted)
        if not contains(subnet, number) or number in (network, last):
            raise ValueError(f"no configured subnet contains IP address {wanted}")
        if number == gateway or wanted in taken:
            raise ValueError(f"Address already in use: {wanted}")
        candidates = [number]
    else:
        candidates = (n for n in range(network + 1, last) if n != gateway and to_text(n) not in taken)
    text = json.dumps(lease)
    for number in candidates:
        address = to_text(number)
        if _create_exclusive(f"{lease_dir(network_dir)}/{address}", text):
            return address
        if wanted:
            raise ValueError(f"Address already in use: {wanted}")
    raise ValueError(f"no available IPv4 addresses on the network (subnet {to_text(network)}/{prefix})")


def _create_exclusive(path: str, text: str) -> bool:
    """Write ``text`` to a temporary file, then link it as ``path`` only if nothing is there."""
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w") as file:
        file.write(text)
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def release(network_dir: str, address: str, container_id: str) -> None:
    """Give ``address`` back, if ``container_id`` still holds it (tolerant of what is gone)."""
    path = f"{lease_dir(network_dir)}/{address}"
    try:
        with open(path) as file:
            holder = json.loads(file.read() or "{}").get("container")
    except (OSError, ValueError):
        return
    if holder == container_id:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
