"""Static knowledge about PromQL: function and aggregation names and their argument kinds.

The variable expander needs it to choose a substitution that keeps a valid query valid
(`topk($k, ...)` takes a number, `$agg by (job) (...)` an aggregation), and the semantic
rules need to know which functions consume counters.
"""

from __future__ import annotations

#: a string literal as PromQL's lexer delimits it: an unterminated one ends at a line break (or,
#: raw, at the end). Written unrolled and possessive: the linter scans every query with it
STRING_LITERAL = r"\"[^\"\\\n]*+(?:\\.[^\"\\\n]*+)*+\"?|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'?|`[^`]*+`?"

AGGREGATIONS = frozenset({
    "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk",
    "count_values", "quantile", "limitk", "limit_ratio",
})

FUNCTIONS = frozenset({
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
    "delta", "deriv", "double_exponential_smoothing", "exp", "floor", "histogram_avg",
    "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev",
    "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "info",
    "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2",
    "mad_over_time", "max_over_time", "min_over_time", "minute", "month", "pi",
    "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets",
    "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc",
    "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh",
    "time", "timestamp", "vector", "year",
})

CALLABLE = AGGREGATIONS | FUNCTIONS

#: argument positions that take a scalar (number), per function or aggregation
SCALAR_ARGS: dict[str, frozenset[int]] = {
    "topk": frozenset({0}), "bottomk": frozenset({0}), "quantile": frozenset({0}),
    "limitk": frozenset({0}), "limit_ratio": frozenset({0}),
    "histogram_quantile": frozenset({0}), "quantile_over_time": frozenset({0}),
    "histogram_fraction": frozenset({0, 1}), "round": frozenset({1}), "clamp": frozenset({1, 2}),
    "clamp_min": frozenset({1}), "clamp_max": frozenset({1}), "predict_linear": frozenset({1}),
    "holt_winters": frozenset({1, 2}), "double_exponential_smoothing": frozenset({1, 2}),
    "vector": frozenset({0}),
}

#: keywords whose parenthesised list holds label names, not expressions
GROUPING_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})

#: functions that turn a counter into something meaningful to graph
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})

#: functions whose result does not expose the raw counter value either
COUNTER_NEUTRAL_FUNCTIONS = frozenset({
    "absent", "absent_over_time", "present_over_time", "changes", "timestamp", "count_over_time",
})

#: aggregations that count series rather than add values
COUNTING_AGGREGATIONS = frozenset({"count", "count_values", "group"})

#: suffixes the Prometheus conventions (and the OpenTelemetry exporter) give cumulative series
COUNTER_SUFFIXES = ("_total", "_count", "_sum", "_bucket")
