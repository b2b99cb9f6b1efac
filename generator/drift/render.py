"""Drift reports as text (terminal), JSON (machines) and Markdown (CI artifacts, issues).

Pure formatting over a `DriftReport`. Nothing here holds a secret: data-source bodies
carry no secret values, only which secrets Grafana holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..diff import entry_text
from ..resource import display_name
from ..review.rawdiff import json_text, unified
from ..sync.report import header
from ..templates import render
from .model import CHANGED, CODE, GRAFANA, MISSING, NOT_DEFINED, UNMANAGED, DriftItem, DriftReport

#: a Markdown report stays below what a GitHub comment or step summary holds
MARKDOWN_BUDGET = 60000


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    symbol: str
    status: str
    origin: str | None = None


SECTIONS = (
    Section("changed_in_grafana", "Changed in Grafana since the last sync", "~", CHANGED, GRAFANA),
    Section("not_synced", "Changed in generated/, not yet synced", "~", CHANGED, CODE),
    Section("missing", "Missing in Grafana", "-", MISSING),
    Section("not_defined", "Managed by gac, no longer defined in code", "+", NOT_DEFINED),
    Section("unmanaged", "Not managed by gac, in managed folders", "?", UNMANAGED),
)


def name(item: DriftItem) -> str:
    return display_name(item.kind, item.uid, item.title, item.folder)


def summary_line(report: DriftReport) -> str:
    if not report.drift:
        return f"No drift: Grafana matches generated/ ({report.checked} objects compared)."
    c = report.counts()
    return (f"Drift: {c['changed_in_grafana']} changed in Grafana, {c['not_synced']} not yet synced, "
            f"{c['missing']} missing, {c['not_defined']} no longer defined, {c['unmanaged']} unmanaged "
            f"({report.checked} objects compared).")


def text_report(report: DriftReport, *, quiet: bool = False) -> str:
    if quiet:
        return summary_line(report)
    lines = [header(report.target, report.env_name), ""]
    for section in SECTIONS:
        items = report.by_status(section.status, section.origin)
        if not items:
            continue
        lines.append(f"{section.title} ({len(items)}):")
        for item in items:
            lines.append(f"  {section.symbol} {name(item)}" + (f": {item.detail}" if item.detail else ""))
            lines += [f"      {entry_text(entry)}" for entry in item.changes]
        lines.append("")
    lines += [f"Note: {note}" for note in report.notes]
    if report.notes:
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)


def _item_json(item: DriftItem) -> dict[str, Any]:
    out: dict[str, Any] = {"status": item.status, "kind": item.kind, "uid": item.uid, "title": item.title,
                           "folder": item.folder}
    if item.origin:
        out["origin"] = item.origin
    if item.detail:
        out["detail"] = item.detail
    if item.status == CHANGED:
        out["changes"] = [{**entry.to_json(), "text": entry_text(entry)} for entry in item.changes]
    return out


def json_report(report: DriftReport) -> str:
    target = report.target
    doc = {
        "target": {"url": target.url, "version": target.version, "org_id": target.org_id, "login": target.login,
                   "environment": report.env_name or None},
        "drift": report.drift,
        "summary": {**report.counts(), "compared": report.checked},
        "items": [_item_json(i) for i in report.items],
        "unadopted": [{k: v for k, v in _item_json(i).items() if k not in ("status", "changes")}
                      for i in report.unadopted],
        "notes": report.notes,
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)


def raw_diff(item: DriftItem) -> str:
    if item.code_form is None or item.live_form is None:
        return ""
    return unified(json_text(item.code_form), json_text(item.live_form), "generated/", "grafana")


def markdown_report(report: DriftReport) -> str:
    sections = [{"title": s.title, "symbol": s.symbol,
                 "objects": [{"item": i, "raw": raw_diff(i)} for i in report.by_status(s.status, s.origin)]}
                for s in SECTIONS]
    sections = [s for s in sections if s["objects"]]
    rows = [(s.title, report.counts()[s.key]) for s in SECTIONS]
    context = {"report": report, "sections": sections, "rows": rows, "summary": summary_line(report),
               "header": header(report.target, report.env_name), "with_raw": True}
    text = render("drift.md.j2", **context)
    if len(text) > MARKDOWN_BUDGET:
        text = render("drift.md.j2", **{**context, "with_raw": False})
    return text
