"""A `Report` as text, JSON or JUnit XML (strings; the command prints them).

Every failure names the test file and line and the rule's definition line, so a rule change
that breaks a test points at both places.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from .model import CaseResult, Report

FORMATS = ("text", "json", "junit")
#: characters XML 1.0 cannot hold, even escaped (`&#0;` is ill-formed too): C0 controls but tab,
#: line feed and carriage return; lone surrogates; U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(report: Report, fmt: str, coverage: bool = False, quiet: bool = False) -> str:
    """`quiet`: the text without the tests that passed (JSON and JUnit are for machines, and whole)."""
    if fmt == "json":
        return json.dumps(as_data(report), indent=2, sort_keys=True)
    if fmt == "junit":
        return junit(report)
    return text(report, coverage, quiet)


def _rule_where(result: CaseResult) -> str:
    return f"rule {result.case.rule_uid} ({result.rule.where})" if result.rule else f"rule {result.case.rule_uid}"


def text(report: Report, coverage: bool = False, quiet: bool = False) -> str:
    lines = []
    for r in report.results:
        if quiet and r.status == "passed":
            continue
        mark = {"passed": "ok  ", "failed": "FAIL", "not-testable": "SKIP"}[r.status]
        lines.append(f"{mark} {r.case.file}:{r.case.line}: {r.case.name} [{_rule_where(r)}]")
        for f in r.failures:
            lines.append(f"       {f.message}")
            if f.expected or f.got:
                lines.append(f"         expected: {f.expected}")
                lines.append(f"         got:      {f.got}")
    if coverage:
        lines += coverage_lines(report)
    passed = sum(r.status == "passed" for r in report.results)
    failed = sum(r.status == "failed" for r in report.results)
    untestable = sum(r.status == "not-testable" for r in report.results)
    lines.append(f"{len(report.results)} test(s): {passed} passed, {failed} failed, {untestable} not testable "
                 f"offline; rule coverage {report.coverage:.0f}% "
                 f"({len(report.tested_uids())} of {len(report.rules)} rules)")
    return "\n".join(lines)


def coverage_lines(report: Report) -> list[str]:
    lines = ["", "coverage:"]
    for rule in report.untested():
        lines.append(f"  no tests:      {rule.uid} ({rule.where})")
    for rule in report.refused():
        lines.append(f"  not testable:  {rule.uid} ({rule.where}): {rule.outcome}")
    if len(lines) == 2:
        lines.append("  every rule has tests")
    return lines


def as_data(report: Report) -> dict[str, Any]:
    return {
        "results": [{"file": r.case.file, "line": r.case.line, "name": r.case.name, "rule": r.case.rule_uid,
                     "rule_file": r.rule.file if r.rule else None, "rule_line": r.rule.line if r.rule else None,
                     "status": r.status,
                     "failures": [{"time": f.eval_time, "message": f.message, "expected": f.expected, "got": f.got}
                                  for f in r.failures]} for r in report.results],
        "coverage": {"percent": round(report.coverage, 1), "rules": len(report.rules),
                     "tested": sorted(report.tested_uids()),
                     "untested": [r.uid for r in report.untested()],
                     "not_testable": {r.uid: str(r.outcome) for r in report.refused()}},
    }


def xml_text(text: str) -> str:
    """`text` with the characters XML 1.0 forbids written as `\\x00`-style escapes: a test name
    or a label value may hold one (YAML's "\\x01"), and one such character makes the whole file
    unreadable to the CI system that reads it. ElementTree escapes `<`, `&` and quotes itself."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


def junit(report: Report) -> str:
    suite = ET.Element("testsuite", name="gac test", tests=str(len(report.results)),
                       failures=str(len(report.failed)),
                       errors="0", skipped="0")
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=xml_text(r.case.file), name=xml_text(r.case.name),
                             file=xml_text(r.case.file), line=str(r.case.line))
        if r.status == "passed":
            continue
        body = "\n".join(f"{f.message}\nexpected: {f.expected}\ngot: {f.got}" if f.expected or f.got else f.message
                         for f in r.failures)
        # a refused case fails the run too (nothing unevaluated passes); JUnit has no better element
        tag = "failure"
        ET.SubElement(case, tag, message=xml_text(f"{r.status}: {_rule_where(r)}")).text = xml_text(body)
    return ET.tostring(suite, encoding="unicode")
