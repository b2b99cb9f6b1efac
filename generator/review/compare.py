"""Two trees matched object by object (by identity, so a moved dashboard is one change) and
diffed with the sync's semantic diff, plus the raw diff of the files for the curious."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diff import DiffEntry, semantic_diff
from ..handlers import HANDLERS
from ..handlers.live import SyncContext
from ..output import GENERATED
from .rawdiff import unified
from .trees import Entry, Identity, Tree, entries

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
SYMBOLS = {ADDED: "+", CHANGED: "~", REMOVED: "-"}


@dataclass
class ObjectChange:
    action: str
    identity: Identity
    kind: str
    uid: str
    title: str
    folder: str | None
    #: file under generated/ on each side (None where the object does not exist)
    old_path: str | None
    new_path: str | None
    entries: list[DiffEntry] = field(default_factory=list)
    raw: str = ""


@dataclass
class Comparison:
    changes: list[ObjectChange]
    unchanged: int

    @property
    def clean(self) -> bool:
        return not self.changes


def compare_trees(old: Tree, new: Tree) -> Comparison:
    before, after = entries(old), entries(new)
    changes: list[ObjectChange] = []
    unchanged = 0
    for identity in sorted(set(before) | set(after), key=lambda i: (HANDLERS[i[0]].level, i)):
        a, b = before.get(identity), after.get(identity)
        if a is not None and b is not None and a.content == b.content and a.path == b.path:
            unchanged += 1
            continue
        changes.append(_change(identity, a, b))
    return Comparison(changes, unchanged)


def _change(identity: Identity, a: Entry | None, b: Entry | None) -> ObjectChange:
    before, after = (a.resource() if a else None), (b.resource() if b else None)
    resource = after or before
    assert resource is not None
    action = ADDED if a is None else REMOVED if b is None else CHANGED
    old_name = f"{GENERATED}/{a.path}" if a else None
    new_name = f"{GENERATED}/{b.path}" if b else None
    change = ObjectChange(action, identity, resource.kind, resource.uid, resource.title, resource.folder_uid or None,
                          old_name, new_name)
    change.raw = unified(a.text if a else "", b.text if b else "", old_name or "/dev/null", new_name or "/dev/null")
    if before is not None and after is not None:
        handler, ctx = HANDLERS[resource.kind], SyncContext()
        change.entries = semantic_diff(handler, handler.comparable(before, ctx), handler.comparable(after, ctx))
    return change
