"""Prometheus durations ("90s", "5m", "1h30m") in rule definitions, read by Prometheus's parser.

Grafana parses rule group intervals and query lookbacks as Prometheus durations, so
promql-parser's `parse_duration` (Prometheus's own rules) decides: what it rejects, Grafana
would reject at sync time, and the build should say so first.
"""

from __future__ import annotations

import re


#: zero in any unit: a valid `for` ("fire at once"), though the parser rejects it
_ZERO = re.compile(r"0|(0+(ms|s|m|h|d|w|y))+")
#: a number without a unit
_BARE_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def seconds(duration: str | int, allow_zero: bool = False) -> int:
    """Whole seconds in `duration`; ValueError names the bad text and shows good ones.

    Zero is rejected unless `allow_zero` (as the parser does): a zero interval or lookback is
    always a mistake, a zero pending period is not.
    """
    if isinstance(duration, int) and not isinstance(duration, bool):
        return duration
    if not isinstance(duration, str):
        raise ValueError(f"not a duration: {duration!r} (use a string such as '30s', '5m', '1h')")
    if allow_zero and _ZERO.fullmatch(duration.strip()):
        return 0
    if _BARE_NUMBER.fullmatch(duration.strip()) and not _ZERO.fullmatch(duration.strip()):
        # promql-parser reads it as seconds; Grafana and Alertmanager read durations with
        # prometheus/common's model.ParseDuration, which refuses a number without its unit
        text = duration.strip()
        example = f"'{text}s', " if text.isdigit() else ""
        raise ValueError(f"not a duration: {duration!r} has no unit (write e.g. {example}'90s', '5m', '1h')")
    try:
        from ..lint.promql_parse import parse_duration  # here: the lint package imports the builders
        delta = parse_duration(duration.strip())
    except ValueError as exc:
        raise ValueError(f"not a duration: {duration!r} ({exc}; use e.g. '30s', '5m', '1h')") from None
    return int(delta.total_seconds())
