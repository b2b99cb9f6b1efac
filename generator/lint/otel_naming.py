"""How an OpenTelemetry metric is spelled in Prometheus, per translation strategy.

Why derive rather than list: one OTel metric (`http.server.request.duration`, histogram,
unit `s`) has a different Prometheus name under each of the Prometheus exporter's
`translation_strategy` values and under each era of the collector's own telemetry, and a
hand-written list of every spelling drifts. The rules below follow prometheus/otlptranslator
(`metric_namer.go`, `unit_namer.go`), which the collector-contrib `prometheus` exporter and
OpenTelemetry Go's Prometheus exporter use:

* `UnderscoreEscapingWithSuffixes` (the default): every character outside `[a-zA-Z0-9:]`
  separates tokens joined by `_`; the unit is appended unless a token already is the unit
  (`s` → `seconds`, `By` → `bytes`, `{spans}` → nothing, `By/s` → `bytes_per_second`);
  monotonic sums get `_total` (an existing `total` token moves to the end); gauges with
  unit `1` get `_ratio`;
* `UnderscoreEscapingWithoutSuffixes`: the same escaping, no unit or type suffix;
* `NoUTF8EscapingWithSuffixes`: the name keeps its dots (Prometheus 3 UTF-8 names, written
  `{"http.server.request.duration_seconds_bucket"}` in PromQL), suffixes as the default;
* `NoTranslation`: the name as the instrument has it.

Histograms are exposed as `_bucket`, `_sum` and `_count` series under every strategy: those
are the exposition format's series, not name suffixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .config import DEFAULT_STRATEGY, TRANSLATION_STRATEGIES

#: series kinds; "cumulative" covers counters and the _bucket/_sum/_count of histograms/summaries
COUNTER, GAUGE, CUMULATIVE, UNKNOWN = "counter", "gauge", "cumulative", "unknown"

#: OTel instrument kinds the catalog uses (updowncounter: a non-monotonic sum, exposed as a gauge)
INSTRUMENTS = ("counter", "updowncounter", "gauge", "histogram")

# otlptranslator's unitMap and perUnitMap
_UNITS = {"d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds",
          "us": "microseconds", "ns": "nanoseconds", "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes",
          "GiBy": "gibibytes", "TiBy": "tibibytes", "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes",
          "TBy": "terabytes", "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts",
          "g": "grams", "Cel": "celsius", "Hz": "hertz", "1": "", "%": "percent"}
_PER_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}
_TOKEN_SPLIT = re.compile(r"[^a-zA-Z0-9:]+")
_ESCAPE_SPLIT = re.compile(r"[^a-zA-Z0-9:_]+")
_INVALID = re.compile(r"[^a-zA-Z0-9:]")


@dataclass(frozen=True)
class Instrument:
    """An OTel metric as its semantic convention (or the collector's metadata.yaml) defines it."""

    name: str
    instrument: str
    unit: str = ""


def series(inst: Instrument, strategy: str = DEFAULT_STRATEGY) -> dict[str, tuple[str, str]]:
    """role → (Prometheus series name, kind) for one instrument under one strategy.

    Roles (`value`, or `bucket`/`sum`/`count` for histograms) let a caller map a name spelled
    under one strategy to the same series under another."""
    if strategy not in TRANSLATION_STRATEGIES:
        raise ValueError(f"unknown translation strategy {strategy!r}")
    base = metric_name(inst, strategy)
    if inst.instrument == "histogram":
        return {part: (f"{base}_{part}", CUMULATIVE) for part in ("bucket", "sum", "count")}
    return {"value": (base, COUNTER if inst.instrument == "counter" else GAUGE)}


def metric_name(inst: Instrument, strategy: str) -> str:
    """The metric family name the exporter writes (before histogram series suffixes)."""
    escape = strategy.startswith("UnderscoreEscaping")
    suffixes = strategy.endswith("WithSuffixes")
    if escape and suffixes:
        return _escaped_with_suffixes(inst)
    if escape:
        name = "_".join(t for t in _ESCAPE_SPLIT.split(inst.name) if t)
        return f"_{name}" if name[:1].isdigit() else name
    if suffixes:
        return _utf8_with_suffixes(inst)
    return inst.name


def _unit_suffixes(unit: str) -> tuple[str, str]:
    """(main, per) unit words: `ms` → ("milliseconds", ""), `By/s` → ("bytes", "per_second");
    annotations in braces (`{spans}`) are no unit."""
    main, _, per = unit.partition("/")
    main, per = main.strip(), per.strip()
    main_word = _UNITS.get(main, main) if main and not any(c in main for c in "{}") else ""
    per_word = ""
    if per and not any(c in per for c in "{}"):
        per_word = "per_" + _PER_UNITS.get(per, per)
    return main_word, per_word


def _clean_unit(unit: str) -> str:
    return re.sub(r"__+", "_", _INVALID.sub("_", unit)).lstrip("_")


def _escaped_with_suffixes(inst: Instrument) -> str:
    tokens = [t for t in _TOKEN_SPLIT.split(inst.name) if t]
    main, per = (_clean_unit(u) for u in _unit_suffixes(inst.unit))
    if main in tokens:
        main = ""
    per = "" if per == "per_" else per.rstrip("_")
    if per in tokens:
        per = ""
    if per:
        main = main.rstrip("_")
    tokens += [u for u in (main, per) if u]
    if inst.instrument == "counter":
        tokens = [t for t in tokens if t != "total"] + ["total"]
    if inst.unit == "1" and inst.instrument == "gauge":
        tokens = [t for t in tokens if t != "ratio"] + ["ratio"]
    name = "_".join(tokens)
    return f"_{name}" if name[:1].isdigit() else name


def _trim(name: str, suffix: str) -> str:
    return name[: -(len(suffix) + 1)] if name.endswith(suffix) and len(name) > len(suffix) + 1 else name


def _utf8_with_suffixes(inst: Instrument) -> str:
    name = inst.name
    tail: list[str] = []
    if inst.unit == "1" and inst.instrument == "gauge":
        name = _trim(name, "ratio")
        tail.insert(0, "ratio")
    if inst.instrument == "counter":
        name = _trim(name, "total")
        tail.insert(0, "total")
    main, per = _unit_suffixes(inst.unit)
    if per:
        name = _trim(name, per)
        tail.insert(0, per)
    if main and not name.endswith(main):
        name = f"{name}_{main}"
    return "_".join([name, *tail])
