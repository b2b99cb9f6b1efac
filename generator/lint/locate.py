"""Find the line and column of a JSON path inside the file it came from.

Findings carry the JSON path of the value they are about (and, for queries, an offset in
the string). Lines are computed only for findings, after linting, so the common case (no
finding) pays nothing: the JSON locator walks the raw text and skips values it does not
need with the C decoder; the YAML locator keeps PyYAML's node marks.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import yaml

_WS = " \t\r\n"


class JsonLocator:
    def __init__(self, text: str):
        self.text = text
        self._decoder = json.JSONDecoder()
        self._cache: dict[tuple[Any, ...], int] = {(): self._skip_ws(0)}
        self._line_starts: list[int] | None = None
        #: containers whose members are all in `_cache`
        self._scanned: set[tuple[Any, ...]] = set()

    def _skip_ws(self, pos: int) -> int:
        text = self.text
        n = len(text)
        while pos < n and text[pos] in _WS:
            pos += 1
        return pos

    def _skip_value(self, pos: int) -> int:
        return self._decoder.raw_decode(self.text, pos)[1]

    def position(self, path: tuple[Any, ...]) -> int | None:
        """Offset of the value at `path`, or of its deepest existing ancestor."""
        depth = len(path)
        while depth > 0 and path[:depth] not in self._cache:
            depth -= 1
        pos = self._cache[path[:depth]]
        for i in range(depth, len(path)):
            nxt = self._child(pos, path[i], path[:i])
            if nxt is None:
                return pos
            pos = nxt
            self._cache[path[:i + 1]] = pos
        return pos

    def _child(self, pos: int, key: Any, parent: tuple[Any, ...]) -> int | None:
        """Offset of `key` in the container at `pos`. The first look into a container records
        every member, so findings on panels 1..n cost one scan of the list, not n scans
        (quadratic: minutes for a dashboard of thousands of panels)."""
        if parent not in self._scanned:
            self._scanned.add(parent)
            try:
                self._scan(pos, parent)
            except (IndexError, ValueError):
                pass  # malformed text: members recorded so far stand
        return self._cache.get((*parent, key))

    def _scan(self, pos: int, parent: tuple[Any, ...]) -> None:
        text, cache = self.text, self._cache
        if text[pos] == "{":
            pos = self._skip_ws(pos + 1)
            while text[pos] != "}":
                name, pos = scanstring(text, pos + 1)
                pos = self._skip_ws(self._skip_ws(pos) + 1)  # ':'
                cache.setdefault((*parent, name), pos)  # the first of duplicate keys, as before
                pos = self._skip_ws(self._skip_value(pos))
                if text[pos] == ",":
                    pos = self._skip_ws(pos + 1)
        elif text[pos] == "[":
            pos = self._skip_ws(pos + 1)
            index = 0
            while text[pos] != "]":
                cache[(*parent, index)] = pos
                pos = self._skip_ws(self._skip_value(pos))
                if text[pos] == ",":
                    pos = self._skip_ws(pos + 1)
                index += 1

    def locate(self, path: tuple[Any, ...], offset: int | None = None) -> tuple[int, int]:
        pos = self.position(path) or 0
        if offset is not None and self.text.startswith('"', pos):
            pos = self._raw_offset(pos, offset)
        return self._line_col(pos)

    def _line_col(self, pos: int) -> tuple[int, int]:
        """Line and column by bisecting line starts found once (counting newlines from the start
        for each finding was quadratic: minutes for a large dashboard on one line)."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, pos)
        return line, pos - self._line_starts[line - 1] + 1

    def _raw_offset(self, start: int, decoded: int) -> int:
        """Raw text offset of the `decoded`-th character of the JSON string at `start`."""
        text = self.text
        pos = start + 1
        count = 0
        while count < decoded and pos < len(text) and text[pos] != '"':
            if text[pos] == "\\":
                if text[pos + 1] == "u":
                    code = int(text[pos + 2:pos + 6], 16)
                    pos += 6
                    if 0xD800 <= code < 0xDC00 and text.startswith("\\u", pos):
                        pos += 6
                else:
                    pos += 2
            else:
                pos += 1
            count += 1
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

