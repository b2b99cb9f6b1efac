"""`template-variable-undefined` counts only what Grafana interpolates, once per place.

A Prometheus target's leftover InfluxDB `groupBy` never reaches a query; a query variable's
`definition` is the editor's copy of its `query`; `\\$SYS` in a regex is a literal dollar.
"""

from __future__ import annotations

from pathlib import Path

from tests.lint_cases.builders import dashboard, lint_docs, only, panel, prom_target, variable


def _undefined(tmp_path: Path, *panels: dict, variables: list[dict] | None = None) -> list[str]:
    found = lint_docs(tmp_path, dashboard(*panels, variables=variables or []))
    return [f.message for f in only(found, "template-variable-undefined")]


def test_fields_a_prometheus_target_never_interpolates_are_not_uses(tmp_path: Path) -> None:
    legacy = prom_target("up", groupBy=[{"params": ["$interval"], "type": "time"}])
    assert _undefined(tmp_path, panel(legacy)) == []
    assert _undefined(tmp_path, panel(prom_target("up", legendFormat="$interval"))) == \
        ["variable $interval is used but not defined"]


def test_query_and_definition_are_reported_once(tmp_path: Path) -> None:
    var = variable("user", type="query", query='label_values(x{service="$service"}, user)',
                   definition='label_values(x{service="$service"}, user)')
    used = panel(prom_target('up{user="$user"}'))
    assert _undefined(tmp_path, used, variables=[var]) == ["variable $service is used but not defined"]


def test_an_escaped_dollar_is_no_variable(tmp_path: Path) -> None:
    assert _undefined(tmp_path, panel(prom_target('x{topic!~"SYSTEM.*|\\\\$SYS.*"}'))) == []
