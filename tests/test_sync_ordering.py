"""What `gac sync` writes in what order, and what it holds back when something it depends on failed.

- The notification policy tree names contact points and mute timings: when one of those
  failed to be written, the tree is not written (Grafana would route to a receiver that
  is missing, or that still holds its old settings); the report says so, exit 1. The other
  way round, a contact point the live tree still routes to is not deleted when the tree's
  rewrite failed.
- A folder whose contents move elsewhere in the same definitions change is deleted by the
  same `--prune` run: the moves are written first, then the emptied folder is deleted; a
  move that fails keeps the folder (its delete is not sent: Grafana 12+ refuses to delete
  a folder that is not empty, which the emulator models, and Grafana 11 would delete the
  dashboard with it).
- A rule group moved to another folder (write the new group, delete the old): when the write
  fails, the old group is not deleted -- that would delete the rules it was to move.
- Grafana refuses a folder move that makes a cycle (the emulator models it, 12.x/13.x);
  sync moves folders shallowest first, so swapping a parent and its child takes one run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import build_clean, edit
from tests.test_sync import Gac, gac12, project  # noqa: F401 - fixtures used below

pytestmark = emulator_only

PROVISIONING = "/api/v1/provisioning"


@pytest.fixture
def gac_any(project: Path, grafana_any_version: GrafanaEmulator) -> Gac:  # noqa: F811 - the imported fixture
    return Gac(project, grafana_any_version)


def _tree(emu: GrafanaEmulator) -> dict[str, Any]:
    tree = emu.store.snapshot()[1].policy_tree
    assert isinstance(tree, dict)
    return tree


def _tree_writes(emu: GrafanaEmulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emu.writes if r.path == f"{PROVISIONING}/policies"]


@pytest.mark.parametrize("failing, named", [
    ("contact-points", "contact-point"),
    ("mute-timings", "mute-timing weekly-maintenance"),
], ids=["contact-point", "mute-timing"])
def test_tree_is_not_written_when_a_create_it_names_failed(gac_any: Gac, failing: str, named: str) -> None:
    emu = gac_any.emu
    before = _tree(emu)
    emu.fail("POST", f"^{PROVISIONING}/{failing}$", status=400, count=1)
    result = gac_any("sync")
    out = result.output
    assert result.exit_code == 1, out  # DESIGN.md: 1 on a partial failure
    assert f"x {named}" in out and "failed" in out, out
    assert "· notification-policy-tree policies: not attempted: it needs " in out, out
    assert "1 failed, 1 not attempted" in out, out
    assert not _tree_writes(emu)  # not even sent: Grafana's default tree stays in place
    assert _tree(emu) == before
    # what does not route anywhere went on: the template, the dashboards
    assert "+ notification-template gac-chat: created" in out and "+ dashboard otel-apm" in out, out

    emu.clear_faults()
    rerun = gac_any("sync")
    assert rerun.exit_code == 0, rerun.output
    assert "notification-policy-tree policies: updated" in rerun.output, rerun.output
    assert [r["receiver"] for r in _tree(emu)["routes"]] == ["oncall", "platform-team"]
    assert not gac_any.plan_json()["pending"]


def test_tree_is_not_written_when_an_update_of_its_contact_point_failed(gac_any: Gac, project: Path) -> None:  # noqa: F811
    """The stale case: Grafana would take the tree (the receiver exists) and route the new
    policies to a contact point that still has its old settings."""
    emu = gac_any.emu
    assert gac_any("sync").exit_code == 0
    edit(project, "alerts/notifications.py", 'severity="critical",', 'severity="error",')  # the PagerDuty payload
    edit(project, "alerts/notifications.py", 'receiver=oncall, repeat_interval="1h"',
          'receiver=oncall, repeat_interval="30m"')
    build_clean(project)
    pending = {(c["kind"], c["action"]) for c in gac_any.plan_json()["changes"] if c["action"] != "unchanged"}
    assert pending == {("contact-point", "update"), ("notification-policy-tree", "update")}, pending
    live_before = json.loads(json.dumps(_tree(emu)))

    emu.clear_log()
    emu.fail("PUT", f"^{PROVISIONING}/contact-points/oncall-pagerduty$", status=500, count=None)  # 500: not retried
    result = gac_any("sync")
    out = result.output
    assert result.exit_code == 1, out
    assert "x contact-point oncall-pagerduty 'oncall': failed" in out, out
    assert ("· notification-policy-tree policies: not attempted: it needs contact-point 'oncall-pagerduty', "
            "which was not written") in out, out
    assert "Sync: 0 created, 0 updated, 0 deleted" in out and "1 failed, 1 not attempted" in out, out
    assert not _tree_writes(emu)
    assert _tree(emu) == live_before
    critical = next(r for r in _tree(emu)["routes"] if r["receiver"] == "oncall")
    assert critical["repeat_interval"] == "1h"

    doc = json.loads(gac_any("sync", "--format", "json").stdout)  # the JSON report says it too
    tree = next(o for o in doc["outcomes"] if o["kind"] == "notification-policy-tree")
    assert tree["status"] == "not attempted" and "oncall-pagerduty" in tree["message"], tree
    assert doc["ok"] is False

    emu.clear_faults()
    rerun = gac_any("sync")
    assert rerun.exit_code == 0, rerun.output
    critical = next(r for r in _tree(emu)["routes"] if r["receiver"] == "oncall")
    assert critical["repeat_interval"] == "30m"
    assert not gac_any.plan_json()["pending"]


def test_a_contact_point_the_live_tree_routes_to_is_not_deleted_before_the_tree_is_rewritten(
        gac_any: Gac, project: Path) -> None:  # noqa: F811
    """The reverse order: a contact point removed from code is deleted after the tree stops routing
    to it. When the tree's write failed, Grafana would refuse the delete (409, "referenced"), which
    must not read as someone's edit ("conflict ... --force"): the delete is not attempted."""
    gac = gac_any
    emu = gac.emu
    assert gac("sync").exit_code == 0
    relpath = "alerts/notifications.py"
    edit(project, relpath, "    receiver=platform_team,\n    group_by", "    receiver=oncall,\n    group_by")
    edit(project, relpath, "receiver=platform_team, mute_timings", "receiver=oncall, mute_timings")
    edit(project, relpath, "platform_team = teams(", "_unused_team = teams(")
    build_clean(project)
    emu.fail("PUT", f"^{PROVISIONING}/policies$", status=500, count=None)
    failed = gac("sync", "--prune")
    out = failed.output
    assert failed.exit_code == 1, out
    assert "x notification-policy-tree policies: failed" in out, out
    assert ("· contact-point platform-teams 'platform-team': not attempted: notification-policy-tree 'policies' "
            "still refers to it and was not rewritten") in out, out
    assert "conflict" not in out.split("Sync:")[0].lower(), out
    assert not emu.requests_matching("DELETE", "/contact-points/")
    assert "platform-teams" in {cp.uid for cp in emu.store.snapshot()[1].contact_points.values()}

    emu.clear_faults()
    rerun = gac("sync", "--prune")
    assert rerun.exit_code == 0, rerun.output
    assert "platform-teams" not in {cp.uid for cp in emu.store.snapshot()[1].contact_points.values()}
    assert {r["receiver"] for r in _tree(emu)["routes"]} == {"oncall"}
    assert not gac.plan_json("--prune")["pending"]


