"""LogQL conformance: our checker against Loki's own verdicts (../shared/conformance/logql).

Each case is a query as Grafana sends it (variables expanded) with the verdict Loki gives:
Loki's parser tests and real dashboard queries. Agreement means we report a syntax error
exactly where Loki refuses the query; a disagreement is a gap in our grammar, never a case
to special-case.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.lint import logql
from tests.paths import SHARED

CASES = SHARED / "conformance" / "logql" / "cases.jsonl"


def _cases() -> list[dict[str, Any]]:
    if not CASES.is_file():
        pytest.skip(f"../shared/conformance absent: {CASES} not found")
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_logql_case_agrees_with_loki() -> None:
    cases = _cases()
    disagreements = []
    for case in cases:
        result = logql.check(case["expanded"])
        loki_accepts = case["oracle"] == "valid"
        if result.ok != loki_accepts:
            ours = "accepted" if result.ok else f"rejected at {result.offset}: {result.error}"
            disagreements.append(f"#{case['id']} Loki {case['oracle']}, we {ours}: {case['expanded']!r}"
                                 + (f" (Loki: {case['loki_err']})" if case["loki_err"] else ""))
    assert not disagreements, (f"{len(disagreements)}/{len(cases)} LogQL cases disagree with Loki:\n"
                               + "\n".join(disagreements))


def test_rejections_point_into_the_query() -> None:
    """An offset outside the query would put the finding nowhere in the editor."""
    for case in _cases():
        result = logql.check(case["expanded"])
        if not result.ok:
            assert result.offset is not None and 0 <= result.offset <= len(case["expanded"]), case
