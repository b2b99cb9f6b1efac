"""``/api/dashboards`` (API.md section 3), Grafana 11.3+ semantics.

* Titles are not unique per folder (11.3+, no ``name-exists``).
* Every successful save bumps the version by exactly one and writes a history
  row, even when nothing changed (legacy store; 12.x unified storage
  behaviour is [UNCONFIRMED] in API.md and not emulated).
* The versions list is a JSON array (11.x); ``EmulatorConfig.versions_list_object``
  switches to the 12.x ``{"continueToken": "", "versions": [...]}`` shape.
* Stored JSON comes back as Go re-serialises it: keys sorted, ``8.0`` -> ``8``.
* A body without ``dashboard`` (or an empty body, which Go's binding accepts)
  yields an empty title and so 400 ``empty-name`` ([derived]; API.md lists
  the exact body as [UNCONFIRMED]).
* ``POST /uid/:uid/restore`` answers like a save (API.md: [UNCONFIRMED]).
* Provisioned dashboards are seeded through the emulator controls
  (``provision_dashboard``); they can then not be saved (unless
  ``allow_ui_updates``) nor deleted through the API.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from typing import Any

from .. import dashboard_store, errors, managers
from ..routing import Ctx, Response, Router
from ..conversion import v2_to_v1
from ..identities import shown_name
from ..state import Dashboard, DashboardVersion, OrgState, generate_uid, slugify
from ..versions import DASHBOARD, VERSION, VersionProfile
from .common import body_object, check_uid, dashboard_url, folder_title, folder_url, get_bool, get_str

MIN_REFRESH_SECONDS = 5  # [dashboards] min_refresh_interval default


def not_found_status() -> errors.ApiError:
    return errors.status_message(404, "not-found", "Dashboard not found")


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _refresh_seconds(value: str) -> float | None:
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d|w|y)", value.strip())
    if not m:
        return None
    mult = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}[m.group(2)]
    return int(m.group(1)) * mult


def _resolve_folder(org: OrgState, cmd: dict[str, Any]) -> str:
    folder_uid = get_str(cmd, "folderUid")
    if folder_uid:
        if folder_uid not in org.folders:
            raise errors.plain(400, "folder not found")
        return folder_uid
    folder_id = _number(cmd.get("folderId")) or 0
    if folder_id:
        folder = org.folder_by_id(folder_id)
        if folder is None:
            raise errors.plain(400, "folder not found")
        return folder.uid
    return ""


def save(ctx: Ctx, cmd: dict[str, Any], *, restored_from: int = 0) -> Dashboard:
    """``SaveDashboard``: identify, validate in Grafana's order, store, write history."""
    org = ctx.org
    if get_bool(cmd, "isFolder"):
        raise errors.plain(400, "Use folders endpoint for saving folders.", trace=False)
    dash = cmd.get("dashboard")
    dash = copy.deepcopy(dash) if isinstance(dash, dict) else {}
    dash_id = _number(dash.get("id")) or 0
    uid = dash.get("uid") if isinstance(dash.get("uid"), str) else ""
    version = (_number(dash.get("version")) or 0) if (dash_id or uid) else 0
    title = get_str(dash, "title").strip()
    message = get_str(cmd, "message")
    overwrite = get_bool(cmd, "overwrite")

    if not title:
        raise errors.status_message(400, "empty-name", "Dashboard title cannot be empty")
    if len(message) > 500:
        raise errors.plain(400, "message too long, max 500 characters")
    uid = uid.strip()
    check_uid(uid)
    folder_uid = _resolve_folder(org, cmd)

    existing: Dashboard | None = None
    if dash_id:
        existing = org.dashboard_by_id(dash_id)
        if existing is None:
            raise not_found_status()
    if uid:
        if uid in org.folders:
            raise errors.plain(400, "Dashboard cannot be changed to a folder")
        by_uid = org.dashboards.get(uid)
        if existing is not None and by_uid is not None and by_uid.id != existing.id:
            raise errors.plain(400, "A dashboard with the same uid already exists")
        if by_uid is not None:
            existing = by_uid
    if existing is not None and existing.provisioned_external_id is not None and not existing.allow_ui_updates:
        raise errors.plain(400, "Cannot save provisioned dashboard")
    profile = ctx.emulator.profile
    has_version = _number(dash.get("version")) is not None
    _check_version(profile, existing, version, has_version, overwrite)

    refresh = dash.get("refresh")
    if isinstance(refresh, str) and refresh:
        seconds = _refresh_seconds(refresh)
        if seconds is not None and seconds < MIN_REFRESH_SECONDS:
            if profile.generation:
                # 12+: the admission hook rejects it (ValidateDashboardRefreshInterval, id 3171411).
                raise errors.plain(400, "Dashboard refresh interval is too low")
            dash["refresh"] = f"{MIN_REFRESH_SECONDS}s"

    if existing is not None:
        racer = ctx.emulator.races.pop((org.id, existing.uid), None)
        if racer is not None:
            racer(existing)
            if profile.atomic_legacy_save:
                # 11.x re-checks inside the SQL transaction: the racing commit makes this save fail.
                _check_version(profile, existing, version, has_version, overwrite)
    writer = ctx.identity.principal if ctx.identity else None
    return dashboard_store.commit(ctx.emulator, org, existing=existing, uid=existing.uid if existing else (uid or generate_uid()),
                                  data=dash, folder_uid=folder_uid, writer=writer, message=message,
                                  restored_from=restored_from)


