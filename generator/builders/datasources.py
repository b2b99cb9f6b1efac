"""Data sources for an OpenTelemetry / LGTM stack, with every cross-reference by uid.

The URL is environment-specific, so by default the body carries the placeholder
`${datasources.<uid>.url}`, resolved at sync time from grafana.yaml's selected environment.
Secrets are never part of a definition: grafana.yaml names the environment variables.
A definition's body is committed in generated/, so a secret written into one -- a password
in `json_data`, `user:password@` or `?token=` in the URL -- is refused where it is made
(`secret_problems`), naming the key and never repeating the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..resource import DATASOURCE, Resource, Source, caller_source
from ..urls import url_credentials
from .checks import Checks
from .durations import seconds

#: what to pass where a definition links to another data source
_LINK_HINT = "pass the DataSource object itself (e.g. `from datasources.tempo import tempo`) or its uid string"


def url_placeholder(uid: str) -> str:
    """The reference to grafana.yaml's `environments.<env>.datasources.<uid>.url`."""
    return "${datasources.%s.url}" % uid


def _uid(ref: "str | DataSource") -> str:
    return ref if isinstance(ref, str) else ref.uid


# -- secrets written where they would be committed ---------------------------------------------

#: The keys Grafana reads from a data source's `secureJsonData` (stored encrypted, never answered):
#: - grafana/grafana pkg/services/datasources/service/datasource.go (id 4938684124):
#:   `DecryptedBasicAuthPassword` ("basicAuthPassword"), `DecryptedPassword` ("password", the
#:   data source user's: SQL data sources, InfluxDB), `dsTLSOptions` ("tlsCACert", "tlsClientCert",
#:   "tlsClientKey"), `httpClientOptions` ("sigV4AccessKey", "sigV4SecretKey"), `getCustomHeaders`
#:   (jsonData.httpHeaderName<N> names a header whose value is secureJsonData.httpHeaderValue<N>);
#: - grafana/grafana-plugin-sdk-go backend/http_settings.go `parseHTTPSettings` (ids 26396361227,
#:   6072044707: the same keys, and "sigV4SessionToken") and its proxy options
#:   ("secureSocksProxyPassword", id 5901343926);
#: - Azure auth's client secret "azureClientSecret" (grafana-azure-sdk-go azcredentials, see
#:   shared/grafana/VERSIONS.md).
#: Grafana reads none of them from jsonData: written there, a value is both unused and committed.
SECURE_JSON_DATA_KEYS = frozenset({
    "basicAuthPassword", "password", "tlsCACert", "tlsClientCert", "tlsClientKey", "sigV4AccessKey",
    "sigV4SecretKey", "sigV4SessionToken", "secureSocksProxyPassword", "azureClientSecret",
})
_HEADER_VALUE = re.compile(r"httpHeaderValue[0-9]+")
#: plugins keep their own credentials in secureJsonData under names that end like these
#: (CloudWatch accessKey/secretKey, Cloud Monitoring privateKey, InfluxDB token, Elasticsearch
#: apiKey, Azure Monitor clientSecret, ...): a jsonData key so named is taken for a secret too
_SECRET_KEY_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "accesskey", "secretkey",
                       "privatekey", "clientkey")



def is_secret_key(key: str) -> bool:
    """Is `key` a setting whose value is a secret (Grafana's secureJsonData keys, or so named)?"""
    return key in SECURE_JSON_DATA_KEYS or _HEADER_VALUE.fullmatch(key) is not None \
        or key.lower().endswith(_SECRET_KEY_ENDINGS)


