"""Alert rule groups: the body of `PUT /api/v1/provisioning/folder/{uid}/rule-groups/{group}`.

A group is replaced as a whole, so its concurrency token is its content; rules inside carry
their own stable uids so that a replacement updates rules instead of recreating them.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..resource import Resource, Source
from .base import Handler, slug

RULE_SERVER_FIELDS = frozenset({"id", "updated", "provenance", "orgID", "orgId"})


class AlertRuleGroupHandler(Handler):
    kind = "alert-rule-group"
    directory = "alert-rules"
    level = 3

    def path(self, resource: Resource) -> PurePosixPath:
        return PurePosixPath(self.directory, resource.folder_uid or "", f"{slug(resource.uid)}.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        return Resource(self.kind, str(body["title"]), body, body.get("folderUid"), Source(f"generated/{relpath}"))

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in body.items() if k not in RULE_SERVER_FIELDS}
        out["rules"] = sorted(
            ({k: v for k, v in rule.items() if k not in RULE_SERVER_FIELDS} for rule in body.get("rules", [])),
            key=lambda rule: str(rule.get("uid", "")),
        )
        return out
