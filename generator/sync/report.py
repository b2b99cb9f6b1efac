"""Plan and sync results as text (Terraform-style) or JSON. Pure formatting: returns strings.

Text: one line per object (`+` create, `~` update, `-` delete, `!` conflict, `=` unchanged
with verbose), the semantic diff indented below updates and conflicts, the objects left
alone in managed folders, notes, then one summary line. JSON: the same facts with sorted
keys, for machines. Neither ever contains a secret: bodies are not printed, only diffs of
comparison forms, which hold no secret values.
"""

from __future__ import annotations

import json
from typing import Any

from ..diff import entry_text
from ..handlers import HANDLERS
from ..handlers.live import SyncContext
from ..remote.preflight import Target
from ..resource import display_name
from .apply import (APPLIED, CONFLICTED, CONVERGED, FAILED, INTERRUPTED, SKIPPED, UNCHANGED_STATUS, ApplyResult,
                    Outcome)
from .plan import CONFLICT, CREATE, DELETE, SYMBOLS, UNCHANGED, UPDATE, Change, Plan

MAX_DIFF_LINES = 12


def header(target: Target, env_name: str) -> str:
    """Who and where, then which API each kind goes through (legacy /api or Grafana 12+'s /apis)."""
    who = f"as {target.login}" if target.login else "as an unidentified user"
    env = f"; environment {env_name}" if env_name else ""
    apis = ", ".join(f"{kind} via {api}" for kind, api in kind_apis(target).items())
    return f"Grafana {target.version} at {target.url}, org {target.org_id}, {who}{env}\nAPIs: {apis}"


def kind_apis(target: Target) -> dict[str, str]:
    """kind -> the API its handler goes through on this Grafana."""
    ctx = SyncContext(org_id=target.org_id, apis=target.apis)
    return {kind: handler.api(ctx) for kind, handler in HANDLERS.items()}


def _name(change: Change) -> str:
    return display_name(change.kind, change.uid, change.title, change.folder_uid)


def _diff_lines(change: Change, indent: str = "      ") -> list[str]:
    lines = [indent + entry_text(entry) for entry in change.diff[:MAX_DIFF_LINES]]
    if len(change.diff) > MAX_DIFF_LINES:
        lines.append(f"{indent}… and {len(change.diff) - MAX_DIFF_LINES} more change(s)")
    return lines


def requests_line(requests: dict[str, int]) -> str:
    """What reading Grafana cost: a no-op plan should cost listings (pages), not one GET per object."""
    total = requests["reads"] + requests["writes"]
    retries = f", {requests['retries']} retries" if requests.get("retries") else ""
    return f"Requests: {total} ({requests['reads']} reads, {requests['writes']} writes{retries})"


def plan_text(plan: Plan, target: Target, env_name: str, *, verbose: bool = False,
              requests: dict[str, int] | None = None) -> str:
    """`requests`: the connection's count so far (preflight and reading the live state), shown in the header."""
    lines = [header(target, env_name)] + ([requests_line(requests)] if requests else []) + [""]
    shown = 0
    for change in plan.changes:
        if change.action == UNCHANGED and not verbose:
            continue
        shown += 1
        line = f"  {SYMBOLS[change.action]} {_name(change)}"
        if change.action == CONFLICT:
            line += f": {change.reason}; not {'deleted' if change.intent == DELETE else 'overwritten'} " \
                    "(--force backs it up, then overwrites)" \
                    if change.live is not None and not change.live.read_only and not change.clash \
                    else f": {change.reason}"
        elif change.forced:
            line += f" (forced: {change.reason}; the live object is backed up first)"
        elif change.reason:
            line += f" ({change.reason})"
        lines.append(line)
        if change.action in (UPDATE, CONFLICT) and change.diff:
            lines += _diff_lines(change)
    if not shown:
        lines.append("  No changes: Grafana matches generated/.")
    if plan.strays:
        lines += ["", "Not managed by gac, in managed folders (left alone):"]
        lines += [f"  ? {display_name(s.kind, s.uid, s.title, s.folder_uid)}" for s in plan.strays]
    if plan.notes:
        lines += [""] + [f"Note: {note}" for note in plan.notes]
    lines += ["", plan_summary(plan)]
    return "\n".join(lines)


def plan_summary(plan: Plan) -> str:
    c = plan.counts()
    return (f"Plan: {c[CREATE]} to create, {c[UPDATE]} to update, {c[DELETE]} to delete, "
            f"{c[CONFLICT]} conflict{'s' if c[CONFLICT] != 1 else ''}, {c[UNCHANGED]} unchanged.")


def _change_json(change: Change) -> dict[str, Any]:
    folder = change.folder_uid
    out: dict[str, Any] = {"action": change.action, "kind": change.kind, "uid": change.uid, "title": change.title,
                           "folder": folder or None, "diff": [d.to_json() for d in change.diff]}
    if change.reason:
        out["reason"] = change.reason
    if change.forced:
        out["forced"] = True
    if change.intent:
        out["intent"] = change.intent
    if change.clash:
        out["clash"] = "name"
    if change.live is not None and change.live.version is not None:
        out["live_version"] = change.live.version
    return out


def _target_json(target: Target, env_name: str) -> dict[str, Any]:
    return {"url": target.url, "version": target.version, "org_id": target.org_id, "login": target.login,
            "environment": env_name or None, "apis": kind_apis(target)}


