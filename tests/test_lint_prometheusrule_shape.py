"""A PrometheusRule the Kubernetes API server refuses (or stores without a key of it) is an error
of `gac lint`, at the line of the key at fault: prometheusrule-invalid,
generator/lint/prometheusrule_schema.py, from the operator's CRD schema (0.82.2). What the rule
checks of the rules already report (a rule without an expr) is theirs alone, what the API server
accepts is not reported, and the real PrometheusRule files of the corpus give no finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.lint import LintConfig, lint_paths
from tests.paths import SHARED, needs_shared

RULE = "prometheusrule-invalid"
CORPUS_CRDS = SHARED / "corpus" / "rules" / "prometheus-operator-crd"

#: an object the API server accepts, with every field of the schema (line numbers on the right
#: are what the tests below expect)
GOOD = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: collector
  namespace: monitoring
  labels: {release: kube-prometheus}
spec:
  groups:
    - name: collector
      interval: 1m
      query_offset: 30s
      limit: 100
      partial_response_strategy: warn
      labels: {team: otel}
      rules:
        - alert: CollectorDown
          expr: up{job="otel-collector"} == 0
          for: 5m
          keep_firing_for: 10m
          labels: {severity: page}
          annotations: {summary: "{{ $labels.instance }} is down"}
        - record: job:up:sum
          expr: sum by (job) (up)
    - name: constants
      rules:
        - record: one
          expr: 1
"""


def _findings(tmp_path: Path, text: str) -> list[Any]:
    path = tmp_path / "prometheusrule.yaml"
    path.write_text(text)
    return lint_paths([path], LintConfig())


def _ours(tmp_path: Path, text: str) -> list[tuple[int | None, str]]:
    return [(f.line, f.message) for f in _findings(tmp_path, text) if f.rule == RULE]


