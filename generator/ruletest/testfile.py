"""Test files (`alerts/tests/**/*.yaml`) → `TestCase`s, with the line of each case for reports.

The format follows promtool's (input series notation, eval times) but names a Grafana rule by
uid and asserts alerts as Grafana shows them: labels (with `__name__` when the query's series
have one), annotations rendered. A malformed file is a usage error (exit 2) naming the file,
the line, the case and what to write instead. Every mapping is closed: a misspelled key
(`alert:` for `alerts:`) would otherwise be read as "not given" and a test would pass while
checking nothing.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import promql_parser
import yaml

from ..config import yaml_error_parts
from ..errors import GacError, unreadable
from ..lint.promql_parse import PARSE_ERRORS, parse_as_written
from . import yamltext
from .limits import check_samples, counting_loader
from .model import Check, ExpectedAlert, TestCase
from .series import NOTATION, NotationError, parse_values
from .translate import seconds_of
from .yamltext import Mapping, Sequence, Text, line_of

TESTS_DIR = Path("alerts") / "tests"
#: test file extensions, compared in lower case (as `gac lint` compares its own)
SUFFIXES = (".yaml", ".yml")
EXAMPLE = ("tests:\n  - name: fires after 2m\n    rule: <rule uid>\n    input_series:\n"
           "      'up{job=\"x\"}': '1 0 0 0'\n    expect:\n      - at: 3m\n        alerts:\n"
           "          - labels: {job: x}\n            annotations: {summary: ...}")
FILE_KEYS = ("tests",)
CASE_KEYS = ("name", "rule", "interval", "input_series", "expect")
CHECK_KEYS = ("at", "alerts")
ALERT_KEYS = ("labels", "annotations")
#: promtool's names for what gac's test files call otherwise (a file written for promtool)
PROMTOOL_KEYS = {"alert_rule_test": "expect", "eval_time": "at", "exp_alerts": "alerts", "alertname": "rule",
                 "exp_labels": "labels", "exp_annotations": "annotations"}
#: promtool keys gac derives itself
DERIVED_KEYS = {"rule_files": "gac writes the rule file from the definitions",
                "evaluation_interval": "the rule group's interval is used",
                "group_eval_order": "each rule is tested alone"}

Where = Callable[[int], str]  # a line → "file:line: test 'name'"


class TestFileError(GacError):
    """A test file that cannot be read as test cases (exit 2)."""

    __test__ = False  # not a pytest class


def test_files(root: Path) -> list[Path]:
    """The YAML files below alerts/tests/, subfolders included (teams file tests by service), in
    the order of their paths; hidden files and folders are passed over (editors' and tools'
    leftovers). A symbolic link to a folder is followed (tests shared between repositories),
    once: a folder already read, met again through a link (a loop), is not read again. No
    alerts/tests/ means no tests; anything that would skip test files silently (a file where the
    folder should be, a folder that cannot be read) is an error instead: the run would pass on
    fewer tests."""
    folder = root / TESTS_DIR
    if not folder.is_dir():
        if folder.exists() or folder.is_symlink():
            shown = os.path.relpath(folder)
            raise TestFileError(f"{shown}: not a directory (a file or a broken link is in the way): gac test reads "
                                f"test files from the folder {shown}/ and its subfolders; make it a folder and "
                                f"move the tests into it, e.g. {shown}/<group>.yaml")
        return []

    def refused(exc: OSError) -> None:
        raise TestFileError(f"{os.path.relpath(exc.filename)}: cannot read this folder of tests "
                            f"({exc.strerror or exc}): give gac read access to it, or move the tests out")

    found: list[Path] = []
    read: set[str] = set()  # the real paths of the folders read
    for dirpath, dirnames, filenames in os.walk(folder, onerror=refused, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in read:
            dirnames[:] = []
            continue
        read.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / name for name in filenames
                     if not name.startswith(".") and name.lower().endswith(SUFFIXES))
    return sorted(found)


def load_cases(path: Path, shown: str) -> list[TestCase]:
    """The cases of one file; `shown` is how reports name the file."""
    try:
        data = yamltext.load(path.read_text(encoding="utf-8"), counting_loader(shown))
    except UnicodeDecodeError:
        raise TestFileError(f"{shown}: not a UTF-8 text file; save it as UTF-8 YAML") from None
    except OSError as exc:
        raise TestFileError(f"{shown}: cannot read test file: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:  # one line, without PyYAML's excerpt of the file
        where, what = yaml_error_parts(exc)
        raise TestFileError(f"{shown}{where}: cannot read test file: not valid YAML: {what}") from None
    except yamltext.ShapeError as exc:
        raise TestFileError(f"{shown}:{exc.line}: {exc}") from None
    except (ValueError, RecursionError) as exc:  # a number too long, a document too deep
        raise TestFileError(f"{shown}: cannot read test file: {unreadable(exc)}") from None
    if data is None:
        raise TestFileError(f"{shown}: the file is empty; a test file is a mapping with a `tests:` list, "
                            f"e.g.\n{EXAMPLE}")
    if not isinstance(data, Mapping) or not isinstance(data.get("tests"), Sequence):
        raise TestFileError(f"{shown}:{line_of(data, 1)}: expected a mapping with a `tests:` list, e.g.\n{EXAMPLE}")
    _closed(data, FILE_KEYS, lambda line: f"{shown}:{line}", "the file")
    tests: Sequence = data["tests"]
    cases = []
    for i, item in enumerate(tests):
        cases.append(_case(item, shown, line_of(item, tests.line), i))
        check_samples(cases[-1])
    return cases


def _closed(mapping: Mapping, keys: tuple[str, ...], where: Where, what: str) -> None:
    """Refuse a key not in `keys`, naming the closest valid one."""
    for key in mapping:
        if key in keys:
            continue
        if key in DERIVED_KEYS:
            hint = f": {DERIVED_KEYS[key]}; remove it"
        elif PROMTOOL_KEYS.get(key) in keys:
            hint = f"; did you mean {PROMTOOL_KEYS[key]!r}? (promtool's {key})"
        else:
            close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        raise TestFileError(f"{where(line_of(key, mapping.line))}: unknown key {str(key)!r} in {what}{hint} "
                            f"(keys: {', '.join(keys)})")


def _case(item: Any, file: str, line: int, index: int) -> TestCase:
    if not isinstance(item, Mapping):
        raise TestFileError(f"{file}:{line}: test #{index + 1} is not a mapping; e.g.\n{EXAMPLE}")
    if item.get("name") is not None and not isinstance(item["name"], Text):
        raise TestFileError(f"{file}:{line}: test #{index + 1}: `name:` must be a string, got {item['name']!r}")
    name = str(item.get("name") or f"test #{index + 1}")

    def where(at: int) -> str:
        return f"{file}:{at}: test {name!r}"

    _closed(item, CASE_KEYS, where, "a test")
    rule = item.get("rule")
    if not isinstance(rule, Text) or not rule:
        raise TestFileError(f"{where(line_of(rule, line))}: `rule:` must name the alert rule by uid")
    series = _input_series(item.get("input_series"), where, line)
    interval = item.get("interval")
    if interval is not None and _duration(interval, f"{where(line_of(interval, line))}: interval") <= 0:
        raise TestFileError(f"{where(interval.line)}: interval {str(interval)!r} must be longer than 0s")
    checks = item.get("expect")
    if not isinstance(checks, Sequence) or not checks:
        raise TestFileError(f"{where(line_of(checks, line))}: `expect:` must list at least one "
                            "{at: <time>, alerts: [...]}")
    parsed = tuple(_check(c, where, line_of(c, checks.line)) for c in checks)
    keys = {k for c in parsed for a in c.alerts for k in a.annotations}
    for c in parsed:
        for a in c.alerts:
            if set(a.annotations) != keys:
                raise TestFileError(f"{where(line)}: at {c.eval_time} an alert asserts annotations "
                                    f"{', '.join(sorted(a.annotations))} but the test asserts "
                                    f"{', '.join(sorted(keys))}: give the same annotations in every alert "
                                    "(promtool compares annotations whole; list none to check none)")
    return TestCase(file, line, name, str(rule), str(interval) if interval is not None else None, series, parsed)


def _input_series(series: Any, where: Where, line: int) -> dict[str, str]:
    """Series → values, each checked: promtool's own errors name no series and no test."""
    if series is None:
        return {}
    if not isinstance(series, Mapping):
        raise TestFileError(f"{where(line_of(series, line))}: `input_series:` maps a series to its values in "
                            "promtool notation, e.g. 'up{job=\"x\"}': '1 1 0 0'")
    seen: dict[tuple[tuple[str, str], ...], str] = {}
    for key, values in series.items():
        at = where(line_of(key, series.line))
        same = seen.setdefault(_series(key, at), key)
        if same != key:
            raise TestFileError(f"{at}: input series {str(key)!r} is {str(same)!r} again (same name and labels): "
                                "give each series once")
        if not isinstance(values, Text) or not values.strip():
            raise TestFileError(f"{at}: input series {str(key)!r} has no values; give its samples, "
                                "e.g. '1 1 0 0'")
        try:
            parse_values(values)
        except NotationError as exc:
            raise TestFileError(f"{at}: input series {str(key)!r}: values {str(values)!r}: {exc}. {NOTATION}") from None
    return {str(k): str(v) for k, v in series.items()}


