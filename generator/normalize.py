"""Dashboard JSON → current Grafana JSON (schemaVersion 41), from grafanalib or any export.

grafanalib emits a 2016-era model: legacy keys (`rows`, `span`, `height`, `hideControls`,
`sharedCrosshair`, `style`), explicit nulls, data sources as bare strings, Graphite-era target
keys (`step`, `intervalFactor`, `metric`, `target`) and a few buggy defaults (stat thresholds
`steps: ""`, `maxDataPoints: 100`, removed variable tag keys). Grafana migrates some of this when
a dashboard is opened and writes the result back on the next save, which would show up as a
change nobody made. Normalizing here means `generated/` holds what Grafana keeps.

The same function is used for dashboards pulled from a live Grafana or read from files, so
comparison, import and build agree on one canonical form.
"""

from __future__ import annotations

import copy
import string
from typing import Any, Iterator

from .datasource_index import ANNOTATIONS_REF, BUILTIN, NAME, UID, VARIABLE, DatasourceIndex, Resolved, resolve
from .indented_json import JSON_SCALARS

SCHEMA_VERSION = 41

DASHBOARD_LEGACY_KEYS = ("rows", "hideControls", "sharedCrosshair", "style", "__inputs", "__requires",
                         "__elements", "gnetId", "id", "version", "iteration")
PANEL_LEGACY_KEYS = ("span", "height", "error", "minSpan", "editable", "isNew", "renderer", "cacheTimeout")
#: values equal to Grafana's own default; dropping them keeps generated JSON short
PANEL_DEFAULTS = {"hideTimeOverride": False, "transparent": False, "links": [], "transformations": [],
                  "interval": "", "repeatDirection": "h"}
TARGET_LEGACY_KEYS = ("metric", "step", "intervalFactor", "target")
TARGET_DEFAULTS = {"hide": False, "interval": "", "legendFormat": ""}
VARIABLE_LEGACY_KEYS = ("tags", "tagsQuery", "tagValuesQuery", "useTags")
GRAFANALIB_MAX_DATA_POINTS = 100

BUILTIN_ANNOTATION: dict[str, Any] = {
    "builtIn": 1,
    "datasource": ANNOTATIONS_REF,
    "enable": True,
    "hide": True,
    "iconColor": "rgba(0, 211, 255, 1)",
    "name": "Annotations & Alerts",
    "type": "dashboard",
}


class UnknownDatasource(ValueError):
    """A panel, target or variable names a data source no definition provides."""

    def __init__(self, ref: str, where: str):
        self.ref, self.where = ref, where
        super().__init__(f"{where}: data source {ref!r} is not defined")


def reference(value: Any, index: DatasourceIndex, where: str, variables: dict[str, str]) -> dict[str, str] | None:
    """Any spelling of a data-source reference → `{"type", "uid"}` as Grafana writes it (None: inherit).

    Resolution is `datasource_index.resolve`'s; the normalizer adds how the result is written:

    * `{"type", "uid"}` is kept as given (Grafana does not rewrite it), only checked;
    * `{"uid"}` without a type is read like the legacy string it came from, names included;
    * a built-in gets Grafana's canonical reference, a variable `{"uid": "$ds"}` with the
      variable's plugin type when the dashboard says it;
    * `"default"` is not resolved: which data source is the default belongs to the Grafana
      instance, not to the dashboard;
    * an unknown reference is an error when the index is authoritative (the build: every data
      source is defined or declared), and otherwise kept as `{"uid"}` (a pulled or foreign
      dashboard names data sources of a Grafana this index does not fully know).
    """
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, dict):
        uid = value.get("uid")
        if uid is None:
            return {k: v for k, v in value.items() if v is not None} or None
        if value.get("type") or not isinstance(uid, str):
            if index.authoritative and isinstance(uid, str) and not _found(resolve(value, index, variables, {})):
                raise UnknownDatasource(uid, where)
            return {k: value[k] for k in ("type", "uid") if value.get(k) is not None}
        value = uid
    text = str(value)
    resolved = resolve(text, index, variables, {})
    if resolved is not None and resolved.via == VARIABLE:
        ref = {"uid": text}
        if resolved.type:
            ref["type"] = resolved.type
        return ref
    if resolved is not None and resolved.via in (BUILTIN, UID, NAME) and resolved.type and resolved.uid:
        return {"type": resolved.type, "uid": resolved.uid}
    if index.authoritative:
        raise UnknownDatasource(text, where)
    return {"uid": text}


