"""Which metric names exist: for `promql-unknown-metric`, and metric types for the counter rules.

Three sources, merged:

* an exposition file (`--metrics-file`, what `curl collector:8889/metrics` returns): exact
  names and `# TYPE` metadata of what one scrape target exposes;
* a live Prometheus or Mimir (`--prometheus-url`): every name it stores
  (`/api/v1/label/__name__/values`) and the metadata it knows (`/api/v1/metadata`);
* the catalog shipped with gac (generator/catalog/otel.yaml): the OpenTelemetry Collector's
  own metrics and the HTTP/RPC/GenAI semantic-convention metrics as the collector's
  Prometheus exporter names them.

A user-given source is authoritative for every name. The shipped catalog alone only judges
names in the families it describes completely (otelcol_receiver_*, http_server_duration*,
gen_ai_client_*, ...), plus near misses under its prefixes: a third-party dashboard about
node_exporter or Kubernetes must not drown in findings about metrics gac never heard of.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

from ..errors import GacError

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog"

#: series kinds; "cumulative" covers counters and the _bucket/_sum/_count of histograms/summaries
COUNTER, GAUGE, CUMULATIVE, UNKNOWN = "counter", "gauge", "cumulative", "unknown"

_UNIT_SUFFIX = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds",
                "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "1": "ratio", "%": "percent",
                "min": "minutes", "h": "hours", "d": "days"}
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)")
_SYNTHETIC = frozenset({"ALERTS", "ALERTS_FOR_STATE"})


def prometheus_names(name: str, instrument: str, unit: str | None) -> dict[str, str]:
    """Series names (→ kind) the collector's Prometheus exporter writes for an OTel instrument."""
    base = name.replace(".", "_").replace("-", "_")
    suffix = _UNIT_SUFFIX.get(unit or "")
    if unit and unit.startswith("{"):
        suffix = None
    if suffix and not base.endswith("_" + suffix):
        base = f"{base}_{suffix}"
    if instrument == "counter":
        return {base if base.endswith("_total") else f"{base}_total": COUNTER}
    if instrument == "histogram":
        return {f"{base}_bucket": CUMULATIVE, f"{base}_sum": CUMULATIVE, f"{base}_count": CUMULATIVE}
    return {base: GAUGE}


@dataclass(frozen=True)
class ShippedSet:
    name: str
    families: tuple[str, ...]
    prefix: str | None
    typo_check: bool
    names: frozenset[str]


@dataclass
class Catalog:
    """Known series names and kinds, from user sources and the shipped catalog."""

    user_names: set[str] = field(default_factory=set)
    user_sources: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    shipped: tuple[ShippedSet, ...] = ()
    #: names defined by recording rules found while linting (always known)
    recorded: set[str] = field(default_factory=set)
    _verdicts: dict[str, bool] = field(default_factory=dict, repr=False)

    def add_recorded(self, names: Iterable[str]) -> None:
        """Names that recording rules define: known, whatever the other sources say."""
        self.recorded.update(names)
        self._verdicts.clear()

    def unknown(self, name: str) -> bool:
        """Whether `name` is judged and not known: what promql-unknown-metric reports (memoized)."""
        verdict = self._verdicts.get(name)
        if verdict is None:
            verdict = self._verdicts[name] = not self.is_known(name) and self.judged(name)
        return verdict

    @property
    def has_user_source(self) -> bool:
        return bool(self.user_sources)

    def kind(self, name: str) -> str | None:
        return self.kinds.get(name)

    def is_known(self, name: str) -> bool:
        if name in _SYNTHETIC or name in self.recorded or name in self.user_names:
            return True
        for s in self.shipped:
            if name in s.names:
                return True
        return False

    def judged(self, name: str) -> bool:
        """Whether this catalog can say that `name` does not exist."""
        if self.has_user_source:
            # recording-rule outputs (level:metric:op) never appear in an exposition file
            return not (":" in name and not self.user_names_include_recordings)
        for s in self.shipped:
            if name.startswith(s.families):
                return True
            if s.typo_check and s.prefix and name.startswith(s.prefix) and self.suggest(name, 0.9):
                return True
        return False

    @property
    def user_names_include_recordings(self) -> bool:
        return any(":" in n for n in self.user_names)

    def all_names(self) -> Iterable[str]:
        yield from self.user_names
        for s in self.shipped:
            yield from s.names

    def suggest(self, name: str, cutoff: float = 0.75) -> str | None:
        """The closest known name (`..._spans` → `..._spans_total`), if one is close enough."""
        return _suggest(name, tuple(sorted(set(self.all_names()))), cutoff)

    def source_text(self) -> str:
        parts = list(self.user_sources)
        if self.shipped:
            parts.append("the catalog shipped with gac")
        return ", ".join(parts) or "no catalog"


