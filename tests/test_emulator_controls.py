"""Emulator-only controls: acting as another user, latency, faults, request log, reset, standalone process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.paths import REPO_ROOT
from tests.grafana_emulator.testing import emulator_only

pytestmark = emulator_only


def test_as_user_simulates_a_ui_edit(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    emu.client().post("/api/dashboards/db", json={"dashboard": {"uid": "d1", "title": "T"}})
    alice = emu.as_user("alice")
    r = alice.post("/api/dashboards/db", json={"dashboard": {"uid": "d1", "title": "T (edited)", "version": 1}})
    assert r.status_code == 200
    meta = emu.client().get("/api/dashboards/uid/d1").json()["meta"]
    assert meta["updatedBy"] == "alice" and meta["version"] == 2


def test_request_log_counts_reads_and_writes(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    api = emu.client()
    api.get("/api/search")
    api.post("/api/folders", json={"uid": "f", "title": "F"})
    api.get("/api/folders/f")
    requests.get(emu.url + "/api/health", timeout=5)
    assert [(r.method, r.path, r.status, r.user) for r in emu.requests] == [
        ("GET", "/api/search", 200, "sa-gac"), ("POST", "/api/folders", 200, "sa-gac"),
        ("GET", "/api/folders/f", 200, "sa-gac"), ("GET", "/api/health", 200, None)]
    assert len(emu.writes) == 1 and len(emu.reads) == 3
    assert emu.count("GET", r"^/api/folders") == 1
    assert emu.requests_matching(path="/api/search")[0].query == ""
    emu.clear_log()
    assert emu.requests == []


def test_status_fault_burst_then_recovers(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    fault = emu.fail("POST", r"^/api/folders$", status=503, count=2)
    api = emu.client()
    statuses = [api.post("/api/folders", json={"uid": "f", "title": "F"}).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [r.fault for r in emu.requests] == [fault.id, fault.id, None]
    assert api.get("/api/folders/f").status_code == 200  # only the third attempt took effect


def test_fault_matches_method_and_path(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    emu.fail("GET", r"^/api/search$", status=502, count=None)
    api = emu.client()
    r = api.get("/api/search")
    assert r.status_code == 502 and r.json() == {"message": "Bad Gateway", "traceID": ""}
    assert api.get("/api/search").status_code == 502
    assert api.get("/api/folders").status_code == 200
    assert api.post("/api/folders", json={"title": "x"}).status_code == 200
    emu.clear_faults()
    assert api.get("/api/search").status_code == 200


def test_rate_limit_with_retry_after(grafana_emulator: GrafanaEmulator) -> None:
    grafana_emulator.rate_limit("GET", "/api/search", retry_after=2)
    r = grafana_emulator.client().get("/api/search")
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"


def test_after_apply_fault_writes_but_fails(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    emu.fail("POST", "/api/folders", status=500, after_apply=True)
    api = emu.client()
    assert api.post("/api/folders", json={"uid": "f", "title": "F"}).status_code == 500
    assert api.get("/api/folders/f").status_code == 200


def test_dropped_connection(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    emu.drop("GET", "/api/search")
    with pytest.raises(requests.ConnectionError):
        requests.get(emu.url + "/api/search", headers={"Authorization": f"Bearer {emu.token}"}, timeout=5)
    assert emu.requests[-1].status is None
    assert emu.client().get("/api/search").status_code == 200  # count=1: next one is served


def test_dropped_after_apply(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    emu.drop("POST", "/api/folders", after_apply=True)
    with pytest.raises(requests.ConnectionError):
        requests.post(emu.url + "/api/folders", json={"uid": "f", "title": "F"},
                      headers={"Authorization": f"Bearer {emu.token}"}, timeout=5)
    assert emu.client().get("/api/folders/f").status_code == 200


def test_slow_responses_and_global_latency(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    api = emu.client()
    emu.slow("GET", "/api/search", delay=0.3, count=1)
    t0 = time.monotonic()
    assert api.get("/api/search").status_code == 200
    assert time.monotonic() - t0 >= 0.3
    with pytest.raises(requests.Timeout):
        emu.slow("GET", "/api/search", delay=0.5, count=1)
        api.get("/api/search", timeout=0.1)
    emu.set_latency(0.2)
    t0 = time.monotonic()
    api.get("/api/folders")
    assert time.monotonic() - t0 >= 0.2


def test_reset(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    api = emu.client()
    api.post("/api/folders", json={"uid": "f", "title": "F"})
    emu.fail("GET", ".*", count=None)
    emu.set_latency(0.1)
    emu.reset()
    assert emu.controls.latency == 0 and emu.requests == []
    assert api.get("/api/folders").json() == []


def test_http_control_api(grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    ctl = emu.url + "/__emulator"
    assert requests.get(ctl + "/users", timeout=5).json()["token"] == emu.token
    fault = requests.post(ctl + "/faults", json={"method": "GET", "path": "^/api/search$", "status": 503,
                                                 "count": 1}, timeout=5).json()
    assert emu.client().get("/api/search").status_code == 503
    assert requests.get(ctl + "/faults", timeout=5).json()[0]["hits"] == 1
    assert requests.delete(f"{ctl}/faults/{fault['id']}", timeout=5).status_code == 200
    log = requests.get(ctl + "/requests", timeout=5).json()
    assert [(e["method"], e["path"], e["status"], e["user"]) for e in log] == [("GET", "/api/search", 503, "sa-gac")]
    requests.post(ctl + "/provision/datasource", json={"uid": "ro", "name": "RO", "type": "loki"}, timeout=5)
    assert emu.client().get("/api/datasources/uid/ro").json()["readOnly"] is True
    emu.client().post("/api/folders", json={"title": 1})
    v = requests.get(ctl + "/violations", timeout=5).json()
    assert len(v["schema_violations"]) == 1 or v["schema_violations"] == []  # [] when the spec is absent
    assert requests.put(ctl + "/latency", json={"seconds": 0.01}, timeout=5).json() == {"seconds": 0.01}
    assert requests.post(ctl + "/reset", timeout=5).status_code == 200
    assert requests.get(ctl + "/requests", timeout=5).json() == []
    assert requests.get(ctl + "/nope", timeout=5).status_code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_standalone_process_serves_until_sigterm() -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.grafana_emulator", "--port", str(port),
                             "--token", "glsa_standalone"], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"listening http://127.0.0.1:{port}"
        r = requests.get(f"http://127.0.0.1:{port}/api/search", headers={"Authorization": "Bearer glsa_standalone"},
                         timeout=5)
        assert r.status_code == 200 and r.json() == []
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
