"""The vocabulary a kind gives the semantic diff: how the places of its comparison form are
named and matched (`Handler.diff_parts`).

A place is a `Location`: the keys from the form's root, `ITEM` for any element of a list
(`("body", "panels", ITEM, "targets")` is every panel's queries). Kinds differ only in
this table; the walk (`walk.py`) is the same for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

#: a place in a comparison form, from its root; `ITEM` stands for any element of a list
Location = tuple[str, ...]
ITEM = "[]"


@dataclass(frozen=True)
class Part:
    """How the diff treats one place. The defaults are the generic walk's behaviour."""

    #: the path segment: None → the key itself; "" → none (what changes inside is told at
    #: the parent's place, as a comparison form's `body` is the object itself)
    label: str | None = None
    #: named under the grandparent's place, not the parent's: `fieldConfig.defaults.unit`
    #: reads `panel › unit` (with label ""), `templating.list` reads `variable $x`
    hoist: bool = False
    #: a list whose elements are matched by the first of these keys present and distinct on
    #: both sides; matched elements are named by `name` at the list's place (the list's own
    #: segment is then left out). No key fits: the generic list walk, under the segment.
    keys: tuple[str, ...] = ()
    name: Callable[[dict[str, Any]], str] | None = None
    #: each side as people read it, before comparing (thresholds as `green, red 80`,
    #: panels of collapsed rows flattened); a side that is missing stays missing, and where
    #: the two views are equal the raw values are compared instead, so no change is hidden
    view: Callable[[Any], Any] | None = None

    @property
    def merged(self) -> bool:
        """Its changes are told at another place, so a missing side counts as empty there."""
        return self.hoist or self.label == ""


#: what a kind tells the walk; places it does not name get `Part()`
Parts = Mapping[Location, Part]
