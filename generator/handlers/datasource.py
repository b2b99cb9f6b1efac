"""Data sources: the body of `POST /api/datasources`; token is the data source `version`.

Secrets never appear in the body: `secureJsonData` is resolved from environment variables
at sync time, and Grafana only ever answers with `secureJsonFields`.

The URL (and basic-auth settings) depend on the environment: the body carries
`${datasources.<uid>.url}`, filled in from grafana.yaml by `resolve`.

The sync marks a data source it manages with `jsonData.gacSync = {hash, version}`: the
version Grafana gives the data source after the write (request version + 1) and the
hash of what was written. Any later save (UI or API) bumps the version, which is how
"changed since the last sync" is told; `jsonData` is the one free-form object Grafana
keeps and echoes, so the marker survives UI saves.

Secret rotation. Grafana never answers with a secret value, so a password rotated in the
environment (`MIMIR_PASSWORD` changed) cannot be seen by comparing. With a pepper
(`GAC_SECRET_PEPPER`) the stamp also holds `secrets`: a keyed, salted, slow fingerprint of
the values written (generator/secret_fingerprint.py, which states the threat model: the
stamp is readable by every Viewer, so it holds nothing that recovers a secret or tests a
guess of it without the pepper). The comparison then shows rotated values as a change to
push. A stamp without a fingerprint (written before the pepper was set) counts as
"not known to be current": the first sync with the pepper re-sends the secrets once.
Without a pepper rotation is not detected; `gac sync --rotate-secrets [UID...]` re-sends.
"""

from __future__ import annotations

import copy
import difflib
import re
from typing import Any, Mapping

from ..errors import ConfigError
from ..resource import Resource
from .base import Handler, copied, with_secret_forms
from ..markers import STAMP_KEY
from ..secret_fingerprint import values_state
from .live import ApiError, Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteResult

#: Grafana's ErrDataSourceNameExists text (pkg/services/datasources/errors.go)
_NAME_TAKEN = "data source with the same name already exists"

_PLACEHOLDER = re.compile(r"\$\{datasources\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\}")

#: fields Grafana always answers with; their zero value means "not set"
_DEFAULTS: dict[str, Any] = {"user": "", "database": "", "basicAuth": False, "basicAuthUser": "",
                             "withCredentials": False}
#: settings an environment may give per data source, besides `url` and `secrets`
_ENV_FIELDS = ("basicAuth", "basicAuthUser", "user", "database", "withCredentials")

#: secureJsonData keys Grafana's HTTP client reads for every HTTP data source
#: (grafana-plugin-sdk-go backend/httpclient: basic auth, TLS client auth, custom headers)
_HTTP_SECURE = ("basicAuthPassword", "tlsCACert", "tlsClientCert", "tlsClientKey")
_HEADER_VALUE = re.compile(r"^httpHeaderValue[1-9][0-9]*$")
#: per type, the secureJsonData keys its data source reads; a type not listed (a plugin gac
#: does not know) accepts any key
SECURE_KEYS: dict[str, tuple[str, ...]] = {
    "prometheus": _HTTP_SECURE + ("sigV4AccessKey", "sigV4SecretKey", "azureClientSecret"),
    "loki": _HTTP_SECURE + ("sigV4AccessKey", "sigV4SecretKey", "azureClientSecret"),
    "tempo": _HTTP_SECURE,
}


def unknown_secret_keys(ds_type: str, keys: list[str]) -> list[tuple[str, str | None]]:
    """(key, closest valid key) for each secureJsonData key a data source of `ds_type` never reads."""
    known = SECURE_KEYS.get(ds_type)
    if known is None:
        return []
    out = []
    for key in keys:
        if key in known or _HEADER_VALUE.match(key):
            continue
        close = difflib.get_close_matches(key, list(known) + ["httpHeaderValue1"], n=1, cutoff=0.6)
        out.append((key, close[0] if close else None))
    return out


