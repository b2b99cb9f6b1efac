"""Test files read as promtool reads its own: every scalar as the text written, with its line.

promtool decodes test files into Go structs of strings, so `0x14`, `1:30` or `true` stay the
text written; PyYAML's types would turn them into 20, 90 and True, and a test would silently
check something else. Reading the node tree instead keeps the text, gives each value its line
for error messages, and refuses duplicate keys (which PyYAML resolves silently, last one wins).
"""

from __future__ import annotations

from typing import Any

import yaml

NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"


class Text(str):
    """A scalar as written, and the line it is on."""

    line: int


class Mapping(dict[str, Any]):
    """A YAML mapping with string keys (each a `Text`, carrying its line)."""

    line: int


class Sequence(list[Any]):
    line: int


class ShapeError(ValueError):
    """A document that is valid YAML but not plain data: duplicate or non-scalar keys, cycles."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def load(text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """The document as `Mapping` / `Sequence` / `Text` (None for a plain null or an empty file).

    Raises yaml.YAMLError for bad YAML and ShapeError for data a test file cannot mean; `loader`
    (a SafeLoader) may refuse more, as limits.py's does a document too large.
    """
    node = yaml.compose(text, Loader=loader)
    return None if node is None else _value(node, ())


def _value(node: yaml.Node, path: tuple[int, ...]) -> Any:
    line = node.start_mark.line + 1
    if id(node) in path:
        raise ShapeError(line, "a YAML alias refers to itself: write the data out")
    if isinstance(node, yaml.ScalarNode):
        if node.tag == NULL_TAG:
            return None
        out = Text(node.value)
        out.line = line
        return out
    inner = (*path, id(node))
    if isinstance(node, yaml.SequenceNode):
        seq = Sequence(_value(item, inner) for item in node.value)
        seq.line = line
        return seq
    assert isinstance(node, yaml.MappingNode)
    mapping = Mapping()
    mapping.line = line
    merged: list[Mapping] = []
    for key_node, value_node in node.value:
        if key_node.tag == MERGE_TAG:  # `<<: *defaults`: keys written beside it win
            value = _value(value_node, inner)
            merged += value if isinstance(value, Sequence) else [value]
            continue
        key = _value(key_node, inner)
        if not isinstance(key, Text):
            raise ShapeError(key_node.start_mark.line + 1, "a mapping key must be a plain name or string")
        if key in mapping:
            first = next(line_of(k, line) for k in mapping if k == key)
            raise ShapeError(key.line, f"key {str(key)!r} is given twice (also line {first}): "
                                       "YAML keeps only the last one; merge them")
        mapping[key] = _value(value_node, inner)
    for source in merged:
        if not isinstance(source, Mapping):
            raise ShapeError(line, "`<<:` merges a mapping (or a list of mappings) into this one")
        for key, value in source.items():
            mapping.setdefault(key, value)
    return mapping


def line_of(value: Any, default: int) -> int:
    """The line a loaded value is on, or `default` (for a null, which carries none)."""
    return int(getattr(value, "line", default))
