"""Metric spellings by collector version and exporter translation strategy (issue 12), the
typo check over every catalog family, and `promql-rate-non-counter` only on known types."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from generator.errors import ConfigError
from generator.lint.catalog import build_catalog
from generator.lint.command import lint_command
from generator.lint.config import CollectorSettings, LintConfig, collector_settings
from generator.lint.otel_naming import Instrument, series


def names(name: str, instrument: str, unit: str, strategy: str) -> list[str]:
    return sorted(n for n, _ in series(Instrument(name, instrument, unit), strategy).values())


# -- deriving names -------------------------------------------------------------------------

@pytest.mark.parametrize("strategy, expected", [
    ("UnderscoreEscapingWithSuffixes", "http_server_request_duration_seconds"),
    ("UnderscoreEscapingWithoutSuffixes", "http_server_request_duration"),
    ("NoUTF8EscapingWithSuffixes", "http.server.request.duration_seconds"),
    ("NoTranslation", "http.server.request.duration"),
])
def test_histogram_spelling_per_strategy(strategy: str, expected: str) -> None:
    assert names("http.server.request.duration", "histogram", "s", strategy) == sorted(
        f"{expected}_{part}" for part in ("bucket", "sum", "count"))


def test_suffix_rules_follow_otlptranslator() -> None:
    with_suffixes = "UnderscoreEscapingWithSuffixes"
    assert names("otelcol_receiver_accepted_spans", "counter", "{spans}", with_suffixes) == [
        "otelcol_receiver_accepted_spans_total"]  # an annotation adds no unit
    assert names("system.cpu.utilization", "gauge", "1", with_suffixes) == ["system_cpu_utilization_ratio"]
    assert names("http.server.active_requests", "updowncounter", "{request}", with_suffixes) == [
        "http_server_active_requests"]
    assert names("otelcol_process_cpu_seconds", "counter", "s", with_suffixes) == ["otelcol_process_cpu_seconds_total"]
    assert names("net.io", "counter", "By/s", with_suffixes) == ["net_io_bytes_per_second_total"]
    assert names("a.total.b", "counter", "", with_suffixes) == ["a_b_total"]
    assert names("a.total.b", "counter", "", "NoUTF8EscapingWithSuffixes") == ["a.total.b_total"]
    assert names("jobs.done", "counter", "", "NoTranslation") == ["jobs.done"]
    with pytest.raises(ValueError):
        series(Instrument("x", "counter"), "Underscores")


# -- the collector's own telemetry by version -------------------------------------------------

@pytest.mark.parametrize("version, written, not_written", [
    ((0, 119), ["otelcol_receiver_accepted_spans", "otelcol_process_memory_rss"],
     ["otelcol_receiver_accepted_spans_total", "otelcol_process_memory_rss_bytes"]),
    ((0, 146), ["otelcol_receiver_accepted_spans_total", "otelcol_process_memory_rss_bytes",
                "otelcol_process_uptime_seconds_total"],
     ["otelcol_receiver_accepted_spans", "otelcol_process_memory_rss"]),
    ((0, 153), ["otelcol_receiver_accepted_spans", "otelcol_process_memory_rss", "otelcol_process_uptime"],
     ["otelcol_receiver_accepted_spans_total", "otelcol_process_memory_rss_bytes"]),
])
def test_collector_telemetry_spelling_by_version(version: tuple[int, int], written: list[str],
                                                 not_written: list[str]) -> None:
    catalog = build_catalog(collectors=(CollectorSettings(version),))
    for name in written:
        assert catalog.is_known(name) and not catalog.unknown(name), name
    for name in not_written:
        assert catalog.unknown(name), name


def test_the_explanation_names_the_spelling_the_declared_version_writes() -> None:
    catalog = build_catalog(collectors=(CollectorSettings((0, 153)),))
    explained = catalog.explain("otelcol_receiver_accepted_spans_total")
    assert explained is not None and explained.expected == "otelcol_receiver_accepted_spans"
    assert "collector 0.153" in explained.why and "0.120–0.152" in explained.why
    old = build_catalog(collectors=(CollectorSettings((0, 110)),))
    missing = old.explain("otelcol_receiver_failed_spans")  # receiver_failed_* exist from 0.133
    assert missing is not None and missing.expected is None and "from 0.133" in missing.why


def test_translation_strategy_changes_application_names() -> None:
    utf8 = build_catalog(collectors=(CollectorSettings(translation_strategy="NoUTF8EscapingWithSuffixes"),))
    assert utf8.is_known("http.server.request.duration_seconds_bucket")
    explained = utf8.explain("http_server_request_duration_seconds_bucket")
    assert explained is not None and explained.expected == "http.server.request.duration_seconds_bucket"
    assert "UnderscoreEscapingWithSuffixes" in explained.why
    bare = build_catalog(collectors=(CollectorSettings(translation_strategy="UnderscoreEscapingWithoutSuffixes"),))
    assert bare.is_known("http_server_request_duration_bucket")
    assert bare.unknown("http_server_request_duration_seconds_bucket")


# -- through the command line, with grafana.yaml ------------------------------------------------

def _dashboard(*exprs: str) -> dict[str, Any]:
    targets = [{"refId": chr(65 + i), "expr": e, "datasource": {"type": "prometheus", "uid": "prom"}}
               for i, e in enumerate(exprs)]
    return {"uid": "d", "title": "d", "schemaVersion": 39, "panels": [
        {"id": 1, "type": "timeseries", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
         "datasource": {"type": "prometheus", "uid": "prom"}, "fieldConfig": {"defaults": {"unit": "short"}},
         "targets": targets}]}


def lint(tmp_path: Path, *exprs: str, config: str | None = None, args: tuple[str, ...] = ()) -> tuple[int, list[dict]]:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(_dashboard(*exprs)))
    extra: list[str] = []
    if config is not None:
        (tmp_path / "grafana.yaml").write_text(config)
        extra = ["--config", str(tmp_path / "grafana.yaml")]
    result = CliRunner().invoke(lint_command, [str(path), "--format", "json", "--strict", *extra, *args],
                                catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout) if result.exit_code in (0, 1) else []


def unknown_messages(items: list[dict]) -> list[str]:
    return [f["message"] for f in items if f["rule"] == "promql-unknown-metric"]


def test_declared_collector_version_decides_the_suffix(tmp_path: Path) -> None:
    query = "sum(rate(otelcol_receiver_accepted_spans_total[5m]))"
    code, items = lint(tmp_path, query)
    assert code == 0 and not unknown_messages(items)  # the default, 0.146, writes _total
    code, items = lint(tmp_path, query, config='collector:\n  version: "0.153"\n')
    [message] = unknown_messages(items)
    assert code == 1 and "collector 0.153 writes otelcol_receiver_accepted_spans;" in message
    code, items = lint(tmp_path, "sum(rate(otelcol_receiver_accepted_spans[5m]))",
                       config='collector:\n  version: "0.153.1"\n')
    assert code == 0 and not unknown_messages(items)


def test_environment_collector_overrides_the_top_level(tmp_path: Path) -> None:
    config = ('collector:\n  version: "0.146"\nenvironments:\n  local:\n    url: http://localhost:3000\n'
              '  prod:\n    url: https://g.example.com\n    collector:\n      version: "0.153"\n')
    new_spelling = "sum(rate(otelcol_receiver_accepted_spans[5m]))"
    _, items = lint(tmp_path, new_spelling, config=config, args=("--env", "prod"))
    assert not unknown_messages(items)
    _, items = lint(tmp_path, new_spelling, config=config, args=("--env", "local"))
    assert unknown_messages(items)
    _, items = lint(tmp_path, new_spelling, config=config)  # no --env: any environment's spelling is fine
    assert not unknown_messages(items)


def test_collector_settings_inherit_and_order() -> None:
    project = {"collector": {"translation_strategy": "NoTranslation"},
               "environments": {"b": {"collector": {"version": "0.153"}}, "a": {}}}
    assert collector_settings(project) == (CollectorSettings((0, 146), "NoTranslation"),
                                           CollectorSettings((0, 153), "NoTranslation"))
    assert collector_settings(project, "b") == (CollectorSettings((0, 153), "NoTranslation"),)
    assert LintConfig.for_project({}).collectors == (CollectorSettings(),)


@pytest.mark.parametrize("section, expected", [
    ({"version": "latest"}, "collector.version"),
    ({"translation_strategy": "UnderscoreEscapingWithSufixes"}, "did you mean 'UnderscoreEscapingWithSuffixes'"),
    ({"versoin": "0.1"}, "unknown key(s) versoin"),
])
def test_bad_collector_settings_are_config_errors(section: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        LintConfig.for_project({"collector": section})


def test_bad_collector_setting_exits_2_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "grafana.yaml").write_text("collector:\n  translation_strategy: Dots\n")
    result = CliRunner().invoke(lint_command, [str(tmp_path), "--config", str(tmp_path / "grafana.yaml")])
    assert result.exit_code == 2 and "grafana.yaml" in result.output and "translation_strategy" in result.output


def test_typos_in_every_catalog_family_are_found(tmp_path: Path) -> None:
    code, items = lint(tmp_path, "sum(rate(http_server_duraton_milliseconds_count[5m]))")
    [message] = unknown_messages(items)
    assert code == 1 and "writes http_server_duration_milliseconds_count" in message
    _, items = lint(tmp_path, "sum(rate(gen_ai_clinet_token_usage_count[5m]))")
    assert unknown_messages(items)
    # a different namespace is not a typo: Tempo's metrics-generator writes traces_spanmetrics_*
    _, items = lint(tmp_path, "sum(rate(traces_spanmetrics_calls_total[5m]))",
                    "sum(rate(http_server_requests_seconds_count[5m]))")  # Micrometer's
    assert not unknown_messages(items)


def test_utf8_names_in_promql(tmp_path: Path) -> None:
    config = "collector:\n  translation_strategy: NoUTF8EscapingWithSuffixes\n"
    code, items = lint(tmp_path, 'sum(rate({"http.server.request.duration_seconds_count"}[5m]))', config=config)
    assert not unknown_messages(items)
    _, items = lint(tmp_path, "sum(rate(http_server_request_duration_seconds_count[5m]))", config=config)
    [message] = unknown_messages(items)
    assert "http.server.request.duration_seconds_count" in message



def test_utf8_record_names_need_a_collector_that_writes_utf8(tmp_path: Path) -> None:
    """A recording rule named `service.name:…` is valid where the names are UTF-8 (Prometheus 3,
    which the declared collector's strategy shows the team runs), invalid to Prometheus 2's rule."""
    rules = tmp_path / "rules.yaml"
    rules.write_text('groups:\n- name: g\n  rules:\n  - record: "service.name:http.errors:rate5m"\n'
                     '    expr: sum by (job) (rate(http_errors_total[5m]))\n')

    def invalid(config: str) -> list[dict]:
        (tmp_path / "grafana.yaml").write_text(config)
        result = CliRunner().invoke(lint_command, [str(rules), "--format", "json", "--config",
                                                   str(tmp_path / "grafana.yaml")], catch_exceptions=False)
        return [f for f in json.loads(result.stdout) if f["rule"] == "prom-rule-invalid"]

    [finding] = invalid("collector:\n  version: \"0.146\"\n")
    assert "Prometheus 2's rule" in finding["message"] and "translation_strategy" in finding["fix"]
    assert finding["line"] == 4
    for strategy in ("NoUTF8EscapingWithSuffixes", "NoTranslation"):
        assert invalid(f"collector:\n  translation_strategy: {strategy}\n") == []
    # one environment's collector writing UTF-8 names is enough, as for metric names
    assert invalid("environments:\n  a: {url: 'http://a:3000'}\n  b:\n    url: http://b:3000\n"
                   "    collector: {translation_strategy: NoTranslation}\n") == []

# -- rate() on non-counters: only where the type is known --------------------------------------

def rate_rules(items: list[dict]) -> list[str]:
    return [f["rule"] for f in items if f["rule"].startswith("promql-rate")]


def test_names_alone_do_not_make_a_gauge(tmp_path: Path) -> None:
    for name in ("mysql_global_status_innodb_lsn_current", "pg_txid_current",
                 "prometheus_remote_storage_queue_highest_sent_timestamp_seconds", "workqueue_depth"):
        _, items = lint(tmp_path, f"sum(rate({name}[5m]))")
        assert "promql-rate-non-counter" not in rate_rules(items), name


def test_exposition_type_decides(tmp_path: Path) -> None:
    prom = tmp_path / "m.prom"
    prom.write_text("# TYPE pg_txid_current counter\npg_txid_current 5\n# TYPE queue_depth gauge\nqueue_depth 1\n")
    _, items = lint(tmp_path, "sum(rate(pg_txid_current[5m]))", "sum(rate(queue_depth[5m]))",
                    args=("--metrics-file", str(prom)))
    assert rate_rules(items) == ["promql-rate-non-counter"]
    assert "queue_depth" in next(f["message"] for f in items if f["rule"] == "promql-rate-non-counter")


def test_catalog_type_decides(tmp_path: Path) -> None:
    _, items = lint(tmp_path, "sum(rate(otelcol_exporter_queue_size[5m]))")
    assert rate_rules(items) == ["promql-rate-non-counter"]


@pytest.fixture()
def prometheus() -> Iterator[str]:
    """A stand-in for Prometheus's query API: names and /api/v1/metadata types."""
    answers = {"/api/v1/label/__name__/values": {"status": "success", "data": ["innodb_lsn", "pool_size"]},
               "/api/v1/metadata": {"status": "success", "data": {
                   "innodb_lsn": [{"type": "counter", "help": "", "unit": ""}],
                   "pool_size": [{"type": "gauge", "help": "", "unit": ""}]}}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = json.dumps(answers.get(self.path.split("?")[0], {"status": "error"})).encode()
            self.send_response(200 if self.path.split("?")[0] in answers else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_prometheus_metadata_decides(tmp_path: Path, prometheus: str) -> None:
    _, items = lint(tmp_path, "sum(rate(innodb_lsn[5m]))", "sum(rate(pool_size[5m]))",
                    args=("--prometheus-url", prometheus))
    assert rate_rules(items) == ["promql-rate-non-counter"]
    assert "pool_size" in next(f["message"] for f in items if f["rule"] == "promql-rate-non-counter")
