"""How an alert rule group's changes are named: rules by uid (then title), queries and
expressions by refId, a threshold expression as `A > 5`, the interval and `for` as the
UI calls them. The table `AlertRuleGroupHandler.diff_parts` gives the semantic diff."""

from __future__ import annotations

from typing import Any

from ..diff.parts import ITEM, Part, Parts
from ..datasource_index import EXPR_UID

RULE = ("body", "rules", ITEM)

_OPS = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<=", "within_range": "within", "outside_range": "outside",
        "eq": "=", "ne": "!="}


def rule_name(rule: dict[str, Any]) -> str:
    return f'rule "{rule.get("title", rule.get("uid"))}"'


def query_name(query: dict[str, Any]) -> str:
    model = query.get("model")
    if query.get("datasourceUid") == EXPR_UID:
        kind = model.get("type", "?") if isinstance(model, dict) else "?"
        return f"expression {query.get('refId')} ({kind})"
    return f"query {query.get('refId')}"


def seconds(value: Any) -> Any:
    return f"{value}s" if isinstance(value, int) and not isinstance(value, bool) else value


def threshold_view(model: Any) -> Any:
    """A threshold expression's conditions as one line (`A > 5`) under `threshold`."""
    if not isinstance(model, dict) or model.get("type") != "threshold":
        return model
    text = threshold_text(model)
    return {**{k: v for k, v in model.items() if k != "conditions"}, "threshold": text}


def threshold_text(model: dict[str, Any]) -> Any:
    conditions = model.get("conditions")
    if not isinstance(conditions, list):
        return conditions
    parts = []
    for condition in conditions:
        evaluator = condition.get("evaluator") if isinstance(condition, dict) else None
        if not isinstance(evaluator, dict):
            return conditions
        op = str(evaluator.get("type"))
        params = evaluator.get("params") or []
        parts.append(f"{model.get('expression', '?')} {_OPS.get(op, op)} " + " ".join(str(p) for p in params))
    return "; ".join(parts)


RULE_GROUP_PARTS: Parts = {
    ("body", "interval"): Part(label="evaluation interval", view=seconds),
    ("body", "rules"): Part(keys=("uid", "title"), name=rule_name),
    RULE + ("for",): Part(label="pending period"),
    RULE + ("data",): Part(keys=("refId",), name=query_name),
    RULE + ("data", ITEM, "model"): Part(label="", view=threshold_view),
}
