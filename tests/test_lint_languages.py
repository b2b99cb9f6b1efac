"""The query language of a target or variable whose data source has no known type.

Third-party dashboards name their data source (`"datasource": "Metrics"`) or leave it out; no
index knows its type. Then the dashboard's own queries on that data source decide: those that
can only be PromQL (a metric name, `__name__`, no selector at all) or only LogQL (line filters,
parser stages) vote, and the ambiguous ones (`{}`, `{job="a"}`) follow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.lint_cases.builders import dashboard, lint_docs, only, panel, variable


def _var(query: str, ds: Any) -> dict[str, Any]:
    return variable("service", type="query", query=query, datasource=ds, current={"text": "a", "value": "a"})


def _target(expr: str, ds: Any) -> dict[str, Any]:
    return {"refId": "A", "expr": expr, **({"datasource": ds} if ds is not None else {})}


def test_label_values_on_a_named_data_source_is_checked_as_promql(tmp_path: Path) -> None:
    for ds in ("Metrics", None):
        bad = _var('label_values({__name__=~"pg_up|mysql_up"} +, service)', ds)
        good = _var('label_values({__name__=~"pg_up|mysql_up"}, service)', ds)
        panel_ = panel(_target('rate(pg_up{service="$service"}[5m])', ds))
        assert len(only(lint_docs(tmp_path, dashboard(panel_, variables=[bad])), "promql-syntax")) == 1, ds
        assert not only(lint_docs(tmp_path, dashboard(panel_, variables=[good])), "promql-syntax"), ds


def test_an_empty_selector_on_a_prometheus_by_name_gets_prometheus_advice(tmp_path: Path) -> None:
    variables = [_var("label_values(node_load1, service)", "Metrics")]
    found = lint_docs(tmp_path, dashboard(panel(_target("{}", "Metrics")), variables=variables))
    assert not only(found, "logql-syntax")
    assert len(only(found, "promql-syntax")) == 1


def test_loki_by_name_stays_logql(tmp_path: Path) -> None:
    logs = panel(_target('{job="a"} |= "error"', "Logs"), _target("{}", "Logs"), type="logs")
    found = lint_docs(tmp_path, dashboard(logs))
    assert not only(found, "promql-syntax")
    assert len(only(found, "logql-syntax")) == 1
