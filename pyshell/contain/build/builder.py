"""``contain build``: a Dockerfile, step by step, into images of the store.

Each instruction turns the current image into a new one:

* RUN starts a container of the current image (runtime.lifecycle.run_for_build), and its
  overlay upper dir becomes a new layer (store.commit);
* COPY/ADD fill a staging directory and that becomes a new layer;
* the others (ENV, CMD, WORKDIR, ...) only change the config.

Every intermediate image is kept, hidden, and remembered in the build cache
under a key made of the parent image id, the instruction after substitution,
the build args in scope (RUN) and a checksum of the copied files (COPY/ADD).
A rebuild with nothing changed finds every step there: "Using cache".

The output follows Docker's classic builder (`Step 2/3 : RUN ...`, ` ---> id`).
A failing step names FILE:LINE and the instruction, and tags nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pyshell.contain.build.files import ContextTree, ImageTree, glob_tree, hash_sources, lookup_ids
from pyshell.contain.build.dockerfile import (HEREDOC_MARKER, DockerfileError, Heredoc, Instruction, expand_text,
                                          parse_dockerfile, parse_key_values, split_words)
from pyshell.contain.image.store import Image, ImageStore
from pyshell.errors import ContainerError
from pyshell.units import parse_duration

DEFAULT_SHELL = ("/bin/sh", "-c")
METADATA = {"ENV", "CMD", "ENTRYPOINT", "WORKDIR", "EXPOSE", "USER", "LABEL", "VOLUME", "SHELL",
            "STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "MAINTAINER"}


@dataclass(frozen=True)
class BuildOptions:
    context: Path
    dockerfile: Path | None = None          # default: CONTEXT/Dockerfile or Containerfile
    tags: tuple[str, ...] = ()
    build_args: dict = field(default_factory=dict)
    no_cache: bool = False
    target: str | None = None
    network: str = "host"                   # RUN steps reach the network, as docker build's default does
    quiet: bool = False


@dataclass
class Stage:
    """What one FROM ... section has built so far."""

    name: str | None
    image: Image | None                     # None until something is built on `scratch`
    args: dict[str, str] = field(default_factory=dict)
    cmd_set: bool = False                   # a CMD in this stage survives a later ENTRYPOINT

    def section(self) -> dict:
        return self.image.config.to_oci() if self.image else {}

    def env(self) -> dict[str, str]:
        """Variables for substitution: ARGs, overridden by the image's ENV."""
        values = dict(self.args)
        for entry in self.section().get("Env", []):
            key, _, value = entry.partition("=")
            values[key] = value
        return values


# --------------------------------------------------------------------------- metadata instructions


