"""The team's definitions get the OpenTelemetry/LGTM stack right (the mistakes DESIGN.md names)."""

from __future__ import annotations

import re

from generator.compile import compile_project
from generator.normalize import iter_panels
from tests.paths import REPO

RESOURCES = {(r.kind, r.uid): r for r in compile_project(REPO)}
NUMERIC_PANELS = {"timeseries", "stat", "gauge", "table", "bargauge"}


def body(kind: str, uid: str) -> dict:
    return RESOURCES[(kind, uid)].body


def test_datasources_cross_reference_by_uid():
    loki = body("datasource", "loki")["jsonData"]
    assert loki["derivedFields"][0]["datasourceUid"] == "tempo"
    assert re.search(loki["derivedFields"][0]["matcherRegex"], '{"msg": "x", "trace_id": "4bf92f3577b34da6"}')
    tempo = body("datasource", "tempo")["jsonData"]
    assert tempo["tracesToLogsV2"]["datasourceUid"] == "loki"
    assert tempo["tracesToLogsV2"]["filterByTraceID"] is True
    assert tempo["tracesToMetrics"]["datasourceUid"] == "prometheus"
    assert tempo["serviceMap"]["datasourceUid"] == "prometheus"
    assert tempo["nodeGraph"]["enabled"] is True


def test_datasource_urls_come_from_the_environment():
    import yaml

    envs = yaml.safe_load((REPO / "grafana.yaml").read_text())["environments"]
    for uid in ("prometheus", "loki", "tempo"):
        assert body("datasource", uid)["url"] == "${datasources.%s.url}" % uid
    for env in envs.values():
        urls = {uid: ds["url"] for uid, ds in env["datasources"].items()}
        assert ":8889" not in urls["prometheus"] and not urls["prometheus"].endswith("/metrics")
        assert not urls["tempo"].endswith(":3100")
        assert len(set(urls.values())) == 3


def test_dashboards_use_modern_panels_with_units_and_stable_uids():
    for uid in ("otel-collector", "otel-apm", "otel-genai"):
        dash = body("dashboard", uid)
        assert dash["uid"] == uid and dash["tags"] and dash["links"]
        for panel in iter_panels(dash["panels"]):
            assert panel["type"] not in {"graph", "singlestat", "table-old"}
            if panel["type"] in NUMERIC_PANELS:
                assert panel["fieldConfig"]["defaults"].get("unit"), (uid, panel["title"])


def test_collector_dashboard_covers_its_health_signals():
    exprs = " ".join(t.get("expr", "") for p in iter_panels(body("dashboard", "otel-collector")["panels"])
                     for t in p.get("targets", []))
    for metric in ("up{", "otelcol_receiver_accepted_spans_total", "otelcol_receiver_refused_spans_total",
                   "otelcol_receiver_accepted_metric_points_total", "otelcol_receiver_accepted_log_records_total",
                   "otelcol_exporter_sent_spans_total", "otelcol_exporter_send_failed_spans_total",
                   "otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity",
                   "otelcol_processor_batch_batch_send_size_bucket", "otelcol_process_memory_rss_bytes",
                   "otelcol_process_cpu_seconds_total"):
        assert metric in exprs, metric


def test_apm_links_to_traces_and_logs():
    panels = list(iter_panels(body("dashboard", "otel-apm")["panels"]))
    types = {p["type"]: p for p in panels}
    assert types["traces"]["datasource"]["uid"] == "tempo"
    assert types["logs"]["datasource"]["uid"] == "loki"
    quantile_exprs = [t["expr"] for p in panels for t in p.get("targets", []) if "histogram_quantile" in t.get("expr", "")]
    assert quantile_exprs and all("le" in re.findall(r"by \(([^)]*)\)", e)[0] for e in quantile_exprs)


def test_genai_dashboard_uses_the_exported_metric_names():
    exprs = " ".join(t.get("expr", "") for p in iter_panels(body("dashboard", "otel-genai")["panels"])
                     for t in p.get("targets", []))
    for metric in ("gen_ai_client_operation_duration_seconds_bucket", "gen_ai_client_token_usage_sum",
                   "agui_agent_request_count_total", "http_server_duration_milliseconds_bucket",
                   "http_server_active_requests"):
        assert metric in exprs, metric


def test_collector_down_is_the_rule_the_team_runs():
    group = body("alert-rule-group", "otel-collector")
    assert group["interval"] == 60
    rule = next(r for r in group["rules"] if r["uid"] == "otelcol-down")
    assert rule["for"] == "2m"
    query = next(d for d in rule["data"] if d["refId"] == "A")
    assert query["model"]["expr"] == 'up{job="otel-collector"}'
    condition = next(d for d in rule["data"] if d["refId"] == rule["condition"])
    assert condition["model"]["expression"] == "$B == 0"
    assert rule["labels"]["severity"] and rule["annotations"]["summary"] and rule["annotations"]["runbook_url"]


def test_every_rule_is_complete():
    rules = [rule for (kind, _), r in RESOURCES.items() if kind == "alert-rule-group" for rule in r.body["rules"]]
    assert {r["uid"] for r in rules} >= {"otelcol-down", "otelcol-refusing", "otelcol-export-failures",
                                         "otelcol-queue-high", "svc-error-ratio", "svc-latency-p95",
                                         "genai-latency-p95"}
    for rule in rules:
        ref_ids = {d["refId"] for d in rule["data"]}
        assert rule["condition"] in ref_ids
        assert rule["noDataState"] in {"NoData", "Alerting", "OK", "KeepLast"}
        assert rule["execErrState"] in {"Error", "Alerting", "OK", "KeepLast"}
        assert set(rule["annotations"]) >= {"summary", "description", "runbook_url"}
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
