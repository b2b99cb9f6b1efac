"""The project's compiled rules as `RuleInfo`s: each with its definition line and translation.

Rules are read from the compiled resources (the same bodies `generated/` holds), so what is
tested is what sync would send; folder titles and data-source settings come from the same
compilation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..compile import compile_project, require_definitions
from ..errors import GacError
from ..resource import ALERT_RULE_GROUP, DATASOURCE, FOLDER, Resource
from .model import RuleInfo
from ..datasource_index import DEFAULT_SCRAPE_S
from .translate import RuleContext, seconds_of, translate_rule


def project_rules(root: Path) -> list[RuleInfo]:
    return rules_of(require_definitions(compile_project(root), root))


def require_rules(uids: tuple[str, ...], rules: list[RuleInfo]) -> None:
    """`--rule UID` must name defined rules: an unknown uid would otherwise run nothing and pass."""
    known = sorted(r.uid for r in rules)
    unknown = sorted(set(uids) - set(known))
    if unknown:
        raise GacError(f"--rule {', '.join(unknown)}: no alert rule with that uid is defined "
                       f"(rules: {', '.join(known) or 'none'})")


def rules_of(resources: list[Resource]) -> list[RuleInfo]:
    folders = {r.uid: r.title for r in resources if r.kind == FOLDER}
    datasources = [r for r in resources if r.kind == DATASOURCE]
    types = {r.uid: str(r.body.get("type", "")) for r in datasources}
    scrape = {r.uid: _scrape_s(r.body) for r in datasources}
    out = []
    for res in resources:
        if res.kind != ALERT_RULE_GROUP:
            continue
        sources = res.extra.get("sources", {}) if isinstance(res.extra, dict) else {}
        ctx = RuleContext(int(res.body.get("interval") or 60), folders.get(res.folder_uid or "", res.folder_uid or ""),
                          types, scrape)
        for i, rule in enumerate(res.body.get("rules") or []):
            src = sources.get(("rules", i)) or res.source
            out.append(RuleInfo(str(rule.get("uid")), str(rule.get("title")), res.uid, res.folder_uid or "",
                                getattr(src, "file", None), getattr(src, "line", None), translate_rule(rule, ctx)))
    return sorted(out, key=lambda r: r.uid)


def _scrape_s(body: dict[str, Any]) -> int:
    text = (body.get("jsonData") or {}).get("timeInterval")
    try:
        return seconds_of(str(text)) if text else DEFAULT_SCRAPE_S
    except ValueError:
        return DEFAULT_SCRAPE_S
