"""The Kubernetes-style resource APIs of Grafana 12+ (`/apis/<group>/<version>/namespaces/<ns>/...`).

What the folder and dashboard handlers share when they go through `/apis` instead of
the legacy `/api`: paths, the calls (through `Calls`, so retries, accounting and
redaction stay the connection's), paging with `continue`, and gac's marks on the
objects it writes.

Why `/apis`: every update carries the `metadata.resourceVersion` gac read, so a save
that raced the sync fails with 409 instead of being overwritten (Grafana 12+'s legacy
save checks the version, then writes unconditionally: shared/grafana/VERSIONS.md); and
objects keep annotations, which is where gac's ownership marks live.

Ownership marks (read in Grafana's source, pkg/apimachinery/utils/manager.go and
meta.go `GetManagerProperties`): an object is managed when `grafana.app/managerId`
is set; `grafana.app/managedBy` must be a kind Grafana knows (repo, terraform,
kubectl, plugin; 13 adds grafana and classic-*), anything else parses as "unknown".
gac writes `kubectl` -- the kind Grafana's own CLI (grafanactl) uses for a generic API
client -- with id `gac`: `repo` is reserved to Git Sync (the server refuses other
writers), `plugin` and `classic-*` mean something else to Grafana, `terraform` would
name another tool. Grafana's UI then shows the object as managed and read-only unless
`grafana.app/managerAllowsEdits` is "true" (`managedResourceCannotBeEdited`); the
server does not enforce it for kubectl (a TODO in apistore/managed.go). gac sets
allowsEdits unless the environment sets `lock_ui_edits`, so by default people can
still edit and the sync detects their change.

The sync stamp (hash of what gac wrote) goes into the annotation `STAMP_ANNOTATION`;
Grafana keeps client annotations as written.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator
from urllib.parse import quote

from .live import ApiError, Calls, ResourceApis, Stamp, SyncContext

MANAGER_KIND = "grafana.app/managedBy"
MANAGER_ID = "grafana.app/managerId"
MANAGER_ALLOWS_EDITS = "grafana.app/managerAllowsEdits"
ANNO_FOLDER = "grafana.app/folder"
ANNO_MESSAGE = "grafana.app/message"
ANNO_UPDATED_BY = "grafana.app/updatedBy"
ANNO_UPDATED_TS = "grafana.app/updatedTimestamp"
#: annotations only the server sets (prepare.go): never sent back
SERVER_ANNOTATIONS = ("grafana.app/createdBy", ANNO_UPDATED_BY, ANNO_UPDATED_TS)
INTERNAL_ID_LABEL = "grafana.app/deprecatedInternalID"

GAC_MANAGER_KIND = "kubectl"
GAC_MANAGER_ID = "gac"
#: gac's sync stamp `{hash, version}` as JSON text
STAMP_ANNOTATION = "gac.grafana.app/sync"

DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
PAGE_SIZE = 500

#: group -> versions gac writes schema-v1 objects through, most preferred first
WRITE_VERSIONS = {FOLDER_GROUP: ("v1", "v1beta1"), DASHBOARD_GROUP: ("v1", "v1beta1")}
#: dashboard versions that read a schema-v2 dashboard as Grafana stores it
V2_VERSIONS = ("v2", "v2beta1", "v2alpha1")


def namespace_for(org_id: int) -> str:
    """Grafana's namespace of an organisation (`GetNamespaceMapper`: org 1 is `default`)."""
    return "default" if org_id == 1 else f"org-{org_id}"


def choose_apis(groups: dict[str, list[str]], org_id: int) -> ResourceApis:
    """The versions gac uses, from what `GET /apis` lists per group (none: legacy /api)."""
    def first(group: str, wanted: tuple[str, ...]) -> str:
        served = groups.get(group) or []
        return next((v for v in wanted if v in served), "")

    return ResourceApis(folder=first(FOLDER_GROUP, WRITE_VERSIONS[FOLDER_GROUP]),
                        dashboard=first(DASHBOARD_GROUP, WRITE_VERSIONS[DASHBOARD_GROUP]),
                        dashboard_v2=first(DASHBOARD_GROUP, V2_VERSIONS), namespace=namespace_for(org_id))