def _check_version(profile: VersionProfile, existing: Dashboard | None, version: int, has_version: bool,
                   overwrite: bool) -> None:
    """The optimistic-concurrency and ownership checks of the release's save path."""
    if existing is None:
        return
    if profile.k8s_legacy_post:
        # 13.x saveDashboardViaK8s (id 54134187646): manager check, then 409 on a missing/stale version.
        if managers.legacy_save_blocked(existing.annotations, profile.manager_kinds):
            raise errors.plain(400, "Cannot save provisioned dashboard", trace=False)
        if not overwrite and (not has_version or version != existing.version):
            raise errors.plain(409, "Dashboard already exists. Use overwrite flag to update.", trace=False)
        return
    if not overwrite:
        if existing.version != version:
            raise errors.status_message(412, "version-mismatch", "The dashboard has been changed by someone else")
        if existing.plugin_id:
            raise errors.status_message(412, "plugin-dashboard", f"The dashboard belongs to plugin {existing.plugin_id}.")


def _save_response(d: Dashboard) -> dict[str, Any]:
    return {
        "id": d.id,
        "uid": d.uid,
        "url": dashboard_url(d.uid, d.title),
        "status": "success",
        "version": d.version,
        "slug": slugify(d.title),
        "folderUid": d.folder_uid,
    }


def post_dashboard(ctx: Ctx) -> Response:
    return Response(200, _save_response(save(ctx, body_object(ctx.body))))


def _get(ctx: Ctx) -> Dashboard:
    d = ctx.org.dashboards.get(ctx.params["uid"])
    if d is None:
        raise errors.plain(404, "Dashboard not found")
    return d


def _v2_legacy_read(ctx: Ctx, d: Dashboard) -> dict[str, Any]:
    """Legacy GET of a v2-stored dashboard: 406 on 12.x, a lossy v1 conversion on 13.x (conversion.py)."""
    profile = ctx.emulator.profile
    if profile.v2_legacy_get == "406":
        # 12.x pkg/api/dashboard.go GetDashboard (ids 18460509091, 205152580).
        raise errors.plain(406, f"dashboard api version not supported, use /apis/dashboard.grafana.app/"
                                f"{d.api_version}/namespaces/{ctx.namespace}/dashboards/{d.uid} instead", trace=False)
    return v2_to_v1(d.spec_v2 or {}, uid=d.uid) | {"id": d.id}


