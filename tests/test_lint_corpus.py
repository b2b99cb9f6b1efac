"""Lint the third-party corpus (shared/corpus, beside the repository): no crash, no flood,
and the problems we know are in it are found.

The corpus is read where it lies (../shared relative to the repository root); nothing is
copied into the repository. Known findings were checked by reading the files: e.g.
linux-dashboard.json's `host_count` variable uses `$ip`, which the dashboard never
defines, and tempo-operational.json's "Spans Received" sums `by (cluster)` but labels
the series `{{pod}}`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from generator.lint import Finding, LintConfig, lint_paths

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS = SHARED / "corpus"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is absent: the corpus lives in shared/ "
                                "beside the repository")


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return lint_paths([CORPUS], LintConfig())


def _in(findings: list[Finding], rule: str, file_part: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule and file_part in (f.file or "")]


def test_no_crash_and_everything_located(findings: list[Finding]) -> None:
    assert not [f for f in findings if f.rule == "lint-internal-error"]
    assert all(f.line and f.column for f in findings), [f for f in findings if not f.line]


def test_every_file_is_read() -> None:
    from generator.lint.loaders import discover, load

    kinds = Counter(d.kind for p in discover([CORPUS]) for d in load(p))
    assert kinds["dashboard"] == 36
    assert kinds["prometheus-rules"] == 8  # rule files
    assert kinds["prometheus-rule-crd"] == 2  # PrometheusRule resources (their spec a rule file)
    assert kinds["alert-provisioning"] == 5  # 3 with rule groups + 2 of contact points and policies only


def test_real_queries_are_not_reported_as_syntax_errors(findings: list[Finding]) -> None:
    """Every PromQL and LogQL query in these dashboards and rules runs in production."""
    assert not [f for f in findings if f.rule in ("promql-syntax", "logql-syntax", "alert-template-invalid")]


def test_no_flood(findings: list[Finding]) -> None:
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) < 60, Counter(f.rule for f in errors)
    assert len(findings) < 400, Counter(f.rule for f in findings)
    # without known data sources, uids of the corpus's own Grafanas are not judged
    assert not [f for f in findings if f.rule == "datasource-ref-unresolved"]
    # the shipped catalog only judges its families: kube/node/loki metrics are not "unknown"; what
    # it reports is an OpenTelemetry Collector name spelled for another version than the default
    unknown = [f for f in findings if f.rule == "promql-unknown-metric"]
    assert all("is the spelling of collectors" in f.message for f in unknown), unknown


def test_legacy_panels_are_deprecated(findings: list[Finding]) -> None:
    deprecated = [f for f in findings if f.rule == "panel-type-deprecated"]
    assert len(deprecated) == 25  # 15 graph + 10 singlestat (MANIFEST.md)
    assert len(_in(findings, "panel-type-deprecated", "jaeger-read.json")) == 4  # panels in legacy rows
    wrapped = _in(findings, "panel-type-deprecated", "example-grafana-dashboard.json")
    assert [f.panel for f in wrapped] == ["my panel"]  # {"dashboard": {...}} wrapper with legacy rows


def test_known_problems_are_found(findings: list[Finding]) -> None:
    undefined = _in(findings, "template-variable-undefined", "linux-dashboard.json")
    assert {f.message for f in undefined} == {"variable $ip is used but not defined"}
    assert [f.panel for f in undefined] == ["variable host_count"] * len(undefined)

    legend = _in(findings, "promql-legend-label", "tempo-operational.json")
    assert any(f.panel == "Spans Received" and "{{pod}}" in f.message for f in legend)

    window = _in(findings, "promql-interval-rate-window", "loki-operational.json")
    assert [f.panel for f in window] == ["Bad Words"]

    dropped = _in(findings, "alert-template-label-dropped", "jaeger/alerts.yaml")
    assert {(f.alert, f.message.split(":")[1].split()[0]) for f in dropped} >= {
        ("JaegerCollectorPersistenceSlow", "$labels.job")}

    assert len(_in(findings, "dashboard-uid-missing", "")) == 3
    assert _in(findings, "panel-id-duplicate", "loki-operational.json")
    # the name says "gauge", but without a type from a catalog only the info rule speaks
    assert not _in(findings, "promql-rate-non-counter", "apiserver.json")
    assert any("workqueue_depth" in f.message for f in _in(findings, "promql-rate-unsuffixed", "apiserver.json"))


def test_corpus_queries_with_variables_are_expanded(findings: list[Finding]) -> None:
    """Counter-examples: the unused/undefined rules see variables in every place Grafana does."""
    unused = {(Path(f.file or "").name, f.panel) for f in findings if f.rule == "template-variable-unused"}
    # data-source variables referenced as {"uid": "${datasource}"} count as used
    assert ("k8s-resources-pod.json", "variable datasource") not in unused
    assert ("linux-dashboard.json", "variable host_count") in unused
