"""The image subcommands of `contain`: images, tag, rmi, import, bootstrap, image-inspect,
build, save, load, pull, push, login, logout. Flags in, pyshell.contain.api calls, text out.
"""

from __future__ import annotations

import os
import sys

from pyshell.contain import api
from pyshell.contain.cli.flags import at_least, command, exactly
from pyshell.contain.cli.format import documents, err, human_age, human_size, out, table
from pyshell.errors import ContainerError


def images_command(name: str, usage: str, summary: str, flags: str = "", aliases: tuple[str, ...] = ()):
    return command(name, usage, summary, flags, group="Images", aliases=aliases)


def at_most(name: str, count: int, words: list[str]) -> list[str]:
    if len(words) > count:
        raise ContainerError(f'"contain {name}" accepts at most {count} argument{"s" if count != 1 else ""}', 1)
    return words


@images_command("images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images", "all quiet no_trunc")
def images_list(options: dict, words: list[str]) -> int:
    wanted = at_most("images", 1, words)[0] if words else None
    rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]]
    quiet_ids: list[str] = []
    for image in api.images(all=bool(options.get("all"))):
        shown_id = image.id if options.get("no_trunc") else image.short_id
        for tag in image.repo_tags or ["<none>:<none>"]:
            repository, _, tag_name = tag.rpartition(":")
            if wanted and not _matches(wanted, repository, tag_name):
                continue
            rows.append([repository, tag_name, shown_id, human_age(image.created), human_size(image.size)])
            if shown_id not in quiet_ids:
                quiet_ids.append(shown_id)
    if options.get("quiet"):
        out("".join(f"{i}\n" for i in quiet_ids))
    else:
        out(table(rows))
    return 0


def _matches(pattern: str, repository: str, tag: str) -> bool:
    want_repo, _, want_tag = pattern.partition(":")
    return want_repo == repository and (not want_tag or want_tag == tag)


@images_command("tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Give an image another name")
def tag_command(options: dict, words: list[str]) -> int:
    source, target = exactly("tag", 2, words)
    api.tag(source, target)
    return 0


@images_command("rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove images (untag, then delete what nothing uses)",
                "force")
def rmi_command(options: dict, words: list[str]) -> int:
    status = 0
    for reference in at_least("rmi", 1, words):
        try:
            for line in api.remove_image(reference, force=bool(options.get("force"))):
                out(line + "\n")
        except ContainerError as error:
            err(f"pysh: contain rmi: {error.message}\n")
            status = 1
    return status


@images_command("import", "[OPTIONS] ROOTFS.tar|- [NAME[:TAG]]",
                "Make a one-layer image from a root filesystem tar (gzip'd or not)", "change message")
def import_command(options: dict, words: list[str]) -> int:
    at_least("import", 1, at_most("import", 2, words))
    tarball, reference = words[0], (words[1] if len(words) == 2 else None)
    if tarball == "-":
        source = sys.stdin.buffer
    else:
        if not os.path.isfile(tarball):
            problem = "not a file" if os.path.exists(tarball) else "no such file"
            raise ContainerError(f"{problem}: {tarball}")
        source = tarball
    image = api.import_image(source, reference, options["change"], created_by=f"contain import {tarball}")
    out(image.id + "\n")
    return 0


@images_command("bootstrap", "busybox | debian[:SUITE] | redis | nginx | php:apache | python:3",
                "Make an image with no registry: busybox (busybox-static), debian (mmdebstrap), or one of "
                "the course's images built from Debian packages")
def bootstrap_command(options: dict, words: list[str]) -> int:
    (what,) = exactly("bootstrap", 1, words)
    image = api.bootstrap(what, log=lambda line: err(line + "\n"))
    out(f"{image.id}\n")
    return 0


@images_command("image-inspect", "[OPTIONS] IMAGE [IMAGE...]", "Show images' configs as JSON", "format")
def inspect_image(options: dict, words: list[str]) -> int:
    found = [api.inspect_image(reference) for reference in at_least("image-inspect", 1, words)]
    out(documents(found, options.get("format")))
    return 0


@images_command("save", "[OPTIONS] IMAGE [IMAGE...]",
                "Write images to a tar: an OCI image layout that is also a docker-save archive", "output")
def save_command(options: dict, words: list[str]) -> int:
    references = at_least("save", 1, words)
    output = options.get("output")
    if not output and os.isatty(1):
        raise ContainerError("cowardly refusing to write an archive to a terminal (use -o FILE or a redirection)")
    api.save_images(references, output)
    return 0


