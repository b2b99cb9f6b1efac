"""Findings about a dashboard defined as JSON (`JsonDashboard`, what `gac pull` writes) point
into the JSON file at the offending value, not at the line of the `.py` wrapper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.builders import Folder, JsonDashboard
from generator.datasource_index import DatasourceIndex, DatasourceInfo
from generator.resource import Source
from tests.lint_cases.builders import datasource, ds_resource, lint_project, only

PROM = datasource("prometheus", "prometheus", "http://prometheus:9090")
PROM_REF = {"type": "prometheus", "uid": "prometheus"}
BAD = "sum(rate(http_requests_total[5m])"  # one parenthesis short
WRAPPER = Source("dashboards/imported.py", 12)


def _panel(title: str, expr: str, **extra: object) -> dict:
    return {"type": "timeseries", "title": title, "datasource": PROM_REF, "fieldConfig": {"defaults": {"unit": "s"}},
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "targets": [{"refId": "A", "expr": expr}], **extra}


def _lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: dict) -> tuple[list, str, str]:
    """Lint `document` kept as dashboards/imported/d.json behind a wrapper module's line 12."""
    monkeypatch.chdir(tmp_path)
    text = json.dumps(document, indent=2) + "\n"
    (tmp_path / "dashboards" / "imported").mkdir(parents=True)
    (tmp_path / "dashboards" / "imported" / "d.json").write_text(text, encoding="utf-8")
    definition = JsonDashboard("imported/d.json", folder=Folder(uid="otel", title="Otel"), source=WRAPPER)
    index = DatasourceIndex.build([DatasourceInfo("prometheus", "prometheus", "Prometheus")])
    resource = definition.to_resource(index)
    return lint_project(ds_resource(PROM), resource), text, "dashboards/imported/d.json"


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[nth]


def test_a_bad_query_points_at_its_expr_in_the_json_file(tmp_path, monkeypatch):
    # ids left out: the build assigns them, so the body differs from the file
    document = {"uid": "d", "title": "D", "panels": [_panel("fine", "sum(rate(http_requests_total[5m]))"),
                                                     _panel("broken", BAD)]}
    findings, text, file = _lint(tmp_path, monkeypatch, document)
    found = only(findings, "promql-syntax")
    assert len(found) == 1
    assert found[0].file == file and found[0].line == _line_of(text, f'"{BAD}"')
    assert found[0].column is not None and found[0].column > text.splitlines()[found[0].line - 1].index('"')
    # only the place changes: the same finding as for the body located at the wrapper
    wrapped = only(lint_project(ds_resource(PROM), _body_at_wrapper(tmp_path)), "promql-syntax")
    assert [(f.rule, f.message, f.panel, f.ref_id) for f in wrapped] == [
        (f.rule, f.message, f.panel, f.ref_id) for f in found]
    assert (wrapped[0].file, wrapped[0].line) == (WRAPPER.file, WRAPPER.line)


def _body_at_wrapper(tmp_path: Path):
    """The same compiled dashboard with no JSON file recorded: where findings were before."""
    definition = JsonDashboard("imported/d.json", folder=Folder(uid="otel", title="Otel"), source=WRAPPER)
    resource = definition.to_resource(DatasourceIndex.build([DatasourceInfo("prometheus", "prometheus")]))
    del resource.extra["json_file"]
    return resource


def test_a_variable_finding_points_at_the_variable_in_the_file(tmp_path, monkeypatch):
    variable = {"name": "job", "type": "query", "datasource": PROM_REF, "query": "label_values(up, job)"}
    document = {"uid": "d", "title": "D", "panels": [], "templating": {"list": [variable]}}
    findings, text, file = _lint(tmp_path, monkeypatch, document)
    found = only(findings, "template-variable-unused")
    # the variable's object opens on the line after `"list": [`
    assert [(f.file, f.line) for f in found] == [(file, _line_of(text, '"list"') + 1)]


def test_a_path_the_build_moved_falls_back_to_the_file_not_the_wrapper(tmp_path, monkeypatch):
    """Legacy rows become panels in the build: no such path in the file, so its first line."""
    legacy = {k: v for k, v in _panel("broken", BAD).items() if k != "gridPos"}
    document = {"uid": "d", "title": "D", "rows": [{"title": "r", "panels": [legacy]}]}
    findings, text, file = _lint(tmp_path, monkeypatch, document)
    found = only(findings, "promql-syntax")
    assert len(found) == 1 and found[0].file == file and found[0].line == 1


def test_gac_lint_in_project_mode_names_the_json_file(tmp_path, monkeypatch):
    """The whole path a user takes: a pulled dashboard's module and JSON in a project."""
    from click.testing import CliRunner

    from generator.lint.command import lint_command
    from tests.project import copy_project, write

    root = copy_project(tmp_path)
    document = {"uid": "pulled", "title": "Pulled", "panels": [_panel("broken", BAD)]}
    text = json.dumps(document, indent=2) + "\n"
    write(root, "dashboards/imported/pulled.json", text)
    write(root, "dashboards/pulled.py", """
        from generator.builders import JsonDashboard

        from dashboards.folders import applications as folder


        dashboard = JsonDashboard("imported/pulled.json", folder=folder)
        """)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(lint_command, ["--format", "json"], catch_exceptions=False)
    found = [f for f in json.loads(result.stdout) if f["rule"] == "promql-syntax" and f["dashboard"] == "pulled"]
    assert [(f["file"], f["line"]) for f in found] == [("dashboards/imported/pulled.json", _line_of(text, f'"{BAD}"'))]
