"""The small interface every resource kind implements (as grizzly's handlers do).

A handler knows everything kind-specific: where the kind lives under `generated/`, how to
read it back from there, and how to normalize a body for comparison. The live operations
(list, get, create, update, delete, concurrency token) are added by the sync layer through
the same handler, so adding a kind means adding a handler, not editing every stage.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from ..resource import Resource, Source


def slug(text: str) -> str:
    """A file-name-safe, stable spelling of a title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


class Handler:
    """Base class for one resource kind."""

    kind: str = ""
    directory: str = ""
    #: apply order: lower levels are written first (folders before what they contain)
    level: int = 0

    def path(self, resource: Resource) -> PurePosixPath:
        """Where the resource is written, relative to `generated/`."""
        return PurePosixPath(self.directory, f"{resource.uid}.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        """Rebuild a Resource from a file written by `path()`."""
        return Resource(self.kind, str(body["uid"]), body, body.get("folderUid") or None,
                        Source(f"generated/{relpath}"))

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body with everything Grafana sets itself removed, for comparison."""
        return {k: v for k, v in body.items() if k not in self.server_fields}

    #: top-level keys that Grafana sets and a definition never should
    server_fields: frozenset[str] = frozenset()
