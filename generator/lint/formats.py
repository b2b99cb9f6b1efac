"""Findings as text, JSON, SARIF 2.1.0, GitHub workflow annotations or Markdown.

Every format is deterministic: findings arrive sorted (finding.sort_findings) and objects
are written with a fixed key order, so two runs over the same input print the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .finding import SEVERITY_RANK, Finding, sort_findings
from .registry import EXAMPLE_KINDS, RULES, Rule

FORMATS = ("text", "json", "sarif", "github", "markdown")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def format_findings(findings: Iterable[Finding], fmt: str = "text", rules: Mapping[str, Rule] | None = None,
                    unread: Sequence[str] = ()) -> str:
    """`unread`: what kept files from being linted, one message per file (lint_paths' `problems`).
    The formats a reader may see alone (a job summary, a pull-request comment, code scanning)
    say them; the JSON array holds findings only (DESIGN.md), the command prints them apart."""
    findings = sort_findings(list(findings))
    if fmt == "text":
        return to_text(findings, unread)
    if fmt == "json":
        return to_json(findings)
    if fmt == "sarif":
        return json.dumps(to_sarif(findings, rules or RULES, unread), indent=2, ensure_ascii=False)
    if fmt == "github":
        return to_github(findings, unread)
    if fmt == "markdown":
        return to_markdown(findings, unread)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def summary(findings: list[Finding], unread: Sequence[str] = ()) -> str:
    """"2 errors, 1 info in 3 files", or "no findings"; and how many paths could not be linted (no
    findings then means none in the files that could be read)."""
    counts = Counter(f.severity for f in findings)
    if not findings:
        said = "no findings in the files that could be read" if unread else "no findings"
    else:
        files = len({f.file for f in findings})
        parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
                 for s in ("error", "warning", "info") if counts[s]]
        said = f"{', '.join(parts)} in {files} file{'s' if files != 1 else ''}"
    if unread:
        # a file that cannot be read, a directory holding none to lint, a link that leads nowhere
        said += f"; {len(unread)} path{'s' if len(unread) != 1 else ''} could not be linted"
    return said


def _object(f: Finding) -> str:
    """The object a finding is about: dashboard › panel, or group › alert."""
    parts = []
    if f.dashboard:
        parts.append(f"dashboard {f.dashboard}")
    if f.group:
        parts.append(f"group {f.group}")
    if f.alert:
        parts.append(f"rule {f.alert}")
    if f.panel:
        parts.append(f"{f.panel}" if f.panel.startswith(("variable ", "annotation ", "data source "))
                     else f"panel {f.panel!r}")
    if f.panel_id is not None:
        parts.append(f"#{f.panel_id}")
    return " › ".join(parts) or "(document)"


def to_text(findings: list[Finding], unread: Sequence[str] = ()) -> str:
    """Grouped by file, then by object (dashboard › panel, group › rule), then one line per finding;
    the files that could not be read are counted in the summary (the command prints why apart)."""
    lines: list[str] = []
    current_file: object = object()
    current_obj: object = object()
    for f in findings:
        if f.file != current_file:
            current_file, current_obj = f.file, object()
            if lines:
                lines.append("")
            lines.append(f.file or "(no file)")
        obj = _object(f)
        if obj != current_obj:
            current_obj = obj
            lines.append(f"  {obj}")
        where = f"{f.line}:{f.column}" if f.line and f.column else f"{f.line}" if f.line else "-"
        ref = f"[{f.ref_id}] " if f.ref_id else ""
        lines.append(f"    {where:<8} {f.severity:<7} {f.rule:<30} {ref}{f.message}")
        if f.fix:
            lines.append(f"    {'':<8} {'':<7} {'':<30} fix: {f.fix}")
    if lines:
        lines.append("")
    lines.append(summary(findings, unread))
    return "\n".join(lines)


def to_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False)


def _uri(file: str | None) -> str:
    if not file:
        return "grafana.yaml"
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return path.as_posix()


def _fingerprint(f: Finding) -> str:
    key = "\x1f".join(str(x) for x in (f.rule, f.file, f.dashboard, f.group, f.alert, f.panel, f.panel_id,
                                       f.ref_id, f.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def to_sarif(findings: list[Finding], rules: Mapping[str, Rule], unread: Sequence[str] = ()) -> dict:
    """A SARIF 2.1.0 log as GitHub code scanning reads it (rules in tool.driver.rules); files
    that could not be read are the invocation's error notifications, and make it unsuccessful."""
    from .. import __version__

    rule_ids = sorted(set(rules) | {f.rule for f in findings})
    index = {rid: i for i, rid in enumerate(rule_ids)}
    driver_rules = []
    for rid in rule_ids:
        r = rules.get(rid)
        summary_text = r.summary if r else rid
        doc = r.doc if r else summary_text
        driver_rules.append({
            "id": rid,
            "name": "".join(p.capitalize() for p in rid.split("-")),
            "shortDescription": {"text": summary_text},
            "fullDescription": {"text": doc.split("\n\n")[0].replace("\n", " ")},
            "help": {"text": doc, "markdown": _rule_markdown(rid, r) if r else summary_text},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity] if r else "warning"},
            "properties": {"tags": sorted({"grafana", *(r.scopes if r else ())})},
        })
    results = []
    for f in findings:
        region: dict = {}
        if f.line:
            region["startLine"] = f.line
            if f.column:
                region["startColumn"] = f.column
        physical: dict = {"artifactLocation": {"uri": _uri(f.file), "uriBaseId": "%SRCROOT%"}}
        if region:
            physical["region"] = region
        location: dict = {"physicalLocation": physical}
        logical = _object(f)
        if logical != "(document)":
            location["logicalLocations"] = [{"fullyQualifiedName": logical, "kind": "object"}]
        text = f.message + (f" Fix: {f.fix}" if f.fix else "")
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVEL.get(f.severity, "warning"),
            "message": {"text": text},
            "locations": [location],
            "partialFingerprints": {"gacFinding/v1": _fingerprint(f)},
        })
    run: dict = {
        "tool": {"driver": {
            "name": "gac lint",
            "informationUri": "https://grafana.com/docs/grafana/latest/",
            "semanticVersion": __version__,
            "rules": driver_rules,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if unread:
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": [
            {"level": "error", "message": {"text": problem}} for problem in unread]}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule_markdown(rid: str, r: Rule) -> str:
    return f"**{rid}** ({r.severity}): {r.summary}\n\n```\n{r.doc}\n```"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(findings: list[Finding], unread: Sequence[str] = ()) -> str:
    """GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=...::message`;
    a file that could not be read is an `::error::` of its own."""
    lines = [f"::error title=gac lint::{_escape_data(problem)}" for problem in unread]
    for f in findings:
        props = []
        if f.file:
            props.append(f"file={_escape_property(Path(f.file).as_posix())}")
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f.rule)}")
        obj = _object(f)
        message = (f"{obj}: " if obj != "(document)" else "") + f.message + (f" Fix: {f.fix}" if f.fix else "")
        lines.append(f"::{_GITHUB_LEVEL.get(f.severity, 'warning')} {','.join(props)}::{_escape_data(message)}")
    lines.append(summary(findings, unread))
    return "\n".join(lines)


