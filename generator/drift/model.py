"""What a drift check found: one `DriftItem` per object that differs, and the report around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diff import DiffEntry
from ..remote.preflight import Target

#: defined in code, present in Grafana, different
CHANGED = "changed"
#: defined in code, absent from Grafana
MISSING = "missing"
#: carries gac's managed marker in Grafana, no longer defined in code
NOT_DEFINED = "not-defined"
#: inside a folder gac manages, not managed by gac
UNMANAGED = "unmanaged"
#: not drift: equal to its definition except for gac's marker (adopted, never synced)
UNADOPTED = "unadopted"

#: who changed it: a save in Grafana since the last sync, or generated/ (not yet synced)
GRAFANA, CODE = "grafana", "code"


@dataclass
class DriftItem:
    """One object that differs. For CHANGED, `changes` go from generated/ (before) to Grafana (after)."""

    status: str
    kind: str
    uid: str
    title: str
    folder: str | None
    origin: str = ""
    #: who/when Grafana says last saved it, and why it counts as changed there
    detail: str = ""
    changes: list[DiffEntry] = field(default_factory=list)
    #: the comparison forms (generated/ and Grafana), for a raw JSON diff
    code_form: Any = None
    live_form: Any = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.folder or "", self.uid)


@dataclass
class DriftReport:
    target: Target
    env_name: str
    items: list[DriftItem]
    #: objects defined in generated/ that were compared
    checked: int
    notes: list[str] = field(default_factory=list)
    #: defined in code and equal to Grafana except for gac's marker: adopted, never synced
    unadopted: list[DriftItem] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return bool(self.items)

    def by_status(self, status: str, origin: str | None = None) -> list[DriftItem]:
        return [i for i in self.items if i.status == status and (origin is None or i.origin == origin)]

    def counts(self) -> dict[str, int]:
        return {
            "changed_in_grafana": len(self.by_status(CHANGED, GRAFANA)),
            "not_synced": len(self.by_status(CHANGED, CODE)),
            "missing": len(self.by_status(MISSING)),
            "not_defined": len(self.by_status(NOT_DEFINED)),
            "unmanaged": len(self.by_status(UNMANAGED)),
        }
