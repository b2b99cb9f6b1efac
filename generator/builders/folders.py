"""Folders, the containers dashboards and rule groups are placed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..resource import FOLDER, GENERAL_FOLDER, Resource, Source, caller_source
from .checks import Checks


@dataclass
class Folder:
    uid: str
    title: str
    parent: "Folder | None" = None
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        check = Checks(f"folder {self.uid!r}" if isinstance(self.uid, str) else "Folder", self.source)
        check.uid(self.uid, "give it a stable uid so dashboards and sync can find it")
        check.text("title", self.title, "give it a title people can read")
        # the root is "General" (uid general): Grafana refuses a folder that takes either
        # (400 "invalid uid for folder provided" / "A folder with that name already exists",
        # folder.go Create, dashboard_service.go BuildSaveDashboardCommand)
        if self.uid == GENERAL_FOLDER:
            check.fail(f"uid {GENERAL_FOLDER!r} is the root's, which is no folder Grafana can create: choose another uid "
                       "(a dashboard at the root has no folder)")
        if self.title.strip().lower() == "general":
            check.fail(f"title {self.title!r} is the root's name, which Grafana refuses for a folder in any case: "
                       "choose another title")
        check.instance("parent", self.parent, (Folder, type(None)), "a Folder",
                       "pass the parent Folder object itself, not its uid")

    def to_resource(self) -> Resource:
        body = {"uid": self.uid, "title": self.title}
        if self.parent is not None:
            body["parentUid"] = self.parent.uid
        return Resource(FOLDER, self.uid, body, self.parent.uid if self.parent else None, self.source)
