"""YAML → plain Python values, remembering where each value came from (file:line:col).

PyYAML's loaders build dicts and lists that forget their positions, but validation errors
should point at the line to fix. So we let PyYAML *compose* the node graph (the C parser when
libyaml is there: ~10× faster on big files) and turn nodes into values ourselves, recording
the start mark of every node under its path (``("services", "web", "ports", 0)``).
Anchors and aliases are resolved by the composer (an alias is the same node again); merge
keys ``<<: *base`` are flattened by the loader's own ``flatten_mapping``.
"""

from __future__ import annotations

import yaml

from pyshell.compose.errors import ComposeError

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

Path = tuple  # a path into the document: keys (str) and list indexes (int)


class Source:
    """One parsed file: its values and a map of path → 'file:line:col'."""

    def __init__(self, filename: str, data, positions: dict[Path, str]):
        self.filename = filename
        self.data = data
        self.positions = positions

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
        data = _value(loader, root, (), filename, positions) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise ComposeError(f"yaml: {problem}", where=where) from None
    except yaml.YAMLError as error:
        raise ComposeError(f"yaml: {error}", where=filename) from None
    finally:
        loader.dispose()
    return Source(filename, data, positions)


def load_file(filename: str) -> Source:
    try:
        with open(filename, encoding="utf-8") as file:
            text = file.read()
    except OSError as error:
        raise ComposeError(f"cannot read {filename}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ComposeError(f"{filename}: not UTF-8 text") from None
    return load_text(text, filename)


def _mark(node, filename: str) -> str:
    return f"{filename}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _value(loader, node, path: Path, filename: str, positions: dict, depth: int = 0):
    if depth > 100:  # an alias cycle (a: &x [*x]) would recurse for ever
        raise ComposeError("yaml: nesting too deep (an alias that contains itself?)",
                           where=_mark(node, filename))
    positions.setdefault(path, _mark(node, filename))
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
            result[key] = _value(loader, value_node, path + (key,), filename, positions, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_value(loader, item, path + (index,), filename, positions, depth + 1)
                for index, item in enumerate(node.value)]
    if node.tag.startswith("!") and not node.tag.startswith("!!"):
        raise ComposeError(f"yaml: unsupported tag {node.tag}", where=_mark(node, filename))
    return loader.construct_object(node, deep=True)


def _key_text(key) -> str:
    """Compose keys are strings; YAML may read `80:` or `yes:` as numbers or booleans."""
    if key is True:
        return "true"
    if key is False:
        return "false"
    return str(key)
