"""Proof of the translation: for every rule shape `gac test` claims to mirror, promtool's
outcome for the translated rule equals Grafana's, computed here independently from Grafana's
semantics (lookback, range steps, dropNN reduce, threshold, pending period), on series built to
sit at each edge: exactly at the threshold, NaN, gaps, a pending period one step short, several
series of which only some cross. Shapes Grafana evaluates differently are refused."""

from __future__ import annotations

import math as pymath
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from generator.builders.alerts import AlertRule, Expression, PromQuery, math, reduce, threshold
from generator.ruletest.model import Check, ExpectedAlert, Refusal, RuleInfo, TestCase, Translation
from generator.ruletest.runner import run_case
from generator.ruletest.translate import REDUCERS, RuleContext, translate_rule

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not on PATH")

CTX = RuleContext(60, "Folder", {"prometheus": "prometheus", "loki": "loki"}, {"prometheus": 15})
THRESHOLD = 5.0
STEPS = 12
PENDING_S = 120
#: promtool notation, one sample a minute: each sits at an edge of the threshold 5
SERIES = {
    'm{s="crosses"}': "4 5 5 6 6 6 6 6 4 4 4 4",
    'm{s="at"}': "5 5 5 5 5 5 5 5 5 5 5 5",
    'm{s="nan"}': "6 6 NaN 6 6 6 6 NaN NaN 6 6 6",
    'm{s="gaps"}': "6 _ 6 _ _ 6 6 4 _ 6 6 6",
    'm{s="allnan"}': "NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN",
    'm{s="inf"}': "4 4 Inf 4 4 -Inf 4 4 4 Inf 4 4",  # a ratio over 0: dropNN drops ±Inf as NaN
    'm{s="short"}': "6 6 4 6 6 4 6 6 4 6 6 4",
    'm{s="below"}': "3 3 3 3 3 3 3 3 3 3 3 3",
}
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
}


def parse_values(text: str) -> list[float | None]:
    return [None if v == "_" else float(v) for v in text.split()]


