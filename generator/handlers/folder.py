"""Folders: `{"uid", "title", "parentUid"}`; through `/apis/folder.grafana.app` where Grafana serves it.

Grafana 12+ (`/apis`): gac writes its manager annotations (ownership) and a stamp
annotation (the hash of what it wrote) on each folder, and every update carries the
`resourceVersion` it read (k8s.py). A folder is managed when it carries gac's manager
annotations, and untouched when it still hashes to the stamp. Where Grafana keeps them:
a Grafana 12 that serves folders from its legacy database (dual-writer mode 0 to 2, the
default before 12.4; pkg/registry/apis/folders/legacy_storage.go creates and updates from
title, description and parent alone) drops every annotation a client writes, so a folder
without gac's marks is judged as on Grafana 11 (below), never adopted by writing marks that
would not stay.

Grafana 11 (legacy `/api/folders`): a folder keeps nothing gac can write and read back
(no description is echoed, no annotations), and `createdBy`/`updatedBy` are display
strings -- "Anonymous" for every service account -- never the login `GET /api/user`
returns (shared/grafana/VERSIONS.md). So ownership cannot be told there: no folder is
ever deleted by `--prune` (the plan says so), and a folder that differs from its
definition is a conflict (`--force` backs it up, then writes).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Iterable, Mapping

from ..resource import Resource, Source
from . import k8s
from .base import Handler, search_pages
from .live import ApiError, Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteResult

PLURAL = "folders"


def _no_marker(ctx: SyncContext) -> str:
    return ("Grafana serves no folder.grafana.app API here (Grafana 11), and its legacy folder API keeps no mark "
            "gac can read back: who created or last changed a folder cannot be told")


#: an unmarked folder on /apis: gac's marks may never have been written, or have been dropped
_UNMARKED = ("it carries no manager annotation of gac's (never written, as on a folder from before Grafana 12 or "
             "made by a person, or dropped, as a Grafana 12 keeping folders in its legacy database drops them): who "
             "created or last changed it cannot be told")


class FolderHandler(Handler):
    kind = "folder"
    directory = "folders"
    level = 0
    server_fields = frozenset({"id", "version", "url", "created", "updated", "createdBy", "updatedBy",
                               "canAdmin", "canDelete", "canEdit", "canSave", "hasAcl", "orgId",
                               "parents", "managedBy", "accessControl"})
    page_size = 1000
    read_actions = ("folders:read",)
    write_actions = {"create": ("folders:create",), "update": ("folders:write",), "delete": ("folders:delete",)}

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

    def dependencies(self, resource: Resource,
                     desired: Mapping[tuple[str, ...], Resource]) -> list[tuple[str, ...]]:
        parent = resource.body.get("parentUid")
        return [(self.kind, parent)] if parent else []

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        out = super().normalize(body)
        if not out.get("parentUid"):
            out.pop("parentUid", None)
        out.pop("description", None)  # not echoed by Grafana 11.x: never comparable
        return out

    def api(self, ctx: SyncContext) -> str:
        """Which API the folders go through (for the plan header)."""
        return f"/apis/{k8s.FOLDER_GROUP}/{ctx.apis.folder}" if ctx.apis.folder else "/api/folders"

    def ownership_note(self, ctx: SyncContext, live: Iterable[LiveObject] = ()) -> str | None:
        """Grafana 11: never. /apis: where none of the folders defined in code carries gac's marks
        (they were never written, or a legacy folder store dropped them), gac cannot tell its own."""
        if not ctx.apis.folder:
            return _no_marker(ctx)
        read = [obj for obj in live if obj.resource.kind == self.kind]
        if read and all(obj.unknown_owner for obj in read):
            return ("none of the folders defined in code carries gac's manager annotations (`sync --force` writes "
                    "them, and a Grafana 12 that keeps folders in its legacy database drops them)")
        return None

    def takeover(self, live: LiveObject, ctx: SyncContext) -> str | None:
        """/apis: an unmarked folder equal to its definition is written with gac's marks; where
        Grafana keeps them (13, unified storage) it is gac's from then on."""
        if ctx.apis.folder and live.unknown_owner and live.read_only is None:
            return ("--force: it matches its definition but carries no manager annotation of gac's; written with "
                    "them (a Grafana 12 that keeps folders in its legacy database drops them again)")
        return None

    #: the stamp hashes the comparable form (title and parent); only a marked folder has one
    stamp_covers_forms = True

    def untouched(self, live: LiveObject, ctx: SyncContext) -> bool:
        if live.unknown_owner:
            return False
        return super().untouched(live, ctx)

    def _path(self, ctx: SyncContext, name: str = "") -> str:
        return k8s.collection(k8s.FOLDER_GROUP, ctx.apis.folder, ctx.apis.namespace, PLURAL, name)

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        if ctx.apis.folder:
            refs = []
            for obj in k8s.list_all(calls, "list folders", self._path(ctx)):
                notes, name = k8s.annotations_of(obj), str(k8s.metadata(obj).get("name", ""))
                refs.append(LiveRef(self.kind, (self.kind, name), name, str((obj.get("spec") or {}).get("title", "")),
                                    notes.get(k8s.ANNO_FOLDER) or None, k8s.managed_by_gac(notes), obj))
            return refs
        return [LiveRef(self.kind, (self.kind, hit["uid"]), hit["uid"], str(hit.get("title", "")),
                        hit.get("folderUid") or None, None, hit)
                for hit in search_pages(calls, "dash-folder", self.page_size)]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        if ctx.apis.folder and k8s.listed_object(ref.row):
            return self.live_from_object(ref.row)  # listed moments ago, whole: no GET
        if ctx.apis.folder:
            obj = k8s.get(calls, f"read folder {ref.uid!r}", self._path(ctx, ref.uid))
            return None if obj is None else self.live_from_object(obj)
        try:
            dto = calls.read(f"read folder {ref.uid!r}", lambda g: g.folder.get_folder(ref.uid))
        except ApiError as exc:
            if exc.not_found:
                return None
            raise
        return self.live_from(dto, ctx)

    def live_from(self, dto: dict[str, Any], ctx: SyncContext) -> LiveObject:
        """A legacy folder DTO: no mark gac can read, so ownership stays unknown."""
        body = {"uid": dto["uid"], "title": dto.get("title", "")}
        if dto.get("parentUid"):
            body["parentUid"] = dto["parentUid"]
        resource = Resource(self.kind, dto["uid"], body, dto.get("parentUid") or None)
        version = dto.get("version")
        return LiveObject(resource, token=version, managed=False, version=version,
                          last_writer=dto.get("updatedBy") or None, updated=dto.get("updated") or None, raw=dto,
                          unknown_owner=_no_marker(ctx))

    def live_from_object(self, obj: dict[str, Any]) -> LiveObject:
        meta, notes = k8s.metadata(obj), k8s.annotations_of(obj)
        uid = str(meta.get("name", ""))
        body: dict[str, Any] = {"uid": uid, "title": str((obj.get("spec") or {}).get("title", ""))}
        parent = notes.get(k8s.ANNO_FOLDER) or None
        if parent:
            body["parentUid"] = parent
        other, managed = k8s.managed_by_other(notes), k8s.managed_by_gac(notes)
        return LiveObject(Resource(self.kind, uid, body, parent), token=str(meta.get("resourceVersion") or ""),
                          managed=managed, stamp=k8s.stamp_of(notes) if managed else None,
                          version=k8s.generation(obj), last_writer=notes.get(k8s.ANNO_UPDATED_BY) or None,
                          updated=notes.get(k8s.ANNO_UPDATED_TS) or None, raw=obj,
                          read_only=f"managed by {other}" if other else None,
                          unknown_owner=None if managed or other else _UNMARKED)

    def _object(self, desired: Resource, ctx: SyncContext, live: LiveObject | None) -> dict[str, Any]:
        stamp = Stamp(self.stamp_hash(desired, ctx))
        notes = k8s.gac_annotations(k8s.annotations_of(live.raw) if live else {}, stamp, ctx,
                                    {k8s.ANNO_FOLDER: desired.body.get("parentUid") or ""})
        meta: dict[str, Any] = {"name": desired.uid, "annotations": notes}
        if live is not None:
            meta["resourceVersion"] = live.token
            labels = {k: v for k, v in (k8s.metadata(live.raw).get("labels") or {}).items()
                      if k != k8s.INTERNAL_ID_LABEL}
            if labels:
                meta["labels"] = labels
        spec = dict((live.raw.get("spec") or {}) if live else {})
        spec["title"] = desired.body["title"]
        return {"apiVersion": f"{k8s.FOLDER_GROUP}/{ctx.apis.folder}", "kind": "Folder", "metadata": meta,
                "spec": spec}

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        if ctx.apis.folder:
            obj = k8s.create(calls, f"create folder {desired.uid!r}", self._path(ctx),
                             self._object(desired, ctx, None))
            return WriteResult(k8s.generation(obj))
        body = desired.body
        dto = calls.write(f"create folder {desired.uid!r}", lambda g: g.folder.create_folder(
            body["title"], uid=desired.uid, parent_uid=body.get("parentUid") or None))
        return WriteResult(dto.get("version") if isinstance(dto, dict) else None)

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        """/apis: one PUT with the resourceVersion read (title, parent and marks at once).

        Legacy: title through PUT with the version (the concurrency check), then a move if
        needed. The PUT is sent even when only the parent changed: the move endpoint takes
        no version, so the PUT is what makes a racing rename fail instead of being lost.
        """
        if ctx.apis.folder:
            obj = k8s.update(calls, f"update folder {desired.uid!r}", self._path(ctx, desired.uid),
                             self._object(desired, ctx, live))
            return WriteResult(k8s.generation(obj))
        title = desired.body["title"]
        dto = calls.write(f"update folder {desired.uid!r}", lambda g: g.folder.update_folder(
            desired.uid, title=title, version=live.token))
        parent = desired.body.get("parentUid") or ""
        if parent != (live.resource.body.get("parentUid") or ""):
            dto = calls.write(f"move folder {desired.uid!r}", lambda g: g.folder.move_folder(desired.uid, parent))
        return WriteResult(dto.get("version") if isinstance(dto, dict) else None)

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        # legacy: forceDeleteRules stays false: Grafana refuses when rules remain, never deletes them silently
        if ctx.apis.folder:
            k8s.delete(calls, f"delete folder {live.resource.uid!r}", self._path(ctx, live.resource.uid))
            return WriteResult()
        calls.write(f"delete folder {live.resource.uid!r}", lambda g: g.folder.delete_folder(live.resource.uid))
        return WriteResult()
