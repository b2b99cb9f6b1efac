"""lint_resources: the project's compiled resources, environments and data-source resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import ConfigError
from generator.lint import LintConfig, lint_resources
from generator.lint.catalog import build_catalog, parse_exposition
from generator.lint.config import CollectorSettings
from generator.lint.otel_naming import Instrument, series
from generator.datasource_index import DatasourceIndex, DatasourceInfo, resolve
from tests.lint_cases.builders import (alert_group, alert_rule, dash_resource, dashboard, datasource, ds_resource,
                                group_resource, lint_project, only, panel, prom_query, prom_target, rules, variable)

REPO = Path(__file__).resolve().parent.parent

PROM = datasource("prometheus", "prometheus", "${datasources.prometheus.url}")
LOKI = datasource("loki", "loki", "${datasources.loki.url}", derivedFields=[
    {"datasourceUid": "tempo", "matcherRegex": "trace_id=(\\w+)", "name": "TraceID"}])
TEMPO = datasource("tempo", "tempo", "${datasources.tempo.url}", tracesToLogsV2={"datasourceUid": "loki"},
                   serviceMap={"datasourceUid": "prometheus"})
ENVS = {
    "local": {"datasources": {"prometheus": {"url": "http://prometheus:9090"}, "loki": {"url": "http://loki:3100"},
                              "tempo": {"url": "http://tempo:3200"}}},
    "prod": {"datasources": {"prometheus": {"url": "https://mimir.example.com/prometheus"},
                             "loki": {"url": "https://loki.example.com"},
                             "tempo": {"url": "https://tempo.example.com"}}},
}


def stack(*extra):
    return [ds_resource(PROM), ds_resource(LOKI), ds_resource(TEMPO), *extra]


def test_project_datasources_are_the_complete_set() -> None:
    d = dashboard(panel({"refId": "A", "expr": "up", "datasource": {"type": "prometheus", "uid": "prom"}}))
    found = only(lint_project(*stack(dash_resource(d)), environments=ENVS), "datasource-ref-unresolved")
    assert len(found) == 1 and "'prom'" in found[0].message and "prometheus" in found[0].message
    assert found[0].file == "dashboards/test.py" and found[0].line == 10


def test_clean_stack_in_every_environment() -> None:
    d = dashboard(panel({"refId": "A", "expr": "sum(rate(otelcol_receiver_accepted_spans_total[$__rate_interval]))",
                         "datasource": {"type": "prometheus", "uid": "prometheus"}}))
    assert lint_project(*stack(dash_resource(d), group_resource(alert_group(alert_rule(data=[
        {**prom_query("A", "sum by (job) (up)"), "datasourceUid": "prometheus"},
        {"refId": "C", "datasourceUid": "__expr__", "model": {"type": "threshold", "expression": "A"}}])))),
        environments=ENVS) == []


def test_each_environment_is_checked() -> None:
    envs = {**ENVS, "staging": {"datasources": {"prometheus": {"url": "http://otel-collector:8889"},
                                                "loki": {"url": "http://loki:3100"}}}}
    found = lint_project(*stack(), environments=envs)
    exposition = only(found, "datasource-exposition-endpoint")
    assert len(exposition) == 1 and "environment staging" in exposition[0].message
    missing = only(found, "datasource-url-invalid")
    assert len(missing) == 1 and "environment staging" in missing[0].message and missing[0].panel == "data source tempo"


def test_port_conflict_is_per_environment() -> None:
    envs = {"local": {"datasources": {"prometheus": {"url": "http://lgtm:9090"}, "loki": {"url": "http://lgtm:3100"},
                                      "tempo": {"url": "http://lgtm:3100"}}}}
    found = only(lint_project(*stack(), environments=envs), "datasource-port-conflict")
    assert len(found) == 1 and "lgtm:3100" in found[0].message
    # a gateway with path prefixes is fine
    envs = {"prod": {"datasources": {"prometheus": {"url": "https://gw/prometheus"}, "loki": {"url": "https://gw/loki"},
                                     "tempo": {"url": "https://gw/tempo"}}}}
    assert not only(lint_project(*stack(), environments=envs), "datasource-port-conflict")


def test_links_must_point_at_the_right_type() -> None:
    loki = datasource("loki", "loki", "http://loki:3100", derivedFields=[{"datasourceUid": "prometheus",
                                                                         "matcherRegex": "x"}])
    found = only(lint_project(ds_resource(PROM), ds_resource(loki), ds_resource(TEMPO)), "datasource-link-unresolved")
    assert len(found) == 1 and "prometheus data source" in found[0].message


def test_alert_queries_resolve_against_project_datasources() -> None:
    group = alert_group(alert_rule())  # its query uses uid "prom", which the project does not define
    found = only(lint_project(*stack(group_resource(group))), "datasource-ref-unresolved")
    assert len(found) == 1 and found[0].ref_id == "A" and found[0].alert == "Collector drops spans"


def test_alert_range_query_with_range_vector_is_an_error() -> None:
    rule = alert_rule(data=[{**prom_query("A", "queue_depth[5m]", instant=False), "datasourceUid": "prometheus"},
                            {"refId": "B", "datasourceUid": "__expr__", "model": {"type": "reduce", "expression": "A",
                                                                                 "reducer": "last"}},
                            {"refId": "C", "datasourceUid": "__expr__", "model": {"type": "threshold",
                                                                                 "expression": "B"}}])
    found = lint_project(*stack(group_resource(alert_group(rule))))
    assert rules(found) == {"promql-range-result"}
    # the same expression as an instant query followed by a reduce is what Grafana handles
    rule["data"][0]["model"].update(instant=True, range=False)
    assert lint_project(*stack(group_resource(alert_group(rule)))) == []


def test_alert_queries_do_not_expand_dashboard_variables() -> None:
    rule = alert_rule(data=[{**prom_query("A", 'up{job="$job"}'), "datasourceUid": "prometheus"},
                            {"refId": "C", "datasourceUid": "__expr__", "model": {"type": "threshold",
                                                                                 "expression": "A"}}])
    assert not lint_project(*stack(group_resource(alert_group(rule))))  # inside a string: harmless
    rule["data"][0]["model"]["expr"] = "up{job=$job}"
    (f,) = only(lint_project(*stack(group_resource(alert_group(rule)))), "promql-syntax")
    assert "does not expand dashboard template variables" in f.message


def test_tempo_trace_to_metrics_queries_are_promql() -> None:
    tempo = datasource("tempo", "tempo", "http://tempo:3200", tracesToMetrics={
        "datasourceUid": "prometheus", "queries": [{"name": "rate", "query": "sum(rate(x_total{$__tags}[5m])"}]})
    found = only(lint_project(ds_resource(PROM), ds_resource(LOKI), ds_resource(tempo)), "promql-syntax")
    assert len(found) == 1 and found[0].panel == "data source tempo"


def test_dashboard_variables_and_inputs_resolve() -> None:
    d = dashboard(
        panel(prom_target("up", datasource={"type": "prometheus", "uid": "${ds}"})),
        panel({"refId": "A", "expr": "up", "datasource": "${DS_PROMETHEUS}"}, id=2),
        panel({"refId": "A", "expr": "up", "datasource": {"uid": "$missing"}}, id=3),
        variables=[variable("ds", type="datasource", query="prometheus")],
        __inputs=[{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}])
    found = lint_project(*stack(dash_resource(d)))
    unresolved = only(found, "datasource-ref-unresolved")
    assert [f.panel_id for f in unresolved] == [3] and "$missing" in unresolved[0].message


def test_resolution_rules() -> None:
    index = DatasourceIndex.build([DatasourceInfo("prom", "prometheus", "Prometheus", True)], {}, True)
    assert resolve(None, index, {}, {}) is None
    assert resolve("-- Mixed --", index, {}, {}).is_mixed
    assert resolve({"type": "grafana", "uid": "-- Grafana --"}, index, {}, {}).problem is None
    assert resolve("Prometheus", index, {}, {}).legacy_name == "Prometheus"
    assert resolve("default", index, {}, {}).uid == "prom"
    assert resolve({"type": "prometheus"}, index, {}, {}).type == "prometheus"
    assert resolve({"uid": "$ds"}, index, {"ds": "loki"}, {}).type == "loki"
    assert "loki" in resolve({"type": "loki", "uid": "prom"}, index, {}, {}).problem


def test_real_project_lints_without_errors() -> None:
    """The repository's own definitions must pass their own linter (the build depends on it)."""
    from generator.compile import compile_project
    from generator.config import load_config

    config = load_config(REPO)
    findings = lint_resources(compile_project(REPO), LintConfig.from_mapping(config.get("lint") or {}),
                              config.get("environments"))
    assert not [f for f in findings if f.severity == "error"], findings