# --- a folder emptied by moves is deleted in the same run ------------------------------------------

DASHBOARD_PUT = r"/apis/dashboard\.grafana\.app/[^/]+/namespaces/default/dashboards/otel-collector$"


def _merge_platform_into_applications(root: Path) -> None:
    """The otel-platform folder goes; its dashboard and rule group move to otel-apps."""
    edit(root, "dashboards/folders.py",
          'platform = Folder(uid="otel-platform", title="OpenTelemetry platform", parent=observability)\n', "")
    for relpath in ("alerts/collector.py", "dashboards/otel_collector.py"):
        edit(root, relpath, "from dashboards.folders import platform\n",
              "from dashboards.folders import applications as platform\n")
    build_clean(root)


def test_prune_deletes_a_folder_emptied_by_moves_in_one_run(gac12: Gac, project: Path) -> None:  # noqa: F811
    gac = gac12
    emu = gac.emu
    assert gac("sync").exit_code == 0
    _merge_platform_into_applications(project)

    plan = gac.plan_json("--prune")
    pending = {(c["kind"], c["uid"], c["action"]) for c in plan["changes"] if c["action"] != "unchanged"}
    assert pending == {("dashboard", "otel-collector", "update"), ("alert-rule-group", "otel-collector", "create"),
                       ("alert-rule-group", "otel-collector", "delete"), ("folder", "otel-platform", "delete")}, pending
    assert not any("is kept" in note for note in plan["notes"]), plan["notes"]

    emu.clear_log()
    synced = gac("sync", "--prune")
    assert synced.exit_code == 0, synced.output
    assert "- folder otel-platform 'OpenTelemetry platform' in observability: deleted" in synced.output
    writes = [(r.method, r.path) for r in emu.writes]
    moved = next(i for i, (m, path) in enumerate(writes) if m == "PUT" and path.endswith("/dashboards/otel-collector"))
    deleted = next(i for i, (m, path) in enumerate(writes) if m == "DELETE" and path.endswith("/folders/otel-platform"))
    assert moved < deleted, writes
    org = emu.store.org(1)
    assert "otel-platform" not in org.folders
    assert org.dashboards["otel-collector"].folder_uid == "otel-apps"  # moved, not deleted with the folder
    assert org.group_rules("otel-apps", "otel-collector") and not org.group_rules("otel-platform", "otel-collector")

    again = gac("plan", "--prune", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.output, again.output


def test_a_failed_move_keeps_the_folder_and_its_dashboard(gac12: Gac, project: Path) -> None:  # noqa: F811
    gac = gac12
    emu = gac.emu
    assert gac("sync").exit_code == 0
    _merge_platform_into_applications(project)
    emu.fail("PUT", DASHBOARD_PUT, status=500, count=None)
    failed = gac("sync", "--prune")
    out = failed.output
    assert failed.exit_code == 1, out
    assert "x dashboard otel-collector" in out, out
    assert ("· folder otel-platform 'OpenTelemetry platform' in observability: not attempted: dashboard "
            "'otel-collector' in it was not moved out of it") in out, out
    assert not emu.requests_matching("DELETE", "/folders/otel-platform$")
    org = emu.store.org(1)
    assert "otel-platform" in org.folders
    assert org.dashboards["otel-collector"].folder_uid == "otel-platform"

    emu.clear_faults()
    rerun = gac("sync", "--prune")
    assert rerun.exit_code == 0, rerun.output
    org = emu.store.org(1)
    assert "otel-platform" not in org.folders and org.dashboards["otel-collector"].folder_uid == "otel-apps"
    assert not gac.plan_json("--prune")["pending"]


def test_emulator_refuses_to_delete_a_folder_that_is_not_empty(grafana_12_plus: GrafanaEmulator) -> None:
    """Grafana's folder admission (validate.go validateOnDelete): a folder that holds dashboards,
    subfolders or alert rules is not deleted -- 400 Status "Folder cannot be deleted: folder is
    not empty" -- and nothing in it is touched. Empty, it goes."""
    emu = grafana_12_plus
    api, base = emu.client(), _folders_api(emu)
    for name in ("with-dash", "with-child", "with-rules"):
        assert api.post(base, json={"metadata": {"name": name}, "spec": {"title": name}}).status_code == 201
    assert api.post(base, json={"metadata": {"name": "child", "annotations": {"grafana.app/folder": "with-child"}},
                                "spec": {"title": "Child"}}).status_code == 201
    assert api.post("/api/dashboards/db", json={"dashboard": {"uid": "d", "title": "D"},
                                                "folderUid": "with-dash"}).status_code == 200
    group = {"title": "g", "interval": 60, "rules": [{
        "title": "r", "condition": "A", "for": "0s", "noDataState": "NoData", "execErrState": "Error",
        "data": [{"refId": "A", "datasourceUid": "__expr__", "relativeTimeRange": {"from": 600, "to": 0},
                  "model": {"refId": "A", "type": "math", "expression": "1"}}]}]}
    assert api.put(f"{PROVISIONING}/folder/with-rules/rule-groups/g", json=group).status_code == 200
    for name in ("with-dash", "with-child", "with-rules"):
        r = api.delete(f"{base}/{name}")
        assert r.status_code == 400, (name, r.text)
        body = r.json()
        assert (body["kind"], body["reason"], body["message"], body["details"]["uid"]) == (
            "Status", "BadRequest", "Folder cannot be deleted: folder is not empty", "folder.not-empty")
    org = emu.store.org(1)
    assert {"with-dash", "with-child", "with-rules", "child"} <= set(org.folders)
    assert org.dashboards["d"].folder_uid == "with-dash" and org.group_rules("with-rules", "g")
    assert api.delete(f"{base}/child").json()["status"] == "Success"
    assert api.delete(f"{base}/with-child").json()["status"] == "Success"
    assert "with-child" not in emu.store.org(1).folders


def test_a_rule_group_whose_move_failed_is_not_deleted(gac_any: Gac, project: Path) -> None:  # noqa: F811
    """A rule group moved to another folder is a write of the new group (Grafana moves its rules
    there by uid) and a delete of the old one. When the write fails, deleting the old group would
    delete the rules themselves: it waits, and the folder holding it stays."""
    gac = gac_any
    emu = gac.emu
    assert gac("sync").exit_code == 0
    _merge_platform_into_applications(project)
    before = sorted(uid for uid, rule in emu.store.org(1).rules.items() if rule.folder_uid == "otel-platform")
    assert before
    emu.fail("PUT", f"^{PROVISIONING}/folder/otel-apps/rule-groups/otel-collector$", status=500, count=None)
    failed = gac("sync", "--prune")
    out = failed.output
    assert failed.exit_code == 1, out
    assert "x alert-rule-group otel-collector in otel-apps: failed" in out, out
    assert ("· alert-rule-group otel-collector in otel-platform: not attempted: what it holds moves to "
            "alert-rule-group 'otel-apps/otel-collector', which was not written") in out, out
    assert not emu.requests_matching("DELETE", "/rule-groups/")
    org = emu.store.org(1)
    assert sorted(uid for uid, rule in org.rules.items() if rule.folder_uid == "otel-platform") == before
    assert "otel-platform" in org.folders

    emu.clear_faults()
    rerun = gac("sync", "--prune")
    assert rerun.exit_code == 0, rerun.output
    assert "confirmed by reading it back after an interrupted request" not in rerun.output  # nothing was
    org = emu.store.org(1)
    assert sorted(uid for uid, rule in org.rules.items() if rule.folder_uid == "otel-apps"
                  and rule.rule_group == "otel-collector") == before  # the same rules, moved
    # folders are pruned only where they keep gac's marks: never on 11.x, nor on 12.x's legacy SQL store
    assert ("otel-platform" in org.folders) == (not emu.profile.apis or emu.profile.folders_in_legacy_sql)
    assert not gac.plan_json("--prune")["pending"]


# --- folder moves: Grafana refuses a cycle; sync orders moves so that none is ever asked for ------

def _folders_api(emu: GrafanaEmulator) -> str:
    return f"/apis/folder.grafana.app/{emu.profile.apis['folder.grafana.app'][0]}/namespaces/default/folders"


def test_emulator_refuses_a_folder_move_that_makes_a_cycle(grafana_12_plus: GrafanaEmulator) -> None:
    """Grafana's folder admission (validate.go validateOnUpdate): a folder may not go under itself
    or under one of its descendants -- 400 Status "Circular reference detected"."""
    emu = grafana_12_plus
    api, base = emu.client(), _folders_api(emu)
    assert api.post(base, json={"metadata": {"name": "a"}, "spec": {"title": "A"}}).status_code == 201
    assert api.post(base, json={"metadata": {"name": "b", "annotations": {"grafana.app/folder": "a"}},
                                "spec": {"title": "B"}}).status_code == 201
    assert api.post(base, json={"metadata": {"name": "c", "annotations": {"grafana.app/folder": "b"}},
                                "spec": {"title": "C"}}).status_code == 201
    for parent in ("b", "c", "a"):  # child, grandchild, itself
        obj = api.get(f"{base}/a").json()
        obj["metadata"]["annotations"]["grafana.app/folder"] = parent
        r = api.put(f"{base}/a", json=obj)
        assert r.status_code == 400, (parent, r.text)
        body = r.json()
        assert (body["kind"], body["status"], body["reason"], body["code"]) == ("Status", "Failure", "BadRequest", 400)
        assert body["message"] == "Circular reference detected"
        assert body["details"]["uid"] == "folder.circular-reference"
    org = emu.store.org(1)
    assert (org.folders["a"].parent_uid, org.folders["b"].parent_uid, org.folders["c"].parent_uid) == ("", "a", "b")
    assert api.get(f"{base}/a").json()["metadata"]["generation"] == 1  # nothing was written
    # a stale resourceVersion is still the conflict it was (checked before the move is judged),
    # where the store compares it: 12's legacy SQL folder store does not, and the cycle is refused
    stale = api.get(f"{base}/a").json()
    stale["metadata"]["resourceVersion"] = "1"
    stale["metadata"]["annotations"]["grafana.app/folder"] = "b"
    assert api.put(f"{base}/a", json=stale).status_code == (400 if emu.profile.folders_in_legacy_sql else 409)
    # moves that make no cycle are taken: C to the root, then A under C
    obj = api.get(f"{base}/c").json()
    del obj["metadata"]["annotations"]["grafana.app/folder"]
    assert api.put(f"{base}/c", json=obj).status_code == 200
    obj = api.get(f"{base}/a").json()
    obj["metadata"]["annotations"]["grafana.app/folder"] = "c"
    assert api.put(f"{base}/a", json=obj).status_code == 200
    assert emu.store.org(1).folders["a"].parent_uid == "c"


def test_swapping_a_parent_and_its_child_folder_takes_one_sync(gac12: Gac, project: Path) -> None:  # noqa: F811
    """observability ⊃ otel-apps becomes otel-apps ⊃ observability: otel-apps is moved to the
    root first (a shallower wave), then observability under it -- never a cycle."""
    gac = gac12
    emu = gac.emu
    assert gac("sync").exit_code == 0
    edit(project, "dashboards/folders.py", 'observability = Folder(uid="observability", title="Observability")\n',
          'applications = Folder(uid="otel-apps", title="Applications")\n'
          'observability = Folder(uid="observability", title="Observability", parent=applications)\n')
    edit(project, "dashboards/folders.py",
          'applications = Folder(uid="otel-apps", title="Applications", parent=observability)\n', "")
    build_clean(project)
    emu.clear_log()
    synced = gac("sync")
    assert synced.exit_code == 0, synced.output
    moves = [r.path.rsplit("/", 1)[1] for r in emu.writes if r.method == "PUT" and "/folders/" in r.path]
    assert moves == ["otel-apps", "observability"], moves
    org = emu.store.org(1)
    assert (org.folders["otel-apps"].parent_uid, org.folders["observability"].parent_uid) == ("", "otel-apps")
    assert org.folders["otel-platform"].parent_uid == "observability"
    assert not gac.plan_json()["pending"]


def test_a_rule_group_depends_on_the_contact_points_and_timings_its_rules_name() -> None:
    """A rule's notification_settings name a receiver and mute timings (simplified routing,
    bypassing the tree): the group waits for their writes, as the tree does, and is not
    attempted when one failed (apply's dependencies)."""
    from generator.handlers import HANDLERS
    from generator.resource import ALERT_RULE_GROUP, CONTACT_POINT, MUTE_TIMING, Resource

    oncall = Resource(CONTACT_POINT, "oncall-pagerduty", {"name": "oncall", "type": "pagerduty"})
    other = Resource(CONTACT_POINT, "chat", {"name": "chat", "type": "slack"})
    weekly = Resource(MUTE_TIMING, "weekly-maintenance", {"name": "weekly-maintenance"})
    group = Resource(ALERT_RULE_GROUP, "collector", {"title": "collector", "rules": [
        {"uid": "a", "data": [{"datasourceUid": "prom"}],
         "notification_settings": {"receiver": "oncall", "mute_time_intervals": ["weekly-maintenance"]}},
        {"uid": "b", "data": [{"datasourceUid": "prom"}]}]}, folder_uid="alerts")
    desired = {HANDLERS[r.kind].identity(r): r for r in (oncall, other, weekly, group)}
    deps = HANDLERS[ALERT_RULE_GROUP].dependencies(group, desired)
    assert set(deps) == {("folder", "alerts"), ("datasource", "prom"), HANDLERS[CONTACT_POINT].identity(oncall),
                         HANDLERS[MUTE_TIMING].identity(weekly)}
    plain = Resource(ALERT_RULE_GROUP, "plain", {"title": "plain", "rules": [{"uid": "c", "data": []}]})
    assert HANDLERS[ALERT_RULE_GROUP].dependencies(plain, desired) == []
