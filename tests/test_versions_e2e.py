"""gac end to end against Grafana 11.6, 12.x and 13.x (the emulator's release models), with a
service-account token whose login (`sa-1-gac`) never shows as `createdBy`/`updatedBy`.

The flow of test_sync.py on every release -- build → plan → sync → no-op sync → UI edit
conflict → --force with backup → prune → drift → pull → faults -- then what differs:
the race (12/13: /apis resourceVersion makes it a conflict), schema-v2 saves (12: 406 /
failed conversion, 13: lossy conversion), folder prune where Grafana shows "Anonymous"
(11: no marker, nothing deleted and the plan says so; 13: gac's manager annotations), and
tokens that may not write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from generator.handlers import HANDLERS
from generator.handlers.live import LiveRef, SyncContext
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import copy_project
from tests.conftest import CONTACT_POINT_SECRETS
from tests.test_sync import Gac, actions

pytestmark = emulator_only

PLATFORM = ("folders/otel-platform.json", "dashboards/otel-platform/otel-collector.json",
            "alert-rules/otel-platform/otel-collector.json")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    from generator.build import build

    root = copy_project(tmp_path / "repo")
    assert build(root).written
    return root


@pytest.fixture
def gac(project: Path, grafana_any_version: GrafanaEmulator) -> Gac:
    return Gac(project, grafana_any_version)


def _apis(emu: GrafanaEmulator) -> bool:
    return bool(emu.profile.apis)


def _folder_marks_kept(emu: GrafanaEmulator) -> bool:
    """Folders through /apis in unified storage (13): the annotations gac writes stay; 12's legacy
    SQL folder store drops them, 11 has no /apis."""
    return _apis(emu) and not emu.profile.folders_in_legacy_sql


def test_full_flow_on_every_release(gac: Gac, project: Path) -> None:
    emu = gac.emu
    assert emu.client().get("/api/user").json()["login"] == "sa-1-gac"
    plan = gac("plan")
    assert plan.exit_code == 0, plan.output
    folder_api = "/apis/folder.grafana.app/v1" if _apis(emu) else "/api/folders"
    assert f"folder via {folder_api}" in plan.output.splitlines()[1]
    assert len(actions(gac.plan_json())["create"]) == 16

    synced = gac("sync")
    assert synced.exit_code == 0 and "16 created" in synced.output, synced.output
    emu.assert_no_schema_violations()
    org = emu.store.org(1)
    if _apis(emu):  # written through /apis, marked with gac's manager annotations
        assert not emu.requests_matching("POST", "/api/dashboards/db") and not emu.requests_matching("POST", "/api/folders")
        kept = {f.annotations.get("grafana.app/managedBy") for f in org.folders.values()}
        assert kept == ({"kubectl"} if _folder_marks_kept(emu) else {None})
        assert org.dashboards["otel-apm"].annotations["grafana.app/managerId"] == "gac"
    legacy_folder = emu.client().get("/api/folders/otel-apps").json()
    assert legacy_folder["createdBy"] != "sa-1-gac"  # "Anonymous" or the display name

    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []

    # a person's edit: a conflict, not overwritten; --force backs it up, then writes
    emu.ui_save_dashboard("otel-apm", {"title": "APM (alice)"}, user="alice")
    plan = gac("plan")
    assert "! dashboard otel-apm" in plan.output and "changed in Grafana since the last sync" in plan.output
    emu.clear_log()
    assert gac("sync").exit_code == 1 and emu.writes == []
    assert org.dashboards["otel-apm"].title == "APM (alice)"
    forced = gac("sync", "--force")
    assert forced.exit_code == 0, forced.output
    backup = json.loads(next((project / "backups").rglob("otel-apm.json")).read_text())
    assert (backup["spec"] if _apis(emu) else backup["dashboard"])["title"] == "APM (alice)"
    assert org.dashboards["otel-apm"].title == "APM: services and routes"
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []

    # a code change after the person's edit was overwritten is an update, on every release
    gac.env["GAC_SKIP_BUILD_CHECK"] = "1"  # generated/ edited by hand below: sync what it holds
    gen = project / "generated"
    folder = gen / "folders/otel-apps.json"
    folder.write_text(folder.read_text().replace('"Applications"', '"Apps"'))
    renamed = gac("plan")
    if _folder_marks_kept(emu):
        assert "~ folder otel-apps" in renamed.output, renamed.output
    elif _apis(emu):  # Grafana 12 dropped gac's marks: as on 11, a change cannot be told from a person's
        assert "! folder otel-apps" in renamed.output and "carries no manager annotation" in renamed.output
    else:  # Grafana 11: a folder keeps no mark, so its change cannot be told from a person's
        assert "! folder otel-apps" in renamed.output and "keeps no mark" in renamed.output
    assert gac("sync", "--force").exit_code == 0
    assert org.folders["otel-apps"].title == "Apps"

    # prune: the platform folder, its dashboard and rule group are no longer defined
    emu.as_user("alice").post("/api/dashboards/db", json={"dashboard": {"uid": "hand-made", "title": "Hand made"},
                                                          "folderUid": "otel-apps"})
    for path in PLATFORM:
        (gen / path).unlink()
    pruned = gac("sync", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert "otel-collector" not in org.dashboards and "hand-made" in org.dashboards
    assert not org.group_rules("otel-platform", "otel-collector")
    if _folder_marks_kept(emu):
        assert "otel-platform" not in org.folders and "--prune deletes no folder" not in pruned.output
    else:  # a folder gac cannot tell as its own is never deleted, and the plan says why
        assert "otel-platform" in org.folders
        assert "--prune deletes no folder here" in pruned.output and "folder otel-platform" in pruned.output
        assert ("keeps no mark" if not _apis(emu) else "carries gac's manager annotations") in pruned.output

    # drift: what gac cannot own is reported, then none, then a person's edit is drift (exit 1)
    emu.as_user("alice").delete("/api/dashboards/uid/hand-made")
    drift = gac("drift")
    if not _apis(emu):  # the folder gac could not tell as its own is left, and reported
        assert drift.exit_code == 1 and "? folder otel-platform" in drift.output, drift.output
    if not _folder_marks_kept(emu):
        emu.as_user("admin").delete("/api/folders/otel-platform")
        drift = gac("drift")
    assert drift.exit_code == 0, drift.output
    emu.ui_save_dashboard("otel-genai", {"description": "alice"}, user="alice")
    drift = gac("drift")
    assert drift.exit_code == 1 and "otel-genai" in drift.output

    # pull through the same handler
    pulled = gac("pull", "--uid", "otel-genai", "--dry-run")
    assert pulled.exit_code == 0, pulled.output


def test_write_faults_are_retried_on_every_release(gac: Gac) -> None:
    gac.emu.fail("POST", "dashboards", status=503, count=2)
    result = gac("sync")
    assert result.exit_code == 0, result.output
    assert "16 created" in result.output and "2 retries" in result.output


def test_version_history_limit_is_a_query_parameter(gac: Gac) -> None:
    """A save that drops the stamp makes gac consult the history: 20 versions asked, as a query."""
    emu = gac.emu
    assert gac("sync").exit_code == 0
    with emu.store.lock:
        d = emu.store.org(1).dashboards["otel-apm"]
        data = {k: v for k, v in d.data.items() if k != "gacSync"}
    alice = emu.as_user("alice")
    saved = alice.post("/api/dashboards/db", json={"dashboard": data, "folderUid": "otel-apps", "overwrite": True})
    assert saved.status_code == 200, saved.text
    emu.clear_log()
    assert gac("plan", "--detailed-exitcode").exit_code == 0  # nothing changed that shows
    lists = [r for r in emu.requests if r.path.endswith("/versions")]
    assert lists and all(parse_qs(r.query).get("limit") == ["20"] for r in lists)
    assert len([r for r in emu.requests if "/versions/" in r.path]) <= 3


# --- 12/13: a folder without gac's marks -------------------------------------------------------

def test_an_unmarked_folder_is_never_adopted_through_apis(project: Path, grafana_12_plus: GrafanaEmulator) -> None:
    """A folder a person made before the first sync carries none of gac's manager annotations,
    and one gac wrote carries none where Grafana 12 keeps folders in legacy SQL: gac cannot tell
    the two apart, so it judges such a folder as on Grafana 11. Equal to its definition it is no
    change (adopting it would be a write the legacy store forgets, every sync again); different,
    a conflict that says why. --force writes an equal one with gac's marks, and where the marks
    stay (13) it is gac's from then on; where they are dropped (12.x) it stays as it was judged."""
    emu = grafana_12_plus
    gac = Gac(project, emu)
    alice = emu.as_user("alice")
    assert alice.post("/api/folders", json={"uid": "observability", "title": "Observability"}).status_code == 200
    planned = actions(gac.plan_json())
    assert "folder:observability" not in planned.get("update", []) + planned.get("conflict", []), planned
    assert "folder:otel-apps" in planned["create"]
    assert gac("sync").exit_code == 0
    puts = f"/apis/folder.grafana.app/{emu.profile.apis['folder.grafana.app'][0]}/namespaces/default/folders/observability"
    assert not emu.requests_matching("PUT", puts)
    # --force takes the equal folder over: written with gac's marks, which stay where Grafana keeps them
    emu.clear_log()
    forced = gac("sync", "--force")
    assert forced.exit_code == 0 and "~ folder observability" in forced.output, forced.output
    # 12.x: every folder is unmarked (gac's own too: the store dropped their marks), so each is written
    unified = not emu.profile.folders_in_legacy_sql
    assert sorted((r.method, r.path.rsplit("/", 1)[1]) for r in emu.writes) == \
        [("PUT", uid) for uid in (["observability"] if unified else ["observability", "otel-apps", "otel-platform"])]
    assert puts in {r.path for r in emu.writes}
    marked = emu.store.org(1).folders["observability"].annotations.get("grafana.app/managerId") == "gac"
    assert marked == unified
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []

    gac.env["GAC_SKIP_BUILD_CHECK"] = "1"  # generated/ edited by hand below: sync what it holds
    folder = project / "generated/folders/observability.json"
    folder.write_text(folder.read_text().replace('"Observability"', '"Observability (all teams)"'))
    renamed = gac("plan")
    if marked:  # gac's folder now: a change in code is an update
        assert "~ folder observability" in renamed.output, renamed.output
    else:  # the marks were dropped again: a change cannot be told from a person's
        assert "! folder observability" in renamed.output and "carries no manager annotation" in renamed.output
        assert gac("sync").exit_code == 1 and emu.store.org(1).folders["observability"].title == "Observability"
    assert gac("sync", "--force").exit_code == 0
    assert emu.store.org(1).folders["observability"].title == "Observability (all teams)"


