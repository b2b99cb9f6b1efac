"""Names Grafana allows once per organisation (data sources), checked before the first write.

Grafana keeps one data source per name in an organisation: the unique index on
(org_id, name) of `data_source` (pkg/services/sqlstore/migrations/datasource_mig.go), the SQL
store's AddDataSource, which looks the name up first, and the service's UpdateDataSource, which
does the same for a rename (pkg/services/datasources/service/store.go, datasource.go). Both
answer 409 "data source with the same name already exists" (ErrDataSourceNameExists,
pkg/api/datasources.go). The uid and the version play no part, so neither `--force` nor a
re-run gets such a write through. A team that clicked a "Prometheus" data source together in
Grafana's UI before adopting gac meets it at its first sync, and nothing but the name tells it
from a UI edit of gac's own data source.

So the plan looks, for every write that gives an object such a name (a create, or an update
that renames it), at which live object holds the name now:

* one the sync leaves holding it -- not defined in code (made in the UI, another tool's, one of
  gac's no longer defined), provisioned from a file, or defined under another name but not
  written this time: a name clash. The write becomes a conflict marked `clash` that `--force`
  does not override (gac never overwrites or deletes an object it does not manage to free a
  name); the plan says what to do instead: rename the definition, rename or delete the holder
  in Grafana, or give the definition the holder's uid, which makes it a takeover that the
  usual conflict rules (and `--force`, with its backup) decide;
* one the sync deletes (`--prune`): deletes run after every write, so the write would be
  refused: a clash too, naming the order;
* one the sync renames away: no clash, but data sources are written in parallel and Grafana
  checks each write alone, so the taker waits -- it goes in a later wave (`Change.order`) and is
  not attempted unless the rename was applied (`Change.after`, apply.py). Two that swap names
  would wait for each other: both are clashes (a third name in between, over two syncs).

What needs an object whose create clashes (an alert rule group querying the data source) is
held back with it, as after any write that failed: the plan says so, apply does not attempt it.

Names are compared without case, as alert rule titles are (rule_titles.py): Grafana on MySQL
compares them so (its case-insensitive collation), on SQLite and PostgreSQL it does not, and
gac cannot tell which database is behind the API.
"""

from __future__ import annotations

from typing import Iterable

from ..handlers import HANDLERS
from ..handlers.live import LiveRef
from .desired import Desired, Identity
from .plan import CONFLICT, CREATE, DELETE, UPDATE, Change, Plan
from .state import LiveState

#: how every clash's reason begins (the report shows it in place of the word "conflict")
CLASH = "name clash"
#: what every clash ends with when nothing gac could be told to do gets past it
NO_FORCE = "--force does not apply"


def hold_name_clashes(plan: Plan, desired: Desired, state: LiveState) -> None:
    """Turn each write of `plan` that Grafana would refuse for a name into a clash; order a write
    after the renames that free its name; hold back what needs an object whose create clashes."""
    holders = _holders(state.refs.values())
    changes = {c.identity: c for c in plan.changes}
    names = {c.identity: name for c in plan.changes if (name := given_name(c)) is not None}
    waits: dict[Identity, list[LiveRef]] = {}
    for identity, name in sorted(names.items()):
        change = changes[identity]
        for ref in holders.get((change.kind, name_key(name)), []):
            other = changes.get(ref.identity)
            if ref.identity == identity or (other is not None and other.action == CREATE):
                continue  # itself; or listed but gone by its read (the plan creates it again)
            if other is not None and _renamed_away(other, name):
                waits.setdefault(identity, []).append(ref)
                continue
            _mark(change, _staying_reason(change.kind, name, ref, other, creates=change.live is None))
            break
    _settle(waits, changes, names)
    _hold_dependents(plan, desired)


