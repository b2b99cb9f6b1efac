"""End to end: the project's notification setup through sync, conflicts, --force, prune and drift.

Against the emulator on every Grafana release it models (`grafana_any_version`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from tests.conftest import CONTACT_POINT_SECRETS
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.handlers.notifications import ui_edit_contact_point, ui_edit_policy_tree
from tests.project import copy_project

BASE = "/api/v1/provisioning"


class Gac:
    def __init__(self, root: Path, emu: GrafanaEmulator) -> None:
        self.root, self.emu = root, emu
        self.env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, "GRAFANA_USER": None,
                    "GRAFANA_PASSWORD": None, "GAC_ENV": None, "GRAFANA_ORG_ID": None}

    def __call__(self, *args: str) -> Any:
        result = CliRunner().invoke(main, [args[0], "--root", str(self.root), "--env", "local", *args[1:]],
                                    env=self.env, catch_exceptions=False)
        for secret in CONTACT_POINT_SECRETS.values():
            assert secret not in result.output, f"a contact-point secret leaked into the output of {args}"
        return result


def _editable(root: Path) -> None:
    path = root / "grafana.yaml"
    path.write_text(path.read_text().replace("  local:\n", "  local:\n    alerts_editable: true\n", 1))


@pytest.fixture
def gac(tmp_path: Path, grafana_any_version: GrafanaEmulator) -> Gac:
    root = copy_project(tmp_path / "repo")
    _editable(root)  # so that a person can edit the tree and contact points in the UI, as the test does
    assert build(root).written
    return Gac(root, grafana_any_version)


def _state(emu: GrafanaEmulator) -> Any:
    return emu.store.snapshot()[1]


def test_the_first_plan_says_it_replaces_the_default_tree(gac: Gac) -> None:
    """Grafana's untouched default tree differs from the definition: the plan says it replaces
    it, not that it "matches its definition" (which only an imported tree does)."""
    plan = gac("plan")
    assert plan.exit_code == 0, plan.output
    line = next((l for l in plan.output.splitlines() if "notification-policy-tree policies" in l), plan.output)
    assert "replaces Grafana's untouched default tree" in line and "matches its definition" not in line


def test_create_noop_conflicts_force_prune_drift(gac: Gac, tmp_path: Path) -> None:
    emu = gac.emu
    first = gac("sync")
    assert first.exit_code == 0, first.output
    org = _state(emu)
    by_uid = {cp.uid: cp for cp in org.contact_points.values()}
    assert by_uid["oncall-pagerduty"].secure_settings == {"integrationKey": CONTACT_POINT_SECRETS["PAGERDUTY_INTEGRATION_KEY"]}
    assert by_uid["platform-teams"].secure_settings == {"url": CONTACT_POINT_SECRETS["TEAMS_WEBHOOK_URL"]}
    assert set(org.templates) == {"gac-chat", "gac-sync-stamps"} and set(org.mute_timings) == {"weekly-maintenance"}
    assert [r["receiver"] for r in org.policy_tree["routes"]] == ["oncall", "platform-team"]
    # order: templates, contact points, mute timings, then the tree that names them
    writes = [(r.method, r.path) for r in emu.writes if "/provisioning/" in r.path and "gac-sync-stamps" not in r.path]
    kinds = [path.split("/")[4] for _m, path in writes]
    assert kinds.index("templates") < kinds.index("contact-points") < kinds.index("mute-timings") < kinds.index("policies")

    # second sync: redacted secrets are no change; nothing is written
    emu.clear_log()
    again = gac("sync")
    assert again.exit_code == 0 and emu.writes == [], again.output
    assert gac("drift").exit_code == 0

    # a person adds a policy in the UI and edits a contact point: both conflicts, nothing wiped
    tree = json.loads(json.dumps(org.policy_tree))
    tree["routes"].append({"receiver": "platform-team", "object_matchers": [["team", "=", "web"]]})
    ui_edit_policy_tree(emu, tree)
    ui_edit_contact_point(emu, "platform-teams", {"title": "edited by a person"})
    drift = gac("drift")
    assert drift.exit_code == 1, drift.output
    plan = gac("plan")
    assert "! notification-policy-tree" in plan.output and "! contact-point platform-teams" in plan.output, plan.output
    assert 'policy root › {team="web"}' in plan.output, plan.output  # the diff names the route, not a JSON blob
    refused = gac("sync")
    assert refused.exit_code == 1
    assert any(r["object_matchers"] == [["team", "=", "web"]] for r in _state(emu).policy_tree["routes"])

    # --force backs the live tree and contact point up, then writes the code's version
    forced = gac("sync", "--force")
    assert forced.exit_code == 0, forced.output
    backups = sorted((gac.root / "backups").rglob("*.json"))
    backed = {p.relative_to(p.parents[1]).as_posix() for p in backups}
    assert {"notification-policies/policy-tree.json", "contact-points/platform-teams.json"} <= backed, backed
    saved = json.loads(next(p for p in backups if p.name == "policy-tree.json").read_text())
    assert any(r.get("object_matchers") == [["team", "=", "web"]] for r in saved["routes"])
    assert CONTACT_POINT_SECRETS["TEAMS_WEBHOOK_URL"] not in "".join(p.read_text() for p in backups)
    assert not any(r.get("object_matchers") == [["team", "=", "web"]] for r in _state(emu).policy_tree["routes"])
    assert gac("drift").exit_code == 0

    # everything removed from code: prune resets the tree first, then deletes what it named
    (gac.root / "alerts" / "notifications.py").unlink()
    assert build(gac.root).written
    emu.clear_log()
    pruned = gac("sync", "--prune")
    assert pruned.exit_code == 0, pruned.output
    order = [(r.method, r.path.split("/")[4]) for r in emu.writes
             if "/provisioning/" in r.path and "gac-sync-stamps" not in r.path]
    assert order.index(("DELETE", "policies")) < order.index(("DELETE", "mute-timings"))
    assert order.index(("DELETE", "policies")) < order.index(("DELETE", "contact-points"))
    assert order.index(("DELETE", "contact-points")) < order.index(("DELETE", "templates"))
    org = _state(emu)
    assert [cp.name for cp in org.contact_points.values()] == ["grafana-default-email"]
    assert set(org.templates) <= {"gac-sync-stamps"} and not org.mute_timings
    assert org.policy_tree["receiver"] == "grafana-default-email"


def test_contact_point_in_use_cannot_be_deleted(gac: Gac) -> None:
    """Grafana's own refusal, which is why prune rewrites the tree before deleting contact points."""
    assert gac("sync").exit_code == 0
    api = gac.emu.as_user("admin")
    r = api.delete(f"{BASE}/contact-points/oncall-pagerduty")
    assert r.status_code == 409 and r.json()["messageId"] == "alerting.notifications.contact-points.referenced"
    r = api.delete(f"{BASE}/mute-timings/weekly-maintenance")
    assert r.status_code == 409 and r.json()["messageId"] == "alerting.notifications.time-intervals.used"