def walk(value: Any, path: str, seen: frozenset[int] = frozenset()) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of every entry of the dicts in `value`, at any depth, lists included; a
    container inside itself is walked once (the compiler says what is wrong with it)."""
    if id(value) in seen:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key), item
            yield from walk(item, where, seen | {id(value)})
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}[{i}]", seen | {id(value)})


@dataclass
class DataSource:
    """Any Grafana data source; the subclasses fill `json_data` for their type."""

    uid: str
    name: str
    type: str
    url: str | None = None
    json_data: dict[str, Any] = field(default_factory=dict)
    is_default: bool = False
    access: str = "proxy"
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.check_arguments(Checks(f"data source {self.uid!r}" if isinstance(self.uid, str) else
                                    type(self).__name__, self.source))

    def check_arguments(self, check: Checks) -> None:
        """Wrong types fail here, naming the definition line, not later inside the compiler."""
        check.uid(self.uid, "give it a stable uid: dashboards and alert rules refer to it")
        check.text("name", self.name, "give it the name people pick in Grafana's data source list")
        check.text("type", self.type, "use the plugin id, e.g. 'prometheus', 'loki', 'tempo'")
        check.instance("url", self.url, (str, type(None)), "a string",
                       "leave it out to take the URL from grafana.yaml, or pass the URL as a string")
        check.instance("json_data", self.json_data, dict, "a dict", "pass extra jsonData settings as a dict")
        check.instance("is_default", self.is_default, bool, "True or False", "")
        check.choice("access", self.access, ("proxy", "direct"))
        self.check_secrets(check)

    def check_secrets(self, check: Checks) -> None:
        """No secret in what generated/ would hold: Grafana keeps them write-only in secureJsonData,
        and gac fills that from the environment variables grafana.yaml names (`secrets:`)."""
        env = f"grafana.yaml's environments.<env>.datasources.{self.uid}"
        if self.url is not None:
            carried = url_credentials(self.url)
            if carried and carried.startswith("a user"):
                check.fail(f"url holds {carried}, and a definition's body is committed in generated/: remove "
                           f"them from the URL (or leave url out: {env}.url gives it per environment), and set in "
                           f"{env} basicAuth: true, basicAuthUser: USER and secrets: {{basicAuthPassword: "
                           "VARIABLE} (the NAME of the environment variable holding the password)")
            if carried:
                check.fail(f"url holds {carried}, and a definition's body is committed in generated/: remove it "
                           f"and send the credential as a header: json_data={{'httpHeaderName1': 'Authorization'}} "
                           f"(or the header your server reads) and, in {env}, secrets: {{httpHeaderValue1: "
                           "VARIABLE} (the NAME of the environment variable holding the value)")
        found = list(walk(self.json_data, ""))
        secret = sorted(path for path, key, _ in found if is_secret_key(key))
        top = [path for path in secret if path in self.json_data]
        if top:
            mapping = ", ".join(f"{key}: VARIABLE" for key in top)
            check.fail(f"jsonData {', '.join(top)} {'is a secret' if len(top) == 1 else 'are secrets'}: Grafana keeps "
                       f"{'it' if len(top) == 1 else 'them'} write-only in secureJsonData, and a definition's body "
                       f"is committed in generated/. Remove {'it' if len(top) == 1 else 'them'} from json_data and "
                       f"name, per environment, the variable holding each in {env}.secrets: {{{mapping}}} (the "
                       "NAME of the environment variable, never the value)")
        if secret:
            check.fail(f"jsonData {', '.join(secret)}: a secret, and a definition's body is committed in generated/; "
                       "remove it (Grafana reads secrets from secureJsonData's top-level keys, which "
                       f"{env}.secrets maps to environment variables)")
        for path, _, value in found:
            carried = url_credentials(value) if isinstance(value, str) and "://" in value else None
            if carried:
                check.fail(f"jsonData {path} is a URL holding {carried}, and a definition's body is committed in "
                           "generated/: remove the credential from it")

    def link(self, check: Checks, name: str, value: Any) -> None:
        """A reference to another data source: a DataSource, its uid, or None."""
        check.instance(name, value, (str, DataSource, type(None)), "a DataSource or a uid", _LINK_HINT)
        if isinstance(value, str):
            check.text(name, value, _LINK_HINT)

    def build_json_data(self) -> dict[str, Any]:
        return dict(self.json_data)

    def references(self) -> list[str]:
        """Uids of the data sources this one links to (checked at compile time)."""
        return []

    def to_resource(self) -> Resource:
        body = {
            "uid": self.uid,
            "name": self.name,
            "type": self.type,
            "access": self.access,
            "url": self.url or url_placeholder(self.uid),
            "isDefault": self.is_default,
            "jsonData": self.build_json_data(),
        }
        return Resource(DATASOURCE, self.uid, body, None, self.source)


@dataclass
class Prometheus(DataSource):
    """A Prometheus query API (Prometheus or Mimir): never the collector's :8889 exposition."""

    type: str = "prometheus"
    flavor: str = "Prometheus"
    scrape_interval: str = "15s"
    exemplar_traces: "str | DataSource | None" = None

    def check_arguments(self, check: Checks) -> None:
        super().check_arguments(check)
        check.text("flavor", self.flavor, "use 'Prometheus' or 'Mimir'")
        check.instance("scrape_interval", self.scrape_interval, str, "a duration string", "use e.g. '15s'")
        check.parses("scrape_interval", self.scrape_interval, seconds, "")
        self.link(check, "exemplar_traces", self.exemplar_traces)

    def build_json_data(self) -> dict[str, Any]:
        # timeInterval must match the scrape interval, or $__rate_interval is computed too small
        data: dict[str, Any] = {"httpMethod": "POST", "prometheusType": self.flavor,
                                "timeInterval": self.scrape_interval}
        if self.exemplar_traces is not None:
            data["exemplarTraceIdDestinations"] = [{"datasourceUid": _uid(self.exemplar_traces), "name": "trace_id"}]
        return data | self.json_data

    def references(self) -> list[str]:
        return [_uid(self.exemplar_traces)] if self.exemplar_traces is not None else []


