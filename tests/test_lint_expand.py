"""Macro and variable expansion before PromQL parsing (generator/lint/promql_expand.py).

The contract: a query that is valid once Grafana substitutes real values must parse, in
whatever position its variables stand; a query that is invalid must fail, and the error
must point at the right place in the text as written (not the expanded text).
"""

from __future__ import annotations

import random
import time

import pytest

from generator.lint.grafana_values import Values, VariableValue
from generator.lint.promql_analysis import analyze
from generator.lint.promql_errors import error_offset
from generator.lint.promql_expand import ALERT, GRAFANA, NONE, Expansion, expand

VALID_WITH_VARIABLES = [
    # label values, regexes, formats
    'up{job="$job"}',
    'up{job=~"${job:regex}", instance=~"[[instance]]"}',
    'up{job=~"${job:pipe}|other"}',
    'up{job=~"^$job$"}',
    'up{job=${job:doublequote}}',
    # range windows and offsets: macros and variables
    'rate(http_server_duration_milliseconds_count[$__rate_interval])',
    'rate(x_total[${__rate_interval}])',
    'rate(x_total[$__interval])',
    'rate(x_total[$interval])',
    'rate(x_total[[[interval]]])',
    'rate(x_total[${window}m])',
    'rate(x_total[5$unit])',
    'increase(x_total[$__range])',
    'rate(x_total[${__range_s}s])',
    'max_over_time(x[$__interval:$__interval])',
    'x offset $offset',
    'x offset -$__range',
    'sum(rate(x_total[$__auto]))',
    # numbers
    'sum(x) / $__range_s',
    'x * $__interval_ms / 1000',
    'topk($k, sum by (job) (rate(x_total[5m])))',
    'histogram_quantile($quantile, sum by (le) (rate(x_bucket[5m])))',
    'quantile_over_time($q, x[5m])',
    'clamp_max(x, $max)',
    'round(x, $step)',
    'x @ ${__to:date:seconds}',
    'x > $threshold',
    # identifiers: by lists, metric names, label names
    'sum by ($groupby) (rate(x_total[5m]))',
    'sum(rate(x_total[5m])) by (job, $label)',
    'sum without ($drop) (x)',
    'a / on ($join) group_left ($extra) b',
    '${metric}_total',
    'rate(${metric}_total[5m])',
    'rate(${prefix}_requests_total[5m])',
    '$metric{job="a"}',
    'x{$label="v"}',
    # whole matchers (ad hoc style and Tempo's $__tags)
    'x{$filters}',
    'x{job="a", $filters}',
    'rate(http_server_duration_milliseconds_count{$__tags}[$__rate_interval])',
    # function and aggregation names
    '$agg by (job) (x)',
    '$agg(x) by (job)',
    '$fn(x_total[5m])',
    '${agg}_over_time(x[5m])',
    # strings
    'label_replace(x, "dst", "$1", "src", "(.*)")',
    'count_values("$label", x)',
    'label_join(x, "$dst", ",", "a", "b")',
    # comments and whole-query variables
    'x # $commented\n + y',
    '$query',
    'sum(rate(x_total{job="$job"}[$__rate_interval])) by (le)\n  / ignoring(le) group_left\n  sum(rate(y_total[$__rate_interval]))',
]

INVALID_WITH_VARIABLES = [
    # (query, a substring that must sit at the reported position)
    ('sum(rate(x_total{job="$job"}[$__rate_interval])', "("),
    ('rate(x_total{job="$job"}[$__rate_interval]', "("),
    ('rate(x_total{job="$job"[$__rate_interval])', "["),
    ('sum by ($a $b) (x)', "$b"),
    ('rate(x_total[$__rate_interval]) +', ""),
    # a brace after the closing quote: Grafana's variable regex reads `${job:pipe"}` whole, quote
    # and all, and its value replaces the quote, which leaves the string open
    ('up{job=~"${job:pipe"}', '"${job'),
    ('rate(x{a=~"${v:pipe"}[$__rate_interval])', '"${v'),
    ('x{job=$job}', "$job"),
    ('sum(x_total{job=~"$job"}) by', ""),
    ('topk(sum(x), $k)', "sum(x)"),
    ('rate($metric[5m] offset)', ")"),
    ('nosuchfunc(x{job="$job"})', "nosuchfunc"),
    ('up{job="$job"} == == 1', "== 1"),
    ('rate(x{a="$a"}[$__interval]) * * 2', "* 2"),
]


@pytest.mark.parametrize("query", VALID_WITH_VARIABLES)
def test_valid_queries_parse_after_expansion(query: str) -> None:
    expansion = expand(query, GRAFANA, frozenset({"interval"}))
    analysis = analyze(expansion.text)
    assert analysis.ok, f"{query!r} → {expansion.text!r}: {analysis.error}"


@pytest.mark.parametrize("query,at", INVALID_WITH_VARIABLES)
def test_invalid_queries_fail_with_position_in_the_original(query: str, at: str) -> None:
    expansion = expand(query, GRAFANA)
    analysis = analyze(expansion.text)
    assert not analysis.ok, f"{query!r} → {expansion.text!r} parsed"
    assert analysis.error_offset is not None
    position = expansion.to_original(analysis.error_offset)
    if at:
        assert query[position:].startswith(at), (query, position, query[position:])
    else:
        assert position >= len(query.rstrip()) - 2, (query, position)