# --- 12/13: the race is a conflict ------------------------------------------------------------

def test_racing_save_ends_as_a_conflict_on_12_plus(project: Path, grafana_12_plus: GrafanaEmulator) -> None:
    """Alice saves between gac's read and its write. The legacy save of 12+ would lose her
    change (the emulator's race control proves that path has the window); gac writes through
    /apis with the resourceVersion it read, so Grafana answers 409 and her save stays."""
    from generator.remote.options import Options
    from generator.remote.session import open_session
    from generator.sync.run import apply, make_plan

    emu = grafana_12_plus
    gac = Gac(project, emu)
    assert gac("sync").exit_code == 0
    path = project / "generated/dashboards/otel-apps/otel-apm.json"
    path.write_text(path.read_text().replace('"APM: services and routes"', '"APM v2"'))
    emu.race_next_save("otel-apm", {"description": "alice was here"}, user="alice")  # armed for a legacy save
    session = open_session(Options(root=project, env="local", skip_build_check=True),
                           {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, **CONTACT_POINT_SECRETS},
                           for_write=True)
    try:
        plan = make_plan(session, prune=False, force=False)
        assert [c.uid for c in plan.changes if c.action == "update"] == ["otel-apm"]
        emu.ui_save_dashboard("otel-apm", {"description": "alice was here"}, user="alice")  # the race
        result, _ = apply(session, plan)
    finally:
        session.close()
    outcome = next(o for o in result.outcomes if o.change.uid == "otel-apm")
    assert outcome.status == "conflict" and "409" in outcome.message
    stored = emu.store.org(1).dashboards["otel-apm"]
    assert stored.data["description"] == "alice was here" and stored.title == "APM: services and routes"
    assert not emu.requests_matching("POST", "/api/dashboards/db") and ("otel-apm" in str(emu.races) or emu.races)


