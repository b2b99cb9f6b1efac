"""Loki with the applications' JSON logs; `trace_id` in a log line links to the trace in Tempo."""

from generator.builders import Loki

loki = Loki(
    uid="loki",
    name="Loki",
    traces="tempo",
    # the apps log JSON through the OpenTelemetry logging handler: {"trace_id": "4bf92f...", ...}
    trace_id_regex=r'"trace_id":\s*"(\w+)"',
)
