"""Threshold types Grafana 11 does not have, checked before the first write.

Grafana's threshold expression took four evaluator types up to 11: `gt`, `lt`, `within_range`,
`outside_range` (pkg/expr/threshold.go `supportedThresholdFuncs`, read at v11.0.0; id 383523878).
`gte`, `lte`, `eq`, `ne` and the `_included` ranges came with PR grafana#99516 (documented in
grafana#101013, February 2025) in 12.0 (id 274991636). Grafana builds every expression of a rule
when it saves it (ngalert eval.go Validate), so on 11 a rule group holding one is refused with
400 "expected threshold function to be one of gt, lt, within_range, outside_range" -- after the
groups written before it: the sync would stop half applied. So the plan stops first (exit 2), as
for rule titles (rule_titles.py), on 11, or on a Grafana that hides its version.
"""

from __future__ import annotations

from typing import Any, Iterator

from .errors import ThresholdUnsupported
from .plan import CREATE, UPDATE, Plan
from .rule_titles import GROUP, limited

#: the evaluator types every Grafana gac supports takes (v11.0.0's supportedThresholdFuncs)
EVERYWHERE = frozenset({"gt", "lt", "within_range", "outside_range"})
#: how to write the others with what Grafana 11 has
_INSTEAD = {"gte": ">= as math: math('C', '$B >= <value>')", "lte": "<= as math: math('C', '$B <= <value>')",
            "eq": "math('C', '$B == <value>')", "ne": "math('C', '$B != <value>')"}


def check_threshold_types(plan: Plan, version: str) -> None:
    """Stop the run when this Grafana would refuse a threshold type of a rule group the plan writes."""
    if not limited(version):
        return
    found = [(change, rule, ref, kind) for change in plan.changes
             if change.kind == GROUP and change.action in (CREATE, UPDATE) and change.desired is not None
             for rule, ref, kind in _newer_thresholds(change.desired.body)]
    if not found:
        return
    change, rule, ref, kind = found[0]
    where = f" ({change.desired.source})" if change.desired is not None and change.desired.source else ""
    more = f"; and {len(found) - 1} more" if len(found) > 1 else ""
    raise ThresholdUnsupported(
        f"Grafana {version} has no {kind!r} threshold (Grafana 12 added it): it would refuse rule group "
        f"{change.title!r}{where}, rule {rule!r}, expression {ref}{more}, part way through the sync, so nothing "
        f"was written. Write it {_INSTEAD.get(kind, 'with gt, lt, within_range or outside_range')}, run "
        "`gac build`, then sync")


def _newer_thresholds(body: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(rule title, refId, type) of each threshold condition Grafana 11 lacks."""
    for rule in body.get("rules") or []:
        for item in rule.get("data") or []:
            model = item.get("model") if isinstance(item, dict) else None
            if not isinstance(model, dict) or model.get("type") != "threshold":
                continue
            for condition in model.get("conditions") or []:
                evaluator = condition.get("evaluator") if isinstance(condition, dict) else None
                kind = evaluator.get("type") if isinstance(evaluator, dict) else None
                if isinstance(kind, str) and kind.lower() not in EVERYWHERE:
                    yield str(rule.get("title") or rule.get("uid")), str(item.get("refId")), kind