@images_command("load", "[OPTIONS]", "Load images from an OCI layout or docker-save archive (tar or directory)",
                "input quiet")
def load_command(options: dict, words: list[str]) -> int:
    exactly("load", 0, words)
    if not options.get("input") and os.isatty(0):
        raise ContainerError("requested load from stdin, but stdin is a terminal (use -i FILE)")
    loaded = api.load_images(options.get("input"))
    if not options.get("quiet"):
        for image, tags in loaded:
            out("".join(f"Loaded image: {tag}\n" for tag in tags) or f"Loaded image ID: {image.id}\n")
    return 0


@images_command("build", "[OPTIONS] CONTEXT", "Build an image from a Dockerfile (or Containerfile)",
                "tag file build_arg no_cache target build_network quiet")
def build_command(options: dict, words: list[str]) -> int:
    from pathlib import Path

    (context_text,) = exactly("build", 1, words)
    network = options.get("build_network") or "host"
    if network not in ("host", "none", "default", "bridge"):
        raise ContainerError(f"--network {network}: use host, none or bridge", 125)
    network = "host" if network == "default" else network  # pysh's builds default to the host's network
    build_args = {}
    for item in options["build_arg"]:
        key, equal, value = item.partition("=")
        if equal:
            build_args[key] = value
        elif key in os.environ:
            build_args[key] = os.environ[key]
    context = Path(context_text).resolve()
    dockerfile = None
    file_text = options.get("file")
    if file_text:
        dockerfile = Path(file_text) if file_text != "-" else None
        if dockerfile is not None and not dockerfile.is_absolute() and not dockerfile.exists():
            dockerfile = context / file_text
        if dockerfile is not None and not dockerfile.is_file():
            problem = "not a file" if dockerfile.exists() else "no such file"
            raise ContainerError(f"{problem}: {file_text}")
    image = api.build(api.build_options(context=context, dockerfile=dockerfile, tags=tuple(options["tag"]),
                                        build_args=build_args, no_cache=bool(options.get("no_cache")),
                                        target=options.get("target"),
                                        network="host" if network == "default" else network,
                                        quiet=bool(options.get("quiet"))),
                      output=out, progress=err)
    if options.get("quiet"):
        out(image.id + "\n")
    return 0


@images_command("pull", "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry (Docker Hub by default)",
                "quiet registry")
def pull_command(options: dict, words: list[str]) -> int:
    (reference,) = exactly("pull", 1, words)
    if options.get("registry"):
        reference = f"{options['registry']}/{reference}"
    quiet = bool(options.get("quiet"))
    image = api.pull(reference, progress=None if quiet else out, interactive=os.isatty(1))
    out(f"{reference}\n" if not quiet else f"{image.id}\n")
    return 0


@images_command("push", "[OPTIONS] NAME[:TAG]", "Upload an image to a registry", "quiet registry")
def push_command(options: dict, words: list[str]) -> int:
    (reference,) = exactly("push", 1, words)
    if options.get("registry"):
        target = f"{options['registry']}/{reference}"
        api.tag(reference, target)
        reference = target
    api.push(reference, progress=None if options.get("quiet") else out, interactive=os.isatty(1))
    return 0


@images_command("login", "[OPTIONS] [REGISTRY]", "Check and store registry credentials (file mode 0600)",
                "username password password_stdin")
def login_command(options: dict, words: list[str]) -> int:
    registry = api.registry_of(at_most("login", 1, words)[0] if words else None)
    user, password = options.get("username"), options.get("password")
    if options.get("password_stdin"):
        password = sys.stdin.readline().rstrip("\n")
    if not user:
        if not os.isatty(0):
            raise ContainerError("give a user name with -u (stdin is not a terminal)")
        err("Username: ")
        user = sys.stdin.readline().strip()
    if password is None:
        import getpass

        password = getpass.getpass("Password: ")
    if not user or not password:
        raise ContainerError("user name and password are required")
    api.login(registry, user, password)
    out("Login Succeeded\n")
    return 0


@images_command("logout", "[REGISTRY]", "Forget stored registry credentials")
def logout_command(options: dict, words: list[str]) -> int:
    registry = api.registry_of(at_most("logout", 1, words)[0] if words else None)
    if not api.logout(registry):
        raise ContainerError(f"not logged in to {registry}")
    out(f"Removing login credentials for {registry}\n")
    return 0
