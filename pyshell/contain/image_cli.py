"""The image subcommands of ``contain``: images, tag, rmi, import, bootstrap, inspect,
build, save, load, pull, push, login.

Each command is ``fn(argv) -> status`` (argv without the subcommand name) and is
listed in ``COMMANDS``; the ``contain`` front end (cli.py) dispatches to it.
Output goes straight to fd 1 with os.write, so the shell's redirections apply;
errors are one line on fd 2 (``pysh: contain rmi: no such image: x``), never a
traceback.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from typing import Callable

from pyshell.builtins import write_err as err, write_out as out
from pyshell.errors import ContainerError, PyshError
from pyshell.statedir import pysh_home

COMMANDS: dict[str, Callable[[list[str]], int]] = {}


def command(name: str):
    """Register ``fn`` as ``contain NAME`` and turn every failure into one line and a status."""

    def register(fn: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
        def run(argv: list[str]) -> int:
            sys.stdout.flush()
            try:
                return fn(argv)
            except _HelpShown:
                return 0
            except PyshError as error:
                err(f"pysh: contain {name}: {error.message}\n")
                return error.status
            except OSError as error:
                where = f": {error.filename}" if error.filename else ""
                err(f"pysh: contain {name}: {error.strerror or error}{where}\n")
                return 1
            except KeyboardInterrupt:
                err("\n")
                return 130
            except Exception as error:  # a bug: still one line, traceback only on request
                if os.environ.get("PYSH_DEBUG"):
                    raise
                err(f"pysh: contain {name}: internal error: {type(error).__name__}: {error}\n")
                return 1
            finally:
                sys.stdout.flush()

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        COMMANDS[name] = run
        return run

    return register


class _HelpShown(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as ContainerError (one line) and prints help with os.write."""

    def error(self, message):
        raise ContainerError(message, status=2)

    def _print_message(self, message, file=None):
        if message:
            (err if file is sys.stderr else out)(message)

    def exit(self, status=0, message=None):
        if message:
            err(message)
        raise _HelpShown()


def parser(name: str, description: str) -> _Parser:
    return _Parser(prog=f"contain {name}", description=description)


def store():
    from pyshell.contain.images import ImageStore

    return ImageStore(pysh_home())


# --------------------------------------------------------------------------- formatting