def given_name(change: Change) -> str | None:
    """The unique name this write gives its object, when it gives one it does not hold yet."""
    if change.desired is None or change.action not in (CREATE, UPDATE):
        return None
    handler = HANDLERS[change.kind]
    name = handler.unique_name(change.desired.body)
    if name is None:
        return None
    held = handler.unique_name(change.live.resource.body) if change.live is not None else None
    return None if held is not None and name_key(held) == name_key(name) else name


def name_key(name: str) -> str:
    """One name for Grafana on MySQL: compared without case."""
    return name.casefold()


def holder_names(refs: Iterable[LiveRef], kind: str, name: str, own_uid: str) -> list[LiveRef]:
    """The live objects of `kind` other than `own_uid` that hold `name`."""
    return [ref for ref in _holders(refs).get((kind, name_key(name)), []) if ref.uid != own_uid]


def refused_reason(kind: str, name: str, holders: list[LiveRef], *, creates: bool) -> str:
    """What a write Grafana refused for its name (a race, or a holder the plan could not see) says."""
    if holders:
        return _staying_reason(kind, name, holders[0], None, creates=creates,
                               lead=f"{CLASH} (Grafana refused the write)")
    return (f"{CLASH}: Grafana refused the write because another {kind} holds the name {name!r} (one this token "
            f"cannot list, or one made meanwhile); give this one another name (`name=` in its definition), or rename "
            f"or delete that one in Grafana; {NO_FORCE}")


def _holders(refs: Iterable[LiveRef]) -> dict[tuple[str, str], list[LiveRef]]:
    out: dict[tuple[str, str], list[LiveRef]] = {}
    for ref in sorted(refs, key=lambda r: r.identity):
        name = HANDLERS[ref.kind].unique_name(ref.row)
        if name is not None:
            out.setdefault((ref.kind, name_key(name)), []).append(ref)
    return out


def _renamed_away(other: Change, name: str) -> bool:
    """Does this sync write `other` (which holds `name` now) under another name?"""
    if other.action != UPDATE or other.desired is None:
        return False
    new = HANDLERS[other.kind].unique_name(other.desired.body)
    return new is not None and name_key(new) != name_key(name)


def _mark(change: Change, reason: str) -> None:
    """A clash: not written, and `--force` (which turned a conflict into an update) is undone."""
    change.intent = change.intent or change.action
    change.action, change.clash, change.forced, change.reason = CONFLICT, True, False, reason


def _holder_state(ref: LiveRef, other: Change | None) -> str:
    if ref.row.get("readOnly"):
        return "provisioned from a file"
    if other is not None and other.desired is not None:
        return f"defined in {other.desired.source}" if other.desired.source else "defined in code"
    if ref.managed:
        return "gac's, no longer defined in code"
    return "not managed by gac"


def _staying_reason(kind: str, name: str, ref: LiveRef, other: Change | None, *, creates: bool,
                    lead: str = "") -> str:
    """A clash with a holder that keeps the name while this sync writes; `lead`: how it begins;
    `creates`: the write is a create, which the holder's uid would turn into a takeover."""
    held = HANDLERS[ref.kind].unique_name(ref.row) or name
    case = "" if held == name else f" (as {name!r} is for Grafana on MySQL, which compares names without case)"
    head = (f"{lead or CLASH}: {kind} {ref.uid!r} in Grafana ({_holder_state(ref, other)}) is already named "
            f"{held!r}{case}, and Grafana allows one {kind} per name in an organisation")
    rename = "give this one another name (`name=` in its definition)"
    if other is not None and other.action == DELETE:
        keep = f", or give this definition its uid {ref.uid!r} to keep it" if creates else ""
        return (f"{head}; this sync deletes it (--prune), but only after its writes: delete it in Grafana first (or "
                f"sync again once it is gone){keep}; {NO_FORCE}")
    if other is not None and other.desired is not None:
        new = HANDLERS[other.kind].unique_name(other.desired.body)
        if new is not None and name_key(new) == name_key(name):
            return f"{head}; its definition gives it this name too: two definitions of one name (`gac build` refuses)"
        why = "its own new name clashes" if other.clash else other.reason or f"it is {other.action}"
        return (f"{head}; its definition renames it to {new!r}, but this sync does not write it ({why}): "
                "once it is renamed, this one follows")
    if ref.row.get("readOnly"):
        return f"{head}; {rename}, or rename that one where it is provisioned; {NO_FORCE}"
    if not creates:
        return f"{head}; {rename}, or rename or delete that one in Grafana; {NO_FORCE}"
    return (f"{head}; {rename}, rename or delete that one in Grafana, or give this definition its uid "
            f"{ref.uid!r} to take it over; {NO_FORCE}")


