"""Rules about PromQL expressions: panels, query variables, alert queries and rule files.

Each rule reads the facts the single analysis walk collected (promql_analysis.py), so
adding a rule does not add a parse or a walk.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from ..catalog import COUNTER, GAUGE
from ..contexts import QueryContext
from ..promql_analysis import MATRIX
from ..promql_expand import IDENT_MARK, STRING
from ..promql_names import COUNTER_SUFFIXES
from ..registry import Issue, rule

_LEGEND = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
#: "gacv": part of every placeholder, identifier ("__gacv__") or string ("gacv"): a name that holds
#: it contains a substituted variable (`${metric}_total` → `__gacv___total`). Tested inline, `_MARK
#: in name`, where a helper function would cost a Python call per name
_MARK = STRING
assert _MARK in IDENT_MARK


@rule("promql-syntax", "error", "PromQL must parse after Grafana's macro and variable expansion", "query",
      needs="analysis.error")
def promql_syntax(ctx: QueryContext) -> Sequence[Issue]:
    """Grafana sends the query to Prometheus after replacing `$__rate_interval`, `$__range`, ... and
    template variables; if the result does not parse, the panel shows an error instead of data
    and an alert goes to its error state. The expression is parsed with promql-parser after
    substituting values that fit each position (durations in `[]`, identifiers in `by ()`,
    strings in quotes), so valid queries pass whatever variables they use. Where promql-parser
    and Prometheus differ, Prometheus decides: regexes are judged by Go's regexp (`.*api.**`
    stacks two repetitions), durations and numbers by Prometheus's limits (`[293y]`).

    Bad:
        sum(rate(http_server_duration_milliseconds_count{job="$job"}[$__rate_interval])
    Good:
        sum(rate(http_server_duration_milliseconds_count{job="$job"}[$__rate_interval]))
    """
    a = ctx.analysis
    if a.ok:
        return ()
    offset = ctx.expansion.to_original(a.error_offset) if a.error_offset is not None else None
    hint = ""
    if ctx.usage == "alert" and re.search(r"\$\w|\$\{", ctx.text):
        hint = " (Grafana alerting does not expand dashboard template variables)"
    for use in ctx.expansion.uses:
        if use.role == "label-value":
            hint = (f" (the value of ${use.name} is inserted without quotes: write "
                    f"{{label=\"${use.name}\"}} or {{label=~\"${use.name}\"}})")
            offset = use.start
            break
    return [Issue(f"PromQL does not parse: {a.error}{hint}", "fix the expression; check it in Grafana's Explore",
                  at=ctx.at(offset))]


@rule("promql-range-result", "error", "A query run as a range query must not return a range vector", "query")
def promql_range_result(ctx: QueryContext) -> Sequence[Issue]:
    """Prometheus rejects a range query whose result is a range vector ("invalid expression type
    range vector for range query"), and rule evaluation rejects it too. Grafana runs a panel
    target as a range query unless it is instant-only, and an alert query when `range` is set.

    Bad:
        http_server_duration_milliseconds_count[5m]
    Good:
        rate(http_server_duration_milliseconds_count[5m])
    """
    a = ctx.analysis
    if a.result_type != MATRIX or a.error is not None:  # most queries stop at the first test
        return ()
    if ctx.usage in ("panel", "annotation", "alert") and not ctx.range_query:
        return ()  # an instant query may return samples over a range (tables, reduce in alerts)
    if ctx.usage in ("variable", "datasource"):
        return ()
    where = {"panel": "the panel runs it as a range query", "annotation": "annotations run range queries",
             "alert": "the alert query has `range: true`", "alerting-rule": "rules are evaluated as instant vectors",
             "recording-rule": "recording rules must produce an instant vector"}.get(ctx.usage, "")
    return [Issue(f"the query returns a range vector, which Prometheus rejects here: {where}",
                  "apply a function over the range (rate(), increase(), avg_over_time(), ...), "
                  "or set the target to instant only")]


@rule("promql-rate-non-counter", "warning", "rate(), irate() and increase() need a counter", "query",
      needs="analysis.rated")
def promql_rate_non_counter(ctx: QueryContext) -> Sequence[Issue]:
    """`rate()` assumes a monotonic counter and treats every decrease as a reset, so on a gauge it
    returns nonsense. Reported only where a source knows the metric's type: the shipped
    OpenTelemetry catalog, an exposition file's `# TYPE` (--metrics-file) or a Prometheus's
    metadata (--prometheus-url, /api/v1/metadata). Names are not evidence: `innodb_lsn_current`,
    `pg_txid_current` and remote-write timestamps are rated legitimately. A name that merely
    lacks a counter suffix is `promql-rate-unsuffixed`.

    Bad:
        rate(otelcol_exporter_queue_size[5m])
    Good:
        avg_over_time(otelcol_exporter_queue_size[5m])
    """
    catalog = ctx.env.catalog
    kinds = catalog.kinds  # the dict Catalog.kind reads: one lookup per name, not a method call
    rated = ctx.analysis.rated
    # a loop finds the first gauge, if any: a comprehension costs a function made and called
    for _, name in rated:
        if kinds.get(name) == GAUGE:
            break
    else:
        return ()  # most queries
    return [Issue(f"{fn}() on {name}, which is not a counter: {catalog.source_text()} says it is a gauge",
                  "use deriv(), delta() or *_over_time() for gauges")
            for fn, name in rated if kinds.get(name) == GAUGE]


@rule("promql-rate-unsuffixed", "info", "rate() on a metric whose name has no counter suffix", "query",
      needs="analysis.rated")
def promql_rate_unsuffixed(ctx: QueryContext) -> Sequence[Issue]:
    """By convention (and as the OpenTelemetry exporter writes them by default) counters end in
    `_total`, and histogram parts in `_count`, `_sum`, `_bucket`. `rate()` on a name without such
    a suffix is either a gauge (a bug) or an old-style counter (node_vmstat_pgmajfault,
    OpenCensus metrics, a collector without suffixes); without metadata we cannot tell, hence
    "info". Give --metrics-file or --prometheus-url to decide with the metric's `# TYPE`.

    Bad:
        rate(kubelet_evictions[5m])
    Good:
        rate(kubelet_evictions_total[5m])
    """
    rated = ctx.analysis.rated
    # the suffix first: it settles most names at C speed, before the catalog is asked (in a loop:
    # a comprehension costs a function made and called); an unknown name is left to
    # promql-unknown-metric, which says it better: the name does not exist
    for _, name in rated:
        if not name.endswith(COUNTER_SUFFIXES):
            break
    else:
        return ()  # most queries
    catalog = ctx.env.catalog
    return [Issue(f"{fn}() on {name}: the name has no counter suffix (_total, _count, _sum, _bucket) and its "
                  "type is unknown", "check it is a counter; name counters with _total")
            for fn, name in rated
            if not name.endswith(COUNTER_SUFFIXES) and not catalog.unknown(name) and name not in catalog.kinds]


@rule("promql-counter-raw", "warning", "Counters should be graphed through rate() or increase()", "query",
      needs="analysis.selectors")
def promql_counter_raw(ctx: QueryContext) -> Sequence[Issue]:
    """A counter's raw value only says how much happened since the process started: it drops to
    zero on every restart and grows forever. Graph or alert on its rate or increase. Counting
    series (`count()`), `absent()`, `changes()`, `resets()` and the right side of `and`/`unless`
    are fine. Histogram buckets inside `histogram_quantile` without `rate` are reported too.

    Bad:
        sum by (receiver) (otelcol_receiver_refused_spans_total)
    Good:
        sum by (receiver) (rate(otelcol_receiver_refused_spans_total[$__rate_interval]))
    """
    if ctx.usage in ("variable", "datasource"):
        return ()
    selectors = ctx.analysis.selectors
    kinds = ctx.env.catalog.kinds  # the dict Catalog.kind reads
    for sel in selectors:
        if not sel.wrapped and _raw_counter(sel.name, kinds):
            break
    else:
        return ()  # every selector is wrapped (most queries), or the bare ones are gauges or placeholders
    issues: list[Issue] = []
    seen: set[str] = set()
    for sel in selectors:
        name = sel.name
        if not sel.wrapped and name not in seen and _raw_counter(name, kinds):
            seen.add(name)
            known = kinds.get(name) == COUNTER
            what = f"{name} is a counter ({ctx.env.catalog.source_text()} says so)" if known else \
                f"{name} is a counter by its name ({'_total' if name.endswith('_total') else '_bucket'})"
            fix = f"wrap it: rate({name}[$__rate_interval]) or increase({name}[$__range])"
            if not known:  # the name is the only evidence: some exporters write gauges named *_total
                fix += " (if the exporter declares it a gauge, leave it: give --metrics-file to tell gac)"
            issues.append(Issue(f"{what} used without rate()/increase(): its raw value resets on restart and only "
                                "grows", fix))
    return issues


def _raw_counter(name: str, kinds: Mapping[str, str]) -> bool:
    """Whether promql-counter-raw reports a selector of `name` that nothing wraps: a counter by
    its kind (`kinds`: Catalog.kinds) or its suffix, not a placeholder, not an uptime."""
    if _MARK in name or "uptime" in name:  # uptime is the one counter whose raw value is the point
        return False
    kind = kinds.get(name)
    return kind == COUNTER or name.endswith(("_total", "_bucket")) and kind != GAUGE


@rule("promql-histogram-quantile-le", "error", "histogram_quantile() needs `le` kept by the inner aggregation",
      "query", needs="analysis.quantile_without_le")
def promql_histogram_quantile_le(ctx: QueryContext) -> Sequence[Issue]:
    """`histogram_quantile()` over classic histograms computes quantiles from the `le` (bucket
    bound) label. An aggregation that drops `le` leaves one series per group and the
    function returns nothing (or NaN).

    Bad:
        histogram_quantile(0.95, sum by (service_name) (rate(http_server_duration_milliseconds_bucket[5m])))
    Good:
        histogram_quantile(0.95, sum by (service_name, le) (rate(http_server_duration_milliseconds_bucket[5m])))
    """
    return [Issue(f"histogram_quantile() over `{desc}`: the aggregation drops the `le` label, so no quantile "
                  "can be computed", "add le to the by (...) list") for desc in ctx.analysis.quantile_without_le]


@rule("promql-interval-rate-window", "warning", "Use $__rate_interval, not $__interval, as a rate() window",
      "query", needs="analysis.interval_rate_calls")
def promql_interval_rate_window(ctx: QueryContext) -> Sequence[Issue]:
    """`$__interval` is the panel's step; when it is shorter than two scrape intervals, `rate()`
    over it finds fewer than two samples and the graph has gaps or is empty when zoomed in.
    `$__rate_interval` is at least four scrape intervals (the data source's scrape interval).
    A query whose min interval (the target's, else the panel's) keeps `$__interval` at two scrape
    intervals or more (its data source's `timeInterval`, else Grafana's default 15s) is not
    reported: its windows are buckets laid end to end, which `$__rate_interval` would overlap.

    Bad:
        rate(http_server_request_duration_seconds_count[$__interval])
    Good:
        rate(http_server_request_duration_seconds_count[$__rate_interval])
    """
    if not ctx.analysis.interval_rate_calls or ctx.interval_buckets:
        return ()
    use = next((u for u in ctx.expansion.uses if u.name == "__interval"), None)
    return [Issue(f"{fn}() over [$__interval]: with a short time range the window holds fewer than two samples",
                  "use [$__rate_interval], or set the panel's min interval to at least two scrape intervals",
                  at=ctx.at(use.start if use else None))
            for fn in dict.fromkeys(ctx.analysis.interval_rate_calls)]


#: what may stand between `rate(` and its window: no bracket outside strings. Possessive: a run of
#: plain characters is taken whole, never given back one character at a time (where a regex
#: engine would try every split of the run before giving up on a query with no fixed window);
#: a string is read as runs between escapes, not one alternation per character
_STRING_OR_PLAIN = r"""(?:[^()\[\]"'`]++|"[^"\\]*+(?:\\.[^"\\]*+)*+"|'[^'\\]*+(?:\\.[^'\\]*+)*+'|`[^`]*+`)*+"""
#: rate(selector[<literal>]): the window written as a fixed duration. The pattern opens with the
#: literal `rate`, which the regex engine finds with its fast scan for a literal prefix (a leading
#: `\b(i?rate)` is tried at every character); whether it is `rate` or `irate` (an `i` opening the
#: word, captured as group 1) is asserted behind it
_FIXED_WINDOW = re.compile(r"rate(?:(?<=\b(i)rate)|(?<!\wrate))\s*\(" + _STRING_OR_PLAIN +
                           r"\[\s*(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)\s*\]")
#: what every match of _FIXED_WINDOW holds: most queries have none, and are let go at C speed
_DIGIT_WINDOW = re.compile(r"\[\s*\d")


@rule("promql-fixed-window", "info", "Panels should use $__rate_interval as the rate() window", "query")
def promql_fixed_window(ctx: QueryContext) -> Sequence[Issue]:
    """A fixed window ignores both the scrape interval and the panel's step: `[1m]` over a
    data source scraped every minute holds one sample and returns nothing, and `[5m]` on a
    panel spanning a week rates five minutes out of every 20-minute step, so spikes between
    points vanish. `$__rate_interval` follows the step and is at least four scrape intervals.
    Panels only: alert and recording rules need a window that does not move.

    Bad:
        sum(rate(otelcol_exporter_sent_spans_total[5m]))
    Good:
        sum(rate(otelcol_exporter_sent_spans_total[$__rate_interval]))
    """
    if ctx.usage != "panel":
        return ()
    text = ctx.text
    if "rate" not in text or not _DIGIT_WINDOW.search(text):
        return ()
    issues = []
    start = text.find("rate")  # a match starts at a `rate`
    # one search after another, not finditer: past the last match, its scanner searches on where
    # _DIGIT_WINDOW, which every match holds, proves at C speed that nothing is left
    # (a match's groups and the window's span read with one call each; the next search starts
    # where the window's digits end, before the `\s*]` that no match can start in; `at` given
    # by position: a keyword costs the named tuple's constructor a third more)
    while (m := _FIXED_WINDOW.search(text, start)) is not None:
        irate, window = m.groups()
        window_start, start = m.span(2)
        issues.append(Issue(f"{'irate' if irate else 'rate'}() over a fixed [{window}] window: it does not "
                            "follow the panel's step or the scrape interval", "use [$__rate_interval]",
                            ctx.at(window_start)))
        if not _DIGIT_WINDOW.search(text, start):
            break
    return issues


@rule("promql-unknown-metric", "warning", "Metric names must exist in the metric catalog", "query",
      needs="analysis.metric_names")
def promql_unknown_metric(ctx: QueryContext) -> Sequence[Issue]:
    """A misspelt metric name returns no data, silently: the panel says "No data" and the alert
    never fires. Names are checked against a catalog: an exposition file (--metrics-file),
    a live Prometheus/Mimir (--prometheus-url), and the OpenTelemetry Collector and
    semantic-convention names shipped with gac, spelled as the collector version and exporter
    `translation_strategy` declared in grafana.yaml (`collector:`, default 0.146 with
    suffixes) write them. The shipped catalog alone judges the families it describes
    completely (otelcol_receiver_*, http_server_duration*, gen_ai_client_*, ...) and names one
    typo away from any name it knows; it says which spelling the declared collector expects.

    Bad:
        rate(otelcol_receiver_accepted_spans[5m])
    Good:
        rate(otelcol_receiver_accepted_spans_total[5m])
    """
    catalog = ctx.env.catalog
    names = ctx.analysis.metric_names
    if catalog.cleared.issuperset(names):  # names already found known or not judged, tested in C
        return ()
    issues = []
    for name in names:
        if _MARK in name or not catalog.unknown(name):  # a placeholder, or not judged unknown
            continue
        explained = catalog.explain(name)
        suggestion = explained.expected if explained else catalog.suggest(name)
        hint = f": {explained.why}" if explained else f"; did you mean {suggestion}?" if suggestion else ""
        fix = f"use {suggestion}" if suggestion else "check the metric name against the exporter's /metrics"
        if explained and explained.other_setting:
            fix += " (or declare your collector's version and translation_strategy under collector: in grafana.yaml)"
        offset = ctx.text.find(name)
        issues.append(Issue(f"metric {name} is not in {catalog.source_text()}{hint}", fix,
                            at=ctx.at(offset if offset >= 0 else None)))
    return issues


@rule("promql-legend-label", "warning", "Legend templates must name labels the query keeps", "query", example="target",
      needs="legend")
def promql_legend_label(ctx: QueryContext) -> Sequence[Issue]:
    """`{{label}}` in a legend is replaced by the series' label value; when the query aggregates
    the label away (`sum by (job)` and `{{instance}}`), every series shows the same empty
    legend and the lines cannot be told apart.

    Bad:
        {"expr": "sum by (job) (rate(otelcol_exporter_sent_spans_total[5m]))", "legendFormat": "{{instance}}"}
    Good:
        {"expr": "sum by (job, instance) (rate(otelcol_exporter_sent_spans_total[5m]))", "legendFormat": "{{instance}}"}
    """
    legend = ctx.legend
    if not legend or "{{" not in legend or ctx.analysis.error is not None:
        return ()
    labels = ctx.analysis.labels
    named = _LEGEND.findall(legend)
    # the usual case, every label named may be on the result, proved at C speed (Labels.may_have
    # of each); the loop below, which also lets `__name__` pass, is left to the others
    if labels.names.issuperset(named) if labels.closed else labels.names.isdisjoint(named):
        return ()
    issues = []
    for m in _LEGEND.finditer(legend):
        label = m.group(1)  # a name, as _LEGEND reads it: it never holds `$`
        if label != "__name__" and not labels.may_have(label):
            kept = ", ".join(sorted(labels.names)) if labels.closed else None
            detail = f"the result keeps only: {kept}" if kept else \
                f"the query drops {label}" if labels.closed is False else "the result has no labels"
            if labels.closed and not labels.names:
                detail = "the result has no labels"
            issues.append(Issue(f"legend {{{{{label}}}}} names a label the query aggregates away ({detail})",
                                f"add {label} to the by (...) clause or change the legend",
                                at=ctx.legend_at(m.start())))
    # a placeholder among the labels kept (`by ($group)`) may be any label: nothing to say, which
    # is asked only once there is something to say (the mark holds no space to span two names)
    if issues and _MARK in " ".join(labels.names):
        return ()
    return issues
