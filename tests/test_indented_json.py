"""The renderer's encoder: the bytes of `json.dumps(sort_keys=True, indent=2, ensure_ascii=False,
allow_nan=False)`."""

from __future__ import annotations

import collections
import enum
import json
import math

import pytest

from generator import indented_json
from generator.output import render
from tests.paths import SHARED, needs_shared


def reference(value: object) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)


def outcome(encode, value: object) -> object:
    """The text, or the type of the error (json refuses to sort mixed key types)."""
    try:
        return encode(value)
    except (TypeError, ValueError) as exc:
        return type(exc)


class Level(enum.IntEnum):
    LOW = 1


class Name(str):
    pass


TRICKY = [
    {},
    [],
    "plain",
    {"b": 1, "a": [1, 2.5, None, True, False, "x"], "c": {"d": {}, "e": [], "f": [[]], "g": [{}]}},
    {"expr": 'sum by (job) (rate(x{job=~"$job", re="[a-z]{2,}"}[$__rate_interval]))', "legend": "{{job}}"},
    {"quote": 'a "b" \\ c\n\t\u0001', "unicode": "p95 – μs ✓ 日本", "emoji": "\U0001f600"},
    {"floats": [0.1, 1e-05, 1e16, -0.0, 3.0, 1.7976931348623157e308, 5e-324], "big": 2**70},
    {"infinite": [0.1, math.inf]},
    {"flat": [-math.inf], "deep": {"in": [{"a": 1}, {"b": math.nan}]}},
    {"nested": {"list": [{"a": [1, {"b": [2, [3, {"c": {}}]]}]}], "empty": ""}},
    [[1, 2], [3, [4, [5, []]]], {"k": (1, 2)}],
    (1, "tuple", {"in": ("a", "b")}),
    {"z": {"y": 1}, "a": {"b": 2}, "m": [{"x": None}]},
    {1: "int key", "a": 2},
    {1: "int keys only", 2: {"x": 1}},
    {"a": {2.5: "float key", "b": 1}},
    {True: "bool key", None: "null key"},
    {"enum": Level.LOW, "sub": Name("str subclass"), "in": [Level.LOW]},
    {"deep": [[[[[[[[{"a": 1}]]]]]]]]},
    {"deeper than the walk goes": json.loads("[" * 70 + '{"a": [1, {"b": 2}]}' + "]" * 70)},
    {"subclasses": [collections.OrderedDict(b=1, a={"c": [2]}), collections.UserList([1])]},
]


@pytest.mark.parametrize("value", TRICKY, ids=range(len(TRICKY)))
def test_bytes_equal_json_dumps(value):
    assert outcome(indented_json.dumps, value) == outcome(reference, value)


def test_nan_and_the_infinities_are_refused_as_json_refuses_them():
    """JSON has no spelling for them that Grafana reads (Go's encoding/json refuses `NaN`): json.dumps
    writes them only with allow_nan, which the renderer does not give, flat or nested."""
    for value in ({"v": [math.nan]}, {"v": {"w": [{"x": math.inf}]}}, [-math.inf], math.nan):
        with pytest.raises(ValueError):
            reference(value)
        with pytest.raises(ValueError):
            indented_json.dumps(value)


def test_values_json_rejects_raise_as_json_does():
    with pytest.raises(TypeError):
        indented_json.dumps({"a": {"b": object()}})


def test_render_ends_with_a_newline_and_is_utf8():
    assert render({"t": "μ"}) == (reference({"t": "μ"}) + "\n").encode("utf-8")


def _corpus_documents():
    """The corpus, and every eighth file of the (32 MB) wild corpus: enough shapes, a second of run time."""
    return sorted((SHARED / "corpus").rglob("*.json")) + sorted((SHARED / "corpus-wild").rglob("*.json"))[::8]


@needs_shared
def test_corpus_documents_render_like_json_dumps():
    """Real dashboards and rule files, as they come: every one encodes to json.dumps's bytes."""
    checked = 0
    for path in _corpus_documents():
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        assert indented_json.dumps(value) == reference(value), path
        checked += 1
    assert checked > 50
