"""Notification templates: named groups of Go templates (`PUT /api/v1/provisioning/templates/{name}`).

Token: Grafana's `version` (a fingerprint of the content), sent back on update and delete,
so a save that lands between our read and our write fails with 409 instead of being lost.

Marker: the template text gets a trailing Go comment `{{/* gacSync <hash> */}}`; it renders
nothing, Grafana keeps the text verbatim, and a person's edit changes the text so the hash
no longer matches. gac's own `gac-sync-stamps` template (stamp_store.py) is not a definition
and is never listed, compared or pruned here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from ..markers import STAMP_KEY
from ..resource import NOTIFICATION_TEMPLATE, Resource
from .live import Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteResult
from .notification_base import PROVISIONING, NamedNotificationHandler, provenance_of
from .stamp_store import TEMPLATE_NAME as STAMPS_TEMPLATE

_PATH = f"{PROVISIONING}/templates"
_MARKER = re.compile(r"\n?\{\{/\* " + STAMP_KEY + r" ([0-9a-f]+) \*/\}\}\s*$")


def split_marker(text: str) -> tuple[str, str | None]:
    found = _MARKER.search(text)
    return (text[:found.start()], found.group(1)) if found else (text, None)


class NotificationTemplateHandler(NamedNotificationHandler):
    kind = NOTIFICATION_TEMPLATE
    directory = "notification-templates"
    order_in_level = 1
    api_path = _PATH

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"name": body.get("name"), "template": split_marker(str(body.get("template") or ""))[0]}

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        rows = calls.read("list notification templates", lambda g: g.client.GET(_PATH)) or []
        return [LiveRef(self.kind, (self.kind, str(r.get("name"))), str(r.get("name")), str(r.get("name")), None,
                        split_marker(str(r.get("template") or ""))[1] is not None, r)
                for r in sorted(rows, key=lambda r: str(r.get("name")))
                if isinstance(r, dict) and r.get("name") != STAMPS_TEMPLATE]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        dto = self.get_named(calls, ref.uid)
        return self.live_from(dto) if dto is not None else None

    def live_from(self, dto: dict[str, Any]) -> LiveObject:
        text, stamp = split_marker(str(dto.get("template") or ""))
        resource = Resource(self.kind, str(dto["name"]), {"name": dto["name"], "template": dto.get("template")},
                            None, extra={"provenance": provenance_of(dto)})
        return LiveObject(resource, token=dto.get("version"), managed=stamp is not None,
                          stamp=Stamp(stamp) if stamp else None, raw=dto,
                          read_only="provisioned from a file" if provenance_of(dto) == "file" else None)

    def _put(self, calls: Calls, desired: Resource, ctx: SyncContext, version: Any, what: str,
             headers: dict[str, str]) -> WriteResult:
        text = self.normalize(desired.body)["template"] + "\n{{/* " + STAMP_KEY + " " + \
            self.stamp_hash(desired, ctx) + " */}}"
        body: dict[str, Any] = {"template": text}
        if version:
            body["version"] = version
        name = quote(desired.uid, safe="")
        calls.write(f"{what} notification template {desired.uid!r}",
                    lambda g: g.client.PUT(f"{_PATH}/{name}", json=body, headers=headers))
        return WriteResult()

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        return self._put(calls, desired, ctx, None, "create", self.headers(ctx))

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        return self._put(calls, desired, ctx, live.token, "update", self.update_headers(live))

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        self.delete_named(calls, live, "notification template")
        return WriteResult()
