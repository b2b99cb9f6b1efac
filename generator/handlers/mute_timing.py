"""Mute timings (`/api/v1/provisioning/mute-timings`): named Alertmanager time intervals.

Token: Grafana's `version` (a fingerprint of the intervals), sent on update and delete.
A mute timing has no field to carry a stamp, so its stamp lives in gac's stamps template
(stamp_store.py) under `mute-timing/<name>`; a mute timing with a stamp there is managed.
Grafana refuses to delete one a policy or rule still uses (409): deletes run after the
policy tree and the rule groups were rewritten, so by then nothing of ours uses it.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote

from ..resource import MUTE_TIMING, Resource
from .live import Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteResult
from .notification_base import PROVISIONING, NamedNotificationHandler, provenance_of
from . import stamp_store

_PATH = f"{PROVISIONING}/mute-timings"


def _interval(raw: Any) -> Any:
    """Empty fields dropped, names lower-case: the form Grafana answers with."""
    if not isinstance(raw, dict):
        return raw
    out = {k: copy.deepcopy(v) for k, v in raw.items() if v not in (None, [], "")}
    for key in ("weekdays", "months"):
        if isinstance(out.get(key), list):
            out[key] = [str(v).lower() for v in out[key]]
    return out


class MuteTimingHandler(NamedNotificationHandler):
    kind = MUTE_TIMING
    marker_follows_object = True
    directory = "mute-timings"
    order_in_level = 3
    api_path = _PATH

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"name": body.get("name"), "time_intervals": [_interval(i) for i in body.get("time_intervals") or []]}

    def stamp_key(self, name: str) -> str:
        return f"{self.kind}/{name}"

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        rows = calls.read("list mute timings", lambda g: g.client.GET(_PATH)) or []
        stamps, _version = stamp_store.read(calls)
        return [LiveRef(self.kind, (self.kind, str(r.get("name"))), str(r.get("name")), str(r.get("name")), None,
                        self.stamp_key(str(r.get("name"))) in stamps,
                        {**r, "gacStamp": stamps.get(self.stamp_key(str(r.get("name"))))})
                for r in rows if isinstance(r, dict)]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        dto = self.get_named(calls, ref.uid)
        if dto is None:
            return None
        if "gacStamp" in ref.row:  # read with the listing, moments ago: one read per object
            return self.live_from(dto, ref.row["gacStamp"])
        stamps, _version = stamp_store.read(calls)
        return self.live_from(dto, stamps.get(self.stamp_key(str(dto["name"]))))

    def live_from(self, dto: dict[str, Any], stamp: str | None) -> LiveObject:
        body = {"name": dto["name"], "time_intervals": copy.deepcopy(dto.get("time_intervals") or [])}
        resource = Resource(self.kind, str(dto["name"]), body, None, extra={"provenance": provenance_of(dto)})
        return LiveObject(resource, token=dto.get("version"), managed=stamp is not None,
                          stamp=Stamp(stamp) if stamp else None, raw=dto,
                          read_only="provisioned from a file" if provenance_of(dto) == "file" else None)

    def _body(self, desired: Resource, version: Any) -> dict[str, Any]:
        body = self.normalize(desired.body)
        if version:
            body["version"] = version
        return body

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        body = self._body(desired, None)
        calls.write(f"create mute timing {desired.uid!r}",
                    lambda g: g.client.POST(_PATH, json=body, headers=self.headers(ctx)))
        stamp_store.put(calls, self.stamp_key(desired.uid), self.stamp_hash(desired, ctx))
        return WriteResult()

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        body = self._body(desired, live.token)
        name = quote(desired.uid, safe="")
        calls.write(f"update mute timing {desired.uid!r}",
                    lambda g: g.client.PUT(f"{_PATH}/{name}", json=body, headers=self.update_headers(live)))
        stamp_store.put(calls, self.stamp_key(desired.uid), self.stamp_hash(desired, ctx))
        return WriteResult()

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        self.delete_named(calls, live, "mute timing")
        stamp_store.put(calls, self.stamp_key(live.resource.uid), None)
        return WriteResult()
