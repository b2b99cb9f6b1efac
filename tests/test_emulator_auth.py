"""Emulator: health, authentication, organisations, permissions, unknown routes."""

from __future__ import annotations

import requests

from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only

pytestmark = emulator_only


def test_health_needs_no_auth_and_is_pretty_json(grafana_emulator: GrafanaEmulator) -> None:
    r = requests.get(grafana_emulator.url + "/api/health", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"commit": "emulator", "database": "ok", "version": "11.3.0"}
    assert "\n" in r.text  # pretty-printed, as apiHealthHandler writes it
    assert requests.head(grafana_emulator.url + "/api/health", timeout=5).status_code == 200
    assert requests.get(grafana_emulator.url + "/healthz", timeout=5).text == "Ok"


def test_health_database_failing_is_503(grafana_emulator: GrafanaEmulator) -> None:
    grafana_emulator.config.database_failing = True
    r = requests.get(grafana_emulator.url + "/api/health", timeout=5)
    assert r.status_code == 503 and r.json()["database"] == "failing"


def test_no_credentials_is_401_auth_unauthorized(grafana_emulator: GrafanaEmulator) -> None:
    r = requests.get(grafana_emulator.url + "/api/search", timeout=5)
    assert r.status_code == 401
    assert r.json() == {"statusCode": 401, "messageId": "auth.unauthorized", "message": "Unauthorized", "traceID": ""}


def test_bad_token_is_401_invalid_api_key(grafana_emulator: GrafanaEmulator) -> None:
    r = requests.get(grafana_emulator.url + "/api/search", headers={"Authorization": "Bearer glsa_nope"}, timeout=5)
    assert r.status_code == 401
    assert r.json()["messageId"] == "api-key.invalid" and r.json()["message"] == "Invalid API key"


def test_bad_password_is_401_password_auth_failed(grafana_emulator: GrafanaEmulator) -> None:
    for creds in (("alice", "wrong"), ("nobody", "x"), ("alice", "")):
        r = requests.get(grafana_emulator.url + "/api/search", auth=creds, timeout=5)
        assert r.status_code == 401
        assert r.json()["messageId"] == "password-auth.failed"
        assert r.json()["message"] == "Invalid username or password"


def test_token_and_basic_auth_map_to_logins(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    assert emu.client().get("/api/search").status_code == 200
    assert emu.as_user("alice").get("/api/search").status_code == 200
    assert emu.as_user("admin").get("/api/search").status_code == 200
    assert [r.user for r in emu.requests] == ["sa-gac", "alice", "admin"]


def test_token_org_mismatch_is_401(grafana_emulator: GrafanaEmulator) -> None:
    r = grafana_emulator.client(org_id=2).get("/api/search")
    assert r.status_code == 401
    assert r.json()["messageId"] == "api-key.organization-mismatch"
    assert r.json()["message"] == "API key does not belong to the requested organization"
    assert grafana_emulator.client(org_id=1).get("/api/search").status_code == 200


def test_org_header_selects_org_for_users(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    admin2 = emu.as_user("admin", org_id=2)
    assert admin2.post("/api/folders", json={"uid": "only-in-2", "title": "Org 2 folder"}).status_code == 200
    assert admin2.get("/api/folders/only-in-2").status_code == 200
    assert emu.client().get("/api/folders/only-in-2").status_code == 404  # org 1 does not see it
    assert emu.requests[-1].org_id == 1


def test_user_not_member_of_org_gets_rbac_403(grafana_emulator: GrafanaEmulator) -> None:
    alice_in_2 = grafana_emulator.as_user("alice", org_id=2)
    r = alice_in_2.get("/api/folders")
    assert r.status_code == 403
    body = r.json()
    assert body["title"] == "Access denied" and "folders:read" in body["message"]
    assert body["accessErrorId"].startswith("ACE") and len(body["accessErrorId"]) == 13
    assert alice_in_2.get("/api/search").json() == []  # search filters, it does not refuse


def test_non_numeric_org_header_is_ignored(grafana_emulator: GrafanaEmulator) -> None:
    r = grafana_emulator.client().get("/api/search", headers={"X-Grafana-Org-Id": "abc"})
    assert r.status_code == 200


def test_viewer_cannot_write_or_read_datasources(grafana_emulator: GrafanaEmulator) -> None:
    bob = grafana_emulator.as_user("bob")
    r = bob.post("/api/dashboards/db", json={"dashboard": {"title": "x"}})
    assert r.status_code == 403 and "dashboards:create" in r.json()["message"]
    assert bob.get("/api/datasources").status_code == 403
    assert bob.get("/api/v1/provisioning/alert-rules").status_code == 403
    assert bob.get("/api/folders").status_code == 200


def test_unknown_api_route_is_404(grafana_emulator: GrafanaEmulator) -> None:
    r = grafana_emulator.client().get("/api/not-a-thing")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}


def test_frontend_settings_build_info(grafana_emulator: GrafanaEmulator) -> None:
    info = grafana_emulator.client().get("/api/frontend/settings").json()["buildInfo"]
    assert info["version"] == "11.3.0"


def test_signed_in_user_and_current_org(grafana_emulator):
    """`GET /api/user` tells a client who it is (sync uses it to recognise its own writes)."""
    emu = grafana_emulator
    me = emu.client().get("/api/user").json()
    assert me["login"] == emu.sa_login and me["orgId"] == 1 and me["id"] == 0  # service account: minimal DTO
    alice = emu.as_user("alice").get("/api/user").json()
    assert alice["login"] == "alice" and alice["id"] > 0 and alice["email"] == "alice@localhost"
    assert emu.client().get("/api/org").json()["name"] == "Main Org."
    assert emu.client().get("/api/user", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_path_parameters_are_url_decoded(grafana_emulator):
    emu = grafana_emulator
    client = emu.client()
    assert client.post("/api/folders", json={"uid": "f1", "title": "F"}).status_code == 200
    rule = {"uid": "r1", "title": "r", "ruleGroup": "my group", "folderUID": "f1", "orgID": 1, "condition": "A",
            "for": "1m", "noDataState": "NoData", "execErrState": "Error",
            "data": [{"refId": "A", "datasourceUid": "__expr__", "relativeTimeRange": {"from": 0, "to": 0},
                      "model": {"refId": "A", "type": "math", "expression": "1"}}]}
    body = {"title": "my group", "folderUid": "f1", "interval": 60, "rules": [rule]}
    assert client.put("/api/v1/provisioning/folder/f1/rule-groups/my%20group", json=body).status_code == 200
    got = client.get("/api/v1/provisioning/folder/f1/rule-groups/my%20group").json()
    assert got["title"] == "my group" and got["rules"][0]["ruleGroup"] == "my group"
