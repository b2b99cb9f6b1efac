"""A Grafana-managed rule (provisioning JSON) → one Prometheus alerting rule, or a refusal.

Only chains whose outcome Prometheus computes identically are translated:

    A: one Prometheus query (instant, or range over relativeTimeRange)
    B: reduce A with last | mean | min | max | sum | count, mode dropNN
    C: threshold on B (gt, lt, gte, lte; no recovery threshold) or math `$B <op> number`

The query keeps every series (and `__name__`, carried in `__gac_name__` because Prometheus
alerts drop it), NaN samples are dropped as dropNN drops them, a range query becomes a
subquery with Grafana's own step and alignment, and the comparison filters instead of
returning 0/1, so the alert's value is B. Where Grafana would still behave differently at
run time (a firing series missing from one evaluation, no data) probes fire and the test case
is refused at that time; promtool itself reports query errors (Grafana's error state). See README "Testing alert rules".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import promql_parser

from .model import Probe, Refusal, Translation
from .templates import NAME_LABEL, translate_template
from ..datasource_index import DEFAULT_SCRAPE_S, EXPR_UID
from ..lint.promql_analysis import MAX_NESTING, too_deep
from ..lint.promql_parse import PARSE_ERRORS, parse_as_written, parse_duration

REDUCERS = ("last", "mean", "min", "max", "sum", "count")
_THRESHOLD_OPS = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<="}
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_MATH = re.compile(rf"^\s*(?:\$\{{(?P<r1>\w+)\}}|\$(?P<r2>\w+))\s*(?P<op>==|!=|>=|<=|>|<)\s*(?P<n1>{_NUMBER})\s*$"
                   rf"|^\s*(?P<n2>{_NUMBER})\s*(?P<op2>==|!=|>=|<=|>|<)\s*(?:\$\{{(?P<r3>\w+)\}}|\$(?P<r4>\w+))\s*$")
_VARIABLE = re.compile(r"\$\{?(\w+)")

PROBE_MISSING = "gac probe: missing series"
PROBE_NODATA = "gac probe: no data"


@dataclass(frozen=True)
class RuleContext:
    """What a rule's translation needs from outside the rule itself."""

    interval_s: int
    folder_title: str
    datasource_types: dict[str, str] = field(default_factory=dict)
    scrape_intervals_s: dict[str, int] = field(default_factory=dict)


def seconds_of(text: str) -> int:
    """A Prometheus duration in whole seconds (ValueError on a bad one); `0`/`0s` are zero."""
    if text.strip() in ("0", "0s"):
        return 0
    return int(parse_duration(text).total_seconds())


def duration(secs: int) -> str:
    if secs == 0:
        return "0s"
    return str(promql_parser.display_duration(timedelta(seconds=secs)))


