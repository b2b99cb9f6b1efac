"""A dashboard's comparison form: what a save in Grafana's UI cannot change.

A person who opens a dashboard in Grafana and saves it without touching anything still
rewrites its JSON: the frontend rebuilds the whole model (`transformSceneToSaveModel`,
`sceneVariablesSetToVariables`, `vizPanelToPanel` in
public/app/features/dashboard-scene/serialization/) and the panel plugins fill in their
defaults as they load (`getPanelOptionsWithDefaults`). Without absorbing that, every UI
save would be reported as drift (and as a conflict by plan). What it does, and how each
is absorbed here (on both sides of a comparison, so only real differences remain):

* drops unknown top-level keys (`gacSync`, `gnetId`, ...) and the internal `id`; writes
  `editable`, `fiscalYearStartMonth: 0`, `weekStart: ""`, `graphTooltip: 0`, `links: []`,
  `tags: []`, `preload: false`, `refresh`, the default `time`, the time zone ("" becomes
  the schema default "browser"), and the current `schemaVersion`; drops `liveNow: false`
  and the default `timepicker` settings → keys equal to those defaults are removed, only
  known keys are kept, `schemaVersion` is ignored (it moves with every Grafana release;
  the migrations it stands for show up as content);
* built-in annotation: a `target` ({limit 100, tags [], type dashboard}) and the data
  source spelled `{"type": "datasource", "uid": "grafana"}` → one canonical spelling;
* variables: `current` (whatever was selected) and `options` (fetched at load) written,
  data-source variables' `refresh` always 1, constants' `hide` always 2,
  `hide: 0`, `skipUrlSync: false`, `label: ""`, `multi: false`, `sort: 0` dropped,
  `includeAll: false`, `allowCustomValue: true`, `regex: ""` written → `current` and
  `options` are not configuration and are ignored; the defaults are removed;
* panels: `pluginVersion` (the Grafana version that saved it), empty `options`,
  `fieldConfig: {defaults: {}, overrides: []}` written; empty `description`, `links`,
  `transformations`, `transparent: false`, targets' `hide: false` dropped; plugin option
  and field-config defaults filled in (`plugin_defaults`), threshold `mode` defaulted →
  `pluginVersion` ignored, the defaults filled in on both sides, empties removed;
* rows keep only type, id, title, gridPos, collapsed, panels and repeat; panels only the
  keys the frontend writes (legacy keys such as `bars`, `nullPointMode` do not survive a save);
* positions: a panel without one gets PanelModel's default (6×3 at 0,0); the grid compacts panels upwards when it lays them out, and the save writes
  the compacted positions, in layout order → positions are compared compacted, panels in
  (y, x) order.

Tags are a set (the build sorts them). Everything else -- a query, a threshold, a title, a unit -- is compared as it is.
"""

from __future__ import annotations

from typing import Any

from ..datasource_index import ANNOTATIONS_REF, GRAFANA_DS, DatasourceIndex
from ..normalize import iter_panels, normalize_dashboard
from . import plugin_defaults

#: top-level keys the frontend writes; anything else does not survive a UI save
DASHBOARD_KEYS = frozenset({"annotations", "description", "editable", "fiscalYearStartMonth", "graphTooltip",
                            "links", "liveNow", "panels", "preload", "refresh", "tags", "templating", "time",
                            "timepicker", "timezone", "title", "uid", "weekStart"})
