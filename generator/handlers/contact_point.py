"""Contact points: one integration each (`POST/PUT /api/v1/provisioning/contact-points`).

Integrations sharing a name form one contact point in Grafana's UI; the API and gac
handle each integration by its uid.

Secrets: the generated body lists the secret settings' keys (`secretSettings`); grafana.yaml
names, per environment, the variable holding each value (`contact_points.<uid>.secrets`).
Values join the body only when a write is built. Grafana answers secure settings as
`[REDACTED]`, so comparison drops the secret keys on both sides and compares which of
them Grafana holds (`secrets`) instead -- a redaction is never a change.

Secret rotation, as for data sources (generator/secret_fingerprint.py). Grafana never
answers a secret's value, so a webhook URL or integration key rotated in the environment
is invisible to the body comparison. With a pepper (`GAC_SECRET_PEPPER`) every write also
stores `settings.gacSync.secretValues`: a keyed, salted, slow fingerprint of the values
sent, and the comparison shows rotated values as an update ("secret values: rotated in the
environment since the last sync"); a stamp without one (written before the pepper) is
re-sent once. Without a pepper nothing is stored, rotation is not detected, the plan says
so and `gac sync --rotate-secrets [UID...]` re-sends (`carries_secrets`).

Where the fingerprint lives: beside the rest of the stamp, in the integration's settings,
which Grafana keeps and echoes (unknown keys included) -- so it is written in the same
request as the secrets it describes and can never describe other values than the ones
Grafana took. (`gac-sync-stamps`, the template of stamp_store.py, is for the kinds without
such a field; keeping the fingerprint there would take a second, separate write.) The
settings are readable by whoever can read contact points (the provisioning API, exports,
backups), which is exactly the reader the fingerprint's threat model assumes: without the
pepper it neither recovers a secret nor lets anyone test a guess of one.

The stamp `settings.gacSync = {hash, secrets, secretValues}` marks what gac wrote: `secrets`
are the secret settings' keys (never values); a different hash on read means someone else
saved it. A save in the UI drops unknown settings keys, stamp and fingerprint with them:
the contact point then reads as not written by gac (a conflict, never a silent overwrite).
"""

from __future__ import annotations

import copy
from pathlib import PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import quote

from ..builders.notifications import SECRET_SETTINGS
from ..errors import ConfigError
from ..markers import STAMP_KEY
from ..resource import CONTACT_POINT, Resource, Source
from ..secret_fingerprint import values_state
from .base import copied, with_secret_forms
from .live import Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteConflict, WriteResult, content_hash
from .notification_base import PROVISIONING, NotificationHandler, provenance_of

REDACTED = "[REDACTED]"
#: where the stamp keeps the secret values' fingerprint (`secrets` already names their keys)
FINGERPRINT_KEY = "secretValues"
_PATH = f"{PROVISIONING}/contact-points"


def _settings_of(body: dict[str, Any]) -> dict[str, Any]:
    settings = body.get("settings")
    return settings if isinstance(settings, dict) else {}


class SecretMapping(NamedTuple):
    """How one environment of grafana.yaml maps a contact point's secret settings to the
    environment variables holding them (`contact_points.<uid>.secrets.<key>: VARIABLE`)."""

    entry: dict[str, Any] | None   # environments.<env>.contact_points.<uid>, None where absent
    named: dict[str, Any]          # its `secrets`: setting → variable name
    wanted: list[str]              # the definition's secret settings, sorted
    missing: list[str]             # wanted and not named
    extra: list[str]               # named and not a secret setting of the contact point


def secret_mapping(body: dict[str, Any], uid: str, environment: Any) -> SecretMapping:
    """The one reading of that mapping: sync refuses a gap (`secrets_needed`), lint reports
    every gap of every environment (notification-secret-unmapped)."""
    mapped = environment.get("contact_points") if isinstance(environment, dict) else None
    entry = mapped.get(uid) if isinstance(mapped, dict) else None
    entry = entry if isinstance(entry, dict) else None
    named = entry.get("secrets") if entry is not None else None
    named = named if isinstance(named, dict) else {}
    wanted = sorted(str(k) for k in body.get(SECRET_SETTINGS) or [])
    return SecretMapping(entry, named, wanted, [k for k in wanted if k not in named],
                         sorted(set(map(str, named)) - set(wanted)))


