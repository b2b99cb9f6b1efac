"""Live Grafana vs generated/: read everything once, then judge each object.

Reuses the sync's machinery end to end -- the session (config, connection, identity),
`read_state` (listings plus full reads of defined and managed objects), each handler's
comparison form and concurrency stamp, the plan's stray detection and the semantic diff --
and adds only what is drift-specific: the direction (generated/ → Grafana, "what changed
there"), and telling an adopted-but-never-synced object (differs only by gac's marker) from a change.
"""

from __future__ import annotations

from ..diff import semantic_diff
from ..handlers import HANDLERS
from ..handlers.live import ApiError, LiveObject, SyncContext, same_json
from ..resource import Resource
from ..sync.desired import Desired
from ..sync.errors import ConnectionFailed
from ..sync.plan import build_plan
from ..remote.session import Session
from ..sync.state import LiveState, ProgressFn, read_state
from .model import CHANGED, CODE, GRAFANA, MISSING, NOT_DEFINED, UNADOPTED, UNMANAGED, DriftItem, DriftReport

_STATUS_ORDER = {CHANGED: 0, MISSING: 1, NOT_DEFINED: 2, UNMANAGED: 3}


def detect_drift(session: Session, *, progress: ProgressFn | None = None) -> DriftReport:
    """Read the live state through `session` and compare it with the desired state."""
    try:
        state = read_state(session.conn, session.ctx, set(session.desired.resources), prune=True,
                           workers=session.options.workers, progress=progress,
                           meanwhile=lambda: session.desired.make_comparable(session.ctx))
    except ApiError as exc:
        raise ConnectionFailed(f"could not read the live state from {session.target.url}: {exc}") from None
    items, unadopted = judge(session.desired, state, session.ctx)
    notes = list(session.notes)  # what the run was told first (generated/ unchecked, another Grafana's URL)
    if unadopted:
        names = ", ".join(f"{i.kind} {i.uid}" for i in unadopted[:5]) + (" …" if len(unadopted) > 5 else "")
        notes.append(f"{len(unadopted)} object(s) match their definition but were never written by gac ({names}): "
                     "`gac sync --force` adopts them (it backs each one up first)")
    for kind, handler in sorted(HANDLERS.items()):
        why = handler.ownership_note(session.ctx, state.objects.values())
        if why and any(i[0] == kind and i not in session.desired.resources for i in state.refs):
            notes.append(f"{kind}s not defined in code are not reported as no longer defined: {why}")
    return DriftReport(session.target, session.env_name, items, len(session.desired), notes, unadopted)


def judge(desired: Desired, state: LiveState, ctx: SyncContext) -> tuple[list[DriftItem], list[DriftItem]]:
    """(drift items, adopted-but-never-synced items), in a stable order."""
    desired.make_comparable(ctx)  # done already when it ran while the live state was read
    items: list[DriftItem] = []
    unadopted: list[DriftItem] = []
    for identity, resource in desired.resources.items():
        live = state.objects.get(identity)
        if live is None:
            items.append(_item(MISSING, resource))
            continue
        item = _compare(desired, identity, live, ctx)
        if item is None:
            continue
        (unadopted if item.status == UNADOPTED else items).append(item)
    for identity, live in state.objects.items():
        if identity not in desired.resources and live.managed:
            items.append(_item(NOT_DEFINED, live.resource, HANDLERS[live.resource.kind].describe_live(live)))
    for stray in build_plan(desired, state, ctx).strays:
        items.append(DriftItem(UNMANAGED, stray.kind, stray.uid, stray.title, stray.folder_uid))
    return sorted(items, key=_order), sorted(unadopted, key=_order)


def _compare(desired: Desired, identity: tuple[str, ...], live: LiveObject, ctx: SyncContext) -> DriftItem | None:
    resource = desired.resources[identity]
    if live.incompatible:  # a schema-v2 dashboard: not comparable with gac's v1, and changed in Grafana
        item = _item(CHANGED, resource, live.incompatible)
        item.origin = GRAFANA
        return item
    handler = HANDLERS[resource.kind]
    if handler.unchanged_by_stamp(resource, live, ctx, desired.hashes.get(identity)):  # Grafana holds what gac wrote for this definition
        return None
    resource = desired.for_comparing(identity)  # canonical numbers, only where forms are compared
    live_form, code_form = handler.compare_forms(resource, live, ctx)
    if same_json(code_form, live_form):
        return None
    item = _item(CHANGED, resource, handler.describe_live(live))
    item.code_form, item.live_form = code_form, live_form
    item.changes = semantic_diff(handler, code_form, live_form)
    if handler.adoption(live_form, code_form, live) is not None:
        item.status = UNADOPTED
        return item
    if live.read_only:
        item.origin, item.detail = GRAFANA, f"{live.read_only}; {item.detail}"
    elif handler.untouched(live, ctx):
        item.origin, item.detail = CODE, "generated/ changed; Grafana still holds what gac last wrote"
    else:
        item.origin = GRAFANA
    return item


def _item(status: str, resource: Resource, detail: str = "") -> DriftItem:
    return DriftItem(status, resource.kind, resource.uid, resource.title, resource.folder_uid or None, detail=detail)


def _order(item: DriftItem) -> tuple:
    return (_STATUS_ORDER.get(item.status, 9), item.origin != GRAFANA, HANDLERS[item.kind].level, item.key)
