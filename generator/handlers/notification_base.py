"""What the four notification kinds share: provisioning-API provenance, order, comparison form.

Contact points, templates, mute timings and the policy tree live in one Alertmanager
configuration per organisation and are written through `/api/v1/provisioning`. Like rule
groups they are created provisioned (provenance `api`, locked in the UI) unless the
environment sets `alerts_editable` (the `X-Disable-Provenance` header). Unlike rule groups,
Grafana refuses to take provenance `api` away from a contact point or the tree, so an
update keeps the provenance the object has, and provenance is not part of the comparison:
switching `alerts_editable` applies to objects created afterwards (delete and recreate one
to change it).

Order: they share the dashboards' level and are written in waves -- templates, contact
points, mute timings, the policy tree -- so everything a policy names exists before the
policy is written; rule groups (a higher level) come after; deletes run in reverse.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Mapping
from urllib.parse import quote

from ..resource import Resource, Source
from .base import Handler, slug
from .live import ApiError, Calls, LiveObject, SyncContext

PROVISIONING = "/v1/provisioning"


class NotificationHandler(Handler):
    level = 2
    #: write order among the notification kinds (dashboards, in the same level, are wave 0)
    order_in_level = 1

    def wave(self, resource: Resource, desired: dict[tuple[str, ...], Resource]) -> int:
        return self.order_in_level

    def dependencies(self, resource: Resource,
                     desired: Mapping[tuple[str, ...], Resource]) -> list[tuple[str, ...]]:
        return []

    def expected_provenance(self, ctx: SyncContext) -> str:
        return "" if ctx.alerts_editable else "api"

    def headers(self, ctx: SyncContext) -> dict[str, str]:
        return {"X-Disable-Provenance": "true"} if ctx.alerts_editable else {}

    def prepare(self, resource: Resource, ctx: SyncContext) -> Resource:
        from .base import copied
        return copied(resource, provenance=self.expected_provenance(ctx))

    def update_headers(self, live: LiveObject) -> dict[str, str]:
        """An update keeps the live object's provenance (Grafana refuses `api` → none)."""
        return {"X-Disable-Provenance": "true"} if not live.resource.extra.get("provenance") else {}

    def describe_live(self, live: LiveObject) -> str:
        provenance = live.resource.extra.get("provenance")
        return f"provenance {provenance!r}" if provenance else "editable in the UI (no provenance)"


def provenance_of(dto: dict[str, Any]) -> str:
    value = dto.get("provenance")
    return str(value) if isinstance(value, str) else ""


class NamedNotificationHandler(NotificationHandler):
    """Templates and mute timings: identified by name, one file each, read by `GET {path}/{name}`."""

    api_path = ""

    def path(self, resource: Resource) -> PurePosixPath:
        return PurePosixPath(self.directory, f"{slug(resource.uid)}.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        return Resource(self.kind, str(body["name"]), body, None, Source(f"generated/{relpath}"))

    def get_named(self, calls: Calls, name: str) -> dict[str, Any] | None:
        """The object as Grafana answers it, or None when it does not exist (404)."""
        quoted = quote(name, safe="")
        try:
            dto = calls.read(f"read {self.kind} {name!r}", lambda g: g.client.GET(f"{self.api_path}/{quoted}"))
        except ApiError as exc:
            if exc.not_found:
                return None
            raise
        return dto if isinstance(dto, dict) and dto.get("name") else None

    def delete_named(self, calls: Calls, live: LiveObject, noun: str) -> None:
        """`DELETE {path}/{name}` at the live version; an object made editable in the UI (no
        provenance) is deleted with `X-Disable-Provenance`, as Grafana asks of it."""
        name = quote(live.resource.uid, safe="")
        params = {"version": live.token} if live.token else {}
        headers = {"X-Disable-Provenance": "true"} if live.resource.extra.get("provenance") == "" else {}
        calls.write(f"delete {noun} {live.resource.uid!r}", lambda g: g.client.DELETE(
            f"{self.api_path}/{name}", params=params, headers=headers, accept_empty_json=True))