def plan_json(plan: Plan, target: Target, env_name: str, requests: dict[str, int] | None = None) -> str:
    doc: dict[str, Any] = {
        "target": _target_json(target, env_name),
        "changes": [_change_json(c) for c in plan.changes],
        "unmanaged": [{"kind": s.kind, "uid": s.uid, "title": s.title, "folder": s.folder_uid} for s in plan.strays],
        "notes": plan.notes,
        "summary": plan.counts(),
        "pending": plan.pending,
    }
    if requests:
        doc["requests"] = requests
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)


_OUTCOME_SYMBOL = {FAILED: "x", SKIPPED: "·", CONFLICTED: "!", UNCHANGED_STATUS: "=", CONVERGED: "="}
_DONE = {CREATE: "created", UPDATE: "updated", DELETE: "deleted"}


def outcome_line(outcome: Outcome) -> str:
    change = outcome.change
    if outcome.status == APPLIED:
        text = f"{SYMBOLS[change.action]} {_name(change)}: {_DONE[change.action]}"
        if outcome.version is not None:
            text += f" (version {outcome.version})"
        if outcome.message:
            text += f"; {outcome.message}"
    else:
        text = f"{_OUTCOME_SYMBOL[outcome.status]} {_name(change)}: "
        # a name clash's message starts with the words "name clash", which say more than "conflict"
        plain = outcome.status + (f": {outcome.message}" if outcome.message else "")
        text += outcome.message if outcome.clash else plain
    if outcome.backup:
        text += f"; backed up to {outcome.backup}"
    return text


def sync_summary(result: ApplyResult, requests: dict[str, int] | None = None) -> str:
    c = result.counts()
    text = (f"Sync: {c['created']} created, {c['updated']} updated, {c['deleted']} deleted, "
            f"{c['unchanged']} unchanged, {c[CONFLICTED]} conflict{'s' if c[CONFLICTED] != 1 else ''}, "
            f"{c[FAILED]} failed, {c[SKIPPED]} not attempted.")
    if c[CONVERGED]:  # only when it happened: the usual summary line stays as it was
        text = text[:-1] + f", {c[CONVERGED]} converged (written by another run of gac)."
    if requests:
        text += (f" {requests['reads'] + requests['writes']} requests ({requests['reads']} reads, "
                 f"{requests['writes']} writes, {requests['retries']} retries).")
    return text


def sync_text(result: ApplyResult, requests: dict[str, int], *, verbose: bool = False, quiet: bool = False,
              lines_printed: bool = False) -> str:
    """The end of a sync report. `lines_printed`: per-object lines already went out as they happened."""
    lines: list[str] = []
    if not lines_printed:
        for outcome in result.outcomes:
            if (outcome.status == UNCHANGED_STATUS and not verbose) or (quiet and outcome.ok):
                continue
            lines.append(outcome_line(outcome))
    if result.stopped_part_way:
        lines.append(stopped_text(result))
    elif result.fatal:
        lines.append(f"Stopped: {result.fatal}")
    if result.interrupted:
        lines.append(interrupted_text(result))
    if not quiet:
        conflicts = sum(1 for o in result.outcomes if o.status == CONFLICTED and not o.clash)
        clashes = sum(1 for o in result.outcomes if o.status == CONFLICTED and o.clash)
        others = sum(1 for o in result.outcomes if not o.ok and o.status != CONFLICTED and o.message != INTERRUPTED)
        if conflicts:
            lines.append(f"Not applied: {conflicts} conflict(s), changed in Grafana and not overwritten. Bring the "
                         "change into the code, or run `gac sync --force` to back it up and overwrite it.")
        if clashes:
            lines.append(f"Not applied: {clashes} name clash(es): another object in Grafana holds the name, which "
                         "Grafana allows once. Rename the definition, or rename or delete the other object in Grafana "
                         "(each line above says which); `--force` does not apply.")
        if others:
            lines.append(f"Not applied: {others} object(s) failed or were not attempted. Fix the cause and run "
                         "`gac sync` again: what was written stays written and shows as unchanged.")
    lines.append(sync_summary(result, requests))
    return "\n".join(lines)


def interrupted_text(result: ApplyResult) -> str:
    """What a Ctrl-C left behind, and that a re-run picks up from there."""
    c = result.counts()
    return (f"Interrupted: {result.written} write(s) were applied, {c[SKIPPED]} object(s) not attempted; requests in "
            "flight were allowed to finish. Run `gac sync` again to converge: what was written shows as unchanged.")


def stopped_text(result: ApplyResult) -> str:
    """What a run stopped part-way (`ApplyResult.stopped_part_way`) left behind, and that a re-run continues."""
    c = result.counts()
    return (f"Stopped after {result.written} write(s) ({c['created']} created, {c['updated']} updated, "
            f"{c['deleted']} deleted; {c[SKIPPED]} object(s) not attempted): {(result.fatal or '').rstrip('.')}. Run `gac sync` again "
            "to continue: what was written shows as unchanged.")


def sync_json(result: ApplyResult, target: Target, env_name: str, requests: dict[str, int],
              backups: list[str]) -> str:
    doc = {
        "target": _target_json(target, env_name),
        "outcomes": [{**_change_json(o.change), "status": o.status, "message": o.message, "version": o.version,
                      "backup": o.backup, **({"clash": "name"} if o.clash else {})} for o in result.outcomes],
        "summary": result.counts(),
        "requests": requests,
        "backups": backups,
        "stopped": result.fatal,
        "interrupted": result.interrupted,
        "ok": result.ok,
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)
