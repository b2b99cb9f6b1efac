"""End-to-end round trip through the real ``grafana-client`` package.

Runs against the emulator, or against a real Grafana only when ``GAC_TEST_REAL_GRAFANA=1``
opts in with ``GRAFANA_URL`` and credentials (see tests/grafana_emulator/testing.py): the
assertions are on behaviour both must share. On a real Grafana it writes only inside a
folder of its own (plus one data source, which has no folder) and removes both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaClientError

from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import Target, real_grafana, requires_real_grafana


@pytest.fixture
def target() -> Iterator[Target]:
    """The real Grafana if opted in (GAC_TEST_REAL_GRAFANA=1), else a fresh emulator."""
    real = real_grafana()
    if real is not None:
        yield real
        return
    with GrafanaEmulator() as emu:
        yield Target(url=emu.url, token=emu.token)


def _rule(title: str, ds_uid: str) -> dict:
    return {
        "title": title,
        "condition": "B",
        "data": [
            {"refId": "A", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": ds_uid,
             "model": {"expr": "up", "refId": "A"}},
            {"refId": "B", "relativeTimeRange": {"from": 0, "to": 0}, "datasourceUid": "__expr__",
             "model": {"type": "threshold", "expression": "A", "refId": "B",
                       "conditions": [{"evaluator": {"params": [0], "type": "lt"}}]}},
        ],
        "noDataState": "NoData",
        "execErrState": "Error",
        "for": "300s",
        "annotations": {"summary": "target down"},
        "labels": {"team": "sre"},
    }


def test_grafana_client_round_trip(target: Target) -> None:
    suffix = uuid.uuid4().hex[:8]
    folder_uid, ds_uid, dash_uid = f"gac-f-{suffix}", f"gac-ds-{suffix}", f"gac-d-{suffix}"
    api = GrafanaApi.from_url(target.url, credential=target.credential)
    try:
        assert api.version  # /api/frontend/settings buildInfo

        folder = api.folder.create_folder(f"GAC test {suffix}", uid=folder_uid)
        assert folder["uid"] == folder_uid and folder["version"] == 1
        assert api.folder.get_folder(folder_uid)["title"] == f"GAC test {suffix}"

        saved = api.dashboard.update_dashboard({
            "dashboard": {"uid": dash_uid, "title": f"GAC dash {suffix}", "tags": ["gac"], "panels": []},
            "folderUid": folder_uid, "overwrite": False, "message": "first"})
        assert saved["status"] == "success" and saved["uid"] == dash_uid and saved["version"] == 1
        again = api.dashboard.update_dashboard({
            "dashboard": {"uid": dash_uid, "title": f"GAC dash {suffix}", "tags": ["gac"], "panels": [],
                          "version": 1},
            "folderUid": folder_uid, "message": "second, unchanged"})
        assert again["version"] == 2  # every save bumps, even without changes
        got = api.dashboard.get_dashboard(dash_uid)
        assert got["dashboard"]["uid"] == dash_uid and got["dashboard"]["version"] == 2
        assert got["meta"]["folderUid"] == folder_uid and got["meta"]["version"] == 2
        with pytest.raises(GrafanaClientError) as stale:
            api.dashboard.update_dashboard({"dashboard": {"uid": dash_uid, "title": "x", "version": 1},
                                            "folderUid": folder_uid})
        assert stale.value.status_code == 412

        created = api.datasource.create_datasource({
            "uid": ds_uid, "name": f"gac-prom-{suffix}", "type": "prometheus", "access": "proxy",
            "url": "http://prometheus:9090", "secureJsonData": {"httpHeaderValue1": "s3cret"},
            "jsonData": {"httpHeaderName1": "X-Scope-OrgID"}})
        assert created["message"] == "Datasource added" and created["datasource"]["uid"] == ds_uid
        ds = api.datasource.get_datasource_by_uid(ds_uid)
        assert ds["secureJsonFields"] == {"httpHeaderValue1": True}
        assert "secureJsonData" not in ds

        group = {"title": "gac-group", "interval": 60, "rules": [_rule(f"GAC rule {suffix}", ds_uid)]}
        api.alertingprovisioning.update_rule_group(folder_uid, "gac-group", group)
        back = api.alertingprovisioning.get_rule_group(folder_uid, "gac-group")
        assert back["interval"] == 60 and back["folderUid"] == folder_uid
        (rule,) = back["rules"]
        assert rule["title"] == f"GAC rule {suffix}" and rule["for"] == "5m" and rule["provenance"] == "api"
        assert rule["uid"] and rule["ruleGroup"] == "gac-group"
        assert api.alertingprovisioning.get_alertrule(rule["uid"])["uid"] == rule["uid"]

        hits = api.search.search_dashboards(query=f"GAC dash {suffix}")
        assert [h["uid"] for h in hits] == [dash_uid]
    finally:
        for cleanup in (lambda: api.folder.delete_folder(folder_uid, force_delete_rules=True),
                        lambda: api.datasource.delete_datasource_by_uid(ds_uid)):
            try:
                cleanup()
            except Exception:  # noqa: BLE001 - best-effort cleanup on a real Grafana
                pass


@requires_real_grafana
def test_real_grafana_health_matches_emulator_shape() -> None:
    """Against a real Grafana: /api/health has the keys the emulator answers with."""
    real = real_grafana()
    assert real is not None
    api = GrafanaApi.from_url(real.url, credential=real.credential)
    health = api.client.GET("/health")
    assert health["database"] == "ok"
    with GrafanaEmulator() as emu:
        emu_health = GrafanaApi.from_url(emu.url, credential=emu.token).client.GET("/health")
    assert set(emu_health) <= set(health) | {"commit", "version"}