def _series(text: str, where: str) -> tuple[tuple[str, str], ...]:
    """A series is a selector with equality matchers only; its label set (name included)."""
    try:
        parsed = parse_as_written(text)
    except PARSE_ERRORS as exc:
        raise TestFileError(f"{where}: input series {text!r} does not parse ({exc}); write it as "
                            "name{label=\"value\", ...}") from None
    selector = parsed if isinstance(parsed, promql_parser.VectorSelector) else None
    matchers = selector.matchers if selector else None
    if selector is None or matchers is None or selector.offset or selector.at or matchers.or_matchers or \
            any(str(m.op) != "MatchOp.Equal" for m in matchers.matchers):
        raise TestFileError(f"{where}: input series {text!r} is not a series such as up{{job=\"x\"}} "
                            "(a name and label=\"value\" pairs, no =~, != or offset)")
    labels = {m.name: m.value for m in matchers.matchers}
    if selector.name:
        labels["__name__"] = selector.name
    return tuple(sorted(labels.items()))


def _duration(text: Any, where: str) -> int:
    """A Prometheus duration as promtool reads one: with a unit (`5` alone is refused, `0` is 0s)."""
    try:
        if not isinstance(text, Text) or (text.isdigit() and int(text)):
            raise ValueError(text)
        return seconds_of(text)
    except ValueError:
        raise TestFileError(f"{where}: {text if text is None else str(text)!r} is not a duration such as "
                            "90s, 5m, 1h") from None


