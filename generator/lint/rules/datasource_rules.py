"""Rules about data sources: cross-references between them and the URLs they point at.

URLs are checked for every environment of grafana.yaml (placeholders such as
`${datasources.prometheus.url}` resolved per environment) and for literal URLs in bodies.
The stack's ports are known: Prometheus 9090, Loki 3100, Tempo 3200, the collector's OTLP
receivers 4317/4318, its Prometheus exporter 8889 and its own telemetry 8888.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

from ...urls import redact_url, redact_urls, redact_userinfo, url_problem
from ..contexts import DatasourceContext, DatasourceSetContext
from ..dashboard_model import listed
from ..loaders import expanded_macros
from ..registry import Issue, rule

#: port → (data source type that belongs there or None for a non-query endpoint, description)
KNOWN_PORTS: dict[int, tuple[str | None, str]] = {
    9090: ("prometheus", "Prometheus' query API"),
    3100: ("loki", "Loki's HTTP API"),
    3200: ("tempo", "Tempo's HTTP API"),
    4317: (None, "the collector's OTLP gRPC receiver"),
    4318: (None, "the collector's OTLP HTTP receiver"),
    8888: (None, "the collector's own telemetry endpoint (/metrics)"),
    8889: (None, "the collector's Prometheus exporter (/metrics)"),
}
CHECKED_TYPES = frozenset({"prometheus", "loki", "tempo"})
#: data source types whose `url` is the base of an HTTP API (their backends send requests under
#: it, pkg/tsdb/*). The SQL data sources take `host:port` (Grafana's provisioning examples:
#: `url: localhost:5432`; pkg/tsdb/grafana-postgresql-datasource, mysql, mssql), and plugins
#: such as Redis' their own scheme (`redis://`): their URL is theirs to judge, not an http one
HTTP_TYPES = CHECKED_TYPES | {"alertmanager", "elasticsearch", "graphite", "influxdb", "jaeger", "opentsdb",
                              "zipkin", "grafana-opensearch-datasource", "grafana-pyroscope-datasource",
                              "parca", "grafana-amazonprometheus-datasource", "grafana-azureprometheus-datasource",
                              "victoriametrics-metrics-datasource", "victoriametrics-logs-datasource",
                              "marcusolsson-json-datasource"}

#: jsonData location → expected types of the linked data source
_LINKS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("tracesToLogsV2", "datasourceUid"), ("loki", "elasticsearch", "grafana-opensearch-datasource", "splunk"),
     "trace to logs"),
    (("tracesToLogs", "datasourceUid"), ("loki", "elasticsearch", "grafana-opensearch-datasource", "splunk"),
     "trace to logs"),
    (("tracesToMetrics", "datasourceUid"), ("prometheus",), "trace to metrics"),
    (("tracesToProfiles", "datasourceUid"), ("grafana-pyroscope-datasource", "phlare"), "trace to profiles"),
    (("serviceMap", "datasourceUid"), ("prometheus",), "service map"),
    (("lokiSearch", "datasourceUid"), ("loki",), "Loki search"),
)
_TRACE_TYPES = ("tempo", "jaeger", "zipkin", "grafana-x-ray-datasource")


def _links(body: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, ...], str, tuple[Any, ...]]]:
    """(uid, expected types, what, path) for every data source this one links to."""
    data = body.get("jsonData")
    if not isinstance(data, dict):
        return
    for keys, types, what in _LINKS:
        node: Any = data
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, str) and node:
            yield node, types, what, ("jsonData", *keys)
    for i, field in enumerate(listed(data.get("derivedFields"))):
        if isinstance(field, dict) and field.get("datasourceUid"):
            yield str(field["datasourceUid"]), _TRACE_TYPES, f"derived field {field.get('name') or i}", \
                ("jsonData", "derivedFields", i, "datasourceUid")
    for i, dest in enumerate(listed(data.get("exemplarTraceIdDestinations"))):
        if isinstance(dest, dict) and dest.get("datasourceUid"):
            yield str(dest["datasourceUid"]), _TRACE_TYPES, f"exemplar link {dest.get('name') or i}", \
                ("jsonData", "exemplarTraceIdDestinations", i, "datasourceUid")


@rule("datasource-link-unresolved", "error", "Links between data sources must resolve to the right type",
      "datasource", example="datasource")
def datasource_link_unresolved(ctx: DatasourceContext) -> Iterator[Issue]:
    """Loki's derived fields open traces in Tempo; Tempo links to logs (Loki), metrics and the
    service map (Prometheus); Prometheus exemplars open traces. A link to a uid that does not
    exist, or to a data source of the wrong type, leaves a dead button in Explore.

    Bad:
        {"uid": "loki", "type": "loki", "url": "http://loki:3100",
         "jsonData": {"derivedFields": [{"name": "TraceID", "datasourceUid": "tempo-prod"}]}}
    Good:
        {"uid": "loki", "type": "loki", "url": "http://loki:3100",
         "jsonData": {"derivedFields": [{"name": "TraceID", "datasourceUid": "tempo"}]}}
    """
    index = ctx.env.index
    for uid, types, what, path in _links(ctx.body):
        info = index.by_uid.get(uid)
        if info is None:
            if index.authoritative:
                yield Issue(f"{what} links to data source {uid!r}, which does not exist "
                            f"(known: {', '.join(sorted(index.by_uid)) or 'none'})",
                            "link to an existing data source uid", at=ctx.location.child(*path))
        elif info.type not in types:
            yield Issue(f"{what} links to {uid!r}, a {info.type} data source; expected {' or '.join(types)}",
                        "link to a data source of the right type", at=ctx.location.child(*path))


def _parsed(url: str) -> tuple[str, str, int | None, str] | None:
    """Scheme, host, port (the scheme's where none is written) and path of an http(s) URL, to
    compare data sources by; None for what is none (`url_problem`)."""
    if url_problem(url) is not None:
        return None
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def _shown(text: str) -> str:
    """A URL as a finding may print it: people paste passwords and tokens into data source URLs
    (`http://user:pw@host`, `?token=`), and findings go to logs, comments and code scanning."""
    return redact_urls(redact_userinfo(text))


def _where(env: str) -> str:
    return f" in environment {env}" if env else ""


def _type(ctx: DatasourceContext) -> str | None:
    """The data source's type where it is a string (a type of another kind is no type Grafana has)."""
    ds_type = ctx.body.get("type")
    return ds_type if isinstance(ds_type, str) else None


@rule("datasource-url-invalid", "error", "Data source URLs must be absolute http(s) URLs", "datasource",
      example="datasource")
def datasource_url_invalid(ctx: DatasourceContext) -> Iterator[Issue]:
    """Grafana's proxy needs a scheme and a host; `prometheus:9090` or a bare path fails every
    query with a "bad gateway" that says nothing about the cause. A placeholder that an
    environment of grafana.yaml does not define fails the sync for that environment. Only data
    sources that speak HTTP are judged: a PostgreSQL or MySQL data source's `localhost:5432` is
    right.

    Bad:
        "url": "prometheus:9090"
    Good:
        "url": "http://prometheus:9090"
    """
    for env in ctx.unresolved_envs:
        yield Issue(f"URL {_shown(str(ctx.body.get('url')))} is not defined for environment {env} in grafana.yaml",
                    f"add environments.{env}.datasources.{ctx.body.get('uid')}.url", at=ctx.location.child("url"))
    ds_type = _type(ctx)
    if ds_type not in HTTP_TYPES:
        return
    checked = ds_type in CHECKED_TYPES
    if not ctx.body.get("url") and checked and not ctx.body.get("access") == "direct":
        yield Issue("data source has no URL", "set url")
    for env, url in sorted(ctx.urls.items()):
        if "${" in url or "$" in url and re.search(r"\$\w", url):
            continue  # an environment variable Grafana's provisioning expands
        problem = url_problem(url)
        if problem is not None:
            yield Issue(f"the URL{_where(env)} is not an absolute http(s) URL: {problem}", "write http://host:port",
                        at=ctx.location.child("url"))


@rule("datasource-exposition-endpoint", "error", "A Prometheus data source must point at a query API, "
      "not a /metrics endpoint", "datasource", example="datasource")
def datasource_exposition_endpoint(ctx: DatasourceContext) -> Iterator[Issue]:
    """Grafana's Prometheus data source calls `/api/v1/query_range`; the collector's :8889
    (prometheus exporter) and :8888 (own telemetry) only serve `/metrics` for Prometheus to
    scrape. Point the data source at Prometheus or Mimir, which scrape those endpoints.

    Bad:
        {"type": "prometheus", "url": "http://otel-collector:8889"}
    Good:
        {"type": "prometheus", "url": "http://prometheus:9090"}
    """
    if ctx.body.get("type") != "prometheus":
        return
    for env, url in sorted(ctx.urls.items()):
        parsed = _parsed(url)
        if parsed is None:
            continue
        _, _, port, path = parsed
        if path.endswith("/metrics"):
            yield Issue(f"URL {redact_url(url)}{_where(env)} is a /metrics exposition endpoint, not a query API",
                        "use the Prometheus/Mimir base URL (e.g. http://prometheus:9090)", at=ctx.location.child("url"))
        elif port in (8888, 8889):
            yield Issue(f"URL {redact_url(url)}{_where(env)} is {KNOWN_PORTS[port][1]}, which Prometheus scrapes; "
                        "it has no query API", "point the data source at Prometheus or Mimir",
                        at=ctx.location.child("url"))


@rule("datasource-wrong-port", "warning", "Data sources must use their own service's port", "datasource",
      example="datasource")
def datasource_wrong_port(ctx: DatasourceContext) -> Iterator[Issue]:
    """Loki listens on 3100, Tempo on 3200, Prometheus on 9090; 4317/4318 are OTLP ingestion.
    A Tempo data source at :3100 talks to Loki and every trace lookup fails with a confusing
    404. Only the stack's well-known ports are judged.

    Bad:
        {"uid": "tempo", "type": "tempo", "url": "http://tempo:3100"}
    Good:
        {"uid": "tempo", "type": "tempo", "url": "http://tempo:3200"}
    """
    ds_type = _type(ctx)
    if ds_type not in CHECKED_TYPES:
        return
    for env, url in sorted(ctx.urls.items()):
        parsed = _parsed(url)
        if parsed is None or parsed[2] not in KNOWN_PORTS:
            continue
        owner, desc = KNOWN_PORTS[parsed[2]]
        if owner == ds_type or (ds_type == "prometheus" and parsed[2] in (8888, 8889)):
            continue
        right = next((p for p, (o, _) in KNOWN_PORTS.items() if o == ds_type), None)
        yield Issue(f"a {ds_type} data source at {redact_url(url)}{_where(env)}: port {parsed[2]} is {desc}",
                    f"use the {ds_type} port ({right})" if right else "use the service's query port",
                    at=ctx.location.child("url"))


@rule("datasource-port-conflict", "error", "Two data sources of different types cannot share a host and port",
      "datasources", example="datasources")
def datasource_port_conflict(ctx: DatasourceSetContext) -> Iterator[Issue]:
    """One host:port serves one API. A Loki and a Tempo data source on the same address mean
    one of them is misconfigured (typically a copy-pasted URL). Different paths behind one
    address are fine: a gateway's `/loki` and `/prometheus`, or Mimir's single port, whose
    Prometheus API is under `/prometheus` and whose Alertmanager data source takes the root.

    Bad:
        - {"uid": "loki", "url": "http://lgtm:3100"}
        - {"uid": "tempo", "url": "http://lgtm:3100"}
    Good:
        - {"uid": "loki", "url": "http://lgtm:3100"}
        - {"uid": "tempo", "url": "http://lgtm:3200"}
    """
    envs = sorted({e for item in ctx.items for e in item.urls} - {""}) or [""]
    reported: set[tuple[str, str]] = set()
    for env in envs:
        seen: dict[tuple[str, int | None], list[tuple[DatasourceContext, str, str]]] = {}
        for item in ctx.items:
            url = item.urls.get(env) or item.urls.get("")
            parsed = _parsed(url) if url else None
            if parsed is None:
                continue
            _, host, port, path = parsed
            seen.setdefault((host, port), []).append((item, str(item.body.get("type")), path))
        for (host, port), users in sorted(seen.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            for i, (item, ds_type, path) in enumerate(users):
                for other, other_type, other_path in users[:i]:
                    if ds_type == other_type or path != other_path:
                        continue
                    key = (_name(item), _name(other))
                    if key in reported:
                        continue
                    reported.add(key)
                    yield Issue(f"{ds_type} data source {key[0]!r} and {other_type} data source {key[1]!r} both "
                                f"point at {host}:{port}{_where(env)}",
                                "give each service its own address", at=item.location.child("url"))


def _name(ctx: DatasourceContext) -> str:
    """How a finding names a data source: its uid, else its name (a provisioning file may give none)."""
    return str(ctx.body.get("uid") or ctx.body.get("name") or "")


@rule("datasource-derived-field-regex", "warning", "Loki derived-field regexes must compile", "datasource",
      example="datasource")
def datasource_derived_field_regex(ctx: DatasourceContext) -> Iterator[Issue]:
    """A derived field extracts a value (a trace id) from each log line with `matcherRegex`;
    an invalid regex silently removes the link from every log line.

    Bad:
        {"uid": "loki", "type": "loki", "url": "http://loki:3100",
         "jsonData": {"derivedFields": [{"name": "TraceID", "matcherRegex": "trace_id=([0-9a-f]+"}]}}
    Good:
        {"uid": "loki", "type": "loki", "url": "http://loki:3100",
         "jsonData": {"derivedFields": [{"name": "TraceID", "matcherRegex": "trace_id=([0-9a-f]+)"}]}}
    """
    data = ctx.body.get("jsonData")
    for i, field in enumerate(listed(data.get("derivedFields")) if isinstance(data, dict) else ()):
        regex = field.get("matcherRegex") if isinstance(field, dict) else None
        if isinstance(regex, str) and field.get("matcherType", "regex") == "regex":
            try:
                re.compile(regex)
            except re.error as exc:
                yield Issue(f"derived field {field.get('name') or i}: regex {regex!r} does not compile: {exc}",
                            "fix the regular expression",
                            at=ctx.location.child("jsonData", "derivedFields", i, "matcherRegex"))


def _texts(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every string of a JSON value holding a `$`, with its path."""
    if isinstance(value, str):
        if "$" in value:
            yield value, path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _texts(v, (*path, i))


@rule("datasource-macro-unescaped", "error", "A provisioning file must write Grafana's own `$__` macros "
      "as `$$__`", "datasource", example="provisioned-datasource")
def datasource_macro_unescaped(ctx: DatasourceContext) -> Iterator[Issue]:
    """Grafana's provisioning reads every string of a data source as a template of environment
    variables (pkg/services/provisioning/values/values.go): `${__value.raw}` in a derived field's
    URL, `$__tags` in a trace-to-metrics query or `${__span.traceId}` in a trace-to-logs query
    become the value of an environment variable of that name, which there is none of: the link
    is saved empty, or the query without its filter. `$$` is a literal `$`. (A body gac sends to
    the API is stored as written, and needs no escape.)

    Bad:
        jsonData:
          derivedFields: [{name: TraceID, matcherRegex: 'trace_id=(\\w+)', url: '${__value.raw}'}]
    Good:
        jsonData:
          derivedFields: [{name: TraceID, matcherRegex: 'trace_id=(\\w+)', url: '$${__value.raw}'}]
    """
    if ctx.written is None:
        return
    for text, path in _texts(ctx.written):
        macros = list(dict.fromkeys(expanded_macros(text)))
        if macros and path[0] == "secureJsonData":  # a secret: named by its key, never quoted
            yield Issue(f"Grafana's provisioning expands a $__ in secureJsonData.{path[-1]} from the environment, "
                        "where nothing is set: the secret is saved without it",
                        "write each literal $ of the secret as $$", at=ctx.location.child(*path))
            continue
        for macro in macros:
            yield Issue(f"Grafana's provisioning replaces {macro} with the environment variable of that name, "
                        f"which is unset: the value is saved without it",
                        f"write ${macro} (a $$ is a literal $ in a provisioning file)", at=ctx.location.child(*path))
