"""Emulator: request bodies validated against Grafana's OpenAPI spec (shared/grafana/openapi)."""

from __future__ import annotations

import pytest

from tests.grafana_emulator import EmulatorConfig, GrafanaEmulator, UserClient
from tests.grafana_emulator.openapi import get_validator
from tests.grafana_emulator.testing import emulator_only, requires_openapi

pytestmark = [emulator_only, requires_openapi]


@pytest.fixture
def api(grafana_emulator: GrafanaEmulator) -> UserClient:
    return grafana_emulator.client()


def test_malformed_request_is_rejected_by_openapi_validation(grafana_emulator: GrafanaEmulator,
                                                            api: UserClient) -> None:
    r = api.post("/api/dashboards/db", json={"dashboard": {"title": "ok"}, "overwrite": "yes"})
    assert r.status_code == 400
    body = r.json()
    assert body["message"] == "bad request data"  # Grafana's own message for a failed JSON bind
    assert "postDashboard" in body["error"] and "SaveDashboardCommand" in body["error"]
    assert "overwrite" in body["error"] and "'boolean'" in body["error"]
    (finding,) = grafana_emulator.schema_violations
    assert (finding.operation_id, finding.location) == ("postDashboard", "overwrite")
    with pytest.raises(AssertionError, match="violated Grafana's OpenAPI schema"):
        grafana_emulator.assert_no_schema_violations()
    # Nothing was stored.
    assert api.get("/api/search").json() == []


@pytest.mark.parametrize("method,path,body,location", [
    ("POST", "/api/folders", {"title": 12}, "title"),
    ("PUT", "/api/folders/x", {"version": "1"}, "version"),
    ("POST", "/api/datasources", {"name": "p", "type": "prometheus", "access": "proxy", "jsonData": []}, "jsonData"),
    ("POST", "/api/datasources", {"name": "p", "type": "x", "access": "proxy", "secureJsonData": {"k": 1}},
     "secureJsonData.k"),
    ("PUT", "/api/datasources/uid/p", {"name": "p", "type": "x", "access": "proxy", "version": 1.5}, "version"),
    ("POST", "/api/v1/provisioning/alert-rules", {"title": "t", "for": "five minutes"}, "for"),
    ("POST", "/api/v1/provisioning/alert-rules", {"title": "t", "data": {"refId": "A"}}, "data"),
    ("PUT", "/api/v1/provisioning/folder/f/rule-groups/g", {"interval": "1m"}, "interval"),
    ("PUT", "/api/v1/provisioning/policies", {"receiver": "r", "routes": {}}, "routes"),
])
def test_type_violations_are_rejected(grafana_emulator: GrafanaEmulator, api: UserClient, method: str, path: str,
                                      body: dict, location: str) -> None:
    r = api.request(method, path, json=body)
    assert r.status_code == 400 and r.json()["message"] == "bad request data"
    assert [f.location for f in grafana_emulator.schema_violations] == [location]


def test_not_stricter_than_grafana(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    """Go's decoder accepts null anywhere, unknown fields, and ignores swagger's required/enum."""
    api.post("/api/folders", json={"uid": "f1", "title": "F"})
    assert api.post("/api/dashboards/db", json={"dashboard": {"title": "t"}, "folderUid": "f1",
                                                 "overwrite": None, "extra": {"x": 1}}).status_code == 200
    rule = {"title": "r", "ruleGroup": "g", "folderUID": "f1", "condition": "A", "noDataState": "KeepLast",
            "execErrState": "KeepLast", "data": [{"refId": "A", "datasourceUid": "__expr__",
                                                  "model": {"type": "math", "expression": "1"}}]}
    # no orgID/for (swagger "required"), KeepLast (not in swagger's enum): Grafana accepts both.
    assert api.post("/api/v1/provisioning/alert-rules", json=rule).status_code == 201
    policy = {"receiver": "grafana-default-email", "routes": [{"receiver": "grafana-default-email",
                                                               "matchers": ["team=sre"]}]}
    assert api.put("/api/v1/provisioning/policies", json=policy).status_code == 202
    assert grafana_emulator.schema_violations == []
    # ...but the published contract's complaints are kept as warnings.
    warned = {(w.operation_id, w.message) for w in grafana_emulator.contract_warnings}
    assert ("RoutePostAlertRule", "'orgID' is a required property") in warned
    assert any("KeepLast" in m for _op, m in warned)


def test_operation_resolution_prefers_literal_segments() -> None:
    v = get_validator()
    assert v is not None
    assert v.resolve("PUT", "/api/datasources/uid/abc")[0] == "/datasources/uid/{uid}"
    assert v.resolve("PUT", "/api/datasources/12")[0] == "/datasources/{id}"
    assert v.resolve("GET", "/api/v1/provisioning/alert-rules/export")[0] == "/v1/provisioning/alert-rules/export"
    assert v.resolve("POST", "/__emulator/reset") is None


def test_validation_can_be_switched_off() -> None:
    with GrafanaEmulator(config=EmulatorConfig(validate_bodies=False)) as emu:
        r = emu.client().post("/api/folders", json={"title": 12})
        assert r.status_code == 400 and r.json()["message"] == "folder title cannot be empty"
        assert emu.schema_violations == []
