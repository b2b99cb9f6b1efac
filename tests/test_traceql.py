"""The TraceQL checker (generator/lint/traceql.py).

Unit cases say what each part of Tempo's grammar accepts and refuses, and where the error
points; the conformance tests hold the checker against Tempo's own test tables in
../shared/conformance/traceql (skipped where that directory is absent).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.lint import traceql
from tests.paths import SHARED

VALID = [
    "{ }",
    '{ span.http.method = "GET" && resource.service.name =~ "api-.*" }',
    '{ .http.status_code >= 500 } >> { kind = server }',
    '{ status = error } | count() > 2',
    '{ } | by(resource.service.name) | avg(duration) > 1s',
    '{ .a } | select(span.db.name, duration)',
    '{ trace:rootService = "x" && span:parentID != "" && event:name = "exception" }',
    '{ ."quoted name" = 1 } && { span.x != nil }',
    '{ name != nil }',
    'min(span:childCount) < 2 / 6',  # numbers are folded into one value
    'count() = 1 | { true }',
    '({ .a } | { .b }) !~ ({ .c })',
    '{ } | rate() by (resource.service.name) | topk(5) with(sample=0.1)',
    '{ } | quantile_over_time(duration, 0.5, 0.99) by (name)',
    '({ status = error } | rate()) / ({ } | rate()) * 100 > 5',
    '{ } | histogram_over_time(duration)',
    '{ } | compare({ status = error }, 10)',
    # Grafana variables stand for values
    '{ resource.service.name = "$service" && .http.method =~ "${method:regex}" }',
    '{ .http.status_code = $status }',
    '{ } | rate() | topk($n)',
]

INVALID = [
    # (query, text at the reported offset)
    ("", ""),
    ("{ .a", ""),
    ("{ .a = }", "}"),
    ("{ . foo }", "."),
    ("{ attribute = 4 }", "attribute"),
    ("{ .a == 4 }", "=="),
    ("{ trace:name }", "trace:name"),
    ("{ true } | count()", ""),  # the comparison it needs is missing
    ("{ true } + { true }", "+"),
    ("3 = 2", "3"),
    ("{} | topk(10)", "topk"),
    ("{} | rate() + 5", "+"),
    ("({} | rate()) * 10s", "10s"),
    # validation Tempo does once the query parses
    ('{ 1 = "foo" }', "="),
    ("{ status > ok }", ">"),
    ('{ span.foo =~ "[" }', '"['),
    ("{ -true }", "-"),
    ("{ true } | by(1)", "1"),
    ("{} | rate() | topk(0)", "0"),
    ("{} | compare({status=error}) | topk(10)", "topk"),
    ("{ 1.5 }", "1.5"),  # a filter must be true or false per span
    ("{ span:name }", "span:name"),
    ("{ .a + 1 }", ".a"),
    ("{ .a = nil }", "="),
    ("{ nil = span:status }", "="),
    ("{ parent.span.x != nil }", "parent.span.x"),
    ("{ 1 >= parent }", "parent"),
    ("sum(3) = 2", "3"),
    ("min(1 = 3) = 1", "1 = 3"),
    ("min(.a) < max(duration)", "<"),
    ("{ .a } | count() + count() = 1", "="),
    ("({ .a } | count()) > ({ .b } | count())", "({"),
]


@pytest.mark.parametrize("query,stage", [
    ("{ .a", "parse"),
    ("{ 1.5 }", "validate"),
    ("{ .a = nil }", "validate"),
    ("{} | rate() | topk(0)", "validate"),
])
def test_error_says_which_of_tempos_steps_refuses(query: str, stage: str) -> None:
    error = traceql.check(query)
    assert error is not None and error.stage == stage, (query, error)


@pytest.mark.parametrize("query", VALID)
def test_valid_traceql(query: str) -> None:
    assert traceql.check(query) is None, traceql.check(query)


@pytest.mark.parametrize("query,at", INVALID)
def test_invalid_traceql(query: str, at: str) -> None:
    error = traceql.check(query)
    assert isinstance(error, traceql.TraceQLError), query
    assert error.message
    assert query[error.offset:].startswith(at), (query, error.offset, error.message)
    if not at:
        assert error.offset >= len(query.rstrip()) - 1


@pytest.mark.parametrize("text,lookup", [
    ("4bf92f3577b34da6a3ce929d0e0e4736", True),
    ("  00f067aa0ba902b7 ", True),
    ("${traceId}", True),
    ("$traceId", True),
    ("{ }", False),
    ("abc", False),
    ("{ .id = ${traceId} }", False),
])
def test_trace_lookups_are_not_traceql(text: str, lookup: bool) -> None:
    assert traceql.is_trace_lookup(text) is lookup
    if lookup:
        assert traceql.check(text) is None


# -- conformance: Tempo's own tests --------------------------------------------------------
CASES = SHARED / "conformance" / "traceql" / "cases.jsonl"


def _cases() -> list[dict[str, Any]]:
    if not CASES.is_file():
        pytest.skip(f"../shared/conformance absent: {CASES} not found")
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def _query(case: dict[str, Any]) -> str:
    return str(case.get("expanded", case["expr"]))


def _describe(case: dict[str, Any]) -> str:
    return f"#{case['id']} {case['src'].rsplit(':', 1)[-1]}: {case['expr']!r}"


def _parse_only(case: dict[str, Any]) -> bool:
    """Cases from parse_test.go were judged by Tempo's Parse() alone, which never validates
    (pkg/traceql/parse.go; validation is ast_validate.go, run before a query executes): their
    `accepted` is their `parses`. A validation finding on one is no disagreement with its test;
    test_validation_findings_on_parse_only_cases_are_what_tempo_validation_refuses says which."""
    return "parse_test.go" in case["src"]


def test_no_finding_on_any_query_tempo_accepts() -> None:
    false_alarms = []
    for case in _cases():
        if case["accepted"]:
            error = traceql.check(_query(case))
            if error and (error.stage == "parse" or not _parse_only(case)):
                false_alarms.append(f"{_describe(case)} -> {error.message} at {error.offset}")
    assert not false_alarms, f"{len(false_alarms)} queries Tempo accepts are flagged:\n" + "\n".join(false_alarms)


def test_validation_findings_on_parse_only_cases_are_what_tempo_validation_refuses() -> None:
    """Every validation finding on a parse-only case must be a shape that test_examples.yaml
    (whose cases Tempo validates and runs) rejects too: a filter that is not a condition, `= nil`,
    the parent scope, an aggregate of a constant or a non-number, a scalar filter that is not one
    aggregate against a value. The shapes are told apart by the finding's message."""
    refused_by_validation = [case for case in _cases() if case["parses"] and not case["accepted"]]
    validated_messages = {_shape(error.message) for case in refused_by_validation
                          if (error := traceql.check(_query(case))) is not None}
    unexplained = []
    for case in _cases():
        if _parse_only(case) and case["parses"]:
            error = traceql.check(_query(case))
            if error is not None and _shape(error.message) not in validated_messages:
                unexplained.append(f"{_describe(case)} -> {error.message}")
    assert not unexplained, ("validation findings on parse-only cases that no validated case shows:\n"
                             + "\n".join(unexplained))


