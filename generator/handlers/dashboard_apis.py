"""Dashboards through `/apis/dashboard.grafana.app` (Grafana 12+): read, write with the resourceVersion, v2.

The dashboard JSON model is the object's `spec` (without id/uid/version, which live in
the metadata: `name` = uid, `generation` = the version the legacy API shows); the folder
is the `grafana.app/folder` annotation. gac's sync stamp stays in the body (as on the
legacy API: it travels with the content into the version history), its manager
annotations mark ownership (k8s.py), and each update carries `metadata.resourceVersion`
so a save that raced the sync ends as a 409 conflict -- the legacy save of Grafana 12+
checks the version and then writes unconditionally.

A dashboard a person saved as schema v2 (Grafana's new editor) is read through the v1
version with `status.conversion.storedVersion` = v2…: Grafana 13 converts it (lossily:
tabs and rows flatten), Grafana 12's conversion fails (empty spec, `failed: true`). Either
way gac does not compare it: the live object is marked `incompatible`, and the v2 object
as Grafana stores it is what a backup keeps.
"""

from __future__ import annotations

from typing import Any

from ..markers import STAMP_KEY
from ..resource import Resource
from . import k8s
from .live import Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteResult

PLURAL = "dashboards"


def path(ctx: SyncContext, name: str = "", version: str = "") -> str:
    return k8s.collection(k8s.DASHBOARD_GROUP, version or ctx.apis.dashboard, ctx.apis.namespace, PLURAL, name)


def v2_reason(stored: str) -> str:
    return (f"converted to schema v2 ({k8s.DASHBOARD_GROUP}/{stored}) in Grafana's dashboard editor; gac writes "
            "schema v1, so writing it would replace Grafana's v2 layout (tabs, rows, auto grid)")


def read(calls: Calls, uid: str, ctx: SyncContext, managed_tag: str) -> LiveObject | None:
    obj = k8s.get(calls, f"read dashboard {uid!r}", path(ctx, uid))
    return None if obj is None else from_object(calls, obj, ctx, managed_tag)


def list_refs(calls: Calls, ctx: SyncContext, managed_tag: str) -> list[LiveRef]:
    """Every dashboard, from the list pages: each item is the whole object, kept as the ref's row.

    The list answers the same objects a GET does (spec, annotations, resourceVersion), so a
    plan reads N dashboards in N/page requests and `from_object` judges them with no GET,
    except a dashboard stored as schema v2: the v1 list shows it converted (or empty), and
    the backup needs it as Grafana stores it, which only a GET of the v2 version answers.
    """
    refs = []
    for obj in k8s.list_all(calls, "list dashboards", path(ctx)):
        notes, uid = k8s.annotations_of(obj), str(k8s.metadata(obj).get("name", ""))
        spec: dict[str, Any] = obj["spec"] if isinstance(obj.get("spec"), dict) else {}
        managed = k8s.managed_by_gac(notes) or managed_tag in (spec.get("tags") or [])
        refs.append(LiveRef("dashboard", ("dashboard", uid), uid, str(spec.get("title") or uid),
                            notes.get(k8s.ANNO_FOLDER) or None, managed, obj))
    return refs


def from_object(calls: Calls, obj: dict[str, Any], ctx: SyncContext, managed_tag: str) -> LiveObject:
    """A dashboard object (read or listed) as a live object; a v2-stored one fetches its v2 form."""
    uid = str(k8s.metadata(obj).get("name", ""))
    conversion = (obj.get("status") or {}).get("conversion") or {}
    stored = str(conversion.get("storedVersion") or "") if isinstance(conversion, dict) else ""
    if stored.startswith("v2"):
        return _v2_live(calls, uid, ctx, obj, stored, failed=bool(conversion.get("failed")), managed_tag=managed_tag)
    return live_from_object(obj, managed_tag)


