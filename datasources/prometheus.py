"""Prometheus/Mimir holding the metrics the OpenTelemetry Collector's prometheus exporter exposes.

The URL (per environment, in grafana.yaml) must be the query API (Prometheus :9090, or Mimir's
`/prometheus` prefix), never the collector's :8889 exposition endpoint: that one only serves
`/metrics` and Grafana's queries against it fail.
"""

from generator.builders import Prometheus

prometheus = Prometheus(
    uid="prometheus",
    name="Prometheus",
    is_default=True,
    scrape_interval="15s",  # the scrape interval of the collector's :8889 job; drives $__rate_interval
    exemplar_traces="tempo",
)
