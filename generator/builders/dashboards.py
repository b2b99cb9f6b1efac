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
from ..normalize import UnknownDatasource, fix_grafanalib, normalize_dashboard
from ..resource import DASHBOARD, Resource, Source, caller_source
from .checks import FOLDER_HINT, Checks
from .folders import Folder
from .grafanalib_json import plain


def _resource(raw: dict[str, Any], folder: Folder, source: Source | None, what: str,
              datasources: DatasourceIndex) -> Resource:
    """`raw` is the caller's own copy (the definition keeps nothing of it): normalized in place."""
    if not raw.get("uid"):
        raise DefinitionError.at(source, f"{what} has no uid: give it a stable uid so links and sync can find it")
    check = Checks(what, source)
    check.uid(str(raw["uid"]), "give it a stable uid so links and sync can find it")
    # Grafana refuses a dashboard without a title ("Dashboard title cannot be empty"): at sync, half-applied
    check.text("title", raw.get("title"), "give it a title people can read")
    try:
        body = normalize_dashboard(raw, datasources, owned=True)
    except UnknownDatasource as exc:
        known = datasources.known() or "none"
        raise DefinitionError.at(source, f"{exc} (defined data sources: {known}); define it in datasources/ "
                                 "or fix the uid") from None
    body["tags"] = sorted(set(body.get("tags", [])) | {MANAGED_TAG})
    return Resource(DASHBOARD, str(body["uid"]), body, folder.uid, source)


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
        return plain(self.dashboard)

    def to_resource(self, datasources: DatasourceIndex) -> Resource:
        from ..panels import panel_source

        resource = _resource(fix_grafanalib(self.raw_json()), self.folder, self.source,
                             f"dashboard {self.dashboard.title!r}", datasources)
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
            text = self.file().read_text(encoding="utf-8")
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