def translate_rule(rule: dict[str, Any], ctx: RuleContext) -> Translation | Refusal:
    """The Prometheus alerting rule mirroring `rule`, or the first reason it cannot be."""
    for key, why in (("keepFiringFor", "keep firing for"), ("missingSeriesEvalsToResolve", "missing series evaluations to resolve")):
        if rule.get(key) not in (None, "", "0s", 0):
            return Refusal(f"{why} ({rule[key]}) is Grafana state handling Prometheus does not mirror")
    if rule.get("isPaused"):
        return Refusal("the rule is paused: Grafana does not evaluate it")
    if rule.get("noDataState") == "KeepLast" or rule.get("execErrState") == "KeepLast":
        return Refusal("KeepLast keeps the previous state on no data or error, which Prometheus has no notion of")
    chain = _chain(rule)
    if isinstance(chain, Refusal):
        return chain
    query, reducer, cond = chain
    reduce_ref = str(reducer["refId"])
    expr = _query_expr(query, ctx)
    if isinstance(expr, Refusal):
        return expr
    present, b = expr[1], _reduced(expr, reducer)
    if isinstance(b, Refusal):
        return b
    comparison = _comparison(cond, reduce_ref)
    if isinstance(comparison, Refusal):
        return comparison
    c = f"({b}) {comparison[0]} {comparison[1]!r}"
    labels: dict[str, str] = {"grafana_folder": ctx.folder_title}
    annotations: dict[str, str] = {}
    for kind, source, target in (("label", rule.get("labels") or {}, labels),
                                 ("annotation", rule.get("annotations") or {}, annotations)):
        for key in sorted(source):
            text = translate_template(str(source[key]), reduce_ref, f"{kind} {key!r}")
            if isinstance(text, Refusal):
                return text
            target[key] = text
    interval = duration(ctx.interval_s)
    # what the condition sees of each series: an instant query's after dropNN (a NaN or ±Inf
    # Number is left out, as a series the query did not return); a range query's series stay,
    # with a value or in the no-data state (_dropped_probe)
    seen = present if expr[3] else _finite(expr[0])
    probes = [Probe(PROBE_MISSING,
                    f"last_over_time(({c})[1s:{interval}] offset {interval}) unless ignoring(__name__) ({seen})",
                    "a series whose alert was pending or firing at the previous evaluation is missing from the "
                    "query result: Grafana keeps such an alert one more evaluation (missing series), Prometheus "
                    "resolves it at once")]
    if rule.get("noDataState", "NoData") != "OK":
        probes.append(Probe(PROBE_NODATA, f"absent({present})",
                               f"the query returned no series: Grafana's no-data state "
                               f"({rule.get('noDataState', 'NoData')}) applies, which Prometheus does not have"))
        dropped = _dropped_probe(expr, reducer)
        if dropped is not None:
            probes.append(Probe(PROBE_NODATA, dropped,
                                f"the reduce drops every value of a series (NaN or ±Inf, as dropNN does): "
                                f"Grafana's no-data state ({rule.get('noDataState', 'NoData')}) applies to it, "
                                "which Prometheus does not have"))
    prom_rule: dict[str, Any] = {"alert": str(rule.get("title") or rule.get("uid")), "expr": c,
                                 "for": duration(seconds_of(str(rule.get("for") or "0s")))}
    prom_rule["labels"] = labels
    if annotations:
        prom_rule["annotations"] = annotations
    fixed = {"alertname": prom_rule["alert"]} | {k: v for k, v in labels.items() if "{{" not in v}
    return Translation(prom_rule, tuple(probes), ctx.interval_s, fixed, str(rule.get("execErrState") or "Error"))


