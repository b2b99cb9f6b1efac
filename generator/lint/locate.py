"""Find the line and column of a JSON path inside the file it came from.

Findings carry the JSON path of the value they are about (and, for queries, an offset in
the string). Lines are computed only for findings, after linting, so the common case (no
finding) pays little: `decode_json` records where the top levels' values start while decoding,
and the JSON locator walks the raw text below them, seeking members with a regex and skipping
values it does not need with the C scanner; the YAML locator keeps PyYAML's node marks.
"""

from __future__ import annotations

import functools
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import yaml

from ..errors import GRAFANA_JSON

_WS_RUN = re.compile(r"[ \t\r\n]*")
#: a number or literal: in valid JSON it runs to a blank, comma or closing bracket
_NUMBER = re.compile(r"[^ \t\r\n,\]}]+")
#: after an array element: blanks, then a comma (group 1) and blanks, if any
_COMMA = re.compile(r"[ \t\r\n]*(,)?[ \t\r\n]*")
#: after an object member's value (or the opening brace): blanks, a comma (group 1) and blanks,
#: then the next key when it needs no decoding (no escape, no control character, group 2) with
#: its colon and blanks
_HEAD = re.compile(r'[ \t\r\n]*(,)?[ \t\r\n]*(?:"([^"\\\x00-\x1f]*)"[ \t\r\n]*:[ \t\r\n]*)?')
_COLON = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")

#: the pieces of a valid JSON text, for skipping members without decoding them: blanks, a string,
#: a key without escapes, a number or literal, and a container nested at most _DEPTH deep (in
#: valid JSON the brackets between strings balance; possessive, so a failing match stops at once)
_WS = r"[ \t\r\n]*+"
#: (a string whose first quote after the opening one is not after a backslash ends there: that
#: quick reading first, the one that follows escapes else)
_STRING = r'(?:"[^"]*+"(?<!\\")|"[^"\\]*+(?:\\.[^"\\]*+)*+")'
_PLAIN_KEY = r'"[^"\\\x00-\x1f]*+"'
_LITERAL = r"[-+.\w]++"
_DEPTH = 8
_BETWEEN = r'[^"\[\]{}]*+'
_CONTAINER = rf"[\[{{]{_BETWEEN}(?:{_STRING}{_BETWEEN})*+[\]}}]"
for _ in range(_DEPTH - 1):
    _CONTAINER = rf"[\[{{]{_BETWEEN}(?:(?:{_STRING}|{_CONTAINER}){_BETWEEN})*+[\]}}]"
_MEMBER = rf"(?>{_PLAIN_KEY}{_WS}:{_WS}(?:{_STRING}|{_LITERAL}|{_CONTAINER}){_WS},{_WS})"
_PLAIN_KEY_TEXT = re.compile(r'[^"\\\x00-\x1f]*')
#: the text of a JSON string whose escapes all take two characters, neither `\\` nor `\u`
_TWO_CHARACTER_ESCAPES = re.compile(r'[^"\\]*+(?:\\[^\\u][^"\\]*+)*+')
#: how many keys of one object are sought by a regex each before its members are read in turn
_SEEKS = 4


@functools.lru_cache(maxsize=256)
def _seeker(key: str) -> re.Pattern[str] | None:
    """A regex going from the first member of an object to the value of its first member named
    `key`, over members whose keys have no escape (one of them could decode to `key`); None for
    a key that would need escapes in the text."""
    if not _PLAIN_KEY_TEXT.fullmatch(key):
        return None
    return re.compile(rf'{_WS}{_MEMBER}*?"{re.escape(key)}"{_WS}:{_WS}')


#: the C scanner of JSON as Grafana reads it: (value, end) for the JSON value at a position
_SCAN: Any = GRAFANA_JSON.scan_once  # type: ignore[attr-defined]

#: a key no member has: reading a container with it goes to the container's end
_END: Any = object()
#: no member read yet, so none to skip
_START: Any = object()


class _Value:
    """A value of the document met so far: where it starts, its members read so far (their
    positions, made values of their own when looked into), and where it ends once known."""

    __slots__ = ("pos", "members", "cursor", "end")

    def __init__(self, pos: int):
        self.pos = pos
        self.members: dict[Any, _Value | int] = {}
        #: where reading resumes: the position of the last member met, its index (in an array)
        #: and its key; None: not begun; False: read whole
        self.cursor: tuple[int, int, Any] | None | bool = None
        self.end: int | None = None


#: how deep `decode_json` decodes by hand, recording where values start: the members of the
#: document and theirs (a dashboard's panels), below which the C scanner decodes whole values
_DECODED_DEPTH = 2


