"""How a dashboard's changes are named: panels by id (then title), queries by refId,
variables by name; positions and thresholds as people read them (`6×9 at 0,1`,
`green, red 80`). The table `DashboardHandler.diff_parts` gives the semantic diff."""

from __future__ import annotations

from typing import Any

from ..diff.parts import ITEM, Part, Parts
from .live import canonical

PANEL = ("body", "panels", ITEM)


def panel_name(panel: dict[str, Any]) -> str:
    title = panel.get("title")
    kind = "row" if panel.get("type") == "row" else "panel"
    if title:
        return f'{kind} "{title}"' + (f" (id {panel['id']})" if "id" in panel else "")
    return f"{kind} id {panel.get('id')}"


def flatten_panels(panels: Any) -> Any:
    """Panels including those nested in collapsed rows, each once: moving a panel into a row
    is a change of position, not a removal and an addition."""
    if not isinstance(panels, list):
        return panels
    out: list[Any] = []
    for panel in panels:
        if not isinstance(panel, dict):
            continue
        nested = panel.get("panels")
        out.append({k: v for k, v in panel.items() if k != "panels"} if isinstance(nested, list) else panel)
        if isinstance(nested, list):
            out += flatten_panels(nested)
    return out


def grid_text(pos: Any) -> Any:
    if not isinstance(pos, dict):
        return pos
    return f"{pos.get('w')}×{pos.get('h')} at {pos.get('x')},{pos.get('y')}"


def thresholds_text(value: Any) -> Any:
    if not isinstance(value, dict) or not isinstance(value.get("steps"), list):
        return value
    steps = ", ".join(f"{s.get('color')}" + ("" if s.get("value") is None else f" {canonical(s.get('value'))}")
                      for s in value["steps"] if isinstance(s, dict))
    mode = value.get("mode")
    return f"{steps} ({mode})" if mode and mode != "absolute" else steps


DASHBOARD_PARTS: Parts = {
    ("body", "panels"): Part(keys=("id", "title"), name=panel_name, view=flatten_panels),
    PANEL + ("targets",): Part(keys=("refId",), name=lambda t: f"query {t.get('refId')}"),
    PANEL + ("gridPos",): Part(label="position", view=grid_text),
    PANEL + ("fieldConfig", "defaults"): Part(label="", hoist=True),
    PANEL + ("fieldConfig", "defaults", "thresholds"): Part(view=thresholds_text),
    ("body", "templating", "list"): Part(label="variable", hoist=True, keys=("name",),
                                         name=lambda v: f"variable ${v.get('name')}"),
    ("body", "annotations", "list"): Part(label="annotation", hoist=True, keys=("name",),
                                          name=lambda v: f'annotation "{v.get("name")}"'),
}
