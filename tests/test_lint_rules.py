"""Table-driven rule tests: for every rule, a bad input that makes it fire and a good input
that does not. Each pair differs only in what the rule is about, so a rule that fires on
everything or on nothing fails its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from generator.lint import RULES
from generator.lint.examples import lint_example
from tests.lint_cases import notifications as nt
from tests.lint_cases.builders import (alert_group, alert_rule, dashboard, datasource, ds_resource, tempo_target,
                                expression, lint_docs, lint_project, loki_target, only, panel,
                                prom_query, prom_rules, prom_target, variable)

ENVS = {"local": {"datasources": {"prometheus": {"url": "http://prometheus:9090"},
                                  "loki": {"url": "http://loki:3100"}, "tempo": {"url": "http://tempo:3200"}}}}


def stack(prom_url: str = "${datasources.prometheus.url}", loki_url: str = "${datasources.loki.url}",
          tempo_url: str = "${datasources.tempo.url}", **overrides: Any) -> list[dict[str, Any]]:
    """The project's three data sources, linked as the LGTM stack links them."""
    prom = datasource("prometheus", "prometheus", prom_url,
                      exemplarTraceIdDestinations=[{"datasourceUid": "tempo", "name": "trace_id"}])
    loki = datasource("loki", "loki", loki_url, derivedFields=[
        {"datasourceUid": "tempo", "matcherRegex": r'"trace_id":\s*"(\w+)"', "name": "TraceID", "url": "${__value.raw}"}])
    tempo = datasource("tempo", "tempo", tempo_url, tracesToLogsV2={"datasourceUid": "loki"},
                       tracesToMetrics={"datasourceUid": "prometheus", "queries": [
                           {"name": "rate", "query": "sum(rate(traces_span_metrics_calls_total{$__tags}[5m]))"}]},
                       serviceMap={"datasourceUid": "prometheus"})
    bodies = {"prometheus": prom, "loki": loki, "tempo": tempo}
    for uid, change in overrides.items():
        change(bodies[uid])
    return list(bodies.values())


@dataclass
class Case:
    rule: str
    bad: Callable[[], Any]
    good: Callable[[], Any]
    kind: str = "files"          # files (lint_paths on JSON), yaml (lint_paths on YAML), project (lint_resources),
    #                              notifications (lint_resources on tests/lint_cases/notifications.py resources)
    environments: Any = None     # grafana.yaml's environments, for the notifications kind

    @property
    def id(self) -> str:
        return self.rule


def one_panel(expr: str, **kw: Any) -> list[dict[str, Any]]:
    legend = kw.pop("legend", None)
    target = prom_target(expr, **({"legendFormat": legend} if legend else {}), **kw.pop("target", {}))
    return [dashboard(panel(target, **kw))]


def rule_group(**kw: Any) -> list[dict[str, Any]]:
    return [alert_group(alert_rule(**kw))]


def rule_file(**rule: Any) -> list[dict[str, Any]]:
    base = {"alert": "HighErrors", "expr": 'sum by (job) (rate(errors_total[5m])) > 1', "for": "5m",
            "labels": {"severity": "page"}, "annotations": {"summary": "{{ $labels.job }} fails"}}
    base.update(rule)
    return [prom_rules(base)]


def prometheus_rule(**rule: Any) -> list[dict[str, Any]]:
    """rule_file's rule in a Prometheus Operator PrometheusRule object."""
    return [{"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "errors"},
             "spec": rule_file(**rule)[0]}]


def provisioning(trace_url: str) -> dict[str, Any]:
    """The stack as a data-source provisioning file writes it (each macro of Grafana's escaped,
    `$$`), but for its derived field's URL: `trace_url`."""
    urls = ENVS["local"]["datasources"]
    bodies = stack(
        loki=set_("jsonData.derivedFields", [{"datasourceUid": "tempo", "matcherRegex": "id=(\\w+)",
                                              "url": trace_url}]),
        tempo=set_("jsonData.tracesToMetrics.queries", [
            {"name": "rate", "query": "sum(rate(traces_span_metrics_calls_total{$$__tags}[5m]))"}]))
    return {"apiVersion": 1, "datasources": [{**b, "url": urls[b["uid"]]["url"]} for b in bodies]}


