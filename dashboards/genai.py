"""GenAI client metrics of the agent service: operation latency, token usage, agent requests.

Names as the collector's Prometheus exporter writes the GenAI semantic conventions:
`gen_ai_client_operation_duration_seconds` (histogram), `gen_ai_client_token_usage`
(histogram of tokens, with `gen_ai_token_type` input/output), and the agent's own counter
`agui_agent_request_count_total`.
"""

from generator.builders import DashboardDef
from generator.panels import layout, prom, quantiles, rate, row, stat, timeseries

from dashboards.common import dashboard, query_variable
from dashboards.folders import applications

OP = "gen_ai_client_operation_duration_seconds"
TOKENS = "gen_ai_client_token_usage"
SVC = 'service_name="$service"'
SEL = f'{SVC}, gen_ai_request_model=~"$model"'
HTTP = "http_server_duration_milliseconds"

genai = dashboard(
    title="GenAI: models, tokens and agent",
    uid="otel-genai",
    description="GenAI client operations per model (latency, tokens) and the agent service's HTTP traffic.",
    tags=["genai"],
    variables=[
        query_variable("service", f"label_values({OP}_count, service_name)", "Service"),
        query_variable("model", f"label_values({OP}_count{{{SVC}}}, gen_ai_request_model)", "Model",
                       multi=True, include_all=True),
    ],
    panels=layout(
        row("Models"),
        [
            stat("Operations/s", f"sum(rate({OP}_count{{{SEL}}}[$__rate_interval]))", "ops"),
            stat("Tokens/s", f"sum(rate({TOKENS}_sum{{{SEL}}}[$__rate_interval]))", "short"),
            stat("Agent requests/s", f"sum(rate(agui_agent_request_count_total{{{SVC}}}[$__rate_interval]))",
                 "reqps"),
        ],
        [
            timeseries("Operation duration (average) by model", [prom(
                f"sum by (gen_ai_request_model) (rate({OP}_sum{{{SEL}}}[$__rate_interval]))"
                f" / sum by (gen_ai_request_model) (rate({OP}_count{{{SEL}}}[$__rate_interval]))",
                "{{gen_ai_request_model}}")], "s", fill=0),
            quantiles("Operation duration p95 by model", f"{OP}_bucket", SEL, ["gen_ai_request_model"], "s",
                      qs=(0.95,)),
        ],
        [
            timeseries("Token usage by model and type", [prom(
                f"sum by (gen_ai_request_model, gen_ai_token_type) (rate({TOKENS}_sum{{{SEL}}}[$__rate_interval]))",
                "{{gen_ai_request_model}} {{gen_ai_token_type}}")], "short",
                description="Tokens per second consumed, input vs output.", stacked=True),
            rate("Agent request rate", "agui_agent_request_count_total", SVC, ["service_name"], "reqps"),
        ],
        row("Agent service HTTP"),
        [
            rate("HTTP requests by route", f"{HTTP}_count", SVC, ["http_route"], "reqps"),
            quantiles("HTTP latency", f"{HTTP}_bucket", SVC, [], "ms", qs=(0.5, 0.95, 0.99)),
            timeseries("Active requests", [prom(f"sum(http_server_active_requests{{{SVC}}})", "active")], "short",
                       fill=0),
        ],
    ),
)

genai_dashboard = DashboardDef(genai, folder=applications)
