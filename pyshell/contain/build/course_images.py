"""The course's images with no registry: `contain bootstrap redis | nginx | php:apache | python:3`.

Each image is a Dockerfile kept in the package (build/dockerfiles/DIRECTORY/), built FROM
debian:bookworm by our own builder, so it is made of Debian's packages and says in its
config what the official image says (Cmd, Entrypoint, ExposedPorts, WorkingDir, Env,
StopSignal). Its RUN steps fetch Debian packages through apt (the host's network), once:

* in one store, a second bootstrap finds every step in the build cache;
* in a fresh store (a test session, a new PYSH_HOME), the image comes back from an
  archive of the first build kept in cache_dir()/course-images/, named by a hash of the
  Dockerfile's directory and of the Debian tarball it was built on: change either and
  it is built again.

With a registry reachable, `contain run redis` pulls the real image instead (image/first_use.py):
these are for offline classrooms and tests.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

from pyshell.contain.image.bootstrap import bootstrap as bootstrap_from_host, cache_dir, debian_rootfs_tar
from pyshell.contain.image.store import Image, ImageStore
from pyshell.errors import ContainerError
from pyshell.record import Record
from pyshell.statedir import locked

DOCKERFILES = Path(__file__).resolve().parent / "dockerfiles"
BASE_SUITE = "bookworm"  # every Dockerfile says FROM debian:bookworm


class CourseImage(Record):
    directory: str            # under DOCKERFILES
    tags: tuple[str, ...]     # the first is the name the image is bootstrapped by


COURSE_IMAGES = {
    "redis": CourseImage(directory="redis", tags=("redis:latest",)),
    "nginx": CourseImage(directory="nginx", tags=("nginx:latest",)),
    "php:apache": CourseImage(directory="php-apache", tags=("php:apache",)),
    "python:3": CourseImage(directory="python3", tags=("python:3", "python:latest")),
}
ALIASES = {"redis:latest": "redis", "nginx:latest": "nginx", "php": "php:apache",
           "python": "python:3", "python:latest": "python:3"}


def bootstrap(store: ImageStore, what: str, log: Callable[[str], None] = lambda line: None) -> Image:
    """busybox and debian[:SUITE] from the host's packages, the course's images by building them."""
    name = ALIASES.get(what, what)
    if name not in COURSE_IMAGES:
        if what.partition(":")[0] in ("busybox", "debian"):
            return bootstrap_from_host(store, what, log)
        raise ContainerError(f"cannot bootstrap {what!r}: choose busybox, debian[:SUITE], "
                             f"{', '.join(COURSE_IMAGES)}")
    return bootstrap_course_image(store, name, COURSE_IMAGES[name], log)


def bootstrap_course_image(store: ImageStore, name: str, course_image: CourseImage, log) -> Image:
    context = DOCKERFILES / course_image.directory
    tarball = debian_rootfs_tar(BASE_SUITE, log)  # made once per machine (mmdebstrap)
    key = build_key(context, tarball)
    archive = cache_dir() / "course-images" / f"{course_image.directory}-{key}.tar"
    if archive.exists():
        image = _load(store, archive, course_image.tags)
        log(f"{course_image.tags[0]} {image.id} (from the cache: {archive})")
        return image
    archive.parent.mkdir(parents=True, exist_ok=True)
    with locked(archive.parent / f"{course_image.directory}.lock"):
        if archive.exists():  # another bootstrap built it while we waited
            return _load(store, archive, course_image.tags)
        image = _build(store, context, course_image.tags, log)
        _save(store, course_image.tags, archive)
    log(f"{course_image.tags[0]} {image.id}")
    return image


def build_key(context: Path, tarball: Path) -> str:
    """A hash of every file of the Dockerfile's directory and of the base tarball's identity."""
    digest = hashlib.sha256()
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(context)).encode() + b"\0")
        digest.update(f"{path.stat().st_mode & 0o777:o}".encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    made = tarball.stat()
    digest.update(f"{tarball.name} {made.st_size} {int(made.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def _build(store: ImageStore, context: Path, tags: tuple[str, ...], log) -> Image:
    from pyshell.contain.build.builder import BuildOptions, build

    base = f"debian:{BASE_SUITE}"
    try:
        store.resolve(base)
    except ContainerError:
        bootstrap_from_host(store, base, log)
    log(f"building {tags[0]} from {context} (Debian packages through apt, once)")
    return build(store, BuildOptions(context=context, tags=tags), lambda text: log(text.rstrip("\n")))


def _save(store: ImageStore, tags: tuple[str, ...], archive: Path) -> None:
    from pyshell.contain.image.oci import save_archive

    partial = archive.with_name(f".partial-{os.getpid()}-{archive.name}")
    try:
        with open(partial, "wb") as output:
            save_archive(store, list(tags), output)
        os.replace(partial, archive)
    finally:
        partial.unlink(missing_ok=True)


def _load(store: ImageStore, archive: Path, tags: tuple[str, ...]) -> Image:
    from pyshell.contain.image.oci import load_archive

    loaded = load_archive(store, archive)
    image = loaded[0][0]
    for tag in tags:  # the archive names them too; this keeps an older archive's image tagged
        store.tag(image.id, tag)
    return store.get(image.id)
