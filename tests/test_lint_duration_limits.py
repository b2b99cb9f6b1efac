"""Durations written with units are judged as Prometheus judges them (prometheus/common
model.ParseDuration, which the PromQL parser's parseDuration calls): a part or the sum beyond
2**63 - 1 ns (about 292 years) is "duration out of range", a number beyond 64 bits is "not a
valid duration string". promql-parser differs both ways: it takes in `x[293y]` and wraps
`x[9999999999d]` around ("must be greater than 0"), and it refuses `x[4294967296ms]` (50 days,
a valid window) because it reads a one-unit duration as a 32-bit number. It also refuses a
number of digits led by 0 with an exponent (`01e3`: "can't be parsed into i64"), which
Prometheus reads as a float once it fails to read it as an octal integer."""

from __future__ import annotations

import random

import pytest

from generator.lint import promql_analysis
from generator.lint.promql_analysis import analysis_of
from generator.lint.promql_parse import limits_hint
from tests.promtool_agreement import PROMTOOL, promtool_verdicts

# (query, Prometheus's error or None, the offset it points at)
CASES = [
    ("x[106751d]", None, None),                       # 106751 days: 2**63 ns is 106751.99 days
    ("x[106752d]", "duration out of range", 2),
    ("x[2562047h47m16s854ms]", None, None),           # 9,223,372,036,854 ms: the largest that fits
    ("x[2562047h47m16s855ms]", "duration out of range", 2),
    ("x[292y]", None, None),
    ("x[293y]", "duration out of range", 2),
    ("x[292y52w]", "duration out of range", 2),       # each part fits, the sum does not
    ("x[200000000h]", "duration out of range", 2),
    ("x[9999999999d]", "duration out of range", 2),
    ("x offset 300y", "duration out of range", 9),
    ("x offset -300y", "duration out of range", 10),
    ("x[5m:300000y]", "duration out of range", 5),   # a subquery's step
    ("x[300000y:5m]", "duration out of range", 2),
    ('x[99999999999999999999d]', 'not a valid duration string: "99999999999999999999d"', 2),
    ("x[4294967296ms]", None, None),                  # 49.7 days: promql-parser refuses it
    ("x[9223372036854ms]", None, None),
    ("rate(x[4294967296ms])", None, None),
    ("x[5m:4294967296s]", None, None),
    ("x[4294967296s:5m]", None, None),
    ("x[1h30m]", None, None),
]


@pytest.mark.parametrize(("text", "error", "offset"), CASES)
def test_a_duration_is_judged_as_prometheus_judges_it(text: str, error: str | None, offset: int | None) -> None:
    analysis = analysis_of(text)   # not cached: each case parses
    assert (analysis.error, analysis.error_offset) == (error, offset)


#: numbers Prometheus reads (strconv.ParseInt, then ParseFloat) and promql-parser refuses
OCTAL_LOOKING_FLOATS = ["x > 01e3", "x > 0e0", "sum(x) > 0E1", "x > 007e-2", "x @ 01e3"]


@pytest.mark.parametrize("text", OCTAL_LOOKING_FLOATS)
def test_a_number_led_by_zero_with_an_exponent_parses(text: str) -> None:
    assert analysis_of(text).error is None


def test_a_query_with_such_a_number_gets_the_verdict_on_the_rest() -> None:
    assert analysis_of("x > 01e3 +").error is not None
    assert analysis_of("x offset 01e400").error == "error parsing number: 01e400... is out of range"
    assert analysis_of("rate(x[5m]) > 01e3").result_type == "vector"


def test_a_query_with_a_long_duration_gets_the_verdict_on_the_rest() -> None:
    """Where promql-parser refused a valid long duration, the rest of the query is still judged."""
    wrong_type = analysis_of("sum(x[4294967296ms])")
    assert wrong_type.error == "expected type vector in aggregation expression, got matrix"
    assert wrong_type.error_offset == analysis_of("sum(x[5m])").error_offset
    assert analysis_of("rate(x[4294967296ms])").result_type == "vector"
    assert analysis_of("rate(x[4294967296ms]) +").error is not None
    zero = analysis_of("x[0s] + x[4294967296ms]")   # the zero window is an error all the same
    assert (zero.error, zero.error_offset) == ("duration must be greater than 0", 2)


def test_a_subquery_step_written_as_a_number_is_checked() -> None:
    """`x[5m:1e19]`: the lexer reads `:1e19` as a name (names may hold colons)."""
    assert (analysis_of("x[5m:1e19]").error, analysis_of("x[5m:1e19]").error_offset) == \
        ("duration out of range", 5)
    assert analysis_of("x[5m:9300000000]").error == "duration out of range"
    assert analysis_of("foo:bar:baz[5m:1m]").error is None


@pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian package prometheus) is not installed")
def test_the_verdicts_are_promtools() -> None:
    """Whether each query parses, as Prometheus's own parser says (promtool; every case has units,
    which Prometheus 2 and 3 read alike)."""
    texts = [text for text, _, _ in CASES] + OCTAL_LOOKING_FLOATS
    verdicts = promtool_verdicts(texts)
    for text in texts:
        assert (analysis_of(text).error is None) == (verdicts[text] is None), (text, verdicts[text])


def test_every_duration_out_of_range_has_the_hint_that_lets_it_be_checked() -> None:
    """Durations of several units, each part of any length: wherever Prometheus refuses one,
    the limits hint and the tokenizer's gate admit its text. The expander's own durations
    (`4m7ms`, for `$__rate_interval`) have no hint, and their queries no limits check."""
    rng = random.Random(11)
    units = ["y", "w", "d", "h", "m", "s", "ms"]
    refused = 0
    for _ in range(20_000):
        chosen = sorted(rng.sample(range(len(units)), rng.randint(1, 4)))
        token = "".join(str(rng.randint(1, 10 ** rng.randint(1, 13))) + units[i] for i in chosen)
        text = f"x[{token}]"
        if promql_analysis._out_of_range(promql_analysis.tokenize(text)) is not None:
            refused += 1
            assert limits_hint(text) and promql_analysis._BIG_NUMBER.search(text), text
    assert refused > 1_000
    assert not limits_hint("rate(x[4m7ms]) / rate(x[1m7ms]) + rate(x[1h7ms])")