# --- schema v2 ----------------------------------------------------------------------------------

def test_v2_saved_dashboard_is_reported_per_object(project: Path, grafana_12_plus: GrafanaEmulator) -> None:
    emu = grafana_12_plus
    gac = Gac(project, emu)
    assert gac("sync").exit_code == 0
    emu.save_dashboard_v2("otel-apm", user="alice")
    gac.env["GAC_SKIP_BUILD_CHECK"] = "1"  # generated/ edited by hand below: sync what it holds
    path = project / "generated/dashboards/otel-platform/otel-collector.json"
    path.write_text(path.read_text().replace('"OpenTelemetry Collector"', '"Collector"', 1))

    plan = gac("plan")
    assert plan.exit_code == 0, plan.output
    assert "! dashboard otel-apm" in plan.output and "converted to schema v2" in plan.output
    assert "~ dashboard otel-collector" in plan.output
    drift = gac("drift")
    assert drift.exit_code == 1 and "otel-apm" in drift.output and "schema v2" in drift.output
    synced = gac("sync")
    assert synced.exit_code == 1, synced.output
    org = emu.store.org(1)
    assert org.dashboards["otel-apm"].is_v2 and org.dashboards["otel-collector"].title == "Collector"

    pulled = gac("pull", "--uid", "otel-apm", "--dry-run", "--format", "json")
    assert pulled.exit_code == 0, pulled.output
    if emu.profile.key == "12.x":
        assert "no v1 conversion" in pulled.output
    else:
        assert "Grafana's v1 conversion" in pulled.output

    forced = gac("sync", "--force")
    assert forced.exit_code == 0, forced.output
    assert "replace Grafana's v2 layout" in forced.output
    backup = json.loads(next((project / "backups").rglob("otel-apm.json")).read_text())
    assert backup["apiVersion"] == f"dashboard.grafana.app/{emu.profile.v2_editor_version}"
    assert backup["spec"]["layout"]["kind"] == "TabsLayout"
    assert not org.dashboards["otel-apm"].is_v2
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []


