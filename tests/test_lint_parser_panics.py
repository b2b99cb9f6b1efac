"""promql-parser panics (a Rust panic, a BaseException) on some numbers beyond a duration's
range rather than refusing the query: `gac lint` and `gac test` must report such a query, as
Prometheus does, and never stop with a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.lint import promql_parse
from generator.lint.promql_analysis import analyze
from tests.lint_cases.builders import dashboard, lint_docs, panel, prom_target

#: each makes promql-parser 0.12 panic ("cannot convert float seconds to Duration")
PANICKING = ["x[1e50]", "rate(x_total[1e50])", "x offset NaN", "x offset Inf", "x offset -1e50", "x[5m:2e19]",
             "x[2e19:5m]", "sum(x[1e50]) +"]


@pytest.mark.parametrize("text", PANICKING)
def test_a_query_the_parser_panics_on_is_refused(text: str) -> None:
    analysis = analyze.__wrapped__(text)  # not cached: each case parses
    assert not analysis.ok and analysis.error
    with pytest.raises(promql_parse.PARSE_ERRORS):
        promql_parse.parse(text)
    assert promql_parse.parses(text) is False


def test_the_refusal_is_prometheus_range_error_where_the_limits_check_finds_it() -> None:
    assert (analyze("x[1e50]").error, analyze("x[1e50]").error_offset) == ("duration out of range", 2)
    # promql-parser overflows here with a Rust message (no panic): Prometheus's wording instead
    assert (analyze("x offset 1e19").error, analyze("x offset 1e19").error_offset) == ("duration out of range", 9)
    assert "promql-parser failed on this query" in str(analyze("x offset NaN").error)


def test_lint_reports_the_query_and_goes_on(tmp_path: Path) -> None:
    findings = lint_docs(tmp_path, dashboard(panel(prom_target("rate(x_total[1e50])"),
                                                   prom_target("rate(x_total[5m]) +", ref="B"))))
    syntax = [f for f in findings if f.rule == "promql-syntax"]
    assert len(syntax) == 2 and any("duration out of range" in f.message for f in syntax)


def test_the_command_exits_1_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard(panel(prom_target("x offset NaN")))))
    done = subprocess.run([sys.executable, "-m", "generator", "lint", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "promql-syntax" in done.stdout and "Traceback" not in done.stderr
