"""A semantic diff of two Grafana objects: which panel, query, threshold or field changed.

A line diff of dashboard JSON says "line 812 changed"; a reviewer needs `panel "Error
ratio" › query A › expr: "..." → "..."`. This module matches the parts people name --
panels by id (then title), queries by refId, variables by name, rules by uid -- and
reports each change at the level a person thinks in, with compact values (thresholds as
`green, red 80`, positions as `6×9 at 0,1`).

Pure functions over JSON values; plan, drift and the pull-request diff all use it. Input
is either two bodies (`diff_bodies(kind, old, new)`) or two comparison forms as the
handlers build them (`{"body": ..., "folder": ..., ...}`, `semantic_diff`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from ..datasource_index import EXPR_UID
from ..handlers.live import canonical

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()

#: keys that identify an element of a list of objects, in order of preference
_ID_KEYS = ("refId", "uid", "id", "name", "title")


@dataclass(frozen=True)
class DiffEntry:
    """One change: where (human labels, outermost first), the value before and after."""

    path: tuple[str, ...]
    before: Any = MISSING
    after: Any = MISSING

    @property
    def op(self) -> str:
        if self.before is MISSING:
            return "added"
        if self.after is MISSING:
            return "removed"
        return "changed"

    def describe(self, width: int = 70) -> str:
        where = " › ".join(self.path) or "(whole object)"
        if self.op == "added":
            return f"{where}: added {compact(self.after, width)}"
        if self.op == "removed":
            return f"{where}: removed (was {compact(self.before, width)})"
        return f"{where}: {compact(self.before, width)} → {compact(self.after, width)}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path), "op": self.op}
        if self.before is not MISSING:
            out["before"] = self.before
        if self.after is not MISSING:
            out["after"] = self.after
        return out


def compact(value: Any, width: int = 70) -> str:
    """A one-line rendering of a JSON value, shortened in the middle when too long."""
    text = json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    if len(text) <= width:
        return text
    keep = max(8, (width - 3) // 2)
    return f"{text[:keep]}…{text[-keep:]}"


# --- entry points ----------------------------------------------------------------------------

def semantic_diff(kind: str, before: Any, after: Any) -> list[DiffEntry]:
    """Diff two comparison forms (`{"body": ..., other keys}`) or two bodies of `kind`."""
    if isinstance(before, dict) and isinstance(after, dict) and "body" in before and "body" in after:
        entries = diff_bodies(kind, before["body"], after["body"])
        for key in sorted((set(before) | set(after)) - {"body"}):
            entries += _generic((_FORM_LABELS.get(key, key),), before.get(key, MISSING), after.get(key, MISSING))
        return entries
    return diff_bodies(kind, before, after)


def diff_bodies(kind: str, before: Any, after: Any) -> list[DiffEntry]:
    differ = _BODY_DIFFERS.get(kind, _generic_root)
    return differ(before, after)


_FORM_LABELS = {"folder": "folder", "provenance": "provenance", "secrets": "secrets set in Grafana"}


# --- generic -------------------------------------------------------------------------------

def _generic_root(before: Any, after: Any) -> list[DiffEntry]:
    return _generic((), before, after)


def _generic(path: tuple[str, ...], before: Any, after: Any) -> list[DiffEntry]:
    """Recursive diff: dicts by key, lists of identified objects by id, other lists whole."""
    if _same(before, after):
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[DiffEntry] = []
        for key in sorted(set(before) | set(after), key=str):
            out += _generic(path + (str(key),), before.get(key, MISSING), after.get(key, MISSING))
        return out
    if isinstance(before, list) and isinstance(after, list):
        key = _list_id_key(before, after)
        if key is not None:
            return _keyed_lists(path, before, after, key, lambda item: f"{key} {item.get(key)}", _generic)
        if len(before) == len(after) and all(isinstance(x, (dict, list)) for x in before + after):
            out = []
            for index, (old, new) in enumerate(zip(before, after)):
                out += _generic(path + (f"[{index}]",), old, new)
            return out
    return [DiffEntry(path, before, after)]


def _same(a: Any, b: Any) -> bool:
    return _canon(a) == _canon(b)


def _canon(value: Any) -> str:
    if value is MISSING:
        return "<missing>"
    return json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, default=str)


def _list_id_key(before: list[Any], after: list[Any]) -> str | None:
    items = before + after
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    for key in _ID_KEYS:
        for side in (before, after):
            values = [x.get(key) for x in side]
            if any(v is None for v in values) or len(set(map(str, values))) != len(values):
                break
        else:
            return key
    return None


Differ = Callable[[tuple[str, ...], Any, Any], list[DiffEntry]]


def _keyed_lists(path: tuple[str, ...], before: list[dict[str, Any]], after: list[dict[str, Any]], key: str,
                 label: Callable[[dict[str, Any]], str], differ: Differ) -> list[DiffEntry]:
    """Match list elements by `key`; report added/removed elements whole, matched ones deeply."""
    old = {str(x.get(key)): x for x in before}
    new = {str(x.get(key)): x for x in after}
    out: list[DiffEntry] = []
    for ident in _ordered(list(old), list(new)):
        a, b = old.get(ident, MISSING), new.get(ident, MISSING)
        where = path + (label(b if b is not MISSING else a),)
        if a is MISSING or b is MISSING:
            out.append(DiffEntry(where, _summary(a), _summary(b)))
        else:
            out += differ(where, a, b)
    if not out and [str(x.get(key)) for x in before] != [str(x.get(key)) for x in after]:
        out.append(DiffEntry(path + ("order",), [x.get(key) for x in before], [x.get(key) for x in after]))
    return out


def _ordered(first: list[str], second: list[str]) -> list[str]:
    seen = dict.fromkeys(first)
    seen.update(dict.fromkeys(second))
    return list(seen)


def _summary(value: Any) -> Any:
    """An added or removed element shown by its name rather than its whole JSON."""
    if isinstance(value, dict):
        for key in ("title", "expr", "name", "uid", "refId"):
            if isinstance(value.get(key), str):
                return value[key]
    return value


# --- dashboards ------------------------------------------------------------------------------

def _panel_label(panel: dict[str, Any]) -> str:
    title = panel.get("title")
    kind = "row" if panel.get("type") == "row" else "panel"
    if title:
        return f'{kind} "{title}"' + (f" (id {panel['id']})" if "id" in panel else "")
    return f"{kind} id {panel.get('id')}"


def _flatten_panels(panels: Any) -> list[dict[str, Any]]:
    """Panels including those nested in collapsed rows, each once."""
    out: list[dict[str, Any]] = []
    for panel in panels if isinstance(panels, list) else []:
        if not isinstance(panel, dict):
            continue
        nested = panel.get("panels")
        out.append({k: v for k, v in panel.items() if k != "panels"} if isinstance(nested, list) else panel)
        if isinstance(nested, list):
            out += _flatten_panels(nested)
    return out


def _unique(items: list[Any], key: str) -> bool:
    """Every item is an object with a distinct, present `key`."""
    values = [x.get(key) if isinstance(x, dict) else None for x in items]
    return all(v is not None for v in values) and len(set(map(str, values))) == len(values)


def _diff_dashboard(before: Any, after: Any) -> list[DiffEntry]:
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return _generic((), before, after)
    out: list[DiffEntry] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if _same(a, b):
            continue
        if key == "panels" and isinstance(a, list) and isinstance(b, list):
            out += _diff_panels(_flatten_panels(a), _flatten_panels(b))
        elif key == "templating" and isinstance(a, dict) and isinstance(b, dict):
            out += _named_list(("variable",), a.get("list") or [], b.get("list") or [], "name", lambda v: f"variable ${v.get('name')}")
            out += _generic(("templating",), {k: v for k, v in a.items() if k != "list"},
                            {k: v for k, v in b.items() if k != "list"})
        elif key == "annotations" and isinstance(a, dict) and isinstance(b, dict):
            out += _named_list(("annotation",), a.get("list") or [], b.get("list") or [], "name",
                               lambda v: f'annotation "{v.get("name")}"')
        else:
            out += _generic((key,), a, b)
    return out


def _named_list(path: tuple[str, ...], before: list[Any], after: list[Any], key: str,
                label: Callable[[dict[str, Any]], str]) -> list[DiffEntry]:
    if _unique(before, key) and _unique(after, key):
        return _keyed_lists((), before, after, key, label, _generic)
    return _generic(path, before, after)


def _diff_panels(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[DiffEntry]:
    """Panels matched by id when ids are unique on both sides, else by title."""
    for key in ("id", "title"):
        if _unique(before, key) and _unique(after, key):
            return _keyed_lists((), before, after, key, _panel_label, _diff_panel)
    return _generic(("panels",), before, after)


def _diff_panel(path: tuple[str, ...], before: dict[str, Any], after: dict[str, Any]) -> list[DiffEntry]:
    out: list[DiffEntry] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if _same(a, b):
            continue
        if key == "targets" and isinstance(a, list) and isinstance(b, list) and _list_id_key(a, b) == "refId":
            out += _keyed_lists(path, a, b, "refId", lambda t: f"query {t.get('refId')}", _generic)
        elif key == "gridPos" and isinstance(a, dict) and isinstance(b, dict):
            out.append(DiffEntry(path + ("position",), _grid(a), _grid(b)))
        elif key == "fieldConfig" and isinstance(a, dict) and isinstance(b, dict):
            out += _diff_field_config(path, a, b)
        else:
            out += _generic(path + (key,), a, b)
    return out


def _grid(pos: dict[str, Any]) -> str:
    return f"{pos.get('w')}×{pos.get('h')} at {pos.get('x')},{pos.get('y')}"


def _thresholds(value: Any) -> Any:
    if not isinstance(value, dict) or not isinstance(value.get("steps"), list):
        return value
    steps = ", ".join(f"{s.get('color')}" + ("" if s.get("value") is None else f" {canonical(s.get('value'))}")
                      for s in value["steps"] if isinstance(s, dict))
    mode = value.get("mode")
    return f"{steps} ({mode})" if mode and mode != "absolute" else steps


def _diff_field_config(path: tuple[str, ...], before: dict[str, Any], after: dict[str, Any]) -> list[DiffEntry]:
    out: list[DiffEntry] = []
    da, db = before.get("defaults") or {}, after.get("defaults") or {}
    for key in sorted(set(da) | set(db)):
        a, b = da.get(key, MISSING), db.get(key, MISSING)
        if _same(a, b):
            continue
        if key == "thresholds":
            out.append(DiffEntry(path + ("thresholds",), _thresholds(a) if a is not MISSING else a,
                                 _thresholds(b) if b is not MISSING else b))
        else:
            out += _generic(path + (key,), a, b)
    rest_a = {k: v for k, v in before.items() if k != "defaults"}
    rest_b = {k: v for k, v in after.items() if k != "defaults"}
    out += _generic(path + ("fieldConfig",), rest_a, rest_b)
    return out


# --- alert rule groups -----------------------------------------------------------------------

def _diff_rule_group(before: Any, after: Any) -> list[DiffEntry]:
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return _generic((), before, after)
    out: list[DiffEntry] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if _same(a, b):
            continue
        if key == "rules" and isinstance(a, list) and isinstance(b, list) and _list_id_key(a, b) in ("uid", "title"):
            ident = _list_id_key(a, b) or "uid"
            out += _keyed_lists((), a, b, ident, lambda r: f'rule "{r.get("title", r.get("uid"))}"', _diff_rule)
        elif key == "interval":
            out.append(DiffEntry(("evaluation interval",), _seconds(a), _seconds(b)))
        else:
            out += _generic((key,), a, b)
    return out


def _seconds(value: Any) -> Any:
    return f"{value}s" if isinstance(value, int) and not isinstance(value, bool) else value


def _diff_rule(path: tuple[str, ...], before: dict[str, Any], after: dict[str, Any]) -> list[DiffEntry]:
    out: list[DiffEntry] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if _same(a, b):
            continue
        if key == "data" and isinstance(a, list) and isinstance(b, list) and _list_id_key(a, b) == "refId":
            out += _keyed_lists(path, a, b, "refId", _query_label, _diff_query)
        elif key == "for":
            out.append(DiffEntry(path + ("pending period",), a, b))
        else:
            out += _generic(path + (key,), a, b)
    return out


def _query_label(query: dict[str, Any]) -> str:
    model = query.get("model") if isinstance(query.get("model"), dict) else {}
    if query.get("datasourceUid") == EXPR_UID:
        return f"expression {query.get('refId')} ({model.get('type', '?')})"
    return f"query {query.get('refId')}"


def _diff_query(path: tuple[str, ...], before: dict[str, Any], after: dict[str, Any]) -> list[DiffEntry]:
    ma, mb = before.get("model") or {}, after.get("model") or {}
    out: list[DiffEntry] = []
    if isinstance(ma, dict) and isinstance(mb, dict) and ma.get("type") == mb.get("type") == "threshold":
        ta, tb = _threshold_text(ma), _threshold_text(mb)
        if ta != tb:
            out.append(DiffEntry(path + ("threshold",), ta, tb))
        ma = {k: v for k, v in ma.items() if k != "conditions"}
        mb = {k: v for k, v in mb.items() if k != "conditions"}
    out += _generic(path, {k: v for k, v in before.items() if k != "model"},
                    {k: v for k, v in after.items() if k != "model"})
    out += _generic(path, ma, mb)
    return out


_OPS = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<=", "within_range": "within", "outside_range": "outside",
        "eq": "=", "ne": "!="}


def _threshold_text(model: dict[str, Any]) -> Any:
    conditions = model.get("conditions")
    if not isinstance(conditions, list):
        return conditions
    parts = []
    for condition in conditions:
        evaluator = condition.get("evaluator") if isinstance(condition, dict) else None
        if not isinstance(evaluator, dict):
            return conditions
        params = evaluator.get("params") or []
        parts.append(f"{model.get('expression', '?')} {_OPS.get(evaluator.get('type'), evaluator.get('type'))} "
                     + " ".join(str(p) for p in params))
    return "; ".join(parts)


_BODY_DIFFERS: dict[str, Callable[[Any, Any], list[DiffEntry]]] = {
    "dashboard": _diff_dashboard,
    "alert-rule-group": _diff_rule_group,
}
