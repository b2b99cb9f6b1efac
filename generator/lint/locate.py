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
from itertools import accumulate
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import yaml

_WS_RUN = re.compile(r"[ \t\r\n]*")
#: the blanks and comma after a member's value
_AFTER_VALUE = re.compile(r"[ \t\r\n]*(?:,[ \t\r\n]*)?")
#: a member's key that needs no decoding (no escape, no control character), its colon, blanks
_PLAIN_KEY = re.compile(r'"([^"\\\x00-\x1f]*)"[ \t\r\n]*:[ \t\r\n]*')


class JsonLocator:
    def __init__(self, text: str):
        self.text = text
        self._decoder = json.JSONDecoder()
        self._cache: dict[tuple[Any, ...], int] = {(): self._skip_ws(0)}
        self._line_starts: list[int] | None = None
        #: containers read so far: where reading resumes (the next member's position and index,
        #: and whether the member found last still has its value to skip), None once read whole
        self._cursors: dict[tuple[Any, ...], tuple[int, int, bool] | None] = {}

    def _skip_ws(self, pos: int) -> int:
        return _WS_RUN.match(self.text, pos).end()  # type: ignore[union-attr]  # matches the empty string

    def _skip_value(self, pos: int) -> int:
        """Where the value at `pos` ends (decoded by the C scanner, then dropped)."""
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
        return pos

    def _child(self, pos: int, key: Any, parent: tuple[Any, ...]) -> int | None:
        """Offset of `key` in the container at `pos`.

        A container is read once, front to back, as far as the members asked for so far: each
        member's position is recorded on the way, so findings on panels 1..n cost one reading of
        the list, not n (quadratic: minutes for a dashboard of thousands of panels), and the
        values after the last member asked for are never decoded (the panels after the last
        panel with a finding, a dashboard's members after `panels`)."""
        found = self._cache.get((*parent, key))
        if found is not None:
            return found
        cursor = self._cursors.get(parent, (pos, -1, False))
        if cursor is None:
            return None  # read whole: no such member
        try:
            self._cursors[parent] = self._read(parent, key, *cursor)
        except (IndexError, ValueError):
            self._cursors[parent] = None  # malformed text: members recorded so far stand
        return self._cache.get((*parent, key))

    def _read(self, parent: tuple[Any, ...], key: Any, pos: int, index: int,
              skip: bool) -> tuple[int, int, bool] | None:
        """Record members of the container `parent` from `pos` (the container's opening bracket
        when `index` is -1, else member `index`, whose value is still to skip when `skip`) until
        `key` is recorded; where to resume, or None at the end of the container."""
        text, cache = self.text, self._cache
        if index < 0:
            if text[pos] not in "{[":
                return None  # a scalar has no members
            closer = "}" if text[pos] == "{" else "]"
            pos = self._skip_ws(pos + 1)
            index = 0
        else:
            closer = "}" if text[self._cache[parent]] == "{" else "]"
        while True:
            if skip:
                pos = _AFTER_VALUE.match(text, self._skip_value(pos)).end()  # type: ignore[union-attr]
                index += 1
            if text[pos] == closer:
                return None
            if closer == "}":
                plain = _PLAIN_KEY.match(text, pos)
                if plain is not None:  # a key without escapes, its colon and blanks in one match
                    name, pos = plain.group(1), plain.end()
                else:
                    name, pos = scanstring(text, pos + 1)
                    pos = self._skip_ws(self._skip_ws(pos) + 1)  # ':'
                member: Any = name
                cache.setdefault((*parent, name), pos)  # the first of duplicate keys, as before
            else:
                member = index
                cache[(*parent, index)] = pos
            skip = True
            if member == key:
                return pos, index, True

    def locate(self, path: tuple[Any, ...], offset: int | None = None) -> tuple[int, int]:
        pos = self.position(path) or 0
        if offset is not None and self.text.startswith('"', pos):
            pos = self._raw_offset(pos, offset)
        return self._line_col(pos)

    def _line_col(self, pos: int) -> tuple[int, int]:
        """Line and column by bisecting line starts found once (counting newlines from the start
        for each finding was quadratic: minutes for a large dashboard on one line); the starts
        are summed from the lines' lengths in C."""
        if self._line_starts is None:
            starts = list(accumulate(map((1).__add__, map(len, self.text.split("\n"))), initial=0))
            starts.pop()  # the sum after the last line starts no line
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, pos)
        return line, pos - self._line_starts[line - 1] + 1

    def _raw_offset(self, start: int, decoded: int) -> int:
        """Raw text offset of the `decoded`-th character of the JSON string at `start`: from
        escape to escape, the characters between them one raw character each."""
        text = self.text
        n = len(text)
        pos = start + 1
        count = 0
        while count < decoded:
            quote = text.find('"', pos)
            stop = n if quote < 0 else quote
            escape = text.find("\\", pos, stop)
            if escape >= 0:
                stop = escape
            if count + stop - pos >= decoded:
                return pos + decoded - count
            count += stop - pos
            pos = stop
            if pos >= n or text[pos] == '"':
                return pos  # the end of the string
            if text[pos + 1] == "u":
                code = int(text[pos + 2:pos + 6], 16)
                pos += 6
                if 0xD800 <= code < 0xDC00 and text.startswith("\\u", pos):
                    pos += 6
            else:
                pos += 2
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
