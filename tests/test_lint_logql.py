"""The LogQL checker (generator/lint/logql.py): valid queries pass, invalid ones fail at the
right place. The valid list covers every stage Loki's grammar has; the invalid list the
mistakes that reach dashboards."""

from __future__ import annotations

import pytest

from generator.lint import logql
from generator.lint.promql_expand import GRAFANA, expand

VALID = [
    '{app="api"}',
    '{app="api", env!="dev", pod=~"api-.+", ns!~"kube-.*"}',
    '{app="api"} |= "error" != "debug" |~ `(?i)timeout` !~ "healthz"',
    '{app="api"} |= "a" or "b"',
    '{app="api"} |= ip("10.0.0.0/8")',
    '{app="api"} | json',
    '{app="api"} | json status="response.status", path',
    '{app="api"} | logfmt --strict --keep-empty',
    '{app="api"} | pattern `<ip> - <_> "<method> <path> <_>" <status>`',
    '{app="api"} | regexp `(?P<method>\\w+) (?P<path>\\S+)`',
    '{app="api"} | unpack',
    '{app="api"} | line_format "{{.level}} {{.msg}}"',
    '{app="api"} | label_format lvl=level, msg="{{.message}}"',
    '{app="api"} | json | drop level, __error__',
    '{app="api"} | json | keep level, status="500"',
    '{app="api"} | decolorize',
    '{app="api"} | json | status >= 400 and duration > 1s or level="error"',
    '{app="api"} | logfmt | size > 20MB, (status = 500 or status = 503)',
    '{app="api"} | json | __error__=""',
    'count_over_time({app="api"}[5m])',
    'rate({app="api"} |= "error" [1m])',
    'bytes_rate({app="api"}[5m] offset 1h)',
    'sum by (level) (count_over_time({app="api"} | json [5m]))',
    'sum(rate({app="api"}[5m])) by (pod)',
    'topk(5, sum by (path) (rate({app="api"} | json [5m])))',
    'quantile_over_time(0.99, {app="api"} | json | unwrap duration(latency) [5m]) by (path)',
    'avg_over_time({app="api"} | logfmt | unwrap bytes [1m])',
    'sum(rate({app="api"} |= "error" [5m])) / sum(rate({app="api"}[5m])) > bool 0.05',
    'label_replace(sum(rate({app="api"}[5m])), "x", "$1", "app", "(.*)")',
    'vector(0)',
    'absent_over_time({app="api"}[10m])',
    # the range may follow the selector, with the pipeline after it
    'count_over_time({app="api"}[12h] |= "error")',
    'sum(rate({app="api"}[5m] |= "a" |~ "b" | json | status >= 500))',
    # a label filter may open with a parenthesised group
    '{app="api"} | json | (duration > 1s or status != 200) and method != "POST"',
    '{app="api"} | json | ( ( a < 5.01 , b > 20ms ) or c = "x" )',
    'max_over_time({app="api"} | unwrap bar [5m] offset -5m) without (foo)',
    'quantile_over_time(.99, {app="api"} | unwrap latency [5m])',
    'absent_over_time({app="api"} | json | unwrap latency | __error__ != "" [5m])',
    'sum(rate({app="api"}[5m])) or vector(0)',
    '1 + 1',
    '{app=~"(?<svc>api|web)-\\p{L}+"}',
]

INVALID = [
    # (query, text at the reported offset)
    ('app="api"', 'app'),
    ("{}", "{"),
    ('{app=~".*"}', "{"),
    ('{app="api"', ""),
    ("{app=api}", "api"),
    ('{app="api"} |= error', "error"),
    ('rate({app="api"})', ")"),
    ('count_over_time({app="api"} [5x])', "5x"),
    ('sum_over_time({app="api"}[5m])', "sum_over_time"),
    ('count_over_time({app="api"} | unwrap x [5m])', "count_over_time"),
    ('{app="api"} | unwrap latency', "unwrap"),
    ('{app="api"}[5m]', "[5m]"),
    ('sum({app="api"})', '{app'),
    ('{app="api"} | json | status >= "500"', '"500"'),
    ('{app="api"} | regexp "(\\\\d+)"', '"('),
    ('{app="api"} | pattern "<_> <_>"', '"<'),
    ('{app="api"} | json |', ""),
    ('{app="api"} | logfmt --fast', "--fast"),
    ('rate({app="api"}[5m]) by (pod)', "by"),
    ('{app="api"} | line_format {{.msg}}', "{{"),
    ('{app="api"} |= "x" + 1', "{app"),
    ('nosuch({app="api"}[5m])', "nosuch"),
    # grouping Loki forbids
    ('approx_topk(2, count_over_time({app="api"}[5m])) by (pod)', "by"),
    ('sum_over_time({app="api"} | unwrap x [5m]) by (pod)', "by"),
    ('sort(sum(rate({app="api"}[5m]))) by (pod)', "by"),
    ('sort_desc by (pod) (sum(rate({app="api"}[5m])))', "by"),
    # topk / bottomk need a positive whole number
    ('topk(0, sum(rate({app="api"}[5m])))', "0"),
    ('bottomk(1.5, sum(rate({app="api"}[5m])))', "1.5"),
    # set operators match series by labels: a number has none
    ('sum(rate({app="api"}[5m])) or 0', "0"),
    ('1 unless sum(rate({app="api"}[5m]))', "1"),
    # regexes are Go's (RE2)
    ('label_replace(rate({app="api"}[5m]), "a", "$1", "b", "x\\\\q")', '"x'),
    ('{app=~"(?=api)"}', '"(?='),
    ('{app="api"} | json | path =~ "a++"', '"a++'),
]


