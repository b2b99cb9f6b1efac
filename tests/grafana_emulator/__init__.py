"""A faithful emulator of Grafana's HTTP API, for tests that cannot reach a Grafana server.

Written from shared/grafana/API.md (which cites Grafana's source) and the
OpenAPI spec in shared/grafana/openapi/, not from what our client sends.
``GrafanaEmulator`` is the entry point; the ``grafana_emulator`` pytest
fixture (tests/conftest.py) starts one per test.  Run it on its own with
``python -m tests.grafana_emulator --port PORT --token TOKEN``.

Releases: ``EmulatorConfig(grafana_version="11.6"|"12.x"|"13.x")`` (standalone:
``--grafana-version``) models that release faithfully, per versions.py (each
behaviour with its Grafana source).  ``grafana_version=None`` -- what the
``grafana_emulator`` fixture uses -- is the legacy, *unfaithful* emulator
(createdBy = the writer's login, a version bump on every save, no ``/apis``),
kept only until gac handles 11/12/13, then to be removed.  The
``grafana_any_version`` fixture runs a test once per release,
``grafana_12_plus`` on 12.x and 13.x.

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
* Release model: ``profile`` (versions.VersionProfile), ``sa_login``/``sa_name``
  ("sa-1-gac"/"gac" on a release; "sa-gac" on the legacy emulator).
* Writers: ``create_service_account(name, role="Editor", org_id=1)`` ->
  ``ServiceAccountToken`` (login, name, uid, token, ``client()``);
  ``ui_save_dashboard(uid, changes, user="alice")`` (a person's editor save;
  refuses managed read-only and provisioned dashboards with ``PermissionError``);
  ``race_next_save(uid, changes, user="alice")`` (that save lands inside the next
  legacy save's check-then-write window); ``save_dashboard_v2(uid, user="alice",
  spec=None, layout="TabsLayout")`` (13's editor saving schema v2).
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