def _md_cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def to_markdown(findings: list[Finding], unread: Sequence[str] = ()) -> str:
    """A table for pull-request comments and job summaries, after the files that could not be read."""
    out = [f"**gac lint**: {summary(findings, unread)}"]
    if unread:
        out += ["", "Not linted:", *(f"- {_md_cell(problem)}" for problem in unread)]
    if not findings:
        return "\n".join(out)
    out += ["", "| severity | rule | where | object | message | fix |", "|---|---|---|---|---|---|"]
    for f in sorted(findings, key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.sort_key())):
        where = f"{f.file or ''}{':' + str(f.line) if f.line else ''}"
        out.append(f"| {f.severity} | `{f.rule}` | {_md_cell(where)} | {_md_cell(_object(f))} | "
                   f"{_md_cell(f.message)} | {_md_cell(f.fix)} |")
    return "\n".join(out)


def rules_text(rules: Mapping[str, Rule]) -> str:
    """`gac lint --list-rules`: one block per rule with its documentation."""
    blocks = []
    for rid in sorted(rules):
        r = rules[rid]
        doc = "\n".join(f"    {line}" if line else "" for line in r.doc.splitlines())
        examples = f"    (examples: {EXAMPLE_KINDS.get(r.example, r.example)})"
        blocks.append(f"{rid}  [{r.severity}, {r.scope}]\n  {r.summary}\n\n{doc}\n{examples}")
    return "\n\n".join(blocks) + f"\n\n{len(rules)} rules"


def rules_json(rules: Mapping[str, Rule]) -> str:
    return json.dumps([{"id": r.id, "severity": r.severity, "scopes": list(r.scopes), "summary": r.summary,
                        "doc": r.doc} for r in (rules[k] for k in sorted(rules))], indent=2)


def rules_markdown(rules: Mapping[str, Rule]) -> str:
    out = ["| rule | severity | applies to | summary |", "|---|---|---|---|"]
    for rid in sorted(rules):
        r = rules[rid]
        out.append(f"| `{rid}` | {r.severity} | {r.scope} | {_md_cell(r.summary)} |")
    return "\n".join(out)