#: top-level values that mean "not set"
DASHBOARD_DEFAULTS: dict[str, list[Any]] = {
    "editable": [True], "fiscalYearStartMonth": [0], "graphTooltip": [0], "links": [[]], "tags": [[]],
    "weekStart": [""], "liveNow": [False], "preload": [False], "refresh": ["", False], "description": [""],
    "timezone": ["browser", ""], "time": [{"from": "now-6h", "to": "now"}],
}
TIMEPICKER_DEFAULTS: dict[str, list[Any]] = {
    "refresh_intervals": [["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d"]],
    "hidden": [False], "nowDelay": [""],
}
VARIABLE_DEFAULTS: dict[str, list[Any]] = {
    "hide": [0], "skipUrlSync": [False], "label": [""], "multi": [False], "sort": [0], "includeAll": [False],
    "allowCustomValue": [True], "regex": [""], "description": [""],
    # interval variables: the schema's auto defaults
    "auto": [False], "auto_min": ["10s"], "auto_count": [30],
}
PANEL_DEFAULTS: dict[str, list[Any]] = {
    "description": [""], "links": [[]], "transformations": [[]], "transparent": [False], "options": [{}],
    "fieldConfig": [{"defaults": {}, "overrides": []}], "hideTimeOverride": [False], "interval": [""],
}
ROW_KEYS = frozenset({"type", "id", "title", "gridPos", "collapsed", "panels", "repeat"})
#: panel keys the frontend writes (`vizPanelToPanel`, `vizPanelDataToPanel`); others are dropped by a UI save
PANEL_KEYS = frozenset({"id", "type", "title", "description", "gridPos", "fieldConfig", "options", "targets",
                        "datasource", "transformations", "transparent", "links", "maxDataPoints", "interval",
                        "cacheTimeout", "queryCachingTTL", "timeFrom", "timeShift", "hideTimeOverride",
                        "timeCompare", "repeat", "maxPerRow", "repeatDirection", "libraryPanel", "pluginVersion"})
#: legacy AngularJS panels keep their options at the top level: compared as they are
ANGULAR_PANELS = frozenset({"graph", "singlestat", "table-old", "grafana-singlestat-panel", "grafana-piechart-panel",
                            "grafana-worldmap-panel", "grafana-clock-panel"})
#: what a panel without (part of) a position gets (PanelModel's defaults)
GRID_DEFAULTS = {"x": 0, "y": 0, "w": 6, "h": 3}
BUILTIN_TARGET = {"limit": 100, "matchAny": False, "tags": [], "type": "dashboard"}


def comparison_form(body: dict[str, Any], datasources: DatasourceIndex | None = None) -> dict[str, Any]:
    """The dashboard reduced to what a no-op save in Grafana's UI leaves unchanged.

    Idempotent, and the input is not modified. `datasources` resolves legacy by-name
    references the same way the build does.
    """
    dash = normalize_dashboard(body, datasources)
    dash = {k: v for k, v in dash.items() if k in DASHBOARD_KEYS}
    if isinstance(dash.get("tags"), list) and all(isinstance(t, str) for t in dash["tags"]):
        dash["tags"] = sorted(set(dash["tags"]))  # a set to Grafana; the build writes it sorted
    _strip(dash, DASHBOARD_DEFAULTS)
    picker = dash.get("timepicker")
    if isinstance(picker, dict):
        _strip(picker, TIMEPICKER_DEFAULTS)
        if not picker:
            del dash["timepicker"]
    _annotations(dash)
    for variable in (dash.get("templating") or {}).get("list") or []:
        if isinstance(variable, dict):
            _variable(variable)
    for panel in iter_panels(dash.get("panels") or []):
        _panel(panel)
    dash["panels"] = _layout(dash.get("panels") or [])
    return dash


def _strip(obj: dict[str, Any], defaults: dict[str, list[Any]]) -> None:
    for key, values in defaults.items():
        if key in obj and any(obj[key] == value and type(obj[key]) is type(value) for value in values):
            del obj[key]


def _annotations(dash: dict[str, Any]) -> None:
    for annotation in (dash.get("annotations") or {}).get("list") or []:
        if not isinstance(annotation, dict) or annotation.get("builtIn") != 1:
            continue
        if annotation.get("target") == BUILTIN_TARGET:
            del annotation["target"]
        ref = annotation.get("datasource")
        if isinstance(ref, dict) and ref.get("uid") in GRAFANA_DS.spellings:
            annotation["datasource"] = dict(ANNOTATIONS_REF)


def _variable(variable: dict[str, Any]) -> None:
    variable.pop("current", None)
    variable.pop("options", None)
    if variable.get("type") == "constant":
        variable.pop("hide", None)  # always written as "hidden"
    if variable.get("type") == "datasource":
        variable.pop("refresh", None)  # always written as "on load"
    _strip(variable, VARIABLE_DEFAULTS)


