"""Dashboard schema v1 <-> v2 conversion, as far as the emulator needs it.

Grafana 13's editor migrates a dashboard it opens to schema v2 (dynamic
dashboards, AWS Managed Grafana 13 docs; ``dashboardNewLayouts`` GA) and saves
it through ``dashboard.grafana.app/v2``.  Reading such a dashboard back as v1
goes through the v2->v1 conversion (id 52974178872), which is lossy: v2
``TabsLayout``/``RowsLayout`` structure has no v1 equivalent and is flattened
into a plain panel grid.  ``status.conversion`` on the ``/apis`` object tells
that a conversion happened (``{"failed": false, "storedVersion": ...}``).
Grafana 12's stub conversion fails (id 182288309), hence its 406 on the legacy
GET.  Only the fields gac and tests look at are converted.
"""

from __future__ import annotations

import copy
from typing import Any

JSON = dict[str, Any]

_V2_TOP_KEYS = ("title", "description", "tags", "editable", "links", "liveNow", "preload")


def v1_to_v2(data: JSON, *, layout: str = "TabsLayout") -> JSON:
    """The v2 spec 13's editor writes for a v1 dashboard (panels become elements in a ``layout``)."""
    elements: JSON = {}
    items: list[JSON] = []
    for n, panel in enumerate(p for p in data.get("panels") or [] if isinstance(p, dict)):
        if panel.get("type") == "row":
            continue
        key = f"panel-{panel.get('id', n + 1)}"
        elements[key] = {"kind": "Panel", "spec": {
            "id": panel.get("id", n + 1), "title": panel.get("title", ""),
            "description": panel.get("description", ""), "links": panel.get("links", []),
            "data": {"kind": "QueryGroup", "spec": {"queries": [
                {"kind": "PanelQuery", "spec": {"refId": t.get("refId", "A"), "hidden": bool(t.get("hide")),
                                                "query": {"kind": "DataQuery", "spec": copy.deepcopy(t)}}}
                for t in panel.get("targets") or [] if isinstance(t, dict)]}},
            "vizConfig": {"kind": "VizConfig", "group": panel.get("type", ""), "spec": {
                "options": copy.deepcopy(panel.get("options", {})),
                "fieldConfig": copy.deepcopy(panel.get("fieldConfig", {"defaults": {}, "overrides": []}))}},
        }}
        grid = panel.get("gridPos") or {}
        items.append({"kind": "GridLayoutItem", "spec": {"x": grid.get("x", 0), "y": grid.get("y", 0),
                                                         "width": grid.get("w", 12), "height": grid.get("h", 8),
                                                         "element": {"kind": "ElementReference", "name": key}}})
    grid_layout = {"kind": "GridLayout", "spec": {"items": items}}
    if layout == "TabsLayout":
        body: JSON = {"kind": "TabsLayout", "spec": {"tabs": [
            {"kind": "TabsLayoutTab", "spec": {"title": "Overview", "layout": grid_layout}}]}}
    else:
        body = grid_layout
    time = data.get("time") or {}
    spec: JSON = {k: copy.deepcopy(data[k]) for k in _V2_TOP_KEYS if k in data}
    spec.setdefault("tags", [])
    spec.update({
        "cursorSync": "Off",
        "elements": elements,
        "layout": body,
        "timeSettings": {"from": time.get("from", "now-6h"), "to": time.get("to", "now"),
                         "autoRefresh": data.get("refresh", ""), "timezone": data.get("timezone", "browser")},
        "variables": [],
        "annotations": [],
    })
    return spec


def v2_to_v1(spec: JSON, *, uid: str) -> JSON:
    """The lossy v1 rendering of a v2 spec: tabs/rows are flattened, only grid positions survive."""
    elements = spec.get("elements") or {}
    panels: list[JSON] = []
    for item in _grid_items(spec.get("layout") or {}):
        s = item.get("spec", {})
        name = (s.get("element") or {}).get("name", "")
        el = (elements.get(name) or {}).get("spec") or {}
        viz = el.get("vizConfig") or {}
        queries = ((el.get("data") or {}).get("spec") or {}).get("queries") or []
        panels.append({
            "id": el.get("id"), "title": el.get("title", ""), "type": viz.get("group", ""),
            "description": el.get("description", ""),
            "gridPos": {"x": s.get("x", 0), "y": s.get("y", 0), "w": s.get("width", 12), "h": s.get("height", 8)},
            "options": copy.deepcopy((viz.get("spec") or {}).get("options", {})),
            "fieldConfig": copy.deepcopy((viz.get("spec") or {}).get("fieldConfig", {})),
            "targets": [copy.deepcopy(((q.get("spec") or {}).get("query") or {}).get("spec", {})) for q in queries],
        })
    ts = spec.get("timeSettings") or {}
    out: JSON = {k: copy.deepcopy(spec[k]) for k in _V2_TOP_KEYS if k in spec}
    out.update({"uid": uid, "panels": panels, "schemaVersion": 41,
                "time": {"from": ts.get("from", "now-6h"), "to": ts.get("to", "now")},
                "refresh": ts.get("autoRefresh", ""), "timezone": ts.get("timezone", "browser")})
    return out


def _grid_items(layout: JSON) -> list[JSON]:
    kind = layout.get("kind")
    spec = layout.get("spec") or {}
    if kind == "GridLayout":
        return list(spec.get("items") or [])
    if kind == "TabsLayout":
        return [i for tab in spec.get("tabs") or [] for i in _grid_items((tab.get("spec") or {}).get("layout") or {})]
    if kind == "RowsLayout":
        return [i for row in spec.get("rows") or [] for i in _grid_items((row.get("spec") or {}).get("layout") or {})]
    return []