def _changed(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def test_an_object_the_api_server_accepts_gives_no_finding(tmp_path: Path) -> None:
    found = _findings(tmp_path, GOOD)
    assert [(f.rule, f.message) for f in found if f.rule == RULE or f.severity == "error"] == []


REFUSED = "the Kubernetes API server refuses the PrometheusRule (422 Invalid)"
DROPPED = "drops it"

#: (name, change to GOOD: (old, new), the line of the finding, words its message must hold). A
#: finding about a key is on the key's line; a missing key's is the line of the object that lacks it
PROBLEMS: list[tuple[str, tuple[str, str], int, tuple[str, ...]]] = [
    ("for without a unit", ("for: 5m", "for: 5"), 18,
     ("spec.groups[0].rules[0].for: 5", "expects a string", REFUSED)),
    ("for a float", ("for: 5m", "for: 1.5"), 18, ("spec.groups[0].rules[0].for: 1.5", "expects a string")),
    ("for 0 as a number", ("for: 5m", "for: 0"), 18, ("spec.groups[0].rules[0].for: 0", "expects a string")),
    ("for as a quoted fraction", ("for: 5m", 'for: "1.5h"'), 18,
     ('spec.groups[0].rules[0].for: "1.5h"', "the CRD's pattern", REFUSED)),
    ("units out of order", ("for: 5m", "for: 30s1m"), 18, ('for: "30s1m"', "in the order y, w, d, h, m, s, ms")),
    ("interval with a space", ("interval: 1m", 'interval: "1 m"'), 10, ('spec.groups[0].interval: "1 m"', REFUSED)),
    ("query_offset a number", ("query_offset: 30s", "query_offset: 30"), 11,
     ("spec.groups[0].query_offset: 30", "expects a string")),
    ("keep_firing_for empty", ("keep_firing_for: 10m", 'keep_firing_for: ""'), 19,
     ('keep_firing_for: ""', "at least 1 character", REFUSED)),
    ("a label value a number", ("severity: page", "severity: 1"), 20,
     ("spec.groups[0].rules[0].labels.severity: 1", "expects a string", REFUSED)),
    ("a label value a boolean", ("severity: page", "severity: true"), 20, ("labels.severity: true", "expects a string")),
    ("a group label a float", ("team: otel", "team: 1.5"), 14, ("spec.groups[0].labels.team: 1.5", "expects a string")),
    ("an annotation a map", ('summary: "{{ $labels.instance }} is down"', "summary: {a: b}"), 21,
     ("annotations.summary: a map", "expects a string")),
    ("labels a list", ("labels: {severity: page}", "labels: [page]"), 20,
     ("spec.groups[0].rules[0].labels: a list", "expects a map of strings")),
    ("alert a boolean", ("alert: CollectorDown", "alert: true"), 16, ("rules[0].alert: true", "expects a string")),
    ("expr a float", ("expr: 1\n", "expr: 0.5\n"), 27,
     ("spec.groups[1].rules[0].expr: 0.5", "a string or a whole number", REFUSED)),
    ("expr a boolean", ("expr: 1\n", "expr: true\n"), 27, ("expr: true", "a string or a whole number")),
    ("limit a string", ("limit: 100", 'limit: "100"'), 12, ('spec.groups[0].limit: "100"', "expects a whole number")),
    ("limit a fraction", ("limit: 100", "limit: 1.5"), 12, ("limit: 1.5", "expects a whole number")),
    ("partial_response_strategy unknown", ("strategy: warn", "strategy: ignore"), 13,
     ('partial_response_strategy: "ignore"', "abort or warn", REFUSED)),
    ("rules a map", ("      rules:\n        - record: one\n          expr: 1\n", "      rules: {record: one, expr: 1}\n"),
     25, ("spec.groups[1].rules: a map", "expects a list of rules", REFUSED)),
    ("a rule that is a string", ("        - record: one\n          expr: 1\n", "        - one\n"), 26,
     ("spec.groups[1].rules[0]: \"one\"", "expects a rule (a map)")),
    ("a null group", ("    - name: constants\n      rules:\n        - record: one\n          expr: 1\n", "    -\n"), 24,
     ("spec.groups[1]: null", "expects a rule group (a map)", REFUSED)),
    ("group without name", ("    - name: constants\n      rules:", "    - rules:"), 24,
     ("spec.groups[1].name: missing from a rule group", "Kubernetes requires it", REFUSED)),
    ("group with an empty name", ("name: constants", 'name: ""'), 24,
     ('spec.groups[1].name: ""', "at least 1 character")),
    ("group name a number", ("name: constants", "name: 7"), 24, ("spec.groups[1].name: 7", "expects a string")),
    ("two groups of one name", ("name: constants", "name: collector"), 24,
     ('spec.groups[1].name: "collector" is also the name of spec.groups[0]', "Duplicate value", REFUSED)),
    ("spec a list", ("spec:\n  groups:\n", "spec:\n  - groups:\n"), 7, ("spec: a list", "expects the spec (a map)")),
    ("metadata a string", ("metadata:\n  name: collector\n  namespace: monitoring\n  labels: {release: kube-prometheus}\n",
                           "metadata: collector\n"), 3, ('metadata: "collector"', "a map")),
    ("a misspelt annotations key", ("          annotations:", "          anotations:"), 21,
     ("spec.groups[0].rules[0].anotations: not a field of a rule", "annotations", DROPPED, "kubectl refuses")),
    ("a group key in another spelling", ("query_offset: 30s", "queryOffset: 30s"), 11,
     ("spec.groups[0].queryOffset: not a field of a rule group", "query_offset", DROPPED)),
    ("a key of the spec", ("  groups:", "  group:"), 8, ("spec.group: not a field of the spec", DROPPED)),
    ("a top-level key", ("apiVersion: monitoring.coreos.com/v1\n", "apiVersion: monitoring.coreos.com/v1\nstatus: {}\n"),
     2, ("status: not a field of a PrometheusRule", DROPPED)),
    ("another apiVersion", ("coreos.com/v1\n", "coreos.com/v1beta1\n"), 1,
     ('apiVersion: "monitoring.coreos.com/v1beta1"', "only as monitoring.coreos.com/v1")),
]


@pytest.mark.parametrize("change, line, words", [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS])
def test_each_problem_is_reported_at_its_line(tmp_path: Path, change: tuple[str, str], line: int,
                                              words: tuple[str, ...]) -> None:
    found = _ours(tmp_path, _changed(*change))
    assert [at for at, _ in found] == [line], found
    for word in words:
        assert word in found[0][1], found[0][1]


@pytest.mark.parametrize("old, new", [
    ("expr: 1\n", "expr: 42\n"),                        # x-kubernetes-int-or-string
    ("expr: 1\n", "expr: 2.0\n"),                       # JSON writes it 2: an integer
    ("for: 5m", 'for: "0"'),
    ("for: 5m", 'for: ""'),                             # the CRD's pattern matches the empty string
    ("for: 5m", "for: 1w2d3h4m5s6ms"),
    ("for: 5m", "for:"),                                # a null field is dropped: no `for`
    ("strategy: warn", "strategy: ABORT"),              # (?i)
    ("strategy: warn", 'strategy: ""'),
    ("severity: page", 'severity: "1"'),
    ("severity: page", "severity: 2023-01-01"),         # a timestamp-shaped scalar stays a string
    ("severity: page", "severity: yes"),                # a string to yaml.v3, as the loader reads it
])
def test_what_the_api_server_accepts_is_not_reported(tmp_path: Path, old: str, new: str) -> None:
    assert _ours(tmp_path, _changed(old, new)) == []


def test_a_rule_without_expr_is_reported_once(tmp_path: Path) -> None:
    """The schema requires expr; prom-rule-invalid already says the rule has none, a map or a
    list for it included."""
    for old, new in (("          expr: 1\n", ""), ("expr: 1\n", "expr: [up]\n"), ("expr: 1\n", "expr:\n")):
        found = _findings(tmp_path, _changed(old, new))
        assert [f.rule for f in found if f.rule in (RULE, "prom-rule-invalid")] == ["prom-rule-invalid"], found


def test_the_other_checks_of_a_prometheusrule_still_run(tmp_path: Path) -> None:
    found = _findings(tmp_path, _changed("expr: up{job=\"otel-collector\"} == 0", "expr: up{job=} == 0"))
    assert {f.rule for f in found if f.severity == "error"} == {"promql-syntax"}


def test_findings_name_the_group_and_the_rule(tmp_path: Path) -> None:
    found = [f for f in _findings(tmp_path, _changed("for: 5m", "for: 5")) if f.rule == RULE]
    assert [(f.group, f.alert, f.path) for f in found] == [
        ("collector", "CollectorDown", ("spec", "groups", 0, "rules", 0, "for"))]


def test_every_problem_of_an_object_is_reported(tmp_path: Path) -> None:
    text = _changed("for: 5m", "for: 5").replace("severity: page", "severity: 1").replace("annotations:", "anotations:")
    assert [line for line, _ in _ours(tmp_path, text)] == [18, 20, 21]


def test_each_object_of_a_file_is_judged(tmp_path: Path) -> None:
    text = GOOD + "---\n" + _changed("for: 5m", "for: 5")
    assert [line for line, _ in _ours(tmp_path, text)] == [18 + GOOD.count("\n") + 1]


def test_groups_that_are_no_list(tmp_path: Path) -> None:
    text = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n  groups: x\n"
    found = _ours(tmp_path, text)
    assert [line for line, _ in found] == [5]
    assert 'spec.groups: "x" where Kubernetes expects a list of rule groups' in found[0][1] and REFUSED in found[0][1]


def test_an_object_without_spec_is_still_judged(tmp_path: Path) -> None:
    text = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\ngroups: []\n"
    found = _ours(tmp_path, text)
    assert [line for line, _ in found] == [1, 4]
    assert "spec: missing" in found[0][1] and "groups: not a field of a PrometheusRule" in found[1][1]


@needs_shared
def test_the_real_prometheusrule_objects_of_the_corpus_give_no_finding() -> None:
    """kube-prometheus's generated PrometheusRule objects, which clusters apply as they are."""
    assert [f for f in lint_paths([CORPUS_CRDS], LintConfig()) if f.rule == RULE] == []


def test_a_kubernetes_list_of_prometheusrules_is_linted_item_by_item(tmp_path: Path) -> None:
    """`kubectl get prometheusrules -o yaml` prints a `kind: List` of the objects: each is judged,
    at its own lines (it was "nothing in it to lint", and passed over inside a directory)."""
    path = tmp_path / "rules.yaml"
    path.write_text("""\
apiVersion: v1
kind: List
items:
  - apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {name: good}
    spec:
      groups:
        - name: good
          rules:
            - alert: Up
              expr: up == 0
              for: 5m
  - apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {name: bad}
    spec:
      groups:
        - name: bad
          rules:
            - alert: Down
              expr: up == 0
              for: 5
""", encoding="utf-8")
    found = [(f.line, f.message) for f in lint_paths([path], LintConfig()) if f.rule == RULE]
    assert len(found) == 1 and found[0][0] == 23 and "spec.groups[0].rules[0].for" in found[0][1], found
