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
