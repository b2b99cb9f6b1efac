"""The semantic diff's one walk and one renderer, on their own (no handler, no server)."""

from __future__ import annotations

from typing import Any

from generator.diff import ITEM, MISSING, DiffEntry, Part, Parts, diff_bodies, entry_text, semantic_diff
from generator.handlers import HANDLERS
from generator.templates import code_span


class Plain:
    """A kind that names nothing: the generic walk alone (its body is the object itself)."""

    def __init__(self, parts: Parts | None = None) -> None:
        self.parts: Parts = {("body",): Part(label=""), **(parts or {})}

    def diff_parts(self) -> Parts:
        return self.parts


def lines(kind: Any, before: Any, after: Any) -> list[str]:
    return [entry_text(e) for e in diff_bodies(kind, before, after)]


def test_nested_dicts_are_walked_key_by_key_in_sorted_order() -> None:
    before = {"b": {"x": 1, "gone": True}, "a": {"deep": {"v": "old"}}, "same": [1, 2]}
    after = {"b": {"x": 2, "new": "n"}, "a": {"deep": {"v": "new"}}, "same": [1, 2]}
    assert lines(Plain(), before, after) == [
        'a › deep › v: "old" → "new"',
        "b › gone: removed (was true)",
        'b › new: added "n"',
        "b › x: 1 → 2",
    ]


def test_lists_of_identified_objects_are_matched_by_id_not_position() -> None:
    before = {"items": [{"uid": "a", "v": 1}, {"uid": "b", "v": 1}, {"uid": "c", "title": "Old C"}]}
    after = {"items": [{"uid": "b", "v": 2}, {"uid": "a", "v": 1}, {"uid": "d", "title": "New D"}]}
    entries = diff_bodies(Plain(), before, after)
    assert [entry_text(e) for e in entries] == [
        "items › uid b › v: 1 → 2",  # old order first, then what is new
        'items › uid c: removed (was "Old C")',
        'items › uid d: added "New D"',
    ]
    assert entries[1].op == "removed" and entries[1].after is MISSING


def test_a_reorder_alone_is_one_order_change() -> None:
    before = {"items": [{"name": "x", "v": 1}, {"name": "y", "v": 2}]}
    after = {"items": [{"name": "y", "v": 2}, {"name": "x", "v": 1}]}
    assert lines(Plain(), before, after) == ['items › order: ["x", "y"] → ["y", "x"]']


def test_lists_without_ids_go_element_by_element_or_whole() -> None:
    assert lines(Plain(), {"l": [{"a": 1}, {"a": 2}]}, {"l": [{"a": 1}, {"a": 3}]}) == ["l › [1] › a: 2 → 3"]
    assert lines(Plain(), {"l": [1, 2]}, {"l": [2, 1, 3]}) == ["l: [1, 2] → [2, 1, 3]"]


def test_a_kinds_parts_name_match_view_and_hoist() -> None:
    """The handler hook: keyed by its own keys and names, views, hoisted and unlabelled places."""
    kind = Plain({
        ("body", "rows"): Part(keys=("key",), name=lambda r: f"row {r['key']}"),
        ("body", "rows", ITEM, "size"): Part(label="size in cm", view=lambda v: f"{v} cm"),
        ("body", "box", "inner"): Part(label="", hoist=True),
    })
    before = {"rows": [{"key": "r1", "size": 1}], "box": {"inner": {"colour": "red"}, "other": 1}}
    after = {"rows": [{"key": "r1", "size": 2}, {"key": "r2"}], "box": {"other": 2}}
    assert lines(kind, before, after) == [
        'colour: removed (was "red")',  # the missing `inner` counts as empty; told under box's parent
        "box › other: 1 → 2",
        'row r1 › size in cm: "1 cm" → "2 cm"',
        'row r2: added {"key": "r2"}',
    ]


def test_a_view_never_hides_a_change() -> None:
    kind = Plain({("body", "pos"): Part(label="position", view=lambda p: f"{p['w']} wide")})
    assert lines(kind, {"pos": {"w": 6}}, {"pos": {"w": 6, "static": True}}) == ["position › static: added true"]


def test_comparison_forms_report_the_body_as_the_object_and_other_keys_by_name() -> None:
    before = {"body": {"title": "a"}, "secrets": ["password"]}
    after = {"body": {"title": "b"}, "secrets": []}
    assert [entry_text(e) for e in semantic_diff(HANDLERS["datasource"], before, after)] == [
        'title: "a" → "b"', 'secrets set in Grafana: ["password"] → []']


def test_renderer_text_and_markdown() -> None:
    assert entry_text(DiffEntry(("panel \"New\" (id 3)",), MISSING, "New")) == 'panel "New" (id 3): added "New"'
    assert entry_text(DiffEntry(("x",), 1, MISSING)) == "x: removed (was 1)"
    assert entry_text(DiffEntry((), {"a": 1}, {"a": 2})) == '(whole object): {"a": 1} → {"a": 2}'
    assert entry_text(DiffEntry(("expr",), "up", "down"), code_span) == "expr: `up` → `down`"
    long = entry_text(DiffEntry(("v",), MISSING, "x" * 1000))
    assert "…" in long and len(long) < 420


def test_plan_and_drift_print_one_change_the_same_way() -> None:
    """One renderer: the plan's line and the drift report's line for an added panel agree."""
    from generator.sync.plan import Change
    from generator.sync.report import _diff_lines

    entry = DiffEntry(('panel "New" (id 9)',), MISSING, "New")
    change = Change("update", "dashboard", ("dashboard", "d"), diff=[entry])
    assert _diff_lines(change, "") == [entry_text(entry)] == ['panel "New" (id 9): added "New"']
