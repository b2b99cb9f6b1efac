"""Alert rule titles on Grafana 11: one title per folder, checked before the first write.

Grafana 11 keeps a unique index on (org, folder, title) of its alert rules; Grafana 12.0 dropped
it (PR grafana#102067, migration `DropTitleUniqueIndexMigration`; shared/grafana/VERSIONS.md).
On 11 a rule-group PUT that would give two rules of a folder one title is refused with 400,
and since a sync writes each group on its own, a clash found only there stops the sync half way:
the groups written before it stay written. So the plan finds every clash first and the run
stops before writing anything (`TitleClashBlocked`, exit 2, like lint errors).

What counts is the folder as the sync leaves it: the defined groups it writes, the groups it
leaves alone (unchanged, in conflict, not defined), minus the groups it deletes. Three cases:

* two definitions give one title to rules of one folder (the same group or two groups);
* a rule the sync writes takes the title of a rule it leaves in place (created in the UI,
  another tool's, or one of gac's groups it does not write this time);
* a rule the sync writes takes a title another rule holds now and gives up in the same sync
  (renamed, moved or deleted in another group): Grafana checks each group's write on its own,
  and the order of the writes (deletes last, groups of one level in parallel) does not
  guarantee the old holder goes first -- keeping the rule's uid moves it instead.

Titles are compared without case: Grafana on MySQL does (its default collation; Grafana's
store says "some supported databases perform case-insensitive comparisons"), on SQLite and
PostgreSQL it does not, and gac cannot tell which database is behind the API. A pair of rules
Grafana holds already with such titles (SQLite, PostgreSQL) is accepted as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

from ..resource import Resource
from .desired import Desired
from .errors import TitleClashBlocked
from .plan import CREATE, DELETE, UPDATE, Plan
from .state import LiveState

GROUP = "alert-rule-group"
#: the first Grafana release without the unique index
FREE_FROM_MAJOR = 12
#: clashes named in the error (the rest are counted)
SHOWN = 5


@dataclass(frozen=True)
class RuleAt:
    """One rule: its uid, title, group and where it is defined (None: as Grafana holds it, which
    the sync leaves in place). `kept_group`: for a rule Grafana holds, the file defining its group
    where the sync does not write that group this time (unchanged, or in conflict)."""

    uid: str
    title: str
    folder_uid: str
    group: str
    source: str | None
    kept_group: str | None = None

    def describe(self) -> str:
        if self.source:
            where = f"defined in {self.source}"
        elif self.kept_group:
            where = f"in Grafana as it is: its group, defined in {self.kept_group}, is not written by this sync"
        else:
            where = "in Grafana, not defined in code"
        return f"rule {self.uid!r} of group {self.group!r} ({where})"


@dataclass(frozen=True)
class TitleClash:
    """Two rules of one folder with one title once the sync is done, or, where `fate` says what
    the sync does to the second one (renames, moves or deletes it), only while it runs."""

    folder: str
    title: str
    first: RuleAt
    second: RuleAt
    fate: str = ""

    @property
    def mid_sync(self) -> bool:
        return bool(self.fate)

    def describe(self) -> str:
        if self.mid_sync:
            return (f"in folder {self.folder}, {self.first.describe()} takes the title {self.title!r} from "
                    f"{self.second.describe()}, which this sync {self.fate}; the groups are written one by one in no "
                    "set order (deletes last), so Grafana 11 may refuse the first while the second still has the "
                    "title: keep the rule's uid (Grafana then moves the rule with its title), or sync in two steps, "
                    "the old rule's change first (two rules of two groups that swap titles need a third title for "
                    "one of them in between)")
        return (f"in folder {self.folder}, {self.first.describe()} and {self.second.describe()} are both titled "
                f"{self.title!r}: rename one")


def limited(version: str) -> bool:
    """Whether this Grafana keeps alert rule titles unique per folder: 11 and older, or a version
    it would not tell (`(version hidden)`: the harsher assumption)."""
    match = re.match(r"v?(\d+)\.", version)
    return match is None or int(match.group(1)) < FREE_FROM_MAJOR


def check_rule_titles(plan: Plan, state: LiveState, desired: Desired, version: str) -> None:
    """Stop the run (TitleClashBlocked) when this Grafana would refuse one of the plan's rule groups."""
    if not limited(version):
        return
    clashes = title_clashes(plan, state, desired)
    if clashes:
        shown = "; ".join(c.describe() for c in clashes[:SHOWN])
        more = f"; and {len(clashes) - SHOWN} more" if len(clashes) > SHOWN else ""
        raise TitleClashBlocked(
            f"Grafana {version} refuses two alert rules with one title in a folder (Grafana 12 and later allow "
            f"it), and this sync would meet that limit ({len(clashes)} time(s)), so nothing was written: "
            f"{shown}{more}. Titles that differ only in case count as one (Grafana on MySQL compares them so). "
            "Change the definitions (or the rule in Grafana), run `gac build`, then sync")


