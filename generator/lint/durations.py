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
