"""Emulator: dashboards, versions, folders and search (API.md sections 3-5)."""

from __future__ import annotations

import json

from typing import Any

import pytest

from tests.grafana_emulator import GrafanaEmulator, UserClient
from tests.grafana_emulator.testing import emulator_only

pytestmark = emulator_only


@pytest.fixture
def api(grafana_emulator: GrafanaEmulator) -> UserClient:
    return grafana_emulator.client()


def save(api: UserClient, dashboard: dict[str, Any], **cmd: Any) -> Any:
    return api.post("/api/dashboards/db", json={"dashboard": dashboard, **cmd})


# --- dashboards -------------------------------------------------------------------------------

def test_create_then_update_bumps_version_even_if_unchanged(api: UserClient) -> None:
    r = save(api, {"uid": "d1", "title": "  My Dash  ", "panels": []})
    assert r.status_code == 200
    assert r.json() == {"id": r.json()["id"], "uid": "d1", "url": "/d/d1/my-dash", "status": "success",
                        "version": 1, "slug": "my-dash", "folderUid": ""}
    r2 = save(api, {"uid": "d1", "title": "My Dash", "panels": [], "version": 1})
    assert r2.json()["version"] == 2 and r2.json()["id"] == r.json()["id"]
    got = api.get("/api/dashboards/uid/d1").json()
    assert got["dashboard"] == {"id": r.json()["id"], "panels": [], "title": "My Dash", "uid": "d1", "version": 2}
    assert list(got["dashboard"]) == sorted(got["dashboard"])  # Go re-serialises with sorted keys


def test_generated_uid_and_stale_numeric_id(api: UserClient) -> None:
    r = save(api, {"title": "No uid", "version": 7})
    assert r.status_code == 200 and len(r.json()["uid"]) == 14 and r.json()["version"] == 1
    r = save(api, {"id": 999, "title": "Exported elsewhere"})
    assert r.status_code == 404 and r.json() == {"status": "not-found", "message": "Dashboard not found"}


def test_version_mismatch_412_unless_overwrite(api: UserClient) -> None:
    save(api, {"uid": "d1", "title": "T"})
    save(api, {"uid": "d1", "title": "T", "version": 1})
    r = save(api, {"uid": "d1", "title": "T", "version": 1})
    assert r.status_code == 412
    assert r.json() == {"status": "version-mismatch", "message": "The dashboard has been changed by someone else"}
    r = save(api, {"uid": "d1", "title": "T"})  # no version with a uid counts as 0
    assert r.status_code == 412
    r = save(api, {"uid": "d1", "title": "T", "version": 1}, overwrite=True)
    assert r.status_code == 200 and r.json()["version"] == 3


def test_id_and_uid_on_different_rows(api: UserClient) -> None:
    a = save(api, {"uid": "a", "title": "A"}).json()
    save(api, {"uid": "b", "title": "B"})
    r = save(api, {"id": a["id"], "uid": "b", "title": "A", "version": 1})
    assert r.status_code == 400 and r.json()["message"] == "A dashboard with the same uid already exists"


@pytest.mark.parametrize("dashboard,cmd,status,body", [
    ({"title": "   "}, {}, 400, {"status": "empty-name", "message": "Dashboard title cannot be empty"}),
    ({"title": "t", "uid": "bad uid!"}, {}, 400, {"message": "uid contains illegal characters", "traceID": ""}),
    ({"title": "t", "uid": "x" * 41}, {}, 400, {"message": "uid too long, max 40 characters", "traceID": ""}),
    ({"title": "t"}, {"message": "m" * 501}, 400, {"message": "message too long, max 500 characters", "traceID": ""}),
    ({"title": "t"}, {"folderUid": "nope"}, 400, {"message": "folder not found", "traceID": ""}),
    ({"title": "t"}, {"isFolder": True}, 400, {"message": "Use folders endpoint for saving folders."}),
])
def test_save_validation_errors(api: UserClient, dashboard: dict, cmd: dict, status: int, body: dict) -> None:
    r = save(api, dashboard, **cmd)
    assert (r.status_code, r.json()) == (status, body)