def collection(group: str, version: str, namespace: str, plural: str, name: str = "") -> str:
    """The path below grafana-client's `/api` base: "s/..." makes it `/apis/...`."""
    path = f"s/{group}/{version}/namespaces/{quote(namespace, safe='')}/{plural}"
    return f"{path}/{quote(name, safe='')}" if name else path


def get(calls: Calls, what: str, path: str) -> dict[str, Any] | None:
    """One object, or None when it does not exist."""
    try:
        answer = calls.read(what, lambda g: g.client.GET(path))
    except ApiError as exc:
        if exc.not_found:
            return None
        raise
    return answer if isinstance(answer, dict) else None


def list_all(calls: Calls, what: str, path: str) -> Iterator[dict[str, Any]]:
    """Every item of a collection, page by page (`limit` + `continue`)."""
    token, page = "", 1
    while True:
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if token:
            params["continue"] = token
        answer: Any = calls.read(f"{what} (page {page})", _getter(path, params))
        answer = answer if isinstance(answer, dict) else {}
        yield from answer.get("items") or []
        token = str((answer.get("metadata") or {}).get("continue") or "")
        if not token:
            return
        page += 1


def listed_object(row: dict[str, Any]) -> bool:
    """Is this listing row a whole object (an /apis list item), so that no GET is needed to read it?

    A `LiveRef` built elsewhere (a search hit, or the apply's re-read with no row) is not:
    reading it goes to the server.
    """
    return isinstance(row.get("metadata"), dict) and isinstance(row.get("spec"), dict)


def _getter(path: str, params: dict[str, Any]) -> Callable[[Any], Any]:
    return lambda g: g.client.GET(path, params=params)


def create(calls: Calls, what: str, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    answer = calls.write(what, lambda g: g.client.POST(path, json=obj))
    return answer if isinstance(answer, dict) else {}


def update(calls: Calls, what: str, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    """PUT carrying `metadata.resourceVersion`: a stale one answers 409, a conflict."""
    answer = calls.write(what, lambda g: g.client.PUT(path, json=obj))
    return answer if isinstance(answer, dict) else {}


def delete(calls: Calls, what: str, path: str) -> None:
    calls.write(what, lambda g: g.client.DELETE(path))


def annotations_of(obj: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (metadata(obj).get("annotations") or {}).items()}


def metadata(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}



def managed_by_gac(notes: dict[str, str]) -> bool:
    """gac's manager annotations: written by gac, kept by Grafana, never a display string."""
    return notes.get(MANAGER_KIND) == GAC_MANAGER_KIND and notes.get(MANAGER_ID) == GAC_MANAGER_ID


def managed_by_other(notes: dict[str, str]) -> str | None:
    """Another manager's name (Git Sync, Terraform...), whose objects gac must not write."""
    if notes.get(MANAGER_ID) and not managed_by_gac(notes):
        return f"{notes.get(MANAGER_KIND) or 'unknown'} ({notes[MANAGER_ID]})"
    return None


def stamp_of(notes: dict[str, str]) -> Stamp | None:
    try:
        return Stamp.from_json(json.loads(notes.get(STAMP_ANNOTATION, "")))
    except ValueError:
        return None


def gac_annotations(live_notes: dict[str, str], stamp: Stamp, ctx: SyncContext,
                    extra: dict[str, str] | None = None) -> dict[str, str]:
    """The annotations a write sends: what others set (server-owned ones dropped), then gac's marks."""
    out = {k: v for k, v in live_notes.items() if k not in SERVER_ANNOTATIONS and k != ANNO_MESSAGE}
    out.update({MANAGER_KIND: GAC_MANAGER_KIND, MANAGER_ID: GAC_MANAGER_ID,
                STAMP_ANNOTATION: json.dumps(stamp.to_json(), sort_keys=True, separators=(",", ":"))})
    if ctx.lock_ui_edits:
        out.pop(MANAGER_ALLOWS_EDITS, None)
    else:
        out[MANAGER_ALLOWS_EDITS] = "true"
    for key, value in (extra or {}).items():
        if value:
            out[key] = value
        else:
            out.pop(key, None)
    return out


def generation(obj: dict[str, Any]) -> int | None:
    value = metadata(obj).get("generation")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
