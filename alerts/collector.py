"""The OpenTelemetry Collector: down, refusing data, failing to export, queue filling up."""

from generator.builders import AlertRule, PromQuery, RuleGroup, math, reduce

from alerts._common import runbook
from dashboards.folders import platform

JOB = 'job="otel-collector"'

collector_down = AlertRule(
    uid="otelcol-down",
    title="OpenTelemetry Collector down",
    # the alert the team runs today: up == 0, evaluated every minute, pending for 2 minutes
    data=[PromQuery("A", f"up{{{JOB}}}"), reduce("B", "A"), math("C", "$B == 0")],
    condition="C",
    pending="2m",
    severity="critical",
    no_data="Alerting",  # no `up` series at all means nothing scrapes the collector: also an outage
    summary="Collector {{ $labels.instance }} is down",
    description="Prometheus could not scrape the collector at {{ $labels.instance }} (job {{ $labels.job }}) "
                "for 2 minutes: no telemetry is flowing through it.",
    runbook_url=runbook("collector-down"),
)

refusing = AlertRule.when(
    uid="otelcol-refusing",
    title="OpenTelemetry Collector refusing data",
    expr='sum by (job, instance, receiver) (rate({__name__=~"otelcol_receiver_refused_(spans|metric_points|'
         f'log_records)_total", {JOB}}}[5m]))',
    op=">", value=0,
    pending="5m",
    severity="warning",
    no_data="OK",
    summary="Receiver {{ $labels.receiver }} on {{ $labels.instance }} refuses data",
    description="{{ $values.B }} items/s refused for 5 minutes, usually by the memory limiter: "
                "the collector is overloaded and applications are losing telemetry.",
    runbook_url=runbook("collector-refusing-data"),
)

export_failures = AlertRule.when(
    uid="otelcol-export-failures",
    title="OpenTelemetry Collector exporter failing",
    expr='sum by (job, instance, exporter) (rate({__name__=~"otelcol_exporter_send_failed_(spans|metric_points|'
         f'log_records)_total", {JOB}}}[5m]))',
    op=">", value=0,
    pending="5m",
    severity="critical",
    no_data="OK",
    summary="Exporter {{ $labels.exporter }} on {{ $labels.instance }} fails to send",
    description="{{ $values.B }} items/s could not be delivered after retries: the backend is down or rejecting.",
    runbook_url=runbook("collector-exporter-failures"),
)

queue_full = AlertRule.when(
    uid="otelcol-queue-high",
    title="OpenTelemetry Collector exporter queue above 80%",
    expr=f"max by (job, instance, exporter) (otelcol_exporter_queue_size{{{JOB}}} "
         f"/ otelcol_exporter_queue_capacity{{{JOB}}})",
    op=">", value=0.8,
    pending="5m",
    severity="warning",
    no_data="OK",
    summary="Queue of {{ $labels.exporter }} on {{ $labels.instance }} is {{ humanizePercentage $values.B.Value }} full",
    description="The sending queue is above 80% of its capacity; when full, new data is dropped.",
    runbook_url=runbook("collector-queue-high"),
)

collector_group = RuleGroup(
    title="otel-collector",
    folder=platform,
    interval="1m",
    rules=[collector_down, refusing, export_failures, queue_full],
)
