"""What Grafana takes as right is no error: data source URLs of the SQL and Redis kinds, Mimir's
one port, a provisioning file's `$$`, a data source named by any variable, and the names a data
source's backend replaces itself. Each test also shows the nearby mistake still reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from generator.lint import lint_paths
from tests.lint_cases.builders import config, dashboard, lint_docs, only, panel, prom_target, variable


def lint_provisioning(tmp_path: Path, *datasources: dict[str, Any]) -> list:
    path = tmp_path / "datasources.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": 1, "datasources": list(datasources)}, sort_keys=False))
    return lint_paths([path], config())


def test_sql_and_redis_data_sources_take_their_own_url_form(tmp_path: Path) -> None:
    """Grafana's PostgreSQL, MySQL and MSSQL data sources take `host:port` (its provisioning
    examples write `url: localhost:5432`), Redis' plugin a redis:// URL."""
    found = lint_provisioning(
        tmp_path,
        {"name": "Postgres", "type": "grafana-postgresql-datasource", "uid": "pg", "url": "localhost:5432"},
        {"name": "Postgres (old id)", "type": "postgres", "uid": "pg-old", "url": "db:5432"},
        {"name": "MySQL", "type": "mysql", "uid": "my", "url": "mysql:3306"},
        {"name": "MSSQL", "type": "mssql", "uid": "ms", "url": "mssql:1433"},
        {"name": "Redis", "type": "redis-datasource", "uid": "redis", "url": "redis://redis:6379"},
        {"name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "prometheus:9090"},
        {"name": "Loki", "type": "loki", "uid": "loki", "url": "loki:3100"},
        {"name": "VM", "type": "victoriametrics-metrics-datasource", "uid": "vm", "url": "victoria:8428"})
    assert sorted(f.panel for f in only(found, "datasource-url-invalid")) == ["data source loki",
                                                                             "data source prom", "data source vm"]


def test_mimir_alertmanager_shares_the_port_of_its_prometheus_api(tmp_path: Path) -> None:
    """Mimir serves its Prometheus API under /prometheus and its Alertmanager at the root of one
    port; two data sources of different types at one and the same URL are still a conflict."""
    mimir = [{"name": "Mimir", "type": "prometheus", "uid": "mimir", "url": "http://mimir:8080/prometheus"},
             {"name": "Mimir AM", "type": "alertmanager", "uid": "mimir-am", "url": "http://mimir:8080",
              "jsonData": {"implementation": "mimir"}}]
    assert not only(lint_provisioning(tmp_path, *mimir), "datasource-port-conflict")
    copied = [{"name": "Loki", "type": "loki", "uid": "loki", "url": "http://lgtm:3100"},
              {"name": "Tempo", "type": "tempo", "uid": "tempo", "url": "http://lgtm:3100/"}]
    conflict = only(lint_provisioning(tmp_path, *copied), "datasource-port-conflict")
    assert [f.panel for f in conflict] == ["data source tempo"]
    # a provisioning file may name data sources by name alone: each pair is told apart by it
    nameless = [{"name": n, "type": t, "url": "http://lgtm:3100"} for n, t in
                (("Prom", "prometheus"), ("Loki", "loki"), ("Tempo", "tempo"))]
    messages = sorted(f.message for f in only(lint_provisioning(tmp_path, *nameless), "datasource-port-conflict"))
    assert messages == ["loki data source 'Loki' and prometheus data source 'Prom' both point at lgtm:3100",
                        "tempo data source 'Tempo' and loki data source 'Loki' both point at lgtm:3100",
                        "tempo data source 'Tempo' and prometheus data source 'Prom' both point at lgtm:3100"]


def _loki_and_tempo(trace_url: str) -> list[dict[str, Any]]:
    return [{"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100",
             "jsonData": {"derivedFields": [{"name": "TraceID", "matcherRegex": "trace_id=(\\w+)",
                                             "datasourceUid": "tempo", "url": trace_url}]}},
            {"name": "Tempo", "type": "tempo", "uid": "tempo", "url": "http://tempo:3200"}]


def test_a_provisioning_file_is_read_as_grafana_stores_it(tmp_path: Path) -> None:
    """`$$` is a literal `$` in a provisioning file (pkg/services/provisioning/values): the link
    Grafana stores, `${__value.raw}`, is a trace lookup, and a query it stores is still checked."""
    assert not lint_provisioning(tmp_path, *_loki_and_tempo("$${__value.raw}"))
    broken = only(lint_provisioning(tmp_path, *_loki_and_tempo('{ span.id = "$${__value.raw}"')), "traceql-syntax")
    assert len(broken) == 1 and broken[0].panel == "data source loki"


def test_a_macro_a_provisioning_file_leaves_unescaped_is_reported_where_it_is(tmp_path: Path) -> None:
    """Unescaped, provisioning replaces Grafana's `${__value.raw}` and `$__tags` from the
    environment, with nothing; an environment variable of the user's own, and the expanders
    `$__env{…}` and `$__file{…}`, are what the file means."""
    tempo = {"name": "Tempo", "type": "tempo", "uid": "tempo", "url": "http://tempo:3200",
             "basicAuthUser": "$__env{TEMPO_USER}", "secureJsonData": {"basicAuthPassword": "$__file{/run/pw}"},
             "jsonData": {"tracesToMetrics": {"datasourceUid": "prom", "queries": [
                 {"name": "rate", "query": "sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))"}]}}}
    prom = {"name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "${PROMETHEUS_URL}"}
    found = only(lint_provisioning(tmp_path, *_loki_and_tempo("${__value.raw}")[:1], tempo, prom),
                 "datasource-macro-unescaped")
    lines = (tmp_path / "datasources.yaml").read_text().splitlines()
    at = [next(i for i, line in enumerate(lines, 1) if text in line) for text in ("${__value.raw}", "$__tags")]
    assert [(f.panel, f.line) for f in found] == [("data source loki", at[0]), ("data source tempo", at[1])]
    assert "${__value.raw}" in found[0].message and found[0].fix.startswith("write $${__value.raw}")
    assert "$__tags" in found[1].message
    # a secret is named by its key, never quoted, not even in part
    secret = {"name": "S", "type": "tempo", "uid": "s", "url": "http://tempo:3200",
              "secureJsonData": {"basicAuthPassword": "$$hunter2$__x"}}
    said = only(lint_provisioning(tmp_path, secret), "datasource-macro-unescaped")
    assert len(said) == 1 and "secureJsonData.basicAuthPassword" in said[0].message
    assert not any("hunter2" in text or "__x" in text for text in (said[0].message, said[0].fix or ""))
    # the same body sent to the API (a JSON data source body) is stored as written
    body = tmp_path / "api" / "loki.json"
    body.parent.mkdir()
    body.write_text(json.dumps(_loki_and_tempo("${__value.raw}")[0]))
    assert not only(lint_paths([body], config()), "datasource-macro-unescaped")


def test_any_variable_may_hold_a_data_source_uid(tmp_path: Path) -> None:
    """Grafana interpolates a reference's uid with every variable, a custom one included; the
    data source its value names gives the queries their language."""
    target = prom_target("sum(rate(http_server_request_duration_seconds_count[$__rate_interval])")
    dash = dashboard(panel({**target, "datasource": {"type": "prometheus", "uid": "$dsuid"}}),
                     variables=[variable("dsuid", query="prometheus", current={"text": "prometheus",
                                                                                "value": "prometheus"})])
    found = lint_docs(tmp_path, dash)
    assert not only(found, "datasource-ref-unresolved")
    assert only(found, "promql-syntax"), "the query is still read as PromQL (its closing bracket is missing)"
    undefined = dashboard(panel({**target, "datasource": {"type": "prometheus", "uid": "$nothing"}}))
    assert only(lint_docs(tmp_path, undefined), "datasource-ref-unresolved")


def test_influxdb_replaces_its_own_interval_and_alias_names(tmp_path: Path) -> None:
    """InfluxQL's backend replaces `$interval` in the query and `$m`, `$measurement`, `$col` and
    `$tag_<key>` in the alias (pkg/tsdb/influxdb/influxql); elsewhere they are undefined variables."""
    influx = {"type": "influxdb", "uid": "influx"}
    target = {"refId": "A", "datasource": influx, "rawQuery": True, "alias": "$tag_host $col $m $measurement",
              "query": 'SELECT mean("value") FROM "cpu" WHERE $timeFilter GROUP BY time($interval), "host"'}
    dash = dashboard(panel(target, datasource=influx))
    assert not only(lint_docs(tmp_path, dash), "template-variable-undefined")
    target["query"] += " LIMIT $tag_host"
    target["alias"] += " $host"
    names = sorted(f.message for f in only(lint_docs(tmp_path, dash), "template-variable-undefined"))
    assert names == ["variable $host is used but not defined", "variable $tag_host is used but not defined"]


def test_group_by_and_ad_hoc_variables_apply_without_being_named(tmp_path: Path) -> None:
    """Grafana sends a group-by variable's keys, as an ad hoc variable's filters, with every query
    of its data source: neither is named in a query; a custom variable that is not is unused."""
    target = prom_target("sum(rate(http_server_request_duration_seconds_count[$__rate_interval]))")
    dash = dashboard(panel(target), variables=[variable("by", type="groupby", query=""),
                                               variable("filters", type="adhoc", query=""),
                                               variable("job")])
    unused = only(lint_docs(tmp_path, dash), "template-variable-unused")
    assert [f.message for f in unused] == ["variable $job is defined but never used"]