def _shape(message: str) -> str:
    """A finding's message without the names and types it quotes."""
    return " ".join(word for word in message.split()[:6] if word.isalpha() and word.islower())


def test_every_query_tempo_cannot_parse_is_flagged() -> None:
    missed = [_describe(case) for case in _cases()
              if not case["parses"] and traceql.check(_query(case)) is None]
    assert not missed, f"{len(missed)} queries Tempo cannot parse pass:\n" + "\n".join(missed)


def _missed_rejections() -> tuple[list[str], int]:
    rejected = [case for case in _cases() if not case["accepted"]]
    return [_describe(case) for case in rejected if traceql.check(_query(case)) is None], len(rejected)


def test_rejected_queries_flagged_95_percent() -> None:
    missed, total = _missed_rejections()
    assert (total - len(missed)) / total >= 0.95, f"{len(missed)}/{total} missed:\n" + "\n".join(missed)


def test_a_query_nested_deeper_than_the_parser_follows_is_said_so() -> None:
    """As for LogQL: Tempo's parser has no depth limit, the checker recurses per bracket."""
    deep = traceql.check("{" + "(" * 3000 + ".a = 1" + ")" * 3000 + "}")
    assert deep is not None and deep.offset == 0 and "nests brackets too deeply" in deep.message
    assert traceql.check("{" + "(" * 50 + ".a = 1" + ")" * 50 + "}") is None