def get_dashboard(ctx: Ctx) -> Response:
    """``GET /api/dashboards/uid/:uid`` (pkg/api/dashboard.go GetDashboard): the stored JSON plus ``meta``.

    The answer takes a shallow copy of the stored body: every save replaces ``Dashboard.data``
    with a new object (``dashboard_store.save``) and nothing mutates it in place, so the nested
    values are a snapshot already. A deep copy per GET cost the emulator about 1 ms of CPU for
    a 24 KB dashboard -- Grafana's Go handler costs a fraction of that, and on a 2-core machine
    the emulator's CPU competes with the client's, so the benchmark measured the emulator.
    """
    org = ctx.org
    d = _get(ctx)
    data = _v2_legacy_read(ctx, d) if d.is_v2 else dict(d.data)
    ident = ctx.identity
    can_save = bool(ident and ident.can("dashboards:write"))
    can_admin = bool(ident and ident.role == "Admin")
    folder = org.folders.get(d.folder_uid) if d.folder_uid else None
    provisioned = d.provisioned_external_id is not None and not d.allow_ui_updates
    meta: dict[str, Any] = {
        "type": "db",
        "canSave": can_save,
        "canEdit": can_save,
        "canAdmin": can_admin,
        "canStar": bool(ident and ident.principal.kind == "user"),
        "canDelete": bool(ident and ident.can("dashboards:delete")),
        "slug": slugify(d.title),
        "url": dashboard_url(d.uid, d.title),
        "expires": "0001-01-01T00:00:00Z",
        "created": d.created,
        "updated": d.updated,
        "updatedBy": _writer(ctx, d.updated_by, d.updated_by_ref, DASHBOARD),
        "createdBy": _writer(ctx, d.created_by, d.created_by_ref, DASHBOARD),
        "version": d.version,
        "hasAcl": False,
        "isFolder": False,
        "folderId": folder.id if folder else 0,
        "folderUid": d.folder_uid,
        "folderTitle": folder_title(org, d.folder_uid),
        "folderUrl": folder_url(folder) if folder else "",
        "provisioned": provisioned,
        "provisionedExternalId": d.provisioned_external_id or "",
        "annotationsPermissions": {
            "dashboard": {"canAdd": can_save, "canEdit": can_save, "canDelete": can_save},
            "organization": {"canAdd": can_admin, "canEdit": can_admin, "canDelete": can_admin},
        },
        "publicDashboardEnabled": False,
    }
    data["version"] = d.version
    return Response(200, {"dashboard": data, "meta": meta})


def _writer(ctx: Ctx, legacy_login: str, ref: str, surface: str) -> str:
    """createdBy/updatedBy as the release shows it (identities.py); the legacy emulator shows the login."""
    if ctx.emulator.profile.legacy:
        return legacy_login or "Anonymous"
    return shown_name(ctx.emulator, ref, surface)


def delete_dashboard(ctx: Ctx) -> Response:
    uid = ctx.params["uid"]
    org = ctx.org
    if uid in org.folders:
        raise errors.plain(400, "Use folders endpoint for deleting folders.")
    d = _get(ctx)
    if d.provisioned_external_id is not None:
        raise errors.plain(400, "provisioned dashboard cannot be deleted")
    if ctx.emulator.profile.apis:
        try:
            managers.check_delete(d.annotations, ctx.emulator.profile.manager_kinds)
        except errors.ApiError as exc:  # dashboardErrResponse maps a StatusError to its code + message
            raise errors.plain(exc.status, str((exc.body or {}).get("message", "")), trace=True) from None
    del org.dashboards[uid]
    return Response(200, {"title": d.title, "message": f"Dashboard {d.title} deleted", "uid": d.uid})


