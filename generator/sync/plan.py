"""What a sync would do, per object: create, update, delete, conflict, or nothing.

The decision for an object defined in code and present in Grafana:

1. live == desired → unchanged: first from the stamp alone (`handler.unchanged_by_stamp`:
   the definition hashes to what the sync last wrote and nobody changed it since), else
   from the handler's comparison forms, normalized -- built only when the stamp cannot tell;
2. nobody but the sync changed it since the sync last wrote it (`handler.untouched`:
   the stamp's version or hash, a still-provisioned rule group, a folder last saved by
   the sync identity) → update;
3. otherwise a person (or another tool) changed it → conflict: reported, not written,
   unless `force`, which turns it into an update that backs the live object up first.

A write that would give an object a name Grafana allows once and another object holds
(data sources) is a conflict of its own, a name clash, whatever the above decided; what
needs the object is held back with it (name_clashes.py).

Deletes (only with `prune`) follow the same rule, and only ever touch objects carrying
the sync's managed marker; a folder is deleted only when nothing unmanaged remains in it.
What the same sync moves out of a folder (its definition names another folder) does not
keep the folder: the move is a write, writes run before deletes, and a move that fails
holds the folder's delete back (apply).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diff import DiffEntry, semantic_diff
from ..handlers import HANDLERS
from ..handlers.live import LiveObject, SyncContext, same_json
from ..resource import Resource
from .desired import Desired, Identity
from ..collector import collector_paused
from .state import LiveState

CREATE, UPDATE, DELETE, CONFLICT, UNCHANGED = "create", "update", "delete", "conflict", "unchanged"
SYMBOLS = {CREATE: "+", UPDATE: "~", DELETE: "-", CONFLICT: "!", UNCHANGED: "="}


@dataclass
class Change:
    """One object's planned action. `intent` is what a conflict would have done."""

    action: str
    kind: str
    identity: Identity
    desired: Resource | None = None
    live: LiveObject | None = None
    diff: list[DiffEntry] = field(default_factory=list)
    reason: str = ""
    #: a conflict overridden by --force: back the live object up, then write
    forced: bool = False
    intent: str = ""
    #: (level, wave) for writes; deletes run after all writes, in reverse
    order: tuple[int, int] = (0, 0)
    #: a conflict with a name Grafana allows once (name_clashes.py): no version or --force gets past it
    clash: bool = False
    #: writes that must be applied first: they take away a name this one gives its object
    after: tuple[Identity, ...] = ()

    @property
    def resource(self) -> Resource:
        assert self.desired is not None or self.live is not None
        return self.desired if self.desired is not None else self.live.resource  # type: ignore[union-attr]

    @property
    def uid(self) -> str:
        return self.resource.uid

    @property
    def title(self) -> str:
        return self.resource.title

    @property
    def folder_uid(self) -> str | None:
        return self.resource.folder_uid

    @property
    def writes(self) -> bool:
        return self.action in (CREATE, UPDATE, DELETE)


@dataclass(frozen=True)
class Stray:
    """An object in a managed folder that the sync does not manage (never touched)."""

    kind: str
    uid: str
    title: str
    folder_uid: str | None


@dataclass
class Plan:
    changes: list[Change]
    strays: list[Stray] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {CREATE: 0, UPDATE: 0, DELETE: 0, CONFLICT: 0, UNCHANGED: 0}
        for change in self.changes:
            out[change.action] += 1
        return out

    @property
    def pending(self) -> bool:
        """Changes a sync would make (or refuse to make): what --detailed-exitcode reports."""
        return any(c.action != UNCHANGED for c in self.changes)

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == CONFLICT]


def build_plan(desired: Desired, state: LiveState, ctx: SyncContext, *, prune: bool = False,
               force: bool = False) -> Plan:
    with collector_paused(keep=True):
        desired.make_comparable(ctx)  # done already when it ran while the live state was read
        return _build_plan(desired, state, ctx, prune=prune, force=force)