def set_(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        node = body
        *path, last = key.split(".")
        for p in path:
            node = node[p]
        node[last] = value
    return change


CASES = [
    # -- PromQL -------------------------------------------------------------------------------
    Case("promql-syntax",
         lambda: one_panel('sum(rate(x_total{job="$job"}[$__rate_interval])'),
         lambda: one_panel('sum(rate(x_total{job="$job"}[$__rate_interval]))')),
    Case("promql-range-result",
         lambda: one_panel("x_total[5m]"),
         lambda: one_panel("x_total[5m]", target={"instant": True, "range": False}, type="table")),
    Case("promql-rate-non-counter",
         lambda: one_panel("rate(otelcol_exporter_queue_size[5m])"),
         lambda: one_panel("rate(otelcol_exporter_sent_spans_total[5m])")),
    Case("promql-rate-unsuffixed",
         lambda: one_panel("rate(kubelet_evictions[5m])"),
         lambda: one_panel("rate(kubelet_evictions_total[5m])")),
    Case("promql-counter-raw",
         lambda: one_panel("sum by (receiver) (otelcol_receiver_refused_spans_total)"),
         lambda: one_panel("sum by (receiver) (rate(otelcol_receiver_refused_spans_total[$__rate_interval]))")),
    Case("promql-histogram-quantile-le",
         lambda: one_panel("histogram_quantile(0.95, sum by (service_name) "
                           "(rate(http_server_duration_milliseconds_bucket[5m])))"),
         lambda: one_panel("histogram_quantile(0.95, sum by (service_name, le) "
                           "(rate(http_server_duration_milliseconds_bucket[5m])))")),
    Case("promql-interval-rate-window",
         lambda: one_panel("rate(http_server_request_duration_seconds_count[$__interval])"),
         lambda: one_panel("rate(http_server_request_duration_seconds_count[$__rate_interval])")),
    Case("promql-unknown-metric",
         lambda: one_panel("rate(otelcol_receiver_accepted_spans[5m])"),
         lambda: one_panel("rate(otelcol_receiver_accepted_spans_total[5m])")),
    Case("promql-legend-label",
         lambda: one_panel("sum by (job) (rate(x_total[5m]))", legend="{{instance}}"),
         lambda: one_panel("sum by (job, instance) (rate(x_total[5m]))", legend="{{instance}}")),
    # -- dashboards -----------------------------------------------------------------------
    Case("dashboard-uid-missing",
         lambda: [dashboard(uid=None)],
         lambda: [dashboard(uid="otel-collector")]),
    Case("panel-id-duplicate",
         lambda: [dashboard(panel(prom_target("up"), id=2, title="a", grid=(0, 0, 12, 8)),
                            panel(prom_target("up"), id=2, title="b", grid=(12, 0, 12, 8)))],
         lambda: [dashboard(panel(prom_target("up"), id=2, title="a", grid=(0, 0, 12, 8)),
                            panel(prom_target("up"), id=3, title="b", grid=(12, 0, 12, 8)))]),
    Case("panel-grid-overlap",
         lambda: [dashboard(panel(prom_target("up"), id=1, grid=(0, 0, 12, 8)),
                            panel(prom_target("up"), id=2, grid=(6, 4, 12, 8)))],
         lambda: [dashboard(panel(prom_target("up"), id=1, grid=(0, 0, 12, 8)),
                            panel(prom_target("up"), id=2, grid=(12, 0, 12, 8)))]),
    Case("template-variable-undefined",
         lambda: [dashboard(panel(prom_target('up{job="$job"}')))],
         lambda: [dashboard(panel(prom_target('up{job="$job"}')), variables=[variable("job")])]),
    Case("template-variable-unused",
         lambda: [dashboard(panel(prom_target('up{job="$job"}')), variables=[variable("job"), variable("pod")])],
         lambda: [dashboard(panel(prom_target('up{job="$job", pod="$pod"}')),
                            variables=[variable("job"), variable("pod")])]),
    Case("datasource-ref-unresolved",
         lambda: [dashboard(panel({"refId": "A", "expr": "up", "datasource": {"type": "prometheus",
                                                                               "uid": "promethues"}}))],
         lambda: [dashboard(panel({"refId": "A", "expr": "up", "datasource": {"type": "prometheus",
                                                                               "uid": "prom"}}))]),
    Case("datasource-legacy-name",
         lambda: [dashboard(panel(prom_target("up"), datasource="Prometheus"))],
         lambda: [dashboard(panel(prom_target("up"), datasource={"type": "prometheus", "uid": "prom"}))]),
    Case("panel-type-deprecated",
         lambda: [dashboard(panel(prom_target("up"), type="graph"))],
         lambda: [dashboard(panel(prom_target("up"), type="timeseries"))]),
    Case("panel-unit-missing",
         lambda: [dashboard(panel(prom_target("up"), unit=None))],
         lambda: [dashboard(panel(prom_target("up"), unit="none"))]),
    Case("panel-unit-unknown",
         lambda: [dashboard(panel(prom_target("up"), unit="secs"))],
         lambda: [dashboard(panel(prom_target("up"), unit="s"))]),
    Case("panel-unit-unknown",
         lambda: [dashboard(panel(prom_target("up"), type="graph", unit=None, yaxes=[{"format": "Seconds"}]))],
         lambda: [dashboard(panel(prom_target("up"), type="graph", unit=None, yaxes=[{"format": "suffix:req"}]))]),
    Case("dashboard-json-invalid",
         lambda: [dashboard(panel(prom_target("up", ref=1), grid=(0, 0, "12", 8)))],
         lambda: [dashboard(panel(prom_target("up"), grid=(0, 0, 12, 8)))]),
    Case("panel-title-missing",
         lambda: [dashboard(panel(prom_target("up"), title=""))],
         lambda: [dashboard(panel(prom_target("up"), title="Up"), panel(type="text", title="", id=2))]),
    Case("template-variable-refresh",
         lambda: [dashboard(panel(prom_target('up{job="$job"}')),
                            variables=[variable("job", type="query", query="label_values(up, job)", refresh=1)])],
         lambda: [dashboard(panel(prom_target('up{job="$job"}')),
                            variables=[variable("job", type="query", query="label_values(up, job)", refresh=2),
                                       variable("pod", type="custom", query="a", refresh=0)])]),
    Case("template-variable-duplicate",
         lambda: [dashboard(panel(prom_target('up{job="$job"}')), variables=[variable("job"), variable("job")])],
         lambda: [dashboard(panel(prom_target('up{job="$job", pod="$pod"}')),
                            variables=[variable("job"), variable("pod")])]),
    Case("promql-fixed-window",
         lambda: one_panel('sum(rate(http_server_request_duration_seconds_count{path=~"/a(b)?"}[5m]))'),
         lambda: one_panel('sum(rate(http_server_request_duration_seconds_count{path=~"/a(b)?"}[$__rate_interval]))'
                           ' / sum(increase(x_total[1h]))')),
    Case("traceql-syntax",
         lambda: [dashboard(panel(tempo_target('{ resource.service.name = "api" && duration > 1s'), type="traces"))],
         lambda: [dashboard(panel(tempo_target('{ resource.service.name = "api" && duration > 1s }'),
                                  tempo_target("${traceId}", ref="B"), type="traces"))]),
    Case("traceql-syntax",
         lambda: stack(loki=set_("jsonData.derivedFields", [
             {"datasourceUid": "tempo", "matcherRegex": "id=(\\w+)", "name": "T", "url": '{ span:id = "${__value.raw}"'}])),
         lambda: stack(loki=set_("jsonData.derivedFields", [
             {"datasourceUid": "tempo", "matcherRegex": "id=(\\w+)", "name": "T", "url": '{ span:id = "${__value.raw}" }'}])),
         kind="project"),
    Case("panel-no-targets",
         lambda: [dashboard(panel())],
         lambda: [dashboard(panel(prom_target("up")))]),
    Case("logql-syntax",
         lambda: [dashboard(panel(loki_target('{app="checkout"} |= error | json'), type="logs"))],
         lambda: [dashboard(panel(loki_target('{app="checkout"} |= "error" | json'), type="logs"))]),
    Case("logql-line-filter-regex",
         lambda: [dashboard(panel(loki_target('{app="checkout"} |~ "timeout(?!s)" | json'), type="logs"))],
         lambda: [dashboard(panel(loki_target('{app="checkout"} |~ "timeout" !~ "timeouts" | json'), type="logs"))]),
    # -- Grafana-managed alerting ---------------------------------------------------------
    Case("logql-line-filter-regex",
         lambda: rule_group(data=[{**prom_query("A", 'sum(count_over_time({app="x"} |~ "a\\\\" [5m]))'),
                                   "datasourceUid": "loki"}, expression("C", type="threshold", expression="A")]),
         lambda: rule_group(data=[{**prom_query("A", 'sum(count_over_time({app="x"} |~ "a\\\\\\\\" [5m]))'),
                                   "datasourceUid": "loki"}, expression("C", type="threshold", expression="A")])),
    Case("logql-syntax",
         lambda: rule_group(data=[{**prom_query("A", 'sum(count_over_time({app="x"}[5m])'), "datasourceUid": "loki"},
                                  expression("C", type="threshold", expression="A")]),
         lambda: rule_group(data=[{**prom_query("A", 'sum(count_over_time({app="x"}[5m]))'), "datasourceUid": "loki"},
                                  expression("C", type="threshold", expression="A")])),
    Case("alert-group-interval",
         lambda: [alert_group(alert_rule(), interval=45)],
         lambda: [alert_group(alert_rule(), interval=60)]),
    Case("alert-condition-unknown",
         lambda: rule_group(condition="D"),
         lambda: rule_group(condition="C")),
    Case("alert-title-duplicate",
         lambda: [alert_group(alert_rule(), alert_rule(uid="r2", labels={"severity": "critical"}))],
         lambda: [alert_group(alert_rule(), alert_rule(uid="r2", title="Collector drops many spans",
                                                       labels={"severity": "critical"}))]),
    Case("alert-refid-duplicate",
         lambda: rule_group(data=[prom_query("A", "up"), prom_query("A", "up"),
                                  expression("C", type="threshold", expression="A")]),
         lambda: rule_group(data=[prom_query("A", "up"), prom_query("B", "up"),
                                  expression("C", type="threshold", expression="A")])),
    Case("alert-expression-ref-unknown",
         lambda: rule_group(data=[prom_query("A", "up"), expression("C", type="math", expression="$A + $B")]),
         lambda: rule_group(data=[prom_query("A", "up"), prom_query("B", "up"),
                                  expression("C", type="math", expression="$A + ${B}")])),
    Case("alert-condition-not-reduced",
         lambda: rule_group(data=[prom_query("A", "up", instant=False),
                                  expression("C", type="threshold", expression="A")]),
         lambda: rule_group(data=[prom_query("A", "up", instant=False),
                                  expression("B", type="reduce", expression="A", reducer="last"),
                                  expression("C", type="threshold", expression="B")])),
    Case("alert-for-shorter-than-interval",
         lambda: rule_group(**{"for": "30s"}),
         lambda: rule_group(**{"for": "2m"})),
    Case("alert-duration-invalid",
         lambda: rule_group(**{"for": "5mins"}),
         lambda: rule_group(**{"for": "5m"})),
    Case("alert-duration-invalid",  # seconds without a unit: model.ParseDuration refuses them
         lambda: rule_group(**{"for": "300"}),
         lambda: rule_group(**{"for": "0"})),
    Case("alert-state-invalid",
         lambda: rule_group(noDataState="no_data"),
         lambda: rule_group(noDataState="KeepLast")),
    Case("alert-missing-label",
         lambda: rule_group(labels={"team": "platform"}),
         lambda: rule_group(labels={"team": "platform", "severity": "page"})),
    Case("alert-missing-annotation",
         lambda: rule_group(annotations={"description": "x"}),
         lambda: rule_group(annotations={"summary": "x", "description": "x"})),
    Case("alert-template-invalid",
         lambda: rule_group(annotations={"summary": "{{ $labels.job is down ({{ humanise $value }})"}),
         lambda: rule_group(annotations={"summary": "{{ $labels.job }} is down ({{ humanize $value }})"})),
    Case("alert-template-refid",
         lambda: rule_group(annotations={"summary": "at {{ $values.D.Value }}"}),
         lambda: rule_group(annotations={"summary": "at {{ $values.B.Value }}"})),
    Case("alert-template-label-dropped",
         lambda: rule_group(annotations={"summary": "{{ $labels.instance }} refuses spans"}),
         lambda: rule_group(annotations={"summary": "{{ $labels.job }} refuses spans"})),
    Case("datasource-ref-unresolved",
         lambda: rule_group(data=[{**prom_query("A", "up"), "datasourceUid": "nope"},
                                  expression("C", type="threshold", expression="A")]),
         lambda: rule_group(data=[prom_query("A", "up"), expression("C", type="threshold", expression="A")])),
    # -- Prometheus rule files ------------------------------------------------------------
    Case("prom-rule-invalid", lambda: rule_file(record="job:http errors:rate5m", alert=None),
         lambda: rule_file(), kind="yaml"),
    Case("prom-rule-file-invalid", lambda: rule_file(**{"for": 5}), lambda: rule_file(), kind="yaml"),
    Case("alert-provisioning-file-invalid",
         lambda: [{"apiVersion": 1, "contactPoints": [{"name": "team", "receivers": [
             {"type": "email", "settings": {"addresses": "team@example.com"}}]}]}],
         lambda: [{"apiVersion": 1, "contactPoints": [{"name": "team", "receivers": [
             {"uid": "team-email", "type": "email", "settings": {"addresses": "team@example.com"}}]}]}], kind="yaml"),
    Case("prometheusrule-invalid", lambda: prometheus_rule(**{"for": 5}), lambda: prometheus_rule(), kind="yaml"),
    Case("alert-template-label-dropped",
         lambda: rule_file(annotations={"summary": "{{ $labels.instance }} fails"}),
         lambda: rule_file(annotations={"summary": "{{ $labels.job }} fails"}), kind="yaml"),
    Case("alert-template-invalid",
         lambda: rule_file(annotations={"summary": "{{ $values.A }} fails"}),
         lambda: rule_file(annotations={"summary": "{{ $value }} fails"}), kind="yaml"),
    Case("alert-missing-label",
         lambda: rule_file(labels={}),
         lambda: rule_file(), kind="yaml"),
    # -- data sources ---------------------------------------------------------------------
    Case("datasource-link-unresolved",
         lambda: stack(loki=set_("jsonData.derivedFields", [{"datasourceUid": "tempo-prod", "matcherRegex": "x"}])),
         lambda: stack(), kind="project"),
    Case("datasource-exposition-endpoint",
         lambda: stack(prom_url="http://otel-collector:8889"),
         lambda: stack(prom_url="http://prometheus:9090"), kind="project"),
    Case("datasource-wrong-port",
         lambda: stack(tempo_url="http://tempo:3100"),
         lambda: stack(tempo_url="http://tempo:3200"), kind="project"),
    Case("datasource-port-conflict",
         lambda: stack(loki_url="http://lgtm:3100", tempo_url="http://lgtm:3100"),
         lambda: stack(loki_url="http://lgtm:3100", tempo_url="http://lgtm:3200"), kind="project"),
    Case("datasource-url-invalid",
         lambda: stack(prom_url="prometheus:9090"),
         lambda: stack(prom_url="http://prometheus:9090"), kind="project"),
    Case("datasource-url-invalid",   # a port no socket has: Grafana's proxy fails every query
         lambda: stack(prom_url="http://prometheus:90900"),
         lambda: stack(prom_url="http://prometheus:9090"), kind="project"),
    Case("datasource-macro-unescaped",   # a provisioning file: Grafana expands ${...} from the environment
         lambda: [provisioning("${__value.raw}")], lambda: [provisioning("$${__value.raw}")], kind="yaml"),
    Case("datasource-derived-field-regex",
         lambda: stack(loki=set_("jsonData.derivedFields", [{"datasourceUid": "tempo", "matcherRegex": "id=(\\w+"}])),
         lambda: stack(), kind="project"),
    Case("notification-unrouted",
         lambda: nt.setup(tree={"receiver": "", "routes": [{"receiver": "oncall", "object_matchers": [["severity", "=", "critical"]]}]}),
         lambda: nt.setup(), kind="notifications"),
    Case("notification-unrouted",
         lambda: nt.setup(tree=nt.with_route(receiver="team", mute_time_intervals=["always"],
                                             object_matchers=[["severity", "=", "warning"]]) | {"routes": [
             {"receiver": "team", "mute_time_intervals": ["always"], "object_matchers": [["severity", "=", "warning"]]},
             {"receiver": "oncall", "object_matchers": [["severity", "=", "critical"]]}]},
             mute_timings={"always": [{"weekdays": ["monday:friday"]}, {"weekdays": ["saturday", "sunday"]}]}),
         lambda: nt.setup(tree={"receiver": "team", "routes": [
             {"receiver": "team", "mute_time_intervals": ["nights"], "object_matchers": [["severity", "=", "warning"]]},
             {"receiver": "oncall", "object_matchers": [["severity", "=", "critical"]]}]},
             mute_timings={"nights": [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}]}), kind="notifications"),
    Case("notification-reference-unknown",
         lambda: nt.setup(tree=nt.with_route(receiver="pager", object_matchers=[["team", "=", "web"]])),
         lambda: nt.setup(), kind="notifications"),
    Case("notification-reference-unknown",
         lambda: nt.setup(contact_points=[nt.TEAM, {**nt.ONCALL, "settings": {"url": "u", "message": '{{ template "x.msg" . }}'}}]),
         lambda: nt.setup(contact_points=[nt.TEAM, {**nt.ONCALL, "settings": {"url": "u", "message": '{{ template "x.msg" . }}'}}],
                          templates={"x": '{{ define "x.msg" }}{{ .CommonLabels.alertname }}{{ end }}'}),
         kind="notifications"),
    Case("notification-template-invalid",
         lambda: nt.setup(templates={"x": '{{ define "x.msg" }}{{ .CommonLabels.alertname }}'}),
         lambda: nt.setup(templates={"x": '{{ define "x.msg" }}{{ .CommonLabels.alertname }}{{ end }}'}),
         kind="notifications"),
    Case("notification-syntax",
         lambda: nt.setup(tree=nt.with_route(receiver="team", object_matchers=[["service_name", "=~", "(?!canary).*"]])),
         lambda: nt.setup(tree=nt.with_route(receiver="team", object_matchers=[["service_name", "!~", "canary.*"]])),
         kind="notifications"),
    Case("notification-syntax",
         lambda: nt.setup(mute_timings={"m": [{"times": [{"start_time": "08:00", "end_time": "07:00"}]}]},
                          tree=nt.with_route(receiver="team", mute_time_intervals=["m"], group_wait="30 seconds")),
         lambda: nt.setup(mute_timings={"m": [{"times": [{"start_time": "07:00", "end_time": "08:00"}]}]},
                          tree=nt.with_route(receiver="team", mute_time_intervals=["m"], group_wait="30s")),
         kind="notifications"),
    Case("notification-contact-point-unused",
         lambda: nt.setup(tree={"receiver": "team"}),
         lambda: nt.setup(), kind="notifications"),
    # a secret no environment names for the contact point (sync would stop there), then one named but not declared
    Case("notification-secret-unmapped",
         lambda: nt.setup(contact_points=[nt.TEAM, nt.secret(nt.ONCALL, "url")]),
         lambda: nt.setup(contact_points=[nt.secret(nt.TEAM, "url"), nt.ONCALL]),
         kind="notifications", environments={"local": {"contact_points": {"team": {"secrets": {"url": "TEAM_URL"}}}}}),
    Case("notification-secret-unmapped",
         lambda: nt.setup(contact_points=[nt.TEAM, nt.ONCALL]),
         lambda: nt.setup(contact_points=[nt.secret(nt.TEAM, "url"), nt.ONCALL]),
         kind="notifications", environments={"local": {"contact_points": {"team": {"secrets": {"url": "TEAM_URL"}}}}}),
]