def test_config_mapping() -> None:
    cfg = LintConfig.from_mapping({
        "rules": {"panel-unit-missing": "off", "promql-counter-raw": "error",
                  "template-variable-unused": {"severity": "info"}, "promql-legend-label": {"enabled": False}},
        "datasources": [{"uid": "ops", "type": "loki", "name": "Ops"}],
        "catalog": {"shipped": False, "metrics_files": "m.prom"},
        "alerts": {"required_labels": ["severity", "team"], "required_annotations": []},
        "ignore": [{"rule": "panel-grid-overlap", "dashboard": "legacy"}],
    }, base_dir=Path("/repo"))
    assert cfg.severity_of("panel-unit-missing", "warning") is None
    assert cfg.severity_of("promql-legend-label", "warning") is None
    assert cfg.severity_of("promql-counter-raw", "warning") == "error"
    assert cfg.severity_of("template-variable-unused", "warning") == "info"
    assert cfg.datasources["ops"].type == "loki"
    assert cfg.metrics_files == (Path("/repo/m.prom"),) and not cfg.catalog_shipped
    assert cfg.required_labels == ("severity", "team") and cfg.required_annotations == ()


@pytest.mark.parametrize("mapping", [
    {"rulez": {}}, {"rules": {"no-such-rule": "off"}}, {"rules": {"promql-syntax": "loud"}},
    {"datasources": [{"uid": "x"}]}, {"catalog": {"url": "x"}}, {"ignore": [{"rule": "x", "where": 1}]},
])
def test_bad_config_is_a_config_error(mapping: dict) -> None:
    """Keys are checked when the config is read, rule ids when a run starts (the engine knows
    the complete registry); either way nothing is linted."""
    with pytest.raises(ConfigError):
        lint_resources([], LintConfig.from_mapping(mapping))