def test_missing_dashboard_key_and_empty_body(api: UserClient) -> None:
    assert api.post("/api/dashboards/db", json={"folderUid": ""}).json()["status"] == "empty-name"
    r = api.post("/api/dashboards/db", data=b"", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["status"] == "empty-name"


def test_malformed_json_is_bad_request_data(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    r = api.post("/api/dashboards/db", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"] == "bad request data"
    assert grafana_emulator.schema_violations


def test_folder_and_meta(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    api.post("/api/folders", json={"uid": "f1", "title": "Team A"})
    save(api, {"uid": "d1", "title": "Svc"}, folderUid="f1")
    grafana_emulator.as_user("alice").post(
        "/api/dashboards/db", json={"dashboard": {"uid": "d1", "title": "Svc", "version": 1}, "folderUid": "f1"})
    meta = api.get("/api/dashboards/uid/d1").json()["meta"]
    assert meta["createdBy"] == "sa-gac" and meta["updatedBy"] == "alice" and meta["version"] == 2
    assert meta["folderUid"] == "f1" and meta["folderTitle"] == "Team A"
    assert meta["folderUrl"] == "/dashboards/f/f1/team-a" and meta["folderId"] > 0
    assert meta["slug"] == "svc" and meta["url"] == "/d/d1/svc" and meta["type"] == "db"
    assert meta["provisioned"] is False and meta["canSave"] is True
    assert meta["created"].endswith("Z") and meta["updated"].endswith("Z")
    root = save(api, {"uid": "d2", "title": "Root"}).json()
    meta = api.get("/api/dashboards/uid/d2").json()["meta"]
    assert (meta["folderUid"], meta["folderTitle"], meta["folderId"], meta["folderUrl"]) == ("", "General", 0, "")
    assert root["folderUid"] == ""


def test_saving_without_folder_moves_to_root(api: UserClient) -> None:
    api.post("/api/folders", json={"uid": "f1", "title": "F"})
    save(api, {"uid": "d1", "title": "D"}, folderUid="f1")
    save(api, {"uid": "d1", "title": "D", "version": 1})
    assert api.get("/api/dashboards/uid/d1").json()["meta"]["folderUid"] == ""


def test_get_and_delete_missing(api: UserClient) -> None:
    r = api.get("/api/dashboards/uid/nope")
    assert r.status_code == 404 and r.json() == {"message": "Dashboard not found", "traceID": ""}
    assert api.delete("/api/dashboards/uid/nope").status_code == 404


def test_delete_dashboard_and_folder_uid(api: UserClient) -> None:
    save(api, {"uid": "d1", "title": "Gone"})
    r = api.delete("/api/dashboards/uid/d1")
    assert r.json() == {"title": "Gone", "message": "Dashboard Gone deleted", "uid": "d1"}
    assert api.get("/api/dashboards/uid/d1").status_code == 404
    api.post("/api/folders", json={"uid": "f1", "title": "F"})
    r = api.delete("/api/dashboards/uid/f1")
    assert r.status_code == 400 and r.json()["message"] == "Use folders endpoint for deleting folders."


def test_refresh_below_minimum_is_rewritten(api: UserClient) -> None:
    save(api, {"uid": "d1", "title": "R", "refresh": "1s"})
    assert api.get("/api/dashboards/uid/d1").json()["dashboard"]["refresh"] == "5s"


def test_versions_list_get_and_restore(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    save(api, {"uid": "d1", "title": "V1"}, message="first")
    save(api, {"uid": "d1", "title": "V2", "version": 1}, message="second")
    versions = api.get("/api/dashboards/uid/d1/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert [v["message"] for v in versions] == ["second", "Initial save"]
    assert versions[0]["parentVersion"] == 1 and versions[0]["createdBy"] == "sa-gac"
    assert "data" not in versions[0]
    assert [v["version"] for v in api.get("/api/dashboards/uid/d1/versions?limit=1&start=1").json()] == [1]
    one = api.get("/api/dashboards/uid/d1/versions/1").json()
    assert one["data"]["title"] == "V1"
    r = api.get("/api/dashboards/uid/d1/versions/9")
    assert r.status_code == 500 and "Dashboard version 9 not found" in r.json()["message"]
    r = api.post("/api/dashboards/uid/d1/restore", json={"version": 1})
    assert r.status_code == 200 and r.json()["version"] == 3
    assert api.get("/api/dashboards/uid/d1").json()["dashboard"]["title"] == "V1"
    assert api.get("/api/dashboards/uid/d1/versions").json()[0]["message"] == "Restored from version 1"
    grafana_emulator.config.versions_list_object = True
    listing = api.get("/api/dashboards/uid/d1/versions").json()
    assert listing["continueToken"] == "" and len(listing["versions"]) == 3


def test_provisioned_and_plugin_dashboards(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    grafana_emulator.provision_dashboard({"uid": "p1", "title": "Prov"}, external_id="team/p1.json")
    meta = api.get("/api/dashboards/uid/p1").json()["meta"]
    assert meta["provisioned"] is True and meta["provisionedExternalId"] == "team/p1.json"
    r = save(api, {"uid": "p1", "title": "Prov", "version": 1})
    assert r.status_code == 400 and r.json()["message"] == "Cannot save provisioned dashboard"
    r = api.delete("/api/dashboards/uid/p1")
    assert r.status_code == 400 and r.json()["message"] == "provisioned dashboard cannot be deleted"
    grafana_emulator.provision_dashboard({"uid": "p2", "title": "Editable"}, allow_ui_updates=True)
    assert save(api, {"uid": "p2", "title": "Editable", "version": 1}).status_code == 200
    assert api.get("/api/dashboards/uid/p2").json()["meta"]["provisioned"] is False
    grafana_emulator.provision_dashboard({"uid": "pl", "title": "Plugin"}, plugin_id="my-app")
    r = save(api, {"uid": "pl", "title": "Plugin", "version": 1})
    assert r.status_code == 412 and r.json()["status"] == "plugin-dashboard"
    assert save(api, {"uid": "pl", "title": "Plugin"}, overwrite=True).status_code == 200


def test_concurrent_saves_same_base_version_one_wins(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    save(api, {"uid": "d1", "title": "C"})
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: grafana_emulator.client().post(
            "/api/dashboards/db", json={"dashboard": {"uid": "d1", "title": f"C{i}", "version": 1}}).status_code,
            range(8)))
    assert sorted(statuses) == [200] + [412] * 7


# --- folders ----------------------------------------------------------------------------------

def test_folder_crud_and_versions(api: UserClient) -> None:
    r = api.post("/api/folders", json={"uid": "f1", "title": "Ops"})
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["url"] == "/dashboards/f/f1/ops"
    assert "parentUid" not in r.json()
    r = api.put("/api/folders/f1", json={"title": "Ops 2"})  # omitted version counts as 0
    assert r.status_code == 412
    assert r.json() == {"status": "version-mismatch", "message": "the folder has been changed by someone else"}
    r = api.put("/api/folders/f1", json={"title": "Ops 2", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["title"] == "Ops 2"
    r = api.put("/api/folders/f1", json={"title": "", "overwrite": True})
    assert r.json()["title"] == "Ops 2" and r.json()["version"] == 3  # empty title keeps the old one
    assert api.get("/api/folders").json() == [{"id": r.json()["id"], "uid": "f1", "title": "Ops 2"}]
    assert api.delete("/api/folders/f1").json() == {"message": "Folder deleted"}
    r = api.get("/api/folders/f1")
    assert r.status_code == 404 and r.json() == {"status": "not-found", "message": "folder not found"}


@pytest.mark.parametrize("body,message", [
    ({"title": " "}, "folder title cannot be empty"),
    ({"title": "general"}, "A folder with that name already exists"),
    ({"title": "x", "uid": "general"}, "invalid uid for folder provided"),
    ({"title": "x", "uid": "a b"}, "uid contains illegal characters"),
    ({"title": "x", "uid": "y" * 41}, "uid too long, max 40 characters"),
])
def test_folder_create_errors(api: UserClient, body: dict, message: str) -> None:
    r = api.post("/api/folders", json=body)
    assert r.status_code == 400 and r.json()["message"] == message


def test_folder_duplicate_uid_412_and_same_title_allowed(api: UserClient) -> None:
    assert api.post("/api/folders", json={"uid": "f1", "title": "Same"}).status_code == 200
    assert api.post("/api/folders", json={"uid": "f1", "title": "Other"}).status_code == 412
    assert api.post("/api/folders", json={"uid": "f2", "title": "Same"}).status_code == 200


def test_nested_folders_parents_depth_move_and_cycles(api: UserClient) -> None:
    api.post("/api/folders", json={"uid": "a", "title": "A"})
    api.post("/api/folders", json={"uid": "b", "title": "B", "parentUid": "a"})
    c = api.post("/api/folders", json={"uid": "c", "title": "C", "parentUid": "b"}).json()
    assert c["parentUid"] == "b" and [p["uid"] for p in c["parents"]] == ["a", "b"]
    assert api.post("/api/folders", json={"uid": "d", "title": "D", "parentUid": "c"}).status_code == 200
    r = api.post("/api/folders", json={"uid": "e", "title": "E", "parentUid": "d"})
    assert r.status_code == 400 and r.json()["messageId"] == "folder.maximum-depth-reached"
    assert api.post("/api/folders", json={"title": "X", "parentUid": "missing"}).status_code == 404
    assert [f["uid"] for f in api.get("/api/folders?parentUid=a").json()] == ["b"]
    r = api.post("/api/folders/a/move", json={"parentUid": "c"})
    assert r.status_code == 400 and r.json()["messageId"] == "folder.circular-reference"
    api.post("/api/folders", json={"uid": "z", "title": "Z"})
    r = api.post("/api/folders/d/move", json={"parentUid": "z"})
    assert r.status_code == 200 and r.json()["parentUid"] == "z"
    r = api.post("/api/folders/d/move", json={"parentUid": ""})
    assert "parentUid" not in r.json()


def test_folder_delete_cascades_and_rules_need_force(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    api.post("/api/folders", json={"uid": "a", "title": "A"})
    api.post("/api/folders", json={"uid": "b", "title": "B", "parentUid": "a"})
    save(api, {"uid": "d1", "title": "In B"}, folderUid="b")
    rule = {"title": "R", "ruleGroup": "g", "folderUID": "b", "condition": "A", "noDataState": "OK",
            "execErrState": "Error", "for": "0s",
            "data": [{"refId": "A", "datasourceUid": "__expr__", "relativeTimeRange": {"from": 0, "to": 0},
                      "model": {"type": "math", "expression": "1"}}]}
    assert api.post("/api/v1/provisioning/alert-rules", json=rule).status_code == 201
    r = api.delete("/api/folders/a")
    assert r.status_code == 400 and r.json()["messageId"] == "folder.not-empty"
    assert api.delete("/api/folders/a?forceDeleteRules=true").status_code == 200
    assert api.get("/api/folders/b").status_code == 404
    assert api.get("/api/dashboards/uid/d1").status_code == 404
    assert api.get("/api/v1/provisioning/alert-rules").json() == []


# --- search -----------------------------------------------------------------------------------

@pytest.fixture
def populated(api: UserClient) -> UserClient:
    api.post("/api/folders", json={"uid": "fa", "title": "Alpha"})
    api.post("/api/folders", json={"uid": "fb", "title": "beta", "parentUid": "fa"})
    save(api, {"uid": "d1", "title": "zeta board", "tags": ["prod", "api"]}, folderUid="fa")
    save(api, {"uid": "d2", "title": "Api latency", "tags": ["prod"]})
    save(api, {"uid": "d3", "title": "api errors", "tags": ["dev"]}, folderUid="fb")
    return api


def uids(r: Any) -> list[str]:
    return [h["uid"] for h in r.json()]


def test_search_default_order_and_hit_shape(populated: UserClient) -> None:
    r = populated.get("/api/search")
    assert uids(r) == ["fa", "fb", "d3", "d2", "d1"]  # folders first, then by lower-cased title
    d1 = next(h for h in r.json() if h["uid"] == "d1")
    assert d1 == {"id": d1["id"], "uid": "d1", "orgId": 1, "title": "zeta board", "uri": "db/zeta-board",
                  "url": "/d/d1/zeta-board", "slug": "zeta-board", "type": "dash-db", "tags": ["api", "prod"],
                  "isStarred": False, "folderId": d1["folderId"], "folderUid": "fa", "folderTitle": "Alpha",
                  "folderUrl": "/dashboards/f/fa/alpha", "sortMeta": 0, "isDeleted": False}
    d2 = next(h for h in r.json() if h["uid"] == "d2")
    assert "folderUid" not in d2 and "folderTitle" not in d2
    fa = next(h for h in r.json() if h["uid"] == "fa")
    assert fa["type"] == "dash-folder" and fa["url"] == "/dashboards/f/fa/alpha"


def test_search_filters(populated: UserClient) -> None:
    api = populated
    assert uids(api.get("/api/search?query=API")) == ["d3", "d2"]
    assert uids(api.get("/api/search?tag=prod")) == ["d2", "d1"]
    assert uids(api.get("/api/search?tag=prod&tag=api")) == ["d1"]
    assert uids(api.get("/api/search?type=dash-folder")) == ["fa", "fb"]
    assert uids(api.get("/api/search?type=dash-db&folderUIDs=fa")) == ["d1"]
    assert uids(api.get("/api/search?folderUIDs=fa")) == ["fb", "d1"]  # direct children only
    assert uids(api.get("/api/search?folderUIDs=fa&folderUIDs=fb")) == ["fb", "d3", "d1"]
    assert uids(api.get("/api/search?folderUIDs=general")) == ["fa", "d2"]
    assert uids(api.get("/api/search?folderUIDs=")) == ["fa", "d2"]
    assert uids(api.get("/api/search?dashboardUIDs=d1&dashboardUIDs=d3")) == ["d3", "d1"]
    assert api.get("/api/search?starred=true").json() == []


def test_search_sort_and_paging(populated: UserClient) -> None:
    api = populated
    assert uids(api.get("/api/search?type=dash-db&sort=alpha-desc")) == ["d1", "d2", "d3"]
    assert uids(api.get("/api/search?type=dash-db&sort=alpha-asc&limit=2&page=2")) == ["d1"]
    assert uids(api.get("/api/search?limit=2&page=1")) == ["fa", "d3"]  # page by title, then folders first
    assert uids(api.get("/api/search?limit=0")) == uids(api.get("/api/search"))


def test_search_errors(api: UserClient) -> None:
    r = api.get("/api/search?limit=5001")
    assert r.status_code == 422 and r.json()["message"].startswith("Limit is above maximum allowed (5000)")
    r = api.get("/api/search?dashboardUIDs=a&dashboardIds=1")
    assert r.status_code == 400 and r.json()["message"] == "search supports UIDs or IDs, not both"


def test_a_get_answer_is_a_snapshot_without_a_deep_copy(grafana_any_version: GrafanaEmulator,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer shares the stored body's nested values: every save replaces the body, nothing
    mutates it in place. A deep copy per GET (and per object of an /apis list page) made the
    emulator's CPU, not the client's, what a benchmark measured; the answer still stays what was
    read when the dashboard is saved again."""
    import copy as copy_module

    emu = grafana_any_version
    client = emu.client()
    saved = client.post("/api/dashboards/db", json={"dashboard": {"uid": "snap", "title": "Snap", "panels": [
        {"id": 1, "title": "one", "type": "stat"}]}, "folderUid": ""})
    assert saved.status_code == 200, saved.text
    copies: list[object] = []
    real_deepcopy = copy_module.deepcopy
    monkeypatch.setattr(copy_module, "deepcopy", lambda value, *a: copies.append(value) or real_deepcopy(value, *a))
    answer, _ = emu.process("GET", "/api/dashboards/uid/snap", {}, {"authorization": f"Bearer {emu.token}"}, b"")
    v1 = [v for v in emu.profile.apis.get("dashboard.grafana.app", ()) if not v.startswith("v2")][:1]
    paths = [f"/apis/dashboard.grafana.app/{v}/namespaces/default/dashboards" for v in v1]
    listed = [emu.process("GET", path, {}, {"authorization": f"Bearer {emu.token}"}, b"")[0] for path in paths]
    assert copies == []
    monkeypatch.undo()
    before = json.dumps(answer.body, sort_keys=True)
    lists_before = [json.dumps(page.body, sort_keys=True) for page in listed]
    again = client.post("/api/dashboards/db", json={"dashboard": {"uid": "snap", "title": "Snap 2", "panels": [
        {"id": 1, "title": "changed", "type": "stat"}]}, "folderUid": "", "overwrite": True})
    assert again.status_code == 200, again.text
    assert json.dumps(answer.body, sort_keys=True) == before
    assert [json.dumps(page.body, sort_keys=True) for page in listed] == lists_before
    assert client.get("/api/dashboards/uid/snap").json()["dashboard"]["panels"][0]["title"] == "changed"