def _version_item(ctx: Ctx, v: DashboardVersion, with_data: bool) -> dict[str, Any]:
    message = v.message
    if v.restored_from > 0:
        message = f"Restored from version {v.restored_from}"
    elif v.parent_version == 0:
        message = "Initial save"
    item: dict[str, Any] = {
        "id": v.id,
        "dashboardId": v.dashboard_id,
        "uid": v.dashboard_uid,
        "parentVersion": v.parent_version,
        "restoredFrom": v.restored_from,
        "version": v.version,
        "created": v.created,
        "createdBy": _writer(ctx, v.created_by, v.created_by_ref, VERSION),
        "message": message,
    }
    if with_data:
        item["data"] = copy.deepcopy(v.data)
    return item


def list_versions(ctx: Ctx) -> Response:
    """11.x: a JSON array without ``data``.  12+: ``{versions, continueToken}``, full ``data`` in each item.

    ``limit`` is read from the query string only (``c.QueryInt`` -> ``ParseForm``,
    which ignores a GET body; ids 1302574818, 217830651), default 1000
    (``dashverimpl.Service.List``, id 99626855), newest first.
    """
    d = _get(ctx)
    limit = ctx.q_int("limit") or 1000
    newest_first = sorted(d.versions, key=lambda v: -v.version)
    if ctx.emulator.profile.versions_list_object:
        offset = _decode_continue(ctx.q("continueToken"))
        page = newest_first[offset:offset + limit]
        token = _encode_continue(offset + limit) if offset + limit < len(newest_first) else ""
        return Response(200, {"versions": [_version_item(ctx, v, with_data=True) for v in page],
                              "continueToken": token})
    start = max(ctx.q_int("start"), 0)
    out = [_version_item(ctx, v, with_data=False) for v in newest_first[start:start + limit]]
    if ctx.emulator.config.versions_list_object:
        return Response(200, {"continueToken": "", "versions": out})
    return Response(200, out)


def _encode_continue(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _decode_continue(token: str) -> int:
    if not token:
        return 0
    try:
        return max(int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"]), 0)
    except (ValueError, KeyError, TypeError):
        raise errors.plain(400, "invalid continue token") from None


def _find_version(ctx: Ctx, d: Dashboard, raw: str) -> DashboardVersion:
    try:
        n = int(raw)
    except ValueError:
        raise errors.plain(400, "id is invalid") from None
    v = next((v for v in d.versions if v.version == n), None)
    if v is None:
        # 11.x quirk: a missing version is a 500.
        raise errors.plain(500, f"Dashboard version {n} not found for dashboardId {d.id}")
    return v


def get_version(ctx: Ctx) -> Response:
    d = _get(ctx)
    return Response(200, _version_item(ctx, _find_version(ctx, d, ctx.params["n"]), with_data=True))


def restore_version(ctx: Ctx) -> Response:
    d = _get(ctx)
    n = body_object(ctx.body).get("version")
    v = _find_version(ctx, d, str(n if isinstance(n, int) and not isinstance(n, bool) else ""))
    data = copy.deepcopy(v.data)
    data["version"] = d.version
    data["id"] = d.id
    data["uid"] = d.uid
    cmd = {"dashboard": data, "folderUid": d.folder_uid, "overwrite": False,
           "message": f"Restored from version {v.version}"}
    saved = save(ctx, cmd, restored_from=v.version)
    return Response(200, _save_response(saved))


def register(router: Router) -> None:
    router.add("POST", "/api/dashboards/db", post_dashboard, "dashboards:create|dashboards:write", body=True)
    router.add("GET", "/api/dashboards/uid/:uid/versions", list_versions, "dashboards:write")
    router.add("GET", "/api/dashboards/uid/:uid/versions/:n", get_version, "dashboards:write")
    router.add("POST", "/api/dashboards/uid/:uid/restore", restore_version, "dashboards:write", body=True)
    router.add("GET", "/api/dashboards/uid/:uid", get_dashboard, "dashboards:read")
    router.add("DELETE", "/api/dashboards/uid/:uid", delete_dashboard, "dashboards:delete")
