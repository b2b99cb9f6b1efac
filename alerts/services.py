"""Application services: error ratio and latency (HTTP), and GenAI operation latency."""

from generator.builders import AlertRule, RuleGroup

from alerts._common import runbook
from dashboards.folders import applications

HIST = "http_server_duration_milliseconds"
LATENCY_MS = 500
GENAI_LATENCY_S = 10

error_ratio = AlertRule.when(
    uid="svc-error-ratio",
    title="Service error ratio above 5%",
    expr=f'sum by (service_name) (rate({HIST}_count{{http_status_code=~"5.."}}[5m]))'
         f" / sum by (service_name) (rate({HIST}_count[5m]))",
    op=">", value=0.05,
    pending="5m",
    severity="critical",
    no_data="OK",
    summary="{{ $labels.service_name }}: {{ humanizePercentage $values.B.Value }} of requests fail",
    description="More than 5% of HTTP requests to {{ $labels.service_name }} answered 5xx for 5 minutes.",
    runbook_url=runbook("service-error-ratio"),
)

latency = AlertRule.when(
    uid="svc-latency-p95",
    title=f"Service p95 latency above {LATENCY_MS} ms",
    expr=f"histogram_quantile(0.95, sum by (le, service_name) (rate({HIST}_bucket[5m])))",
    op=">", value=LATENCY_MS,
    pending="10m",
    severity="warning",
    no_data="OK",
    summary="{{ $labels.service_name }}: p95 latency {{ $values.B }} ms",
    description=f"The 95th percentile of HTTP server duration stayed above {LATENCY_MS} ms for 10 minutes.",
    runbook_url=runbook("service-latency"),
)

genai_latency = AlertRule.when(
    uid="genai-latency-p95",
    title=f"GenAI operation p95 latency above {GENAI_LATENCY_S} s",
    expr="histogram_quantile(0.95, sum by (le, service_name, gen_ai_request_model) "
         "(rate(gen_ai_client_operation_duration_seconds_bucket[5m])))",
    op=">", value=GENAI_LATENCY_S,
    pending="10m",
    severity="warning",
    no_data="OK",
    summary="{{ $labels.gen_ai_request_model }} calls from {{ $labels.service_name }} take {{ $values.B }} s (p95)",
    description=f"GenAI client operations stayed above {GENAI_LATENCY_S} s at p95 for 10 minutes: the model "
                "provider is slow or requests grew (prompt size, max tokens).",
    runbook_url=runbook("genai-latency"),
)

services_group = RuleGroup(title="services", folder=applications, interval="1m", rules=[error_ratio, latency])
genai_group = RuleGroup(title="genai", folder=applications, interval="1m", rules=[genai_latency])
