"""One change found by the semantic diff: where, as a person names it, and the values on each side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..urls import redact_userinfo

#: the side of a change where the place does not exist (distinct from a JSON null)
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class DiffEntry:
    """One change: where (human labels, outermost first), the value before and after."""

    path: tuple[str, ...]
    before: Any = MISSING
    after: Any = MISSING

    def __post_init__(self) -> None:
        # every report shows these values (plan, drift, review, pull; text and JSON): a URL's
        # user:password -- pasted into a definition, or set in Grafana's UI -- never reaches one
        object.__setattr__(self, "before", redact_userinfo(self.before))
        object.__setattr__(self, "after", redact_userinfo(self.after))

    @property
    def op(self) -> str:
        if self.before is MISSING:
            return ADDED
        if self.after is MISSING:
            return REMOVED
        return CHANGED

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path), "op": self.op}
        if self.before is not MISSING:
            out["before"] = self.before
        if self.after is not MISSING:
            out["after"] = self.after
        return out
