"""`gac drift` end to end against the Grafana emulator.

The project is built and synced once per test; then a person changes Grafana (as alice,
through the API the UI uses) and drift must name what changed, where, from what to what
-- and exit 0 / 1 / 2 as DESIGN.md says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.normalize import iter_panels
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import copy_project

pytestmark = emulator_only

OLD_EXPR = ('sum(rate(http_server_duration_milliseconds_count{service_name="$service", http_route=~"$route", '
            'http_status_code=~"5.."}[$__rate_interval])) / sum(rate(http_server_duration_milliseconds_count'
            '{service_name="$service", http_route=~"$route"}[$__rate_interval]))')
NEW_EXPR = OLD_EXPR.replace('"5.."', '"5..|429"')


class Drift:
    def __init__(self, root: Path, emu: GrafanaEmulator) -> None:
        self.root, self.emu = root, emu
        self.env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, "GRAFANA_USER": None,
                    "GRAFANA_PASSWORD": None, "GAC_ENV": None, "GRAFANA_ORG_ID": None, "GAC_SKIP_BUILD_CHECK": None}

    def __call__(self, *args: str, command: str = "drift", env: dict[str, Any] | None = None) -> Any:
        result = CliRunner().invoke(main, [command, "--root", str(self.root), "--env", "local", "--retries", "2",
                                           *args], env={**self.env, **(env or {})}, catch_exceptions=False)
        assert self.emu.token not in result.output
        return result

    def json(self, *args: str) -> dict[str, Any]:
        return json.loads(self("--format", "json", *args).stdout)


@pytest.fixture
def drift(tmp_path: Path, grafana_emulator: GrafanaEmulator) -> Drift:
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    runner = Drift(root, grafana_emulator)
    synced = runner(command="sync")
    assert synced.exit_code == 0, synced.output
    return runner


def edit_dashboard(emu: GrafanaEmulator, uid: str, change: Any, user: str = "alice") -> None:
    """A person edits the dashboard in Grafana: read it, change it, save it with its version."""
    client = emu.as_user(user)
    current = client.get(f"/api/dashboards/uid/{uid}").json()
    change(current["dashboard"])
    saved = client.post("/api/dashboards/db", json={"dashboard": current["dashboard"], "overwrite": False,
                                                    "folderUid": current["meta"]["folderUid"]})
    assert saved.status_code == 200, saved.text


def panel(dashboard: dict[str, Any], title: str) -> dict[str, Any]:
    return next(p for p in iter_panels(dashboard["panels"]) if p.get("title") == title)


def test_no_change_exits_0_in_every_format(drift: Drift) -> None:
    drift.emu.clear_log()
    text = drift()
    assert text.exit_code == 0, text.output
    assert text.output.rstrip().endswith("No drift: Grafana matches generated/ (12 objects compared).")
    doc = drift.json()
    assert doc["drift"] is False and doc["items"] == [] and doc["summary"]["compared"] == 12
    markdown = drift("--format", "markdown")
    assert markdown.exit_code == 0
    assert markdown.output.startswith("## Grafana drift report\n")
    assert "**No drift: Grafana matches generated/ (12 objects compared).**" in markdown.output
    assert drift.emu.writes == [], "drift only reads"
    quiet = drift("--quiet")
    assert quiet.output == "No drift: Grafana matches generated/ (12 objects compared).\n"


def test_a_ui_edit_of_a_query_and_a_threshold_is_drift_naming_the_panel(drift: Drift) -> None:
    def change(dash: dict[str, Any]) -> None:
        target = panel(dash, "Error ratio (5xx)")
        target["targets"][0]["expr"] = NEW_EXPR
        target["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] = 0.1

    drift.emu.clear_log()
    edit_dashboard(drift.emu, "otel-apm", change)
    result = drift()
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "Changed in Grafana since the last sync (1):" in lines
    header = next(line for line in lines if line.startswith("  ~ dashboard otel-apm"))
    assert header.startswith("  ~ dashboard otel-apm 'APM: services and routes' in otel-apps: last saved by alice")
    assert (f'      panel "Error ratio (5xx)" (id 3) › query A › expr: {json.dumps(OLD_EXPR)} → '
            f'{json.dumps(NEW_EXPR)}') in lines
    assert ('      panel "Error ratio (5xx)" (id 3) › thresholds: "green, orange 0.01, red 0.05" → '
            '"green, orange 0.01, red 0.1"') in lines
    assert lines[-1] == ("Drift: 1 changed in Grafana, 0 not yet synced, 0 missing, 0 no longer defined, "
                         "0 unmanaged (12 objects compared).")

    doc = drift.json()
    assert doc["drift"] is True and doc["summary"]["changed_in_grafana"] == 1
    (item,) = doc["items"]
    assert (item["status"], item["origin"], item["uid"]) == ("changed", "grafana", "otel-apm")
    expr = next(c for c in item["changes"] if c["path"][-1] == "expr")
    assert expr == {"path": ['panel "Error ratio (5xx)" (id 3)', "query A", "expr"], "op": "changed",
                    "before": OLD_EXPR, "after": NEW_EXPR, "text": expr["text"]}

    markdown = drift("--format", "markdown").output
    assert "| Changed in Grafana since the last sync | 1 |" in markdown
    assert "#### ~ dashboard `otel-apm` — APM: services and routes (folder `otel-apps`)" in markdown
    assert f'- panel "Error ratio (5xx)" (id 3) › query A › expr: `{OLD_EXPR}` → `{NEW_EXPR}`' in markdown
    assert "<details><summary>JSON diff of the compared forms (generated/ → Grafana)</summary>" in markdown
    assert "\nLast saved by alice at " in markdown
    assert '-                  "value": 0.05\n+                  "value": 0.1' in markdown
    assert [r for r in drift.emu.writes if r.user == "sa-gac"] == [], "drift must not write"


def test_a_deleted_dashboard_is_missing(drift: Drift) -> None:
    assert drift.emu.as_user("alice").delete("/api/dashboards/uid/otel-genai").status_code == 200
    result = drift()
    assert result.exit_code == 1
    assert "Missing in Grafana (1):\n  - dashboard otel-genai 'GenAI: models, tokens and agent' in otel-apps\n" \
        in result.output
    assert [(i["status"], i["uid"]) for i in drift.json()["items"]] == [("missing", "otel-genai")]


def test_a_stray_dashboard_in_a_managed_folder_is_reported(drift: Drift) -> None:
    alice = drift.emu.as_user("alice")
    made = alice.post("/api/dashboards/db", json={"dashboard": {"uid": "hand-made", "title": "Hand made"},
                                                  "folderUid": "otel-apps"})
    assert made.status_code == 200
    alice.post("/api/folders", json={"uid": "elsewhere", "title": "Elsewhere"})
    alice.post("/api/dashboards/db", json={"dashboard": {"uid": "not-ours", "title": "Not ours"},
                                           "folderUid": "elsewhere"})
    result = drift()
    assert result.exit_code == 1
    assert ("Not managed by gac, in managed folders (1):\n  ? dashboard hand-made 'Hand made' in otel-apps\n"
            in result.output)
    assert "not-ours" not in result.output  # outside the folders gac manages: none of its business


def test_managed_dashboard_no_longer_defined(drift: Drift) -> None:
    (drift.root / "dashboards/genai.py").unlink()
    assert build(drift.root).written
    result = drift()
    assert result.exit_code == 1
    assert "Managed by gac, no longer defined in code (1):\n  + dashboard otel-genai" in result.output
    assert [(i["status"], i["kind"], i["uid"]) for i in drift.json()["items"]] == [
        ("not-defined", "dashboard", "otel-genai")]


def test_generated_changed_but_not_synced_is_drift_from_the_code(drift: Drift) -> None:
    path = drift.root / "dashboards/apm.py"
    path.write_text(path.read_text().replace('"APM: services and routes"', '"APM v2"'))
    assert build(drift.root).written
    result = drift()
    assert result.exit_code == 1
    assert "Changed in generated/, not yet synced (1):" in result.output
    assert 'title: "APM v2" → "APM: services and routes"' in result.output  # generated/ → Grafana
    assert drift.json()["items"][0]["origin"] == "code"


def test_data_source_url_changed_in_grafana(drift: Drift) -> None:
    emu = drift.emu
    ds = emu.store.org(1).datasources["loki"]
    edited = emu.as_user("admin").put("/api/datasources/uid/loki", json={
        "name": "Loki", "type": "loki", "access": "proxy", "url": "http://loki-other:3100", "version": ds.version,
        "jsonData": ds.json_data})
    assert edited.status_code == 200, edited.text
    result = drift()
    assert result.exit_code == 1
    assert "  ~ datasource loki 'Loki'" in result.output
    assert '      url: "http://loki:3100" → "http://loki-other:3100"' in result.output


def test_panel_added_and_removed_in_the_ui(drift: Drift) -> None:
    def change(dash: dict[str, Any]) -> None:
        dash["panels"] = [p for p in dash["panels"] if p.get("title") != "Logs"]
        dash["panels"].append({"id": 99, "type": "text", "title": "Runbook", "gridPos": {"x": 0, "y": 99, "w": 24, "h": 3},
                               "options": {"mode": "markdown", "content": "See the runbook."}})

    edit_dashboard(drift.emu, "otel-apm", change)
    lines = drift().output.splitlines()
    assert '      panel "Runbook" (id 99): added "Runbook"' in lines
    assert any(line.startswith('      panel "Logs" (id ') and line.endswith('): removed (was "Logs")') for line in lines)


def test_errors_exit_2(drift: Drift, tmp_path: Path) -> None:
    bad = drift(env={"GRAFANA_TOKEN": "glsa_wrong"})
    assert bad.exit_code == 2 and "refused the credentials" in bad.output
    down = drift(env={"GRAFANA_URL": "http://127.0.0.1:9"})
    assert down.exit_code == 2
    empty = copy_project(tmp_path / "empty")
    result = CliRunner().invoke(main, ["drift", "--root", str(empty), "--env", "local"], env=drift.env)
    assert result.exit_code == 2 and "run `gac build`" in result.output


def test_an_alert_rule_edited_in_the_ui_is_drift(drift: Drift) -> None:
    config = drift.root / "grafana.yaml"
    config.write_text(config.read_text().replace("  local:\n", "  local:\n    alerts_editable: true\n", 1))
    assert drift(command="sync").exit_code == 0
    assert drift().exit_code == 0
    rule = drift.emu.store.org(1).rules["svc-error-ratio"].body
    data = json.loads(json.dumps(rule["data"]))
    next(q for q in data if q["model"].get("type") == "threshold")["model"]["conditions"][0]["evaluator"]["params"] = [0.1]
    drift.emu.ui_edit_alert_rule("svc-error-ratio", {"for": "15m", "data": data})
    lines = drift().output.splitlines()
    assert "  ~ alert-rule-group services in otel-apps: editable in the UI (no provenance), rules last updated " \
        in "\n".join(lines)
    assert '      rule "Service error ratio above 5%" › expression C (threshold) › threshold: "B > 0.05" → "B > 0.1"' \
        in lines
    assert '      rule "Service error ratio above 5%" › pending period: "5m" → "15m"' in lines
