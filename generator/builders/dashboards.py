"""A grafanalib dashboard placed in a folder: the unit the compiler turns into a Resource."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from grafanalib import core as g
from grafanalib._gen import DashboardEncoder

from ..errors import DefinitionError
from ..normalize import DatasourceIndex, UnknownDatasource, fix_grafanalib, normalize_dashboard
from ..resource import DASHBOARD, Resource, Source, caller_source
from .folders import Folder

#: tag that marks a dashboard as managed by this tool (sync prunes only these)
MANAGED_TAG = "managed-by-gac"


@dataclass
class DashboardDef:
    dashboard: g.Dashboard
    folder: Folder
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    @property
    def uid(self) -> str:
        return self.dashboard.uid or ""

    def raw_json(self) -> dict[str, Any]:
        """grafanalib's own output, before normalization."""
        return json.loads(json.dumps(self.dashboard.to_json_data(), cls=DashboardEncoder))

    def to_resource(self, datasources: DatasourceIndex) -> Resource:
        if not self.dashboard.uid:
            raise DefinitionError.at(self.source, f"dashboard {self.dashboard.title!r} has no uid: give it a "
                                     "stable uid= so links and sync can find it")
        try:
            body = normalize_dashboard(fix_grafanalib(self.raw_json()), datasources)
        except UnknownDatasource as exc:
            known = ", ".join(sorted(datasources.types)) or "none"
            raise DefinitionError.at(self.source, f"{exc} (defined data sources: {known}); define it in "
                                     "datasources/ or fix the uid") from None
        body["tags"] = sorted(set(body.get("tags", [])) | {MANAGED_TAG})
        return Resource(DASHBOARD, self.dashboard.uid, body, self.folder.uid, self.source)
