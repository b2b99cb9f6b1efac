"""Test cases × translated rules → promtool runs → `CaseResult`s mapped back to the sources.

Each case runs in its own promtool invocation, so every failure promtool prints belongs to
exactly one case. Probes (see translate.py) are asserted at every evaluation up to the last
checked time: where one fires, Grafana and Prometheus would diverge, and the case is reported
as not testable from that time on instead of passing or failing on a wrong mirror.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from .limits import check_evaluations
from .model import CaseResult, Failure, Refusal, Report, RuleInfo, TestCase, Translation
from .promtool import PromtoolFailure, PromtoolUnexpected, find_promtool, run_promtool
from .series import parse_values
from .templates import NAME_LABEL
from .testfile import TestFileError, load_cases, test_files
from .translate import duration, seconds_of

LOOKBACK_S = 300  # Prometheus's lookback delta: an instant query sees a sample this long at most
#: promtool's error for input series it cannot read: a column in `series + " " + values`
_SERIES_PARSE_ERROR = re.compile(r"^\s*1:(?P<col>\d+): parse error: (?P<msg>.*)$", re.MULTILINE)


def load_project_cases(root: Path) -> list[TestCase]:
    cases: list[TestCase] = []
    for path in test_files(root):
        shown = os.path.relpath(path)  # as the rules' definition lines are shown: from the working directory
        cases.extend(load_cases(path, shown))
    return cases


def run_tests(rules: list[RuleInfo], cases: list[TestCase], promtool: str | None = None) -> Report:
    """Run every case; raises TestFileError for a case naming an unknown rule or a bad time."""
    by_uid = {r.uid: r for r in rules}
    for case in cases:
        if case.rule_uid not in by_uid:
            raise TestFileError(f"{case.file}:{case.line}: test {case.name!r} names rule {case.rule_uid!r}, which is "
                                f"not defined (rules: {', '.join(sorted(by_uid))})")
        outcome = by_uid[case.rule_uid].outcome
        if isinstance(outcome, Translation):  # before the first promtool run, not halfway through
            check_evaluations(case, outcome.interval_s)
    results = []
    binary = promtool
    for case in cases:
        rule = by_uid[case.rule_uid]
        if isinstance(rule.outcome, Refusal):
            results.append(CaseResult(case, rule, "not-testable", [Failure(None, str(rule.outcome))]))
            continue
        binary = binary or find_promtool()
        results.append(run_case(binary, case, rule, rule.outcome))
    return Report(results, rules)


def run_case(promtool: str, case: TestCase, rule: RuleInfo, tr: Translation) -> CaseResult:
    misnamed = _misnamed(case, rule, tr)
    if misnamed:
        return CaseResult(case, rule, "failed", misnamed)
    rules_doc, test_doc = promtool_files(case, rule, tr)
    run = run_promtool(promtool, rules_doc, test_doc)
    if not run.report:
        raise PromtoolUnexpected(f"{case.file}:{case.line}: test {case.name!r}: promtool ({promtool}) failed "
                                 f"unexpectedly ({run.status}): {run.first_line or 'it printed nothing'}; this is "
                                 "not a test result: check that `promtool --version` runs, then run gac test again")
    if run.ok:
        return CaseResult(case, rule, "passed")
    if run.errors:
        first = min(run.errors, key=lambda e: seconds_of(e.time))
        return CaseResult(case, rule, "not-testable", [Failure(
            first.time, f"not testable offline from {first.time}: the query failed ({first.error}): Grafana's "
            f"error state ({tr.exec_err_state}) applies, which Prometheus does not have")])
    if not run.failures:
        if _SERIES_PARSE_ERROR.search(run.output):
            raise TestFileError(_unreadable_series(promtool, case, rule, tr, run.output))
        return CaseResult(case, rule, "failed", [Failure(None, f"promtool failed: {run.output}")])
    return _result(case, rule, tr, run.failures)


def _misnamed(case: TestCase, rule: RuleInfo, tr: Translation) -> list[Failure]:
    """Expected alerts naming another alertname: promtool takes the name apart from the labels,
    so without this check a stale `alertname:` would be dropped and the test pass."""
    title = str(tr.rule["alert"])
    return [Failure(c.eval_time, f"at {c.eval_time} the test expects alertname {a.labels['alertname']!r}, but "
                                 f"rule {rule.uid}'s alerts are named {title!r} (its title)",
                    f"alertname={a.labels['alertname']}", f"alertname={title}")
            for c in case.checks for a in c.alerts if a.labels.get("alertname", title) != title]


def _unreadable_series(promtool: str, case: TestCase, rule: RuleInfo, tr: Translation, output: str) -> str:
    """promtool's parse error → the series it is about, found by running promtool on each alone
    (its error is a column in `series + " " + values` naming neither).

    gac checks the notation before running promtool; this covers what a newer or older
    promtool reads differently.
    """
    where = f"{case.file}:{case.line}: test {case.name!r}"
    for series, values in case.input_series.items():
        run = run_promtool(promtool, *promtool_files(replace(case, input_series={series: values}), rule, tr))
        found = _SERIES_PARSE_ERROR.search(run.output)
        if found:
            at = values[max(int(found["col"]) - len(series) - 2, 0):]
            return (f"{where}: promtool cannot read input series {series!r} (values {values!r}): {found['msg']}"
                    + (f" at {at!r}" if at and at != values else ""))
    said = "; ".join(m["msg"] for m in _SERIES_PARSE_ERROR.finditer(output))
    return f"{where}: promtool cannot read the input series: {said}"


def promtool_files(case: TestCase, rule: RuleInfo, tr: Translation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The promtool rule file and test file of one case."""
    interval = duration(tr.interval_s)
    keys = {k for c in case.checks for a in c.alerts for k in a.annotations}
    prom_rule = dict(tr.rule)
    prom_rule["annotations"] = {k: v for k, v in (tr.rule.get("annotations") or {}).items() if k in keys}
    if not prom_rule["annotations"]:
        del prom_rule["annotations"]
    missing = sorted(keys - set(tr.rule.get("annotations") or {}))
    if missing:
        raise TestFileError(f"{case.file}:{case.line}: test {case.name!r} asserts annotation(s) "
                            f"{', '.join(missing)}, which rule {rule.uid} ({rule.where}) does not have")
    rules_doc = {"groups": [{"name": rule.group, "interval": interval,
                             "rules": [prom_rule, *({"alert": p.alert, "expr": p.expr} for p in tr.probes)]}]}
    tests: list[dict[str, Any]] = []
    last = 0
    for check in case.checks:
        at = seconds_of(check.eval_time)
        if at % tr.interval_s:
            raise TestFileError(f"{case.file}:{case.line}: test {case.name!r}: at {check.eval_time} is not an "
                                f"evaluation of group {rule.group!r} (every {interval}): use a multiple of {interval}")
        last = max(last, at)
        tests.append({"eval_time": duration(at), "alertname": tr.rule["alert"],
                      "exp_alerts": [_expected(a.labels, a.annotations, tr) for a in check.alerts]})
    for step in range(0, last + 1, tr.interval_s):
        for probe in tr.probes:
            tests.append({"eval_time": duration(step), "alertname": probe.alert, "exp_alerts": []})
    series = [{"series": s, "values": v} for s, v in case.input_series.items()]
    test_doc = {"rule_files": ["rules.yaml"], "evaluation_interval": interval,
                "tests": [{"interval": case.interval or interval, "input_series": series, "alert_rule_test": tests}]}
    return rules_doc, test_doc


