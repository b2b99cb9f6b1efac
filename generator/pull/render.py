"""The pull report: what was written for each dashboard, and what a person must do next."""

from __future__ import annotations

import json

from ..resource import display_name
from ..remote.preflight import Target
from ..diff import entry_text
from .importer import NEW, RECONCILE, SKIPPED, UNCHANGED, UPDATED, PullResult

SYMBOLS = {NEW: "+", UPDATED: "~", RECONCILE: "!", UNCHANGED: "=", SKIPPED: "·"}
MAX_CHANGES = 12


def summary_line(result: PullResult, dry_run: bool) -> str:
    verb = "would write" if dry_run else "wrote"
    files = len(result.writes)
    text = (f"Pull: {result.count(NEW)} new, {result.count(UPDATED)} updated, {result.count(RECONCILE)} to reconcile, "
            f"{result.count(UNCHANGED)} unchanged, {result.count(SKIPPED)} skipped; {verb} {files} file(s).")
    if files and not dry_run:
        text += " Next: `gac build`, review, commit."
    return text


def text_report(result: PullResult, target: Target, *, dry_run: bool = False, quiet: bool = False) -> str:
    """`quiet`: only the dashboards a person must look at (to reconcile, skipped), the notes and
    the summary line."""
    lines = [] if quiet else [f"Grafana {target.version} at {target.url}, org {target.org_id}", ""]
    for item in result.items:
        if quiet and item.action not in (RECONCILE, SKIPPED):
            continue
        folder = item.folder_uid if item.kind == "dashboard" else None
        line = f"  {SYMBOLS[item.action]} {display_name(item.kind, item.uid, item.title, folder)}"
        if item.files:
            line += " → " + ", ".join(item.files)
        if item.detail:
            line += f" ({item.detail})"
        lines.append(line)
        if item.action in (UPDATED, RECONCILE):
            lines += [f"      {entry_text(e)}" for e in item.changes[:MAX_CHANGES]]
            if len(item.changes) > MAX_CHANGES:
                lines.append(f"      … and {len(item.changes) - MAX_CHANGES} more change(s)")
    lines += [""] + [f"Note: {note}" for note in result.notes] if result.notes else []
    lines += ["", summary_line(result, dry_run)] if lines else [summary_line(result, dry_run)]
    return "\n".join(lines)


def json_report(result: PullResult, *, dry_run: bool = False) -> str:
    doc = {
        "dry_run": dry_run,
        "items": [{"kind": i.kind, "uid": i.uid, "title": i.title, "folder": i.folder_uid, "action": i.action,
                   "files": i.files, "detail": i.detail,
                   "changes": [{**e.to_json(), "text": entry_text(e)} for e in i.changes]} for i in result.items],
        "notes": result.notes,
        "files": sorted(str(p) for p in result.writes),
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)
