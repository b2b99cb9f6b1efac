"""OpenTelemetry Collector health: is it up, is it accepting and delivering data, has it room.

Metric names are the collector's own telemetry as Prometheus scrapes it (`otelcol_*`, with
`_total` on counters and unit suffixes), labelled with the scrape's `job`/`instance`.
"""

from grafanalib import core as g

from generator.builders import DashboardDef
from generator.panels import gauge, layout, prom, quantiles, rate, row, stat, timeseries

from dashboards.common import dashboard, query_variable
from dashboards.folders import platform

SEL = 'job=~"$job", instance=~"$instance"'


def _pair(title: str, by: str, series: tuple[tuple[str, str], ...], description: str) -> g.TimeSeries:
    """Counters of one signal side by side, e.g. what got through and what did not."""
    targets = [prom(f"sum by ({by}) (rate({metric}{{{SEL}}}[$__rate_interval]))", f"{word} {{{{{by}}}}}")
               for word, metric in series]
    return timeseries(title, targets, "cps", description)


def _receiver(signal: str, name: str) -> g.TimeSeries:
    return _pair(f"Receiver {name} accepted vs refused", "receiver",
                 (("accepted", f"otelcol_receiver_accepted_{signal}_total"),
                  ("refused", f"otelcol_receiver_refused_{signal}_total")),
                 f"{name.capitalize()} per second pushed into the pipeline per receiver; refused means data was "
                 "dropped at the door (memory limiter, invalid data).")


def _exporter(signal: str, name: str) -> g.TimeSeries:
    return _pair(f"Exporter {name} sent vs failed", "exporter",
                 (("sent", f"otelcol_exporter_sent_{signal}_total"),
                  ("failed", f"otelcol_exporter_send_failed_{signal}_total")),
                 f"{name.capitalize()} per second each exporter delivered, and failed to deliver after retries.")


collector = dashboard(
    title="OpenTelemetry Collector",
    uid="otel-collector",
    description="Health of the OpenTelemetry Collector: receivers, exporters, queues, batching, resources.",
    tags=["collector"],
    variables=[
        query_variable("job", "label_values(otelcol_process_uptime_seconds_total, job)", "Job",
                       default="otel-collector"),
        query_variable("instance", 'label_values(otelcol_process_uptime_seconds_total{job=~"$job"}, instance)',
                       "Instance", multi=True, include_all=True),
    ],
    panels=layout(
        row("Overview"),
        [
            stat("Collectors up", 'sum(up{job=~"$job", instance=~"$instance"})', "none",
                 thresholds=[("red", None), ("green", 1)],
                 description="Scrape targets of the collector that answered the last scrape (up == 1)."),
            stat("Uptime", f"min(otelcol_process_uptime_seconds_total{{{SEL}}})", "s",
                 thresholds=[("orange", None), ("green", 600)]),
            gauge("Exporter queue usage",
                  f"max(otelcol_exporter_queue_size{{{SEL}}} / otelcol_exporter_queue_capacity{{{SEL}}})",
                  "percentunit", 1, [("green", None), ("orange", 0.6), ("red", 0.8)],
                  description="Fullest sending queue; at 100% new data is dropped."),
            stat("Refused spans/s",
                 f"sum(rate(otelcol_receiver_refused_spans_total{{{SEL}}}[$__rate_interval]))", "cps",
                 thresholds=[("green", None), ("red", 1)]),
        ],
        row("Receivers"),
        [
            _receiver("spans", "spans"),
            _receiver("metric_points", "metric points"),
        ],
        [_receiver("log_records", "log records")],
        row("Exporters"),
        [
            _exporter("spans", "spans"),
            _exporter("metric_points", "metric points"),
        ],
        [
            _exporter("log_records", "log records"),
            timeseries(
                "Exporter queue size vs capacity",
                [prom(f"max by (exporter) (otelcol_exporter_queue_size{{{SEL}}})", "size {{exporter}}"),
                 prom(f"max by (exporter) (otelcol_exporter_queue_capacity{{{SEL}}})", "capacity {{exporter}}")],
                "short", "Batches waiting in each exporter's sending queue, against the queue's capacity.",
                fill=0,
            ),
        ],
        row("Batch processor"),
        [
            quantiles("Batch send size", "otelcol_processor_batch_batch_send_size_bucket", SEL, ["processor"],
                      "short", qs=(0.5, 0.95), description="Items per batch sent by the batch processor."),
            rate("Batch send triggers", "otelcol_processor_batch_timeout_trigger_send_total", SEL, ["processor"],
                 "cps", legend="timeout {{processor}}",
                 description="Batches sent because the timeout expired (low traffic) rather than the size filling."),
        ],
        row("Process"),
        [
            timeseries("Memory", [
                prom(f"max by (instance) (otelcol_process_memory_rss_bytes{{{SEL}}})", "RSS {{instance}}"),
                prom(f"max by (instance) (otelcol_process_runtime_heap_alloc_bytes{{{SEL}}})", "heap {{instance}}"),
            ], "bytes", "Resident memory and Go heap; compare with the memory_limiter's limit.", fill=0),
            rate("CPU", "otelcol_process_cpu_seconds_total", SEL, ["instance"], "percentunit",
                 description="CPU time per second (1.0 = one full core)."),
        ],
    ),
)

otel_collector = DashboardDef(collector, folder=platform)
