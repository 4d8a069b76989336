"""Pull on first use: `contain run IMAGE` pulls an IMAGE the store does not have, as Docker does.

    $ contain run redis
    Unable to find image 'redis:latest' locally
    latest: Pulling from library/redis
    ...

``--pull missing`` (the default) pulls only what is missing, ``--pull always`` asks the
registry every time, ``--pull never`` uses the store alone. With no registry reachable
(a classroom, a CI machine), the error says in one line how to make the image here
instead: ``contain bootstrap NAME`` builds the course's images from Debian packages.
"""

from __future__ import annotations

from collections.abc import Callable

from pyshell.contain.image.store import Image, ImageStore, parse_reference
from pyshell.errors import ContainerError

PULL_POLICIES = ("missing", "always", "never")

# Repository -> what `contain bootstrap` makes for it with no registry (busybox and debian
# come from the host's packages, the others are built by build/course_images.py from Debian's).
OFFLINE_IMAGES = {
    "library/busybox": "busybox",
    "library/debian": "debian",
    "library/redis": "redis",
    "library/nginx": "nginx",
    "library/php": "php:apache",
    "library/python": "python:3",
}


def find_or_pull(store: ImageStore, reference: str, policy: str = "missing",
                 progress: Callable[[str], None] = lambda text: None) -> Image:
    """The image ``reference`` names: from the store, else (or always) from its registry."""
    if policy not in PULL_POLICIES:
        raise ContainerError(f'invalid pull option: "{policy}": use missing, always or never', 125)
    if policy != "always":
        try:
            return store.resolve(reference)
        except ContainerError:
            named = _familiar(reference)
            if named is None:  # an image id prefix: no registry can help
                raise
            if policy == "never":
                raise ContainerError(f"No such image: {named} (and --pull never)", 125) from None
        progress(f"Unable to find image '{named}' locally\n")
        reference = named  # as Docker: no "Using default tag" after the line above
    try:
        return pull_or_explain(store, reference, progress)
    except ContainerError as error:
        raise ContainerError(error.message, 125) from None  # `docker run`'s status for a failed pull


def pull_or_explain(store: ImageStore, reference: str, progress: Callable[[str], None],
                    interactive: bool | None = None) -> Image:
    """registry.pull, with an unreachable registry turned into a one-line way out."""
    from pyshell.contain.image import registry

    try:
        return registry.pull(store, reference, progress=progress, interactive=interactive)
    except registry.RegistryUnreachable as error:
        raise ContainerError(f"cannot pull {_familiar(reference) or reference}: {error.message}; "
                             f"{offline_hint(reference)}") from None


def offline_hint(reference: str) -> str:
    """How to make ``reference`` with no registry: the bootstrap that makes it, or the choices."""
    parsed = parse_reference(reference)
    made_here = OFFLINE_IMAGES.get(parsed.repository) if parsed.registry == "docker.io" else None
    if made_here:
        return f"to make it here with no registry: contain bootstrap {made_here}"
    choices = ", ".join(OFFLINE_IMAGES.values())
    return f"with no registry, build it with contain build, or bootstrap one of: {choices}"


def _familiar(reference: str) -> str | None:
    """'redis' -> 'redis:latest' (what Docker's messages call it); None for an image id."""
    if reference.startswith("sha256:"):
        return None
    try:
        return parse_reference(reference).familiar
    except ContainerError:
        return None