def sample_at(values: list[float | None], at_s: int) -> float | None:
    """Prometheus's instant selection: the newest sample at or before `at_s`, within 5m."""
    for j in range(min(at_s // 60, len(values) - 1), -1, -1):
        if at_s - j * 60 >= 300:
            return None
        if values[j] is not None:
            return values[j]
    return None


def grafana_reduce(points: list[float], reducer: str) -> float:
    """Grafana's reduce of a range query's series in dropNN mode (NaN and ±Inf dropped:
    DropNonNumber.MapInput; empty: NaN, sum 0, count 0)."""
    kept = [v for v in points if pymath.isfinite(v)]
    if reducer == "count":
        return float(len(kept))
    if reducer == "sum":
        total = 0.0
        for v in kept:
            total += v
        return total
    if not kept:
        return pymath.nan
    if reducer == "mean":
        total = 0.0
        for v in kept:
            total += v
        return total / len(kept)
    return {"last": kept[-1], "min": min(kept), "max": max(kept)}[reducer]


def grafana_alerts(reducer: str, range_s: int, op: str, thr: float = THRESHOLD) -> dict[int, list[str]] | None:
    """Firing series per evaluation time, as Grafana's scheduler and state manager decide; None
    where a pending or firing series is left out of the condition (Grafana's missing-series
    handling, which gac does not mirror: its probe must say so).

    An instant query is a Number per series: the reduce leaves it as it is, whatever the
    reducer, or, dropNN, leaves the series out when it is NaN or ±Inf (ReduceCommand's
    `case mathexp.Number`)."""
    active: dict[str, int] = {}
    out: dict[int, list[str]] = {}
    for t in range(0, STEPS * 60, 60):
        firing = []
        for name, text in SERIES.items():
            values = parse_values(text)
            if not range_s:
                number = sample_at(values, t)
                if number is None or not pymath.isfinite(number):
                    if name in active:
                        return None
                    continue
                value = number
            else:
                times = [p for p in range(t - range_s, t + 1, 15)]
                points = [v for v in (sample_at(values, p) if p >= 0 else None for p in times) if v is not None]
                assert points or name not in active, "series data must not make an active series vanish"
                if not points:
                    continue
                value = grafana_reduce(points, reducer)
            if OPS[op](value, thr):
                active.setdefault(name, t)
                if t - active[name] >= PENDING_S:
                    firing.append(name)
            else:
                active.pop(name, None)
        out[t] = firing
    return out


def rule_body(reducer: str, range_s: int, op: str, thr: float = THRESHOLD, **changes: Any) -> dict[str, Any]:
    query = PromQuery("A", "m")
    cond = math("C", f"$B == {thr:g}") if op == "==" else threshold("C", "B", op, thr)
    rule = AlertRule("r", "R", [query, reduce("B", "A", reducer), cond], "C", "s", "d", "u", pending="2m",
                     no_data="OK")
    body = rule.to_body("g", "f")
    if range_s:
        body["data"][0]["relativeTimeRange"]["from"] = range_s
        body["data"][0]["model"].update(instant=False, range=True)
    body.update(changes)
    return body


def expected_checks(firing: dict[int, list[str]], tr: Translation) -> tuple[Check, ...]:
    return tuple(Check(f"{t}s", tuple(ExpectedAlert({"__name__": "m", "s": n.split('"')[1]}, {})
                                      for n in names)) for t, names in firing.items())


def run(body: dict[str, Any], checks: Callable[[Translation], tuple[Check, ...]],
        series: dict[str, str] | None = None) -> Any:
    tr = translate_rule(body, CTX)
    assert isinstance(tr, Translation), tr
    case = TestCase("proof.yaml", 1, "proof", "r", None, series or SERIES, checks(tr))
    return run_case(shutil.which("promtool") or "", case, RuleInfo("r", "R", "g", "f", "x.py", 1, tr), tr)


@pytest.mark.parametrize("range_s", [0, 300], ids=["instant", "range5m"])
@pytest.mark.parametrize("reducer", REDUCERS)
@pytest.mark.parametrize("op", list(OPS))
def test_translated_rule_fires_exactly_when_grafana_would(reducer: str, range_s: int, op: str) -> None:
    firing = grafana_alerts(reducer, range_s, op)
    if firing is None:  # a NaN left an active series out of the condition: not mirrored, and said so
        result = run(rule_body(reducer, range_s, op), lambda tr: (Check(f"{(STEPS - 1) * 60}s", ()),))
        assert result.status == "not-testable" and "missing series" in result.failures[-1].message, result
        return
    result = run(rule_body(reducer, range_s, op), lambda tr: expected_checks(firing, tr))
    assert result.status == "passed", [(f.message, f.expected, f.got) for f in result.failures]


@pytest.mark.parametrize(("reducer", "op", "thr"), [("count", ">=", 21), ("count", "==", 21), ("sum", ">=", 110),
                                                   ("mean", ">", 5.5)])
def test_a_range_includes_both_ends_as_grafanas_steps_do(reducer: str, op: str, thr: float) -> None:
    """A 5m range at 15s steps is 21 points: the one at t - 5m counts, as in Grafana."""
    firing = grafana_alerts(reducer, 300, op, thr)
    assert any(firing.values()) and firing != grafana_alerts(reducer, 300, op, thr + 1)
    result = run(rule_body(reducer, 300, op, thr), lambda tr: expected_checks(firing, tr))
    assert result.status == "passed", [(f.message, f.expected, f.got) for f in result.failures]


def test_the_edges_are_exercised() -> None:
    """The data is not vacuous: series at the threshold fire for >= and not for >, a pending
    period one step short never fires, NaN-only series of a range query fire only through
    dropNN's sum = 0, and an instant query's NaN never reduces to a number (a count over a
    Number is the Number; a NaN one is left out), so a NaN in a series that is firing is not
    mirrored."""
    gt, gte = grafana_alerts("last", 300, ">"), grafana_alerts("last", 300, ">=")
    assert gt is not None and gte is not None
    assert not any("at" in " ".join(v) for v in gt.values()) and 'm{s="at"}' in gte[STEPS * 60 - 60]
    assert not any('m{s="short"}' in v for v in gt.values())
    summed, last = grafana_alerts("sum", 300, "<"), grafana_alerts("last", 300, "<")
    assert summed is not None and any('m{s="allnan"}' in v for v in summed.values())
    assert last is not None and not any('m{s="allnan"}' in v for v in last.values())
    assert grafana_alerts("mean", 300, ">") != grafana_alerts("last", 300, ">")
    assert grafana_alerts("count", 0, ">") is None  # the NaN of m{s="nan"} while it fires
    counted = grafana_alerts("count", 0, "==")
    assert counted is not None and any('m{s="at"}' in v for v in counted.values())  # 5, not a count of 1
    assert counted == grafana_alerts("last", 0, "==")  # any reducer of a Number is the Number
    assert grafana_alerts("sum", 0, "<") is None  # m{s="inf"} fires, then its Inf is left out
    ranged = grafana_alerts("max", 300, "<")  # the Infs dropped: the max of the rest, 4, is below 5
    assert ranged is not None and any('m{s="inf"}' in v for v in ranged.values())


def test_a_wrong_expectation_fails() -> None:
    firing = grafana_alerts("last", 300, ">")
    assert firing is not None
    firing[STEPS * 60 - 60] = firing[STEPS * 60 - 60][:-1]
    result = run(rule_body("last", 300, ">"), lambda tr: expected_checks(firing, tr))
    assert result.status == "failed" and "alerts at 11m differ" in result.failures[0].message


def test_a_firing_series_that_goes_missing_is_not_testable_not_passed() -> None:
    series = {'m{s="a"}': "6 6 6 6 _ _ _ _ _ _ _ _"}  # gone from the lookback after 8m
    result = run(rule_body("last", 0, ">"), lambda tr: (Check("11m", ()),), series)
    assert result.status == "not-testable"
    assert "not testable offline from 9m" in result.failures[-1].message and "missing series" in result.failures[-1].message


def test_no_data_with_a_no_data_state_other_than_ok_is_not_testable() -> None:
    result = run(rule_body("last", 0, ">", noDataState="Alerting"), lambda tr: (Check("2m", ()),),
                 {'other{s="a"}': "1 1 1"})
    assert result.status == "not-testable" and "no-data state (Alerting)" in result.failures[-1].message


def test_a_query_error_is_not_testable() -> None:
    body = rule_body("last", 0, ">")
    body["data"][0]["model"]["expr"] = "m / on() m"  # many-to-one without group_left: an error
    result = run(body, lambda tr: (Check("1m", ()),))
    assert result.status == "not-testable" and "error state" in result.failures[-1].message


def _body_with(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = rule_body("last", 0, ">")
    mutate(body)
    return body


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda b: b["data"][2]["model"].update(type="classic_conditions"), "classic conditions"),
    (lambda b: b.update(datasourceUid="x") or b["data"][0].update(datasourceUid="loki"), "Loki query"),
    (lambda b: b["data"][1]["model"].update(settings={}), "reduce mode 'strict'"),
    (lambda b: b["data"][1]["model"].update(settings={"mode": "replaceNN", "replaceWithValue": 0}), "replaceNN"),
    (lambda b: b["data"][1]["model"].update(reducer="median"), "reducer 'median'"),
    (lambda b: b["data"][2]["model"]["conditions"][0].update(unloadEvaluator={"type": "lt", "params": [3]}),
     "recovery threshold"),
    (lambda b: b.update(noDataState="KeepLast"), "KeepLast"),
    (lambda b: b["annotations"].update(summary="{{ $values.C }}"), "$values.C"),
    (lambda b: b["annotations"].update(summary="{{ $value }}"), "Grafana's $value"),
    (lambda b: b["data"].append(PromQuery("D", "n").to_data()), "multi-query"),
    (lambda b: b["data"][2]["model"].update(type="math", expression="$B > 5 && $B < 9"), "multi-query or arithmetic"),
    (lambda b: b["data"][0]["relativeTimeRange"].update(to=60), "query offsets"),
    (lambda b: b["data"][0]["model"].update(expr="m{s=\"$svc\"}"), "$svc"),
    (lambda b: b["data"][0]["model"].update(expr="scalar(m)"), "instant vector"),
    # promql-parser panics on a duration this large, and overflows on 1e19 s: a refusal, not a crash
    (lambda b: b["data"][0]["model"].update(expr="m offset NaN"), "does not parse"),
    (lambda b: b["data"][0]["model"].update(expr="m offset 1e19"), "does not parse"),
    (lambda b: b.update(keepFiringFor="5m"), "keep firing for"),
])
def test_grafana_only_behaviour_is_refused_with_the_reason(mutate: Callable[[dict[str, Any]], None],
                                                           reason: str) -> None:
    outcome = translate_rule(_body_with(mutate), CTX)
    assert isinstance(outcome, Refusal) and reason in str(outcome), outcome
    assert str(outcome).startswith("not testable offline: ")


def test_macros_become_grafanas_fixed_windows() -> None:
    body = rule_body("last", 0, ">")
    body["data"][0]["model"]["expr"] = "rate(c[$__rate_interval]) + rate(c[$__interval]) + rate(c[${__range}])"
    tr = translate_rule(body, CTX)
    assert isinstance(tr, Translation)
    assert "rate(c[1m]) + rate(c[15s]) + rate(c[10m])" in tr.rule["expr"]


def test_values_template_becomes_the_alert_value() -> None:
    body = rule_body("last", 0, ">")
    body["annotations"]["summary"] = "{{ $labels.s }} at {{ $values.B }} ({{ humanizePercentage $values.B.Value }})"
    tr = translate_rule(body, CTX)
    assert isinstance(tr, Translation)
    assert tr.rule["annotations"]["summary"] == "{{ $labels.s }} at {{ $value }} ({{ humanizePercentage $value }})"


def test_expression_unused_by_the_builders_is_not_silently_mirrored() -> None:
    body = rule_body("last", 0, ">")
    body["data"][1] = Expression("B", {"type": "resample", "expression": "A"}).to_data()
    assert isinstance(translate_rule(body, CTX), Refusal)
