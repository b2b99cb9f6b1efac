"""Variables outside strings take the value Grafana would use (generator/lint/grafana_values.py).

A placeholder fits a variable's position, but outside strings the value decides the verdict:
`topk($k, ...)` after `by (...)` needs a number, `a $op b` an operator. The saved model says
which value Grafana would use (current value, All, a custom variable's options, a constant);
names no variable defines are left as written, as Grafana leaves them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.lint.grafana_values import Values, VariableValue, dashboard_values, format_value, interpolate
from generator.lint.promql_expand import expand
from tests.lint_cases.builders import dashboard, lint_docs, only, panel, prom_target, variable


def _syntax(tmp_path: Path, expr: str, *variables: dict[str, Any]) -> list[str]:
    found = lint_docs(tmp_path, dashboard(panel(prom_target(expr)), variables=list(variables)))
    return [f.message for f in only(found, "promql-syntax")]


def test_a_count_after_by_takes_the_current_value(tmp_path: Path) -> None:
    k = variable("k", query="3,5,10", current={"text": "5", "value": "5"})
    assert _syntax(tmp_path, "topk by (job) ($k, rate(x_total[5m]))", k) == []


def test_an_operator_variable_takes_its_value(tmp_path: Path) -> None:
    op = variable("op", query="or,and", current={"text": "or", "value": "or"})
    assert _syntax(tmp_path, "a $op on (entity) b", op) == []


def test_a_custom_variable_without_current_value_takes_its_first_option(tmp_path: Path) -> None:
    assert _syntax(tmp_path, "topk by (job) ($k, x)", variable("k", query="3,5")) == []


def test_a_value_that_breaks_the_query_is_reported(tmp_path: Path) -> None:
    """Grafana sends the value; if the query cannot take it, the panel fails."""
    k = variable("k", query="top,bottom", current={"text": "top", "value": "top"})
    assert len(_syntax(tmp_path, "topk ($k, x)", k)) == 1


def test_an_undefined_name_is_left_as_written(tmp_path: Path) -> None:
    """`\\$SYS` in a regex is a literal dollar for Prometheus, not a variable for Grafana."""
    qmgr = variable("qmgr", query="a")
    assert _syntax(tmp_path, 'ibmmq_topic_subscriber_count{qmgr=~"$qmgr",topic!~"SYSTEM.*|\\\\$SYS.*|"}', qmgr) == []
    # ...and outside a string, Prometheus gets the `$` and refuses it
    assert len(_syntax(tmp_path, "sum by ($nolabel) (x)", qmgr)) == 1


def test_semantic_rules_keep_placeholders() -> None:
    """Both texts exist; the placeholder one stays what the semantic rules read."""
    values = Values(["label"], {"label": VariableValue(("job",))})
    e = expand("sum by ($label) (x)", values=values)
    assert "__gacv__" in e.text
    assert e.valued is not None and e.valued.text == "sum by (job) (x)"


@pytest.mark.parametrize("saved, expected", [
    ({"type": "custom", "query": "1,2", "current": {"value": "2"}}, "2"),
    ({"type": "custom", "query": "a : 1, b : 2"}, "1"),
    ({"type": "custom", "query": "a,b", "multi": True, "current": {"value": ["a", "b"]}}, "(a|b)"),
    ({"type": "custom", "query": "a.b,c", "includeAll": True, "current": {"value": "$__all"}}, "(a\\\\.b|c)"),
    ({"type": "query", "includeAll": True, "allValue": ".*", "current": {"value": ["$__all"]}}, ".*"),
    ({"type": "constant", "query": "pmm-server"}, "pmm-server"),
    ({"type": "textbox", "query": "5", "current": {"value": ""}}, "5"),
    ({"type": "interval", "query": "1m,5m", "current": {"value": "$__auto_interval_interval"}}, "1m"),
])
def test_values_as_grafana_writes_them(saved: dict[str, Any], expected: str) -> None:
    values = dashboard_values({"v": saved})
    assert values.text("v", None) == expected


def test_query_variables_without_a_saved_value_are_unknown() -> None:
    values = dashboard_values({"v": {"type": "query", "query": "label_values(job)", "current": {}}})
    assert "v" in values.defined and values.text("v", None) is None
    assert interpolate("topk($v, x)", values) is None
    assert interpolate('x{job="$v"}', values) == 'x{job="x"}'


def test_formats() -> None:
    value = VariableValue(("a", "b"), multi=True)
    assert format_value(value, "csv") == "a,b"
    assert format_value(value, "pipe") == "a|b"
    assert format_value(value, "regex") == "(a|b)"
    assert format_value(value, "doublequote") == '"a","b"'


def test_interpolate_macros_and_undefined_names() -> None:
    values = dashboard_values({"job": {"type": "custom", "query": "api"}})
    assert interpolate('rate(x{job="$job"}[$__rate_interval]) / $__range_s', values) == \
        'rate(x{job="api"}[1m]) / 3600'
    assert interpolate('x{a=~"$undefined"}', values) == 'x{a=~"$undefined"}'
    assert interpolate("x[$__interval] offset $job", None, backend_only=True) == "x[1m] offset $job"


def test_logql_takes_the_values_too(tmp_path: Path) -> None:
    """`| response_time > ${min}` with a text box holding `5s` is valid LogQL."""
    from tests.lint_cases.builders import loki_target

    expr = '{job="a"} | logfmt | response_time > ${min}'
    box = variable("min", type="textbox", query="5s", current={"text": "5s", "value": "5s"})
    found = lint_docs(tmp_path, dashboard(panel(loki_target(expr), type="logs"), variables=[box]))
    assert not only(found, "logql-syntax")
    broken = variable("min", type="textbox", query="five", current={"text": "five", "value": "five"})
    found = lint_docs(tmp_path, dashboard(panel(loki_target(expr), type="logs"), variables=[broken]))
    assert len(only(found, "logql-syntax")) == 1
