"""Prometheus-style durations ("90s", "5m", "1h30m") to seconds."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def seconds(duration: str | int) -> int:
    """Whole seconds in `duration`; ValueError names the bad text."""
    if isinstance(duration, int):
        return duration
    text = duration.strip()
    parts = _PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {duration!r} (use e.g. '30s', '5m', '1h')")
    return int(sum(int(n) * _UNITS[u] for n, u in parts))