def test_offset_map_after_longer_and_shorter_substitutions() -> None:
    query = 'rate(x{a="$a"}[$__rate_interval]) + rate(y{b="${b:regex}"}[$w]) +'
    e = expand(query, GRAFANA)
    # every character outside substitutions maps back to the same character
    for exp_pos, ch in enumerate(e.text):
        orig = e.to_original(exp_pos)
        if not any(s <= exp_pos < en for s, en, _, _ in e.segments):
            assert query[orig] == ch
    # a position inside a substitution maps to the start of the variable
    start = e.text.index("4m7ms")
    assert query[e.to_original(start + 2):].startswith("$__rate_interval")


def test_macros_have_fixed_types_and_distinct_durations() -> None:
    e = expand("rate(x[$__interval]) / $__interval_ms + rate(y[${__rate_interval}])", GRAFANA)
    assert e.text == "rate(x[1m7ms]) / 60000 + rate(y[4m7ms])"


def test_alert_mode_expands_only_backend_macros() -> None:
    """Grafana alerting does not expand dashboard variables; the Prometheus backend expands macros."""
    e = expand('rate(x{job="$job"}[$__rate_interval])', ALERT)
    assert e.text == 'rate(x{job="$job"}[4m7ms])'
    assert not analyze(expand('rate(x{job=$job}[5m])', ALERT).text).ok


def test_rule_files_are_not_expanded() -> None:
    text = 'label_replace(up, "x", "$1", "job", "(.*)")'
    assert expand(text, NONE).text == text
    assert expand("rate(x[$__interval])", NONE).text == "rate(x[$__interval])"


def test_numeric_names_are_not_variables() -> None:
    e = expand('label_replace(up, "x", "${1}-$2", "job", "(.*)-(.*)")', GRAFANA)
    assert e.text == 'label_replace(up, "x", "${1}-$2", "job", "(.*)-(.*)")'
    assert not e.uses


def test_interval_variables_are_durations_everywhere() -> None:
    e = expand("avg_over_time(x[$smooth] offset $smooth)", GRAFANA, frozenset({"smooth"}))
    assert analyze(e.text).ok
    assert [u.role for u in e.uses] == ["duration", "duration"]


def test_roles_are_recorded() -> None:
    e = expand('sum by ($g) (rate(${m}_total{job="$job"}[$w])) > $t', GRAFANA)
    assert [(u.name, u.role) for u in e.uses] == [("g", "ident"), ("m", "ident"), ("job", "string"),
                                                  ("w", "duration"), ("t", "ident")]


@pytest.mark.parametrize("query", ["sum(rate(foo[5m])", "foo{a=\"b\"", "foo +", "sum by (a b) (x)",
                                   "rate(x[5m]) * on(a b) y", "x )", "topk(x)"])
def test_error_offset_points_into_the_query(query: str) -> None:
    analysis = analyze(query)
    assert not analysis.ok
    offset = error_offset(query, analysis.error or "")
    assert offset is not None and 0 <= offset <= len(query)


def _rebuilt(e: Expansion, text: str) -> str:
    """The query as written with each variable occurrence replaced by what the offset map says
    stands for it in `text`."""
    out, pos = [], 0
    for (es, ee, os_, oe), use in zip(e.segments, e.uses):
        assert (use.start, use.end) == (os_, oe)
        out += [e.original[pos:os_], text[es:ee]]
        pos = oe
    return "".join(out) + e.original[pos:]


_FRAGMENTS = ['$a', '${a}', '${a:regex}', '${b:doublequote}', '[[a]]', '[[b:csv]]', '$__interval', '${__rate_interval}',
              '$__range_s', '$1', '$undefined', '[[', ']]', '${', '}', '"', "'", '`', '\\', '\n', '#', '[', ']', '(',
              ')', '{', ',', ' ', 'x', '=', '=~', 'by', 'on', 'offset', 'topk', '5', 'm', '@', '$', 'group_left']


def test_text_and_offset_map_agree_wherever_variables_stand() -> None:
    """The expanded text is built from the dashboard's tokens at once, the offset map when first
    read: both must say the same, with values by position and Grafana's values alike."""
    values = Values(["a", "b"], {"a": VariableValue(("5",))})
    rng = random.Random(15)
    for _ in range(3000):
        query = "".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 12)))
        e = expand(query, GRAFANA, frozenset({"b"}) if rng.random() < 0.3 else frozenset(), values)
        assert _rebuilt(e, e.text) == e.text, query
        if e.valued is not None:
            assert _rebuilt(e.valued, e.valued.text) == e.valued.text, query
            assert e.valued.uses == e.uses, query


def test_a_variable_is_read_whole() -> None:
    """As Grafana's regex replace reads it: a `#` or a quote inside `${name:format}` begins no
    comment or string, so what follows the variable is expanded too."""
    e = expand("rate(x[${__interval:#}]) > $t", GRAFANA)
    assert e.text == "rate(x[1m7ms]) > __gacv__"
    assert [u.name for u in e.uses] == ["__interval", "t"]


def test_a_long_query_expands_in_linear_time() -> None:
    """The scan never starts over at every character of what follows the last variable (a
    quadratic scan takes seconds on this query; a linear one, well under a millisecond)."""
    query = 'sum(rate(x{job="$job"}[$__rate_interval])) + ' + "x" * 60_000
    started = time.process_time()
    e = expand(query, GRAFANA)
    assert time.process_time() - started < 0.2
    assert e.text.startswith('sum(rate(x{job="gacv"}[4m7ms])) + xxx')