def _chain(rule: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | Refusal:
    """(query, reduce, condition) data items, when the rule is exactly that chain."""
    items = {str(d.get("refId")): d for d in rule.get("data") or []}
    cond = items.get(str(rule.get("condition")))
    if cond is None:
        return Refusal(f"condition {rule.get('condition')!r} names no query or expression")
    cmodel = cond.get("model") or {}
    ctype = cmodel.get("type")
    if ctype == "classic_conditions":
        return Refusal("classic conditions (Grafana's legacy condition evaluator) are not mirrored")
    if ctype not in ("threshold", "math"):
        return Refusal(f"the condition {cond.get('refId')} is a {ctype or 'query'}, not a threshold or math "
                       "comparison over a reduce")
    if ctype == "threshold":
        ref = str(cmodel.get("expression", "")).lstrip("$").strip("{}")
    else:
        match = _MATH.match(str(cmodel.get("expression", "")))
        if not match:
            return Refusal(f"math expression {cmodel.get('expression')!r} is not `$B <op> number` "
                           "(multi-query or arithmetic math is not mirrored)")
        ref = next(g for g in (match.group("r1"), match.group("r2"), match.group("r3"), match.group("r4")) if g)
    reducer = items.get(ref)
    if reducer is None or (reducer.get("model") or {}).get("type") != "reduce":
        return Refusal(f"the condition's input {ref} is not a reduce expression (only query → reduce → "
                       "threshold/math is mirrored)")
    query = items.get(str((reducer.get("model") or {}).get("expression", "")).lstrip("$").strip("{}"))
    if query is None or query.get("datasourceUid") == EXPR_UID:
        return Refusal(f"reduce {ref} does not reduce a data source query")
    extra = sorted(set(items) - {str(query.get("refId")), ref, str(cond.get("refId"))})
    if extra:
        return Refusal(f"refIds {', '.join(extra)} are outside the query → reduce → condition chain "
                       "(multi-query rules are not mirrored)")
    return query, reducer, cond


def _query_expr(query: dict[str, Any], ctx: RuleContext) -> tuple[str, str, str, int, int] | Refusal:
    """(Q1: the query with `__name__` copied, presence expression, raw query, range s, step s)."""
    uid = str(query.get("datasourceUid"))
    ds_type = ctx.datasource_types.get(uid, "")
    if ds_type == "loki":
        return Refusal(f"query {query.get('refId')} is a Loki query: LogQL is not evaluated by Prometheus")
    if ds_type != "prometheus":
        return Refusal(f"query {query.get('refId')} uses data source {uid!r} of type {ds_type or 'unknown'}, "
                       "not Prometheus")
    model = query.get("model") or {}
    window = query.get("relativeTimeRange") or {}
    range_s, offset_s = int(window.get("from") or 0), int(window.get("to") or 0)
    if offset_s:
        return Refusal(f"query {query.get('refId')} ends {offset_s}s before the evaluation "
                       "(relativeTimeRange.to): query offsets are not mirrored")
    scrape = ctx.scrape_intervals_s.get(uid, DEFAULT_SCRAPE_S)
    try:
        min_step = seconds_of(str(model["interval"])) if model.get("interval") else scrape
    except ValueError:
        return Refusal(f"query {query.get('refId')} has an unreadable min interval {model.get('interval')!r}")
    step = max(min_step, int(model.get("intervalMs", 1000)) // 1000, 1)
    if range_s / max(int(model.get("maxDataPoints", 43200)), 1) > step:
        return Refusal("the query's step would come from maxDataPoints (Grafana rounds it): not mirrored")
    rate = max(step + scrape, 4 * scrape)
    macros = {"__rate_interval": duration(rate), "__interval_ms": str(step * 1000), "__interval": duration(step),
              "__range_ms": str(range_s * 1000), "__range_s": str(range_s), "__range": duration(range_s)}
    text = str(model.get("expr") or "")
    for name in sorted(macros, key=len, reverse=True):
        text = text.replace("${" + name + "}", macros[name]).replace("$" + name, macros[name])
    leftover = _VARIABLE.search(text)
    if leftover:
        return Refusal(f"query uses ${leftover.group(1)}, which has no value outside a Grafana evaluation")
    if too_deep(text) is not None:  # the parser could crash the process
        return Refusal(f"query nests more than {MAX_NESTING} levels deep (brackets and operators); split it")
    try:
        parsed = parse_as_written(text)
    except PARSE_ERRORS as exc:
        return Refusal(f"query does not parse as PromQL: {exc}")
    if not _is_vector(parsed):
        return Refusal("the query does not return an instant vector (a scalar or range vector)")
    q1 = f'label_replace(({text}), "{NAME_LABEL}", "$1", "__name__", "(.+)")'
    is_range = bool(model.get("range")) and not model.get("instant")
    if not is_range:
        return q1, q1, text, 0, step
    if range_s % step or ctx.interval_s % step:
        return Refusal(f"range query step {step}s does not divide its range {range_s}s and the group interval "
                       f"{ctx.interval_s}s: Grafana's aligned steps would differ from a subquery's")
    window_expr = subquery_window(range_s, step)
    return q1, f"count_over_time(({q1}){window_expr})", text, range_s, step


def subquery_window(range_s: int, step: int) -> str:
    """`[range+1s:step]`: the steps Grafana's range query returns, start included.

    Grafana asks for steps at both ends of [t - range, t]; Prometheus 2 includes a range's left
    end, Prometheus 3 does not. One extra second (less than any step) includes the step at
    t - range under both, and no earlier one.
    """
    return f"[{duration(range_s + 1)}:{duration(step)}]"


def _is_vector(node: Any) -> bool:
    """Whether a parsed query yields an instant vector (what alert rules take)."""
    if isinstance(node, promql_parser.ParenExpr):
        return _is_vector(node.expr)
    if isinstance(node, (promql_parser.NumberLiteral, promql_parser.StringLiteral, promql_parser.MatrixSelector,
                         promql_parser.SubqueryExpr)):
        return False
    if isinstance(node, promql_parser.Call):
        return str(node.func.return_type) == "ValueType.Vector"
    if isinstance(node, promql_parser.BinaryExpr):
        return _is_vector(node.lhs) or _is_vector(node.rhs)
    if isinstance(node, promql_parser.UnaryExpr):
        return _is_vector(node.expr)
    return True


def _reduced(expr: tuple[str, str, str, int, int], reducer: dict[str, Any]) -> str | Refusal:
    """B: the reduce over the instant or range result, NaN dropped as dropNN drops it."""
    q1, _present, _raw, range_s, step = expr
    model = reducer.get("model") or {}
    fn = model.get("reducer")
    mode = (model.get("settings") or {}).get("mode", "")
    if fn not in REDUCERS:
        return Refusal(f"reducer {fn!r} is not mirrored (supported: {', '.join(REDUCERS)})")
    if mode != "dropNN":
        return Refusal(f"reduce mode {mode or 'strict'!r} (NaN handling) is not mirrored: use dropNN")
    kept = _finite(q1)
    if not range_s:
        # an instant query is a Number per series, and reducing a Number is a no-op whatever the
        # reducer, but for dropNN dropping a NaN or ±Inf one: the series is left out (ReduceCommand's
        # `case mathexp.Number`, DropNonNumber.MapInput)
        return kept
    window = subquery_window(range_s, step)
    zero = f"(0 * count_over_time(({q1}){window}))"
    sub = f"({kept}){window}"
    return {"last": f"last_over_time({sub})", "min": f"min_over_time({sub})", "max": f"max_over_time({sub})",
            "sum": f"sum_over_time({sub}) or {zero}", "count": f"count_over_time({sub}) or {zero}",
            # Grafana's mean is sum / count; Prometheus's avg_over_time rounds differently
            "mean": f"sum_over_time({sub}) / count_over_time({sub})"}[fn]


def _finite(q1: str) -> str:
    """The samples dropNN keeps: not NaN, not ±Inf (DropNonNumber.MapInput drops all three);
    `+ 0` drops __name__ on every path alike."""
    return f"((({q1}) > -Inf) < +Inf) + 0"


def _dropped_probe(expr: tuple[str, str, str, int, int], reducer: dict[str, Any]) -> str | None:
    """Series that the reduce leaves without a number, for which Grafana's no-data state applies:
    an instant query whose every value dropNN drops (the condition then has no series at all),
    or a range query's series whose every point it drops, for a reducer that then gives NaN,
    which MapOutput makes nil, the NoData state of that series (eval.go buildResult). sum and
    count of nothing are 0, a number."""
    q1, present, _raw, range_s, step = expr
    kept = _finite(q1)
    if not range_s:
        return f"absent({kept}) and on() count({present})"
    if (reducer.get("model") or {}).get("reducer") in ("sum", "count"):
        return None
    window = subquery_window(range_s, step)
    return f"count_over_time(({q1}){window}) unless ignoring(__name__) count_over_time(({kept}){window})"


def _comparison(cond: dict[str, Any], reduce_ref: str) -> tuple[str, float] | Refusal:
    model = cond.get("model") or {}
    if model.get("type") == "threshold":
        conditions = model.get("conditions") or []
        if len(conditions) != 1:
            return Refusal("a threshold with other than one condition is not mirrored")
        if conditions[0].get("unloadEvaluator"):
            return Refusal("a recovery threshold (unloadEvaluator) keeps alerts firing below the threshold: "
                           "Grafana state Prometheus does not mirror")
        evaluator = conditions[0].get("evaluator") or {}
        op = _THRESHOLD_OPS.get(str(evaluator.get("type")))
        params = evaluator.get("params") or []
        if op is None or not params:
            return Refusal(f"threshold type {evaluator.get('type')!r} is not mirrored (supported: gt, lt, gte, lte)")
        return op, float(params[0])
    match = _MATH.match(str(model.get("expression", "")))
    assert match is not None  # _chain checked it
    if match.group("op"):
        return match.group("op"), float(match.group("n1"))
    return _FLIP[match.group("op2")], float(match.group("n2"))
