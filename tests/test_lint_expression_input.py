"""alert-expression-ref-unknown on expressions that name no input at all.

Grafana builds every server-side expression of a rule when it saves or evaluates it, and a
threshold without `expression` fails there ("no variable specified to reference for refId C",
pkg/expr/threshold.go UnmarshalThresholdCommand), also when it carries classic-condition
`conditions[].query.params`, which a threshold never reads. Reduce, resample and math without
`expression` fail alike (pkg/expr/commands.go).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.lint import LintConfig, lint_paths
from tests.lint_cases.builders import alert_group, alert_rule, expression, lint_docs, only, prom_query

RULE = "alert-expression-ref-unknown"

PROVISIONING = """\
apiVersion: 1
groups:
  - orgId: 1
    name: rate-limiter
    folder: Rate Limiter
    interval: 1m
    rules:
      - uid: p99-latency
        title: P99 latency critical
        condition: C
        for: 2m
        labels: {severity: critical}
        annotations: {summary: p99 latency above 5ms}
        data:
          - refId: B
            relativeTimeRange: {from: 300, to: 0}
            datasourceUid: prometheus
            model:
              expr: histogram_quantile(0.99, sum by (le) (rate(rate_limiter_latency_ms_bucket[1m])))
              instant: true
          - refId: C
            datasourceUid: __expr__
            model:
              type: threshold
              refId: C
              conditions:
                - evaluator: {params: [5], type: gt}
                  query: {params: [B]}
                  reducer: {params: [], type: last}
                  type: query
"""


def _lint(tmp_path: Path, text: str) -> list[Any]:
    path = tmp_path / "alerts.yaml"
    path.write_text(text)
    return only(lint_paths([path], LintConfig()), RULE)


def test_threshold_with_classic_conditions_and_no_expression_is_an_error(tmp_path: Path) -> None:
    found = _lint(tmp_path, PROVISIONING)
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.ref_id, f.alert) == ("error", "C", "P99 latency critical")
    assert f.message.startswith("expression C (threshold) has no `expression`")
    assert "no variable specified to reference for refId C" in f.message
    assert f.fix is not None and f.fix.startswith("add expression: B")
    # located at C's model, as the rule's other findings are
    lines = PROVISIONING.splitlines()
    assert f.line == lines.index("            model:", lines.index("          - refId: C")) + 1


def test_the_same_threshold_with_expression_is_clean(tmp_path: Path) -> None:
    fixed = PROVISIONING.replace("              type: threshold\n",
                                 "              type: threshold\n              expression: B\n")
    assert _lint(tmp_path, fixed) == []


def _group(*data: dict[str, Any], condition: str = "C") -> dict[str, Any]:
    return alert_group(alert_rule(data=[prom_query("A", "sum(up)"), *data], condition=condition))


def test_reduce_resample_and_math_without_input(tmp_path: Path) -> None:
    cond = [{"evaluator": {"type": "gt", "params": [0]}}]
    doc = _group(expression("B", type="reduce", reducer="last", expression=""),
                 expression("D", type="math"),
                 expression("E", type="resample", expression=7, window="1m", downsampler="last", upsampler="pad"),
                 expression("C", type="threshold", expression="A", conditions=cond))
    found = {str(f.ref_id): f for f in only(lint_docs(tmp_path, doc), RULE)}
    assert sorted(found) == ["B", "D", "E"]
    assert "has an empty `expression`" in found["B"].message
    assert found["B"].fix == "set expression to the refId it should read (one of: A, C, D, E)"
    assert found["D"].message.startswith("expression D (math) has no `expression`")
    assert "not a string (int)" in found["E"].message
    # Grafana's words are quoted only for the threshold, whose error they are
    assert not any("no variable specified" in f.message for f in found.values())


def test_dollar_and_braced_inputs_are_inputs(tmp_path: Path) -> None:
    cond = [{"evaluator": {"type": "gt", "params": [0]}}]
    doc = _group(expression("B", type="reduce", reducer="last", expression="$A"),
                 expression("C", type="threshold", expression="${B}", conditions=cond))
    assert only(lint_docs(tmp_path, doc), RULE) == []
