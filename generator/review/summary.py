"""The summary table reviewers read first: objects per kind, then the changes that decide
what a dashboard shows or when an alert fires -- queries, thresholds, alert conditions.

Counted from the semantic diff's paths, each place once (a query whose expression and
legend both changed is one changed query). Queries, thresholds and alert conditions are
counted inside objects present on both sides; an added or removed object is counted once,
as an object.

* query: an expression (`expr`, `query`, ...) of a panel target or of an alert rule's
  data query changed, or a whole query added or removed;
* threshold: a panel's thresholds, or an alert rule's threshold expression;
* alert condition: per rule, anything in its expressions (reduce, math, threshold,
  classic condition), the `condition` it fires on or its pending period -- or the whole
  rule added or removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diff import DiffEntry
from ..handlers import HANDLERS
from .compare import ADDED, CHANGED, REMOVED, Comparison, ObjectChange

#: each kind's heading, in the order the summary and the sections list them
KIND_LABELS = {"folder": "Folders", "datasource": "Data sources", "dashboard": "Dashboards",
               "alert-rule-group": "Alert rule groups", "contact-point": "Contact points",
               "notification-template": "Notification templates", "mute-timing": "Mute timings",
               "notification-policy-tree": "Notification policies"}
QUERY_TEXT_KEYS = frozenset({"expr", "query", "expression", "rawSql", "rawQuery", "target"})
CONDITION_KEYS = frozenset({"condition", "pending period"})


@dataclass(frozen=True)
class Row:
    label: str
    added: int
    changed: int
    removed: int

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


def kind_order() -> list[str]:
    """The kinds in the order sync applies them: the summary's rows and the review's sections."""
    return sorted(HANDLERS, key=lambda k: HANDLERS[k].level)


def rows(comparison: Comparison) -> list[Row]:
    """Non-empty rows: object kinds (in apply order), then queries, thresholds, alert conditions."""
    out = []
    for kind in kind_order():
        of_kind = [c for c in comparison.changes if c.kind == kind]
        out.append(Row(KIND_LABELS.get(kind, kind), *(sum(c.action == a for c in of_kind)
                                                      for a in (ADDED, CHANGED, REMOVED))))
    places: dict[str, dict[tuple, set[str]]] = {"Queries": {}, "Thresholds": {}, "Alert conditions": {}}
    for change in comparison.changes:
        if change.action != CHANGED:
            continue
        for entry in change.entries:
            for label, place in _places(change, entry):
                # a whole query/rule/threshold added or removed, or something inside it changed
                op = entry.op if len(entry.path) == len(place) else CHANGED
                places[label].setdefault((change.identity, place), set()).add(op)
    for label, found in places.items():
        ops = [_op(kinds) for kinds in found.values()]
        out.append(Row(label, ops.count(ADDED), ops.count(CHANGED), ops.count(REMOVED)))
    return [row for row in out if row.total]


def _op(ops: set[str]) -> str:
    return next(iter(ops)) if len(ops) == 1 else CHANGED


def _places(change: ObjectChange, entry: DiffEntry) -> list[tuple[str, tuple[str, ...]]]:
    path = entry.path
    out: list[tuple[str, tuple[str, ...]]] = []
    for index, segment in enumerate(path):
        if segment.startswith("query "):
            rest = path[index + 1:]
            if not rest or rest[0] in QUERY_TEXT_KEYS:
                out.append(("Queries", path[:index + 1]))
            break
    if any(segment in ("thresholds", "threshold") for segment in path):
        cut = next(i for i, s in enumerate(path) if s in ("thresholds", "threshold"))
        out.append(("Thresholds", path[:cut + 1]))
    if change.kind == "alert-rule-group" and path and path[0].startswith("rule "):
        if len(path) == 1 or any(s.startswith("expression ") or s in CONDITION_KEYS for s in path[1:]):
            out.append(("Alert conditions", path[:1]))
    return out
