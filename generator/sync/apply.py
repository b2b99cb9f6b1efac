"""Apply a plan: level by level, in parallel within a level, stopping only what depends on a failure.

Order: folders (parents before children), data sources, dashboards, rule groups; then
deletes in reverse (rule groups, dashboards, data sources, folders deepest first). Each
(level, wave) runs in a small thread pool; a wave starts when the previous one is done,
so every dependency has been written (or has failed) before its dependents are tried.

A write that fails marks its dependents "not attempted" (a failed folder → its
dashboards and rule groups are not sent; a failed contact point or mute timing → the
policy tree naming it, which would otherwise route to a missing or stale receiver;
a failed write of a rule group that rules move into → the delete of the group they
leave, which would delete them; a failed rewrite of an object that still names another
→ that other's delete, e.g. of a contact point the live tree routes to). A create that ends
in a conflict (a name clash, found by the plan or answered by Grafana) is a failure to its
dependents too: the object is not there. Everything else
proceeds, and the result says exactly what was applied and what was not. A re-run
converges: applied objects are unchanged then, and the rest is planned again.

Writes carry the live concurrency token; a 409/412 is a conflict (someone saved while we
ran), never retried with `overwrite`. When an earlier attempt of the same write may have
been applied (timeout, dropped connection), the object is read back: if it now holds what
we meant to write, the write counts as applied.

A stop request (Ctrl-C: `stop` is set) starts nothing new: requests already in flight
finish, every change not yet started is "not attempted", and the result says it was
interrupted. Because each write is whole and stamped, a re-run converges from there.

A conflict is also read back: when another run of gac (two CI jobs at once) wrote exactly
what this run wanted -- the create found the object already there, the update found its
token stale -- the live object equals the desired one and carries gac's marker and stamp.
Nothing of anyone's was lost, so it is convergence ("converged"), not a conflict, and
needs no `--force`.

A write Grafana refuses because another object holds its name (data sources: one per name in
an organisation) is a name clash, not a change made in Grafana: the report names the holder
where a listing shows it, and says that `--force` cannot help (name_clashes.py).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import groupby
from typing import Callable

from ..errors import GacError
from ..handlers import HANDLERS
from ..handlers.live import ApiError, Calls, LiveRef, SyncContext, WriteConflict, same_json
from ..resource import Resource
from .backup import Backups
from .name_clashes import holder_names, refused_reason
from .desired import Identity
from .plan import CONFLICT, CREATE, DELETE, UNCHANGED, UPDATE, Change, Plan, moves_out

APPLIED, UNCHANGED_STATUS, CONFLICTED, FAILED, SKIPPED = "applied", "unchanged", "conflict", "failed", "not attempted"
#: another run of gac wrote exactly what this one wanted, in the meantime
CONVERGED = "converged"


@dataclass
class Outcome:
    change: Change
    status: str
    message: str = ""
    version: int | None = None
    backup: str | None = None
    #: the failure ends the run (credentials refused mid-run): nothing further is sent
    fatal: bool = False
    #: a conflict over a name Grafana allows once (name_clashes.py): --force does not help
    clash: bool = False

    @property
    def ok(self) -> bool:
        return self.status in (APPLIED, UNCHANGED_STATUS, CONVERGED)


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    #: set when the run stopped early (credentials refused, a Retry-After past the cap, an answer
    #: that cannot be read): the message; exit 2, or 1 when something was written (`stopped_part_way`)
    fatal: str | None = None
    #: a stop was requested (Ctrl-C): changes not started by then were not attempted
    interrupted: bool = False

    def counts(self) -> dict[str, int]:
        out = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0, CONVERGED: 0, CONFLICTED: 0, FAILED: 0,
               SKIPPED: 0}
        for o in self.outcomes:
            if o.status == APPLIED:
                out[{CREATE: "created", UPDATE: "updated", DELETE: "deleted"}[o.change.action]] += 1
            elif o.status == UNCHANGED_STATUS:
                out["unchanged"] += 1
            else:
                out[o.status] += 1
        return out

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.interrupted and all(o.ok for o in self.outcomes)

    @property
    def written(self) -> int:
        """Creates, updates and deletes this run applied."""
        c = self.counts()
        return c["created"] + c["updated"] + c["deleted"]

    @property
    def stopped_part_way(self) -> bool:
        """Stopped (a Retry-After past the cap, credentials refused, an answer that cannot be read)
        after writing something: a partial application (exit 1) that a re-run continues, not a
        connection error (exit 2, as when nothing was written)."""
        return self.fatal is not None and self.written > 0


OutcomeFn = Callable[[Outcome], None]


INTERRUPTED = "interrupted (Ctrl-C) before it was sent"


def apply_plan(plan: Plan, calls: Calls, ctx: SyncContext, backups: Backups, *, workers: int = 8,
               on_outcome: OutcomeFn | None = None, stop: threading.Event | None = None) -> ApplyResult:
    """Write the plan; `stop`, once set, lets in-flight requests finish and starts no new one."""
    result = ApplyResult()
    status: dict[Identity, str] = {}
    stop = stop or threading.Event()

    def run(change: Change) -> Outcome:
        if stop.is_set():  # queued in the pool when the stop came: never sent
            return Outcome(change, SKIPPED, INTERRUPTED)
        return _run(change, calls, ctx, backups)

    def record(outcome: Outcome) -> None:
        status[outcome.change.identity] = outcome.status
        result.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    for change in plan.changes:
        if change.action == UNCHANGED:
            record(Outcome(change, UNCHANGED_STATUS))
        elif change.action == CONFLICT:
            record(Outcome(change, CONFLICTED, change.reason, clash=change.clash))

    writes = [c for c in plan.changes if c.action in (CREATE, UPDATE)]
    deletes = [c for c in plan.changes if c.action == DELETE]
    desired = {c.identity: c.desired for c in plan.changes if c.desired is not None}
    changes = {c.identity: c for c in plan.changes}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="gac-write") as pool:
        for batch in _waves(writes) + _waves(deletes):
            runnable = []
            for change in batch:
                if result.fatal is not None:
                    record(Outcome(change, SKIPPED, "the run stopped: " + result.fatal))
                    continue
                if stop.is_set():
                    record(Outcome(change, SKIPPED, INTERRUPTED))
                    continue
                blocker = _blocked_by(change, status, plan, desired, changes)
                if blocker:
                    record(Outcome(change, SKIPPED, blocker))
                else:
                    runnable.append(change)
            for outcome in pool.map(run, runnable):
                if outcome.fatal and result.fatal is None:
                    result.fatal = outcome.message
                record(outcome)
    result.interrupted = stop.is_set()
    order = {id(c): i for i, c in enumerate(plan.changes)}
    result.outcomes.sort(key=lambda o: order[id(o.change)])
    return result


def _waves(changes: list[Change]) -> list[list[Change]]:
    ordered = sorted(changes, key=lambda c: (c.order, c.identity))
    return [list(group) for _key, group in groupby(ordered, key=lambda c: c.order)]


#: statuses of a change that did not leave Grafana as planned
_NOT_DONE = (FAILED, SKIPPED, CONFLICTED)


def _blocked_by(change: Change, status: dict[Identity, str], plan: Plan, desired: dict[Identity, Resource],
                changes: dict[Identity, Change]) -> str:
    """Why a change must not be attempted: a dependency (or, for a delete, content) that failed,
    a create that ended in a conflict (a name clash: the object is not in Grafana), or a rename
    that was to free the name this change takes."""
    if change.action == DELETE:
        return _delete_blocked_by(change, status, plan)
    assert change.desired is not None
    for dep in HANDLERS[change.kind].dependencies(change.desired, desired):
        if status.get(dep) in (FAILED, SKIPPED) or (status.get(dep) == CONFLICTED and _absent(changes.get(dep))):
            return f"it needs {dep[0]} {'/'.join(dep[1:])!r}, which was not written"
    for giver in change.after:
        if status.get(giver) not in (APPLIED, CONVERGED):
            return f"it takes the name {giver[0]} {'/'.join(giver[1:])!r} holds, which was not renamed"
    return ""


def _absent(change: Change | None) -> bool:
    """A create that was not applied: the object is not in Grafana for what refers to it."""
    return change is not None and change.live is None and change.desired is not None


def _delete_blocked_by(change: Change, status: dict[Identity, str], plan: Plan) -> str:
    """A delete waits for every change that was to take something out of the object's way:
    content leaving a folder, rules moving to another group, a reference being rewritten."""
    assert change.live is not None
    handler = HANDLERS[change.kind]
    gone = {change.identity: change.live.resource}
    for other in plan.changes:
        if other is change or status.get(other.identity) not in _NOT_DONE:
            continue
        if change.kind == "folder":
            # Grafana 12+ (/apis) refuses to delete a folder that is not empty, and the legacy
            # folder delete (11.x) would take the contents with it
            if other.action in (DELETE, CONFLICT) and other.folder_uid == change.uid:
                return f"{other.kind} {other.uid!r} in it was not deleted"
            if moves_out(other) and other.live is not None and other.live.resource.folder_uid == change.uid:
                return f"{other.kind} {other.uid!r} in it was not moved out of it"
        if other.kind == change.kind and other.desired is not None and other.action in (CREATE, UPDATE, CONFLICT) \
                and handler.takes_over(other.desired, change.live):
            return f"what it holds moves to {_show(other)}, which was not written"
        # its live form still names this object (the policy tree a contact point): Grafana refuses
        # the delete, or would leave the other referring to nothing
        if other.action in (UPDATE, CONFLICT) and other.live is not None \
                and change.identity in HANDLERS[other.kind].dependencies(other.live.resource, gone):
            return f"{_show(other)} still refers to it and was not rewritten"
    return ""


def _show(change: Change) -> str:
    return f"{change.kind} {'/'.join(change.identity[1:])!r}"


def _run(change: Change, calls: Calls, ctx: SyncContext, backups: Backups) -> Outcome:
    handler = HANDLERS[change.kind]
    backup = None
    try:
        if change.live is not None and (change.forced or change.action == DELETE):
            backup = str(backups.save(change.live))
        if change.action == CREATE:
            assert change.desired is not None
            written = handler.create(calls, change.desired, ctx)
        elif change.action == UPDATE:
            assert change.desired is not None and change.live is not None
            written = handler.update(calls, change.desired, change.live, ctx)
        else:
            assert change.live is not None
            written = handler.delete(calls, change.live, ctx)
        return Outcome(change, APPLIED, version=written.version, backup=backup)
    except OSError as exc:
        return Outcome(change, FAILED, f"could not back up the live object ({exc}); not written", backup=backup)
    except ApiError as exc:
        try:
            return _refused(change, exc, calls, ctx, backup)
        except GacError as fatal:  # the read-back: as below
            return _fatal(change, fatal, backup)
    except GacError as exc:
        return _fatal(change, exc, backup)


def _fatal(change: Change, exc: GacError, backup: str | None) -> Outcome:
    """A failure that ends the run (credentials refused mid-run, a Retry-After longer than allowed):
    the change failed, the rest is not attempted, and the report says what was written."""
    return Outcome(change, FAILED, str(exc), backup=backup, fatal=True)


def _refused(change: Change, exc: ApiError, calls: Calls, ctx: SyncContext, backup: str | None) -> Outcome:
    """What a write Grafana refused, or whose answer was lost, comes to: reading the object back
    tells a write that landed, or one another run of gac made, from a failure or a conflict."""
    if (exc.ambiguous or (change.action == DELETE and exc.not_found)) and _landed(change, calls, ctx):
        how = ("already gone (an earlier attempt, or a write that moved its content, removed it)"
               if exc.not_found else "confirmed by reading it back after an interrupted request")
        return Outcome(change, APPLIED, how, backup=backup)
    # a create refused because the object now exists: Grafana says 409 for some kinds and
    # 400 ("already exists") for others (contact points, mute timings); the read-back decides
    conflict = exc.conflict or isinstance(exc, WriteConflict)
    if (conflict or (change.action == CREATE and exc.status == 400)) and change.action != DELETE \
            and _landed(change, calls, ctx, by_gac=True):
        return Outcome(change, CONVERGED, "another run of gac wrote the same content meanwhile", backup=backup)
    if change.action != DELETE and HANDLERS[change.kind].name_refused(exc):
        return Outcome(change, CONFLICTED, _name_refused(change, calls, ctx), backup=backup, clash=True)
    if conflict:
        return Outcome(change, CONFLICTED, f"changed in Grafana while syncing ({exc}); not overwritten",
                       backup=backup)
    return Outcome(change, FAILED, str(exc), backup=backup)


def _name_refused(change: Change, calls: Calls, ctx: SyncContext) -> str:
    """A write refused for its name (a race, or a holder the token cannot list): who holds it now,
    when a listing tells, and what to do -- never "changed in Grafana", which --force cannot settle."""
    assert change.desired is not None
    handler = HANDLERS[change.kind]
    name = handler.unique_name(change.desired.body) or change.title
    try:
        refs = handler.list_live(calls, ctx)
    except ApiError:
        refs = []
    return refused_reason(change.kind, name, holder_names(refs, change.kind, name, change.uid),
                          creates=change.action == CREATE)


def _landed(change: Change, calls: Calls, ctx: SyncContext, *, by_gac: bool = False) -> bool:
    """Does Grafana now hold what this change meant to leave there?

    `by_gac`: also require gac's marker, and its stamp where the kind keeps one, to be that
    of this very content -- the object was written by a run of gac, not merely made equal.
    Where Grafana keeps no marker at all (`unknown_owner`: a folder on Grafana 11's legacy
    API), or gac writes it in a second request (`marker_follows_object`: the other run may not
    have written it yet), who wrote it cannot be told now; an object equal to the definition
    is then taken as converged, since accepting it loses nothing anyone wrote (and a later
    sync adopts an unmarked one).
    """
    handler = HANDLERS[change.kind]
    resource = change.resource
    ref = LiveRef(change.kind, change.identity, resource.uid, resource.title, resource.folder_uid, None)
    try:
        live = handler.read_live(calls, ref, ctx)
    except ApiError:
        return False
    if change.action == DELETE:
        return live is None
    if live is None or change.desired is None:
        return False
    owner_unknowable = live.unknown_owner is not None or handler.marker_follows_object
    if by_gac and not owner_unknowable and not (live.managed and (live.stamp is None
                                         or live.stamp.hash == handler.stamp_hash(change.desired, ctx))):
        return False
    before, after = handler.compare_forms(change.desired, live, ctx)
    return same_json(before, after)
