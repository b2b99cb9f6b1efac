"""One lint finding: the unit every rule produces and every output format prints.

Findings are plain, frozen data so that the library can return them, the command can sort
and format them, and the JSON output can be compared across runs (deterministic order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """A problem found in one object, located as precisely as the input allows.

    `file` is the file the object came from (a definition module for the project's own
    resources, the linted file otherwise); `line`/`column` point into that file when known.
    `dashboard` is a dashboard uid, `panel` a panel title, `ref_id` a query's refId.
    `group`/`alert` name the rule group and the alert or recording rule for rule files.
    `path` is the JSON path of the offending value inside the file's document: it is how
    the line is found after the fact, and is not part of the output.
    """

    rule: str
    severity: str
    file: str | None = None
    dashboard: str | None = None
    panel: str | None = None
    panel_id: int | None = None
    ref_id: str | None = None
    message: str = ""
    line: int | None = None
    column: int | None = None
    fix: str | None = None
    group: str | None = None
    alert: str | None = None
    path: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    #: character offset inside the string at `path` (a query), to locate line and column
    offset: int | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape DESIGN.md promises: fixed keys, null where not applicable."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "dashboard": self.dashboard,
            "panel": self.panel,
            "panel_id": self.panel_id,
            "ref_id": self.ref_id,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "fix": self.fix,
            "group": self.group,
            "alert": self.alert,
        }

    def located(self, line: int, column: int | None) -> "Finding":
        """This finding at a line and column (built directly: `dataclasses.replace` is several
        times slower, and every finding of a linted file goes through here): its fields copied in
        one C call, two of them changed. Copied from the items, not from the dict: a new instance's
        dict shares its keys with the class's other instances, and copying a whole dict into it
        would give it keys of its own, more than twice its size, for every finding kept."""
        finding = _new_object(Finding)
        values = finding.__dict__
        values.update(self.__dict__.items())
        values["line"] = line
        values["column"] = column
        return finding

    def sort_key(self) -> tuple[Any, ...]:
        """File, then position, then object, then rule: stable across runs and platforms."""
        return (
            self.file or "",
            self.dashboard or "",
            self.group or "",
            self.alert or "",
            self.panel_id if isinstance(self.panel_id, int) else -1,
            self.panel or "",
            self.ref_id or "",
            self.line or 0,
            self.column or 0,
            self.rule,
            self.message,
        )


_new_object = object.__new__
_set = object.__setattr__  # what a frozen dataclass's __init__ sets its fields with


def _finding(values: dict[str, Any]) -> Finding:
    """A Finding from the values of all its fields, by name, which become its dict as they are. A
    frozen dataclass's __init__ sets each of the fifteen fields through object.__setattr__, which
    takes twice as long as a dict display made at its full size."""
    finding = _new_object(Finding)
    _set(finding, "__dict__", values)
    return finding


class Location(NamedTuple):
    """Where a finding points: a file, the JSON path of a value inside its document and, when
    that value is a string (a query, a template), a character offset into it.

    The JSON path and offset are how the line and column are found after the fact; `line` is
    set instead when it is known up front (the definition line of a project resource). The
    object names (dashboard uid, panel title and id, query refId, rule group, alert) travel
    with it because they are how a reader finds the object when no line is known.

    Every context carries the Location of its object; a rule that points elsewhere derives one
    from it (`child`, `sibling`, `moved`), so a finding has exactly one way to say where it is.
    A named tuple, not a frozen dataclass: one is made for every panel, target and query, and
    a tuple is built in a fraction of the time a frozen dataclass's field-by-field __init__ takes.
    """

    file: str | None = None
    path: tuple[Any, ...] = ()
    offset: int | None = None
    line: int | None = None
    dashboard: str | None = None
    group: str | None = None
    alert: str | None = None
    panel: str | None = None
    panel_id: int | None = None
    ref_id: str | None = None

    # The constructors below unpack the tuple and build it with tuple.__new__: a named tuple's
    # own __new__ and its attribute properties cost several times more, once per panel, target
    # and query. They extend a path by concatenation (`path + keys`), which takes half the time
    # of unpacking both into a new tuple: a path is always a tuple.

    def child(self, *keys: Any, offset: int | None = None) -> "Location":
        """A value inside this one (`child("gridPos")`), optionally an offset into its text."""
        file, path, _, line, dashboard, group, alert, panel, panel_id, ref_id = self
        return _new(Location, (file, path + keys, offset, line, dashboard, group, alert, panel, panel_id, ref_id))

    def sibling(self, key: Any, offset: int | None = None) -> "Location":
        """The value next to this one (a target's legendFormat next to its expr)."""
        file, path, _, line, dashboard, group, alert, panel, panel_id, ref_id = self
        return _new(Location, (file, path[:-1] + (key,), offset, line, dashboard, group, alert, panel, panel_id,
                               ref_id))

    def moved(self, **changes: Any) -> "Location":
        """The same file and object, other fields changed (a path elsewhere in the document,
        the refId of the query the finding is about). What `_replace` does, without its two
        Python calls: every occurrence of a repeated query moves its findings here."""
        moved = _new(Location, map(changes.pop, self._fields, self))
        if changes:
            raise ValueError(f"Location has no field {sorted(changes)[0]!r}")
        return moved

    def at_offset(self, offset: int | None) -> "Location":
        """A character of this string value (`moved(offset=...)`, built directly)."""
        file, path, _, line, dashboard, group, alert, panel, panel_id, ref_id = self
        return _new(Location, (file, path, offset, line, dashboard, group, alert, panel, panel_id, ref_id))

    def of_panel(self, path: tuple[Any, ...], title: str | None, panel_id: int | None) -> "Location":
        """A panel of this dashboard (`moved(path=..., panel=..., panel_id=...)`, built directly)."""
        file, _, offset, line, dashboard, group, alert, _, _, ref_id = self
        return _new(Location, (file, path, offset, line, dashboard, group, alert, title, panel_id, ref_id))

    def of_target(self, path: tuple[Any, ...], ref_id: str | None) -> "Location":
        """A query of this panel (`moved(path=..., ref_id=...)`, built directly)."""
        file, _, offset, line, dashboard, group, alert, panel, panel_id, _ = self
        return _new(Location, (file, path, offset, line, dashboard, group, alert, panel, panel_id, ref_id))

    def finding(self, rule: str, severity: str, message: str, fix: str | None = None) -> Finding:
        file, path, offset, line, dashboard, group, alert, panel, panel_id, ref_id = self
        return _finding({"rule": rule, "severity": severity, "file": file, "dashboard": dashboard, "panel": panel,
                         "panel_id": panel_id, "ref_id": ref_id, "message": message, "line": line, "column": None,
                         "fix": fix, "group": group, "alert": alert, "path": path, "offset": offset})


_new = tuple.__new__


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Deterministic order, duplicates removed (two paths to one object report once)."""
    keys = [f.sort_key() for f in findings]  # once each: the sort and the dedupe both read it
    seen: set[tuple[Any, ...]] = set()
    out: list[Finding] = []
    for i in sorted(range(len(findings)), key=keys.__getitem__):
        f = findings[i]
        key = (keys[i], f.severity)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
