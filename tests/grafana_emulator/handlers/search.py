"""``GET /api/search`` (API.md section 4).

Filters: ``query`` (case-insensitive substring, like SQL LIKE), ``tag``
(repeatable, all must match), ``type`` (dash-db | dash-folder),
``dashboardUIDs``/``dashboardUID``, ``dashboardIds``, ``folderUIDs`` (direct
children only, OR-ed; ``general`` = root), ``folderIds``, ``starred``,
``sort`` (alpha-asc | alpha-desc), ``limit``/``page``.

An *empty* ``folderUIDs=`` value ([UNCONFIRMED] in API.md) is treated as
root: the SQL filter is ``folder_uid IN ('')`` and dashboards saved at the
root through the API store ``folder_uid = ''``, which agrees with the swagger
text.  Nothing is ever starred in the emulator, so ``starred=true`` yields [].
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..routing import Ctx, Response, Router
from ..state import Dashboard, Folder, OrgState, slugify
from .common import dashboard_url, folder_url


def _folder_fields(org: OrgState, parent_uid: str) -> dict[str, Any]:
    parent = org.folders.get(parent_uid) if parent_uid else None
    if parent is None:
        return {}
    return {"folderId": parent.id, "folderUid": parent.uid, "folderTitle": parent.title,
            "folderUrl": folder_url(parent)}


def _folder_hit(org: OrgState, f: Folder) -> dict[str, Any]:
    slug = slugify(f.title)
    return {"id": f.id, "uid": f.uid, "orgId": org.id, "title": f.title, "uri": f"db/{slug}",
            "url": folder_url(f), "slug": slug, "type": "dash-folder", "tags": [], "isStarred": False,
            **_folder_fields(org, f.parent_uid), "sortMeta": 0, "isDeleted": False}


def _dash_hit(org: OrgState, d: Dashboard) -> dict[str, Any]:
    slug = slugify(d.title)
    return {"id": d.id, "uid": d.uid, "orgId": org.id, "title": d.title, "uri": f"db/{slug}",
            "url": dashboard_url(d.uid, d.title), "slug": slug, "type": "dash-db", "tags": d.tags,
            "isStarred": False, **_folder_fields(org, d.folder_uid), "sortMeta": 0, "isDeleted": False}


def search(ctx: Ctx) -> Response:
    limit = ctx.q_int("limit")
    if limit > 5000:
        raise errors.plain(422, "Limit is above maximum allowed (5000), use page parameter to access hits beyond limit",
                           trace=False)
    dash_uids = ctx.q_all("dashboardUIDs", "dashboardUID")
    dash_ids = ctx.q_all("dashboardIds")
    folder_uids = ctx.q_all("folderUIDs")
    folder_ids = ctx.q_all("folderIds")
    if (dash_uids and dash_ids) or (folder_uids and folder_ids):
        raise errors.plain(400, "search supports UIDs or IDs, not both", trace=False)
    if limit < 1:
        limit = 1000
    page = max(ctx.q_int("page", 1), 1)
    ident = ctx.identity
    if ident is None or not ident.can("dashboards:read") or ctx.q_bool("starred"):
        return Response(200, [])

    org = ctx.org
    kind = ctx.q("type")
    query = ctx.q("query").lower()
    tags = ctx.q_all("tag")

    folder_filter: set[str] | None = None
    if folder_uids:
        folder_filter = {"" if u in ("general", "") else u for u in folder_uids}
    elif folder_ids:
        folder_filter = set()
        for raw in folder_ids:
            if raw == "0":
                folder_filter.add("")
            elif raw.isdigit() and (f := org.folder_by_id(int(raw))) is not None:
                folder_filter.add(f.uid)

    items: list[tuple[str, bool, dict[str, Any]]] = []
    if kind in ("", "dash-folder") and not tags:
        for f in org.folders.values():
            if (query and query not in f.title.lower()) or (dash_uids and f.uid not in dash_uids):
                continue
            if dash_ids and str(f.id) not in dash_ids:
                continue
            if folder_filter is not None and f.parent_uid not in folder_filter:
                continue
            items.append((f.title, True, _folder_hit(org, f)))
    if kind in ("", "dash-db"):
        for d in org.dashboards.values():
            if (query and query not in d.title.lower()) or (dash_uids and d.uid not in dash_uids):
                continue
            if dash_ids and str(d.id) not in dash_ids:
                continue
            if folder_filter is not None and d.folder_uid not in folder_filter:
                continue
            if tags and not all(t in d.tags for t in tags):
                continue
            items.append((d.title, False, _dash_hit(org, d)))

    sort = ctx.q("sort")
    items.sort(key=lambda it: it[0].lower(), reverse=(sort == "alpha-desc"))
    page_items = items[(page - 1) * limit: page * limit]
    if not sort:
        # No explicit sort: the page is re-sorted, folders first, then by lower-cased title.
        page_items.sort(key=lambda it: (not it[1], it[0].lower()))
    return Response(200, [hit for _t, _f, hit in page_items])


def sorting(ctx: Ctx) -> Response:
    return Response(200, [
        {"name": "alpha-asc", "displayName": "Alphabetically (A–Z)", "description": "Sort results in an alphabetically ascending order", "meta": ""},
        {"name": "alpha-desc", "displayName": "Alphabetically (Z–A)", "description": "Sort results in an alphabetically descending order", "meta": ""},
    ])


def register(router: Router) -> None:
    router.add("GET", "/api/search/sorting", sorting)
    router.add("GET", "/api/search", search)
