"""Tempo's HTTP API (:3200; Loki is :3100), linked to logs, metrics and the service map."""

from generator.builders import Tempo

tempo = Tempo(
    uid="tempo",
    name="Tempo",
    logs="loki",
    metrics="prometheus",
    service_tag=("service.name", "service_name"),
    metric_queries=(
        ("Request rate", 'sum(rate(http_server_duration_milliseconds_count{$__tags}[$__rate_interval]))'),
        ("Error ratio", 'sum(rate(http_server_duration_milliseconds_count{$__tags, http_status_code=~"5.."}'
                        '[$__rate_interval])) / sum(rate(http_server_duration_milliseconds_count{$__tags}'
                        '[$__rate_interval]))'),
        ("p95 latency", 'histogram_quantile(0.95, sum by (le) (rate(http_server_duration_milliseconds_bucket'
                        '{$__tags}[$__rate_interval])))'),
    ),
)