def metadata_changes(instruction: Instruction, section: dict, env: dict[str, str], cmd_set: bool) -> dict:
    """The config keys a metadata-only instruction changes ({} for none). Pure: no store, no files."""
    keyword, text = instruction.keyword, instruction.arguments
    shell = list(section.get("Shell") or DEFAULT_SHELL)
    if keyword == "ENV":
        current = list(section.get("Env") or [])
        for key, value in parse_key_values(text, env, "ENV"):
            current = [e for e in current if e.partition("=")[0] != key] + [f"{key}={value}"]
        return {"Env": current}
    if keyword in ("CMD", "ENTRYPOINT"):
        words = list(instruction.exec_form) if instruction.exec_form is not None else [*shell, text]
        if keyword == "CMD":
            return {"Cmd": words}
        changes = {"Entrypoint": words or None}
        if not cmd_set:
            changes["Cmd"] = None  # Docker: ENTRYPOINT resets a CMD inherited from the base image
        return changes
    if keyword == "WORKDIR":
        path = "".join(split_words(text, env, split=False))
        base = section.get("WorkingDir") or "/"
        return {"WorkingDir": os.path.normpath(os.path.join(base, path))}
    if keyword == "EXPOSE":
        ports = dict.fromkeys(section.get("ExposedPorts") or {})
        for word in split_words(text, env):
            number, _, protocol = word.partition("/")
            protocol = (protocol or "tcp").lower()
            first, _, last = number.partition("-")
            if not first.isdigit() or (last and not last.isdigit()) or protocol not in ("tcp", "udp", "sctp"):
                raise ContainerError(f"invalid port {word!r}")
            for port in range(int(first), int(last or first) + 1):
                ports[f"{port}/{protocol}"] = None
        return {"ExposedPorts": {port: {} for port in ports}}
    if keyword == "USER":
        return {"User": "".join(split_words(text, env, split=False))}
    if keyword == "LABEL":
        labels = dict(section.get("Labels") or {})
        labels.update(parse_key_values(text, env, "LABEL"))
        return {"Labels": labels}
    if keyword == "MAINTAINER":
        labels = dict(section.get("Labels") or {})
        labels["maintainer"] = text
        return {"Labels": labels}
    if keyword == "VOLUME":
        paths = [expand_text(p, env) for p in instruction.exec_form] if instruction.exec_form is not None \
            else split_words(text, env)
        volumes = dict(section.get("Volumes") or {})
        volumes.update({path: {} for path in paths})
        return {"Volumes": volumes}
    if keyword == "SHELL":
        if not instruction.exec_form:
            raise ContainerError("SHELL requires the arguments to be in JSON form")
        return {"Shell": list(instruction.exec_form)}
    if keyword == "STOPSIGNAL":
        from pyshell.contain.validation import signal_number

        stop_signal = "".join(split_words(text, env, split=False))
        signal_number(stop_signal, status=1)  # Docker refuses it here too, not at the first `stop`
        return {"StopSignal": stop_signal}
    if keyword == "HEALTHCHECK":
        return {"Healthcheck": _healthcheck(instruction, shell)}
    if keyword == "ONBUILD":
        trigger = text.split(None, 1)[0].upper() if text.strip() else ""
        if trigger in ("ONBUILD", "FROM", "MAINTAINER"):
            raise ContainerError(f"{trigger} isn't allowed as an ONBUILD trigger")
        return {"OnBuild": list(section.get("OnBuild") or []) + [text]}
    raise ContainerError(f"{keyword} is not a metadata instruction")


def _healthcheck(instruction: Instruction, shell) -> dict:
    text = instruction.arguments
    if text.strip().upper() == "NONE":
        return {"Test": ["NONE"]}
    keyword, _, rest = text.strip().partition(" ")
    if keyword.upper() != "CMD":
        raise ContainerError("HEALTHCHECK needs CMD or NONE")
    rest = rest.strip()
    try:
        exec_form = json.loads(rest) if rest.startswith("[") else None
    except ValueError:
        exec_form = None
    check = {"Test": ["CMD", *exec_form] if isinstance(exec_form, list) else ["CMD-SHELL", rest]}
    names = {"interval": "Interval", "timeout": "Timeout", "start-period": "StartPeriod",
             "start-interval": "StartInterval", "retries": "Retries"}
    for flag, value in instruction.flags:
        if flag not in names:
            raise ContainerError(f"unknown flag --{flag}")
        check[names[flag]] = int(value) if flag == "retries" else parse_duration(value)
    return check


def config_changes_from_instructions(lines: list[str]) -> dict:
    """`contain import/commit -c 'CMD ["sh"]'`: Dockerfile lines -> config keys."""
    section: dict = {}
    for line in lines:
        for instruction in parse_dockerfile(line, "--change"):
            if instruction.keyword not in METADATA:
                raise ContainerError(f"{instruction.keyword} is not valid with --change")
            env = {e.partition("=")[0]: e.partition("=")[2] for e in section.get("Env", [])}
            section.update(metadata_changes(instruction, section, env, cmd_set=True))
    return section


def run_script(instruction: Instruction) -> str:
    """The shell-form command of a RUN, with its here-documents.

    ``RUN <<EOF`` alone runs the body as the script (a ``#!`` body runs with its interpreter,
    from a temporary file, as BuildKit does). Otherwise the command line and the bodies are given
    to the shell together, which then reads them as the here-documents they are.
    """
    text = instruction.arguments
    if not instruction.heredocs:
        return text
    only = instruction.heredocs[0]
    if len(instruction.heredocs) == 1 and HEREDOC_MARKER.fullmatch(text.strip()):
        if not only.body.startswith("#!"):
            return only.body
        return ('script=$(mktemp) && cat > "$script" <<\'PYSH_HEREDOC_END\'\n'
                f"{only.body}PYSH_HEREDOC_END\n"
                'chmod +x "$script" && "$script"; status=$?; rm -f "$script"; exit $status')
    return text + "\n" + "".join(h.raw_body + h.name + "\n" for h in instruction.heredocs)