def _build_plan(desired: Desired, state: LiveState, ctx: SyncContext, *, prune: bool, force: bool) -> Plan:
    changes: list[Change] = []
    for identity, resource in sorted(desired.resources.items(), key=lambda kv: _order_key(kv[1], desired)):
        changes.append(_judge(identity, resource, state.objects.get(identity), desired, ctx, force))
    plan = Plan(changes)
    deletes = _deletes(desired, state, ctx, force, plan) if prune else []
    if prune:
        plan.notes += _unprunable(desired, state, ctx)
    for change in plan.changes:
        if change.forced and change.live is not None and change.live.incompatible:
            plan.notes.append(f"--force: {change.kind} {change.uid!r} was {change.live.incompatible}; it is backed "
                              "up first, and Grafana's v2 layout is replaced by gac's schema-v1 dashboard")
    plan.changes += deletes
    from .name_clashes import hold_name_clashes  # it builds on this module's types
    hold_name_clashes(plan, desired, state)
    plan.strays = _strays(desired, state, {c.identity for c in deletes})
    if not prune:
        leftovers = sorted(i for i in state.refs if i not in desired.resources and state.managed(i))
        if leftovers:
            plan.notes.append(f"{len(leftovers)} managed object(s) in Grafana are no longer defined in code "
                              f"(e.g. {_show(leftovers[0])}); `--prune` deletes them")
    return plan


def _order_key(resource: Resource, desired: Desired) -> tuple[Any, ...]:
    handler = HANDLERS[resource.kind]
    return (handler.level, handler.wave(resource, desired.resources), handler.identity(resource))


def _show(identity: Identity) -> str:
    return f"{identity[0]} {'/'.join(identity[1:])}"


def _judge(identity: Identity, resource: Resource, live: LiveObject | None, desired: Desired, ctx: SyncContext,
           force: bool) -> Change:
    handler = HANDLERS[resource.kind]
    order = (handler.level, handler.wave(resource, desired.resources))
    if live is None:
        return Change(CREATE, resource.kind, identity, resource, None, order=order)
    if live.incompatible:
        return _incompatible(identity, resource, live, order, force)
    if handler.unchanged_by_stamp(resource, live, ctx, desired.hashes.get(identity)):  # no comparison forms built: see the handler
        return Change(UNCHANGED, resource.kind, identity, resource, live, order=order)
    resource = desired.for_comparing(identity)
    before, after = handler.compare_forms(resource, live, ctx)
    if same_json(before, after):
        takeover = handler.takeover(live, ctx) if force else None
        if takeover is not None:  # equal, but gac's marks are missing: --force writes them
            return Change(UPDATE, resource.kind, identity, resource, live, order=order, reason=takeover,
                          forced=True, intent=UPDATE)
        return Change(UNCHANGED, resource.kind, identity, resource, live, order=order)
    diff = semantic_diff(handler, before, after)
    if live.read_only:
        return Change(CONFLICT, resource.kind, identity, resource, live, diff, order=order, intent=UPDATE,
                      reason=f"{live.read_only}: change it where it is provisioned (Grafana refuses API writes "
                             "to it, or its provisioning undoes them)")
    if handler.untouched(live, ctx):
        return Change(UPDATE, resource.kind, identity, resource, live, diff, order=order)
    adoption = handler.adoption(before, after, live)
    if adoption is not None:
        return Change(UPDATE, resource.kind, identity, resource, live, diff, order=order, reason=adoption)
    reason = _conflict_reason(handler, live)
    if force:
        return Change(UPDATE, resource.kind, identity, resource, live, diff, reason=reason, forced=True,
                      order=order, intent=UPDATE)
    return Change(CONFLICT, resource.kind, identity, resource, live, diff, reason=reason, order=order, intent=UPDATE)


def _incompatible(identity: Identity, resource: Resource, live: LiveObject, order: tuple[int, int],
                  force: bool) -> Change:
    """Held by Grafana in a form gac does not write (a schema-v2 dashboard): never compared;
    a conflict, or with --force a backed-up overwrite whose reason warns what is replaced."""
    reason = str(live.incompatible)
    if force:
        return Change(UPDATE, resource.kind, identity, resource, live, reason=reason, forced=True, order=order,
                      intent=UPDATE)
    return Change(CONFLICT, resource.kind, identity, resource, live, reason=reason, order=order, intent=UPDATE)


def _conflict_reason(handler: Any, live: LiveObject) -> str:
    who = handler.describe_live(live)
    if live.incompatible:
        text = live.incompatible
    elif live.unknown_owner:
        text = f"differs from its definition, and {live.unknown_owner}"
    elif live.stamp is None and not live.managed:
        text = "exists in Grafana but was not written by gac"
    else:
        text = "changed in Grafana since the last sync"
    return f"{text} ({who})" if who else text