def environment_problems(resources: list[Resource], environments: dict[str, Any]) -> list[str]:
    """grafana.yaml data-source settings that no definition reads: an undefined uid, or a secret
    key the data source's type never reads (the value would be stored and silently unused)."""
    types = {r.uid: str(r.body.get("type", "")) for r in resources if r.kind == "datasource"}
    problems = []
    for env_name, env in sorted((environments or {}).items()):
        for uid, settings in sorted(((env or {}).get("datasources") or {}).items()):
            where = f"environments.{env_name}.datasources.{uid}"
            if uid not in types:
                close = difflib.get_close_matches(uid, sorted(types), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"defined: {', '.join(sorted(types)) or 'none'}"
                problems.append(f"{where}: no data source with uid {uid!r} is defined ({hint})")
                continue
            secrets = (settings or {}).get("secrets") or {}
            for key, close_key in unknown_secret_keys(types[uid], sorted(secrets)):
                hint = f"did you mean {close_key!r}?" if close_key else \
                    f"valid: {', '.join(SECURE_KEYS[types[uid]])}, httpHeaderValueN"
                problems.append(f"{where}.secrets.{key}: a {types[uid]} data source reads no secureJsonData key "
                                f"{key!r} ({hint})")
    return problems


class DatasourceHandler(Handler):
    kind = "datasource"
    read_actions = ("datasources:read",)
    write_actions = {"create": ("datasources:create",), "update": ("datasources:write",),
                     "delete": ("datasources:delete",)}
    directory = "datasources"
    level = 1
    carries_secrets = True
    server_fields = frozenset({"id", "orgId", "version", "readOnly", "typeLogoUrl", "secureJsonFields",
                               "secureJsonData", "typeName", "accessControl", "apiVersion"})

    def dependencies(self, resource: Resource,
                     desired: Mapping[tuple[str, ...], Resource]) -> list[tuple[str, ...]]:
        return []

    def unique_name(self, body: dict[str, Any]) -> str | None:
        """Grafana keeps one data source per name in an organisation: the SQL store's
        AddDataSource refuses a name it finds (ErrDataSourceNameExists), and the service's
        UpdateDataSource refuses a rename onto one (pkg/services/datasources/service/store.go,
        datasource.go), both answered 409 "data source with the same name already exists"."""
        name = body.get("name")
        return name if isinstance(name, str) and name else None

    def name_refused(self, exc: ApiError) -> bool:
        """The 409 of ErrDataSourceNameExists (create; update: "Failed to update datasource: …"), not
        the 409 of a stale version ("has already been updated by someone else")."""
        return exc.status == 409 and _NAME_TAKEN in exc.message

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in super().normalize(body).items() if not (k in _DEFAULTS and v == _DEFAULTS[k])}
        json_data = out.get("jsonData")
        if isinstance(json_data, dict) and STAMP_KEY in json_data:
            out["jsonData"] = {k: v for k, v in json_data.items() if k != STAMP_KEY}
        if out.get("jsonData") in (None, {}):
            out.pop("jsonData", None)  # Grafana stores null as {}
        return out

    # --- environment ----------------------------------------------------------------------

    def _settings(self, resource: Resource, environment: dict[str, Any]) -> dict[str, Any]:
        settings = (environment.get("datasources") or {}).get(resource.uid) or {}
        return settings if isinstance(settings, dict) else {}

    def resolve(self, resource: Resource, environment: dict[str, Any]) -> Resource:
        """Fill `${datasources.<uid>.<key>}` placeholders and the environment's auth settings."""
        settings_by_uid = environment.get("datasources") or {}

        def fill(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            if isinstance(value, list):
                return [fill(v) for v in value]
            if isinstance(value, str):
                return _PLACEHOLDER.sub(replace, value)
            return value

        def replace(match: re.Match[str]) -> str:
            uid, key = match.groups()
            found = (settings_by_uid.get(uid) or {}).get(key)
            if not isinstance(found, (str, int, float)) or isinstance(found, bool) or found == "":
                raise ConfigError(f"data source {resource.uid!r} ({resource.source}) needs datasources.{uid}.{key} "
                                  f"in the selected environment of grafana.yaml; add it there")
            return str(found)

        body = fill(copy.deepcopy(resource.body))
        settings = self._settings(resource, environment)
        for key in _ENV_FIELDS:
            if key in settings:
                body[key] = settings[key]
        return copied(resource, body)

    def secrets_needed(self, resource: Resource, environment: dict[str, Any]) -> dict[str, str]:
        secrets = self._settings(resource, environment).get("secrets") or {}
        if not isinstance(secrets, dict):
            raise ConfigError(f"grafana.yaml: datasources.{resource.uid}.secrets must map a secureJsonData key to "
                              "the NAME of an environment variable")
        unknown = unknown_secret_keys(str(resource.body.get("type", "")), sorted(map(str, secrets)))
        if unknown:
            key, close = unknown[0]
            hint = f" (did you mean {close!r}?)" if close else ""
            raise ConfigError(f"grafana.yaml: datasources.{resource.uid}.secrets.{key}: a "
                              f"{resource.body.get('type')} data source reads no secureJsonData key {key!r}{hint}")
        return {str(k): str(v) for k, v in sorted(secrets.items())}

    # --- comparison ------------------------------------------------------------------------

    def compare_forms(self, desired: Resource, live: LiveObject, ctx: SyncContext) -> tuple[dict[str, Any], dict[str, Any]]:
        """Bodies, plus which configured secrets Grafana holds (values are write-only).

        Only the secrets this environment configures count: a secret set in the UI that the
        code does not know is left alone (a PUT keeps absent secureJsonData keys).
        """
        wanted = sorted(ctx.secret_keys(desired.uid))
        fields = (live.raw.get("secureJsonFields") or {}) if isinstance(live.raw, dict) else {}
        held = [k for k in wanted if fields.get(k)]
        before, after = self.comparable(live.resource, ctx), self.comparable(desired, ctx)
        if wanted:
            with_secret_forms(before, after, held, wanted, self._secret_values_state(desired.uid, wanted, live, ctx))
        return before, after

    def _secret_values_state(self, uid: str, wanted: list[str], live: LiveObject, ctx: SyncContext) -> str | None:
        """What the stamp's keyed fingerprint tells of the values Grafana holds (None: it cannot tell)."""
        stamp = ((live.raw.get("jsonData") or {}).get(STAMP_KEY) or {}) if isinstance(live.raw, dict) else {}
        stored = stamp.get("secrets") if isinstance(stamp, dict) else None
        return values_state(ctx.fingerprinter, ctx.secure_json_data(uid), wanted, stored)

    # --- live operations -------------------------------------------------------------------

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        rows = calls.read("list data sources", lambda g: g.datasource.list_datasources()) or []
        return [LiveRef(self.kind, (self.kind, row["uid"]), row["uid"], str(row.get("name", "")), None,
                        STAMP_KEY in (row.get("jsonData") or {}), row) for row in rows]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        try:
            dto = calls.read(f"read data source {ref.uid!r}", lambda g: g.datasource.get_datasource_by_uid(ref.uid))
        except ApiError as exc:
            if exc.not_found:
                return None
            raise
        return self.live_from(dto)

    def live_from(self, dto: dict[str, Any]) -> LiveObject:
        resource = Resource(self.kind, dto["uid"], dict(dto))
        version = dto.get("version")
        return LiveObject(resource, token=version, managed=STAMP_KEY in (dto.get("jsonData") or {}),
                          stamp=Stamp.from_json((dto.get("jsonData") or {}).get(STAMP_KEY)), version=version,
                          read_only="read-only (provisioned from a file)" if dto.get("readOnly") else None, raw=dto)

    def _wire(self, desired: Resource, expected_version: int, ctx: SyncContext) -> dict[str, Any]:
        body = copy.deepcopy(desired.body)
        stamp = Stamp(self.stamp_hash(desired, ctx), expected_version).to_json()
        secrets = ctx.secure_json_data(desired.uid)
        if secrets:
            body["secureJsonData"] = secrets
            if ctx.fingerprinter is not None:  # a fresh salt on every write
                stamp["secrets"] = ctx.fingerprinter.make(secrets).to_json()
        body["jsonData"] = {**(body.get("jsonData") or {}), STAMP_KEY: stamp}
        return body

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        body = self._wire(desired, 1, ctx)
        answer = calls.write(f"create data source {desired.uid!r}", lambda g: g.datasource.create_datasource(body))
        return WriteResult(((answer or {}).get("datasource") or {}).get("version"))

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        version = int(live.token or 0)
        body = self._wire(desired, version + 1, ctx)
        body["version"] = version  # the store refuses a version below its own: a racing save wins
        answer = calls.write(f"update data source {desired.uid!r}",
                             lambda g: g.datasource.update_datasource_by_uid(desired.uid, body))
        return WriteResult(((answer or {}).get("datasource") or {}).get("version"))

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        uid = live.resource.uid
        calls.write(f"delete data source {uid!r}", lambda g: g.datasource.delete_datasource_by_uid(uid))
        return WriteResult()