def _panel(panel: dict[str, Any]) -> None:
    panel.pop("pluginVersion", None)
    if panel.get("type") == "row":
        for key in [k for k in panel if k not in ROW_KEYS]:
            del panel[key]
        return
    kind = str(panel.get("type", ""))
    if kind not in ANGULAR_PANELS:
        for key in [k for k in panel if k not in PANEL_KEYS]:
            del panel[key]
    if kind in plugin_defaults.OPTIONS:
        panel["options"] = merged(plugin_defaults.OPTIONS[kind], panel.get("options") or {})
    if kind in plugin_defaults.WITH_FIELD_CONFIG:
        field_config = panel.setdefault("fieldConfig", {})
        field_config.setdefault("overrides", [])
        base = {**plugin_defaults.STANDARD, "color": plugin_defaults.COLOR[kind]}
        if kind in plugin_defaults.CUSTOM:
            base["custom"] = plugin_defaults.CUSTOM[kind]
        field_config["defaults"] = merged(base, field_config.get("defaults") or {})
    defaults = (panel.get("fieldConfig") or {}).get("defaults")
    if isinstance(defaults, dict):
        if isinstance(defaults.get("thresholds"), dict):
            defaults["thresholds"].setdefault("mode", "absolute")
        if defaults.get("custom") == {}:
            del defaults["custom"]
    for target in panel.get("targets") or []:
        if isinstance(target, dict) and target.get("hide") is False:
            del target["hide"]
    if not panel.get("repeat"):
        panel.pop("maxPerRow", None)
        panel.pop("repeatDirection", None)
    _strip(panel, PANEL_DEFAULTS)


def merged(defaults: Any, current: Any) -> Any:
    """`current` over `defaults`, as lodash `mergeWith` with arrays replaced whole.

    `current` is taken over (the caller's copy from `normalize_dashboard`); the defaults
    are copied, so the module-level tables are never shared into a result.
    """
    if isinstance(defaults, dict) and isinstance(current, dict):
        out = {key: _fresh(value) for key, value in defaults.items() if key not in current}
        for key, value in current.items():
            out[key] = merged(defaults[key], value) if key in defaults else value
        return out
    return current


def _fresh(value: Any) -> Any:
    """A copy of a JSON value (much cheaper than `copy.deepcopy`)."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def _layout(panels: list[Any]) -> list[Any]:
    """Positions compacted upwards (react-grid-layout's vertical compaction), (y, x) order."""
    items = [p for p in panels if isinstance(p, dict) and _grid(p) is not None]
    others = [p for p in panels if not (isinstance(p, dict) and _grid(p) is not None)]
    placed: list[dict[str, int]] = []
    for panel in sorted(items, key=_position_key):
        pos = _grid(panel)
        assert pos is not None
        while pos["y"] > 0 and not _collision(dict(pos, y=pos["y"] - 1), placed):
            pos["y"] -= 1
        hit = _collision(pos, placed)
        while hit is not None:
            pos["y"] = hit["y"] + hit["h"]
            hit = _collision(pos, placed)
        panel["gridPos"] = pos
        placed.append(pos)
        if panel.get("type") == "row" and isinstance(panel.get("panels"), list):
            panel["panels"] = sorted(panel["panels"], key=_position_key)
    return sorted(items, key=_position_key) + others


def _grid(panel: dict[str, Any]) -> dict[str, int] | None:
    pos = panel.get("gridPos", {})
    if not isinstance(pos, dict):
        return None
    values = {k: pos.get(k, default) for k, default in GRID_DEFAULTS.items()}
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values()):
        return None
    return {k: int(v) for k, v in values.items()}


def _position_key(panel: Any) -> tuple[int, int]:
    """(y, x); `sorted` is stable, so ties keep document order, as the grid's own sort does."""
    pos = panel.get("gridPos") if isinstance(panel, dict) else None
    pos = pos if isinstance(pos, dict) else {}
    return (_int(pos.get("y")), _int(pos.get("x")))


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _collision(pos: dict[str, int], placed: list[dict[str, int]]) -> dict[str, int] | None:
    for other in placed:
        if (pos["x"] < other["x"] + other["w"] and other["x"] < pos["x"] + pos["w"]
                and pos["y"] < other["y"] + other["h"] and other["y"] < pos["y"] + pos["h"]):
            return other
    return None
