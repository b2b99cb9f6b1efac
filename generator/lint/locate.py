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

_WS_RUN = re.compile(r"[ \t\r\n]*")
#: the blanks and comma after an array element
_AFTER_VALUE = re.compile(r"[ \t\r\n]*(?:,[ \t\r\n]*)?")
#: the blanks and comma after an object member (none before the first), then the next key when
#: it needs no decoding (no escape, no control character) with its colon and blanks
_NEXT_KEY = re.compile(r'[ \t\r\n]*(?:,[ \t\r\n]*)?(?:"([^"\\\x00-\x1f]*)"[ \t\r\n]*:[ \t\r\n]*)?')

#: where reading a container resumes: the next member's position and index, and whether the
#: member found last still has its value to skip
_Cursor = tuple[int, int, bool]


class _Value:
    """A value of the document met so far: where it starts, and its members read so far (their
    positions, made values of their own when looked into)."""

    __slots__ = ("pos", "members", "cursor")

    def __init__(self, pos: int):
        self.pos = pos
        self.members: dict[Any, _Value | int] = {}
        #: where reading resumes (None: not begun), or False once read whole
        self.cursor: _Cursor | None | bool = None


class JsonLocator:
    def __init__(self, text: str):
        self.text = text
        self._decoder = json.JSONDecoder()
        self._root = _Value(self._skip_ws(0))
        self._line_starts: list[int] | None = None

    def _skip_ws(self, pos: int) -> int:
        return _WS_RUN.match(self.text, pos).end()  # type: ignore[union-attr]  # matches the empty string

    def _skip_value(self, pos: int) -> int:
        """Where the value at `pos` ends (decoded by the C scanner, then dropped)."""
        return self._decoder.raw_decode(self.text, pos)[1]

    def position(self, path: tuple[Any, ...]) -> int | None:
        """Offset of the value at `path`, or of its deepest existing ancestor.

        A container is read once, front to back, as far as the members asked for so far: each
        member's position is recorded on the way (a tree of the values met), so findings on
        panels 1..n cost one reading of the list, not n (quadratic: minutes for a dashboard of
        thousands of panels), and the values after the last member asked for are never decoded
        (the panels after the last panel with a finding, a dashboard's members after `panels`)."""
        value = self._root
        for key in path:
            member = value.members.get(key)
            if member is None:
                if value.cursor is not False:
                    try:
                        value.cursor = self._read(value, key)
                    except (IndexError, ValueError):
                        value.cursor = False  # malformed text: members recorded so far stand
                member = value.members.get(key)
                if member is None:
                    return value.pos
            if type(member) is int:
                member = value.members[key] = _Value(member)
            value = member  # type: ignore[assignment]
        return value.pos

    def _read(self, value: _Value, key: Any) -> _Cursor | bool:
        """Record members of the container `value` from where its reading stopped until `key` is
        recorded; where to resume, or False at the end of the container."""
        text, members = self.text, value.members
        if value.cursor is None:  # begin at the opening bracket
            if text[value.pos] not in "{[":
                return False  # a scalar has no members
            pos, index, skip = self._skip_ws(value.pos + 1), 0, False
        else:
            pos, index, skip = value.cursor  # type: ignore[misc]
        if text[value.pos] == "[":
            while True:
                if skip:
                    pos = _AFTER_VALUE.match(text, self._skip_value(pos)).end()  # type: ignore[union-attr]
                    index += 1
                if text[pos] == "]":
                    return False
                members[index] = pos
                skip = True
                if index == key:
                    return pos, index, True
        while True:
            if skip:
                pos = self._skip_value(pos)
                index += 1
            plain = _NEXT_KEY.match(text, pos)
            name = plain.group(1)  # type: ignore[union-attr]
            pos = plain.end()  # type: ignore[union-attr]
            if name is None:
                if text[pos] == "}":
                    return False
                name, pos = scanstring(text, pos + 1)
                pos = self._skip_ws(self._skip_ws(pos) + 1)  # ':'
            if name not in members:  # the first of duplicate keys, as before
                members[name] = pos
            skip = True
            if name == key:
                return pos, index, True

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
