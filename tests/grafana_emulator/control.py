"""Emulator-only controls: seeding provisioned objects, UI-only edits, and the ``/__emulator`` HTTP API.

Some states cannot be reached through Grafana's HTTP API at all: a
file-provisioned dashboard or read-only data source, a rule edited by a person
in the alerting UI (which uses the ruler API, not provisioning).  Tests need
them to exercise drift and conflict handling, so they are offered here, well
outside Grafana's paths, and documented as not being Grafana.

The HTTP form (for the standalone process) mirrors the Python methods:

=========================================  ==============================================
``GET    /__emulator/requests``             request log (JSON list)
``DELETE /__emulator/requests``             clear it (and the schema findings)
``PUT    /__emulator/latency``              ``{"seconds": 0.2}``
``GET    /__emulator/faults``               list; ``POST`` adds ``{"method","path","kind",...}``
``DELETE /__emulator/faults[/<id>]``        remove one or all
``GET    /__emulator/violations``           ``{"schema_violations": [...], "contract_warnings": [...]}``
``GET    /__emulator/users``                logins, passwords and the token
``POST   /__emulator/reset``                empty state and controls
``POST   /__emulator/provision/datasource`` body = data source JSON (stored read-only)
``POST   /__emulator/provision/dashboard``  ``{"dashboard", "folderUid", "externalId", "allowUiUpdates"}``
``POST   /__emulator/ui/alert-rules/<uid>`` ``{"user": "alice", "changes": {...}}``
``POST   /__emulator/ui/dashboards/<uid>``  ``{"user": "alice", "changes": {...}}`` (editor save)
``POST   /__emulator/race/dashboards/<uid>`` ``{"user", "changes"}``: races the next legacy save
``POST   /__emulator/v2/dashboards/<uid>``  ``{"user", "spec"?, "layout"?}``: save as schema v2
``POST   /__emulator/service-accounts``     ``{"name", "role", "orgId"}`` -> login, token, ...
=========================================  ==============================================
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import requests

from . import errors
from .routing import Response
from .state import Dashboard, DashboardVersion, DataSource, generate_uid, go_number_normalise, now_rfc3339

if TYPE_CHECKING:
    from .server import GrafanaEmulator


class UserClient:
    """A small ``requests`` wrapper that talks to the emulator as one principal.

    ``get/post/put/delete(path, json=..., headers=...)`` return the
    ``requests.Response``; ``path`` is absolute (``/api/...``).
    """

    def __init__(self, base_url: str, *, login: str, token: str | None = None,
                 basic: tuple[str, str] | None = None, org_id: int | None = None) -> None:
        self.base_url = base_url
        self.login = login
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if basic:
            self.session.auth = basic
        if org_id is not None:
            self.session.headers["X-Grafana-Org-Id"] = str(org_id)

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def close(self) -> None:
        self.session.close()


class ControlApi:
    """State seeding and UI-only edits, callable from Python or over ``/__emulator``."""

    def __init__(self, emulator: "GrafanaEmulator") -> None:
        self.emu = emulator

    # --- seeding ----------------------------------------------------------------------------

    def provision_datasource(self, body: dict[str, Any], org_id: int = 1) -> dict[str, Any]:
        """Create a file-provisioned (``readOnly``) data source; returns {"uid", "id", "name"}."""
        store = self.emu.store
        with store.lock:
            org = store.org(org_id)
            json_data = body.get("jsonData")
            ds = DataSource(
                id=store.next_id("datasource"), uid=body.get("uid") or generate_uid(), name=body["name"],
                type=body["type"], access=body.get("access", "proxy"), url=body.get("url", ""),
                user=body.get("user", ""), database=body.get("database", ""),
                basic_auth=bool(body.get("basicAuth")), basic_auth_user=body.get("basicAuthUser", ""),
                with_credentials=bool(body.get("withCredentials")),
                is_default=bool(body.get("isDefault")) or not org.datasources,
                json_data=json_data if isinstance(json_data, dict) else {},
                secure_json_data=dict(body.get("secureJsonData") or {}), version=1, read_only=True)
            org.datasources[ds.uid] = ds
            return {"uid": ds.uid, "id": ds.id, "name": ds.name}

    def provision_dashboard(self, dashboard: dict[str, Any], folder_uid: str = "", *,
                            external_id: str = "dashboards/provisioned.json", allow_ui_updates: bool = False,
                            plugin_id: str = "", org_id: int = 1) -> dict[str, Any]:
        """Create a file-provisioned (or plugin) dashboard, as Grafana's provisioner would."""
        store = self.emu.store
        with store.lock:
            org = store.org(org_id)
            data = copy.deepcopy(dashboard)
            uid = data.get("uid") or generate_uid()
            now = now_rfc3339()
            d = Dashboard(id=store.next_id("dashboard"), uid=uid, title=str(data.get("title", "")).strip(), data={},
                          folder_uid=folder_uid, version=1, created=now, updated=now,
                          created_by="Anonymous", updated_by="Anonymous", plugin_id=plugin_id,
                          provisioned_external_id=None if plugin_id else external_id,
                          allow_ui_updates=allow_ui_updates)
            data.update({"id": d.id, "uid": uid, "version": 1, "title": d.title})
            d.data = go_number_normalise(data)
            d.versions.append(DashboardVersion(store.next_id("dashboard_version"), d.id, uid, 1, 0, 0, now,
                                               "Anonymous", "", copy.deepcopy(d.data)))
            org.dashboards[uid] = d
            return {"uid": uid, "id": d.id, "version": 1}

    # --- people and other writers (not Grafana endpoints) -------------------------------------

    def ui_save_dashboard(self, uid: str, changes: dict[str, Any], *, user: str = "alice", org_id: int = 1,
                          message: str = "") -> dict[str, Any]:
        """Save a dashboard the way a person does in Grafana's editor, with ``changes`` merged into it.

        11.x and the legacy emulator: a legacy save with the version just read.
        12+: the editor writes through ``/apis`` with the resourceVersion it read, so
        annotations and labels are kept; a v2-stored dashboard stays v2 (top-level
        keys such as title/description/tags are changed in its v2 spec).  The editor
        refuses a file-provisioned dashboard without allowUiUpdates and a managed one
        whose manager does not allow edits (``managedResourceCannotBeEdited``):
        ``PermissionError``.  Returns ``{"uid", "version"}``.
        """
        from . import dashboard_store, managers
        from .conversion import v2_to_v1

        emu = self.emu
        with emu.store.lock:
            org = emu.store.org(org_id)
            d = org.dashboards[uid]
            principal = emu.auth.by_login(user)
            if d.provisioned_external_id is not None and not d.allow_ui_updates:
                raise PermissionError(f"dashboard {uid} is provisioned; the UI cannot save it")
            if managers.ui_read_only(d.annotations):
                raise PermissionError(f"dashboard {uid} is managed by {d.annotations.get(managers.KIND)!r} "
                                      "without managerAllowsEdits; the UI cannot save it")
            spec_v2 = None
            if d.is_v2:
                spec_v2 = copy.deepcopy(d.spec_v2 or {})
                spec_v2.update(copy.deepcopy(changes))
                data = v2_to_v1(spec_v2, uid=uid)
            else:
                data = copy.deepcopy(d.data)
                data.update(copy.deepcopy(changes))
            keep_meta = not emu.profile.legacy and bool(emu.profile.apis)
            saved = dashboard_store.commit(
                emu, org, existing=d, uid=uid, data=data, folder_uid=d.folder_uid, writer=principal,
                message=message, api_version=d.api_version if keep_meta else "v0alpha1", spec_v2=spec_v2,
                annotations=d.annotations if keep_meta else None, labels=d.labels if keep_meta else None)
            return {"uid": uid, "version": saved.version}

    def race_next_save(self, uid: str, changes: dict[str, Any], *, user: str = "alice", org_id: int = 1) -> None:
        """Let a person's save (``ui_save_dashboard(uid, changes, user=user)``) land inside the next legacy
        ``POST /api/dashboards/db`` of ``uid``, after its version check and before its write.

        11.x re-checks in the SQL transaction, so the API save then fails (412):
        pkg/services/dashboards/database/database.go saveDashboard (VERSIONS.md ids 12116433,
        12706378). 12+ checks then writes without a resourceVersion (lost-update window): both
        saves succeed and the person's change is overwritten: saveDashboardThroughK8s and
        pkg/registry/apis/dashboard/legacy/sql_dashboards.go `Overwrite: true` (ids 39746809,
        8362559598).
        """
        def racer(_existing: Any) -> None:
            self.ui_save_dashboard(uid, changes, user=user, org_id=org_id)

        with self.emu.store.lock:
            self.emu.races[(org_id, uid)] = racer

    def save_dashboard_v2(self, uid: str, *, user: str = "alice", spec: dict[str, Any] | None = None,
                          layout: str = "TabsLayout", org_id: int = 1) -> dict[str, Any]:
        """Save dashboard ``uid`` as schema v2, as Grafana's editor does with dynamic dashboards on.

        Without ``spec`` the stored v1 dashboard is migrated (conversion.v1_to_v2,
        panels placed in a ``layout``: TabsLayout by default).  Stored with the
        release's v2 apiVersion (12.x v2beta1, 13.x v2; the served versions per release are in
        versions.py).  What a legacy read then answers follows pkg/api/dashboard.go: 406 on 12.x
        (`strings.HasPrefix(dash.APIVersion, "v2")`, VERSIONS.md ids 18460509091, 205152580), a
        lossy v1 conversion on 13.x (conversion.py; the exact conversion was not traced, so it
        loses the layout, the harsher case).  Grafana 11 has no v2: ``ValueError``.
        Returns ``{"uid", "version", "apiVersion"}``.
        """
        from . import dashboard_store
        from .conversion import v1_to_v2, v2_to_v1

        emu = self.emu
        if not emu.profile.v2_editor_version:
            raise ValueError(f"Grafana {emu.profile.key} has no schema v2 dashboards")
        with emu.store.lock:
            org = emu.store.org(org_id)
            d = org.dashboards[uid]
            new_spec = copy.deepcopy(spec) if spec is not None else v1_to_v2(d.data, layout=layout)
            saved = dashboard_store.commit(
                emu, org, existing=d, uid=uid, data=v2_to_v1(new_spec, uid=uid), folder_uid=d.folder_uid,
                writer=emu.auth.by_login(user), api_version=emu.profile.v2_editor_version, spec_v2=new_spec,
                annotations=d.annotations, labels=d.labels)
            return {"uid": uid, "version": saved.version, "apiVersion": f"dashboard.grafana.app/{saved.api_version}"}

    def set_provenance(self, kind: str, uid: str, provenance: str, org_id: int = 1) -> None:
        """Force the stored provenance of an object (``kind``: rule|contact-point|template|mute-timing|policies;
        a template or mute timing by name)."""
        with self.emu.store.lock:
            org = self.emu.store.org(org_id)
            if kind == "rule":
                org.rules[uid].provenance = provenance
            elif kind == "contact-point":
                org.contact_points[uid].provenance = provenance
            elif kind == "template":
                org.templates[uid].provenance = provenance
            elif kind == "mute-timing":
                org.mute_timings[uid].provenance = provenance
            elif kind == "policies":
                org.policy_provenance = provenance
            else:
                raise ValueError(kind)

    def ui_edit_alert_rule(self, uid: str, changes: dict[str, Any], user: str = "alice", org_id: int = 1) -> None:
        """Edit a rule the way a person does in the alerting UI (not a provisioning call).

        The UI refuses to edit a provisioned rule (stored provenance set), so
        this raises ``PermissionError`` then; otherwise the changes (rule
        fields such as ``title``, ``labels``, ``for``) are applied with
        ``updated`` bumped.  Not a Grafana endpoint: the real UI path is the
        ruler API, which this emulator does not implement.  On 11.x a new title another rule of
        the folder has is refused by the same unique index as the provisioning API's saves
        (rule_titles.py): ``ValueError`` with Grafana's message, nothing changed.
        """
        from .handlers.alerting import prom_format, prom_seconds
        from .rule_titles import TitleIndex

        with self.emu.store.lock:
            org = self.emu.store.org(org_id)
            rule = org.rules[uid]
            if rule.provenance:
                raise PermissionError(f"rule {uid} is provisioned (provenance {rule.provenance!r}); "
                                      "the UI cannot edit it")
            if "title" in changes and self.emu.profile.unique_rule_titles:
                clash = TitleIndex(org).update_all([(rule, rule.folder_uid, str(changes["title"]))])
                if clash is not None:
                    raise ValueError(clash)
            for key, value in changes.items():
                if key in ("for", "keep_firing_for"):
                    value = prom_format(prom_seconds(value))
                rule.body[key] = copy.deepcopy(value)
            rule.updated = now_rfc3339()
            _ = user  # recorded for symmetry; rules carry no updatedBy in the provisioning API

    # --- HTTP form ------------------------------------------------------------------------------

    def handle_http(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> Response:
        emu = self.emu
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return Response(400, {"message": "control body must be JSON"})
        try:
            if path == "/requests" and method == "GET":
                return Response(200, [asdict(r) for r in emu.requests])
            if path == "/requests" and method == "DELETE":
                emu.clear_log()
                return Response(200, {"message": "cleared"})
            if path == "/latency" and method in ("PUT", "POST"):
                emu.set_latency(float(body.get("seconds", 0)))
                return Response(200, {"seconds": emu.controls.latency})
            if path == "/faults" and method == "GET":
                return Response(200, [f.public() for f in emu.controls.faults])
            if path == "/faults" and method == "POST":
                return Response(200, emu.add_fault(**body).public())
            if path == "/faults" and method == "DELETE":
                emu.clear_faults()
                return Response(200, {"message": "cleared"})
            if path.startswith("/faults/") and method == "DELETE":
                emu.controls.remove_fault(int(path.rsplit("/", 1)[1]))
                return Response(200, {"message": "removed"})
            if path == "/violations" and method == "GET":
                return Response(200, {"schema_violations": [asdict(f) | {"text": str(f)} for f in emu.schema_violations],
                                      "contract_warnings": [asdict(f) | {"text": str(f)} for f in emu.contract_warnings]})
            if path == "/users" and method == "GET":
                return Response(200, {"token": emu.token, "serviceAccount": emu.sa_login,
                                      "users": [{"login": k, "password": v} for k, v in emu.passwords.items()]})
            if path == "/reset" and method == "POST":
                emu.reset()
                return Response(200, {"message": "reset"})
            if path == "/provision/datasource" and method == "POST":
                return Response(200, self.provision_datasource(body, org_id=int(body.pop("orgId", 1))))
            if path == "/provision/dashboard" and method == "POST":
                return Response(200, self.provision_dashboard(
                    body["dashboard"], body.get("folderUid", ""), external_id=body.get("externalId", "dashboards/provisioned.json"),
                    allow_ui_updates=bool(body.get("allowUiUpdates")), plugin_id=body.get("pluginId", "")))
            if path.startswith("/ui/alert-rules/") and method == "POST":
                self.ui_edit_alert_rule(path.rsplit("/", 1)[1], body.get("changes", {}), body.get("user", "alice"))
                return Response(200, {"message": "rule updated"})
            if path.startswith("/ui/dashboards/") and method == "POST":
                return Response(200, self.ui_save_dashboard(path.rsplit("/", 1)[1], body.get("changes", {}),
                                                            user=body.get("user", "alice"),
                                                            message=body.get("message", "")))
            if path.startswith("/race/dashboards/") and method == "POST":
                self.race_next_save(path.rsplit("/", 1)[1], body.get("changes", {}), user=body.get("user", "alice"))
                return Response(200, {"message": "armed"})
            if path.startswith("/v2/dashboards/") and method == "POST":
                return Response(200, self.save_dashboard_v2(path.rsplit("/", 1)[1], user=body.get("user", "alice"),
                                                            spec=body.get("spec"),
                                                            layout=body.get("layout", "TabsLayout")))
            if path == "/service-accounts" and method == "POST":
                from .accounts import create_service_account
                sa = create_service_account(emu, body["name"], body.get("role", "Editor"), int(body.get("orgId", 1)))
                return Response(200, {"login": sa.login, "name": sa.name, "uid": sa.uid, "id": sa.id,
                                      "role": sa.role, "orgId": sa.org_id, "token": sa.token})
            if path == "/health":
                return Response(200, {"ok": True})
        except PermissionError as exc:
            return Response(409, {"message": str(exc)})
        except (KeyError, TypeError, ValueError) as exc:
            return Response(400, {"message": f"bad control request: {exc!r}"})
        except errors.ApiError as exc:
            return Response(exc.status, exc.body)
        return Response(404, {"message": f"unknown control {method} {path}"})
