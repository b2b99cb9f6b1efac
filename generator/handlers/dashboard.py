"""Dashboards: the dashboard JSON model; folder from the directory; token is `version`."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..resource import Resource, Source
from .base import Handler

GENERAL_FOLDER = "general"


class DashboardHandler(Handler):
    kind = "dashboard"
    directory = "dashboards"
    level = 2
    server_fields = frozenset({"id", "version", "iteration"})

    def path(self, resource: Resource) -> PurePosixPath:
        return PurePosixPath(self.directory, resource.folder_uid or GENERAL_FOLDER, f"{resource.uid}.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        folder = relpath.parent.name
        return Resource(self.kind, str(body["uid"]), body, None if folder == GENERAL_FOLDER else folder,
                        Source(f"generated/{relpath}"))
