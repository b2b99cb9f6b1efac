"""The JSON locator: `decode_json` decodes as json.loads does, and what it records while decoding
places findings where a locator reading the text afresh places them, without decoding the
document a second time."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.lint import locate
from generator.lint.locate import JsonLocator, decode_json

#: duplicate keys (json.loads keeps the last value, the locator the first place), an escaped
#: key equal to a plain one, escapes in values, blanks of every kind, literals
ODD = ('{"a": 1, "a": {"b": [1, 2, {"c": "x\\"y{"}]}, "b\\u0061": 2, "ba": [3], "ba": 4,\r\n'
       '\t"panels": [{"targets": [{"expr": "a{b=\\"}\\"}"}, {"expr": "c]"}]}, [], 5],'
       ' "n": -1.5e+3, "t": true, "f": null, "N": 1.5E300, "I": -0.0, "": {"": [0]}}')


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix, prefix + ("missing",), prefix + (7,)]
    if isinstance(value, dict):
        for key, member in value.items():
            out += _paths(member, prefix + (key,))
    elif isinstance(value, list):
        for index, member in enumerate(value):
            out += _paths(member, prefix + (index,))
    return out


def _dashboard(panels: int) -> dict[str, Any]:
    return {"uid": "u", "title": "t", "panels": [
        {"id": i, "type": "timeseries", "datasource": {"type": "prometheus", "uid": "p"},
         "gridPos": {"x": 0, "y": i, "w": 12, "h": 8},
         "targets": [{"refId": "A", "expr": f'rate(x{{job="{i}"}}[5m])'}]} for i in range(panels)]}


@pytest.mark.parametrize("text", [ODD, json.dumps(json.loads(ODD), indent=2), json.dumps(_dashboard(30)),
                                  json.dumps(_dashboard(30), indent=1), "[]", "{}", ' "s" ', "3",
                                  json.dumps(list(range(5000)))])
def test_decode_json_decodes_and_places_as_a_fresh_reading(text: str) -> None:
    data, located = decode_json(text)
    assert json.dumps(data) == json.dumps(json.loads(text))  # equal, in the same order
    wanted: list[tuple[tuple[Any, ...], int | None]] = [(p, None) for p in _paths(data)]
    wanted += [(p, 2) for p, _ in wanted[::3]]
    fresh = JsonLocator(text)
    assert located.locate_many(wanted) == [fresh.locate(p, o) for p, o in wanted]


@pytest.mark.parametrize("broken", ['{"a": 1,}', '[1, 2,]', '{"a" 1}', '{"a": 1 "b": 2}', '{,}', "[,1]", '{"a": [1}',
                                    '{"a": 1} x', '{"a": "\x01"}', "", "  ", '{"a": 1', '[{"b": }]'])
def test_decode_json_fails_as_json_loads(broken: str) -> None:
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(broken)
    with pytest.raises(json.JSONDecodeError) as got:
        decode_json(broken)
    assert (got.value.msg, got.value.pos) == (want.value.msg, want.value.pos)


def test_findings_in_panels_do_not_decode_the_panels_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipping the panels before a finding's decoded them a second time: the decode records
    where they start, so the whole document is decoded about once, findings included."""
    text = json.dumps(_dashboard(40), indent=2)
    scanned = [0]
    scan = locate._SCAN

    def counting(s: str, pos: int) -> Any:
        value, end = scan(s, pos)
        scanned[0] += end - pos
        return value, end

    monkeypatch.setattr(locate, "_SCAN", counting)
    data, locator = decode_json(text)
    places = locator.locate_many([(("panels", i, "targets", 0, "expr"), 5) for i in range(1, 40, 2)])
    assert all(places)
    assert scanned[0] < 1.2 * len(text)


@pytest.mark.parametrize("raw", [b'{"a":\r\n 1,\r "b": "\\r"}\n', "\ufeff{\"é\": 1}\r\n".encode("utf-8"), b"\r", b"",
                                 b"  \n\t", b'{"a": "\xff"}', "x\u2028y\r\r\n".encode()])