def _body(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"] if isinstance(obj.get("spec"), dict) else {}
    uid = str(k8s.metadata(obj).get("name", ""))
    return {**{k: v for k, v in spec.items() if k not in ("id", "uid", "version")}, "uid": uid}


def live_from_object(obj: dict[str, Any], managed_tag: str) -> LiveObject:
    meta, notes = k8s.metadata(obj), k8s.annotations_of(obj)
    body = _body(obj)
    generation = k8s.generation(obj)
    if generation is not None:
        body["version"] = generation
    folder = notes.get(k8s.ANNO_FOLDER) or None
    other = k8s.managed_by_other(notes)
    managed = k8s.managed_by_gac(notes) or managed_tag in (body.get("tags") or [])
    return LiveObject(Resource("dashboard", body["uid"], body, folder), token=str(meta.get("resourceVersion") or ""),
                      managed=managed, stamp=Stamp.from_json(body.get(STAMP_KEY)), version=generation,
                      last_writer=notes.get(k8s.ANNO_UPDATED_BY) or None, updated=notes.get(k8s.ANNO_UPDATED_TS) or None,
                      raw=obj, read_only=f"managed by {other}" if other else None)


def _v2_live(calls: Calls, uid: str, ctx: SyncContext, obj: dict[str, Any], stored: str, *, failed: bool,
             managed_tag: str) -> LiveObject:
    """The v1 view (converted, or empty when Grafana could not), backed by the v2 object as stored."""
    native = k8s.get(calls, f"read dashboard {uid!r} as schema {stored}", path(ctx, uid, stored)) or obj
    live = live_from_object(obj, managed_tag)
    if failed or not (obj.get("spec") or {}):
        title = (native.get("spec") or {}).get("title") or uid
        live.resource = Resource("dashboard", uid, {"uid": uid, "title": str(title)}, live.resource.folder_uid)
    else:
        live.converted_from = f"{k8s.DASHBOARD_GROUP}/{stored}"
    live.managed = live.managed or k8s.managed_by_gac(k8s.annotations_of(native))
    live.stamp = None
    live.raw = native
    live.incompatible = v2_reason(stored)
    return live


def write_object(desired: Resource, body: dict[str, Any], ctx: SyncContext, live: LiveObject | None,
                 message: str) -> dict[str, Any]:
    """The object a create/update sends: spec = the JSON model, marks and folder in the metadata."""
    live_notes = k8s.annotations_of(live.raw) if live is not None else {}
    stamp = Stamp.from_json(body.get(STAMP_KEY)) or Stamp("")
    notes = k8s.gac_annotations(live_notes, stamp, ctx, {k8s.ANNO_FOLDER: desired.folder_uid or "",
                                                         k8s.ANNO_MESSAGE: message})
    notes.pop(k8s.STAMP_ANNOTATION, None)  # dashboards keep the stamp in the body
    meta: dict[str, Any] = {"name": desired.uid, "annotations": notes}
    if live is not None:
        meta["resourceVersion"] = live.token
        labels = {k: v for k, v in (k8s.metadata(live.raw).get("labels") or {}).items() if k != k8s.INTERNAL_ID_LABEL}
        if labels:
            meta["labels"] = labels
    spec = {k: v for k, v in body.items() if k not in ("id", "uid", "version")}
    return {"apiVersion": f"{k8s.DASHBOARD_GROUP}/{ctx.apis.dashboard}", "kind": "Dashboard", "metadata": meta,
            "spec": spec}


def save(calls: Calls, desired: Resource, body: dict[str, Any], ctx: SyncContext, live: LiveObject | None,
         message: str) -> WriteResult:
    obj = write_object(desired, body, ctx, live, message)
    if live is None:
        answer = k8s.create(calls, f"create dashboard {desired.uid!r}", path(ctx), obj)
    else:
        answer = k8s.update(calls, f"update dashboard {desired.uid!r}", path(ctx, desired.uid), obj)
    return WriteResult(k8s.generation(answer))


def delete(calls: Calls, uid: str, ctx: SyncContext) -> None:
    k8s.delete(calls, f"delete dashboard {uid!r}", path(ctx, uid))
