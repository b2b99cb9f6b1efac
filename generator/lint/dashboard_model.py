"""Walk a Grafana dashboard model: every panel, every target, every variable.

Exported dashboards come in several shapes: the plain model, the `{"dashboard": {...}}`
wrapper of the HTTP API and of some exports, the legacy top-level `rows` layout (panels in
`rows[*].panels`), and current `panels` with collapsed rows that hold their own `panels`.
Rules must see all of them, so this module yields every panel with its JSON path, whatever
the layout.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, NamedTuple

from .durations import seconds
from .grafana_values import VARIABLE_RE

DASHBOARD_KEYS = ("panels", "rows", "templating", "schemaVersion")


def is_dashboard(doc: Any) -> bool:
    return isinstance(doc, dict) and any(k in doc for k in DASHBOARD_KEYS) and "rules" not in doc


def unwrap(doc: Mapping[str, Any]) -> tuple[Mapping[str, Any], tuple[Any, ...]]:
    """The dashboard model and its JSON path inside the document."""
    inner = doc.get("dashboard")
    if isinstance(inner, dict) and not is_dashboard(doc):
        return inner, ("dashboard",)
    return doc, ()


class PanelRef(NamedTuple):
    """A panel and where it sits. A named tuple, not a frozen dataclass: one is made for every
    panel, and a frozen dataclass sets its fields one by one through object.__setattr__."""

    panel: Mapping[str, Any]
    path: tuple[Any, ...]
    row: Mapping[str, Any] | None = None     # the row panel (or legacy row) it sits under
    collapsed: bool = False                  # inside a collapsed row's own `panels`
    legacy_row: bool = False                 # inside a top-level legacy `rows` entry


def listed(value: Any) -> list[Any] | tuple[()]:
    """`value` where it is a list, else nothing to iterate: a dashboard edited by hand may hold a
    number, a string or an object where Grafana writes a list, and is linted all the same."""
    return value if isinstance(value, list) else ()


def iter_panels(dashboard: Mapping[str, Any], base: tuple[Any, ...] = ()) -> Iterator[PanelRef]:
    """Every panel, depth first in document order: rows, their children, legacy rows."""
    current_row: Mapping[str, Any] | None = None
    panels = dashboard.get("panels")
    if isinstance(panels, list):
        for i, panel in enumerate(panels):
            if not isinstance(panel, dict):
                continue
            path = base + ("panels", i)
            if panel.get("type") == "row":
                current_row = panel
                yield PanelRef(panel, path)
                children = panel.get("panels")
                if isinstance(children, list):
                    for j, child in enumerate(children):
                        if isinstance(child, dict):
                            yield PanelRef(child, path + ("panels", j), panel, collapsed=True)
            else:
                yield PanelRef(panel, path, current_row)
                # library panels and odd exports may nest panels in non-row panels
                nested = panel.get("panels")
                if isinstance(nested, list):
                    for j, child in enumerate(nested):
                        if isinstance(child, dict):
                            yield PanelRef(child, path + ("panels", j), panel, collapsed=True)
    rows = dashboard.get("rows")
    if isinstance(rows, list):
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            for j, panel in enumerate(listed(row.get("panels"))):
                if isinstance(panel, dict):
                    yield PanelRef(panel, base + ("rows", i, "panels", j), row, legacy_row=True)


def iter_targets(panel: Mapping[str, Any], path: tuple[Any, ...]) -> list[tuple[Mapping[str, Any], tuple[Any, ...]]]:
    """A panel's targets with their paths: a list, made in one comprehension, where a generator
    would resume its frame for every target."""
    targets = panel.get("targets")
    if not isinstance(targets, list):
        return []
    return [(target, path + ("targets", i)) for i, target in enumerate(targets) if isinstance(target, dict)]


def variables(dashboard: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], int]]:
    templating = dashboard.get("templating")
    items = templating.get("list") if isinstance(templating, dict) else None
    if not isinstance(items, list):
        return []
    return [(v, i) for i, v in enumerate(items) if isinstance(v, dict)]


def panel_title(panel: Mapping[str, Any]) -> str | None:
    title = panel.get("title")
    return str(title) if title not in (None, "") else None


def panel_id(panel: Mapping[str, Any]) -> int | None:
    pid = panel.get("id")
    return pid if isinstance(pid, int) and not isinstance(pid, bool) else None


def variable_query_text(variable: Mapping[str, Any]) -> str | None:
    """The query string of a query variable (string form or the newer {query: ...} object)."""
    query = variable.get("query")
    if isinstance(query, str):
        return query
    if isinstance(query, dict):
        q = query.get("query")
        if isinstance(q, str):
            return q
    definition = variable.get("definition")
    return definition if isinstance(definition, str) else None




def min_interval_s(written: Any, variables: Mapping[str, Mapping[str, Any]]) -> float | None:
    """The least `$__interval` a min interval as written (a panel's or a target's `interval`)
    allows, in seconds: `>` and `<` ignored, as Grafana's interval parsing does; an interval
    variable at its smallest option (and its auto_min where `auto` is on). None where it cannot
    be told: another kind of variable, not a duration."""
    if not isinstance(written, str):
        return None
    text = written.strip().lstrip("<>").strip()
    options: list[Any] = [text]
    reference = VARIABLE_RE.fullmatch(text)
    if reference is not None:
        var = variables.get(reference.group(1) or reference.group(2) or reference.group(4))
        query = var.get("query") if var is not None and var.get("type") == "interval" else None
        if not isinstance(query, str):
            return None
        options = [o.strip() for o in query.split(",") if o.strip()]
        if var is not None and var.get("auto"):  # the step Grafana works out, down to the variable's auto_min
            options.append(var.get("auto_min") or "10s")
    values = [seconds(o) for o in options]
    if not values or any(v is None for v in values):
        return None
    return min(v for v in values if v is not None)