def _settle(waits: dict[Identity, list[LiveRef]], changes: dict[Identity, Change], names: dict[Identity, str]) -> None:
    """A write waiting for renames: a clash when one of them will not happen (it clashes itself)
    or when the renames wait on each other (a swap); otherwise a wave after all of them."""
    while True:
        stuck = next(((taker, ref) for taker, refs in sorted(waits.items()) for ref in refs
                      if not changes[taker].clash and changes[ref.identity].clash), None)
        if stuck is not None:
            taker, ref = stuck
            _mark(changes[taker], _staying_reason(taker[0], names[taker], ref, changes[ref.identity],
                                                  creates=changes[taker].live is None))
            continue
        cycle = _cycle(waits, changes)
        if not cycle:
            break
        for taker in cycle:
            ref = next(r for r in waits[taker] if r.identity in cycle)
            _mark(changes[taker], _swap_reason(taker[0], names[taker], ref))
    waves: dict[Identity, int] = {}

    def wave(identity: Identity) -> int:
        if identity not in waves:
            givers = [wave(r.identity) + 1 for r in waits.get(identity, [])]
            waves[identity] = max([changes[identity].order[1], *givers])
        return waves[identity]

    for taker, refs in sorted(waits.items()):
        change = changes[taker]
        if not change.clash:
            change.order = (change.order[0], wave(taker))
            change.after = tuple(sorted(r.identity for r in refs))


def _cycle(waits: dict[Identity, list[LiveRef]], changes: dict[Identity, Change]) -> list[Identity]:
    """Writes (not clashes yet) that wait on each other for names, in a loop; [] when none do."""
    done: set[Identity] = set()

    def visit(identity: Identity, path: list[Identity]) -> list[Identity]:
        if identity in path:
            return path[path.index(identity):]
        if identity in done or changes[identity].clash:
            return []
        for ref in waits.get(identity, []):
            found = visit(ref.identity, path + [identity])
            if found:
                return found
        done.add(identity)
        return []

    for taker in sorted(waits):
        found = visit(taker, [])
        if found:
            return found
    return []


def _swap_reason(kind: str, name: str, ref: LiveRef) -> str:
    held = HANDLERS[ref.kind].unique_name(ref.row) or name
    return (f"{CLASH}: {kind} {ref.uid!r} in Grafana is named {held!r} and, in this same sync, takes this one's "
            "name (or one that waits on it): Grafana checks each rename alone, so names cannot be swapped in one "
            f"sync; rename one of them to a third name first, sync, then finish the swap; {NO_FORCE}")


def _hold_dependents(plan: Plan, desired: Desired) -> None:
    """What needs an object this sync cannot create, said in the plan (apply does not attempt it)."""
    missing = {c.identity for c in plan.changes if c.clash and c.live is None}
    if not missing:
        return
    for change in sorted(plan.changes, key=lambda c: (c.order, c.identity)):
        if change.desired is None or change.action not in (CREATE, UPDATE):
            continue
        needs = [d for d in HANDLERS[change.kind].dependencies(change.desired, desired.resources) if d in missing]
        if needs:
            held = f"held back: it needs {needs[0][0]} {'/'.join(needs[0][1:])!r}, which this sync cannot create"
            change.reason = "; ".join(filter(None, [change.reason, held]))
            missing.add(change.identity)
