"""Writing a dashboard: one path for legacy ``/api`` saves, ``/apis`` writes and the UI controls.

One store, two APIs: whatever route a write takes, it ends here, so the
legacy DTO and the ``/apis`` object always describe the same state.

Version semantics per release (versions.py):

* legacy emulator and 11.6: every save bumps ``version`` by one, sets the
  updater and writes a history row (SQL store).
* 12.x/13.x unified storage (``prepareObjectForUpdate``, id 619988386): the
  generation -- shown as ``version`` on ``/api`` (id 22905854) -- moves only
  when the spec (compared without id/uid/version) or the folder changes;
  otherwise generation, updatedBy and updatedTimestamp are kept and no history
  row is written.  Whether Grafana skips the storage write for a no-op update
  entirely was not settled from source; the emulator keeps the resourceVersion
  unless annotations or labels changed.  Create writes no updatedBy
  (``prepareObjectForStorage``).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import managers
from .auth import Principal
from .state import Dashboard, DashboardVersion, OrgState, go_number_normalise, now_ms, now_rfc3339

if TYPE_CHECKING:
    from .server import GrafanaEmulator

ANNO_FOLDER = "grafana.app/folder"
ANNO_MESSAGE = "grafana.app/message"
ANNO_CREATED_BY = "grafana.app/createdBy"
ANNO_UPDATED_BY = "grafana.app/updatedBy"
ANNO_UPDATED_TS = "grafana.app/updatedTimestamp"
#: Annotations the server owns; a client cannot set them on ``/apis`` (they are overwritten).
SERVER_ANNOTATIONS = (ANNO_CREATED_BY, ANNO_UPDATED_BY, ANNO_UPDATED_TS)
_IDENTITY_KEYS = ("id", "uid", "version")


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """The spec as unified storage compares it: without the legacy identity/version keys."""
    return {k: v for k, v in data.items() if k not in _IDENTITY_KEYS}


def commit(emu: "GrafanaEmulator", org: OrgState, *, existing: Dashboard | None, uid: str, data: dict[str, Any],
           folder_uid: str, writer: Principal | None, message: str = "", restored_from: int = 0,
           api_version: str = "v0alpha1", spec_v2: dict[str, Any] | None = None,
           annotations: dict[str, str] | None = None, labels: dict[str, str] | None = None,
           check_managers: bool = True) -> Dashboard:
    """Store a dashboard write and its history row; returns the stored dashboard.

    ``data`` is the v1 JSON (for a v2 write: its v1 rendering); ``annotations``
    and ``labels`` are the client-set ones (``None`` = the write replaces them
    with none, as legacy saves do: ``saveDashboardViaK8s`` resets both).
    """
    profile = emu.profile
    store = emu.store
    now = now_rfc3339()
    title = str(data.get("title", "")).strip()
    ref = writer.ref if writer else ""
    login = writer.login if writer else "Anonymous"
    new_annotations = {k: v for k, v in (annotations or {}).items() if k not in SERVER_ANNOTATIONS}
    new_labels = dict(labels or {})
    new_annotations.pop(ANNO_FOLDER, None)
    new_annotations.pop(ANNO_MESSAGE, None)

    if existing is None:
        if check_managers and not profile.legacy and profile.apis:
            managers.check_create(new_annotations, profile.manager_kinds)
        target = Dashboard(id=store.next_id("dashboard"), uid=uid, title=title, data={}, folder_uid=folder_uid,
                           version=0, created=now, created_by=login, created_by_ref=ref)
        changed = True
        parent_version = 0
    else:
        target = existing
        parent_version = existing.version
        if profile.generation:
            changed = (folder_uid != existing.folder_uid or api_version[:2] != existing.api_version[:2]
                       or comparable(go_number_normalise(data)) != comparable(existing.data)
                       or (spec_v2 is not None and go_number_normalise(spec_v2) != existing.spec_v2))
        else:
            changed = True
        if changed and check_managers and profile.apis:
            managers.check_update(new_annotations, existing.annotations, profile.manager_kinds)

    old_message = existing.annotations.get(ANNO_MESSAGE, "") if existing else ""
    meta_changed = (existing is None or new_labels != existing.labels
                    or new_annotations != {k: v for k, v in existing.annotations.items() if k != ANNO_MESSAGE})
    if changed:
        target.version = parent_version + 1
        target.title = title
        target.folder_uid = folder_uid
        target.updated = now
        target.updated_ms = now_ms()
        target.updated_by = login
        fresh = existing is None and profile.no_updater_on_create
        target.updated_by_ref = "" if fresh else ref
        stored = copy.deepcopy(data)
        stored.update({"id": target.id, "uid": target.uid, "version": target.version, "title": title})
        target.data = go_number_normalise(stored)
        target.api_version = api_version
        target.spec_v2 = go_number_normalise(copy.deepcopy(spec_v2)) if spec_v2 is not None else None
        target.versions.append(DashboardVersion(
            id=store.next_id("dashboard_version"), dashboard_id=target.id, dashboard_uid=target.uid,
            version=target.version, parent_version=parent_version, restored_from=restored_from, created=now,
            created_by=login, message=message, data=copy.deepcopy(target.data), created_by_ref=ref,
            api_version=api_version, spec_v2=copy.deepcopy(target.spec_v2)))
    if changed or meta_changed or not profile.generation:
        target.annotations = new_annotations
        target.labels = new_labels
        target.resource_version = store.next_rv()
    kept_message = message if changed else old_message
    if kept_message:
        target.annotations[ANNO_MESSAGE] = kept_message
    org.dashboards[target.uid] = target
    return target
