"""YAML → plain Python values, remembering where each value came from (file:line:col).

PyYAML's loaders build dicts and lists that forget their positions, but validation errors
should point at the line to fix. So we let PyYAML *compose* the node graph (the C parser when
libyaml is there: ~10× faster on big files) and turn nodes into values ourselves, recording
the start mark of every node under its path (``("services", "web", "ports", 0)``).
Anchors and aliases are resolved by the composer (an alias is the same node again); merge
keys ``<<: *base`` are flattened by the loader's own ``flatten_mapping``.

The merge tags of docker compose v2 are read here too, where a node becomes a value and its
path is known (so no constructor needs registering):

    ports: !reset []                this file drops what earlier files said (the key is left out)
    ports: !override ["8080:80"]    this file's value replaces theirs instead of merging

Both record the path in ``Source.replaces``; merging a file first removes those paths from
what came before it (merge.drop_paths). They go on the value of a mapping key, outside lists.
"""

from __future__ import annotations

import yaml

from pyshell.compose.errors import ComposeError
from pyshell.compose.inputs import read_text

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

Path = tuple  # a path into the document: keys (str) and list indexes (int)


RESET, OVERRIDE = "!reset", "!override"


class Source:
    """One parsed file: its values, a map of path → 'file:line:col', and the paths tagged
    !reset or !override (what this file takes away from the files before it)."""

    def __init__(self, filename: str, data, positions: dict[Path, str], replaces=()):
        self.filename = filename
        self.data = data
        self.positions = positions
        self.replaces = tuple(replaces)

    def where(self, path: Path) -> str:
        """The position of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), self.filename)


def load_text(text: str, filename: str) -> Source:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        positions: dict[Path, str] = {}
        replaces: list[Path] = []
        data = _value(loader, root, (), filename, positions, replaces) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise ComposeError(f"yaml: {problem}", where=where) from None
    except yaml.YAMLError as error:
        raise ComposeError(f"yaml: {error}", where=filename) from None
    finally:
        loader.dispose()
    return Source(filename, data, positions, replaces)


def load_file(filename: str) -> Source:
    try:
        text = read_text(filename)
    except OSError as error:
        raise ComposeError(f"cannot read {filename}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ComposeError(f"{filename}: not UTF-8 text") from None
    return load_text(text, filename)


def _mark(node, filename: str) -> str:
    return f"{filename}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _value(loader, node, path: Path, filename: str, positions: dict, replaces: list, depth: int = 0):
    if depth > 100:  # an alias cycle (a: &x [*x]) would recurse for ever
        raise ComposeError("yaml: nesting too deep (an alias that contains itself?)",
                           where=_mark(node, filename))
    positions.setdefault(path, _mark(node, filename))
    if node.tag in (RESET, OVERRIDE):  # a !reset that gets here is not a key's value: an error
        _record_merge_tag(node, path, filename, replaces)
        node = _untagged(loader, node)
    elif node.tag.startswith("!") and not node.tag.startswith("!!"):
        raise ComposeError(f"yaml: unsupported tag {node.tag}", where=_mark(node, filename))
    if isinstance(node, yaml.MappingNode):
        written = set()  # a key given twice is an error; one from a `<<` merge is not
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if key_node.value in written:
                raise ComposeError(f"yaml: mapping key {key_node.value!r} already defined",
                                   where=_mark(key_node, filename))
            written.add(key_node.value)
        loader.flatten_mapping(node)  # folds `<<: *anchor` merge keys in, before the node's own
        result = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ComposeError("yaml: a mapping key must be a plain scalar",
                                   where=_mark(key_node, filename))
            key = _key_text(key)
            positions[path + (key,)] = _mark(key_node, filename)
            if value_node.tag == RESET:  # whatever follows the tag is not used
                _record_merge_tag(value_node, path + (key,), filename, replaces)
                result.pop(key, None)  # a `<<` merge may have put it there
                continue
            result[key] = _value(loader, value_node, path + (key,), filename, positions, replaces,
                                 depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_value(loader, item, path + (index,), filename, positions, replaces, depth + 1)
                for index, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _record_merge_tag(node, path: Path, filename: str, replaces: list) -> None:
    """Note the path of a !reset / !override. In a list or at the top it could only mean
    something surprising (docker compose ignores it there): an error instead."""
    if not path or any(isinstance(part, int) for part in path):
        raise ComposeError(f"yaml: {node.tag} goes on the value of a mapping key, not in a list "
                           "or at the top", where=_mark(node, filename))
    replaces.append(path)


def _untagged(loader, node):
    """The node as if written without its tag (a scalar gets the type it would have had)."""
    if isinstance(node, yaml.ScalarNode):
        plain = not node.style  # None from PyYAML's parser, '' from libyaml's
        tag = loader.resolve(yaml.ScalarNode, node.value, (plain, False))
        return yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style)
    return node


def _key_text(key) -> str:
    """Compose keys are strings; YAML may read `80:` or `yes:` as numbers or booleans."""
    if key is True:
        return "true"
    if key is False:
        return "false"
    return str(key)
