"""JsonLocator's jump from escape to escape must agree with a character-by-character reading.

A query's position in its file is the raw offset of the n-th decoded character of the JSON
string: escapes (`\\"`, `\\n`, `\\u00e9`, surrogate pairs) take several raw characters each.
"""

from __future__ import annotations

import json
import random
import re

import pytest

from generator.lint.locate import JsonLocator


_UNIT = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[0-9a-fA-F]{4}|\\u[0-9a-fA-F]{4}|\\.|[^\"]")


def _reference(raw: str, start: int, decoded: int) -> int:
    """The obvious reading: the raw string cut into units that each decode to one character."""
    units = _UNIT.findall(raw, start + 1)
    end = json.decoder.scanstring(raw, start + 1)[1] - 1  # type: ignore[attr-defined]
    return min(start + 1 + sum(len(u) for u in units[:decoded]), end)


def test_raw_offsets_agree_with_decoding_prefixes() -> None:
    rng = random.Random(3)
    pieces = ['"', "\\", "\n", "é", "😀", "a", "b", "{", " ", "\t"]
    for _ in range(150):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        ascii_only = rng.random() < 0.5
        text = '{"k": [1, {"expr": ' + json.dumps(value, ensure_ascii=ascii_only) + "}]}"
        locator = JsonLocator(text)
        start = text.index('"expr": ') + len('"expr": ')
        for offset in range(len(value) + 3):  # past the end too: the closing quote
            line, column = locator.locate(("k", 1, "expr"), offset)
            want = _reference(text, start, offset)
            assert (line, column) == (1, want + 1), (value, offset)


@pytest.mark.parametrize("value", ['a"b\\c', 'ab\\"é', 'x"y"zé😀', '"', "\\\\", 'é"', 'ab"\\u'])
def test_escapes_after_the_offset_do_not_change_it(value: str) -> None:
    """Only the escapes before the offset decide it: a `\\\\` or `\\u` further on (or none, or the
    string's end before the offset) gives the offset a reading from the start gives."""
    for ascii_only in (True, False):
        text = '{"k": [1, {"expr": ' + json.dumps(value, ensure_ascii=ascii_only) + "}]}"
        start = text.index('"expr": ') + len('"expr": ')
        for offset in range(len(value) + 3):
            assert JsonLocator(text).locate(("k", 1, "expr"), offset) == (1, _reference(text, start, offset) + 1)


def test_lines_and_columns_count_from_one_across_lines() -> None:
    text = json.dumps({"a": {"b": ["x", {"expr": 'sum(rate(x{job="a"}[5m]))'}]}}, indent=2)
    locator = JsonLocator(text)
    line, column = locator.locate(("a", "b", 1, "expr"), 9)  # the "x" after "rate("
    row = text.split("\n")[line - 1]
    assert row[column - 1:column + 1] == "x{"
    assert locator.locate(("a", "missing")) == locator.locate(("a",))
