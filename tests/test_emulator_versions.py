"""The emulator's per-release model of Grafana 11.6, 12.x and 13.x (tests/grafana_emulator/versions.py).

Each test states the Grafana behaviour it proves and runs against the
releases where it differs; the sources are cited in the emulator modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.grafana_emulator import EmulatorConfig, GrafanaEmulator


@pytest.fixture
def emu_factory() -> Iterator[Any]:
    started: list[GrafanaEmulator] = []

    def make(version: str | None) -> GrafanaEmulator:
        emu = GrafanaEmulator(config=EmulatorConfig(grafana_version=version)).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


def _dash(uid: str = "d1", title: str = "D", **extra: Any) -> dict[str, Any]:
    return {"uid": uid, "title": title, "panels": [], **extra}


def _save(client: Any, dashboard: dict[str, Any], **cmd: Any) -> Any:
    return client.post("/api/dashboards/db", json={"dashboard": dashboard, "overwrite": False, **cmd})


# --- identity ------------------------------------------------------------------------------------

@pytest.mark.parametrize("version, dash_shown, version_shown, folder_shown", [
    ("11.6", "Anonymous", "Anonymous", "Anonymous"),
    ("12.x", "gac", "Anonymous", "gac"),
    ("13.x", "gac", "gac", "Anonymous"),
])
def test_sa_writes_never_show_the_login(emu_factory: Any, version: str, dash_shown: str, version_shown: str,
                                        folder_shown: str) -> None:
    emu = emu_factory(version)
    api = emu.client()
    me = api.get("/api/user").json()
    assert me["login"] == "sa-1-gac" == emu.sa_login and me["name"] == "gac" and me["uid"].startswith("service-account:")
    folder = api.post("/api/folders", json={"uid": "f", "title": "F"}).json()
    assert folder["createdBy"] == folder["updatedBy"] == folder_shown
    assert _save(api, _dash()).status_code == 200
    assert _save(api, _dash(title="D2", version=1)).status_code == 200
    meta = api.get("/api/dashboards/uid/d1").json()["meta"]
    assert meta["createdBy"] == dash_shown and meta["updatedBy"] == dash_shown
    assert me["login"] not in (meta["createdBy"], meta["updatedBy"], folder["createdBy"])
    versions = api.get("/api/dashboards/uid/d1/versions").json()
    items = versions["versions"] if isinstance(versions, dict) else versions
    assert {v["createdBy"] for v in items} == {version_shown}


@pytest.mark.parametrize("version", ["12.x", "13.x"])
def test_unified_storage_fresh_dashboard_has_no_updater(emu_factory: Any, version: str) -> None:
    emu = emu_factory(version)
    assert _save(emu.client(), _dash()).status_code == 200
    meta = emu.client().get("/api/dashboards/uid/d1").json()["meta"]
    assert meta["createdBy"] == "gac" and meta["updatedBy"] == "Anonymous"


def test_users_show_their_login_on_every_release(grafana_any_version: GrafanaEmulator) -> None:
    alice = grafana_any_version.as_user("alice")
    _save(alice, _dash())
    assert _save(alice, _dash(title="D2", version=1)).status_code == 200
    meta = alice.get("/api/dashboards/uid/d1").json()["meta"]
    assert meta["createdBy"] == meta["updatedBy"] == "alice"


def test_legacy_default_keeps_login_identity(grafana_emulator: GrafanaEmulator) -> None:
    api = grafana_emulator.client()
    assert api.get("/api/user").json()["login"] == "sa-gac"
    _save(api, _dash())
    assert api.get("/api/dashboards/uid/d1").json()["meta"]["updatedBy"] == "sa-gac"


# --- roles and service-account tokens ----------------------------------------------------------

def test_service_account_tokens_per_role(grafana_any_version: GrafanaEmulator) -> None:
    emu = grafana_any_version
    viewer = emu.create_service_account("CI Viewer", role="Viewer")
    editor = emu.create_service_account("ci-editor", role="Editor")
    admin = emu.create_service_account("ci-admin", role="Admin")
    assert viewer.login == "sa-1-ci-viewer" and viewer.name == "CI Viewer"
    assert viewer.client().get("/api/user").json()["login"] == "sa-1-ci-viewer"
    denied = _save(viewer.client(), _dash())
    body = denied.json()
    assert denied.status_code == 403 and body["title"] == "Access denied"
    assert body["message"].endswith("Permissions needed: any of dashboards:create, dashboards:write")
    assert body["accessErrorId"].startswith("ACE")
    assert _save(editor.client(), _dash()).status_code == 200
    assert editor.client().get("/api/datasources").status_code == 403
    assert admin.client().get("/api/datasources").status_code == 200


def test_access_control_permissions_tell_a_token_what_it_may_do(grafana_any_version: GrafanaEmulator) -> None:
    emu = grafana_any_version
    viewer = emu.create_service_account("v", role="Viewer").client()
    perms = viewer.get("/api/access-control/user/permissions").json()
    assert perms["dashboards:read"] == ["dashboards:*", "folders:*"] and "dashboards:write" not in perms
    editor = emu.create_service_account("e", role="Editor").client().get("/api/access-control/user/permissions")
    assert "dashboards:write" in editor.json() and "datasources:write" not in editor.json()
    actions = emu.client().get("/api/access-control/user/actions").json()
    assert actions["datasources:write"] is True and actions["alert.provisioning:write"] is True


# --- generation, no-op saves, races ----------------------------------------------------------

@pytest.mark.parametrize("version, noop_bumps", [("11.6", True), ("12.x", False), ("13.x", False)])
def test_noop_save_and_generation(emu_factory: Any, version: str, noop_bumps: bool) -> None:
    emu = emu_factory(version)
    api = emu.client()
    _save(api, _dash())
    emu.ui_save_dashboard("d1", {"description": "alice"}, user="alice")
    r = _save(api, _dash(version=2, description="alice"))  # same spec as stored
    assert r.status_code == 200
    meta = api.get("/api/dashboards/uid/d1").json()["meta"]
    if noop_bumps:
        assert r.json()["version"] == 3 and meta["updatedBy"] == "Anonymous"
    else:
        assert r.json()["version"] == 2 and meta["updatedBy"] == "alice"
    r = _save(api, _dash(title="changed", version=r.json()["version"]))
    assert r.status_code == 200 and r.json()["version"] == (4 if noop_bumps else 3)


@pytest.mark.parametrize("version, racing_save_wins", [("11.6", True), ("12.x", False), ("13.x", False)])
def test_racing_save_slips_between_check_and_write(emu_factory: Any, version: str, racing_save_wins: bool) -> None:
    emu = emu_factory(version)
    api = emu.client()
    _save(api, _dash())
    emu.race_next_save("d1", {"description": "alice was here"}, user="alice")
    r = _save(api, _dash(title="gac", version=1))
    stored = api.get("/api/dashboards/uid/d1").json()["dashboard"]
    if racing_save_wins:  # 11.x: the SQL transaction re-checks the version
        assert r.status_code == 412 and r.json()["status"] == "version-mismatch"
        assert stored["description"] == "alice was here"
    else:  # 12+: lost update, both saves succeed
        assert r.status_code == 200 and r.json()["version"] == 3
        assert "description" not in stored and stored["title"] == "gac"


def test_13_legacy_post_answers_409_on_a_stale_version(emu_factory: Any) -> None:
    emu = emu_factory("13.x")
    api = emu.client()
    _save(api, _dash())
    r = _save(api, _dash(version=7, title="x"))
    assert r.status_code == 409 and r.json() == {"message": "Dashboard already exists. Use overwrite flag to update."}
    assert _save(api, {"uid": "d1", "title": "x", "panels": []}).status_code == 409  # no version at all
    emu12 = emu_factory("12.x")
    _save(emu12.client(), _dash())
    assert _save(emu12.client(), _dash(version=7)).status_code == 412


# --- versions list -------------------------------------------------------------------------------

def test_12_plus_versions_list_shape_and_limit_from_query_only(grafana_12_plus: GrafanaEmulator) -> None:
    api = grafana_12_plus.client()
    _save(api, _dash())
    for n in range(1, 4):
        _save(api, _dash(title=f"t{n}", version=n))
    body = api.get("/api/dashboards/uid/d1/versions", data={"limit": "2"}).json()  # form body on a GET: ignored
    assert set(body) == {"versions", "continueToken"} and body["continueToken"] == ""
    assert [v["version"] for v in body["versions"]] == [4, 3, 2, 1]
    assert body["versions"][0]["data"]["title"] == "t3"
    page = api.get("/api/dashboards/uid/d1/versions", params={"limit": 3}).json()
    assert [v["version"] for v in page["versions"]] == [4, 3, 2] and page["continueToken"]
    rest = api.get("/api/dashboards/uid/d1/versions", params={"limit": 3, "continueToken": page["continueToken"]})
    assert [v["version"] for v in rest.json()["versions"]] == [1] and rest.json()["continueToken"] == ""


def test_11_versions_list_is_an_array_without_data(emu_factory: Any) -> None:
    api = emu_factory("11.6").client()
    _save(api, _dash())
    body = api.get("/api/dashboards/uid/d1/versions").json()
    assert isinstance(body, list) and "data" not in body[0]


# --- schema v2 -----------------------------------------------------------------------------------

def _panel_dash() -> dict[str, Any]:
    return _dash(panels=[{"id": 1, "type": "timeseries", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                          "targets": [{"refId": "A", "expr": "up"}]}])


def test_v2_dashboard_on_legacy_get(emu_factory: Any) -> None:
    with pytest.raises(ValueError):
        emu_factory("11.6").save_dashboard_v2("d1")
    emu12 = emu_factory("12.x")
    _save(emu12.client(), _panel_dash())
    assert emu12.save_dashboard_v2("d1")["apiVersion"] == "dashboard.grafana.app/v2beta1"
    r = emu12.client().get("/api/dashboards/uid/d1")
    assert r.status_code == 406 and "/apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards/d1" in r.json()["message"]
    emu13 = emu_factory("13.x")
    _save(emu13.client(), _panel_dash())
    assert emu13.save_dashboard_v2("d1")["apiVersion"] == "dashboard.grafana.app/v2"
    r = emu13.client().get("/api/dashboards/uid/d1")
    assert r.status_code == 200
    dash = r.json()["dashboard"]
    assert [p["title"] for p in dash["panels"]] == ["p"] and dash["panels"][0]["targets"] == [{"refId": "A", "expr": "up"}]
    assert r.json()["meta"]["updatedBy"] == "alice"


def test_ui_save_refuses_managed_dashboard_without_allows_edits(emu_factory: Any) -> None:
    emu = emu_factory("13.x")
    _save(emu.client(), _dash())
    with emu.store.lock:
        emu.store.org(1).dashboards["d1"].annotations.update(
            {"grafana.app/managedBy": "terraform", "grafana.app/managerId": "ws"})
    with pytest.raises(PermissionError):
        emu.ui_save_dashboard("d1", {"title": "x"})
    r = _save(emu.client(), _dash(version=1, title="x"))
    assert r.status_code == 400 and r.json()["message"] == "Cannot save provisioned dashboard"


# --- /apis -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("version, dashboards, folders", [
    ("12.x", ["v1beta1", "v0alpha1", "v2beta1", "v2alpha1"], ["v1beta1"]),
    ("13.x", ["v2", "v2beta1", "v2alpha1", "v0alpha1", "v1", "v1beta1"], ["v1", "v1beta1"]),
])
def test_apis_discovery_per_release(emu_factory: Any, version: str, dashboards: list[str], folders: list[str]) -> None:
    api = emu_factory(version).client()
    groups = {g["name"]: g for g in api.get("/apis").json()["groups"]}
    assert [v["version"] for v in groups["dashboard.grafana.app"]["versions"]] == dashboards
    assert groups["dashboard.grafana.app"]["preferredVersion"]["version"] == dashboards[0]
    assert [v["version"] for v in groups["folder.grafana.app"]["versions"]] == folders
    res = api.get(f"/apis/folder.grafana.app/{folders[0]}").json()
    assert res["resources"][0]["name"] == "folders"


def test_11_has_no_apis(emu_factory: Any) -> None:
    api = emu_factory("11.6").client()
    assert api.get("/apis").status_code == 404
    assert api.get("/apis/folder.grafana.app/v1beta1/namespaces/default/folders").status_code == 404


def _folders(emu: GrafanaEmulator) -> str:
    version = emu.profile.apis["folder.grafana.app"][0]
    return f"/apis/folder.grafana.app/{version}/namespaces/default/folders"


def test_apis_folders_crud_and_one_store(grafana_12_plus: GrafanaEmulator) -> None:
    """One store behind both APIs. Where folders stay in legacy SQL (12.x: folders_in_legacy_sql),
    what a client writes beyond title, description and parent is dropped, an update compares no
    resourceVersion, and the resourceVersion is the update time in ms; in unified storage (13.x)
    annotations and labels stay and a stale resourceVersion is a 409."""
    emu = grafana_12_plus
    api, base = emu.client(), _folders(emu)
    unified = not emu.profile.folders_in_legacy_sql
    r = api.post(base, json={"metadata": {"name": "team", "labels": {"owner": "gac"}, "annotations": {
        "grafana.app/managedBy": "terraform", "grafana.app/managerId": "ws", "grafana.app/managerAllowsEdits": "false",
        "grafana.app/createdBy": "user:forged"}}, "spec": {"title": "Team"}})
    assert r.status_code == 201
    obj = r.json()
    ann = obj["metadata"]["annotations"]
    assert ann["grafana.app/createdBy"] == f"service-account:{emu.auth.by_login(emu.sa_login).uid}"
    if unified:
        assert ann["grafana.app/managedBy"] == "terraform" and obj["metadata"]["labels"]["owner"] == "gac"
    else:
        assert "grafana.app/managedBy" not in ann and "owner" not in obj["metadata"]["labels"]
        assert obj["metadata"]["resourceVersion"] == str(emu.store.org(1).folders["team"].updated_ms)
    assert obj["metadata"]["generation"] == 1
    # the legacy API sees the same folder
    legacy = api.get("/api/folders/team").json()
    assert legacy["title"] == "Team" and legacy["version"] == obj["metadata"]["generation"]
    child = api.post(base, json={"metadata": {"name": "child", "annotations": {"grafana.app/folder": "team"}},
                                 "spec": {"title": "Child"}})
    assert child.status_code == 201 and api.get("/api/folders/child").json()["parentUid"] == "team"
    # stale resourceVersion -> 409 Status
    obj["spec"]["title"] = "Team 2"
    ok = api.put(f"{base}/team", json=obj)
    assert ok.status_code == 200 and ok.json()["metadata"]["generation"] == 2
    stale = api.put(f"{base}/team", json={**obj, "spec": {"title": "Team 2b"}})
    if unified:
        assert stale.status_code == 409 and stale.json()["kind"] == "Status" and stale.json()["reason"] == "Conflict"
    else:  # Overwrite: the stale write lands
        assert stale.status_code == 200 and api.get("/api/folders/team").json()["title"] == "Team 2b"
    # a legacy write moves the resourceVersion too
    rv = ok.json()["metadata"]["resourceVersion"]
    api.put("/api/folders/team", json={"title": "Team 3", "version": api.get("/api/folders/team").json()["version"]})
    after = api.get(f"{base}/team").json()["metadata"]["resourceVersion"]
    assert after != rv if unified else after == str(emu.store.org(1).folders["team"].updated_ms)
    # list with limit/continue
    page = api.get(base, params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["metadata"]["continue"]
    rest = api.get(base, params={"limit": 1, "continue": page["metadata"]["continue"]}).json()
    assert [i["metadata"]["name"] for i in page["items"] + rest["items"]] == ["child", "team"]
    labelled = [i["metadata"]["name"] for i in api.get(base, params={"labelSelector": "owner=gac"}).json()["items"]]
    assert labelled == (["team"] if unified else [])
    # a folder that still holds one is not deleted (validateOnDelete; tests/test_sync_ordering.py)
    assert api.delete(f"{base}/team").status_code == 400
    assert api.delete(f"{base}/child").json()["status"] == "Success"
    assert api.delete(f"{base}/team").json()["status"] == "Success"
    missing = api.get(f"{base}/team")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"


def test_apis_rbac_and_namespace(grafana_12_plus: GrafanaEmulator) -> None:
    emu = grafana_12_plus
    viewer = emu.create_service_account("v", role="Viewer").client()
    r = viewer.post(_folders(emu), json={"metadata": {"name": "x"}, "spec": {"title": "X"}})
    assert r.status_code == 403 and r.json()["reason"] == "Forbidden"
    assert emu.client().get(_folders(emu).replace("/default/", "/org-2/")).status_code == 403


def test_apis_dashboards_generation_v2_and_managers(grafana_12_plus: GrafanaEmulator) -> None:
    emu = grafana_12_plus
    api = emu.client()
    v1 = emu.profile.apis["dashboard.grafana.app"]
    v1 = next(v for v in v1 if v.startswith("v1"))
    base = f"/apis/dashboard.grafana.app/{v1}/namespaces/default/dashboards"
    r = api.post(base, json={"metadata": {"name": "d1", "annotations": {"grafana.app/message": "first"}},
                             "spec": {"title": "D", "panels": []}})
    assert r.status_code == 201
    obj = r.json()
    assert "grafana.app/updatedBy" not in obj["metadata"]["annotations"] and "uid" not in obj["spec"]
    assert api.get("/api/dashboards/uid/d1").json()["meta"]["updatedBy"] == "Anonymous"
    same = api.put(f"{base}/d1", json=obj)
    assert same.status_code == 200 and same.json()["metadata"]["generation"] == 1
    obj["spec"]["title"] = "D2"
    changed = api.put(f"{base}/d1", json=obj).json()
    assert changed["metadata"]["generation"] == 2 and api.get("/api/dashboards/uid/d1").json()["dashboard"]["version"] == 2
    # manager kinds: changing the manager is refused once managed
    changed["metadata"]["annotations"].update({"grafana.app/managedBy": "kubectl", "grafana.app/managerId": "a"})
    changed["spec"]["title"] = "D3"
    managed = api.put(f"{base}/d1", json=changed).json()
    managed["metadata"]["annotations"]["grafana.app/managerId"] = "b"
    managed["spec"]["title"] = "D4"
    r = api.put(f"{base}/d1", json=managed)
    assert r.status_code == 403 and "Cannot change resource manager" in r.json()["message"]
    # v2 stored: v1 read converts (13) or fails (12); v2 read is native
    emu.save_dashboard_v2("d1")
    v1_view = api.get(f"{base}/d1").json()
    conv = v1_view["status"]["conversion"]
    assert conv["storedVersion"] == emu.profile.v2_editor_version
    assert conv["failed"] is (emu.profile.key == "12.x")
    v2_view = api.get(f"/apis/dashboard.grafana.app/{emu.profile.v2_editor_version}/namespaces/default/dashboards/d1")
    assert v2_view.json()["spec"]["layout"]["kind"] == "TabsLayout" and v2_view.json()["status"] == {}
