"""A dashboard saved in Grafana's UI without any change is not drift.

`ui_save` below is what Grafana's frontend (11.6 / 12, the Scenes-based dashboards) sends
when a person opens a dashboard and presses Save without touching anything. It is
transcribed from Grafana's source, independently of generator/handlers/dashboard_form.py:

* public/app/features/dashboard-scene/serialization/transformSceneToSaveModel.ts: the model
  is rebuilt from `defaultDashboard` (editable, fiscalYearStartMonth 0, graphTooltip 0,
  links [], tags [], timezone "browser") plus state; unknown top-level keys (our `gacSync`
  stamp) and the `id` are gone; `weekStart` "", `preload`, `refresh`, the current
  schemaVersion are written; `liveNow` only when true; the time picker without its
  defaults; the time zone only when not "";
* vizPanelToPanel / vizPanelDataToPanel (same file): `pluginVersion`, `fieldConfig`
  ({defaults: {}, overrides: []} when absent), `options`; targets lose `hide: false`;
  empty `links`/`transformations`, `transparent: false` and empty descriptions dropped;
  keys the frontend does not know are not written; rows keep type/id/title/gridPos/
  collapsed/panels;
* getPanelOptionsWithDefaults.ts: a loaded plugin merges its option and field-config
  defaults under the panel's (values below from each plugin's module/config and checked
  against the dashboards exported from Grafana in shared/corpus);
* sceneVariablesSetToVariables.ts: `current` written, `options` [] for query variables,
  hide 0 / skipUrlSync false / label "" / multi false / sort 0 dropped, `includeAll`,
  `allowCustomValue`, `regex` written;
* dataLayersToAnnotations.ts: the built-in annotation with its default `target`, and
  (as recent exports show) the data source spelled {"type": "datasource", "uid": "grafana"};
* react-grid-layout compacts the grid upwards as it lays it out; the save writes that.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.compile import compile_project
from generator.normalize import iter_panels, normalize_dashboard
from generator.output import GENERATED, render_tree, write_tree
from generator.pull.references import datasource_refs
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.paths import SHARED, needs_shared
from tests.project import copy_project, write

pytestmark = emulator_only

PLUGIN_VERSION = "11.6.0"
REFRESH_INTERVALS = ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d"]
#: `plugin.defaults` of the panels a person is most likely to have on screen
OPTION_DEFAULTS: dict[str, dict[str, Any]] = {
    "timeseries": {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
                   "tooltip": {"mode": "single", "sort": "none", "hideZeros": False}},
    "stat": {"reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""}, "orientation": "auto",
             "textMode": "auto", "wideLayout": True, "colorMode": "value", "graphMode": "area",
             "justifyMode": "auto", "showPercentChange": False, "percentChangeColorMode": "standard"},
    "gauge": {"reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""}, "orientation": "auto",
              "showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto", "minVizWidth": 75,
              "minVizHeight": 75},
    "table": {"showHeader": True, "cellHeight": "sm",
              "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": ""}},
    "logs": {"showTime": False, "showLabels": False, "showCommonLabels": False, "wrapLogMessage": False,
             "prettifyLogMessage": False, "enableLogDetails": True, "dedupStrategy": "none",
             "sortOrder": "Descending"},
}
#: `plugin.fieldConfigDefaults.defaults`
FIELD_DEFAULTS: dict[str, dict[str, Any]] = {
    "timeseries": {
        "color": {"mode": "palette-classic"}, "mappings": [],
        "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]},
        "custom": {"drawStyle": "line", "lineInterpolation": "linear", "barAlignment": 0, "barWidthFactor": 0.6,
                   "lineWidth": 1, "fillOpacity": 0, "gradientMode": "none", "spanNulls": False,
                   "insertNulls": False, "showPoints": "auto", "pointSize": 5,
                   "stacking": {"mode": "none", "group": "A"}, "axisPlacement": "auto", "axisLabel": "",
                   "axisColorMode": "text", "axisBorderShow": False, "axisCenteredZero": False,
                   "scaleDistribution": {"type": "linear"},
                   "hideFrom": {"tooltip": False, "viz": False, "legend": False},
                   "thresholdsStyle": {"mode": "off"}},
    },
    "stat": {"color": {"mode": "thresholds"}, "mappings": [],
             "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                          {"color": "red", "value": 80}]}},
}
FIELD_DEFAULTS["gauge"] = FIELD_DEFAULTS["stat"]
FIELD_DEFAULTS["table"] = {**FIELD_DEFAULTS["stat"],
                           "custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False}}
TOP_LEVEL = ("annotations", "description", "editable", "fiscalYearStartMonth", "graphTooltip", "links", "liveNow",
             "panels", "preload", "refresh", "schemaVersion", "tags", "templating", "time", "timepicker",
             "timezone", "title", "uid", "version", "weekStart")
PANEL_WRITTEN = ("id", "type", "title", "description", "gridPos", "fieldConfig", "options", "targets", "datasource",
                 "transformations", "transparent", "links", "maxDataPoints", "interval", "cacheTimeout",
                 "queryCachingTTL", "timeFrom", "timeShift", "hideTimeOverride", "repeat", "maxPerRow",
                 "repeatDirection", "libraryPanel")


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = _merge(out[key], value) if key in out else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def _panel(panel: dict[str, Any]) -> dict[str, Any]:
    if panel.get("type") == "row":
        out = {k: panel[k] for k in ("type", "id", "title", "gridPos") if k in panel}
        out["collapsed"] = bool(panel.get("collapsed"))
        out["panels"] = [_panel(p) for p in panel.get("panels") or []]
        if panel.get("repeat"):
            out["repeat"] = panel["repeat"]
        return out
    out = {k: copy.deepcopy(panel[k]) for k in PANEL_WRITTEN if k in panel}
    kind = panel.get("type", "")
    out["pluginVersion"] = PLUGIN_VERSION
    out.setdefault("fieldConfig", {"defaults": {}, "overrides": []})
    out["fieldConfig"].setdefault("overrides", [])
    out["options"] = _merge(OPTION_DEFAULTS.get(kind, {}), out.get("options") or {})
    out["fieldConfig"]["defaults"] = _merge(FIELD_DEFAULTS.get(kind, {}), out["fieldConfig"].get("defaults") or {})
    thresholds = out["fieldConfig"]["defaults"].get("thresholds")
    if isinstance(thresholds, dict):
        thresholds.setdefault("mode", "absolute")
    out["targets"] = [{k: v for k, v in t.items() if not (k == "hide" and v is False)} for t in out.get("targets") or []]
    for key, empty in (("links", []), ("transformations", []), ("transparent", False), ("description", "")):
        if out.get(key, empty) == empty:
            out.pop(key, None)
    return out


def _variable(variable: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(variable)
    kind = out.get("type")
    if kind == "query":
        out.setdefault("current", {"text": "All", "value": "$__all"} if out.get("includeAll") else {"text": "", "value": ""})
        if out.get("refresh", 1) != 0:
            out["options"] = []
        out.setdefault("includeAll", False)
        out.setdefault("allowCustomValue", True)
        out.setdefault("regex", "")
    elif kind == "custom":
        values = [v.strip() for v in str(out.get("query", "")).split(",") if v.strip()]
        out["options"] = [{"text": v, "value": v, "selected": i == 0} for i, v in enumerate(values)]
        out.setdefault("current", {"text": values[0] if values else "", "value": values[0] if values else ""})
    elif kind == "datasource":
        out.setdefault("current", {"text": "default", "value": "default"})
        out["options"], out["refresh"] = [], 1
    elif kind == "constant":
        out["hide"] = 2
    for key, default in (("hide", 0), ("skipUrlSync", False), ("label", ""), ("multi", False), ("sort", 0)):
        if out.get(key) == default:
            del out[key]
    return out


def _annotation(annotation: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(annotation)
    if out.get("builtIn") == 1:
        out["datasource"] = {"type": "datasource", "uid": "grafana"}
        out.setdefault("target", {"limit": 100, "matchAny": False, "tags": [], "type": "dashboard"})
    return out


def _compact(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """react-grid-layout's vertical compaction: each item, in (y, x) order, moves up until it hits one."""
    placed: list[dict[str, int]] = []

    def hits(pos: dict[str, int]) -> dict[str, int] | None:
        return next((o for o in placed if pos["x"] < o["x"] + o["w"] and o["x"] < pos["x"] + pos["w"]
                     and pos["y"] < o["y"] + o["h"] and o["y"] < pos["y"] + pos["h"]), None)

    for panel in panels:  # PanelModel's defaults for a panel without a position
        panel["gridPos"] = {"x": 0, "y": 0, "w": 6, "h": 3, **(panel.get("gridPos") or {})}
    ordered = sorted(panels, key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    for panel in ordered:
        pos = dict(panel["gridPos"])
        while pos["y"] > 0 and hits(dict(pos, y=pos["y"] - 1)) is None:
            pos["y"] -= 1
        while (other := hits(pos)) is not None:
            pos["y"] = other["y"] + other["h"]
        panel["gridPos"] = pos
        placed.append(pos)
    return ordered


def ui_save(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The body Grafana's frontend saves for `dashboard` when nothing was changed."""
    d = copy.deepcopy(dashboard)
    out: dict[str, Any] = {"editable": True, "fiscalYearStartMonth": 0, "graphTooltip": 0, "links": [], "tags": [],
                           "timezone": "browser", "weekStart": "", "preload": False, "refresh": "",
                           "time": {"from": "now-6h", "to": "now"}}
    out.update({k: d[k] for k in TOP_LEVEL if k in d and k not in ("timezone", "liveNow", "timepicker")})
    if d.get("timezone"):
        out["timezone"] = d["timezone"]
    if d.get("liveNow"):
        out["liveNow"] = True
    picker = {k: v for k, v in (d.get("timepicker") or {}).items()
              if (k, v) not in (("refresh_intervals", REFRESH_INTERVALS), ("hidden", False), ("nowDelay", ""))
              and k in ("refresh_intervals", "hidden", "nowDelay", "quick_ranges")}
    out["timepicker"] = picker
    out["schemaVersion"] = 41
    out["annotations"] = {"list": [_annotation(a) for a in (d.get("annotations") or {}).get("list") or []]}
    out["templating"] = {"list": [_variable(v) for v in (d.get("templating") or {}).get("list") or []]}
    out["panels"] = _compact([_panel(p) for p in d.get("panels") or []])
    if not out.get("description"):
        out.pop("description", None)
    return out


def ui_noop_save(emu: GrafanaEmulator, uid: str, user: str = "alice") -> None:
    """Alice opens the dashboard in Grafana and saves it without changing anything."""
    client = emu.as_user(user)
    current = client.get(f"/api/dashboards/uid/{uid}").json()
    saved = client.post("/api/dashboards/db", json={"dashboard": ui_save(current["dashboard"]), "overwrite": False,
                                                    "folderUid": current["meta"]["folderUid"], "message": ""})
    assert saved.status_code == 200, saved.text


# --- a project holding corpus dashboards (also used by the pull tests) -------------------------

CORPUS = SHARED / "corpus" / "dashboards"
ANGULAR = ("graph", "singlestat")
LINT_OFF = "\n".join(["lint:", "  rules:"] + [f"    {rule}: off" for rule in (
    "template-variable-undefined", "panel-unit-missing", "promql-legend-label", "promql-counter-raw",
    "template-variable-unused", "panel-grid-overlap", "promql-interval-rate-window", "promql-rate-non-counter",
    "promql-rate-unsuffixed")]) + "\n"


def corpus_files() -> list[Path]:
    return sorted(CORPUS.rglob("*.json"))


def has_angular_panels(dashboard: dict[str, Any]) -> bool:
    return any(p.get("type") in ANGULAR for p in iter_panels(normalize_dashboard(dashboard)["panels"]))


def add_corpus_datasources(root: Path, dashboards: list[dict[str, Any]]) -> None:
    """Define every data source the dashboards reference (the repository's own stay)."""
    refs: dict[str, str] = {}
    for dashboard in dashboards:
        refs.update(datasource_refs(normalize_dashboard(dashboard)))
    lines = ["from generator.builders import DataSource", ""]
    for number, (uid, kind) in enumerate(sorted(refs.items())):
        if uid not in ("prometheus", "loki", "tempo"):
            lines.append(f"ds_{number} = DataSource(uid={uid!r}, name={('Corpus ' + uid)!r}, "
                         f"type={kind or 'prometheus'!r}, url='http://{uid.lower()}.example:9090')")
    write(root, "datasources/corpus.py", "\n".join(lines) + "\n")
    config = root / "grafana.yaml"
    assert "\nlint:\n  rules: {}\n" in config.read_text()  # replaced: a second `lint:` key is refused
    config.write_text(config.read_text().replace("\nlint:\n  rules: {}\n", "\n" + LINT_OFF, 1))


def build_unlinted(root: Path) -> None:
    """compile + write generated/: what `gac build` does, without the linter's opinion of the corpus."""
    write_tree(root / GENERATED, render_tree(compile_project(root)))


# --- the tests -------------------------------------------------------------------------------------

def run(root: Path, emu: GrafanaEmulator, *args: str) -> Any:
    env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, "GRAFANA_USER": None, "GRAFANA_PASSWORD": None,
           "GAC_ENV": None, "GRAFANA_ORG_ID": None}
    return CliRunner().invoke(main, [args[0], "--root", str(root), "--env", "local", *args[1:]], env=env,
                              catch_exceptions=False)


def test_the_simulated_save_rewrites_the_json() -> None:
    """The premise: a no-op UI save is not a byte-for-byte echo (else this test proves nothing)."""
    body = json.loads((Path(__file__).parent.parent / "generated/dashboards/otel-apps/otel-apm.json").read_text())
    body["gacSync"] = {"hash": "x", "version": 1}
    saved = ui_save(body)
    assert "gacSync" not in saved and saved != body
    panels = [p for p in iter_panels(saved["panels"]) if p["type"] != "row"]
    assert all(p["pluginVersion"] == PLUGIN_VERSION for p in panels)
    assert saved["annotations"]["list"][0]["target"]["limit"] == 100
    assert all("current" in v and "hide" not in v for v in saved["templating"]["list"])
    timeseries = next(p for p in panels if p["type"] == "timeseries")
    assert timeseries["fieldConfig"]["defaults"]["custom"]["axisBorderShow"] is False


def test_noop_ui_save_of_every_project_dashboard_is_not_drift(tmp_path: Path,
                                                              grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    assert run(root, emu, "sync").exit_code == 0
    written = {uid: copy.deepcopy(d.data) for uid, d in emu.store.org(1).dashboards.items()}
    for uid in sorted(written):
        ui_noop_save(emu, uid)
    org = emu.store.org(1)
    assert all(org.dashboards[uid].updated_by == "alice" and org.dashboards[uid].data != written[uid] for uid in written)
    result = run(root, emu, "drift")
    assert result.exit_code == 0, result.output
    assert "No drift: Grafana matches generated/ (17 objects compared)." in result.output
    # plan and sync agree with drift: nothing to do, no conflict, no write
    plan = run(root, emu, "plan", "--detailed-exitcode")
    assert plan.exit_code == 0 and "0 conflicts, 17 unchanged" in plan.output, plan.output
    writes = len(emu.writes)
    assert run(root, emu, "sync").exit_code == 0 and len(emu.writes) == writes

    # a real edit after the no-op save is still seen
    alice = emu.as_user("alice")
    current = alice.get("/api/dashboards/uid/otel-collector").json()
    panel = next(p for p in iter_panels(current["dashboard"]["panels"]) if p.get("type") == "timeseries")
    panel["fieldConfig"]["defaults"]["custom"]["lineWidth"] = 3
    assert alice.post("/api/dashboards/db", json={"dashboard": current["dashboard"],
                                                  "folderUid": "otel-platform"}).status_code == 200
    result = run(root, emu, "drift")
    assert result.exit_code == 1
    assert f'panel "{panel["title"]}" (id {panel["id"]}) › custom › lineWidth: 1 → 3' in result.output


@needs_shared
def test_noop_ui_save_of_corpus_dashboards_is_not_drift(tmp_path: Path, grafana_emulator: GrafanaEmulator) -> None:
    """Every corpus dashboard without legacy Angular panels (Grafana 11+ migrates those on load,
    which is a real change of the stored JSON): normalized, synced, saved in the UI → no drift."""
    emu = grafana_emulator
    root = copy_project(tmp_path / "repo")
    dashboards = []
    for number, path in enumerate(corpus_files()):
        dashboard = json.loads(path.read_text())
        if has_angular_panels(dashboard):
            continue
        dashboard = normalize_dashboard(dashboard)
        dashboard["uid"] = dashboard.get("uid") or f"corpus-{number}"
        write(root, f"dashboards/corpus/{number}.json", json.dumps(dashboard))
        dashboards.append((number, dashboard))
    assert len(dashboards) >= 30
    add_corpus_datasources(root, [d for _, d in dashboards])
    write(root, "dashboards/corpus_set.py", "from generator.builders import Folder, JsonDashboard\n\n"
          "corpus = Folder(uid='corpus', title='Corpus')\n"
          "dashboards = [\n" + "".join(f"    JsonDashboard('corpus/{n}.json', folder=corpus),\n" for n, _ in dashboards)
          + "]\n")
    build_unlinted(root)
    synced = run(root, emu, "sync")
    assert synced.exit_code == 0, synced.output
    for _, dashboard in dashboards:
        ui_noop_save(emu, dashboard["uid"])
    result = run(root, emu, "drift", "--format", "json")
    doc = json.loads(result.output)
    problems = [f"{i['kind']} {i['uid']}: {c['text']}" for i in doc["items"] for c in i.get("changes", [{"text": i["status"]}])]
    assert problems == [], "\n".join(problems)
    assert result.exit_code == 0


def test_code_change_after_a_noop_ui_save_is_an_update_not_a_conflict(tmp_path: Path,
                                                                       grafana_emulator: GrafanaEmulator) -> None:
    """A UI save drops the sync's stamp; the version history shows the sync's last write, and
    since the live dashboard still shows exactly that, the next code change may be applied."""
    emu = grafana_emulator
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    assert run(root, emu, "sync").exit_code == 0
    ui_noop_save(emu, "otel-apm")
    ui_noop_save(emu, "otel-genai")
    alice = emu.as_user("alice")  # a real edit of the GenAI dashboard on top of the no-op save
    genai = alice.get("/api/dashboards/uid/otel-genai").json()
    genai["dashboard"]["description"] = "edited by alice"
    assert alice.post("/api/dashboards/db", json={"dashboard": genai["dashboard"],
                                                  "folderUid": "otel-apps"}).status_code == 200
    for module in ("dashboards/apm.py", "dashboards/genai.py"):
        path = root / module
        path.write_text(path.read_text().replace('"Active requests"', '"In-flight requests"'))
    assert build(root).written

    plan = run(root, emu, "plan")
    assert "~ dashboard otel-apm" in plan.output, plan.output
    assert "! dashboard otel-genai" in plan.output and "last saved by alice" in plan.output
    synced = run(root, emu, "sync")
    assert synced.exit_code == 1  # the GenAI conflict, not overwritten
    titles = [p["title"] for p in iter_panels(emu.store.org(1).dashboards["otel-apm"].data["panels"])]
    assert "In-flight requests" in titles
    assert emu.store.org(1).dashboards["otel-genai"].data["description"] == "edited by alice"