def _check(check: Any, where: Where, line: int) -> Check:
    if not isinstance(check, Mapping):
        raise TestFileError(f"{where(line)}: each `expect:` entry is {{at: <time>, alerts: [...]}}, got {check!r}")
    _closed(check, CHECK_KEYS, where, "an `expect:` entry")
    if "at" not in check:
        raise TestFileError(f"{where(line)}: an `expect:` entry has no `at:` (the evaluation time, e.g. at: 5m)")
    at = check["at"]
    _duration(at, f"{where(line_of(at, line))}: at")
    alerts = check.get("alerts")
    if not isinstance(alerts, Sequence):
        said = "has no `alerts:`" if "alerts" not in check else "`alerts:` is not a list"
        raise TestFileError(f"{where(line_of(alerts, line))}: at {str(at)}: {said}; list the alerts firing then, "
                            "or write `alerts: []` for none")
    return Check(str(at), tuple(_alert(a, where, line_of(a, alerts.line), str(at)) for a in alerts))


def _alert(alert: Any, where: Where, line: int, at: str) -> ExpectedAlert:
    shape = "an expected alert is {labels: {...}, annotations: {...}}"
    if not isinstance(alert, Mapping):
        raise TestFileError(f"{where(line)}: at {at}: {shape}, got {alert!r}")
    _closed(alert, ALERT_KEYS, where, f"an alert expected at {at} ({shape})")
    parts = []
    for part in ALERT_KEYS:
        values = alert.get(part, Mapping())
        if not isinstance(values, Mapping):
            raise TestFileError(f"{where(line_of(values, line))}: at {at}: {shape}; its `{part}:` is not a mapping "
                                "of names to strings, e.g. {job: x} (leave it out for none)")
        for key, value in values.items():
            if not isinstance(value, Text):
                got = "nothing (quote '' for an empty value)" if value is None else repr(value)
                raise TestFileError(f"{where(line_of(key, line))}: at {at}: {part[:-1]} {str(key)!r} must be a string, "
                                    f"got {got}")
        parts.append({str(k): str(v) for k, v in values.items()})
    return ExpectedAlert(parts[0], parts[1])
