"""The review as Markdown (a pull-request comment), text (a terminal) or JSON.

Markdown: a title, the summary table, then per kind the objects that changed with their
semantic diff and the raw JSON diff folded into `<details>`. GitHub refuses comments over
65536 characters, so raw diffs are dropped (largest first) until the comment fits; the
semantic diff always stays.
"""

from __future__ import annotations

import json
from typing import Any

from ..diff import entry_text
from ..resource import display_name
from ..templates import render
from .compare import ADDED, CHANGED, REMOVED, SYMBOLS, Comparison, ObjectChange
from .summary import KIND_LABELS, kind_order, rows

COMMENT_BUDGET = 60000


def _groups(comparison: Comparison, raw_kept: set[int]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for index, change in enumerate(comparison.changes):
        groups.setdefault(change.kind, []).append(
            {"change": change, "symbol": SYMBOLS[change.action], "raw": change.raw if index in raw_kept else ""})
    ordered = [kind for kind in kind_order() if kind in groups]  # the summary table's order
    return [{"label": KIND_LABELS.get(kind, kind), "objects": groups[kind]} for kind in ordered]


def markdown(comparison: Comparison, old_label: str, new_label: str, title: str = "Grafana changes") -> str:
    kept = {i for i, c in enumerate(comparison.changes) if c.raw}
    context = {"title": title, "old": old_label, "new": new_label, "rows": rows(comparison),
               "unchanged": comparison.unchanged, "clean": comparison.clean}
    text = render("review.md.j2", groups=_groups(comparison, kept), dropped=0, **context)
    by_size = sorted(kept, key=lambda i: (-len(comparison.changes[i].raw), i))
    dropped = 0
    while len(text) > COMMENT_BUDGET and by_size:
        kept.discard(by_size.pop(0))
        dropped += 1
        text = render("review.md.j2", groups=_groups(comparison, kept), dropped=dropped, **context)
    return text


def _name(change: ObjectChange) -> str:
    return display_name(change.kind, change.uid, change.title, change.folder)


def text(comparison: Comparison, old_label: str, new_label: str) -> str:
    lines = [f"{old_label} → {new_label}", ""]
    for change in comparison.changes:
        lines.append(f"  {SYMBOLS[change.action]} {_name(change)}")
        lines += [f"      {entry_text(entry)}" for entry in change.entries]
    if comparison.clean:
        lines.append("  No changes.")
    lines.append("")
    lines += [f"{row.label}: {row.added} added, {row.changed} changed, {row.removed} removed" for row in rows(comparison)]
    counts = {a: sum(c.action == a for c in comparison.changes) for a in (ADDED, CHANGED, REMOVED)}
    lines.append(f"Diff: {counts[ADDED]} added, {counts[CHANGED]} changed, {counts[REMOVED]} removed, "
                 f"{comparison.unchanged} unchanged.")
    return "\n".join(lines)


def as_json(comparison: Comparison, old_label: str, new_label: str) -> str:
    doc = {
        "old": old_label, "new": new_label,
        "summary": [{"label": r.label, "added": r.added, "changed": r.changed, "removed": r.removed}
                    for r in rows(comparison)],
        "unchanged": comparison.unchanged,
        "changes": [{"action": c.action, "kind": c.kind, "uid": c.uid, "title": c.title, "folder": c.folder,
                     "old_path": c.old_path, "new_path": c.new_path,
                     "diff": [{**e.to_json(), "text": entry_text(e)} for e in c.entries]}
                    for c in comparison.changes],
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)
