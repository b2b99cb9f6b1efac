"""The dashboard comparison form: absorbs what a UI save rewrites, and nothing a person changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator.handlers.dashboard_form import comparison_form
from generator.handlers import HANDLERS
from generator.handlers.live import same_json
from generator.normalize import iter_panels
from tests.paths import REPO, SHARED, needs_shared

GENERATED = sorted((REPO / "generated/dashboards").rglob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


@pytest.fixture
def apm() -> dict[str, Any]:
    return load(REPO / "generated/dashboards/otel-apps/otel-apm.json")


def first(dash: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(p for p in iter_panels(dash["panels"]) if p.get("type") == kind)


def test_idempotent_on_the_project() -> None:
    for path in GENERATED:
        once = comparison_form(load(path))
        assert comparison_form(once) == once, path


@needs_shared
def test_idempotent_on_the_corpus() -> None:
    for path in sorted((SHARED / "corpus/dashboards").rglob("*.json")):
        once = comparison_form(load(path))
        assert comparison_form(once) == once, path


def test_the_input_is_not_modified(apm: dict[str, Any]) -> None:
    before = copy.deepcopy(apm)
    comparison_form(apm)
    assert apm == before


@pytest.mark.parametrize("rewrite", [
    pytest.param(lambda d: d.update(id=7, version=3, gacSync={"hash": "x"}, gnetId=None), id="server and unknown keys"),
    pytest.param(lambda d: d.update(fiscalYearStartMonth=0, weekStart="", liveNow=False, preload=False,
                                    schemaVersion=42), id="dashboard defaults"),
    pytest.param(lambda d: d.update(timepicker={}), id="timepicker defaults"),
    pytest.param(lambda d: [p.update(pluginVersion="12.3.1") for p in d["panels"]], id="pluginVersion"),
    pytest.param(lambda d: [v.update(current={"text": "x", "value": "x"}, options=[{"text": "x"}], skipUrlSync=False,
                                     allowCustomValue=True) or v.pop("hide") for v in d["templating"]["list"]],
                 id="variable state and defaults"),
    pytest.param(lambda d: d["annotations"]["list"][0].update(
        datasource={"type": "datasource", "uid": "grafana"},
        target={"limit": 100, "matchAny": False, "tags": [], "type": "dashboard"}), id="built-in annotation"),
    pytest.param(lambda d: first(d, "timeseries")["fieldConfig"]["defaults"]["custom"].update(
        axisBorderShow=False, insertNulls=False, barWidthFactor=0.6), id="timeseries field defaults"),
    pytest.param(lambda d: first(d, "stat")["options"].pop("wideLayout"), id="stat option left to its default"),
    pytest.param(lambda d: [first(d, "logs")["options"].pop(k) for k in ("dedupStrategy", "enableLogDetails")],
                 id="logs options left to their defaults"),
    pytest.param(lambda d: d["panels"].reverse(), id="panel order"),
    pytest.param(lambda d: [p["gridPos"].update(y=p["gridPos"]["y"] + 5) for p in d["panels"]], id="gaps compacted"),
])
def test_what_a_ui_save_rewrites_is_absorbed(apm: dict[str, Any], rewrite: Any) -> None:
    saved = copy.deepcopy(apm)
    rewrite(saved)
    assert saved != apm
    assert same_json(comparison_form(saved), comparison_form(apm))


@pytest.mark.parametrize("edit", [
    pytest.param(lambda d: first(d, "stat")["fieldConfig"]["defaults"]["thresholds"]["steps"].append(
        {"color": "red", "value": 9}), id="threshold step"),
    pytest.param(lambda d: first(d, "stat")["targets"][0].update(expr="up"), id="query"),
    pytest.param(lambda d: first(d, "timeseries")["fieldConfig"]["defaults"]["custom"].update(lineWidth=2), id="line width"),
    pytest.param(lambda d: first(d, "timeseries")["fieldConfig"]["defaults"].update(unit="s"), id="unit"),
    pytest.param(lambda d: first(d, "stat")["options"].update(graphMode="area"), id="stat graph mode to its default"),
    pytest.param(lambda d: d.update(timezone="utc"), id="time zone"),
    pytest.param(lambda d: d["templating"]["list"][0].update(query="label_values(up, job)"), id="variable query"),
    pytest.param(lambda d: first(d, "timeseries")["gridPos"].update(w=6), id="panel width"),
    pytest.param(lambda d: d["tags"].remove("apm"), id="tag"),
])
def test_what_a_person_changes_is_not(apm: dict[str, Any], edit: Any) -> None:
    edited = copy.deepcopy(apm)
    edit(edited)
    assert not same_json(comparison_form(edited), comparison_form(apm))


def test_a_panel_without_a_position_gets_grafanas_default() -> None:
    dash = {"uid": "u", "title": "t", "panels": [{"id": 1, "type": "text", "title": "a"}]}
    saved = {"uid": "u", "title": "t", "panels": [{"id": 1, "type": "text", "title": "a",
                                                   "gridPos": {"x": 0, "y": 0, "w": 6, "h": 3}}]}
    assert comparison_form(dash) == comparison_form(saved)


def test_marker_is_taken_out_of_dashboards_and_rule_groups() -> None:
    form = {"body": {"tags": ["apm", "managed-by-gac"]}, "folder": "x"}
    assert HANDLERS["dashboard"].without_marker(form) == {"body": {"tags": ["apm"]}, "folder": "x"}
    assert form["body"]["tags"] == ["apm", "managed-by-gac"]
    group = {"body": {"rules": [{"labels": {"managed_by": "gac"}}, {"labels": {"managed_by": "gac", "team": "a"}}]}}
    assert HANDLERS["alert-rule-group"].without_marker(group)["body"]["rules"] == [{}, {"labels": {"team": "a"}}]