def _lint(case: Case, docs: Any, tmp_path: Path) -> list:
    if case.kind == "notifications":
        return lint_project(*docs, environments=case.environments)
    if case.kind == "project":
        return lint_project(*[ds_resource(b) for b in docs], environments=ENVS)
    docs = [{k: v for k, v in d.items() if v is not None} if "groups" not in d else
            {"groups": [{**g, "rules": [{k: v for k, v in r.items() if v is not None} for r in g["rules"]]}
                        for g in d["groups"]]} for d in docs]
    return lint_docs(tmp_path, *docs, yaml_docs=case.kind == "yaml")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{i}" for i, c in enumerate(CASES)])
def test_bad_fires_and_good_does_not(case: Case, tmp_path: Path) -> None:
    bad_dir, good_dir = tmp_path / "bad", tmp_path / "good"
    bad_dir.mkdir()
    good_dir.mkdir()
    bad = _lint(case, case.bad(), bad_dir)
    good = _lint(case, case.good(), good_dir)
    assert only(bad, case.rule), f"{case.rule} did not fire; findings: {[(f.rule, f.message) for f in bad]}"
    assert not only(good, case.rule), f"{case.rule} fired on the good input: {only(good, case.rule)}"
    for f in only(bad, case.rule):
        assert f.severity == RULES[case.rule].severity
        assert f.message and f.file


