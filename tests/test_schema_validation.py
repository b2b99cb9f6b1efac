"""Every generated object validates against Grafana's published schemas (gaps relaxed narrowly)."""

from __future__ import annotations

import json

import pytest

from generator.compile import compile_project
from tests.paths import REPO, needs_shared

pytestmark = needs_shared

RESOURCES = compile_project(REPO)
DASHBOARDS = [r for r in RESOURCES if r.kind == "dashboard"]
GROUPS = [r for r in RESOURCES if r.kind == "alert-rule-group"]


@pytest.mark.parametrize("resource", DASHBOARDS, ids=lambda r: r.uid)
def test_dashboard_and_panels_validate(resource):
    from tests.schemas import dashboard_errors

    assert dashboard_errors(resource.body) == []


@pytest.mark.parametrize("resource", GROUPS, ids=lambda r: r.uid)
def test_rule_group_validates(resource):
    from tests.schemas import errors, rule_group_validator

    assert errors(rule_group_validator(), resource.body) == []


def test_validation_catches_a_broken_dashboard():
    """The validator is not vacuous: a legacy key and a string data source are rejected."""
    from tests.schemas import dashboard_errors

    broken = json.loads(json.dumps(DASHBOARDS[0].body))
    broken["rows"] = []
    broken["panels"][1]["datasource"] = "prometheus"
    found = dashboard_errors(broken)
    assert any("rows" in e for e in found)
    assert any(e.startswith("panels/1") for e in found)


def test_validation_catches_a_broken_rule_group():
    from tests.schemas import errors, rule_group_validator

    broken = json.loads(json.dumps(GROUPS[0].body))
    broken["rules"][0]["noDataState"] = "Sometimes"
    del broken["rules"][0]["condition"]
    found = errors(rule_group_validator(), broken)
    assert any("Sometimes" in e for e in found)
    assert any("condition" in e for e in found)


def test_every_kind_and_definition_is_compiled():
    kinds = {(r.kind, r.uid) for r in RESOURCES}
    assert {("datasource", "prometheus"), ("datasource", "loki"), ("datasource", "tempo")} <= kinds
    assert {("dashboard", "otel-collector"), ("dashboard", "otel-apm"), ("dashboard", "otel-genai")} <= kinds
    assert len(GROUPS) >= 2
