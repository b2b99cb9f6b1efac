"""The one rendering of a diff entry, for plan, sync, drift, review and pull alike.

`where: before → after`, `where: added <value>`, `where: removed (was <value>)`. An added
or removed panel, rule or query shows its name even though the path names it too: the
line then reads the same in every report. How a value is shown is the caller's (JSON in
a terminal, code spans in Markdown), always on one line and cut in the middle when long.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ..handlers.live import canonical
from .entry import ADDED, REMOVED, DiffEntry

#: longest value shown inline; longer ones are cut in the middle (the raw diff has them whole)
VALUE_WIDTH = 400


def shorten(text: str, width: int = VALUE_WIDTH) -> str:
    if len(text) <= width:
        return text
    keep = (width - 1) // 2
    return f"{text[:keep]}…{text[-keep:]}"


def plain_value(value: Any) -> str:
    """A value for a text report: JSON, so strings are quoted and types stay visible."""
    return shorten(json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, separators=(", ", ": ")))


def entry_text(entry: DiffEntry, show: Callable[[Any], str] = plain_value,
               name: Callable[[str], str] = str) -> str:
    """One change as a person reads it, each value rendered by `show`, each part of its place
    (panel titles, refIds) by `name`."""
    where = " › ".join(map(name, entry.path)) or "(whole object)"
    if entry.op == ADDED:
        return f"{where}: added {show(entry.after)}"
    if entry.op == REMOVED:
        return f"{where}: removed (was {show(entry.before)})"
    return f"{where}: {show(entry.before)} → {show(entry.after)}"
