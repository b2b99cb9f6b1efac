"""APM (RED) per service and route, from the OpenTelemetry HTTP server duration histogram.

`http_server_duration_milliseconds` is the old HTTP semantic convention the team's Flask and
FastAPI instrumentations emit; the exporter adds `_bucket`/`_sum`/`_count` and turns the
`service.name` resource attribute into the `service_name` label.
"""

from grafanalib import core as g

from generator.builders import DashboardDef
from generator.panels import layout, logs, prom, quantiles, row, stat, table, timeseries, traces

from dashboards.common import dashboard, query_variable
from dashboards.folders import applications

HIST = "http_server_duration_milliseconds"
SVC = 'service_name="$service"'
SEL = f'{SVC}, http_route=~"$route"'
ERRORS = 'http_status_code=~"5.."'


def _ratio(by: str = "") -> str:
    group = f" by ({by}) " if by else ""
    return (f"sum{group}(rate({HIST}_count{{{SEL}, {ERRORS}}}[$__rate_interval]))"
            f" / sum{group}(rate({HIST}_count{{{SEL}}}[$__rate_interval]))")


traces_link = g.DataLink(title="Traces of $service in Tempo", linkUrl=(
    '/explore?left={"datasource":"tempo","queries":[{"refId":"A","queryType":"traceql",'
    '"query":"{resource.service.name=\\"$service\\"}"}]}'), isNewTab=True)

top_routes = table(
    "Top routes",
    [prom(f"topk(10, sum by (http_route) (rate({HIST}_count{{{SEL}}}[$__range])))", instant=True, fmt="table",
          ref_id="A"),
     prom(_ratio("http_route"), instant=True, fmt="table", ref_id="B"),
     prom(f"histogram_quantile(0.95, sum by (le, http_route) (rate({HIST}_bucket{{{SEL}}}[$__range])))",
          instant=True, fmt="table", ref_id="C")],
    "reqps",
    description="Busiest routes over the selected range, with their error ratio and p95 latency.",
    transformations=[
        {"id": "merge", "options": {}},
        {"id": "organize", "options": {"excludeByName": {"Time": True},
                                       "renameByName": {"Value #A": "Requests/s", "Value #B": "Error ratio",
                                                        "Value #C": "p95 (ms)"}}},
    ],
    sort_by="Requests/s",
)
top_routes.overrides = [
    {"matcher": {"id": "byName", "options": "Error ratio"}, "properties": [{"id": "unit", "value": "percentunit"}]},
    {"matcher": {"id": "byName", "options": "p95 (ms)"}, "properties": [{"id": "unit", "value": "ms"}]},
]

apm = dashboard(
    title="APM: services and routes",
    uid="otel-apm",
    description="Rate, errors and duration per service and route, with the service's traces and logs.",
    tags=["apm"],
    variables=[
        query_variable("service", f"label_values({HIST}_count, service_name)", "Service"),
        query_variable("route", f'label_values({HIST}_count{{{SVC}}}, http_route)', "Route",
                       multi=True, include_all=True),
    ],
    panels=layout(
        row("$service"),
        [
            stat("Throughput", f"sum(rate({HIST}_count{{{SEL}}}[$__rate_interval]))", "reqps"),
            stat("Error ratio (5xx)", _ratio(), "percentunit",
                 thresholds=[("green", None), ("orange", 0.01), ("red", 0.05)]),
            stat("p95 latency",
                 f"histogram_quantile(0.95, sum by (le) (rate({HIST}_bucket{{{SEL}}}[$__rate_interval])))", "ms",
                 thresholds=[("green", None), ("orange", 300), ("red", 500)]),
            stat("Active requests", f"sum(http_server_active_requests{{{SVC}}})", "short"),
        ],
        row("Per route"),
        [
            timeseries("Throughput by route",
                       [prom(f"sum by (http_route) (rate({HIST}_count{{{SEL}}}[$__rate_interval]))",
                             "{{http_route}}")], "reqps", stacked=True),
            timeseries("Error ratio by route (5xx)", [prom(_ratio("http_route"), "{{http_route}}")],
                       "percentunit", fill=0),
        ],
        [
            quantiles("Latency p50 / p95 / p99", f"{HIST}_bucket", SEL, [], "ms",
                      description="Server-side duration of the selected routes, from the OpenTelemetry histogram."),
            timeseries("Active requests",
                       [prom(f"sum by (service_name) (http_server_active_requests{{{SVC}}})", "{{service_name}}")],
                       "short", fill=0, links=[traces_link]),
        ],
        [top_routes],
        row("Traces and logs"),
        [
            traces("Recent traces", '{resource.service.name="$service" && kind=server}',
                   description="Server spans of the service; open one to jump to its logs."),
            logs("Logs", '{service_name="$service"} | json',
                 description="The service's logs; the trace_id field links to the trace in Tempo."),
        ],
        height=9,
    ),
)

apm_dashboard = DashboardDef(apm, folder=applications)
