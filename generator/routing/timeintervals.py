"""Alertmanager time intervals (Grafana's mute timings): validation, "is it active at t", "always".

The syntax is Alertmanager's `timeinterval` package: `times` (`HH:MM` start < end, end up to
24:00), `weekdays` (`monday:friday`, `saturday`), `days_of_month` (`1:5`, `-3:-1`), `months`
(`january:march`, `1:3`), `years` (`2024:2025`), `location` (an IANA zone). An interval holds
when every field it sets holds; a mute timing holds when any of its intervals does.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_TIME = re.compile(r"^([0-9]{2}):([0-9]{2})$")
_KEYS = ("times", "weekdays", "days_of_month", "months", "years", "location")


class IntervalError(ValueError):
    """A time interval Alertmanager would refuse."""


def _minutes(text: Any, field: str) -> int:
    found = _TIME.match(text) if isinstance(text, str) else None
    if not found:
        raise IntervalError(f"{field} {text!r} is not a time HH:MM")
    hours, minutes = int(found.group(1)), int(found.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise IntervalError(f"{field} {text!r} is not a time between 00:00 and 24:00")
    return hours * 60 + minutes


def _named(text: str, names: list[str], base: int, field: str) -> int:
    low = text.strip().lower()
    if low in names:
        return names.index(low) + base
    try:
        return int(low)
    except ValueError:
        raise IntervalError(f"{field}: {text!r} is not one of {', '.join(names)}") from None


def _ranges(values: Any, field: str, parse: Any, low: int, high: int) -> list[tuple[int, int]]:
    if not isinstance(values, list):
        raise IntervalError(f"{field} must be a list of ranges such as 'monday:friday'")
    out = []
    for item in values:
        if not isinstance(item, str) or not item.strip():
            raise IntervalError(f"{field}: {item!r} is not a range")
        parts = item.split(":")
        if len(parts) > 2:
            raise IntervalError(f"{field}: {item!r} has more than one ':'")
        start, end = parse(parts[0]), parse(parts[-1])
        for value in (start, end):
            if not low <= value <= high:
                raise IntervalError(f"{field}: {item!r} is outside {low}..{high}")
        if field != "days_of_month" and start > end:
            raise IntervalError(f"{field}: {item!r} starts after it ends")
        out.append((start, end))
    return out


@dataclass(frozen=True)
class Interval:
    """One parsed `time_intervals` entry; an empty field means "any"."""

    times: tuple[tuple[int, int], ...]
    weekdays: tuple[tuple[int, int], ...]
    days_of_month: tuple[tuple[int, int], ...]
    months: tuple[tuple[int, int], ...]
    years: tuple[tuple[int, int], ...]
    location: str | None

    def contains(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.location)) if self.location else moment.astimezone(dt.timezone.utc)
        minute = local.hour * 60 + local.minute
        if self.times and not any(s <= minute < e for s, e in self.times):
            return False
        weekday = (local.weekday() + 1) % 7  # Python: Monday=0; Alertmanager: Sunday=0
        if self.weekdays and not any(s <= weekday <= e for s, e in self.weekdays):
            return False
        if self.days_of_month and not any(_in_month_range(local, s, e) for s, e in self.days_of_month):
            return False
        if self.months and not any(s <= local.month <= e for s, e in self.months):
            return False
        if self.years and not any(s <= local.year <= e for s, e in self.years):
            return False
        return True

    def always(self) -> bool:
        """True when the interval holds at every moment (no field narrows it)."""
        return (_covers(self.times, 0, 1439, end_exclusive=True) and _covers(self.weekdays, 0, 6)
                and _covers(self.months, 1, 12) and not self.years
                and (not self.days_of_month or _covers(self.days_of_month, 1, 31)))


def _in_month_range(local: dt.datetime, start: int, end: int) -> bool:
    days = calendar.monthrange(local.year, local.month)[1]
    start = start if start > 0 else days + start + 1
    end = end if end > 0 else days + end + 1
    return start <= local.day <= min(end, days)


def _covers(ranges: tuple[tuple[int, int], ...], low: int, high: int, end_exclusive: bool = False) -> bool:
    if not ranges:
        return True
    covered: set[int] = set()
    for start, end in ranges:
        covered.update(range(start, end if end_exclusive else end + 1))
    return all(v in covered for v in range(low, high + 1))


def parse_interval(raw: Mapping[str, Any]) -> Interval:
    if not isinstance(raw, Mapping):
        raise IntervalError(f"a time interval must be a mapping, found {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise IntervalError(f"unknown key(s) {', '.join(unknown)} (valid: {', '.join(_KEYS)})")
    times = []
    for item in raw.get("times") or []:
        if not isinstance(item, Mapping):
            raise IntervalError(f"times: {item!r} is not {{start_time, end_time}}")
        start, end = _minutes(item.get("start_time"), "start_time"), _minutes(item.get("end_time"), "end_time")
        if start >= end:
            raise IntervalError(f"times: start {item.get('start_time')} is not before end {item.get('end_time')}")
        times.append((start, end))
    weekdays = _ranges(raw.get("weekdays") or [], "weekdays", lambda t: _named(t, WEEKDAYS, 0, "weekdays"), 0, 6)
    days = _ranges(raw.get("days_of_month") or [], "days_of_month", lambda t: int(t), -31, 31)
    if any(0 in pair for pair in days):
        raise IntervalError("days_of_month: 0 is not a day (use 1..31, or -1 for the last day)")
    months = _ranges(raw.get("months") or [], "months", lambda t: _named(t, MONTHS, 1, "months"), 1, 12)
    years = _ranges(raw.get("years") or [], "years", lambda t: int(t), 1, 9999)
    location = raw.get("location") or None
    if location is not None:
        try:
            ZoneInfo(str(location))
        except (ZoneInfoNotFoundError, ValueError):
            raise IntervalError(f"location {location!r} is not a time zone name (e.g. 'Europe/London')") from None
    return Interval(tuple(times), tuple(weekdays), tuple(days), tuple(months), tuple(years), location)


def parse_intervals(items: Any) -> list[Interval]:
    if not isinstance(items, list):
        raise IntervalError("time_intervals must be a list")
    return [parse_interval(item) for item in items]


def active(intervals: list[Interval], moment: dt.datetime) -> bool:
    return any(i.contains(moment) for i in intervals)


def always(intervals: list[Interval]) -> bool:
    """Holds at every moment: one unconstrained interval, or (checked by sampling a week every
    15 minutes) a union of intervals narrowed only by times and weekdays."""
    if any(i.always() for i in intervals):
        return True
    simple = [i for i in intervals if not (i.days_of_month or i.months or i.years)]
    if not simple:
        return False
    start = dt.datetime(2024, 1, 7, tzinfo=dt.timezone.utc)  # a Sunday
    return all(active(simple, start + dt.timedelta(minutes=15 * k)) for k in range(7 * 24 * 4 + 8 * 4))


def never(intervals: list[Interval]) -> bool:
    """An empty list of intervals holds never (an active-time interval that is never active)."""
    return not intervals
