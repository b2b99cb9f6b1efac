"""Dashboards placed in a folder: grafanalib objects (`DashboardDef`) or Grafana JSON files
(`JsonDashboard`, what `gac pull` writes). Both go through the same normalization, so an
imported dashboard and a written one compile to the same canonical form.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grafanalib import core as g

from ..errors import GRAFANA_JSON, DefinitionError, unreadable
from ..datasource_index import DatasourceIndex
from ..markers import MANAGED_TAG
from ..indented_json import unwritable
from ..normalize import UnknownDatasource, fix_grafanalib, normalize_dashboard, unwrap
from ..resource import DASHBOARD, Resource, Source, caller_source
from .checks import FOLDER_HINT, Checks
from .folders import Folder
from .grafanalib_json import plain

#: the longest dashboard tag Grafana 12 saves (dashboards.ErrDashboardTagTooLong)
MAX_TAG = 50


def _to_json_data(value: Any) -> Any:
    to_json_data = getattr(value, "to_json_data", None)
    return to_json_data() if callable(to_json_data) else None


def _resource(raw: dict[str, Any], folder: Folder, source: Source | None, what: str,
              datasources: DatasourceIndex, grafanalib: bool = False) -> Resource:
    """`raw` is the caller's own copy (the definition keeps nothing of it): normalized in place, after
    grafanalib's defaults are undone where it is grafanalib's output."""
    if not raw.get("uid"):
        raise DefinitionError.at(source, f"{what} has no uid: give it a stable uid so links and sync can find it")
    check = Checks(what, source)
    check.uid(str(raw["uid"]), "give it a stable uid so links and sync can find it")
    # Grafana refuses a dashboard without a title ("Dashboard title cannot be empty"): at sync, half-applied
    check.text("title", raw.get("title"), "give it a title people can read")
    _check_shape(unwrap(raw), check)
    if grafanalib:
        fix_grafanalib(raw)
    try:
        body = normalize_dashboard(raw, datasources, owned=True)
    except UnknownDatasource as exc:
        known = datasources.known() or "none"
        raise DefinitionError.at(source, f"{exc} (defined data sources: {known}); define it in datasources/ "
                                 "or fix the uid") from None
    body["tags"] = sorted(set(body.get("tags", [])) | {MANAGED_TAG})
    return Resource(DASHBOARD, str(body["uid"]), body, folder.uid, source)


#: what to do about a panel, query or variable that is no object
_OBJECT_HINT = "remove it, or put {what} there (a grafanalib object or a JSON object)"
_PLURALS = {"a row": "rows", "a panel": "panels", "a query": "queries", "a variable": "variables",
            "an annotation": "annotations"}


def _check_shape(dash: dict[str, Any], check: Checks) -> None:
    """The parts normalization walks hold what Grafana's dashboard model says they hold: panels,
    rows, targets, variables and annotations are objects, `fieldConfig` and `options` are objects.
    Anything else (`panels=[None]`) failed deep in the normalizer: a traceback naming no dashboard."""
    _objects(check, "rows", dash.get("rows"), "a row")
    _objects(check, "panels", dash.get("panels"), "a panel")
    version = dash.get("schemaVersion")
    if version is not None and not (isinstance(version, str) and version.strip().isdigit()):
        check.number("schemaVersion", version, "give Grafana's schema version, e.g. 39, or leave it out")
    for section, what in (("templating", "a variable"), ("annotations", "an annotation")):
        value = dash.get(section)
        if value is not None:
            check.instance(section, value, dict, "an object", 'write {"list": [...]}')
            _objects(check, f"{section}.list", value.get("list"), what)
    tags = dash.get("tags")
    if tags is not None:  # a string was taken letter by letter, a list in the list raised a TypeError
        hint = "give the tags as a list of strings, e.g. ['team', 'http']"
        check.instance("tags", tags, (list, tuple), "a list of strings", hint)
        for i, tag in enumerate(tags):
            check.instance(f"tags[{i}]", tag, str, "a string", hint)
            if len(tag.encode()) > MAX_TAG:  # Grafana 12: 400 tag-too-long (dashboards/errors.go); Go's len, bytes
                check.fail(f"tags[{i}] is {len(tag.encode())} bytes long (UTF-8); Grafana 12 refuses a tag longer "
                           f"than {MAX_TAG}: shorten it")
    for i, variable in enumerate((dash.get("templating") or {}).get("list") or ()):
        if variable.get("name") is not None:
            check.text(f"templating.list[{i}].name", variable["name"], "name the variable", empty=True)


def _objects(check: Checks, where: str, values: Any, what: str) -> None:
    """`values` (None: absent) is a list of objects, each `what`; panels and rows are checked within."""
    if values is None:
        return
    hint = _OBJECT_HINT.format(what=what)
    check.instance(where, values, (list, tuple), f"a list (of {_PLURALS[what]})", hint)
    for i, value in enumerate(values):
        check.instance(f"{where}[{i}]", value, dict, what, hint)
        if what in ("a panel", "a row"):
            _panel(check, f"{where}[{i}]", value)


def _panel(check: Checks, at: str, panel: dict[str, Any]) -> None:
    if panel.get("type") is not None:
        check.text(f"{at}.type", panel["type"], "give the panel type as a string, e.g. timeseries", empty=True)
    for key in ("fieldConfig", "options"):
        if panel.get(key) is not None:
            check.instance(f"{at}.{key}", panel[key], dict, "an object", "")
    defaults = (panel.get("fieldConfig") or {}).get("defaults")
    if defaults is not None:
        check.instance(f"{at}.fieldConfig.defaults", defaults, dict, "an object", "")
        thresholds = defaults.get("thresholds")
        if isinstance(thresholds, dict) and isinstance(thresholds.get("steps"), list):
            for j, step in enumerate(thresholds["steps"]):
                check.instance(f"{at}.fieldConfig.defaults.thresholds.steps[{j}]", step, dict, "an object",
                               'write each step as {"color": ..., "value": ...}')
    _objects(check, f"{at}.targets", panel.get("targets"), "a query")
    for j, target in enumerate(panel.get("targets") or ()):
        if target.get("refId") is not None:
            check.text(f"{at}.targets[{j}].refId", target["refId"], "give the query a letter, e.g. A", empty=True)
    _objects(check, f"{at}.panels", panel.get("panels"), "a panel")


@dataclass
class DashboardDef:
    dashboard: g.Dashboard
    folder: Folder
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        title = getattr(self.dashboard, "title", None)
        check = Checks(f"DashboardDef {title!r}" if isinstance(title, str) else "DashboardDef", self.source)
        check.instance("dashboard", self.dashboard, g.Dashboard, "a grafanalib Dashboard",
                       "pass g.Dashboard(title=..., uid=..., panels=[...]), or JsonDashboard('file.json', folder=...) "
                       "for a dashboard kept as Grafana JSON")
        check.instance("folder", self.folder, Folder, "a Folder", FOLDER_HINT)

    def raw_json(self) -> dict[str, Any]:
        """grafanalib's own output, before normalization: plain values the caller owns."""
        try:
            return plain(self.dashboard)
        except Exception as exc:  # noqa: BLE001 - the objects, and their to_json_data, are the user's
            found = unwritable(self.dashboard, _to_json_data)
            said = f"{found[0] or 'the dashboard'} {found[1]}" if found else \
                f"cannot be converted to JSON: {type(exc).__name__}: {exc}"
            raise DefinitionError.at(self.source, f"dashboard {self.dashboard.title!r}: {said}") from None

    def to_resource(self, datasources: DatasourceIndex) -> Resource:
        from ..panels import panel_source

        resource = _resource(self.raw_json(), self.folder, self.source, f"dashboard {self.dashboard.title!r}",
                             datasources, grafanalib=True)
        # normalization keeps panel order, so index i of the body is panels[i] of the definition
        resource.extra["sources"] = {("panels", i): src for i, panel in enumerate(self.dashboard.panels or [])
                                     if (src := panel_source(panel)) is not None}
        return resource