@dataclass
class Loki(DataSource):
    """Loki, with a derived field that turns `trace_id` in JSON log lines into a Tempo link."""

    type: str = "loki"
    traces: "str | DataSource | None" = None
    trace_id_regex: str = r'"trace_id":\s*"(\w+)"'
    max_lines: int = 1000

    def check_arguments(self, check: Checks) -> None:
        super().check_arguments(check)
        self.link(check, "traces", self.traces)
        check.text("trace_id_regex", self.trace_id_regex, "a regex with one group capturing the trace id")
        check.instance("max_lines", self.max_lines, int, "a whole number", "e.g. 1000")

    def build_json_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"maxLines": self.max_lines}
        if self.traces is not None:
            data["derivedFields"] = [{
                "datasourceUid": _uid(self.traces),
                "matcherRegex": self.trace_id_regex,
                "matcherType": "regex",
                "name": "TraceID",
                "url": "${__value.raw}",
                "urlDisplayLabel": "View trace",
            }]
        return data | self.json_data

    def references(self) -> list[str]:
        return [_uid(self.traces)] if self.traces is not None else []


@dataclass
class Tempo(DataSource):
    """Tempo's HTTP API (:3200), linked to logs, metrics and the service map."""

    type: str = "tempo"
    logs: "str | DataSource | None" = None
    metrics: "str | DataSource | None" = None
    #: span attribute → log / metric label used to narrow the linked query
    service_tag: tuple[str, str] = ("service.name", "service_name")
    metric_queries: tuple[tuple[str, str], ...] = ()

    def check_arguments(self, check: Checks) -> None:
        super().check_arguments(check)
        self.link(check, "logs", self.logs)
        self.link(check, "metrics", self.metrics)
        pair = "a (span attribute, label) pair"
        check.instance("service_tag", self.service_tag, (tuple, list), pair, "e.g. ('service.name', 'service_name')")
        if len(self.service_tag) != 2 or not all(isinstance(x, str) for x in self.service_tag):
            check.fail(f"service_tag must be {pair} of strings, e.g. ('service.name', 'service_name')")
        check.items("metric_queries", self.metric_queries, (tuple, list), "a (name, PromQL) pair",
                    "e.g. [('Request rate', 'sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))')]")
        for i, query in enumerate(self.metric_queries):
            if len(query) != 2 or not all(isinstance(x, str) for x in query):
                check.fail(f"metric_queries[{i}] must be a (name, PromQL) pair of strings")

    def build_json_data(self) -> dict[str, Any]:
        key, label = self.service_tag
        data: dict[str, Any] = {"nodeGraph": {"enabled": True}, "search": {"hide": False}}
        if self.logs is not None:
            data["tracesToLogsV2"] = {
                "datasourceUid": _uid(self.logs),
                "filterByTraceID": True,
                "filterBySpanID": False,
                "spanStartTimeShift": "-5m",
                "spanEndTimeShift": "5m",
                "tags": [{"key": key, "value": label}],
            }
            data["lokiSearch"] = {"datasourceUid": _uid(self.logs)}
        if self.metrics is not None:
            data["tracesToMetrics"] = {
                "datasourceUid": _uid(self.metrics),
                "spanStartTimeShift": "-5m",
                "spanEndTimeShift": "5m",
                "tags": [{"key": key, "value": label}],
                "queries": [{"name": name, "query": query} for name, query in self.metric_queries],
            }
            data["serviceMap"] = {"datasourceUid": _uid(self.metrics)}
        return data | self.json_data

    def references(self) -> list[str]:
        return [_uid(ref) for ref in (self.logs, self.metrics) if ref is not None]
