"""The semantic diff of two Grafana objects: which panel, query, threshold or field changed.

A line diff of dashboard JSON says "line 812 changed"; a reviewer needs `panel "Error
ratio" › query A › expr: "..." → "..."`. One walk does it for every kind: objects key by
key, lists of identified objects matched by their id (so a reorder is not a change to
every element), equal-length lists of objects element by element, anything else as one
value. What is kind-specific -- panels matched by id then title, queries by refId, rules
by uid, thresholds shown as `green, red 80` -- is the kind's `Parts` table
(`Handler.diff_parts`), not code here.

Plan, drift, the pull-request review and pull all diff comparison forms as the handlers
build them (`{"body": ..., "folder": ..., ...}`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ..handlers.live import canonical
from .entry import MISSING, DiffEntry
from .parts import ITEM, Location, Part, Parts

#: keys that identify an element of a list of objects when the kind names none, in order of preference
ID_KEYS = ("refId", "uid", "id", "name", "title")

_PLAIN = Part()

Path = tuple[str, ...]
Namer = Callable[[dict[str, Any]], str]


class Kind(Protocol):
    """What the walk needs of a handler: its parts table."""

    def diff_parts(self) -> Parts: ...


def semantic_diff(kind: Kind, before: Any, after: Any) -> list[DiffEntry]:
    """The changes from `before` to `after`, two comparison forms of `kind`, in a stable order."""
    return _Walk(kind.diff_parts()).node((), (), (), before, after)


def diff_bodies(kind: Kind, before: Any, after: Any) -> list[DiffEntry]:
    """The changes between two bodies of `kind` (a comparison form holding only the body)."""
    return semantic_diff(kind, {"body": before}, {"body": after})


@dataclass(frozen=True)
class _Walk:
    parts: Parts

    def node(self, at: Location, base: Path, path: Path, before: Any, after: Any) -> list[DiffEntry]:
        """Changes at one place. `path` names it; `base` is its parent's name (keyed lists name
        their elements there)."""
        part = self.parts.get(at, _PLAIN)
        if part.view is not None:
            shown = _viewed(part.view, before), _viewed(part.view, after)
            if not _same(*shown):  # a view never hides a change: equal views, the raw values
                before, after = shown
        if part.merged:
            before, after = _filled(before, after), _filled(after, before)
        if _same(before, after):
            return []
        if isinstance(before, dict) and isinstance(after, dict):
            return self.members(at, base, path, before, after)
        if isinstance(before, list) and isinstance(after, list):
            key = _first_unique(part.keys, before, after)
            if key is not None:
                return self.keyed(at, base, before, after, key, part.name or _by(key))
            key = _first_unique(ID_KEYS, before, after)
            if key is not None:
                return self.keyed(at, path, before, after, key, _by(key))
            if len(before) == len(after) and all(isinstance(x, (dict, list)) for x in before + after):
                out: list[DiffEntry] = []
                for index, (old, new) in enumerate(zip(before, after)):
                    out += self.node(at + (ITEM,), path, path + (f"[{index}]",), old, new)
                return out
        return [DiffEntry(path, before, after)]

    def members(self, at: Location, base: Path, path: Path, before: dict[str, Any],
                after: dict[str, Any]) -> list[DiffEntry]:
        out: list[DiffEntry] = []
        for key in sorted(set(before) | set(after), key=str):
            child = at + (str(key),)
            part = self.parts.get(child, _PLAIN)
            outer = base if part.hoist else path
            segment = str(key) if part.label is None else part.label
            out += self.node(child, outer, outer + (segment,) if segment else outer,
                             before.get(key, MISSING), after.get(key, MISSING))
        return out

    def keyed(self, at: Location, where: Path, before: list[Any], after: list[Any], key: str,
              name: Namer) -> list[DiffEntry]:
        """Elements matched by `key`: added and removed ones reported whole, matched ones deeply."""
        old = {str(x.get(key)): x for x in before}
        new = {str(x.get(key)): x for x in after}
        out: list[DiffEntry] = []
        for ident in dict.fromkeys([*old, *new]):
            a, b = old.get(ident, MISSING), new.get(ident, MISSING)
            place = where + (name(b if b is not MISSING else a),)
            if a is MISSING or b is MISSING:
                out.append(DiffEntry(place, _summary(a), _summary(b)))
            else:
                out += self.node(at + (ITEM,), where, place, a, b)
        if not out and list(old) != list(new):
            out.append(DiffEntry(where + ("order",), [x.get(key) for x in before], [x.get(key) for x in after]))
        return out


def _by(key: str) -> Namer:
    return lambda item: f"{key} {item.get(key)}"


def _viewed(view: Callable[[Any], Any], value: Any) -> Any:
    return value if value is MISSING else view(value)


def _filled(value: Any, other: Any) -> Any:
    """A missing or null side of a merged place, as the empty value of the other side's type."""
    if value is MISSING or value is None:
        if isinstance(other, dict):
            return {}
        if isinstance(other, list):
            return []
    return value


def _same(a: Any, b: Any) -> bool:
    return _canon(a) == _canon(b)


def _canon(value: Any) -> str:
    if value is MISSING:
        return "<missing>"
    return json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, default=str)


def _first_unique(keys: tuple[str, ...], before: list[Any], after: list[Any]) -> str | None:
    """The first key every element on both sides has, with distinct values on each side."""
    if not before + after:
        return None
    for key in keys:
        if _unique(before, key) and _unique(after, key):
            return key
    return None


def _unique(items: list[Any], key: str) -> bool:
    values = [x.get(key) if isinstance(x, dict) else None for x in items]
    return all(v is not None for v in values) and len(set(map(str, values))) == len(values)


def _summary(value: Any) -> Any:
    """An added or removed element shown by its name rather than its whole JSON."""
    if isinstance(value, dict):
        for key in ("title", "expr", "name", "uid", "refId"):
            if isinstance(value.get(key), str):
                return value[key]
    return value