def _expected(labels: dict[str, str], annotations: dict[str, str], tr: Translation) -> dict[str, Any]:
    exp = {k: v for k, v in tr.fixed_labels.items() if k != "alertname"}
    exp |= {(NAME_LABEL if k == "__name__" else k): v for k, v in labels.items() if k != "alertname"}
    out: dict[str, Any] = {"exp_labels": exp}
    if annotations:
        out["exp_annotations"] = annotations
    return out


def _result(case: TestCase, rule: RuleInfo, tr: Translation, failures: list[PromtoolFailure]) -> CaseResult:
    reasons = {p.alert: p.reason for p in tr.probes}
    probe_hits = [f for f in failures if f.alertname in reasons]
    cutoff = min((seconds_of(f.time) for f in probe_hits), default=None)
    out = [Failure(f.time, f"{f.alertname}: alerts at {f.time} differ", _shown(f.expected), _shown(f.got))
           for f in failures if f.alertname not in reasons and (cutoff is None or seconds_of(f.time) < cutoff)]
    if cutoff is not None:
        # every probe firing first, in the order they are defined: several can fire at once
        first = {f.alertname: f for f in probe_hits if seconds_of(f.time) == cutoff}
        for hit in (first[p.alert] for p in tr.probes if p.alert in first):
            detail = f"; {_shown(hit.got)}" if hit.got and hit.got != "[]" else ""
            out.append(Failure(hit.time, f"not testable offline from {hit.time}: {reasons[hit.alertname]}{detail}"))
        ran_out = _data_ran_out(case, tr, cutoff)
        if ran_out:
            out.append(Failure(duration(cutoff), ran_out))
    return CaseResult(case, rule, "failed" if any(f.expected or f.got for f in out) else "not-testable", out)


def _data_ran_out(case: TestCase, tr: Translation, cutoff_s: int) -> str:
    """Why the query has no data at `cutoff_s`, when the cause is the test's input series running
    out (a frequent slip: `at: 30m` over two samples); empty when the series still run then, or
    end in `_` or `stale`, written to make the series go missing."""
    step = seconds_of(case.interval) if case.interval else tr.interval_s
    values = [parse_values(v) for v in case.input_series.values()]
    last_at = max(seconds_of(c.eval_time) for c in case.checks)
    fix = (f"give samples up to the last `at:` ({duration(last_at)}), one every {duration(step)} from 0s: "
           f"e.g. '0x{last_at // step}' (0, then {last_at // step} more)")
    if not values:
        return f"the test has no input series: {fix}"
    if any(v.last is None or v.samples != v.last + 1 for v in values):
        return ""
    end_s = max(v.samples - 1 for v in values) * step
    if cutoff_s <= end_s + LOOKBACK_S:
        return ""
    return (f"the input series end at {duration(end_s)} (the last sample) and an instant query looks back "
            f"{duration(LOOKBACK_S)} at most: from {duration(cutoff_s)} there is no data; {fix}")


def _shown(text: str) -> str:
    return text.replace(NAME_LABEL, "__name__")
