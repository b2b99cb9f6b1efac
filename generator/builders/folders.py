"""Folders, the containers dashboards and rule groups are placed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..resource import FOLDER, Resource, Source, caller_source


@dataclass
class Folder:
    uid: str
    title: str
    parent: "Folder | None" = None
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def to_resource(self) -> Resource:
        body = {"uid": self.uid, "title": self.title}
        if self.parent is not None:
            body["parentUid"] = self.parent.uid
        return Resource(FOLDER, self.uid, body, self.parent.uid if self.parent else None, self.source)
