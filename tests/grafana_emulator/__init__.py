"""A faithful emulator of Grafana's HTTP API, for tests that cannot reach a Grafana server.

Written from shared/grafana/API.md (which cites Grafana's source) and the
OpenAPI spec in shared/grafana/openapi/, not from what our client sends.
``GrafanaEmulator`` is the entry point; the ``grafana_emulator`` pytest
fixture (tests/conftest.py) starts one per test.  Run it on its own with
``python -m tests.grafana_emulator --port PORT --token TOKEN``.

Interface of the fixture object (``GrafanaEmulator``):

* ``url``, ``token`` (service account, login ``sa_login`` = "sa-gac", Admin
  in org 1), ``admin_user``/``admin_password`` ("admin"/"admin", Admin in
  orgs 1 and 2), ``passwords`` (also "alice" = Admin in org 1, "bob" =
  Viewer in org 1).
* ``client(org_id=None)`` / ``as_user(login, org_id=None)``: a
  ``requests``-based client (``.get/.post/.put/.delete(path, json=...)``) that
  authenticates as the service account or a user -- e.g. a UI edit by a
  person is ``emu.as_user("alice").post("/api/dashboards/db", json=...)``.
* Faults: ``fail(method, path_regex, status=503, count=1, after_apply=False)``,
  ``rate_limit(method, path, retry_after=1)``, ``drop(method, path)``,
  ``slow(method, path, delay)``, general ``add_fault(...)``, ``clear_faults()``,
  ``set_latency(seconds)``.
* Log: ``requests`` (``RequestRecord``: method, path, query, status, user,
  org_id, fault), ``reads``, ``writes``, ``requests_matching(method, path)``,
  ``count(method, path)``, ``clear_log()``.
* Schema: ``schema_violations`` (rejected with 400), ``contract_warnings``
  (accepted, outside the published contract), ``assert_no_schema_violations()``.
* State: ``reset()``, ``provision_datasource``, ``provision_dashboard``,
  ``set_provenance``, ``ui_edit_alert_rule``, ``store`` (direct access,
  take ``store.lock``), ``config`` (``EmulatorConfig``).
"""

from __future__ import annotations

from .control import UserClient
from .faults import Fault, RequestRecord
from .openapi import Finding
from .server import EmulatorConfig, GrafanaEmulator

__all__ = ["EmulatorConfig", "Fault", "Finding", "GrafanaEmulator", "RequestRecord", "UserClient"]
