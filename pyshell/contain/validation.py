"""Flag values checked against what Docker and the kernel accept, before anything is made.

Each function takes the text of one flag and returns the value the spec holds, or raises
ContainerError (status 125, as Docker's usage errors) with Docker's wording where Docker has
one. A value the kernel would silently change (a memory limit that wraps around to 0, a
signal number it does not have) is refused here instead.
"""

from __future__ import annotations

from pathlib import Path

from pyshell.errors import ContainerError


def seccomp_setting(values: list[str]) -> str:
    """--security-opt seccomp=FILE|unconfined (also the old seccomp:FILE) and no-new-privileges
    (always on here) -> what ContainerSpec.seccomp holds: "" for the default profile,
    "unconfined", or the profile's JSON text (read now, as Docker keeps it with the container)."""
    from pyshell.contain import seccomp

    setting = ""
    for value in values:
        key, separator, argument = value.partition("=")
        if not separator and value.startswith("seccomp:"):
            key, separator, argument = value.partition(":")
        if key in ("no-new-privileges", "no-new-privileges:true") or value == "no-new-privileges=true":
            continue
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
        try:
            seccomp.read_profile(text, f"profile {argument}")
        except ContainerError as error:
            raise ContainerError(error.message, 125) from None
        setting = text
    return setting


def device(text: str):
    """--device HOST[:CONTAINER][:PERMISSIONS] (Docker's parsing) -> a spec.Device, the host's
    node looked up now (as Docker does at create)."""
    from pyshell.contain import devices
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
