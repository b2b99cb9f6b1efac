"""promql-parser panics (a Rust panic, a BaseException) on some numbers beyond a duration's
range rather than refusing the query: `gac lint` and `gac test` must report such a query, as
Prometheus does, and never stop with a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.lint import promql_parse
from generator.lint.promql_analysis import analysis_of, analyze
from tests.lint_cases.builders import dashboard, lint_docs, panel, prom_target

#: each makes promql-parser 0.12 panic ("cannot convert float seconds to Duration")
PANICKING = ["x[1e50]", "rate(x_total[1e50])", "x offset NaN", "x offset Inf", "x offset -1e50", "x[5m:2e19]",
             "x[2e19:5m]", "sum(x[1e50]) +"]


@pytest.mark.parametrize("text", PANICKING)
def test_a_query_the_parser_panics_on_is_refused(text: str) -> None:
    analysis = analysis_of(text)  # not cached: each case parses
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


def test_the_command_exits_1_without_a_traceback_or_the_panic_message(tmp_path: Path) -> None:
    """The panic's message (and with RUST_BACKTRACE a Rust backtrace) is not printed: the finding says it."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard(panel(prom_target("x offset NaN"), prom_target("x[1e50]", ref="B")))))
    done = subprocess.run([sys.executable, "-m", "generator", "lint", "--jobs", "1", str(path)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "RUST_BACKTRACE": "1"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("promql-syntax") == 2 and done.stderr == "", done.stderr


@pytest.mark.parametrize("text", PANICKING)
def test_every_text_the_parser_panics_on_is_parsed_with_stderr_on_the_null_device(text: str) -> None:
    assert promql_parse.limits_hint(text)


def test_stderr_is_back_after_a_quiet_parse(capfd: pytest.CaptureFixture[str]) -> None:
    """Python's own writes before and after the quiet parse reach standard error, the panic's do not."""
    print("before", file=sys.stderr)
    assert not promql_parse.parses("x offset NaN")
    print("after", file=sys.stderr)
    assert capfd.readouterr().err == "before\nafter\n"


def test_threads_reading_durations_never_leave_stderr_on_the_null_device() -> None:
    """The sync's workers read rule-group durations in threads. Each unprinted call swaps file
    descriptor 2 for the null device and back: two interleaved left it on the null device for
    the rest of the run, and a failing sync then exited 2 without a word."""
    script = r"""
import os, sys, threading
from generator.lint.promql_parse import parse_duration
before = os.fstat(2).st_ino
def work():
    for _ in range(300):
        for text in ("5m", "1e300", "-1", "1h30m"):
            try:
                parse_duration(text)
            except ValueError:
                pass
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(os.fstat(2).st_ino == before)
sys.stderr.write("still heard\n")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent, env={**os.environ, "RUST_BACKTRACE": "0"})
    assert done.stdout.strip() == "True" and done.stderr.endswith("still heard\n"), (done.stdout, done.stderr[-300:])
    assert "panicked" not in done.stderr and "cannot convert" not in done.stderr  # the panics stay unprinted
