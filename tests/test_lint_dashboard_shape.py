"""dashboard-json-invalid: a dashboard edited by hand with a value of another JSON type where
Grafana's dashboard schema types one (an object for the array of panels, a number for a
query) was linted as if the value were absent: "no findings", though Grafana would load it
broken. Each such value is an error at its place; the rest of the dashboard is linted all the
same."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main

PROM = {"type": "prometheus", "uid": "prometheus"}


def _lint(tmp_path: Path, dashboard: dict) -> tuple[int, list[dict]]:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard, indent=2), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(path)])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def _shape(findings: list[dict]) -> list[tuple[str, str]]:
    """(panel title or "", message up to its reason) of each dashboard-json-invalid finding."""
    return sorted((f["panel"] or "", f["message"].split(" as Grafana")[0])
                  for f in findings if f["rule"] == "dashboard-json-invalid")


def test_an_object_where_the_panels_array_goes_is_an_error(tmp_path: Path) -> None:
    code, findings = _lint(tmp_path, {"uid": "x", "title": "x", "panels": {"a": 1}})
    assert code == 1
    assert _shape(findings) == [("", "`panels` is a JSON object, not an array")]
    assert findings[0]["line"] == 4  # the `panels` member of the indented file


def test_members_of_panels_targets_and_variables_of_another_type_are_errors(tmp_path: Path) -> None:
    code, findings = _lint(tmp_path, {
        "uid": "x", "title": "x",
        "templating": {"list": [{"name": 5, "type": "custom", "query": "a"}, 7]},
        "panels": [
            {"id": "one", "type": 5, "title": "Rate", "datasource": PROM,
             "gridPos": {"x": "0", "y": 0, "w": 12, "h": True},
             "targets": [{"refId": 1, "expr": 5, "datasource": PROM}, "B"]},
            3,
        ],
    })
    assert code == 1
    assert _shape(findings) == sorted([
        ("", "`templating.list[0].name` is a JSON number, not a string"),
        ("", "templating.list item 1 is a JSON number, not an object"),
        ("", "panel 1 is a JSON number, not an object"),
        ("Rate", "`id` is a JSON string, not a number"),
        ("Rate", "`type` is a JSON number, not a string"),
        ("Rate", "`gridPos.x` is a JSON string, not a number"),
        ("Rate", "`gridPos.h` is a JSON boolean, not a number"),
        ("Rate", "target 1 is a JSON string, not an object"),
        ("Rate", "`refId` is a JSON number, not a string"),
        ("Rate", "`expr` is a JSON number, not a string"),
    ])


def test_the_rest_of_a_misshapen_dashboard_is_linted(tmp_path: Path) -> None:
    """A wrong type in one place does not hide the findings elsewhere: here a PromQL syntax error."""
    code, findings = _lint(tmp_path, {"uid": "x", "title": "x", "templating": {"list": "none"}, "panels": [
        {"id": 1, "type": "timeseries", "title": "Rate", "datasource": PROM, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
         "targets": [{"refId": "A", "expr": "sum(rate(up[5m])", "datasource": PROM}]}]})
    assert code == 1
    assert _shape(findings) == [("", "`templating.list` is a JSON string, not an array")]
    assert any(f["rule"] == "promql-syntax" and f["panel"] == "Rate" for f in findings)


def test_a_well_typed_dashboard_and_absent_or_null_members_are_not_judged(tmp_path: Path) -> None:
    code, findings = _lint(tmp_path, {"uid": "x", "title": "x", "tags": [], "templating": {"list": []},
                                      "annotations": {"list": []}, "panels": [
        {"id": 1, "type": "timeseries", "title": "Rate", "datasource": PROM,
         "gridPos": {"x": 0, "y": 0, "w": 12.5, "h": 8}, "description": None,
         "targets": [{"refId": "A", "expr": "sum(rate(up[5m]))", "datasource": PROM}, {"refId": "B", "expr": None}]},
        {"type": "row", "title": "More", "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1}, "panels": []}]})
    assert _shape(findings) == []


def test_legacy_rows_are_judged_too(tmp_path: Path) -> None:
    code, findings = _lint(tmp_path, {"uid": "rows1", "title": "Old rows", "schemaVersion": 14, "rows": [
        {"title": "r1", "panels": {"a": {"id": 1, "type": "graph", "title": "x"}}},
        "oops",
        {"title": "r3", "panels": [{"id": "2", "type": "graph", "title": "y", "targets": [{"refId": "A", "expr": 5}]}]}]})
    assert code == 1
    assert _shape(findings) == sorted([
        ("", "`rows[0].panels` is a JSON object, not an array"),
        ("", "row 1 is a JSON string, not an object"),
        ("y", "`id` is a JSON string, not a number"),
        ("y", "`expr` is a JSON number, not a string"),
    ])


def test_a_yaml_date_is_a_string_as_json_has_it(tmp_path: Path) -> None:
    """A dashboard kept as YAML: `title: 2024-01-01` is a date to YAML, a string once converted to JSON."""
    path = tmp_path / "d.yaml"
    path.write_text("uid: d\ntitle: 2024-01-01\npanels:\n  - {id: 1, type: text, title: 2024-01-02T10:00:00Z,"
                    " gridPos: {x: 2024-01-03, y: 0, w: 12, h: 8}}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(path)])
    assert "Traceback" not in result.output, result.output
    assert _shape(json.loads(result.stdout)) == [("2024-01-02 10:00:00+00:00", "`gridPos.x` is a JSON string, not a number")]