def test_12_legacy_read_of_a_v2_dashboard_is_per_object(project: Path, emu_12: GrafanaEmulator) -> None:
    """Without /apis (the legacy path), Grafana 12 answers 406: that dashboard is incompatible, nothing aborts."""
    emu = emu_12
    gac = Gac(project, emu)
    assert gac("sync").exit_code == 0
    emu.save_dashboard_v2("otel-apm")
    handler = HANDLERS["dashboard"]
    from generator.remote.connection import Connection, settings_from

    conn = Connection(settings_from({"url": emu.url}, {"GRAFANA_TOKEN": emu.token}))
    try:
        ref = LiveRef("dashboard", ("dashboard", "otel-apm"), "otel-apm", "APM", "otel-apps", True)
        live = handler.read_live(conn, ref, SyncContext())
    finally:
        conn.close()
    assert live is not None and live.incompatible and "406" in live.incompatible


@pytest.fixture
def emu_12() -> Any:
    from tests.grafana_emulator import EmulatorConfig

    emu = GrafanaEmulator(config=EmulatorConfig(grafana_version="12.x")).start()
    yield emu
    emu.stop()


# --- tokens that may not write ------------------------------------------------------------------

def test_viewer_token_is_stopped_before_reading_or_writing(gac: Gac) -> None:
    token = gac.emu.create_service_account("ci viewer", role="Viewer").token
    gac.secrets.append(token)
    result = gac("sync", env={"GRAFANA_TOKEN": token})
    assert result.exit_code == 2, result.output
    assert "datasources:read" in result.output and "nothing was written" in result.output
    assert gac.emu.writes == []


def test_write_permissions_the_plan_needs_are_checked_from_grafanas_answer(gac: Gac) -> None:
    """An Editor token may read dashboards but not create data sources: preflight names it (exit 2)."""
    from generator.remote.connection import Connection, settings_from
    from generator.remote.options import Options
    from generator.remote.preflight import check_permissions
    from generator.sync.errors import AuthError
    from generator.sync.plan import required_actions
    from generator.remote.session import open_session
    from generator.sync.run import make_plan

    emu = gac.emu
    env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, **CONTACT_POINT_SECRETS}
    session = open_session(Options(root=gac.root, env="local"), env, for_write=True)
    try:
        needed = required_actions(make_plan(session, prune=False, force=False))
        check_permissions(session.conn, needed)  # the Admin token may
    finally:
        session.close()
    editor = emu.create_service_account("ci editor", role="Editor").token
    conn = Connection(settings_from({"url": emu.url}, {"GRAFANA_TOKEN": editor}))
    try:
        with pytest.raises(AuthError) as refused:
            check_permissions(conn, needed)
    finally:
        conn.close()
    text = str(refused.value)
    assert "datasources:create (to create datasources)" in text and "dashboards:create" not in text
    assert editor not in text


def test_lock_ui_edits_makes_managed_dashboards_read_only_in_the_ui(project: Path,
                                                                    grafana_12_plus: GrafanaEmulator) -> None:
    """With `lock_ui_edits`, gac writes its manager annotations without managerAllowsEdits: Grafana's
    editor then refuses to save the dashboard (the emulator's UI control models the frontend)."""
    emu = grafana_12_plus
    config = project / "grafana.yaml"
    config.write_text(config.read_text().replace("  local:\n", "  local:\n    lock_ui_edits: true\n", 1))
    gac = Gac(project, emu)
    assert gac("sync").exit_code == 0
    assert "grafana.app/managerAllowsEdits" not in emu.store.org(1).dashboards["otel-apm"].annotations
    with pytest.raises(PermissionError):
        emu.ui_save_dashboard("otel-apm", {"title": "x"})
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []
