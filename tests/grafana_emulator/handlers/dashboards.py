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

import copy
import re
from typing import Any

from .. import errors
from ..routing import Ctx, Response, Router
from ..state import Dashboard, DashboardVersion, OrgState, generate_uid, go_number_normalise, now_rfc3339, slugify
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
    if existing is not None and not overwrite:
        if existing.version != version:
            raise errors.status_message(412, "version-mismatch", "The dashboard has been changed by someone else")
        if existing.plugin_id:
            raise errors.status_message(412, "plugin-dashboard", f"The dashboard belongs to plugin {existing.plugin_id}.")

    refresh = dash.get("refresh")
    if isinstance(refresh, str) and refresh:
        seconds = _refresh_seconds(refresh)
        if seconds is not None and seconds < MIN_REFRESH_SECONDS:
            dash["refresh"] = f"{MIN_REFRESH_SECONDS}s"

    now = now_rfc3339()
    if existing is None:
        target = Dashboard(
            id=ctx.emulator.store.next_id("dashboard"),
            uid=uid or generate_uid(),
            title=title,
            data={},
            folder_uid=folder_uid,
            version=0,
            created=now,
            created_by=ctx.login,
        )
        parent_version = 0
    else:
        target = existing
        parent_version = existing.version
    target.version = parent_version + 1
    target.title = title
    target.folder_uid = folder_uid
    target.updated = now
    target.updated_by = ctx.login
    dash.update({"id": target.id, "uid": target.uid, "version": target.version, "title": title})
    target.data = go_number_normalise(dash)
    target.versions.append(DashboardVersion(
        id=ctx.emulator.store.next_id("dashboard_version"),
        dashboard_id=target.id,
        dashboard_uid=target.uid,
        version=target.version,
        parent_version=parent_version,
        restored_from=restored_from,
        created=now,
        created_by=ctx.login,
        message=message,
        data=copy.deepcopy(target.data),
    ))
    org.dashboards[target.uid] = target
    return target


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


def get_dashboard(ctx: Ctx) -> Response:
    org = ctx.org
    d = _get(ctx)
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
        "updatedBy": d.updated_by or "Anonymous",
        "createdBy": d.created_by or "Anonymous",
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
    data = copy.deepcopy(d.data)
    data["version"] = d.version
    return Response(200, {"dashboard": data, "meta": meta})


def delete_dashboard(ctx: Ctx) -> Response:
    uid = ctx.params["uid"]
    org = ctx.org
    if uid in org.folders:
        raise errors.plain(400, "Use folders endpoint for deleting folders.")
    d = _get(ctx)
    if d.provisioned_external_id is not None:
        raise errors.plain(400, "provisioned dashboard cannot be deleted")
    del org.dashboards[uid]
    return Response(200, {"title": d.title, "message": f"Dashboard {d.title} deleted", "uid": d.uid})


def _version_item(v: DashboardVersion, with_data: bool) -> dict[str, Any]:
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
        "createdBy": v.created_by or "Anonymous",
        "message": message,
    }
    if with_data:
        item["data"] = copy.deepcopy(v.data)
    return item


def list_versions(ctx: Ctx) -> Response:
    d = _get(ctx)
    limit = ctx.q_int("limit") or 1000
    start = max(ctx.q_int("start"), 0)
    items = sorted(d.versions, key=lambda v: -v.version)[start:start + limit]
    out = [_version_item(v, with_data=False) for v in items]
    if ctx.emulator.config.versions_list_object:
        return Response(200, {"continueToken": "", "versions": out})
    return Response(200, out)


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
    return Response(200, _version_item(_find_version(ctx, d, ctx.params["n"]), with_data=True))


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
    router.add("POST", "/api/dashboards/db", post_dashboard, "dashboards:create", body=True)
    router.add("GET", "/api/dashboards/uid/:uid/versions", list_versions, "dashboards:write")
    router.add("GET", "/api/dashboards/uid/:uid/versions/:n", get_version, "dashboards:write")
    router.add("POST", "/api/dashboards/uid/:uid/restore", restore_version, "dashboards:write", body=True)
    router.add("GET", "/api/dashboards/uid/:uid", get_dashboard, "dashboards:read")
    router.add("DELETE", "/api/dashboards/uid/:uid", delete_dashboard, "dashboards:delete")
