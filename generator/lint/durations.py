"""Durations as Grafana and Prometheus write them: Go style (`1m30s`) or integer seconds."""

from __future__ import annotations

import re

_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
         "d": 86400.0, "w": 604800.0, "y": 31536000.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)")


def seconds(value: object) -> float | None:
    """Seconds in a duration value, or None when it is not a duration (`"5x"`, `[]`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in ("", "0"):
        return 0.0
    if re.fullmatch(r"\d+", text):
        return float(text)
    pos = 0
    total = 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos > 0 else None


def format_seconds(value: float) -> str:
    value = int(value) if float(value).is_integer() else value
    if isinstance(value, int) and value % 3600 == 0 and value:
        return f"{value // 3600}h"
    if isinstance(value, int) and value % 60 == 0 and value:
        return f"{value // 60}m"
    return f"{value}s"


#: prometheus/common model.ParseDuration (also the PromQL parser's): each unit's nanoseconds, in
#: the order units must go in
_UNIT_NS = {"y": 365 * 86_400 * 10**9, "w": 7 * 86_400 * 10**9, "d": 86_400 * 10**9, "h": 3_600 * 10**9,
            "m": 60 * 10**9, "s": 10**9, "ms": 10**6}
_UNIT_ORDER = {unit: i for i, unit in enumerate(_UNIT_NS)}
#: the shape of a Prometheus duration (units in any order: ParseDuration then checks it)
PROMETHEUS_DURATION = re.compile(r"(?:[0-9]+(?:ms|[smhdwy]))+")
_DURATION_PART = re.compile(r"([0-9]+)(ms|[smhdwy])")


def duration_size_error(token: str) -> str | None:
    """What Prometheus refuses the duration `token` (`5m`, `1h30m`) with for its size, as
    model.ParseDuration does, part by part: a number beyond 64 bits, or a part or the sum
    beyond 2**63 - 1 ns (about 292 years). promql-parser wraps such a duration around, or takes
    it in. Other tokens, and durations whose syntax is wrong, are the parser's to judge: None."""
    if PROMETHEUS_DURATION.fullmatch(token) is None:
        return None
    total = 0
    last = -1
    for digits, unit in _DURATION_PART.findall(token):
        value = int(digits)
        if value >= 2**64:
            return f'not a valid duration string: "{token}"'
        if _UNIT_ORDER[unit] <= last:
            return None  # units out of order: the parser refuses the token
        last = _UNIT_ORDER[unit]
        if value > 2**63 // _UNIT_NS[unit]:
            return "duration out of range"
        total += value * _UNIT_NS[unit]
        if total > 2**63 - 1:
            return "duration out of range"
    return None


def prometheus_duration_error(text: str) -> str | None:
    """What model.ParseDuration says of `text` (a rule file's `for`, a group's `interval`) in
    Prometheus's words; None where it reads it: `0`, or number-unit parts with each unit at
    most once, from `y` down to `ms`, within 2**63 - 1 ns."""
    if text == "0":
        return None
    if text == "":
        return "empty duration string"
    units = [unit for _, unit in _DURATION_PART.findall(text)]
    if PROMETHEUS_DURATION.fullmatch(text) is None or \
            any(_UNIT_ORDER[a] >= _UNIT_ORDER[b] for a, b in zip(units, units[1:])):
        return f'not a valid duration string: "{text}"'
    return duration_size_error(text)


def prometheus_duration_is_zero(text: str) -> bool:
    """Whether a duration Prometheus reads (`prometheus_duration_error` is None) is zero."""
    return all(int(digits) == 0 for digits, _ in _DURATION_PART.findall(text))
