"""The semantic diff: two comparison forms of one kind → the changes a person names
(`panel "Errors" › query A › expr`), and the one way every report renders them.

`walk` is the single generic walk, `parts` the per-kind vocabulary each handler gives it
(`Handler.diff_parts`), `entry` the result type, `render` the text of one entry.
"""

from __future__ import annotations

from .entry import ADDED, CHANGED, MISSING, REMOVED, DiffEntry
from .parts import ITEM, Location, Part, Parts
from .render import entry_text, plain_value
from .walk import diff_bodies, semantic_diff

__all__ = ["ADDED", "CHANGED", "MISSING", "REMOVED", "DiffEntry", "ITEM", "Location", "Part", "Parts",
           "diff_bodies", "entry_text", "plain_value", "semantic_diff"]