def human_size(size: int) -> str:
    """Docker's decimal units: 4.27MB, 512kB, 0B."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.3g}{unit}" if unit != "B" else f"{int(value)}B"
        value /= 1000
    return f"{size}B"


def human_age(created: str) -> str:
    """'2026-11-28T04:51:13.1Z' -> '5 minutes ago' (Docker's wording)."""
    try:
        when = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return created
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    seconds = (datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()
    for limit, unit, about in ((60, "second", None), (3600, "minute", "About a minute"),
                               (86400, "hour", "About an hour"), (86400 * 14, "day", None),
                               (86400 * 60, "week", None), (86400 * 730, "month", None)):
        if seconds < limit:
            break
    else:
        limit, unit, about = None, "year", None
    size = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800,
            "month": 2592000, "year": 31536000}[unit]
    count = int(seconds // size)
    if unit == "second":
        return "Less than a second ago" if count < 1 else f"{count} seconds ago"
    if count <= 1 and about:
        return f"{about} ago"
    return f"{max(count, 1)} {unit}{'s' if count > 1 else ''} ago"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["   ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- commands


@command("images")
def images_command(argv: list[str]) -> int:
    """contain images [-a] [-q] [--no-trunc] [REPOSITORY[:TAG]]"""
    p = parser("images", "List images.")
    p.add_argument("-a", "--all", action="store_true", help="show intermediate build images too")
    p.add_argument("-q", "--quiet", action="store_true", help="only image ids")
    p.add_argument("--no-trunc", action="store_true", help="full image ids")
    p.add_argument("filter", nargs="?", help="REPOSITORY[:TAG]")
    args = p.parse_args(argv)
    rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]]
    quiet_ids: list[str] = []
    for image in store().list_images(include_hidden=args.all):
        shown_id = image.id if args.no_trunc else image.short_id
        for tag in image.repo_tags or ["<none>:<none>"]:
            repository, _, tag_name = tag.rpartition(":")
            if args.filter and not _matches(args.filter, repository, tag_name):
                continue
            rows.append([repository, tag_name, shown_id, human_age(image.created), human_size(image.size)])
            if shown_id not in quiet_ids:
                quiet_ids.append(shown_id)
    if args.quiet:
        out("".join(f"{i}\n" for i in quiet_ids))
    else:
        out(table(rows))
    return 0


def _matches(pattern: str, repository: str, tag: str) -> bool:
    want_repo, _, want_tag = pattern.partition(":")
    return want_repo == repository and (not want_tag or want_tag == tag)


@command("tag")
def tag_command(argv: list[str]) -> int:
    """contain tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]"""
    p = parser("tag", "Give an image another name.")
    p.add_argument("source")
    p.add_argument("target")
    args = p.parse_args(argv)
    store().tag(args.source, args.target)
    return 0


@command("rmi")
def rmi_command(argv: list[str]) -> int:
    """contain rmi [-f] IMAGE..."""
    p = parser("rmi", "Remove images (untag, then delete what nothing refers to).")
    p.add_argument("-f", "--force", action="store_true")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    args = p.parse_args(argv)
    image_store = store()
    status = 0
    for ref in args.images:
        try:
            for line in image_store.remove(ref, force=args.force, in_use=_container_using):
                out(line + "\n")
        except ContainerError as error:
            err(f"pysh: contain rmi: {error.message}\n")
            status = 1
    return status


def _container_using(image_id: str) -> str | None:
    """Name of a container made from ``image_id`` (the runtime's state knows), or None."""
    try:
        from pyshell.contain.state import image_users
    except ImportError:
        return None
    return image_users(pysh_home())(image_id)


@command("import")
def import_command(argv: list[str]) -> int:
    """contain import [-c INSTRUCTION]... ROOTFS.tar|- [NAME[:TAG]]"""
    p = parser("import", "Make a one-layer image from a root filesystem tar (gzip'd or not).")
    p.add_argument("-c", "--change", action="append", default=[], help='e.g. -c \'CMD ["sh"]\'')
    p.add_argument("-m", "--message", default="")
    p.add_argument("tarball")
    p.add_argument("reference", nargs="?")
    args = p.parse_args(argv)
    changes = _changes_from_instructions(args.change)
    if args.tarball == "-":
        source = sys.stdin.buffer
    else:
        if not os.path.isfile(args.tarball):
            problem = "not a file" if os.path.exists(args.tarball) else "no such file"
            raise ContainerError(f"{problem}: {args.tarball}")
        source = args.tarball
    image = store().import_rootfs(source, args.reference, changes,
                                  created_by=f"contain import {args.tarball}")
    out(image.id + "\n")
    return 0


def _changes_from_instructions(instructions: list[str]) -> dict:
    """-c 'CMD ["sh"]' / -c 'ENV A=1' ... -> Docker config keys (the build parser does the work)."""
    if not instructions:
        return {}
    from pyshell.contain.build import config_changes_from_instructions

    return config_changes_from_instructions(instructions)


@command("bootstrap")
def bootstrap_command(argv: list[str]) -> int:
    """contain bootstrap busybox | debian[:SUITE] | redis | nginx | php:apache | python:3"""
    p = parser("bootstrap", "Make an image with no registry: busybox (busybox-static), "
                            "debian[:SUITE] (mmdebstrap minbase), or one of the course's images "
                            "built from Debian packages: redis, nginx, php:apache, python:3.")
    p.add_argument("what", metavar="busybox|debian[:SUITE]|redis|nginx|php:apache|python:3")
    args = p.parse_args(argv)
    from pyshell.contain.course_images import bootstrap

    image = bootstrap(store(), args.what, log=lambda line: err(line + "\n"))
    out(f"{image.id}\n")
    return 0


def image_inspect_document(image) -> dict:
    """Docker's `image inspect` fields for one image."""
    oci = image.oci_config
    return {
        "Id": image.id,
        "RepoTags": list(image.repo_tags),
        "RepoDigests": list(image.repo_digests),
        "Parent": image.parent or "",
        "Comment": "",
        "Created": image.created,
        "Author": oci.get("author", ""),
        "Config": oci.get("config", {}),
        "Architecture": oci.get("architecture", "amd64"),
        "Os": oci.get("os", "linux"),
        "Size": image.size,
        "GraphDriver": {"Name": "overlay",
                        "Data": {"LowerDir": ":".join(str(d) for d in reversed(image.layer_dirs))}},
        "RootFS": {"Type": "layers", "Layers": list(image.diff_ids)},
        "History": oci.get("history", []),
    }


def render_format(template: str, document) -> str:
    """A tiny subset of Go templates: {{.A.B}} and {{json .A.B}}."""
    import re

    def lookup(path: str):
        value = document
        for key in filter(None, path.split(".")):
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def replace(match):
        is_json, path = match.group(1), match.group(2)
        value = lookup(path)
        if is_json:
            return json.dumps(value)
        if isinstance(value, list):
            return "[" + " ".join(str(v) for v in value) + "]"
        if isinstance(value, dict):
            return "map[" + " ".join(f"{k}:{v}" for k, v in value.items()) + "]"
        return "<no value>" if value is None else str(value)

    action = r"\{\{\s*(json\s+)?(\.[\w.]*)\s*\}\}"
    if "{{" in re.sub(action, "", template):  # an action this subset does not know, or unclosed
        raise ContainerError(f"template parsing error: {template!r} (this subset knows {{{{.A.B}}}} "
                             "and {{json .A.B}})")
    return re.sub(action, replace, template)


@command("inspect")
def inspect_image(argv: list[str]) -> int:
    """contain inspect [-f FORMAT] IMAGE... (the image half of `contain inspect`)"""
    p = parser("inspect", "Show images' configs as JSON.")
    p.add_argument("-f", "--format")
    p.add_argument("--type", choices=["image"], default="image")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    args = p.parse_args(argv)
    image_store = store()
    documents = [image_inspect_document(image_store.resolve(ref)) for ref in args.images]
    if args.format:
        out("".join(render_format(args.format, d) + "\n" for d in documents))
    else:
        out(json.dumps(documents, indent=4) + "\n")
    return 0


@command("save")
def save_command(argv: list[str]) -> int:
    """contain save [-o FILE] IMAGE..."""
    p = parser("save", "Write images to a tar: an OCI image layout that is also a docker-save archive.")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    args = p.parse_args(argv)
    from pyshell.contain.oci import save_archive

    image_store = store()
    for ref in args.images:
        image_store.resolve(ref)  # fail before writing anything
    if args.output:
        partial = f"{args.output}.partial-{os.getpid()}"
        try:
            output = open(partial, "wb")
        except OSError as error:  # name the file asked for, not our temporary one
            raise ContainerError(f"cannot write {args.output}: {error.strerror}") from None
        try:
            with output:
                save_archive(image_store, args.images, output)
            os.replace(partial, args.output)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        return 0
    if os.isatty(1):
        raise ContainerError("cowardly refusing to write an archive to a terminal (use -o FILE or a redirection)")
    with os.fdopen(os.dup(1), "wb") as output:
        save_archive(image_store, args.images, output)
    return 0


@command("load")
def load_command(argv: list[str]) -> int:
    """contain load [-i FILE|DIR] [-q]"""
    p = parser("load", "Load images from an OCI layout or docker-save archive (tar or directory).")
    p.add_argument("-i", "--input", help="archive to read (default: standard input)")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    from pathlib import Path

    from pyshell.contain.oci import load_archive, spool_stdin

    image_store = store()
    spooled = None
    if args.input:
        source = Path(args.input)
        if not source.exists():
            raise ContainerError(f"no such file: {args.input}")
    else:
        if os.isatty(0):
            raise ContainerError("requested load from stdin, but stdin is a terminal (use -i FILE)")
        image_store.root.mkdir(parents=True, exist_ok=True)
        source = spooled = spool_stdin(image_store.root)
    try:
        loaded = load_archive(image_store, source, "standard input" if spooled else "")
    finally:
        if spooled:
            spooled.unlink(missing_ok=True)
    if not args.quiet:
        for image, tags in loaded:
            out("".join(f"Loaded image: {tag}\n" for tag in tags) or f"Loaded image ID: {image.id}\n")
    return 0


@command("build")
def build_command(argv: list[str]) -> int:
    """contain build [-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--no-cache] [--target STAGE]
    [--network host|none] [-q] CONTEXT"""
    p = parser("build", "Build an image from a Dockerfile (or Containerfile).")
    p.add_argument("-t", "--tag", action="append", default=[])
    p.add_argument("-f", "--file")
    p.add_argument("--build-arg", action="append", default=[])
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--target")
    p.add_argument("--network", choices=["host", "none", "default"], default="host")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the image id")
    p.add_argument("context")
    args = p.parse_args(argv)
    from pathlib import Path

    from pyshell.contain.build import BuildOptions, build
    from pyshell.contain.images import parse_reference

    for tag in args.tag:
        parse_reference(tag)  # a bad name fails before any step runs
    build_args = {}
    for item in args.build_arg:
        key, equal, value = item.partition("=")
        if equal:
            build_args[key] = value
        elif key in os.environ:
            build_args[key] = os.environ[key]
    context = Path(args.context).resolve()
    dockerfile = None
    if args.file:
        dockerfile = Path(args.file) if args.file != "-" else None
        if dockerfile is not None and not dockerfile.is_absolute() and not dockerfile.exists():
            dockerfile = context / args.file
        if dockerfile is not None and not dockerfile.is_file():
            problem = "not a file" if dockerfile.exists() else "no such file"
            raise ContainerError(f"{problem}: {args.file}")
    options = BuildOptions(context=context, dockerfile=dockerfile, tags=tuple(args.tag),
                           build_args=build_args, no_cache=args.no_cache, target=args.target,
                           network="host" if args.network == "default" else args.network,
                           quiet=args.quiet)
    image = build(store(), options, out, pull=_puller())
    if args.quiet:
        out(image.id + "\n")
    return 0


def _puller():
    """FROM/COPY --from an image we don't have: pull it (registry.py), if that part is there."""
    try:
        from pyshell.contain import registry
    except ImportError:
        return None

    def pull(reference: str):
        from pyshell.contain.first_use import pull_or_explain

        return pull_or_explain(store(), reference, progress=err)

    return pull


@command("pull")
def pull_command(argv: list[str]) -> int:
    """contain pull [-q] NAME[:TAG|@DIGEST]"""
    p = parser("pull", "Download an image from a registry (Docker Hub by default).")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--registry", help="HOST[:PORT] to use for a name without one")
    p.add_argument("image")
    args = p.parse_args(argv)
    from pyshell.contain.registry import pull

    if args.registry:
        args.image = f"{args.registry}/{args.image}"

    image = pull(store(), args.image, progress=(lambda s: None) if args.quiet else out,
                 interactive=os.isatty(1))
    out(f"{args.image}\n" if not args.quiet else f"{image.id}\n")
    return 0


@command("push")
def push_command(argv: list[str]) -> int:
    """contain push [-q] NAME[:TAG]"""
    p = parser("push", "Upload an image to a registry.")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--registry", help="push IMAGE as HOST[:PORT]/IMAGE (tagging it so)")
    p.add_argument("image")
    args = p.parse_args(argv)
    from pyshell.contain.registry import push

    if args.registry:
        target = f"{args.registry}/{args.image}"
        store().tag(args.image, target)
        args.image = target

    push(store(), args.image, progress=(lambda s: None) if args.quiet else out, interactive=os.isatty(1))
    return 0


@command("login")
def login_command(argv: list[str]) -> int:
    """contain login [-u USER] [-p PASSWORD | --password-stdin] [REGISTRY]"""
    p = parser("login", "Check and store registry credentials (file mode 0600).")
    p.add_argument("-u", "--username")
    p.add_argument("-p", "--password")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("registry", nargs="?")
    args = p.parse_args(argv)
    from pyshell.contain.registry import login, registry_of

    registry = registry_of(args.registry)
    user, password = args.username, args.password
    if args.password_stdin:
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
    login(registry, user, password)
    out("Login Succeeded\n")
    return 0


@command("logout")
def logout_command(argv: list[str]) -> int:
    """contain logout [REGISTRY]"""
    p = parser("logout", "Forget stored registry credentials.")
    p.add_argument("registry", nargs="?")
    args = p.parse_args(argv)
    from pyshell.contain.registry import forget_credentials, registry_of

    registry = registry_of(args.registry)
    if not forget_credentials(registry):
        raise ContainerError(f"not logged in to {registry}")
    out(f"Removing login credentials for {registry}\n")
    return 0


COMMANDS["image-inspect"] = inspect_image

if __name__ == "__main__":  # python -m pyshell.contain.image_cli images
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
