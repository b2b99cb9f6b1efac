"""Emulator: data sources (API.md section 6)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.grafana_emulator import GrafanaEmulator, UserClient
from tests.grafana_emulator.testing import emulator_only

pytestmark = emulator_only


@pytest.fixture
def api(grafana_emulator: GrafanaEmulator) -> UserClient:
    return grafana_emulator.client()


def prom(**kw: Any) -> dict[str, Any]:
    return {"uid": "prom", "name": "Prometheus", "type": "prometheus", "access": "proxy",
            "url": "http://prometheus:9090", "jsonData": {"httpMethod": "POST"}, **kw}


def test_create_get_list(api: UserClient) -> None:
    r = api.post("/api/datasources", json=prom(secureJsonData={"basicAuthPassword": "pw", "empty": ""}))
    assert r.status_code == 200
    body = r.json()
    assert body["message"] == "Datasource added" and body["name"] == "Prometheus" and body["id"] > 0
    ds = body["datasource"]
    assert ds["version"] == 1 and ds["isDefault"] is True  # first in the org becomes default
    assert ds["secureJsonFields"] == {"basicAuthPassword": True}
    assert "secureJsonData" not in ds
    got = api.get("/api/datasources/uid/prom").json()
    assert got == ds
    assert api.get("/api/datasources/name/Prometheus").json()["uid"] == "prom"
    assert api.get("/api/datasources/id/Prometheus").json() == {"id": ds["id"]}
    assert api.get(f"/api/datasources/{ds['id']}").json()["uid"] == "prom"
    api.post("/api/datasources", json=prom(uid="loki", name="Loki", type="loki", url="http://loki:3100"))
    listing = api.get("/api/datasources").json()
    assert [d["name"] for d in listing] == ["Loki", "Prometheus"]
    assert set(listing[0]) == {"id", "uid", "orgId", "name", "type", "typeName", "typeLogoUrl", "access", "url",
                               "user", "database", "basicAuth", "isDefault", "jsonData", "readOnly"}
    assert listing[0]["typeName"] == "Loki"


def test_is_default_moves(api: UserClient) -> None:
    api.post("/api/datasources", json=prom())
    api.post("/api/datasources", json=prom(uid="p2", name="P2", isDefault=True))
    defaults = {d["uid"]: d["isDefault"] for d in api.get("/api/datasources").json()}
    assert defaults == {"prom": False, "p2": True}


def test_create_conflicts_and_validation(api: UserClient) -> None:
    api.post("/api/datasources", json=prom())
    r = api.post("/api/datasources", json=prom(uid="other"))
    assert r.status_code == 409 and r.json() == {"message": "data source with the same name already exists",
                                                 "traceID": ""}
    r = api.post("/api/datasources", json=prom(name="Other"))
    assert r.status_code == 409 and r.json()["message"] == "data source with the same uid already exists"
    r = api.post("/api/datasources", json={"name": "x", "type": "prometheus"})  # access is binding:"Required"
    assert r.status_code == 400 and r.json()["message"] == "bad request data"
    r = api.post("/api/datasources", json=prom(uid="u2", name="n" * 191))
    assert r.status_code == 400 and r.json()["messageId"] == "datasource.nameInvalid"
    r = api.post("/api/datasources", json=prom(uid="u3", name="bad url", url="http://a b"))
    assert r.status_code == 400 and r.json()["message"] == "Validation error, invalid URL"


def test_empty_name_is_generated(api: UserClient) -> None:
    first = api.post("/api/datasources", json={"type": "loki", "access": "proxy"}).json()
    second = api.post("/api/datasources", json={"type": "loki", "access": "proxy"}).json()
    assert (first["name"], second["name"]) == ("loki", "loki-1")


def test_update_version_rules(api: UserClient) -> None:
    api.post("/api/datasources", json=prom())
    r = api.put("/api/datasources/uid/prom", json=prom(version=1, url="http://prom2:9090"))
    assert r.status_code == 200 and r.json()["message"] == "Datasource updated"
    assert r.json()["datasource"]["version"] == 2 and r.json()["datasource"]["url"] == "http://prom2:9090"
    r = api.put("/api/datasources/uid/prom", json=prom(version=1))
    assert r.status_code == 409
    assert r.json()["message"] == "Datasource has already been updated by someone else. Please reload and try again"
    assert api.put("/api/datasources/uid/prom", json=prom(version=7)).json()["datasource"]["version"] == 8
    # version omitted: no check, and the version becomes 1 (SQL store: request version + 1).
    assert api.put("/api/datasources/uid/prom", json=prom()).json()["datasource"]["version"] == 1


def test_update_semantics_secrets_and_columns(api: UserClient) -> None:
    api.post("/api/datasources", json=prom(user="u", database="db", secureJsonData={"a": "1", "b": "2"}))
    r = api.put("/api/datasources/uid/prom", json={"name": "Prometheus", "type": "prometheus", "access": "proxy",
                                                   "secureJsonData": {"b": "3", "c": "4"}, "jsonData": None})
    ds = r.json()["datasource"]
    assert ds["secureJsonFields"] == {"a": True, "b": True, "c": True}  # absent keys are kept
    assert ds["url"] == "http://prometheus:9090" and ds["database"] == "db"  # empty strings are not written
    assert ds["user"] == "" and ds["jsonData"] == {}  # user always written; null jsonData -> {}


def test_update_errors(api: UserClient) -> None:
    api.post("/api/datasources", json=prom())
    api.post("/api/datasources", json=prom(uid="p2", name="P2"))
    r = api.put("/api/datasources/uid/p2", json=prom(uid="p2", name="Prometheus"))
    assert r.status_code == 409 and "same name already exists" in r.json()["message"]
    r = api.put("/api/datasources/uid/nope", json=prom())
    assert r.status_code == 404 and r.json()["message"] == "Data source not found"
    r = api.put("/api/datasources/uid/prom", json={"type": "prometheus", "access": "proxy"})  # name required
    assert r.status_code == 400 and r.json()["message"] == "bad request data"


def test_read_only_is_403(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    grafana_emulator.provision_datasource({"uid": "ro", "name": "Provisioned", "type": "loki", "url": "http://l"})
    assert api.get("/api/datasources/uid/ro").json()["readOnly"] is True
    r = api.put("/api/datasources/uid/ro", json={"name": "Provisioned", "type": "loki", "access": "proxy"})
    assert r.status_code == 403 and r.json()["message"] == "Cannot update read-only data source"
    r = api.delete("/api/datasources/uid/ro")
    assert r.status_code == 403 and r.json()["message"] == "Cannot delete read-only data source"


def test_delete(api: UserClient) -> None:
    ds = api.post("/api/datasources", json=prom()).json()
    r = api.delete("/api/datasources/uid/prom")
    assert r.json() == {"message": "Data source deleted", "id": ds["id"]}
    assert api.delete("/api/datasources/uid/prom").status_code == 404
    api.post("/api/datasources", json=prom(uid="x", name="X"))
    assert api.delete("/api/datasources/name/X").status_code == 200
    d = api.post("/api/datasources", json=prom(uid="y", name="Y")).json()
    assert api.delete(f"/api/datasources/{d['id']}").json() == {"message": "Data source deleted"}
