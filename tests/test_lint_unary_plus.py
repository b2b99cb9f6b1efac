"""A unary `+` is Prometheus's unary operator as `-` is: only a scalar or an instant vector may
follow it (`rate(+x[5m])` is refused). promql-parser drops the `+`, and with it the check."""

from __future__ import annotations

import shutil

import pytest

from generator.lint.promql_analysis import analysis_of
from tests.promtool_agreement import promtool_verdicts

# (query, whether Prometheus refuses it, the offset of the refused `+`, where known)
CASES = [
    ("rate(+x[5m])", True, 5),
    ("+x[5m]", True, 0),
    ('+"a"', True, 0),
    ("x and +y[5m]", True, None),   # refused for the binary operation's operand too
    ("(+x)[5m:1m]", False, None),
    ("topk(+5, x)", False, None),
    ("sum(+x)", False, None),
    ("x == +y", False, None),
    ("x @ +5", False, None),
    ('x{a="(+b)"} + 1', False, None),
    ("rate(x[5m]) + 1", False, None),
]


@pytest.mark.parametrize(("text", "refused", "offset"), CASES)
def test_a_unary_plus_is_judged_as_a_unary_minus(text: str, refused: bool, offset: int | None) -> None:
    analysis = analysis_of(text)
    assert (analysis.error is not None) == refused, analysis.error
    if offset is not None:
        assert analysis.error_offset == offset and str(analysis.error).startswith("unary expression only allowed")


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not on PATH (apt-get install prometheus)")
def test_the_verdicts_are_promtools() -> None:
    verdicts = promtool_verdicts([text for text, _, _ in CASES])
    for text, _, _ in CASES:
        assert (analysis_of(text).error is not None) == (verdicts[text] is not None), (text, verdicts[text])
