"""Flag values checked against what Docker and the kernel accept, before anything is made.

Each function takes the text of one flag and returns the value the spec holds, or raises
ContainerError (status 125, as Docker's usage errors) with Docker's wording where Docker has
one. A value the kernel would silently change (a memory limit that wraps around to 0, a
signal number it does not have) is refused here instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from pyshell.errors import ContainerError


def seccomp_setting(values: list[str]) -> str:
    """--security-opt seccomp=FILE|unconfined (also the old seccomp:FILE) and no-new-privileges
    (always on here) -> what ContainerSpec.seccomp holds: "" for the default profile,
    "unconfined", or the profile's JSON text (read now, as Docker keeps it with the container)."""
    from pyshell.contain.kernel import seccomp

    setting = ""
    for value in values:
        if value in ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"):
            continue
        if value in ("no-new-privileges:false", "no-new-privileges=false"):
            raise ContainerError("--security-opt no-new-privileges=false: contain always sets NO_NEW_PRIVS", 125)
        key, separator, argument = value.partition("=")
        if not separator and value.startswith("seccomp:"):
            key, separator, argument = value.partition(":")
        if key != "seccomp" or not separator:
            raise ContainerError(f'invalid --security-opt: "{value}" (this runtime knows seccomp=PROFILE|unconfined '
                                 "and no-new-privileges)", 125)
        if argument == seccomp.UNCONFINED:
            setting = seccomp.UNCONFINED
            continue
        try:
            text = Path(argument).read_text()
        except OSError as error:
            raise ContainerError(f"opening seccomp profile ({argument}) failed: {error.strerror}", 125) from None
        except UnicodeDecodeError:
            raise ContainerError(f"seccomp profile {argument}: not JSON (not even text)", 125) from None
        try:
            seccomp.read_profile(text, f"profile {argument}")
        except ContainerError as error:
            raise ContainerError(error.message, 125) from None
        setting = text
    return setting


def device(text: str):
    """--device HOST[:CONTAINER][:PERMISSIONS] (Docker's parsing) -> a spec.Device, the host's
    node looked up now (as Docker does at create)."""
    from pyshell.contain.kernel import devices
    from pyshell.contain.spec import Device

    parts = text.split(":")
    access = "rwm"
    if len(parts) == 3:
        host, target, access = parts
    elif len(parts) == 2 and _is_device_access(parts[1]):
        (host, access), target = parts, parts[0]
    elif len(parts) == 2:
        host, target = parts
    elif len(parts) == 1:
        host = target = parts[0]
    else:
        raise ContainerError(f'invalid argument "{text}" for "--device" flag: bad format for path: {text}', 125)
    if not _is_device_access(access) or not target.startswith("/") or not host.startswith("/"):
        raise ContainerError(f'invalid argument "{text}" for "--device" flag: bad format for path: {text}', 125)
    rule = devices.rule_for_node(host, access)
    return Device(host, target, access, rule.kind, rule.major, rule.minor)


def _is_device_access(text: str) -> bool:
    return bool(text) and set(text) <= set("rwm") and len(set(text)) == len(text)


# --------------------------------------------------------------------------- numbers the kernel takes

LARGEST_INT64 = 2**63 - 1         # Docker's flags are Go int64s; the kernel's memory limits fit in one too
PID_MAX_LIMIT = 4 * 1024 * 1024   # the largest pids.max the kernel accepts (kernel/pid.c PID_MAX_LIMIT)


def memory(text: str) -> int:
    """-m: a size the kernel can hold. A larger one would wrap around in the kernel's parser (to a
    few bytes: the first allocation is killed by the OOM killer, status 137 and no message)."""
    from pyshell.units import parse_size

    try:
        size = parse_size(text)
    except OverflowError:  # more digits than a float holds
        size = LARGEST_INT64 + 1
    if size > LARGEST_INT64:
        raise ContainerError(f'invalid argument "{text}" for "-m, --memory" flag: value out of range', 125)
    return size


def cpus(text: str) -> float:
    """--cpus: from 0.01 to the number of CPUs, as Docker says."""
    count = os.cpu_count() or 1
    try:
        value = float(text)
    except ValueError:
        raise ContainerError(f'invalid argument "{text}" for "--cpus" flag: not a number', 125) from None
    if not 0.01 <= value <= count:  # also false for nan
        raise ContainerError(f"Range of CPUs is from 0.01 to {count}.00, as there are only {count} CPUs available",
                             125)
    return value


def pids_limit(text: str) -> int:
    """--pids-limit N (N > 0) or -1 (unlimited); the kernel refuses more than PID_MAX_LIMIT."""
    number = _int64(text, "--pids-limit")
    if number == 0 or number < -1:
        raise ContainerError(f"--pids-limit {text}: use a positive number, or -1 for unlimited", 125)
    if number > PID_MAX_LIMIT:
        raise ContainerError(f"--pids-limit {text}: the kernel accepts at most {PID_MAX_LIMIT}", 125)
    return number


def restart_count(text: str) -> int:
    if not text.isdigit() or int(text) > LARGEST_INT64:
        raise ContainerError("invalid restart policy format: maximum retry count must be an integer", 125)
    return int(text)


def seconds(text: str, flag: str) -> float:
    """A number of seconds (stop -t): finite, not negative, within Docker's int64."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= LARGEST_INT64:
        raise ContainerError(f'invalid argument "{text}" for "{flag}" flag: use a number of seconds', 125)
    return value


def _int64(text: str, flag: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise ContainerError(f'invalid argument "{text}" for "{flag}" flag: not an integer', 125) from None
    if not -LARGEST_INT64 - 1 <= number <= LARGEST_INT64:
        raise ContainerError(f'invalid argument "{text}" for "{flag}" flag: value out of range', 125)
    return number


# --------------------------------------------------------------------------- signals, names, variables


def signal_number(text: str, status: int = 125) -> int:
    """'TERM', 'SIGTERM', 'sigterm', '15', 'SIGRTMIN+3' -> the number; the kernel has 1..SIGRTMAX."""
    import signal

    name = text.strip().upper()
    if name.isdigit():
        number = int(name)
    else:
        name = name if name.startswith("SIG") else f"SIG{name}"
        base, plus, offset = name.partition("+")
        if plus and base == "SIGRTMIN" and offset.isdigit():
            number = signal.SIGRTMIN + int(offset)
        elif name.startswith("SIGRTMAX-") and name[9:].isdigit():
            number = signal.SIGRTMAX - int(name[9:])
        else:
            number = getattr(signal.Signals, name, 0) if name.isidentifier() else 0
    if not 1 <= number <= signal.SIGRTMAX:
        raise ContainerError(f"Invalid signal: {text}", status)
    return int(number)


def environment_variable(text: str, flag: str = "-e, --env") -> str:
    """-e NAME=VALUE or -e NAME: a name is needed (Docker refuses '' and '=x')."""
    if not text or text.startswith("="):
        raise ContainerError(f'invalid argument "{text}" for "{flag}" flag: invalid environment variable: {text}',
                             125)
    return text