def _found(resolved: Resolved | None) -> bool:
    """A `{"type", "uid"}` reference's uid exists: built in, a variable, or a defined uid."""
    return resolved is not None and resolved.via in (BUILTIN, VARIABLE, UID)


def drop_nulls(value: Any) -> Any:
    """A copy of `value` without `None` values in mappings, recursively (lists keep their length).

    The copy is complete (every dict and list is new, anything else mutable is deep-copied),
    so the normalizer can change it in place without a `copy.deepcopy` first: one walk
    instead of two over every dashboard of the build. Scalars are tested inline, so the walk
    makes one call per container rather than one per value.
    """
    if isinstance(value, dict):
        return {k: v if type(v) in JSON_SCALARS else drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [v if type(v) in JSON_SCALARS else drop_nulls(v) for v in value]
    if type(value) in JSON_SCALARS:
        return value
    return copy.deepcopy(value)


def unwrap(document: dict[str, Any]) -> dict[str, Any]:
    """Accept the `{"dashboard": {...}, "meta": {...}}` form of API responses and exports."""
    inner = document.get("dashboard")
    if isinstance(inner, dict) and "panels" not in document and "title" not in document:
        return inner
    return document


def drop_nulls_in_place(value: Any) -> None:
    """Remove `None` values from the mappings of `value`, recursively (lists keep their length).

    `drop_nulls` without the copy, for a document nobody else holds: a walk that allocates
    nothing costs half of one that rebuilds every container, and leaves no garbage to free.
    """
    if type(value) is dict:
        nulls: list[Any] = []
        for key, item in value.items():
            if item is None:
                nulls.append(key)
            elif type(item) not in JSON_SCALARS:
                drop_nulls_in_place(item)
        for key in nulls:
            del value[key]
    elif type(value) is list:
        for item in value:
            if type(item) not in JSON_SCALARS:
                drop_nulls_in_place(item)


def normalize_dashboard(document: dict[str, Any], datasources: DatasourceIndex | None = None,
                        owned: bool = False) -> dict[str, Any]:
    """The canonical form of a dashboard.

    The input is not modified (the result shares nothing with it), unless the caller says it
    `owned` the document, containing only dicts, lists and scalars that nothing else refers to
    (what `json.loads` returns): then the document is normalized in place and returned.
    """
    index = datasources or DatasourceIndex()
    if owned:
        dash = unwrap(document)
        drop_nulls_in_place(dash)
    else:
        dash = drop_nulls(unwrap(document))
    if dash.get("sharedCrosshair") and not dash.get("graphTooltip"):
        dash["graphTooltip"] = 1
    if dash.get("rows"):
        dash["panels"] = _rows_to_panels(dash["rows"]) + dash.get("panels", [])
    _fix_thresholds(dash)
    for key in DASHBOARD_LEGACY_KEYS:
        dash.pop(key, None)
    dash["schemaVersion"] = max(int(dash.get("schemaVersion") or 0), SCHEMA_VERSION)

    variables = _normalize_templating(dash, index)
    _normalize_timepicker(dash)
    _normalize_annotations(dash, index, variables)
    panels = dash.setdefault("panels", [])
    for panel in iter_panels(panels):
        _normalize_panel(panel, dash.get("uid", "?"), index, variables)
    _assign_panel_ids(panels)
    return dash


def iter_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in (collapsed) rows, in document order."""
    for panel in panels:
        yield panel
        yield from iter_panels(panel.get("panels") or [])


def _rows_to_panels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Legacy `rows[].panels[]` with `span`/`height` → a flat, grid-positioned panel list."""
    out: list[dict[str, Any]] = []
    y = 0
    for legacy in rows:
        height = _pixels_to_grid(legacy.get("height", 250))
        row = {"type": "row", "title": legacy.get("title", ""), "collapsed": bool(legacy.get("collapse")),
               "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []}
        out.append(row)
        y += 1
        x = 0
        for panel in legacy.get("panels", []):
            width = max(1, min(24, round(float(panel.get("span") or 12) * 2)))
            if x + width > 24:
                x, y = 0, y + height
            panel = dict(panel, gridPos={"h": height, "w": width, "x": x, "y": y})
            (row["panels"] if row["collapsed"] else out).append(panel)
            x += width
        y += height
    return out


def _pixels_to_grid(height: Any) -> int:
    text = str(height).removesuffix("px")
    try:
        return max(1, round(float(text) / 30))
    except ValueError:
        return 8


def _fix_thresholds(dash: dict[str, Any]) -> None:
    """Threshold steps as Grafana keeps them: `{color, value}`, the base step's value null (-∞).

    grafanalib emits `steps: ""` on stat panels, and graph-era steps with `index`, `line`,
    `op`, `yaxis` and the string `"null"` elsewhere.
    """
    for panel in iter_panels(dash.get("panels") or []):
        thresholds = (panel.get("fieldConfig") or {}).get("defaults", {}).get("thresholds")
        if not isinstance(thresholds, dict):
            continue
        steps = thresholds.get("steps") or []
        if not isinstance(steps, list):
            steps = []
        fixed = []
        for position, step in enumerate(steps):
            value = step.get("value")
            if position == 0 or value in ("null", ""):
                value = None
            fixed.append({"color": step.get("color", "green"), "value": value})
        thresholds["steps"] = fixed or [{"color": "green", "value": None}]
        thresholds.setdefault("mode", "absolute")


#: option defaults Grafana's panel plugins fill in on load and write back on save, which
#: grafanalib leaves out (panelcfg.cue of each plugin)
GRAFANALIB_MISSING_OPTIONS: dict[str, dict[str, Any]] = {
    "stat": {"percentChangeColorMode": "standard", "showPercentChange": False, "wideLayout": True},
    "gauge": {"minVizHeight": 75, "minVizWidth": 75, "orientation": "auto", "sizing": "auto"},
    "logs": {"showLogContextToggle": False},
    "table": {"frameIndex": 0, "cellHeight": "sm"},
}

#: grafanalib's gauge puts reduce and display options into fieldConfig.defaults
_GAUGE_MISPLACED = {"calcs": "calcs", "values": "values", "limit": "limit"}
#: table-old keys grafanalib still emits on the modern table panel
_TABLE_LEGACY_KEYS = ("columns", "fontSize", "color", "styles", "sort")


def fix_grafanalib(dash: dict[str, Any]) -> dict[str, Any]:
    """Undo grafanalib's buggy defaults; only for grafanalib output, before `normalize_dashboard`.

    These are values no person would choose and that Grafana would not produce, so they are
    safe to drop for grafanalib output but not for arbitrary exports.
    """
    for panel in iter_panels(dash.get("panels") or []):
        _fix_grafanalib_panel(panel)
        if panel.get("maxDataPoints") == GRAFANALIB_MAX_DATA_POINTS:
            # caps every panel at 100 points; Grafana's default is the panel's pixel width
            del panel["maxDataPoints"]
        defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
        if defaults.get("noValue") == "none":
            del defaults["noValue"]  # the stat panel would print the word "none" when empty
    return dash


def _fix_grafanalib_panel(panel: dict[str, Any]) -> None:
    for key, value in GRAFANALIB_MISSING_OPTIONS.get(panel.get("type", ""), {}).items():
        panel.setdefault("options", {}).setdefault(key, value)
    legend = (panel.get("options") or {}).get("legend")
    if isinstance(legend, dict):
        legend.setdefault("showLegend", legend.get("displayMode") != "hidden")
    defaults = (panel.get("fieldConfig") or {}).get("defaults")
    if panel.get("type") == "table" and isinstance(defaults, dict):
        defaults.setdefault("custom", {}).setdefault("inspect", False)
    if panel.get("type") == "gauge" and isinstance(defaults, dict):
        options = panel.setdefault("options", {})
        reduce_options = options.setdefault("reduceOptions", {})
        for src, dst in _GAUGE_MISPLACED.items():
            if src in defaults:
                reduce_options.setdefault(dst, defaults.pop(src))
        reduce_options.setdefault("fields", "")
        for key in ("showThresholdLabels", "showThresholdMarkers"):
            if key in panel["fieldConfig"]:
                options.setdefault(key, panel["fieldConfig"].pop(key))
        for key in ("override", "title"):
            defaults.pop(key, None)
    if panel.get("type") == "table":
        for key in _TABLE_LEGACY_KEYS:
            panel.pop(key, None)
        if panel.get("mappings") == []:
            panel.pop("mappings")


def _normalize_templating(dash: dict[str, Any], index: DatasourceIndex) -> dict[str, str]:
    """Returns data-source variables: name → plugin type (for `${ds}` references)."""
    templating = dash.setdefault("templating", {})
    variables = templating.setdefault("list", [])
    ds_vars = {v["name"]: v.get("query", "") for v in variables if v.get("type") == "datasource" and "name" in v}
    for var in variables:
        for key in VARIABLE_LEGACY_KEYS:
            var.pop(key, None)
        if var.get("type") != "interval":
            for key in ("auto", "auto_count", "auto_min"):
                var.pop(key, None)
        if "datasource" in var:
            ref = reference(var["datasource"], index, f"variable {var.get('name')!r}", ds_vars)
            if ref is None:
                var.pop("datasource")
            else:
                var["datasource"] = ref
        current = var.get("current")
        if isinstance(current, dict):
            current.pop("tags", None)
            if "text" not in current and "value" not in current:
                var.pop("current")
        if var.get("type") == "query" and isinstance(var.get("query"), str) and not var.get("definition"):
            var["definition"] = var["query"]
    return ds_vars


def _normalize_timepicker(dash: dict[str, Any]) -> None:
    picker = dash.get("timepicker")
    if isinstance(picker, dict):
        picker.pop("time_options", None)  # removed in Grafana 8; ignored since
        picker.pop("collapse", None)
        picker.pop("enable", None)
        picker.pop("status", None)
        picker.pop("type", None)
        if picker.get("nowDelay") == "":
            picker.pop("nowDelay")


def _normalize_annotations(dash: dict[str, Any], index: DatasourceIndex, variables: dict[str, str]) -> None:
    """Grafana adds the built-in annotation on load and saves it: include it up front."""
    annotations = dash.setdefault("annotations", {}).setdefault("list", [])
    for annotation in annotations:
        if "datasource" in annotation and annotation.get("builtIn") != 1:
            ref = reference(annotation["datasource"], index, f"annotation {annotation.get('name')!r}", variables)
            if ref is not None:
                annotation["datasource"] = ref
    if not any(a.get("builtIn") == 1 for a in annotations):
        annotations.insert(0, dict(BUILTIN_ANNOTATION, datasource=dict(BUILTIN_ANNOTATION["datasource"])))


def _normalize_panel(panel: dict[str, Any], dash_uid: str, index: DatasourceIndex,
                     variables: dict[str, str]) -> None:
    where = f"dashboard {dash_uid!r} › panel {panel.get('title', '')!r}"
    for key in PANEL_LEGACY_KEYS:
        panel.pop(key, None)
    for key, default in PANEL_DEFAULTS.items():
        if key in panel and panel[key] == default:
            del panel[key]
    if panel.get("type") == "row":
        panel.setdefault("collapsed", False)
        panel.setdefault("panels", [])
        for key in ("targets", "fieldConfig", "options", "maxDataPoints", "description"):
            panel.pop(key, None)
    if isinstance(panel.get("fieldConfig"), dict):
        panel["fieldConfig"].setdefault("defaults", {})
        panel["fieldConfig"].setdefault("overrides", [])  # Grafana adds it on save
    panel_ds = reference(panel.get("datasource"), index, where, variables)
    if panel_ds is None:
        panel.pop("datasource", None)
    else:
        panel["datasource"] = panel_ds
    targets = panel.get("targets")
    if not targets:
        panel.pop("targets", None)
        return
    used = {t.get("refId") for t in targets if t.get("refId")}
    free = (letter for letter in string.ascii_uppercase if letter not in used)
    for target in targets:
        for key in TARGET_LEGACY_KEYS:
            if key == "target" and target.get(key):
                continue  # a real Graphite query
            target.pop(key, None)
        for key, default in TARGET_DEFAULTS.items():
            if key in target and target[key] == default:
                del target[key]
        if "expr" in target and target.get("query") == target["expr"]:
            del target["query"]  # grafanalib duplicates expr into query
        if not target.get("refId"):
            target["refId"] = next(free)
        target_ds = reference(target.get("datasource"), index, f"{where} › target {target['refId']}", variables)
        target_ds = target_ds or panel_ds
        if target_ds is None:
            target.pop("datasource", None)
        else:
            target["datasource"] = target_ds


def _assign_panel_ids(panels: list[dict[str, Any]]) -> None:
    """Ids that are missing or duplicated get the next free number, in document order."""
    seen: set[int] = set()
    pending: list[dict[str, Any]] = []
    for panel in iter_panels(panels):
        pid = panel.get("id")
        if isinstance(pid, int) and pid not in seen:
            seen.add(pid)
        else:
            pending.append(panel)
    next_id = 1
    for panel in pending:
        while next_id in seen:
            next_id += 1
        panel["id"] = next_id
        seen.add(next_id)