def test_secrets_are_redacted_and_decrypted_for_admins_only(gac: Gac) -> None:
    assert gac("sync").exit_code == 0
    emu = gac.emu
    listed = emu.as_user("admin").get(f"{BASE}/contact-points").json()
    oncall = next(c for c in listed if c["uid"] == "oncall-pagerduty")
    assert oncall["settings"]["integrationKey"] == "[REDACTED]"
    export = emu.as_user("admin").get(f"{BASE}/contact-points/export?decrypt=true").json()
    assert CONTACT_POINT_SECRETS["PAGERDUTY_INTEGRATION_KEY"] in json.dumps(export)
    assert emu.as_user("bob").get(f"{BASE}/contact-points/export?decrypt=true").status_code == 403


def test_pull_an_existing_setup_into_code(tmp_path: Path, grafana_emulator: GrafanaEmulator) -> None:
    """A setup made in Grafana becomes a definition module that builds, lints and plans as unchanged."""
    api = grafana_emulator.as_user("admin")
    assert api.put(f"{BASE}/templates/team", json={"template": '{{ define "team.msg" }}{{ .Status }}{{ end }}'},
                   headers={"X-Disable-Provenance": "true"}).status_code == 202
    assert api.post(f"{BASE}/contact-points", headers={"X-Disable-Provenance": "true"}, json={
        "uid": "team-slack", "name": "team", "type": "slack",
        "settings": {"url": "https://hooks.slack.invalid/T0/B0/secret", "text": '{{ template "team.msg" . }}'}}
    ).status_code == 202
    assert api.post(f"{BASE}/mute-timings", headers={"X-Disable-Provenance": "true"}, json={
        "name": "nights", "time_intervals": [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}]}
    ).status_code == 201
    tree = {"receiver": "team", "group_by": ["alertname"], "routes": [
        {"receiver": "team", "object_matchers": [["severity", "=~", "warn.*"]], "mute_time_intervals": ["nights"],
         "continue": True},
        {"receiver": "grafana-default-email", "matchers": ['team!="web"']}]}
    assert api.put(f"{BASE}/policies", json=tree, headers={"X-Disable-Provenance": "true"}).status_code == 202

    root = copy_project(tmp_path / "repo")
    (root / "alerts" / "notifications.py").unlink()
    gac = Gac(root, grafana_emulator)
    pulled = gac("pull", "--notifications")
    assert pulled.exit_code == 0, pulled.output
    assert "contact_points.team-slack.secrets.url" in pulled.output
    module = (root / "alerts" / "pulled_notifications.py").read_text()
    assert "hooks.slack.invalid" not in module and "secrets=('url',)" in module
    # the build stops until every environment names the secret's variable (lint: notification-secret-unmapped)
    unmapped = build(root)
    assert not unmapped.written
    assert {f.rule for f in unmapped.lint_errors} == {"notification-secret-unmapped"}
    config = root / "grafana.yaml"
    config.write_text(config.read_text().replace(
        "    contact_points:\n", "    contact_points:\n      team-slack:\n        secrets:\n          url: TEAM_SLACK_URL\n"))
    assert build(root).written
    gac.env["TEAM_SLACK_URL"] = "https://hooks.slack.invalid/T0/B0/secret"
    plan = json.loads(gac("plan", "--format", "json").stdout)
    notif = {c["kind"]: c["action"] for c in plan["changes"] if c["kind"] in (
        "contact-point", "notification-template", "mute-timing", "notification-policy-tree")}
    assert set(notif.values()) == {"unchanged"}, plan["changes"]
    assert gac("pull", "--notifications").exit_code == 2  # now defined: refuses to define them twice