def title_clashes(plan: Plan, state: LiveState, desired: Desired) -> list[TitleClash]:
    """Every pair of rules that one folder would hold under one title, in a stable order."""
    live = _live_rules(state)
    defined = _defined_rules(desired)
    written = {c.identity for c in plan.changes if c.kind == GROUP and c.action in (CREATE, UPDATE)}
    deleted = {c.identity for c in plan.changes if c.kind == GROUP and c.action == DELETE}
    final = _final(live, defined, written, deleted)
    now = {rule.uid: rule for rules in live.values() for rule in rules}
    folders = _folder_names(state, desired)
    out: dict[tuple[str, str, str], TitleClash] = {}

    def add(a: RuleAt, b: RuleAt, fate: str = "") -> None:
        held = _slot(now.get(a.uid))
        if a.uid == b.uid or (held is not None and held == _slot(now.get(b.uid))):
            return  # Grafana holds the pair already (a case-sensitive database): not this sync's doing
        first, second = (a, b) if fate else sorted((a, b), key=lambda r: (r.source is None, r.group, r.uid))
        low, high = sorted((first.uid, second.uid))
        key = (first.folder_uid, low, high)
        if key not in out or (out[key].mid_sync and not fate):
            out[key] = TitleClash(folders.get(first.folder_uid, repr(first.folder_uid)), first.title, first, second,
                                  fate)

    # the definitions among themselves, whatever the sync does with them this time
    for same in _by_slot(r for rules in defined.values() for r in rules).values():
        for i, a in enumerate(same):
            for b in same[i + 1:]:
                add(a, b)
    # what the sync writes, against what stays in Grafana, and against what leaves it only while the sync runs
    staying = _by_slot(r for r in final.values() if r.source is None)
    holders = _by_slot(now.values())
    for identity in sorted(written):
        replaced = {rule.uid for rule in live.get(identity, [])}  # one transaction with the rules it writes
        for rule in defined.get(identity, []):
            for other in staying.get(_place(rule), []):
                add(rule, other)
            for other in holders.get(_place(rule), []):
                after = final.get(other.uid)
                if other.uid not in replaced and _slot(after) != _slot(other):
                    add(rule, _defined_as(other, after), _fate(other, after, folders))
    return [out[key] for key in sorted(out)]


def _defined_as(held: RuleAt, after: RuleAt | None) -> RuleAt:
    """A rule Grafana holds, named where its definition is when the sync writes one."""
    if after is None or after.source is None:
        return held
    return RuleAt(held.uid, held.title, held.folder_uid, held.group, after.source)


def _fate(held: RuleAt, after: RuleAt | None, folders: dict[str, str]) -> str:
    """What the sync does to a rule that leaves its title: in the words of the error."""
    if after is None:
        return "deletes"
    if after.folder_uid != held.folder_uid:
        return f"moves to folder {folders.get(after.folder_uid, repr(after.folder_uid))}"
    if after.group != held.group:
        return f"moves to group {after.group!r} as {after.title!r}"
    return f"renames to {after.title!r}"


def _place(rule: RuleAt) -> tuple[str, str]:
    """Where the unique index puts a rule: its folder and its title, compared without case."""
    return (rule.folder_uid, _key(rule.title))


def _slot(rule: RuleAt | None) -> tuple[str, str] | None:
    """`_place`, None for no rule (one the sync deletes, one Grafana does not hold)."""
    return _place(rule) if rule is not None else None


def _by_slot(rules: Iterable[RuleAt]) -> dict[tuple[str, str], list[RuleAt]]:
    out: dict[tuple[str, str], list[RuleAt]] = {}
    for rule in rules:
        out.setdefault(_place(rule), []).append(rule)
    return out


def _key(title: str) -> str:
    return title.lower()


def _rules_of(resource: Resource, source: str | None) -> list[RuleAt]:
    group = str(resource.body.get("title") or resource.uid)
    folder = resource.folder_uid or ""
    return [RuleAt(str(rule.get("uid") or f"{group}#{i}"), str(rule.get("title") or ""), folder, group, source)
            for i, rule in enumerate(_listed(resource.body.get("rules")))]


def _listed(value: Any) -> Iterable[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _defined_rules(desired: Desired) -> dict[tuple[str, ...], list[RuleAt]]:
    return {identity: _rules_of(resource, str(resource.source) if resource.source else str(identity))
            for identity, resource in desired.resources.items() if resource.kind == GROUP}


def _live_rules(state: LiveState) -> dict[tuple[str, ...], list[RuleAt]]:
    """Each live group's rules, from the listing (every rule of the organisation, read once)."""
    out: dict[tuple[str, ...], list[RuleAt]] = {}
    for identity, ref in state.refs.items():
        if ref.kind != GROUP:
            continue
        out[identity] = [RuleAt(str(rule.get("uid") or ""), str(rule.get("title") or ""),
                                str(rule.get("folderUID") or ref.folder_uid or ""),
                                str(rule.get("ruleGroup") or ref.uid), None)
                         for rule in _listed(ref.row.get("rules"))]
    return out


def _final(live: dict[tuple[str, ...], list[RuleAt]], defined: dict[tuple[str, ...], list[RuleAt]],
           written: set[tuple[str, ...]], deleted: set[tuple[str, ...]]) -> dict[str, RuleAt]:
    """Every rule by uid once the sync is done: Grafana's rules, less the groups it deletes and
    the groups it replaces, plus what it writes (a written rule uid held by another group moves)."""
    final = {rule.uid: replace(rule, kept_group=defined[identity][0].source if defined.get(identity) else None)
             for identity, rules in live.items() if identity not in deleted and identity not in written
             for rule in rules}
    for identity in sorted(written):
        for rule in defined.get(identity, []):
            final[rule.uid] = rule
    return final


def _folder_names(state: LiveState, desired: Desired) -> dict[str, str]:
    """`'uid' (title)` of every folder the sync or Grafana knows."""
    names = {ref.uid: ref.title for ref in state.refs.values() if ref.kind == "folder"}
    names.update({r.uid: r.title for r in desired.resources.values() if r.kind == "folder"})
    return {uid: f"{uid!r} ({title})" if title and title != uid else repr(uid) for uid, title in names.items()}
