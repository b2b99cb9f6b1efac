"""``/api/folders`` (API.md section 5, with the section 10 corrections).

Choices where API.md leaves room:

* Nested folders are on; the depth limit is the newer value, 4 levels
  (``MaxNestedFolderDepth``): creating a folder whose ancestors would number
  4 or more -> 400 errutil ``folder.maximum-depth-reached``.
* Creating a folder with a uid that already exists -> 412 version-mismatch
  (legacy path [derived]; 12.x maps AlreadyExists to the same).
* ``GET /api/folders/general`` is [UNCONFIRMED] in API.md and was not settled
  from source here: the root is not a real folder, so it answers 404
  not-found like any unknown uid.
* Deleting a folder whose tree holds alert rules -> 400 errutil
  ``folder.not-empty`` unless ``?forceDeleteRules=true`` (section 10); the
  public message text was not read in source, the emulator's wording is its own.
* Titles need not be unique (11.3+); only "General" is refused.
* A folder's ``description`` is accepted and stored but not echoed in the
  DTO (the 11.x ``dtos.Folder`` carries no description).
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..routing import Ctx, Response, Router
from ..identities import shown_name
from ..state import Folder, OrgState, generate_uid, now_ms, now_rfc3339
from ..versions import FOLDER
from .common import body_object, check_uid, folder_url, get_bool, get_int, get_str

MAX_DEPTH = 4


def not_found() -> errors.ApiError:
    return errors.status_message(404, "not-found", "folder not found")


def version_mismatch() -> errors.ApiError:
    return errors.status_message(412, "version-mismatch", "the folder has been changed by someone else")


def folder_dto(ctx: Ctx, folder: Folder) -> dict[str, Any]:
    org = ctx.org
    ident = ctx.identity
    can_write = bool(ident and ident.can("folders:write"))
    dto: dict[str, Any] = {
        "id": folder.id,
        "uid": folder.uid,
        "orgId": org.id,
        "title": folder.title,
        "url": folder_url(folder),
        "hasAcl": False,
        "canSave": can_write,
        "canEdit": can_write,
        "canAdmin": bool(ident and ident.role == "Admin"),
        "canDelete": bool(ident and ident.can("folders:delete")),
        "createdBy": writer_name(ctx, folder.created_by, folder.created_by_ref),
        "created": folder.created,
        "updatedBy": writer_name(ctx, folder.updated_by, folder.updated_by_ref),
        "updated": folder.updated,
        "version": folder.version,
    }
    if folder.parent_uid:
        dto["parentUid"] = folder.parent_uid
        dto["parents"] = [
            {"id": p.id, "uid": p.uid, "orgId": org.id, "title": p.title, "url": folder_url(p),
             "hasAcl": False, "canSave": can_write, "canEdit": can_write,
             "canAdmin": bool(ident and ident.role == "Admin"), "canDelete": can_write,
             "createdBy": writer_name(ctx, p.created_by, p.created_by_ref), "created": p.created,
             "updatedBy": writer_name(ctx, p.updated_by, p.updated_by_ref),
             "updated": p.updated, "version": p.version, **({"parentUid": p.parent_uid} if p.parent_uid else {})}
            for p in org.ancestors(folder.uid)
        ]
    if ctx.q_bool("accesscontrol"):
        dto["accessControl"] = {}
    return dto


def writer_name(ctx: Ctx, legacy_login: str, ref: str) -> str:
    """createdBy/updatedBy per release (identities.py); the legacy emulator shows the writer's login."""
    if ctx.emulator.profile.legacy:
        return legacy_login
    return shown_name(ctx.emulator, ref, FOLDER)


def touch(ctx: Ctx, folder: Folder, *, changed: bool) -> None:
    """Record a write: 11.x and the legacy emulator bump ``version`` on every write; 12+ only on a change.

    13.x folders live in unified storage: ``prepareObjectForUpdate`` (id 619988386)
    keeps generation and updatedBy when neither spec nor parent changed. 12.x keeps its
    folders in legacy SQL (``folders_in_legacy_sql``); whether that store bumps on a write that
    changes nothing is not read from its source, and the same rule is kept for it (gac does
    not depend on it there: a folder of that store carries no stamp of gac's).
    """
    if changed or not ctx.emulator.profile.generation:
        folder.version += 1
        folder.updated = now_rfc3339()
        folder.updated_ms = now_ms()
        folder.updated_by = ctx.login
        folder.updated_by_ref = ctx.identity.ref if ctx.identity else ""
    folder.resource_version = _resource_version(ctx, folder)


def _resource_version(ctx: Ctx, folder: Folder) -> int:
    """The update time in ms where folders stay in legacy SQL (VersionProfile.folders_in_legacy_sql)."""
    return folder.updated_ms if ctx.emulator.profile.folders_in_legacy_sql else ctx.emulator.store.next_rv()


def _get(org: OrgState, uid: str) -> Folder:
    folder = org.folders.get(uid)
    if folder is None:
        raise not_found()
    return folder


