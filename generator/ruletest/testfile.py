"""Test files (`alerts/tests/*.yaml`) → `TestCase`s, with the line of each case for reports.

The format follows promtool's (input series notation, eval times) but names a Grafana rule by
uid and asserts alerts as Grafana shows them: labels (with `__name__` when the query's series
have one), annotations rendered. A malformed file is a usage error (exit 2) naming the file,
the case and what to write instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import promql_parser
import yaml

from ..errors import GacError
from .model import Check, ExpectedAlert, TestCase
from .translate import seconds_of

TESTS_DIR = Path("alerts") / "tests"
EXAMPLE = ("tests:\n  - name: fires after 2m\n    rule: <rule uid>\n    input_series:\n"
           "      'up{job=\"x\"}': '1 0 0 0'\n    expect:\n      - at: 3m\n        alerts:\n"
           "          - labels: {job: x}\n            annotations: {summary: ...}")


class TestFileError(GacError):
    """A test file that cannot be read as test cases (exit 2)."""


def test_files(root: Path) -> list[Path]:
    folder = root / TESTS_DIR
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []


def load_cases(path: Path, shown: str) -> list[TestCase]:
    """The cases of one file; `shown` is how reports name the file."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        raise TestFileError(f"{shown}: not a UTF-8 text file; save it as UTF-8 YAML") from None
    except (OSError, yaml.YAMLError) as exc:
        raise TestFileError(f"{shown}: cannot read test file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise TestFileError(f"{shown}: expected a mapping with a `tests:` list, e.g.\n{EXAMPLE}")
    lines = _item_lines(node)
    return [_case(item, shown, lines[i] if i < len(lines) else 1, i) for i, item in enumerate(data["tests"])]


def _item_lines(node: Any) -> list[int]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "tests" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def _case(item: Any, file: str, line: int, index: int) -> TestCase:
    where = f"{file}:{line}"
    if not isinstance(item, dict):
        raise TestFileError(f"{where}: test #{index + 1} is not a mapping; e.g.\n{EXAMPLE}")
    name = str(item.get("name") or f"test #{index + 1}")
    where = f"{where}: test {name!r}"
    unknown = sorted(set(item) - {"name", "rule", "interval", "input_series", "expect"})
    if unknown:
        raise TestFileError(f"{where}: unknown key(s) {', '.join(unknown)} (keys: name, rule, interval, "
                            "input_series, expect)")
    if not isinstance(item.get("rule"), str):
        raise TestFileError(f"{where}: `rule:` must name the alert rule by uid")
    series = item.get("input_series") or {}
    if not isinstance(series, dict) or not all(isinstance(v, (str, int, float)) for v in series.values()):
        raise TestFileError(f"{where}: `input_series:` maps a series to its values in promtool notation, "
                            "e.g. 'up{job=\"x\"}': '1 1 0 0'")
    for key in series:
        _series(str(key), where)
    interval = item.get("interval")
    if interval is not None:
        _duration(interval, f"{where}: interval")
    checks = item.get("expect")
    if not isinstance(checks, list) or not checks:
        raise TestFileError(f"{where}: `expect:` must list at least one {{at: <time>, alerts: [...]}}")
    parsed = tuple(_check(c, where) for c in checks)
    keys = {k for c in parsed for a in c.alerts for k in a.annotations}
    for c in parsed:
        for a in c.alerts:
            if set(a.annotations) != keys:
                raise TestFileError(f"{where}: at {c.eval_time} an alert asserts annotations "
                                    f"{', '.join(sorted(a.annotations))} but the test asserts "
                                    f"{', '.join(sorted(keys))}: give the same annotations in every alert "
                                    "(promtool compares annotations whole; list none to check none)")
    return TestCase(file, line, name, item["rule"], str(interval) if interval is not None else None,
                    {str(k): str(v) for k, v in series.items()}, parsed)


def _series(text: str, where: str) -> None:
    """A series is a selector with equality matchers: promtool's own error names no series."""
    try:
        parsed = promql_parser.parse(text)
    except ValueError as exc:
        raise TestFileError(f"{where}: input series {text!r} does not parse ({exc}); write it as "
                            "name{label=\"value\", ...}") from None
    if not isinstance(parsed, promql_parser.VectorSelector):
        raise TestFileError(f"{where}: input series {text!r} is not a series such as up{{job=\"x\"}}")


def _duration(text: Any, where: str) -> int:
    try:
        return seconds_of(str(text))
    except ValueError:
        raise TestFileError(f"{where}: {text!r} is not a duration such as 90s, 5m, 1h") from None


def _check(check: Any, where: str) -> Check:
    if not isinstance(check, dict) or "at" not in check or not isinstance(check.get("alerts", []), list):
        raise TestFileError(f"{where}: each `expect:` entry is {{at: <time>, alerts: [...]}}, got {check!r}")
    at = str(check["at"])
    _duration(at, f"{where}: at")
    alerts = []
    for alert in check.get("alerts") or []:
        if not isinstance(alert, dict) or set(alert) - {"labels", "annotations"} or \
                not all(isinstance(alert.get(k) or {}, dict) for k in ("labels", "annotations")):
            raise TestFileError(f"{where}: at {at}: an expected alert is {{labels: {{...}}, annotations: {{...}}}}, "
                                f"got {alert!r}")
        alerts.append(ExpectedAlert({str(k): str(v) for k, v in (alert.get("labels") or {}).items()},
                                    {str(k): str(v) for k, v in (alert.get("annotations") or {}).items()}))
    return Check(at, tuple(alerts))