# --------------------------------------------------------------------------- the builder


class Builder:
    def __init__(self, store: ImageStore, options: BuildOptions, out: Callable[[str], None],
                 run_step: Callable | None = None, pull: Callable[[str], Image] | None = None):
        self.store = store
        self.options = options
        self.out = out
        self.run_step = run_step
        self.pull = pull
        self.dockerfile = self._find_dockerfile()
        self.filename = os.path.relpath(self.dockerfile, options.context) \
            if str(self.dockerfile).startswith(str(options.context)) else str(self.dockerfile)
        self.instructions = parse_dockerfile(self._read(self.dockerfile), self.filename)
        self.context = ContextTree(options.context, self._dockerignore())
        self.used_args: set[str] = set()

    def _find_dockerfile(self) -> Path:
        if not self.options.context.is_dir():
            raise ContainerError(f"context is not a directory: {self.options.context}")
        if self.options.dockerfile:
            return self.options.dockerfile
        for name in ("Dockerfile", "Containerfile"):
            if (self.options.context / name).is_file():
                return self.options.context / name
        raise ContainerError(f"no Dockerfile or Containerfile in {self.options.context}")

    @staticmethod
    def _read(path: Path) -> str:
        try:
            return path.read_text()
        except FileNotFoundError:
            raise ContainerError(f"no such file: {path}") from None

    def _dockerignore(self) -> str:
        beside = self.dockerfile.with_name(self.dockerfile.name + ".dockerignore")
        for candidate in (beside, self.options.context / ".dockerignore"):
            if candidate.is_file():
                return candidate.read_text()
        return ""

    # ---- the run

    def build(self) -> Image:
        started = time.monotonic()
        global_args, stages_text = self._split_stages()
        steps = [i for stage in stages_text for i in stage]
        total = len(steps)
        number = 0
        stages: list[Stage] = []
        result: Stage | None = None
        for instructions in stages_text:
            stage = None
            for instruction in instructions:
                number += 1
                self._say(f"Step {number}/{total} : {instruction.original}\n")
                try:
                    if instruction.keyword == "FROM":
                        stage = self._from(instruction, global_args, stages)
                    else:
                        self._step(stage, instruction, stages)
                except DockerfileError:
                    raise
                except ContainerError as error:
                    raise ContainerError(f"{self.filename}:{instruction.line}: {instruction.keyword}: "
                                         f"{error.message}") from None
                if stage.image is not None:
                    self._say(f" ---> {stage.image.short_id}\n")
            stages.append(stage)
            result = stage
            if self.options.target and stage.name == self.options.target:
                break
        if self.options.target and (result is None or result.name != self.options.target):
            raise ContainerError(f"target stage {self.options.target!r} could not be found")
        if result.image is None:  # FROM scratch and nothing else: an empty image
            result.image = self.store.derive(None, created_by="FROM scratch", hidden=True)
        unused = set(self.options.build_args) - self.used_args
        if unused:
            self._say(f"[Warning] One or more build-args {sorted(unused)} were not consumed\n")
        image = result.image
        for tag in self.options.tags:
            image = self.store.tag(image.id, tag)
        self._say(f"Successfully built {image.short_id}\n")
        for tag in self.options.tags:
            from pyshell.contain.image.store import parse_reference
            self._say(f"Successfully tagged {parse_reference(tag).familiar}\n")
        self.elapsed = time.monotonic() - started
        return image

    def _say(self, text: str) -> None:
        if not self.options.quiet:
            self.out(text)

    def _split_stages(self):
        """ARGs before the first FROM, then the instructions of each stage (FROM first)."""
        global_args: dict[str, str] = {}
        stages: list[list[Instruction]] = []
        for instruction in self.instructions:
            if instruction.keyword == "FROM":
                stages.append([instruction])
            elif not stages:
                if instruction.keyword != "ARG":
                    raise DockerfileError("the first instruction must be FROM (or ARG)", self.filename,
                                          instruction.line, instruction.keyword)
                for name, default in parse_key_values(instruction.arguments, global_args, "ARG"):
                    global_args[name] = self._arg_value(name, default)
            else:
                stages[-1].append(instruction)
        if not stages:
            raise DockerfileError("no FROM instruction", self.filename)
        return global_args, stages

    def _arg_value(self, name: str, default: str | None) -> str | None:
        if name in self.options.build_args:
            self.used_args.add(name)
            return self.options.build_args[name]
        return default

    # ---- FROM

    def _from(self, instruction: Instruction, global_args: dict, stages: list[Stage]) -> Stage:
        words = split_words(instruction.arguments, {k: v for k, v in global_args.items() if v is not None})
        name = None
        if len(words) == 3 and words[1].lower() == "as":
            name = words[2].lower()
        elif len(words) != 1:
            raise DockerfileError("FROM takes IMAGE [AS NAME]", self.filename, instruction.line, "FROM")
        reference = words[0]
        stage = Stage(name, None)
        stage.args = {}
        if reference.lower() == "scratch":
            return stage
        earlier = next((s for s in stages if s.name == reference.lower()), None)
        stage.image = earlier.image if earlier else self._image(reference)
        for trigger in stage.image.config.on_build:
            self._say(f" ---> Running ONBUILD {trigger}\n")
            for triggered in parse_dockerfile(trigger, self.filename):
                self._step(stage, triggered, stages)
        if stage.image.config.on_build:  # triggers run once: not passed on to grandchildren
            stage.image = self.store.derive(stage.image, changes={"OnBuild": None}, hidden=True)
        return stage

    def _image(self, reference: str) -> Image:
        try:
            return self.store.resolve(reference)
        except ContainerError as missing:
            if self.pull is None:
                raise
            try:
                return self.pull(reference)
            except ContainerError as error:
                raise ContainerError(f"{missing.message} (pull: {error.message})") from None

    # ---- one step

    def _step(self, stage: Stage, instruction: Instruction, stages: list[Stage]) -> None:
        keyword = instruction.keyword
        if keyword == "ARG":
            for name, default in parse_key_values(instruction.arguments, stage.env(), "ARG"):
                value = self._arg_value(name, default)
                if value is not None:
                    stage.args[name] = value
            return
        if keyword in METADATA:
            changes = metadata_changes(instruction, stage.section(), stage.env(), stage.cmd_set)
            key = self._key(stage, instruction, json.dumps(changes, sort_keys=True))
            if self._cached(stage, key):
                stage.cmd_set |= keyword == "CMD"
                return
            if keyword == "WORKDIR" and stage.image is not None:
                self._make_workdir(stage, changes["WorkingDir"], instruction)
            stage.image = self.store.derive(stage.image, changes=changes, hidden=True,
                                            created_by=f"/bin/sh -c #(nop) {instruction.original}")
            stage.cmd_set |= keyword == "CMD"
            self.store.remember_build_step(key, stage.image.id)
            return
        if keyword == "RUN":
            self._run(stage, instruction)
        elif keyword in ("COPY", "ADD"):
            self._copy(stage, instruction, stages)
        else:
            raise ContainerError(f"{keyword} cannot be used here")

    def _key(self, stage: Stage, instruction: Instruction, *extra: str) -> str:
        parent = stage.image.id if stage.image else "scratch"
        parts = [parent, instruction.keyword, instruction.flags, instruction.arguments, *extra]
        if instruction.heredocs:  # only then, so that keys made before heredocs existed still match
            parts.append([[h.name, h.raw_body, h.strip_tabs, h.expand] for h in instruction.heredocs])
        text = json.dumps(parts)
        return hashlib.sha256(text.encode()).hexdigest()

    def _cached(self, stage: Stage, key: str) -> bool:
        if self.options.no_cache:
            return False
        image = self.store.cached_build_step(key)
        if image is None:
            return False
        stage.image = image
        self._say(" ---> Using cache\n")
        return True

    # ---- RUN

    def _run(self, stage: Stage, instruction: Instruction) -> None:
        section = stage.section()
        env = list(section.get("Env") or [])
        image_keys = {e.partition("=")[0] for e in env}
        env += [f"{k}={v}" for k, v in sorted(stage.args.items()) if k not in image_keys]
        shell = list(section.get("Shell") or DEFAULT_SHELL)
        argv = list(instruction.exec_form) if instruction.exec_form is not None \
            else [*shell, run_script(instruction)]
        key = self._key(stage, instruction, json.dumps(sorted(stage.args.items())))
        if self._cached(stage, key):
            return
        if stage.image is None:
            raise ContainerError("RUN needs a base image with the command in it (not scratch)")
        if self.run_step is None:
            from pyshell.contain.runtime.lifecycle import run_for_build, remove_build_container
            run_step, remove = run_for_build, remove_build_container
        else:
            run_step, remove = self.run_step
        network = instruction.flag("network") or self.options.network
        sys.stdout.flush()
        started = time.monotonic()

        def announce(container_id: str) -> None:  # Docker names the container before it runs
            self._say(f" ---> Running in {container_id[:12]}\n")

        with StepProgress(enabled=not self.options.quiet and os.isatty(1)), \
                _output_kept_back(self.options.quiet) as kept:
            status, upper_dir = run_step(stage.image, argv, env, section.get("WorkingDir") or "/",
                                         section.get("User") or "", network, on_start=announce)
        container = Path(upper_dir).parents[1].name[:12]  # containers/<id>/.../upper
        self._say(f" ---> Removed intermediate container {container} (ran {time.monotonic() - started:.1f}s)\n")
        try:
            if status != 0:
                if kept is not None:  # -q: what the failed step said is all the user will see
                    kept.seek(0)
                    sys.stderr.write(kept.read().decode(errors="replace"))
                    sys.stderr.flush()
                raise ContainerError(f"the command '{' '.join(argv)}' returned a non-zero code: {status}")
            stage.image = self.store.commit(upper_dir, stage.image, hidden=True,
                                            created_by=" ".join(argv) if instruction.exec_form is None
                                            else json.dumps(argv))
        finally:
            if kept is not None:
                kept.close()
            remove(upper_dir)
        self.store.remember_build_step(key, stage.image.id)

    # ---- COPY / ADD

    def _copy(self, stage: Stage, instruction: Instruction, stages: list[Stage]) -> None:
        env = stage.env()
        is_add = instruction.keyword == "ADD"
        words = [expand_text(w, env) for w in instruction.exec_form] if instruction.exec_form is not None \
            else split_words(instruction.arguments, env)
        if len(words) < 2:
            raise ContainerError(f"{instruction.keyword} requires at least two arguments: SOURCE... DEST")
        sources, dest = words[:-1], words[-1]
        workdir = stage.section().get("WorkingDir") or "/"
        dest_is_dir = dest.endswith("/") or len(sources) > 1
        dest = os.path.normpath(os.path.join(workdir, dest))
        image_tree = ImageTree(stage.image.layer_dirs) if stage.image else ImageTree(())
        source_tree, owner_default = self._copy_source(instruction, stages, env)
        urls = [s for s in sources if is_add and s.startswith(("http://", "https://"))]
        inline = _inline_files(instruction, sources, env)
        downloads = _Downloads(urls) if urls else None
        try:
            matched: list[tuple[str, str]] = []  # (kind, relative path or url)
            for source in sources:
                if source in urls:
                    matched.append(("url", source))
                    continue
                if source in inline:
                    matched.append(("inline", source))
                    continue
                if source_tree is self.context and _escapes(source):
                    raise ContainerError(f"forbidden path outside the build context: {source}")
                found = glob_tree(source_tree, source)
                if not found:
                    raise ContainerError(f"{source}: no such file or directory"
                                         + (" in the build context" if source_tree is self.context else ""))
                matched += [("tree", f) for f in found]
            # A source that is a link names what it points to, found inside its tree (never the host's).
            real_paths = {p: _resolve_source(source_tree, p, source_tree is self.context)
                          for kind, p in matched if kind == "tree"}
            content = hash_sources(source_tree, list(real_paths.values()))
            if downloads:
                content += downloads.checksum()
            if inline:
                content += hashlib.sha256(json.dumps(sorted(inline.items())).encode()).hexdigest()
            key = self._key(stage, instruction, dest, content, json.dumps(words))
            if self._cached(stage, key):
                return
            chown = instruction.flag("chown")
            owner = lookup_ids(image_tree, expand_text(chown, env)) if chown else owner_default
            chmod = instruction.flag("chmod")
            mode = int(chmod, 8) if chmod else None
            dest_is_dir = dest_is_dir or image_tree.is_dir(image_tree.resolve(dest)) or len(matched) > 1
            self.store.root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".build-", dir=self.store.root))
            try:
                target_dir = dest if dest_is_dir else os.path.dirname(dest)
                resolved_dir = image_tree.resolve(target_dir)
                _make_parents_like_image(staging, image_tree, resolved_dir)
                for kind, path in matched:
                    if kind == "url":
                        name = os.path.basename(path.split("?")[0].rstrip("/")) or "index.html"
                        target = staging / resolved_dir / (name if dest_is_dir else os.path.basename(dest))
                        downloads.write(path, target, owner)
                        continue
                    if kind == "inline":  # COPY <<NAME: a file called NAME (in a directory dest)
                        name = HEREDOC_MARKER.fullmatch(path).group(3)
                        target = staging / resolved_dir / (name if dest_is_dir else os.path.basename(dest))
                        _write_inline(target, inline[path], owner or (0, 0), mode)
                        continue
                    real = real_paths[path]
                    host = source_tree.host_path(real)
                    if source_tree.is_dir(real):
                        into = staging / resolved_dir
                        if not dest_is_dir:
                            into = staging / resolved_dir / os.path.basename(dest)
                        into.mkdir(parents=True, exist_ok=True)
                        for name in source_tree.listdir(real):
                            _copy_tree(source_tree, f"{real}/{name}" if real else name, into / name, owner, mode)
                    elif is_add and _is_archive(host):
                        from pyshell.contain.image.layers import extract_layer
                        into = staging / resolved_dir
                        into.mkdir(parents=True, exist_ok=True)
                        extract_layer(host, into)
                    else:
                        name = os.path.basename(path) if dest_is_dir else os.path.basename(dest)
                        _copy_tree(source_tree, real, staging / resolved_dir / name, owner, mode)
                diff_id = self.store.add_layer_from_dir(staging, stage.image.layer_dirs if stage.image else ())
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            created_by = f"/bin/sh -c #(nop) {instruction.keyword} {' '.join(words)}"
            stage.image = self.store.derive(stage.image, new_diff_id=diff_id, created_by=created_by, hidden=True)
            self.store.remember_build_step(key, stage.image.id)
        finally:
            if downloads:
                downloads.close()

    def _copy_source(self, instruction: Instruction, stages: list[Stage], env):
        """The tree COPY reads from: the context, or --from=STAGE|IMAGE (keeping owners)."""
        source = instruction.flag("from")
        if source is None:
            return self.context, (0, 0)
        source = expand_text(source, env)
        if source.isdigit() and int(source) < len(stages):
            stage = stages[int(source)]
        else:
            stage = next((s for s in stages if s.name == source.lower()), None)
        image = stage.image if stage else self._image(source)
        return ImageTree(image.layer_dirs if image else ()), None

    def _make_workdir(self, stage: Stage, workdir: str, instruction: Instruction) -> None:
        tree = ImageTree(stage.image.layer_dirs)
        resolved = tree.resolve(workdir)
        if tree.is_dir(resolved):
            return
        self.store.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=self.store.root))
        try:
            _make_parents_like_image(staging, tree, resolved)
            diff_id = self.store.add_layer_from_dir(staging, stage.image.layer_dirs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        stage.image = self.store.derive(stage.image, new_diff_id=diff_id, hidden=True,
                                        created_by=f"/bin/sh -c #(nop) mkdir {workdir}")


def _inline_files(instruction: Instruction, sources: list[str], env: dict[str, str]) -> dict[str, str]:
    """COPY/ADD sources written as ``<<NAME``: the source word -> the file content."""
    by_name: dict[str, Heredoc] = {h.name: h for h in instruction.heredocs}
    contents = {}
    for source in sources:
        match = HEREDOC_MARKER.fullmatch(source)
        if match and match.group(3) in by_name:
            heredoc = by_name[match.group(3)]
            contents[source] = expand_text(heredoc.body, env) if heredoc.expand else heredoc.body
    return contents


def _write_inline(target: Path, content: str, owner, mode) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    target.write_text(content)
    if os.geteuid() == 0:
        os.lchown(target, *owner)
    os.chmod(target, mode if mode is not None else 0o644)


class StepProgress:
    """On a terminal, a RUN step's output as it comes, then one line counting the seconds.

    While the step runs, fds 1 and 2 (the container inherits them) point to a pipe; a thread
    copies what arrives to the terminal and, when the output stands at the start of a line,
    redraws `` ---> running for 12s`` in place (``\\r`` and erase-line). Off a terminal nothing changes:
    the output goes straight through, as plain lines.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.status_shown = False

    def __enter__(self) -> "StepProgress":
        if not self.enabled:
            return self
        import threading

        self.started = time.monotonic()
        self.terminal = os.dup(1)
        self.saved = [(fd, os.dup(fd)) for fd in (1, 2) if os.isatty(fd)]
        self.read_end, write_end = os.pipe()
        for fd, _ in self.saved:
            os.dup2(write_end, fd)
        os.close(write_end)
        self.relay = threading.Thread(target=self._relay, daemon=True)
        self.relay.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.enabled:
            return
        for fd, saved in self.saved:  # our write ends close: EOF once the container's are gone too
            os.dup2(saved, fd)
            os.close(saved)
        self.relay.join(timeout=5)
        if not self.relay.is_alive():  # else a process the step left still writes: let the thread be
            os.close(self.read_end)
            os.close(self.terminal)

    def _relay(self) -> None:
        import select

        while True:
            ready, _, _ = select.select([self.read_end], [], [], 1 - (time.monotonic() - self.started) % 1)
            if ready:
                try:
                    data = os.read(self.read_end, 1 << 16)
                except OSError:
                    return
                if not data:
                    break
                self._write((b"\r\x1b[K" if self.status_shown else b"") + data)
                self.status_shown = False
                if not data.endswith(b"\n"):
                    continue  # the output is mid-line: don't draw over it
            self._write(f"\r\x1b[K ---> running for {time.monotonic() - self.started:.0f}s".encode())
            self.status_shown = True
        if self.status_shown:
            self._write(b"\r\x1b[K")

    def _write(self, data: bytes) -> None:
        try:
            while data:
                data = data[os.write(self.terminal, data):]
        except OSError:
            pass  # the terminal went away: the build goes on


def _resolve_source(tree, path: str, in_context: bool) -> str:
    """The path a COPY source stands for in its tree, links followed in scope (Docker's error if gone)."""
    real = tree.resolve(path)
    if real is None or not tree.exists(real):
        raise ContainerError(f"{path}: no such file or directory" + (" in the build context" if in_context else ""))
    return real


def _escapes(source: str) -> bool:
    return os.path.normpath(source).split("/")[0] == ".."


def _is_archive(path: Path) -> bool:
    import tarfile

    try:
        return path.is_file() and tarfile.is_tarfile(path)
    except OSError:
        return False


def _make_parents_like_image(staging: Path, image_tree: ImageTree, relative: str) -> None:
    """Create staging/relative; directories the image has keep its owner and mode in the new layer."""
    current = ""
    for part in filter(None, relative.split("/")):
        current = f"{current}/{part}" if current else part
        path = staging / current
        path.mkdir(exist_ok=True)
        host = image_tree.host_path(current)
        if host is not None and host.is_dir():
            info = os.lstat(host)
            if os.geteuid() == 0:
                os.lchown(path, info.st_uid, info.st_gid)
            os.chmod(path, stat.S_IMODE(info.st_mode))
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        else:
            os.chmod(path, 0o755)


def _copy_tree(tree, relative: str, target: Path, owner, mode) -> None:
    """Copy one entry (recursively) from ``tree``; owner None keeps the source's owner."""
    host = tree.host_path(relative)
    info = os.lstat(host)
    if target.is_dir() and not target.is_symlink() and not stat.S_ISDIR(info.st_mode):
        shutil.rmtree(target)
    if stat.S_ISDIR(info.st_mode):
        target.mkdir(exist_ok=True)
        for name in tree.listdir(relative):
            _copy_tree(tree, f"{relative}/{name}", target / name, owner, mode)
    elif stat.S_ISLNK(info.st_mode):
        if os.path.lexists(target):
            os.unlink(target)
        os.symlink(os.readlink(host), target)
    elif stat.S_ISREG(info.st_mode):
        if os.path.lexists(target):
            os.unlink(target)
        shutil.copyfile(host, target, follow_symlinks=False)
    else:
        return  # devices, sockets, fifos are not copied
    uid, gid = owner if owner is not None else (info.st_uid, info.st_gid)
    if os.geteuid() == 0:
        os.lchown(target, uid, gid)
    if not stat.S_ISLNK(info.st_mode):
        os.chmod(target, mode if mode is not None else stat.S_IMODE(info.st_mode))
        _copy_xattrs(host, target)  # after chown, which drops security.capability
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)


def _copy_xattrs(source: Path, target: Path) -> None:
    """Extended attributes go with the file (a capability, user.*); overlayfs's own do not."""
    try:
        names = os.listxattr(source)
    except OSError:
        return
    for name in names:
        if ".overlay." in name:
            continue  # trusted.overlay.opaque on a copy would hide what lies below it
        try:
            os.setxattr(target, name, os.getxattr(source, name))
        except OSError:
            pass  # not allowed (trusted.* rootless) or not supported here: the content still counts


class _Downloads:
    """ADD https://...: fetched once per build into temporary files (mode 600, mtime from Last-Modified)."""

    def __init__(self, urls: list[str]):
        import email.utils
        import urllib.request

        self.files: dict[str, tuple[Path, float | None]] = {}
        self.directory = Path(tempfile.mkdtemp(prefix="pysh-add-"))
        for url in urls:
            path = self.directory / hashlib.sha256(url.encode()).hexdigest()
            try:
                with urllib.request.urlopen(url, timeout=60) as response, open(path, "wb") as out:
                    shutil.copyfileobj(response, out, 1 << 20)
                    modified = response.headers.get("Last-Modified")
            except OSError as error:
                raise ContainerError(f"cannot fetch {url}: {getattr(error, 'reason', error)}") from None
            mtime = email.utils.parsedate_to_datetime(modified).timestamp() if modified else None
            self.files[url] = (path, mtime)

    def checksum(self) -> str:
        sha = hashlib.sha256()
        for url, (path, _) in sorted(self.files.items()):
            sha.update(url.encode() + path.read_bytes())
        return sha.hexdigest()

    def write(self, url: str, target: Path, owner) -> None:
        path, mtime = self.files[url]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        os.chmod(target, 0o600)
        if owner and os.geteuid() == 0:
            os.chown(target, *owner)
        if mtime:
            os.utime(target, (mtime, mtime))

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def build(store: ImageStore, options: BuildOptions, out: Callable[[str], None], pull=None) -> Image:
    """Entry point for `contain build`."""
    return Builder(store, options, out, pull=pull).build()


@contextlib.contextmanager
def _output_kept_back(quiet: bool):
    """-q: a RUN step's output goes to a temporary file instead of our stdout and stderr (Docker
    prints only the image id: `id=$(contain build -q .)`); the caller shows it if the step fails."""
    if not quiet:
        yield None
        return
    sys.stdout.flush()
    sys.stderr.flush()
    kept = tempfile.TemporaryFile()
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(kept.fileno(), 1)
        os.dup2(kept.fileno(), 2)
        yield kept
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
