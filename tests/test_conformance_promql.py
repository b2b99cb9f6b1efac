"""PromQL conformance: our parser verdicts against Prometheus' own parser tests
(../shared/conformance/promql/parse_cases.json, from promql/parser/parse_test.go).

That table runs Prometheus' parser with three experimental features enabled. gac judges
queries for a Prometheus as it runs by default, so per feature:

- duration expressions (`foo[5m+1m]`, `offset (5s-8)`, `step()`, `range()`, `min_of()`...,
  flag `promql-duration-expr`): rejected by a default Prometheus, so a case that needs one
  is expected INVALID here, whatever the table says;
- extended range selectors (`anchored`, `smoothed` modifiers, flag `promql-extended-range-
  selectors`): as modifiers they are rejected by default; as names (`anchored{job="x"}`,
  `by (smoothed)`) they are valid with or without the flag, so the table's verdict stands;
- experimental functions (`info()`, `limitk()`, `sort_by_label()`..., flag
  `promql-experimental-functions`): accepted by gac, because dashboards for a Prometheus that
  enables them exist and Grafana's editor offers them; the table's verdict stands (including
  its rejections of malformed calls such as `info()` with a non-selector second argument).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from generator.lint.promql_analysis import analyze
from generator.lint.promql_errors import tokenize
from tests.paths import SHARED

CASES = SHARED / "conformance" / "promql" / "parse_cases.json"
GOAL = 0.95


def _cases() -> list[dict[str, Any]]:
    if not CASES.is_file():
        pytest.skip(f"../shared/conformance absent: {CASES} not found")
    return json.loads(CASES.read_text(encoding="utf-8"))


_NUM = r"[-+]?\s*(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])?(?:\d+(?:ms|[smhdwy]))*)"
#: all a default Prometheus takes in brackets: a range, or a subquery's range and optional step
_PLAIN_BRACKETS = re.compile(rf"\s*{_NUM}\s*(?::\s*(?:{_NUM})?\s*)?")


def needs_duration_expression(query: str) -> bool:
    """Whether a range, a subquery or an offset holds more than a literal (flag promql-duration-expr)."""
    tokens = tokenize(query)
    for i, tok in enumerate(tokens):
        if tok.text == "[":
            end = next((t.start for t in tokens[i + 1:] if t.text == "]"), len(query))
            if not _PLAIN_BRACKETS.fullmatch(query[tok.end:end]):
                return True
        elif tok.kind == "ident" and tok.text.lower() == "offset" and 0 < i < len(tokens) - 1 \
                and tokens[i - 1].text not in ("{", ",", "(") and tokens[i + 1].kind != "op" or \
                tok.text.lower() == "offset" and i + 1 < len(tokens) and tokens[i + 1].text in ("-", "+"):
            rest = tokens[i + 1:i + 3]
            if rest[0].text in ("-", "+"):
                rest = rest[1:]
            if not rest or rest[0].kind != "num":
                return True
    return False


def expected_invalid(case: dict[str, Any]) -> bool:
    """A default Prometheus' verdict: the table's, except for cases that need duration expressions."""
    return bool(case["fail"]) or needs_duration_expression(case["input"])


def test_duration_expressions_are_recognised() -> None:
    assert needs_duration_expression("foo[5m+1m]") and needs_duration_expression("foo offset (5)")
    assert needs_duration_expression("foo[step()]") and needs_duration_expression("x[5m:1s*2]")
    assert not needs_duration_expression("foo[5m] offset -1h") and not needs_duration_expression("x[5m:]")
    assert not needs_duration_expression("rate(x[5m:30s] @ start())")


def test_parse_cases_agree_with_prometheus() -> None:
    cases = _cases()
    disagreements = []
    for case in cases:
        analysis = analyze(case["input"])
        if analysis.ok == expected_invalid(case):
            ours = "accepted" if analysis.ok else f"rejected: {analysis.error}"
            theirs = "rejects" if expected_invalid(case) else "accepts"
            disagreements.append(f"#{case['n']} Prometheus {theirs}, we {ours}: {case['input']!r}")
    agreement = 1 - len(disagreements) / len(cases)
    print(f"parse_cases.json: {len(cases) - len(disagreements)}/{len(cases)} agree ({agreement:.1%})")
    assert agreement >= GOAL, "\n".join(disagreements)
    assert not disagreements, "\n".join(disagreements)
