"""Folders: `{"uid", "title", "parentUid"}`; concurrency token is the folder `version`.

A folder has no free-form field Grafana echoes back (11.x does not return a folder's
description), so the sync cannot stamp it. Instead: a folder is managed when the sync
identity created it, and untouched when the sync identity was its last writer
(`updatedBy`). Run the sync as its own service account, or UI renames by the same
login cannot be told from the sync's own writes.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..resource import Resource, Source
from .base import Handler, search_pages
from .live import ApiError, Calls, LiveObject, LiveRef, SyncContext, WriteResult


class FolderHandler(Handler):
    kind = "folder"
    directory = "folders"
    level = 0
    server_fields = frozenset({"id", "version", "url", "created", "updated", "createdBy", "updatedBy",
                               "canAdmin", "canDelete", "canEdit", "canSave", "hasAcl", "orgId",
                               "parents", "managedBy", "accessControl"})
    page_size = 1000

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        """A folder's placement is its `parentUid` (it has no `folderUid`): a nested folder
        loaded from generated/ sits where the compiled one did, so no stage patches it."""
        return Resource(self.kind, str(body["uid"]), body, body.get("parentUid") or None,
                        Source(f"generated/{relpath}"))

    def wave(self, resource: Resource, desired: dict[tuple[str, ...], Resource]) -> int:
        """Depth below the root: parents are written in an earlier wave than their children."""
        depth, seen, parent = 0, {resource.uid}, resource.body.get("parentUid")
        while parent and parent not in seen and (self.kind, parent) in desired:
            seen.add(parent)
            depth += 1
            parent = desired[(self.kind, parent)].body.get("parentUid")
        return depth

    def dependencies(self, resource: Resource) -> list[tuple[str, ...]]:
        parent = resource.body.get("parentUid")
        return [(self.kind, parent)] if parent else []

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        out = super().normalize(body)
        if not out.get("parentUid"):
            out.pop("parentUid", None)
        out.pop("description", None)  # not echoed by Grafana 11.x: never comparable
        return out

    def untouched(self, live: LiveObject, ctx: SyncContext) -> bool:
        return ctx.login is not None and live.last_writer == ctx.login

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        return [LiveRef(self.kind, (self.kind, hit["uid"]), hit["uid"], str(hit.get("title", "")),
                        hit.get("folderUid") or None, None, hit)
                for hit in search_pages(calls, "dash-folder", self.page_size)]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        try:
            dto = calls.read(f"read folder {ref.uid!r}", lambda g: g.folder.get_folder(ref.uid))
        except ApiError as exc:
            if exc.not_found:
                return None
            raise
        return self.live_from(dto, ctx)

    def live_from(self, dto: dict[str, Any], ctx: SyncContext) -> LiveObject:
        body = {"uid": dto["uid"], "title": dto.get("title", "")}
        if dto.get("parentUid"):
            body["parentUid"] = dto["parentUid"]
        resource = Resource(self.kind, dto["uid"], body, dto.get("parentUid") or None)
        version = dto.get("version")
        return LiveObject(resource, token=version, managed=bool(ctx.login) and dto.get("createdBy") == ctx.login,
                          version=version, last_writer=dto.get("updatedBy") or None,
                          updated=dto.get("updated") or None, raw=dto)

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        body = desired.body
        dto = calls.write(f"create folder {desired.uid!r}", lambda g: g.folder.create_folder(
            body["title"], uid=desired.uid, parent_uid=body.get("parentUid") or None))
        return WriteResult(dto.get("version") if isinstance(dto, dict) else None)

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        """Title through PUT with the version (the concurrency check), then a move if needed.

        The PUT is sent even when only the parent changed: the move endpoint takes no
        version, so the PUT is what makes a racing rename fail instead of being lost.
        """
        title = desired.body["title"]
        dto = calls.write(f"update folder {desired.uid!r}", lambda g: g.folder.update_folder(
            desired.uid, title=title, version=live.token))
        parent = desired.body.get("parentUid") or ""
        if parent != (live.resource.body.get("parentUid") or ""):
            dto = calls.write(f"move folder {desired.uid!r}", lambda g: g.folder.move_folder(desired.uid, parent))
        return WriteResult(dto.get("version") if isinstance(dto, dict) else None)

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        # forceDeleteRules stays false: Grafana refuses when rules remain, never deletes them silently
        calls.write(f"delete folder {live.resource.uid!r}", lambda g: g.folder.delete_folder(live.resource.uid))
        return WriteResult()
