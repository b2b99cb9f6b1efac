"""The data `gac test` passes between its stages: translations, refusals, test cases, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """Why a rule cannot be evaluated offline: shown per rule, and as the failure of its tests."""

    reason: str

    def __str__(self) -> str:
        return f"not testable offline: {self.reason}"


@dataclass(frozen=True)
class Probe:
    """An extra Prometheus alert that fires exactly where Grafana and Prometheus would diverge.

    Test cases expect it never to fire; when it does, the case is reported as not testable
    at that time (with `reason`), instead of passing or failing on a wrong mirror.
    """

    alert: str
    expr: str
    reason: str


@dataclass(frozen=True)
class Translation:
    """A Grafana rule as one Prometheus alerting rule (the `rules:` entry) plus its probes."""

    rule: dict[str, Any]
    probes: tuple[Probe, ...]
    interval_s: int
    #: labels every alert of the rule carries whatever the series (alertname, folder, rule labels)
    fixed_labels: dict[str, str]
    exec_err_state: str = "Error"


@dataclass(frozen=True)
class RuleInfo:
    """One compiled Grafana rule, where it was defined, and its translation or refusal."""

    uid: str
    title: str
    group: str
    folder_uid: str
    file: str | None
    line: int | None
    outcome: Translation | Refusal

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else (self.file or "?")


@dataclass(frozen=True)
class ExpectedAlert:
    labels: dict[str, str]
    annotations: dict[str, str]


@dataclass(frozen=True)
class Check:
    """At `eval_time`, exactly these alerts of the rule are firing."""

    eval_time: str
    alerts: tuple[ExpectedAlert, ...]


@dataclass(frozen=True)
class TestCase:
    """One test case of a test file: input series and the firing alerts expected over time."""

    __test__ = False  # not a pytest class

    file: str
    line: int
    name: str
    rule_uid: str
    interval: str | None
    input_series: dict[str, str]
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Failure:
    """One mismatch promtool reported, or a refusal that stopped the case."""

    eval_time: str | None
    message: str
    expected: str = ""
    got: str = ""


@dataclass
class CaseResult:
    """The outcome of one test case: passed, failed (with failures) or not testable."""

    case: TestCase
    rule: RuleInfo | None
    status: str  # "passed" | "failed" | "not-testable"
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Report:
    """Everything `gac test` found: per-case results and per-rule coverage."""

    results: list[CaseResult]
    rules: list[RuleInfo]

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if r.status != "passed"]

    def tested_uids(self) -> set[str]:
        return {r.case.rule_uid for r in self.results if r.status == "passed"}

    def untested(self) -> list[RuleInfo]:
        with_cases = {r.case.rule_uid for r in self.results}
        return [r for r in self.rules if r.uid not in with_cases and isinstance(r.outcome, Translation)]

    def refused(self) -> list[RuleInfo]:
        return [r for r in self.rules if isinstance(r.outcome, Refusal)]

    @property
    def coverage(self) -> float:
        """Percent of rules with at least one evaluated, passing test case."""
        if not self.rules:
            return 100.0
        covered = self.tested_uids() & {r.uid for r in self.rules}
        return 100.0 * len(covered) / len(self.rules)
