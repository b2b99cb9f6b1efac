"""Find the line and column of a JSON path inside the file it came from.

Findings carry the JSON path of the value they are about (and, for queries, an offset in
the string). Lines are computed only for findings, after linting, so the common case (no
finding) pays nothing: the JSON locator walks the raw text and skips values it does not
need with the C decoder; the YAML locator keeps PyYAML's node marks.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import yaml

_WS_RUN = re.compile(r"[ \t\r\n]*")
#: what follows a key (its colon) or a value (its comma): one C-level match instead of three calls
_COLON = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")
_COMMA = re.compile(r"[ \t\r\n]*(?:,[ \t\r\n]*)?")


class JsonLocator:
    """Offsets of JSON paths in the raw text, found by walking only the containers on the way.

    Siblings passed on the way are skipped with the C decoder (faster than any bracket scan in
    Python) and remembered, so locating the n-th panel's finding after the first skips no panel
    twice; lines and columns are counted with C string methods, without a table of lines.
    """

    def __init__(self, text: str):
        self.text = text
        self._decode = json.JSONDecoder().raw_decode
        self._cache: dict[tuple[Any, ...], int] = {(): _WS_RUN.match(text, 0).end()}  # type: ignore[union-attr]

    def position(self, path: tuple[Any, ...]) -> int | None:
        """Offset of the value at `path`, or of its deepest existing ancestor."""
        cache = self._cache
        found = cache.get(path)
        if found is not None:
            return found
        depth = len(path) - 1
        while depth > 0 and path[:depth] not in cache:
            depth -= 1
        pos = cache[path[:depth]]
        for i in range(depth, len(path)):
            nxt = self._child(pos, path[i], path[:i])
            if nxt is None:
                return pos
            pos = nxt
            cache[path[:i + 1]] = pos
        return pos

    def _child(self, pos: int, key: Any, parent: tuple[Any, ...]) -> int | None:
        """The position of `key` in the container at `pos`; the siblings passed on the way are
        remembered too (`(*parent, name)` → offset of that value)."""
        text = self.text
        cache = self._cache
        ws, colon, comma, decode = _WS_RUN.match, _COLON.match, _COMMA.match, self._decode
        try:
            if isinstance(key, str) and text[pos] == "{":
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                while text[pos] != "}":
                    name, pos = scanstring(text, pos + 1)
                    pos = colon(text, pos).end()  # type: ignore[union-attr]
                    if name == key:
                        return pos
                    cache.setdefault((*parent, name), pos)
                    pos = comma(text, decode(text, pos)[1]).end()  # type: ignore[union-attr]
                return None
            if isinstance(key, int) and text[pos] == "[":
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                index = 0
                previous = cache.get((*parent, key - 1)) if key > 0 else None
                if previous is not None:  # resume after the sibling located last
                    pos, index = previous, key - 1
                while text[pos] != "]":
                    if index == key:
                        return pos
                    cache.setdefault((*parent, index), pos)
                    pos = comma(text, decode(text, pos)[1]).end()  # type: ignore[union-attr]
                    index += 1
        except (IndexError, ValueError, AttributeError):
            return None
        return None

    def locate(self, path: tuple[Any, ...], offset: int | None = None) -> tuple[int, int]:
        pos = self.position(path) or 0
        if offset is not None and self.text.startswith('"', pos):
            pos = self._raw_offset(pos, offset)
        text = self.text
        return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)

    def _raw_offset(self, start: int, decoded: int) -> int:
        """Raw text offset of the `decoded`-th character of the JSON string at `start`.

        Between two escapes raw and decoded characters agree one for one, so the walk jumps from
        escape to escape (a query's quotes are escaped) instead of going character by character.
        """
        text = self.text
        pos = start + 1
        left = decoded
        while left > 0:
            escape = text.find("\\", pos)
            quote = text.find('"', pos)
            stop = quote if escape < 0 or 0 <= quote < escape else escape
            if stop < 0:
                return min(pos + left, len(text))
            if stop - pos >= left:
                return pos + left
            left -= stop - pos
            pos = stop
            if stop == quote:
                return pos  # the string ends before the offset: point at its closing quote
            if text.startswith("\\u", pos):
                code = int(text[pos + 2:pos + 6], 16)
                pos += 6
                if 0xD800 <= code < 0xDC00 and text.startswith("\\u", pos):
                    pos += 6
            else:
                pos += 2
            left -= 1
        return pos


class YamlLocator:
    """Positions from a composed YAML node tree (PyYAML marks are 0-based)."""

    def __init__(self, node: yaml.Node, text: str):
        self.node = node
        self.lines = text.splitlines()

    def _find(self, path: tuple[Any, ...]) -> yaml.Node:
        node = self.node
        for key in path:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if getattr(k, "value", None) == key:
                        node = v
                        break
                else:
                    return node
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                return node
        return node

    def locate(self, path: tuple[Any, ...], offset: int | None = None) -> tuple[int, int]:
        node = self._find(path)
        line, col = node.start_mark.line, node.start_mark.column
        if offset is None or not isinstance(node, yaml.ScalarNode):
            return line + 1, col + 1
        value = str(node.value)
        before = value[:offset]
        if node.style in ("|", ">"):
            nl = before.count("\n")
            first = line + 1
            content = self.lines[first] if first < len(self.lines) else ""
            indent = len(content) - len(content.lstrip(" "))
            return first + nl + 1, indent + len(before) - (before.rfind("\n") + 1) + 1
        # plain or quoted scalar, possibly folded over several lines (a line break reads as a space)
        quote = 1 if node.style in ('"', "'") else 0
        remaining = offset
        segment = self.lines[line][col + quote:] if line < len(self.lines) else ""
        start_col = col + quote
        current = line
        while True:
            text = segment.rstrip()
            if remaining <= len(text) or current + 1 >= len(self.lines):
                return current + 1, start_col + remaining + 1
            remaining -= len(text) + 1
            current += 1
            raw = self.lines[current]
            start_col = len(raw) - len(raw.lstrip())
            segment = raw[start_col:]


