"""Regex matchers are judged by Go's regexp, as Prometheus compiles them, where promql-parser's
Rust regex takes in what Go refuses: stacked repetition operators (`a**`, a glob habit), repeat
counts above 1000, flags Go does not know, brackets that balance only once wrapped, and class
ranges Rust reads as set operations; and where Rust refuses what Go takes (a `[` inside a class).
The reference is promtool (Prometheus's own parser)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import promql_parser
import pytest

from generator.go_regex import go_regex_error, re2_refusal
from generator.lint.promql_analysis import analysis_of
from tests.lint_cases.builders import dashboard, lint_docs, panel, prom_target
from tests.promtool_agreement import promtool_verdicts

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                                    reason="promtool is not on PATH (apt-get install prometheus)")

# (pattern, Go's message or None): each taken in by promql-parser
CASES = [
    ("a**", "invalid nested repetition operator: `**`"),
    (".*api.**", "invalid nested repetition operator: `**`"),
    ("a*+", "invalid nested repetition operator: `*+`"),
    ("a???", "invalid nested repetition operator: `???`"),
    ("a{2}*", "invalid nested repetition operator: `{2}*`"),
    ("a*?+", "invalid nested repetition operator: `*?+`"),
    ("a{1001}", "invalid repeat count: `{1001}`"),
    ("(?x)a", "invalid or unsupported Perl syntax: `(?x`"),
    ("a)|(b", "unexpected ): `a)|(b`"),
    ("[U--]", "invalid character class range: `U--`"),
    ("a??", None), ("a*?", None), ("(a*)*", None), ("a{1000}", None), ("a{01}*", None), ("(?i)a*", None),
    ("(?i-s:a)+", None), ("(?P<n>a)*", None), ("[*+]+", None), ("[]*]+", None), ("[[:alpha:]*]+", None),
    ("\\x{41}*", None), ("\\p{Greek}+", None), ("\\pL*", None),
    ("\\pz", "invalid character class range: `\\pz`"), ("a{,3}*", None), (".*", None),
]


def _literal(pattern: str) -> str:
    """`pattern` as a double-quoted PromQL string."""
    return '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rust_takes(pattern: str) -> bool:
    try:
        promql_parser.parse('{b="x", a=~' + _literal(pattern) + "}")
    except BaseException:   # a panic included
        return False
    return True


@pytest.mark.parametrize(("pattern", "message"), CASES)
def test_go_refuses_what_prometheus_refuses(pattern: str, message: str | None) -> None:
    assert _rust_takes(pattern)
    assert re2_refusal(pattern) == message


def test_the_query_gets_prometheus_message_at_the_label(tmp_path: Path) -> None:
    analysis = analysis_of('sum(rate(x{a="b", job =~ ".*api.**"}[5m]))')
    assert analysis.error == "error parsing regexp: invalid nested repetition operator: `**`"
    assert analysis.error_offset == 18                      # `job`, where promtool says 1:19
    for text in ('{__name__=~"up.**"}', 'x{job=~`a**`}', 'x{job!~"(?x)a"}'):
        assert analysis_of(text).error is not None, text
    assert analysis_of('x{job=~"a\\\\**"}').error is None      # `\*` is a literal star
    findings = lint_docs(tmp_path, dashboard(panel(prom_target('rate(x{job=~"$job.**"}[5m])'))))
    syntax = [f for f in findings if f.rule == "promql-syntax"]
    assert len(syntax) == 1 and "invalid nested repetition operator" in syntax[0].message


@needs_promtool
@pytest.mark.parametrize("seed", [7, 8, 9])
def test_verdicts_are_promtools_on_random_patterns(seed: int) -> None:
    """Patterns promql-parser takes in; whether Prometheus refuses each, as promtool says."""
    rng = random.Random(seed)
    alphabet = "a*+?{}12,()[]|\\.^$x:-iUP<>zn&~"
    patterns = {p for p, _ in CASES}
    patterns |= {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(4000)}
    taken = sorted(p for p in patterns if _rust_takes(p))
    queries = {p: "x{a=~" + _literal(p) + "}" for p in taken}
    verdicts = promtool_verdicts(list(queries.values()))
    refused = 0
    for pattern in taken:
        said = verdicts[queries[pattern]]
        assert (re2_refusal(pattern) is None) == (said is None), (pattern, said)
        refused += said is not None
    assert refused > 50


@needs_promtool
@pytest.mark.parametrize("seed", [11, 12])
def test_the_whole_check_agrees_with_promtool_on_any_pattern(seed: int) -> None:
    """go_regex_error (Go's rules, then Python's re for the rest), which LogQL and TraceQL use, on
    patterns of any kind. promtool (Prometheus 2) compiles the pattern wrapped in `^(?:...)$`
    first, so a `\\Q` left open swallows the wrapper's `)`: those patterns are left out (Loki,
    Tempo and Prometheus 3 read the pattern alone)."""
    rng = random.Random(seed)
    alphabet = "a*+?{}0129,()[]|.^$:-<>PimsUxq&=!#_pLzdbBAwW8Z\\"
    patterns = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)}
                      - {""})
    patterns = [p for p in patterns if "\\Q" not in p]
    queries = {p: 'x{b="x", a=~' + _literal(p) + "}" for p in patterns}
    verdicts = promtool_verdicts(list(queries.values()))
    for pattern in patterns:
        said = verdicts[queries[pattern]]
        assert (go_regex_error(pattern) is None) == (said is None), (pattern, said, go_regex_error(pattern))


#: regexes Rust's regex refuses and Go's takes: a `[` in a class opens a nested class in Rust
RUST_ONLY_REFUSALS = ['x{a!~"2[0-9{0x[0-9]"}', 'x{a=~"[[]"}', 'x{a=~"[a-z[]*"}', '{a=~"[a-z[]*"}', '{a=~"[[]"}',
                      'x{a=~"a("}']


@needs_promtool
def test_a_regex_only_rust_refuses_is_judged_as_prometheus_judges_it() -> None:
    verdicts = promtool_verdicts(RUST_ONLY_REFUSALS)
    for text in RUST_ONLY_REFUSALS:
        assert (analysis_of(text).error is None) == (verdicts[text] is None), (text, verdicts[text])
    assert analysis_of('x{a=~"[[]"}').error is None


@needs_promtool
def test_the_lint_verdict_on_a_regex_matcher_is_promtools() -> None:
    """End to end: `x{a=~"pattern"}` for patterns of any kind (class brackets Rust nests, Go's
    refusals, both dialects' agreements), analysed as the lint analyses it. `\\Q` is left out,
    as in the test above."""
    rng = random.Random(21)
    alphabet = "[]^-az09\\\\:.*+(|)&~{}?$PpLQE"
    patterns = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(2500)} - {""})
    queries = [f"x{{a=~{_literal(p)}}}" for p in patterns if "\\Q" not in p]
    verdicts = promtool_verdicts(queries)
    for query in queries:
        assert (analysis_of(query).error is None) == (verdicts[query] is None), (query, verdicts[query])