@pytest.mark.parametrize("query", VALID)
def test_valid_logql(query: str) -> None:
    result = logql.check(query)
    assert result.ok, (query, result.error, result.offset)


@pytest.mark.parametrize("query,at", INVALID)
def test_invalid_logql(query: str, at: str) -> None:
    result = logql.check(query)
    assert not result.ok, query
    assert result.error
    assert result.offset is not None
    if at:
        assert query[result.offset:].startswith(at), (query, result.offset, result.error)
    else:
        assert result.offset >= len(query) - 1


def test_metric_queries_are_told_apart_from_log_queries() -> None:
    assert logql.check('sum(rate({a="b"}[5m]))').is_metric
    assert logql.check('1 + 1').is_metric
    assert not logql.check('{a="b"} |= "x"').is_metric


@pytest.mark.parametrize("query", [
    'sum by (level) (count_over_time({job=~"$job", pod=~"${pod:regex}"} |= "$search" [$__auto]))',
    '{cluster="$cluster"} | logfmt | level=~"$level" |= "$filter"',
    'rate({app="$app"}[$__interval])',
    'sum by ($groupby) (rate({app="$app"}[$__range]))',
])
def test_logql_with_grafana_variables(query: str) -> None:
    assert logql.check(expand(query, GRAFANA).text).ok


@pytest.mark.parametrize("pattern,valid", [
    ("(.*)", True), ("a*?b+?", True), ("a??", True), ("\\p{Greek}\\pL", True), ("(?<name>x)", True),
    ("\\Qa.b\\E", True), ("(?i)a(?s)b", True), ("\\12", True), ("[[:alpha:]]+", True), ("a{1000}", True),
    ("x\\q", False), ("a**", False), ("a++", False), ("a*??", False), ("(?=x)", False), ("(?<!x)y", False),
    ("\\1", False), ("a{1001}", False), ("a{2,1}", False), ("(?x)a", False), ("(a", False), ("[a", False),
    ("x\\", False), ("\\Z", False),
    ("^*a", True), ("$+", True), ("(?)a", True), ("*a", False), ("a|*", False), ("(+a)", False), ("^*[", False),
    ("(?P<a.b>x)", False), ("\\pz", False), ("[U--]", False),
])
def test_go_regex_validity(pattern: str, valid: bool) -> None:
    """Loki (and Tempo) compile regexes with Go's RE2, which differs from Python's re both ways."""
    assert (logql.go_regex_error(pattern) is None) == valid, logql.go_regex_error(pattern)


@pytest.mark.parametrize("query,at", [
    ('{app="api"} |~ "(error"', '"(error'),
    ('{app="api"} !~ `\\q`', '`'),
    ('{app="api"} |~ "error" or "(?<!x)warn"', '"(?<!'),
    ('sum(count_over_time({app="api"} |= "x" |~ "[z-a]" [5m]))', '"[z-a]'),
])
def test_a_regex_line_filter_go_refuses_parses_and_is_reported_apart(query: str, at: str) -> None:
    """Loki's parser lets the string through (its own tests parse `|~ `error\\``); the query
    fails when Loki compiles it. A separate finding, not a syntax error."""
    result = logql.check(query)
    assert result.ok, (query, result.error)
    assert len(result.line_regex_errors) == 1, result.line_regex_errors
    problem, offset = result.line_regex_errors[0]
    assert "invalid regular expression" in problem
    assert query[offset:].startswith(at), (query, offset)


def test_plain_line_filters_and_valid_regexes_are_not_compiled_as_regexes() -> None:
    assert logql.check('{app="api"} |= "(" != "[" |~ "a|b" !~ `\\d+`').line_regex_errors == ()


def test_a_query_nested_deeper_than_the_parser_follows_is_said_so() -> None:
    """The checker recurses per bracket, Loki's parser does not: a query nested thousands of levels
    deep is refused with that reason (it raised a RecursionError, which every rule on the query
    reported as a failure of its own), and one a few hundred deep is checked."""
    deep = logql.check("sum(" * 3000 + 'count_over_time({job="a"}[5m])' + ")" * 3000)
    assert (deep.ok, deep.offset) == (False, 0) and deep.error is not None and "nests brackets too deeply" in deep.error
    assert logql.check("sum(" * 100 + 'count_over_time({job="a"}[5m])' + ")" * 100).ok