def test_read_text_reads_as_text_mode_does(tmp_path: Any, raw: bytes) -> None:
    """Bytes decoded at once, line ends as universal newlines make them: the lines and columns
    of findings depend on it, and a file that is not UTF-8 is named as such."""
    from generator.errors import GacError
    from generator.lint.loaders import read_text

    path = tmp_path / "f.json"
    path.write_bytes(raw)
    try:
        want = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        with pytest.raises(GacError, match="not a UTF-8 text file"):
            read_text(path)
        return
    assert read_text(path) == want


def _counted(text: str, pos: int) -> tuple[int, int]:
    """Line and column by counting from the start of the text, the obvious way."""
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


#: a query after a duplicate key, escapes (`\"`, `\\`, `\u`), an astral character spelled raw
#: and as a surrogate pair, on several lines
_QUERIES = {"uid": "q", "panels": [{"targets": [{"expr": 'a{b="x"}[5m]', "expr2": "é😀\\z"}]}],
            "templating": {"list": [{"query": 'up{job="a\\"b"} > 0 \u2028 😀 x'}]}}


@pytest.mark.parametrize("text", [
    json.dumps(json.loads(ODD), indent=2),
    json.dumps(_QUERIES, indent=2),
    json.dumps(_QUERIES, indent=1, ensure_ascii=False).replace('"uid"', '"uid": 0,\n"uid"', 1),  # a duplicate key
    json.dumps({"big": list(range(5000)), **_QUERIES}, indent=1),  # decoded by json.loads, located lazily
])
def test_lines_and_columns_in_any_order_are_those_counted_from_the_start(text: str) -> None:
    """Findings come in any order, over several calls (a document's, then its data sources'):
    each newline is counted once in file order, yet every place is the one counted from the
    start, before the last place asked for as well as after it."""
    import random

    data, located = decode_json(text)
    wanted: list[tuple[tuple[Any, ...], int | None]] = [(p, None) for p in _paths(data)]
    wanted += [(p, o) for p, _ in wanted for o in (0, 3, 9, 40) if isinstance(_value(data, p), str)]
    fresh = JsonLocator(text)
    want = [_counted(text, fresh._offset(p, o)) for p, o in wanted]
    rng = random.Random(5)
    for _ in range(4):
        order = rng.sample(range(len(wanted)), len(wanted) // 3)
        assert located.locate_many([wanted[i] for i in order]) == [want[i] for i in order]
    assert [located.locate(p, o) for p, o in wanted[::-7]] == want[::-7]


def _value(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


_MISSING = object()


def _exists(data: Any, path: tuple[Any, ...]) -> bool:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return False
    return True


@pytest.mark.parametrize("text", [json.dumps(json.loads(ODD)), json.dumps(json.loads(ODD), indent=2),
                                  json.dumps(_dashboard(5), indent=1), "[]", "{}", ' "s" ', "3"])
@pytest.mark.parametrize("fresh", [False, True])
def test_a_span_is_where_the_value_starts_and_where_its_reading_ends(text: str, fresh: bool) -> None:
    """span(path) of a decoded document (its members' ends recorded while decoding) or of a fresh
    locator: None where the document has no such value, else its place and where json's own
    reading of the value from there ends. (ODD as written has duplicate keys, whose first place
    the locator keeps and whose last value json.loads keeps: rewritten, it has none.)"""
    data, located = decode_json(text)
    if fresh:
        located = JsonLocator(text)
    for path in _paths(data):
        span = located.span(path)
        if not _exists(data, path):
            assert span is None, path
            continue
        assert span is not None, path
        assert span[0] == located.position(path)
        assert span[1] == json.JSONDecoder().raw_decode(text, span[0])[1], path


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_the_infinities_are_no_json(literal: str) -> None:
    """Python's json reads them, Grafana refuses the file: decoding refuses them, by hand or not,
    in a top-level member, deeper, or in a document too long to read by hand."""
    for text in ('{"a": %s}' % literal, '{"panels": [{"targets": [{"v": %s}]}]}' % literal,
                 json.dumps(list(range(5000)))[:-1] + ", %s]" % literal):
        with pytest.raises(ValueError, match=f"{literal} is not JSON"):
            decode_json(text)