class _TooMany(Exception):
    """Decoding by hand would cost more than a small share of the C decoder's time."""


def decode_json(text: str) -> tuple[Any, JsonLocator]:
    """What `json.loads(text)` returns, and a locator that knows where the document's values
    start down to _DECODED_DEPTH.

    Findings are placed in the values json.loads decoded (panels, rules): skipping the values
    before them decoded them a second time, most of the document. Decoding the top levels by
    hand, each member by the C scanner, records where they start for little more than the
    decode. A document with many members up there (a long list of numbers) is decoded by
    json.loads and located lazily: Python's work per member must stay a small share of the
    C decoder's. Invalid JSON raises json.loads's own error."""
    locator = JsonLocator(text)
    locator._budget = 64 + len(text) // 256
    try:
        data, end = locator._decode(locator._root, _DECODED_DEPTH)
        if _WS_RUN.match(text, end).end() != len(text):  # type: ignore[union-attr]
            raise ValueError("extra data")
    except (_TooMany, ValueError, IndexError, StopIteration):
        return GRAFANA_JSON.decode(text), JsonLocator(text)
    return data, locator


class JsonLocator:
    """Positions in the text of a JSON document, which the caller has decoded: the text is valid
    JSON, so the members before a key can be passed over by a regex rather than decoded."""

    def __init__(self, text: str):
        self.text = text
        self._root = _Value(self._skip_ws(0))
        #: the last position turned into a line and column: its offset, line and line start
        #: (findings come roughly in file order, so newlines are counted from there)
        self._mark = (0, 1, 0)
        #: members `_decode` may still read by hand
        self._budget = 0

    def _decode(self, value: _Value, depth: int) -> tuple[Any, int]:
        """The value at `value.pos` and where it ends: a container read by hand to `depth`
        levels (its members' positions recorded as `_read` records them), the C scanner's below.
        Raises ValueError, IndexError or StopIteration where json.loads would raise."""
        text, members, scan = self.text, value.members, _SCAN
        pos = value.pos
        if depth == 0 or text[pos] not in "{[":
            return scan(text, pos)
        budget = self._budget
        decoded: Any
        if text[pos] == "[":
            decoded, close, index = [], "]", 0
            pos = _WS_RUN.match(text, pos + 1).end()  # type: ignore[union-attr]
            more: Any = text[pos] != "]"
            while more:
                budget -= 1
                if budget < 0:
                    raise _TooMany
                if depth > 1 and text[pos] in "{[":
                    child = members[index] = _Value(pos)
                    self._budget = budget
                    item, pos = self._decode(child, depth - 1)
                    budget = self._budget
                else:
                    members[index] = pos
                    item, pos = scan(text, pos)
                decoded.append(item)
                index += 1
                after = _COMMA.match(text, pos)
                pos = after.end()  # type: ignore[union-attr]
                more = after.lastindex  # type: ignore[union-attr]  # the comma
        else:
            decoded, close = {}, "}"
            comma, key, pos = self._head(pos + 1)
            if comma is not None:
                raise ValueError("expected a key")
            more = key is not None or text[pos] != "}"
            while more:
                budget -= 1
                if budget < 0:
                    raise _TooMany
                if key is None:  # a key with escapes
                    if text[pos] != '"':
                        raise ValueError("expected a key")
                    key, pos = scanstring(text, pos + 1)
                    colon = _COLON.match(text, pos)
                    if colon is None:
                        raise ValueError("expected ':'")
                    pos = colon.end()
                if key in members:  # a later duplicate: its value counts, the first's place
                    decoded[key], pos = scan(text, pos)
                elif depth > 1 and text[pos] in "{[":
                    child = members[key] = _Value(pos)
                    self._budget = budget
                    decoded[key], pos = self._decode(child, depth - 1)
                    budget = self._budget
                else:
                    members[key] = pos
                    decoded[key], pos = scan(text, pos)
                comma, key, pos = self._head(pos)
                more = comma is not None
                if not more and key is not None:
                    raise ValueError("expected ','")
        if text[pos] != close:
            raise ValueError(f"expected {close!r}")
        self._budget = budget
        value.cursor, value.end = False, pos + 1
        return decoded, pos + 1

    def _head(self, pos: int) -> tuple[str | None, str | None, int]:
        """After a value in an object: the comma if any, the next key if it has no escape, and
        the position after them."""
        head = _HEAD.match(self.text, pos)
        comma, key = head.groups()  # type: ignore[union-attr]
        return comma, key, head.end()  # type: ignore[union-attr]

    def _skip_ws(self, pos: int) -> int:
        return _WS_RUN.match(self.text, pos).end()  # type: ignore[union-attr]  # matches the empty string

    def _skip_value(self, pos: int) -> int:
        """Where the value at `pos` ends (decoded by the C scanner, then dropped)."""
        return _SCAN(self.text, pos)[1]

    def position(self, path: tuple[Any, ...]) -> int | None:
        """Offset of the value at `path`, or of its deepest existing ancestor.

        A container is read once, front to back, as far as the members asked for so far: each
        member's position is recorded on the way (a tree of the values met), so findings on
        panels 1..n cost one reading of the list, not n (quadratic: minutes for a dashboard of
        thousands of panels), and the values after the last member asked for are never decoded
        (the panels after the last panel with a finding, a dashboard's members after `panels`).
        A member looked into is not decoded again to get past it: its reading goes on to its
        end (a panel with findings is read once, not read then decoded). The value at `path`
        itself is not looked into, so its position is not made a value of its own."""
        value = self._root
        last = len(path) - 1
        for depth, key in enumerate(path):
            members = value.members
            member = members.get(key)
            if member is None:
                cursor = value.cursor
                if cursor is False:
                    return value.pos
                try:
                    if not (cursor is None and type(key) is str and self._seek(value, key)):
                        self._read(value, key)
                except (IndexError, ValueError, StopIteration):
                    value.cursor = False  # malformed text: members recorded so far stand
                member = members.get(key)
                if member is None:
                    return value.pos
            if type(member) is int:
                if depth == last:
                    return member
                member = members[key] = _Value(member)
            value = member  # type: ignore[assignment]
        return value.pos

    def span(self, path: tuple[Any, ...]) -> tuple[int, int] | None:
        """Where the value at `path` starts and ends in the text, None where there is none. A
        value read while decoding (a member of the document) has its end recorded already."""
        self.position(path)  # records the members on the way
        value: Any = self._root
        for key in path:
            value = value.members.get(key) if type(value) is _Value else None
            if value is None:
                return None
        if type(value) is int:
            return value, self._skip_value(value)
        return value.pos, self._end(value)

    def _seek(self, value: _Value, key: str) -> bool:
        """Record the member `key` of the object `value`, not yet read, with one regex over the
        members before it, when that is exact: a plain key, members without escaped keys or
        deep values. The members passed over are not recorded, so an object is sought a few
        times at most, then read member by member."""
        if len(value.members) >= _SEEKS or self.text[value.pos] != "{":
            return False
        seeker = _seeker(key)
        found = seeker.match(self.text, value.pos + 1) if seeker is not None else None
        if found is None:
            return False
        value.members[key] = found.end()
        return True

    def _end(self, value: _Value) -> int:
        """Where `value` ends: its reading, if begun, finished; else the C scanner's."""
        if value.end is None:
            if value.cursor is None or value.cursor is False:
                value.end = self._skip_value(value.pos)
            else:
                self._read(value, _END)
        return value.end  # type: ignore[return-value]  # set by _read at the closing bracket

    def _past(self, value: _Value, pos: int, key: Any) -> int:
        """Where the member value at `pos` ends: a string by the C string scanner, a number by a
        regex, a container looked into (the member recorded at `key`, at this very position) by
        reading on, any other container by the C scanner."""
        first = self.text[pos]
        if first == '"':
            return scanstring(self.text, pos + 1)[1]
        if first not in "{[":
            return _NUMBER.match(self.text, pos).end()  # type: ignore[union-attr]
        member = value.members.get(key)
        if type(member) is _Value and member.pos == pos:
            return self._end(member)
        return self._skip_value(pos)

    def _read(self, value: _Value, key: Any) -> None:
        """Record members of the container `value` from where its reading stopped until `key` is
        recorded, or to its end (then `value.end` is set and its cursor is False)."""
        text, members = self.text, value.members
        if value.cursor is None:  # begin at the opening bracket
            if text[value.pos] not in "{[":
                value.cursor = False  # a scalar has no members
                return
            pos, index, last = _WS_RUN.match(text, value.pos + 1).end(), -1, _START  # type: ignore[union-attr]
        else:
            pos, index, last = value.cursor  # type: ignore[misc]
        if text[value.pos] == "[":
            while True:
                if last is not _START:  # past the element at `pos`: the C scanner's, unless looked into
                    element = members[last]
                    end = self._end(element) if type(element) is _Value else _SCAN(text, pos)[1]
                    pos = _COMMA.match(text, end).end()  # type: ignore[union-attr]
                if text[pos] == "]":
                    value.cursor, value.end = False, pos + 1
                    return
                index += 1
                members[index] = pos
                last = index
                if index == key:
                    value.cursor = pos, index, last
                    return
        while True:
            plain = _HEAD.match(text, pos if last is _START else self._past(value, pos, last))
            name = plain.group(2)  # type: ignore[union-attr]
            pos = plain.end()  # type: ignore[union-attr]
            if name is None:
                if text[pos] == "}":
                    value.cursor, value.end = False, pos + 1
                    return
                name, pos = scanstring(text, pos + 1)
                pos = self._skip_ws(self._skip_ws(pos) + 1)  # ':'
            if name not in members:  # the first of duplicate keys, as before
                members[name] = pos
            last = name
            if name == key:
                value.cursor = pos, index, last
                return

    def locate(self, path: tuple[Any, ...], offset: int | None = None) -> tuple[int, int]:
        place = self.locate_many([(path, offset)])[0]
        if place is None:
            self._offset(path, offset)  # raises what made it fail
        return place  # type: ignore[return-value]

    def _offset(self, path: tuple[Any, ...], offset: int | None) -> int:
        pos = self.position(path) or 0
        if offset is not None and self.text.startswith('"', pos):
            pos = self._raw_offset(pos, offset)
        return pos

    def locate_many(self, wanted: list[tuple[tuple[Any, ...], int | None]]) -> list[tuple[int, int] | None]:
        """`locate` for each (path, offset), None where it failed (locating is best effort).

        Lines are counted in file order, each newline once, however the findings are ordered:
        from the last position asked for, forwards (counting from the start for each finding was
        quadratic: minutes for a large dashboard), or backwards for the first of a later call
        that comes before it."""
        text, offset_of = self.text, self._offset
        found: list[tuple[int, int]] = []  # (offset, index in `wanted`)
        for i, (path, offset) in enumerate(wanted):
            try:
                found.append((offset_of(path, offset), i))
            except Exception:  # a finding that cannot be placed keeps no line; the others do
                pass
        places: list[tuple[int, int] | None] = [None] * len(wanted)
        if not found:
            return places
        found.sort()
        at, line, start = self._mark
        if found[0][0] < at:  # before the last position asked for
            crossed = text.count("\n", found[0][0], at)
            if crossed:
                line -= crossed
                start = text.rfind("\n", 0, found[0][0]) + 1
            at = found[0][0]
        count, rfind = text.count, text.rfind
        for pos, i in found:
            crossed = count("\n", at, pos)
            if crossed:
                line += crossed
                start = rfind("\n", at, pos) + 1
            at = pos
            places[i] = line, pos - start + 1
        self._mark = at, line, start
        return places

    def _raw_offset(self, start: int, decoded: int) -> int:
        """Raw text offset of the `decoded`-th character of the JSON string at `start`.

        A string whose escapes are all two characters long (no `\\u`, no escaped backslash:
        a query's `\\"`) has one backslash per escape, so the raw offset r is the least r with
        r = decoded + (backslashes before r): found by counting at C speed from `decoded` up
        (a few counts), rather than by stepping from escape to escape (a query has many)."""
        text = self.text
        first = start + 1
        raw = first + decoded
        while True:
            moved = first + decoded + text.count("\\", first, raw)
            if moved == raw:
                break
            raw = moved
        # `raw` is the least such offset, so no escape begins just before it: what decides whether
        # the count was exact lies before it (the escapes after it, and the string's end, do not
        # matter unless the string closed before it: a quote there not after a backslash); one
        # regex reads it, where four counts and finds cost four calls
        if _TWO_CHARACTER_ESCAPES.fullmatch(text, first, raw):
            return raw
        return self._raw_offset_stepping(start, decoded)

    def _raw_offset_stepping(self, start: int, decoded: int) -> int:
        """`_raw_offset` for any string: from escape to escape, the characters between them
        one raw character each."""
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
        """The node at `path` (as far as it goes); a block map or list that is a key's value is
        placed at its key: it starts on the line below, where a finding about it reads as one
        about its first entry."""
        node, key_node = self.node, None
        for key in path:
            key_node = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if getattr(k, "value", None) == key:
                        node, key_node = v, k
                        break
                else:
                    return node
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                return node
        if key_node is not None and isinstance(node, yaml.CollectionNode) and not node.flow_style:
            return key_node
        return node

    def locate_many(self, wanted: list[tuple[tuple[Any, ...], int | None]]) -> list[tuple[int, int] | None]:
        """`locate` for each (path, offset), None where it failed (locating is best effort)."""
        places: list[tuple[int, int] | None] = []
        for path, offset in wanted:
            try:
                places.append(self.locate(path, offset))
            except Exception:  # a finding that cannot be placed keeps no line; the others do
                places.append(None)
        return places

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
