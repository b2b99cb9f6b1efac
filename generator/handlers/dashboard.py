"""Dashboards: the dashboard JSON model; folder from the directory; token is `version` or `resourceVersion`.

Managed dashboards carry the `managed-by-gac` tag (added by the builder); through
`/apis` (Grafana 12+, dashboard_apis.py) they also carry gac's manager annotations and
every update carries the resourceVersion read. The sync stamps each dashboard it writes
with `gacSync: {hash, version}` at the top level of the JSON: the version Grafana will
give the saved dashboard (the live version + 1) and the hash of what was written. A later
save by anyone bumps the version, so "changed since the last sync" is exact without any
state kept outside Grafana; the hash keeps a save that changed nothing from counting as a
change. A save that drops unknown top-level keys also drops the stamp; then the
dashboard's version history tells: the newest version whose body carries a stamp naming
that very version is the sync's own last save (only the sync writes a stamp with the
version the save produces), and when the live dashboard still shows the same (in the
UI-save form), nothing would be lost. Who saved a version is never consulted: for a
service account Grafana shows "Anonymous" or a display name, never the login.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Callable
from urllib.parse import quote

from ..datasource_index import DatasourceIndex
from ..markers import MANAGED_TAG, STAMP_KEY
from ..normalize import normalize_dashboard
from ..resource import GENERAL_FOLDER, Resource, Source
from ..diff.parts import Parts
from . import dashboard_apis, k8s
from .base import Handler, search_pages
from .dashboard_diff import DASHBOARD_PARTS
from .dashboard_form import comparison_form
from .live import ApiError, Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteResult, same_json

SAVE_MESSAGE = "gac sync"
#: how far back the version history is searched for the sync's own last save
HISTORY_DEPTH = 20
#: version bodies fetched at most when the history list carries none (Grafana 11)
HISTORY_BODIES = 3


def without_managed_tag(body: dict[str, Any]) -> dict[str, Any]:
    """A copy without gac's managed tag (and without `tags` when no other tag is left).

    The tag is the build's, not the author's: a definition never spells it, so whatever is
    compared with or written as a definition leaves it out.
    """
    out = dict(body)
    if isinstance(out.get("tags"), list):
        out["tags"] = [t for t in out["tags"] if t != MANAGED_TAG]
        if not out["tags"]:
            del out["tags"]
    return out


def definition_body(live_body: dict[str, Any], datasources: DatasourceIndex | None = None) -> dict[str, Any]:
    """A live dashboard as its definition holds it: normalized like the build, no stamp, no managed tag.

    What `gac pull` writes into the repository, so that building the pulled file gives back
    what Grafana shows (the build adds the tag again; the sync, the stamp).
    """
    body = {k: v for k, v in live_body.items() if k != STAMP_KEY}
    return without_managed_tag(normalize_dashboard(body, datasources))


def _version_reader(uid: str, number: Any) -> Callable[[Any], Any]:
    return lambda g: g.dashboard_versions.get_dashboard_version_by_uid(uid, number)


class DashboardHandler(Handler):
    kind = "dashboard"
    directory = "dashboards"
    level = 2
    server_fields = frozenset({"id", "version", "iteration", STAMP_KEY})
    page_size = 1000
    #: the stamp hashes the comparable form (folder and normalized body) that `compare_forms` starts from
    stamp_covers_forms = True
    read_actions = ("dashboards:read",)
    write_actions = {"create": ("dashboards:create",), "update": ("dashboards:write",),
                     "delete": ("dashboards:delete",)}

    def api(self, ctx: SyncContext) -> str:
        return f"/apis/{k8s.DASHBOARD_GROUP}/{ctx.apis.dashboard}" if ctx.apis.dashboard else "/api/dashboards"

    def path(self, resource: Resource) -> PurePosixPath:
        return PurePosixPath(self.directory, resource.folder_uid or GENERAL_FOLDER, f"{resource.uid}.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        folder = relpath.parent.name
        return Resource(self.kind, str(body["uid"]), body, None if folder == GENERAL_FOLDER else folder,
                        Source(f"generated/{relpath}"))

    def comparable(self, resource: Resource, ctx: SyncContext) -> dict[str, Any]:
        # the folder is not part of the JSON model: a move is a change too
        return {"folder": resource.folder_uid or "", "body": self.normalize(resource.body)}

    def compare_forms(self, desired: Resource, live: LiveObject, ctx: SyncContext) -> tuple[dict[str, Any], dict[str, Any]]:
        """(live form, desired form); when they differ, compared again in the UI-save form.

        A save in Grafana's UI rewrites the JSON without changing what the dashboard shows
        (`dashboard_form`); that is not a change. The cheap forms are tried first because a
        dashboard the sync wrote and nobody saved since is equal there already.
        """
        live_form, desired_form = super().compare_forms(desired, live, ctx)
        if not same_json(live_form, desired_form):
            live_form["body"] = comparison_form(live_form["body"])
            desired_form["body"] = comparison_form(desired_form["body"])
        return live_form, desired_form

    def diff_parts(self) -> Parts:
        return {**super().diff_parts(), **DASHBOARD_PARTS}

    def without_marker(self, form: dict[str, Any]) -> dict[str, Any]:
        out = super().without_marker(form)
        if isinstance(out.get("body"), dict):
            out["body"] = without_managed_tag(out["body"])
        return out

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        """/apis: the list pages carry whole objects (read from them, no GET each); else /api/search hits."""
        if ctx.apis.dashboard:
            return dashboard_apis.list_refs(calls, ctx, MANAGED_TAG)
        return [LiveRef(self.kind, (self.kind, hit["uid"]), hit["uid"], str(hit.get("title", "")),
                        hit.get("folderUid") or None, MANAGED_TAG in (hit.get("tags") or []), hit)
                for hit in search_pages(calls, "dash-db", self.page_size)]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        if ctx.apis.dashboard and k8s.listed_object(ref.row):
            live: LiveObject | None = dashboard_apis.from_object(calls, ref.row, ctx, MANAGED_TAG)
        elif ctx.apis.dashboard:
            live = dashboard_apis.read(calls, ref.uid, ctx, MANAGED_TAG)
        else:
            live = self._read_legacy(calls, ref)
        if live is not None and live.stamp is None and live.managed and not live.incompatible:
            live.baseline = self._last_synced(calls, ref.uid)
        return live

    def _read_legacy(self, calls: Calls, ref: LiveRef) -> LiveObject | None:
        try:
            answer = calls.read(f"read dashboard {ref.uid!r}", lambda g: g.dashboard.get_dashboard(ref.uid))
        except ApiError as exc:
            if exc.not_found:
                return None
            if exc.status == 406:  # Grafana 12: stored as schema v2, which this API cannot return
                return self._unreadable_v2(ref, exc)
            raise
        return self.live_from(answer)

    def _unreadable_v2(self, ref: LiveRef, exc: ApiError) -> LiveObject:
        body = {"uid": ref.uid, "title": ref.title}
        return LiveObject(Resource(self.kind, ref.uid, body, ref.folder_uid), token=None,
                          managed=bool(ref.managed), raw={"uid": ref.uid, "legacyApi": exc.message},
                          incompatible=dashboard_apis.v2_reason("v2") + " (the legacy API answers 406)")

    def _last_synced(self, calls: Calls, uid: str) -> dict[str, Any] | None:
        """The body of the newest version the sync itself saved (None when none, or unreadable).

        `limit` goes as a query parameter (grafana-client sends it as a GET body, which Grafana
        ignores: 12+ would then answer 1000 full bodies). Grafana 11 answers an array without
        bodies, so only versions carrying the sync's save message (or a first version) are
        fetched, a few at most;
        12+ answers `{versions, continueToken}` with each body.
        """
        try:
            answer = calls.read(f"list versions of dashboard {uid!r}", lambda g: g.client.GET(
                f"/dashboards/uid/{quote(uid, safe='')}/versions", params={"limit": HISTORY_DEPTH}))
            items = answer.get("versions") if isinstance(answer, dict) else answer
            fetched = 0
            for item in (items or [])[:HISTORY_DEPTH]:
                number, data = item.get("version"), item.get("data")
                if not isinstance(data, dict):
                    # Grafana shows "Initial save" for a first version, whatever message it was saved with
                    candidate = item.get("message") == SAVE_MESSAGE or item.get("parentVersion") == 0
                    if not candidate or fetched >= HISTORY_BODIES:
                        continue
                    fetched += 1
                    full: Any = calls.read(f"read version {number} of dashboard {uid!r}", _version_reader(uid, number))
                    data = full.get("data") if isinstance(full, dict) else None
                stamp = Stamp.from_json(data.get(STAMP_KEY)) if isinstance(data, dict) else None
                if stamp is not None and stamp.version == number:
                    return data
        except ApiError:
            return None  # a read-only identity may not see the history: stay on the safe side
        return None

    def untouched(self, live: LiveObject, ctx: SyncContext) -> bool:
        if live.incompatible:
            return False
        if live.stamp is None and live.baseline is not None:
            # the saves since the sync's own (found in the history) changed nothing that shows
            return same_json(comparison_form(live.baseline), comparison_form(live.resource.body))
        return super().untouched(live, ctx)

    def live_from(self, answer: dict[str, Any]) -> LiveObject:
        body, meta = answer.get("dashboard") or {}, answer.get("meta") or {}
        resource = Resource(self.kind, str(body.get("uid")), body, meta.get("folderUid") or None)
        version = meta.get("version", body.get("version"))
        read_only = None
        if meta.get("provisioned"):
            read_only = f"provisioned from a file ({meta.get('provisionedExternalId') or 'unknown path'})"
        return LiveObject(resource, token=version, managed=MANAGED_TAG in (body.get("tags") or []),
                          stamp=Stamp.from_json(body.get(STAMP_KEY)), version=version,
                          last_writer=meta.get("updatedBy") or None, updated=meta.get("updated") or None,
                          read_only=read_only, raw=answer)

    def _save(self, calls: Calls, desired: Resource, version: int | None, ctx: SyncContext, what: str) -> WriteResult:
        body = self._stamped(desired, version, ctx)
        if version is not None:
            body["version"] = version
        command = {"dashboard": body, "folderUid": desired.folder_uid or "", "overwrite": False,
                   "message": SAVE_MESSAGE}
        answer = calls.write(f"{what} dashboard {desired.uid!r}", lambda g: g.dashboard.update_dashboard(command))
        return WriteResult(answer.get("version") if isinstance(answer, dict) else None)

    def _stamped(self, desired: Resource, version: int | None, ctx: SyncContext) -> dict[str, Any]:
        body = {k: v for k, v in desired.body.items() if k not in ("id", "version")}
        body[STAMP_KEY] = Stamp(self.stamp_hash(desired, ctx), (version or 0) + 1).to_json()
        return body

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        if ctx.apis.dashboard:
            return dashboard_apis.save(calls, desired, self._stamped(desired, None, ctx), ctx, None, SAVE_MESSAGE)
        return self._save(calls, desired, None, ctx, "create")

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        if ctx.apis.dashboard:
            return dashboard_apis.save(calls, desired, self._stamped(desired, live.version, ctx), ctx, live,
                                       SAVE_MESSAGE)
        return self._save(calls, desired, live.token, ctx, "update")

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        uid = live.resource.uid
        if ctx.apis.dashboard:
            dashboard_apis.delete(calls, uid, ctx)
        else:
            calls.write(f"delete dashboard {uid!r}", lambda g: g.dashboard.delete_dashboard(uid))
        return WriteResult()