@lru_cache(maxsize=4096)
def _suggest(name: str, names: tuple[str, ...], cutoff: float) -> str | None:
    stem = re.sub(r"_(total|bucket|sum|count)$", "", name)
    for candidate in (f"{name}_total", f"{stem}_total", f"{stem}_bucket"):
        if candidate in names and candidate != name:
            return candidate
    close = difflib.get_close_matches(name, names, n=1, cutoff=cutoff)
    return close[0] if close else None


@lru_cache(maxsize=1)
def shipped_sets() -> tuple[ShippedSet, ...]:
    """The catalog files under generator/catalog/, loaded once."""
    sets: list[ShippedSet] = []
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("sets", []):
            names: dict[str, str] = {}
            for inst in entry.get("instruments", []) or []:
                names.update(prometheus_names(inst["name"], inst["instrument"], inst.get("unit")))
            for legacy, kind in (entry.get("legacy") or {}).items():
                names[legacy] = COUNTER if kind == "counter" else GAUGE
            sets.append(ShippedSet(entry["name"], tuple(entry.get("families", [])), entry.get("prefix"),
                                   bool(entry.get("typo_check")), frozenset(names)))
            _SHIPPED_KINDS.update(names)
    return tuple(sets)


_SHIPPED_KINDS: dict[str, str] = {}


def parse_exposition(text: str) -> dict[str, str]:
    """Series names → kinds from the Prometheus text format (or OpenMetrics)."""
    types: dict[str, str] = {}
    names: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = _SAMPLE.match(line + " ")
        if m:
            names[m.group(1)] = UNKNOWN
    for name in names:
        names[name] = _kind_from_types(name, types)
    return names


def _kind_from_types(name: str, types: dict[str, str]) -> str:
    if name in types:
        t = types[name]
        return COUNTER if t == "counter" else GAUGE if t in ("gauge", "summary") else UNKNOWN
    for suffix, kinds in (("_total", ("counter",)), ("_bucket", ("histogram", "gaugehistogram")),
                          ("_sum", ("histogram", "summary")), ("_count", ("histogram", "summary")),
                          ("_created", ("counter", "histogram", "summary"))):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in kinds:
            return COUNTER if suffix == "_total" else CUMULATIVE if suffix != "_created" else GAUGE
    return UNKNOWN


def load_metrics_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GacError(f"{path}: cannot read metrics file: {exc.strerror or exc}") from None
    names = parse_exposition(text)
    if not names:
        raise GacError(f"{path}: no samples found; expected the Prometheus exposition format "
                       "(what `curl http://collector:8889/metrics` returns)")
    return names


def load_prometheus(url: str, timeout: float = 15.0) -> dict[str, str]:
    """Names and kinds from a live Prometheus/Mimir query API."""
    import requests

    base = url.rstrip("/")
    try:
        resp = requests.get(f"{base}/api/v1/label/__name__/values", timeout=timeout)
        resp.raise_for_status()
        payload = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise GacError(f"cannot read metric names from {base}/api/v1/label/__name__/values: {exc}") from None
    if payload.get("status") != "success" or not isinstance(payload.get("data"), list):
        raise GacError(f"{base}: unexpected answer from /api/v1/label/__name__/values "
                       "(is this a Prometheus query API, not an exposition endpoint?)")
    names = {str(n): UNKNOWN for n in payload["data"]}
    try:
        meta = requests.get(f"{base}/api/v1/metadata", timeout=timeout).json().get("data") or {}
    except (requests.RequestException, ValueError, AttributeError):
        meta = {}
    types = {name: (entries[0] or {}).get("type", "") for name, entries in meta.items() if entries}
    for name in names:
        names[name] = _kind_from_types(name, types)
    return names


def build_catalog(metrics_files: Iterable[Path] = (), prometheus_url: str | None = None,
                  shipped: bool = True) -> Catalog:
    catalog = Catalog()
    if shipped:
        catalog.shipped = shipped_sets()
        catalog.kinds.update(_SHIPPED_KINDS)
    for path in metrics_files:
        names = load_metrics_file(Path(path))
        catalog.user_names.update(names)
        catalog.kinds.update({k: v for k, v in names.items() if v != UNKNOWN})
        catalog.user_sources.append(str(path))
    if prometheus_url:
        names = load_prometheus(prometheus_url)
        catalog.user_names.update(names)
        catalog.kinds.update({k: v for k, v in names.items() if v != UNKNOWN})
        catalog.user_sources.append(prometheus_url)
    return catalog