def _deletes(desired: Desired, state: LiveState, ctx: SyncContext, force: bool, plan: Plan) -> list[Change]:
    """Managed objects no longer defined; folders last and deepest first, so that a folder
    is judged after everything that would be deleted from it."""
    candidates = [live for identity, live in state.objects.items() if identity not in desired.resources and live.managed]
    candidates.sort(key=lambda l: (l.resource.kind == "folder", -_depth(l.resource.uid, state)
                                   if l.resource.kind == "folder" else 0, HANDLERS[l.resource.kind].identity(l.resource)))
    deleting = {HANDLERS[l.resource.kind].identity(l.resource) for l in candidates}
    # objects the writes move out of their folder (a dashboard or subfolder whose definition
    # names another one): writes run before deletes, so by then they are out of it
    leaving = {c.identity for c in plan.changes if moves_out(c)}
    out: list[Change] = []
    for live in candidates:
        handler = HANDLERS[live.resource.kind]
        identity = handler.identity(live.resource)
        # reverse of the write order, waves too: a contact point goes after the policies naming it
        order = (-handler.level, -handler.wave(live.resource, desired.resources))
        if live.resource.kind == "folder":
            kept = [i for i, ref in state.refs.items()
                    if ref.folder_uid == live.resource.uid and i not in deleting and i not in leaving]
            if kept:
                plan.notes.append(f"folder {live.resource.uid!r} is no longer defined but is kept: it still holds "
                                  f"{', '.join(_show(i) for i in sorted(kept)[:3])}"
                                  + (" …" if len(kept) > 3 else ""))
                deleting.discard(identity)
                continue
            order = (-handler.level, -_depth(live.resource.uid, state))
        if live.read_only:
            plan.notes.append(f"{_show(identity)} is no longer defined but is {live.read_only}; not deleted")
            deleting.discard(identity)
            continue
        if handler.untouched(live, ctx):
            out.append(Change(DELETE, live.resource.kind, identity, None, live, order=order))
        elif force:
            out.append(Change(DELETE, live.resource.kind, identity, None, live, reason=_conflict_reason(handler, live),
                              forced=True, order=order, intent=DELETE))
        else:
            deleting.discard(identity)
            out.append(Change(CONFLICT, live.resource.kind, identity, None, live, order=order, intent=DELETE,
                              reason=_conflict_reason(handler, live) + "; it is no longer defined in code"))
    return sorted(out, key=lambda c: (c.order, c.identity))


def moves_out(change: Change) -> bool:
    """An update that takes the object out of the folder it is in now."""
    return (change.action == UPDATE and change.live is not None and change.desired is not None
            and change.live.resource.folder_uid != change.desired.folder_uid)


def _unprunable(desired: Desired, state: LiveState, ctx: SyncContext) -> list[str]:
    """Kinds whose ownership this Grafana cannot tell: nothing of them is deleted, and the plan says so."""
    notes = []
    for kind, handler in sorted(HANDLERS.items()):
        why = handler.ownership_note(ctx, state.objects.values())
        left = sorted(i for i, ref in state.refs.items() if ref.kind == kind and i not in desired.resources)
        if why and left:
            shown = ", ".join(_show(i) for i in left[:3]) + (" …" if len(left) > 3 else "")
            notes.append(f"--prune deletes no {kind} here: {why}, so gac cannot tell which it created. "
                         f"{len(left)} {kind}(s) not defined in code were left alone ({shown}); delete those gac "
                         "created by hand")
    return notes


def required_actions(plan: Plan) -> list[tuple[str, str, tuple[str, ...]]]:
    """(kind, action, any-of RBAC actions) each write of the plan needs, per the handlers."""
    out = set()
    for change in plan.changes:
        if change.writes:
            needed = HANDLERS[change.kind].write_actions.get(change.action, ())
            if needed:
                out.add((change.kind, change.action, needed))
    return sorted(out)


def read_actions() -> list[tuple[str, str, tuple[str, ...]]]:
    """(kind, "read", any-of RBAC actions) reading the live state needs, per the handlers."""
    return [(kind, "read", h.read_actions) for kind, h in sorted(HANDLERS.items()) if h.read_actions]


def _depth(folder_uid: str, state: LiveState) -> int:
    depth, seen = 0, set()
    ref = state.refs.get(("folder", folder_uid))
    while ref is not None and ref.folder_uid and ref.folder_uid not in seen:
        seen.add(ref.folder_uid)
        depth += 1
        ref = state.refs.get(("folder", ref.folder_uid))
    return depth


def _strays(desired: Desired, state: LiveState, deleting: set[Identity]) -> list[Stray]:
    managed_folders = {r.uid for r in desired.resources.values() if r.kind == "folder"}
    out = []
    for identity, ref in sorted(state.refs.items()):
        if identity in desired.resources or identity in deleting or ref.folder_uid not in managed_folders:
            continue
        if state.managed(identity):
            continue
        out.append(Stray(ref.kind, ref.uid, ref.title, ref.folder_uid))
    return out