def test_ignore_entries_suppress_matching_findings() -> None:
    d = dashboard(panel(prom_target("up"), unit=None), uid="legacy")
    cfg = LintConfig.from_mapping({"ignore": [{"rule": "panel-unit-missing", "dashboard": "legacy"}]})
    assert not only(lint_resources([dash_resource(d)], cfg), "panel-unit-missing")
    assert only(lint_resources([dash_resource(d)], LintConfig()), "panel-unit-missing")


def _names(name: str, instrument: str, unit: str) -> dict[str, str]:
    return dict(series(Instrument(name, instrument, unit)).values())


def test_catalog_names_follow_the_collector_exporter() -> None:
    assert _names("otelcol_process_uptime", "counter", "s") == {"otelcol_process_uptime_seconds_total": "counter"}
    assert _names("otelcol_process_memory_rss", "gauge", "By") == {"otelcol_process_memory_rss_bytes": "gauge"}
    assert set(_names("http.server.duration", "histogram", "ms")) == {
        "http_server_duration_milliseconds_bucket", "http_server_duration_milliseconds_sum",
        "http_server_duration_milliseconds_count"}
    assert set(_names("gen_ai.client.token.usage", "histogram", "{token}")) == {
        "gen_ai_client_token_usage_bucket", "gen_ai_client_token_usage_sum", "gen_ai_client_token_usage_count"}
    catalog = build_catalog()
    for name in ("otelcol_receiver_accepted_spans_total", "otelcol_exporter_send_failed_metric_points_total",
                 "otelcol_exporter_enqueue_failed_log_records_total", "otelcol_exporter_queue_capacity",
                 "otelcol_processor_batch_batch_send_size_bucket", "otelcol_processor_batch_timeout_trigger_send_total",
                 "otelcol_process_cpu_seconds_total", "otelcol_process_uptime_seconds_total",
                 "otelcol_process_runtime_heap_alloc_bytes", "http_server_request_duration_seconds_bucket",
                 "http_server_active_requests", "gen_ai_client_operation_duration_seconds_count", "up",
                 "scrape_duration_seconds"):
        assert catalog.is_known(name), name
    unsuffixed = build_catalog(collectors=(CollectorSettings((0, 110)),))
    for name in ("otelcol_process_cpu_seconds", "otelcol_process_uptime", "otelcol_receiver_accepted_spans"):
        assert unsuffixed.is_known(name) and not catalog.is_known(name), name
    assert catalog.suggest("otelcol_receiver_accepted_spans") == "otelcol_receiver_accepted_spans_total"
    assert catalog.judged("otelcol_reciever_accepted_spans_total")  # a typo in the family part
    assert not catalog.judged("node_cpu_seconds_total")
    assert not catalog.judged("http_server_requests_seconds_count")  # Micrometer's, not OpenTelemetry's


def test_exposition_parsing() -> None:
    text = ("# TYPE a_total counter\na_total{x=\"1\"} 3\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 2\n"
            "h_count 1\n# TYPE g gauge\ng 1\n# TYPE om counter\nom_total 1\nom_created 1\nuntyped 5\n# EOF\n")
    kinds = parse_exposition(text)
    assert kinds == {"a_total": "counter", "h_bucket": "cumulative", "h_sum": "cumulative", "h_count": "cumulative",
                     "g": "gauge", "om_total": "counter", "om_created": "gauge", "untyped": "unknown"}


def test_findings_point_at_the_definition_of_the_part() -> None:
    """A compiler may record where each panel was built (Resource.extra["sources"])."""
    from generator.resource import Source

    d = dashboard(panel(prom_target("up"), unit=None), panel(prom_target("up"), id=2, unit=None))
    resource = dash_resource(d)
    resource.extra["sources"] = {("panels", 1): Source("dashboards/panels.py", 42)}
    found = only(lint_project(resource), "panel-unit-missing")
    assert sorted((f.panel_id, f.file, f.line) for f in found) == [(1, "dashboards/test.py", 10),
                                                                   (2, "dashboards/panels.py", 42)]
