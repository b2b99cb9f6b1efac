"""Grafana-managed alert rules in their several spellings, reduced to one view.

The provisioning API body (`{"title", "folderUid", "interval": 60, "rules": [...]}`), a
single rule (`POST /api/v1/provisioning/alert-rules`), and file provisioning / export YAML
(`groups: [{name, folder, interval: 1m, rules}]`) carry the same rule fields. This module
names the group, reads its interval in seconds, and tells for each `data` item whether it
is a query or a server-side expression and which refIds an expression reads.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..datasource_index import EXPR_UID, EXPRESSION_DS
from .durations import seconds

EXPRESSION_TYPES = frozenset({"math", "reduce", "resample", "classic_conditions", "threshold", "sql"})
#: expression types whose input is named in model.expression
_READS_EXPRESSION = frozenset({"math", "reduce", "resample", "threshold"})
_MATH_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_\-]*)\}?")


def group_title(group: Mapping[str, Any]) -> str | None:
    title = group.get("title") or group.get("name")
    return str(title) if title is not None else None


def group_interval(group: Mapping[str, Any]) -> tuple[float | None, Any]:
    raw = group.get("interval")
    return (seconds(raw) if raw is not None else None), raw


def is_expression(item: Mapping[str, Any]) -> bool:
    uid = item.get("datasourceUid")
    if uid in EXPRESSION_DS.spellings:
        return True
    model = item.get("model")
    if isinstance(model, dict):
        ds = model.get("datasource")
        if isinstance(ds, dict) and ds.get("type") == EXPR_UID:
            return True
    return False


def expression_type(item: Mapping[str, Any]) -> str | None:
    model = item.get("model")
    return str(model.get("type")) if isinstance(model, dict) and model.get("type") else None


def expression_refs(item: Mapping[str, Any]) -> list[str]:
    """The refIds a server-side expression reads, as Grafana resolves them."""
    model = item.get("model")
    if not isinstance(model, dict):
        return []
    etype = model.get("type")
    expression = model.get("expression")
    if etype == "math":
        return _MATH_REF.findall(expression) if isinstance(expression, str) else []
    if etype in ("reduce", "resample", "threshold"):
        if isinstance(expression, str) and expression.strip():
            return [expression.strip().lstrip("$").strip("{}")]
        return []
    if etype == "classic_conditions":
        refs = []
        for cond in model.get("conditions") or []:
            params = ((cond or {}).get("query") or {}).get("params") if isinstance(cond, dict) else None
            if isinstance(params, list) and params:
                refs.append(str(params[0]))
        return refs
    return []


def input_problem(item: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """Why Grafana cannot tell what a math, reduce, resample or threshold expression reads, and
    Grafana's own words for it when they are the same in every version (None when it can tell,
    or when the item is another kind).

    Grafana builds every expression of a rule, the condition's or not, when it saves the rule
    and at each evaluation (pkg/services/ngalert/eval/eval.go Validate/Create -> BuildPipeline
    -> pkg/expr/nodes.go buildCMDNode). Each command refuses an `expression` that is absent or
    not a string (pkg/expr/commands.go UnmarshalMathCommand, UnmarshalReduceCommand,
    UnmarshalResampleCommand); a threshold also refuses an empty one, "no variable specified to
    reference for refId C" (pkg/expr/threshold.go UnmarshalThresholdCommand; pkg/expr/reader.go
    getReferenceVar, which trims `$` first), and the empty refId of a reduce or resample finds
    no node ("unable to find dependent node ''", pkg/expr/graph.go buildGraphEdges). A threshold
    written like a classic condition, with `conditions[].query.params` and no `expression`, is
    the common case: a threshold never reads query.params.
    """
    model = item.get("model")
    if not isinstance(model, dict):
        return None
    etype = model.get("type")
    if not isinstance(etype, str) or etype not in _READS_EXPRESSION:
        return None
    expression = model.get("expression")
    said = f"no variable specified to reference for refId {item.get('refId')}" if etype == "threshold" else None
    if expression is None:
        return "has no `expression`", said
    if not isinstance(expression, str):
        return f"has an `expression` that is not a string ({type(expression).__name__})", None
    if etype != "math" and not expression.strip().lstrip("$").strip("{}"):
        return "has an empty `expression`", said
    return None


def condition_query_ref(item: Mapping[str, Any]) -> str | None:
    """The refId a classic-condition-style `conditions[0].query.params[0]` names, if any."""
    model = item.get("model")
    conditions = model.get("conditions") if isinstance(model, dict) else None
    first = conditions[0] if isinstance(conditions, list) and conditions else None
    query = first.get("query") if isinstance(first, dict) else None
    params = query.get("params") if isinstance(query, dict) else None
    return str(params[0]) if isinstance(params, list) and params and params[0] not in (None, "") else None


def is_range_query(model: Mapping[str, Any]) -> bool:
    """Whether Grafana's Prometheus backend runs the query as a range query.

    pkg/promlib/models/query.go: neither `instant` nor `range` set means range (older
    dashboards never set it); `range: true` means range, also next to `instant: true`.
    """
    return bool(model.get("range")) or not model.get("instant")