@dataclass
class JsonDashboard:
    """A dashboard kept as Grafana JSON; `path` is relative to the defining module."""

    path: str
    folder: Folder
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        check = Checks(f"JsonDashboard {self.path!r}" if isinstance(self.path, str) else "JsonDashboard", self.source)
        check.text("path", self.path, "pass the JSON file's path relative to this module, e.g. 'imported/x.json'")
        check.instance("folder", self.folder, Folder, "a Folder", FOLDER_HINT)

    def file(self) -> Path:
        base = Path(self.source.file).parent if self.source else Path.cwd()
        return base / self.path

    def raw_json(self) -> dict[str, Any]:
        text = None
        try:
            # a byte order mark (an editor on Windows, an export piped through PowerShell) is read
            # past, as `gac lint` reads the same file: generated/ is written without one
            text = self.file().read_text(encoding="utf-8-sig")
            data = GRAFANA_JSON.decode(text)
        except OSError as exc:
            raise DefinitionError.at(self.source, f"cannot read dashboard JSON {self.path}: {exc}") from None
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, a number too long, too deep
            raise DefinitionError.at(self.source, f"cannot read dashboard JSON {self.path}: "
                                     f"{unreadable(exc, text)}") from None
        if not isinstance(data, dict):
            raise DefinitionError.at(self.source, f"{self.path}: expected a dashboard object, found "
                                     f"{type(data).__name__}")
        return data

    def to_resource(self, datasources: DatasourceIndex) -> Resource:
        resource = _resource(self.raw_json(), self.folder, self.source, f"dashboard JSON {self.path}", datasources)
        # the file the user edits: findings point into it rather than at this wrapper's line
        resource.extra["json_file"] = os.path.normpath(self.file())
        return resource