def list_folders(ctx: Ctx) -> Response:
    org = ctx.org
    parent = ctx.q("parentUid")
    limit = ctx.q_int("limit", 1000) or 1000
    page = max(ctx.q_int("page", 1), 1)
    items = sorted((f for f in org.folders.values() if f.parent_uid == parent), key=lambda f: f.title.lower())
    items = items[(page - 1) * limit: page * limit]
    out = []
    for f in items:
        hit: dict[str, Any] = {"id": f.id, "uid": f.uid, "title": f.title}
        if f.parent_uid:
            hit["parentUid"] = f.parent_uid
        out.append(hit)
    return Response(200, out)


def get_folder(ctx: Ctx) -> Response:
    return Response(200, folder_dto(ctx, _get(ctx.org, ctx.params["uid"])))


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise errors.plain(400, "folder title cannot be empty")
    if title.lower() == "general":
        raise errors.plain(400, "A folder with that name already exists")
    return title


def create_folder(ctx: Ctx) -> Response:
    org = ctx.org
    cmd = body_object(ctx.body)
    title = _check_title(get_str(cmd, "title"))
    uid = get_str(cmd, "uid").strip()
    parent_uid = get_str(cmd, "parentUid")
    if uid.lower() == "general":
        raise errors.plain(400, "invalid uid for folder provided")
    check_uid(uid)
    if parent_uid:
        _get(org, parent_uid)
        if len(org.ancestors(parent_uid)) + 1 >= MAX_DEPTH:
            raise errors.public(400, "folder.maximum-depth-reached", "Maximum nested folder depth reached")
    if uid and (uid in org.folders):
        raise version_mismatch()
    if uid and uid in org.dashboards:
        raise errors.plain(400, "A dashboard with the same uid already exists")
    folder = Folder(
        id=ctx.emulator.store.next_id("dashboard"),
        uid=uid or generate_uid(),
        title=title,
        parent_uid=parent_uid,
        description=get_str(cmd, "description"),
        created_by=ctx.login,
        updated_by=ctx.login,
        created_by_ref=ctx.identity.ref if ctx.identity else "",
        updated_by_ref=ctx.identity.ref if ctx.identity else "",
        updated_ms=now_ms(),
    )
    folder.resource_version = _resource_version(ctx, folder)
    org.folders[folder.uid] = folder
    return Response(200, folder_dto(ctx, folder))


def update_folder(ctx: Ctx) -> Response:
    org = ctx.org
    folder = _get(org, ctx.params["uid"])
    cmd = body_object(ctx.body)
    title = get_str(cmd, "title").strip()
    if title and title.lower() == "general":
        raise errors.plain(400, "A folder with that name already exists")
    if not get_bool(cmd, "overwrite") and get_int(cmd, "version") != folder.version:
        raise version_mismatch()
    before = (folder.title, folder.description)
    if title:
        folder.title = title
    if "description" in cmd and isinstance(cmd.get("description"), str):
        folder.description = cmd["description"]
    touch(ctx, folder, changed=(folder.title, folder.description) != before)
    return Response(200, folder_dto(ctx, folder))


def move_folder(ctx: Ctx) -> Response:
    org = ctx.org
    folder = _get(org, ctx.params["uid"])
    cmd = body_object(ctx.body)
    new_parent = get_str(cmd, "parentUid")
    if new_parent:
        _get(org, new_parent)
        if new_parent == folder.uid or any(d.uid == new_parent for d in org.descendants(folder.uid)):
            raise errors.public(400, "folder.circular-reference", "Circular reference detected")
        subtree_depth = _subtree_height(org, folder.uid)
        if len(org.ancestors(new_parent)) + 1 + subtree_depth >= MAX_DEPTH:
            raise errors.public(400, "folder.maximum-depth-reached", "Maximum nested folder depth reached")
    changed = folder.parent_uid != new_parent
    folder.parent_uid = new_parent
    touch(ctx, folder, changed=changed)
    return Response(200, folder_dto(ctx, folder))


def _subtree_height(org: OrgState, uid: str) -> int:
    children = [f for f in org.folders.values() if f.parent_uid == uid]
    return 0 if not children else 1 + max(_subtree_height(org, c.uid) for c in children)


def delete_folder(ctx: Ctx) -> Response:
    org = ctx.org
    folder = _get(org, ctx.params["uid"])
    tree = {folder.uid} | {f.uid for f in org.descendants(folder.uid)}
    rules = [r for r in org.rules.values() if r.folder_uid in tree]
    if rules and not ctx.q_bool("forceDeleteRules"):
        raise errors.public(400, "folder.not-empty",
                            "Folder cannot be deleted: folder contains alert rules (use forceDeleteRules=true)")
    for rule in rules:
        del org.rules[rule.uid]
    for uid in [d.uid for d in org.dashboards.values() if d.folder_uid in tree]:
        del org.dashboards[uid]
    for uid in tree:
        org.folders.pop(uid, None)
    return Response(200, {"message": "Folder deleted"})


def register(router: Router) -> None:
    router.add("GET", "/api/folders", list_folders, "folders:read")
    router.add("POST", "/api/folders", create_folder, "folders:create", body=True)
    router.add("POST", "/api/folders/:uid/move", move_folder, "folders:write", body=True)
    router.add("GET", "/api/folders/:uid", get_folder, "folders:read")
    router.add("PUT", "/api/folders/:uid", update_folder, "folders:write", body=True)
    router.add("DELETE", "/api/folders/:uid", delete_folder, "folders:delete")