class ContactPointHandler(NotificationHandler):
    kind = CONTACT_POINT
    directory = "contact-points"
    order_in_level = 2
    carries_secrets = True

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        return Resource(self.kind, str(body["uid"]), body, None, Source(f"generated/{relpath}"))

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        """Settings without secrets, redactions and the stamp; the rest as Grafana answers it."""
        secret = set(body.get(SECRET_SETTINGS) or [])
        settings = {k: v for k, v in _settings_of(body).items()
                    if k not in secret and k != STAMP_KEY and v != REDACTED}
        return {"uid": body.get("uid"), "name": body.get("name"), "type": body.get("type"), "settings": settings,
                "disableResolveMessage": bool(body.get("disableResolveMessage"))}

    # --- environment ----------------------------------------------------------------------

    def secrets_needed(self, resource: Resource, environment: dict[str, Any]) -> dict[str, str]:
        """Every secret setting named in grafana.yaml, and nothing else (a clear error either way)."""
        mapping = secret_mapping(resource.body, resource.uid, environment)
        where = f"grafana.yaml: contact_points.{resource.uid}.secrets"
        if mapping.missing:
            raise ConfigError(f"{where}: contact point {resource.uid!r} ({resource.source}) needs "
                              f"{', '.join(mapping.missing)} in the selected environment; map each to the NAME of "
                              "the environment variable holding it")
        if mapping.extra:
            raise ConfigError(f"{where}.{mapping.extra[0]}: not a secret setting of contact point {resource.uid!r} "
                              f"(its secrets: {', '.join(mapping.wanted) or 'none'}); declare it in the "
                              "definition's secrets or remove it here")
        return {k: str(mapping.named[k]) for k in mapping.wanted}

    # --- comparison ------------------------------------------------------------------------

    def compare_forms(self, desired: Resource, live: LiveObject, ctx: SyncContext) -> tuple[dict[str, Any], dict[str, Any]]:
        """Bodies (secrets dropped on both sides), which secrets Grafana holds, and -- with a
        pepper -- whether it holds the values configured now (the stamp's fingerprint)."""
        keys = sorted(desired.body.get(SECRET_SETTINGS) or [])
        live_resource = copied(live.resource)
        live_resource.body[SECRET_SETTINGS] = keys
        before, after = self.comparable(live_resource, ctx), self.comparable(desired, ctx)
        if keys:
            held = _settings_of(live.raw)
            stamp = held.get(STAMP_KEY)
            stored = stamp.get(FINGERPRINT_KEY) if isinstance(stamp, dict) else None
            configured = ctx.secure_json_data(desired.uid)
            values = {k: configured[k] for k in keys if k in configured}
            with_secret_forms(before, after, [k for k in keys if held.get(k) not in (None, "")], keys,
                              values_state(ctx.fingerprinter, values, keys, stored))
        return before, after

    # --- live ------------------------------------------------------------------------------

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        rows = calls.read("list contact points", lambda g: g.client.GET(_PATH)) or []
        return [LiveRef(self.kind, (self.kind, str(row.get("uid"))), str(row.get("uid")), str(row.get("name", "")),
                        None, STAMP_KEY in _settings_of(row), row) for row in rows if isinstance(row, dict)]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        """There is no GET by uid: the listing filtered by name holds it."""
        rows = calls.read(f"read contact point {ref.uid!r}", lambda g: g.client.GET(_PATH, params={"name": ref.title}))
        found = [r for r in rows or [] if isinstance(r, dict) and r.get("uid") == ref.uid]
        if not found:
            rows = calls.read(f"read contact point {ref.uid!r}", lambda g: g.client.GET(_PATH)) or []
            found = [r for r in rows if isinstance(r, dict) and r.get("uid") == ref.uid]
        return self.live_from(found[0]) if found else None

    def live_from(self, dto: dict[str, Any]) -> LiveObject:
        stamp_raw = _settings_of(dto).get(STAMP_KEY)
        stamp_raw = stamp_raw if isinstance(stamp_raw, dict) else {}
        body = {k: copy.deepcopy(dto.get(k)) for k in ("uid", "name", "type", "settings", "disableResolveMessage")}
        body[SECRET_SETTINGS] = list(stamp_raw.get("secrets") or [])
        extra: dict[str, Any] = {"provenance": provenance_of(dto)}
        resource = Resource(self.kind, str(dto.get("uid")), body, None, extra=extra)
        return LiveObject(resource, token=content_hash(dto), managed=STAMP_KEY in _settings_of(dto),
                          stamp=Stamp.from_json(stamp_raw), raw=dto,
                          read_only="provisioned from a file" if provenance_of(dto) == "file" else None)

    def _wire(self, desired: Resource, ctx: SyncContext) -> dict[str, Any]:
        body = {k: copy.deepcopy(v) for k, v in desired.body.items() if k != SECRET_SETTINGS}
        stamp: dict[str, Any] = {"hash": self.stamp_hash(desired, ctx),
                                 "secrets": sorted(desired.body.get(SECRET_SETTINGS) or [])}
        values = ctx.secure_json_data(desired.uid)
        sent = {k: values[k] for k in stamp["secrets"] if k in values}
        if sent and ctx.fingerprinter is not None:  # a fresh salt on every write
            stamp[FINGERPRINT_KEY] = ctx.fingerprinter.make(sent).to_json()
        body["settings"] = {**_settings_of(body), **sent, STAMP_KEY: stamp}
        return body

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        body = self._wire(desired, ctx)
        calls.write(f"create contact point {desired.uid!r}",
                    lambda g: g.client.POST(_PATH, json=body, headers=self.headers(ctx)))
        return WriteResult()

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        """The API takes no version: re-read just before the PUT; a change since the plan is a conflict."""
        ref = LiveRef(self.kind, self.identity(live.resource), live.resource.uid, live.resource.title, None, None)
        current = self.read_live(calls, ref, ctx)
        if current is None or current.token != live.token:
            raise WriteConflict("the contact point changed in Grafana after it was read",
                                f"update contact point {desired.uid!r}")
        body = self._wire(desired, ctx)
        uid = quote(desired.uid, safe="")
        calls.write(f"update contact point {desired.uid!r}",
                    lambda g: g.client.PUT(f"{_PATH}/{uid}", json=body, headers=self.update_headers(live)))
        return WriteResult()

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        uid = quote(live.resource.uid, safe="")
        calls.write(f"delete contact point {live.resource.uid!r}",
                    lambda g: g.client.DELETE(f"{_PATH}/{uid}", accept_empty_json=True))
        return WriteResult()