def test_every_rule_has_a_case() -> None:
    assert {c.rule for c in CASES} == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_documented_examples_run(rule_id: str) -> None:
    """What --list-rules shows is true: the rule reports its own Bad example and not its Good one."""
    r = RULES[rule_id]
    assert [f.rule for f in lint_example(r, r.bad) if f.rule == r.id], f"{r.id} does not fire on:\n{r.bad}"
    assert not [f.message for f in lint_example(r, r.good) if f.rule == r.id]


def test_tables_of_labels_need_no_unit(tmp_path: Path) -> None:
    """A table of target_info or `group by (...)` rows shows labels, not numbers."""
    labels = panel(prom_target('target_info{service_name="x"}', format="table", instant=True), type="table",
                   unit=None)
    grouped = panel(prom_target("group by (service_name) (up)"), type="table", unit=None, id=2)
    numbers = panel(prom_target("sum by (job) (rate(x_total[5m]))"), type="table", unit=None, id=3)
    found = only(lint_docs(tmp_path, dashboard(labels, grouped, numbers)), "panel-unit-missing")
    assert [f.panel_id for f in found] == [3]


def test_rule_failure_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule that raises on an odd object becomes a finding; the other rules still run."""
    from generator.lint import registry

    def boom(ctx):
        raise KeyError("surprise")
        yield  # pragma: no cover

    broken = registry.Rule("panel-unit-missing", "warning", "x", ("panel",), boom, "Bad:\nGood:")
    monkeypatch.setitem(registry.RULES, "panel-unit-missing", broken)
    found = lint_docs(tmp_path, dashboard(panel(prom_target("up"), type="graph")))
    assert {f.rule for f in found} == {"lint-internal-error", "panel-type-deprecated"}
    assert "surprise" in only(found, "lint-internal-error")[0].message


def test_every_place_of_a_repeated_data_source_reference_is_reported(tmp_path: Path) -> None:
    """Equal references resolve alike, so a dashboard's repeated reference is resolved once; each
    place still has its finding, and a different reference among them is judged on its own."""
    wrong = {"type": "prometheus", "uid": "promethues"}
    first = panel({"refId": "A", "expr": "up", "datasource": dict(wrong)},
                  {"refId": "B", "expr": "up", "datasource": dict(wrong)}, datasource=dict(wrong))
    second = panel({"refId": "A", "expr": "up", "datasource": {"type": "prometheus", "uid": "prom"}},
                   {"refId": "B", "expr": "up", "datasource": "Prometheus"}, id=2, datasource=dict(wrong))
    found = lint_docs(tmp_path, dashboard(first, second))
    unresolved = [(f.path, f.message) for f in only(found, "datasource-ref-unresolved")]
    typo = "no data source with uid 'promethues' (known: loki, prom, tempo)"
    assert sorted(unresolved) == [(("panels", 0, "datasource"), typo), (("panels", 0, "targets", 0, "datasource"), typo),
                                  (("panels", 0, "targets", 1, "datasource"), typo), (("panels", 1, "datasource"), typo),
                                  (("panels", 1, "targets", 1, "datasource"), "no data source named 'Prometheus'")]
    assert [f.path for f in only(found, "datasource-legacy-name")] == [("panels", 1, "targets", 1, "datasource")]


def test_equal_odd_data_source_values_are_each_named(tmp_path: Path) -> None:
    """1 == True, yet a panel's `datasource: true` is not its neighbour's `datasource: 1`."""
    found = lint_docs(tmp_path, dashboard(panel({"refId": "A", "expr": "up"}, datasource=1),
                                          panel({"refId": "A", "expr": "up"}, id=2, datasource=True)))
    assert sorted(f.message for f in only(found, "datasource-ref-unresolved")) == \
        ["unexpected data source value 1", "unexpected data source value True"]
