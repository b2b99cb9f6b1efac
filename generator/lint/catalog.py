"""Which metric names exist: for `promql-unknown-metric`, and metric types for the counter rules.

Three sources, merged:

* an exposition file (`--metrics-file`, what `curl collector:8889/metrics` returns): exact
  names and `# TYPE` metadata of what one scrape target exposes;
* a live Prometheus or Mimir (`--prometheus-url`): every name it stores
  (`/api/v1/label/__name__/values`) and the metadata it knows (`/api/v1/metadata`);
* the catalog shipped with gac (generator/catalog/otel.yaml): the OpenTelemetry Collector's
  own metrics and the HTTP/RPC/GenAI semantic-convention metrics, spelled as the declared
  collector version and exporter translation strategy write them (`LintConfig.collectors`).

A user-given source is authoritative for every name. The shipped catalog alone only judges
names in the families it describes completely (otelcol_receiver_*, http_server_duration*,
gen_ai_client_*, ...), plus near misses (one edit) of any name it knows: a third-party
dashboard about node_exporter or Kubernetes must not drown in findings about metrics gac never
heard of. When a name is another version's or strategy's spelling of a known metric, the
catalog says which spelling the declared collector expects (`Catalog.explain`).
"""

from __future__ import annotations

import difflib
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..errors import GacError
from ..network_errors import describe_failure
from ..urls import join_api_url, redact_url, url_problem
from .loaders import YAML_LOADER
from .config import TRANSLATION_STRATEGIES, CollectorSettings, parse_version
from .otel_naming import COUNTER, CUMULATIVE, GAUGE, INSTRUMENTS, UNKNOWN, Instrument, series

__all__ = ["COUNTER", "CUMULATIVE", "GAUGE", "UNKNOWN", "Catalog", "build_catalog", "parse_exposition",
           "shipped_names"]

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog"

#: a sample line's name: classic, or a Prometheus 3 UTF-8 name quoted inside the braces
_SAMPLE = re.compile(r'^(?:([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)|\{"((?:[^"\\]|\\.)*)")')
_SYNTHETIC = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
_OPEN = (0, 0), (999, 999)  # a version range without bounds


# -- the catalog file, as data ---------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    """One catalog instrument with the collector versions that have it."""

    key: str                       # "set name / instrument name / unit": identifies it across spellings
    instrument: Instrument
    versions: tuple[tuple[int, int], tuple[int, int]] = _OPEN


@dataclass(frozen=True)
class _Naming:
    """How the collector spells its own telemetry during a range of versions."""

    versions: tuple[tuple[int, int], tuple[int, int]]
    strategy: str

    @property
    def label(self) -> str:
        return f"collectors {_range_text(self.versions)}"


@dataclass(frozen=True)
class _Set:
    name: str
    by_collector: bool
    families: tuple[str, ...]
    entries: tuple[_Entry, ...]
    series: Mapping[str, str]


@dataclass(frozen=True)
class _File:
    naming: tuple[_Naming, ...]
    sets: tuple[_Set, ...]


def _bounds(item: Mapping[str, Any], where: str) -> tuple[tuple[int, int], tuple[int, int]]:
    low = parse_version(item["since"], where) if "since" in item else _OPEN[0]
    high = parse_version(item["until"], where) if "until" in item else _OPEN[1]
    return low, high


def _range_text(versions: tuple[tuple[int, int], tuple[int, int]]) -> str:
    low, high = (".".join(map(str, v)) for v in versions)
    if versions[0] == _OPEN[0]:
        return f"up to {high}"
    if versions[1] == _OPEN[1]:
        return f"from {low}"
    return f"{low}–{high}"


def _inside(version: tuple[int, int], versions: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    return versions[0] <= version <= versions[1]


@lru_cache(maxsize=1)
def _catalog_files() -> tuple[_File, ...]:
    """generator/catalog/*.yaml, parsed once; a broken file is gac's bug, said plainly."""
    files = []
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
        naming = tuple(_Naming(_bounds(n, str(path)), n["strategy"]) for n in data.get("collector_naming") or ())
        sets = []
        for raw in data.get("sets", []):
            entries = []
            for inst in raw.get("instruments") or ():
                if inst["instrument"] not in INSTRUMENTS:
                    raise GacError(f"{path}: {inst['name']}: instrument must be one of {', '.join(INSTRUMENTS)}")
                instrument = Instrument(inst["name"], inst["instrument"], str(inst.get("unit") or ""))
                entries.append(_Entry(f"{raw['name']}/{inst['name']}/{instrument.unit}", instrument,
                                      _bounds(inst, f"{path}: {inst['name']}")))
            series_kinds = {n: COUNTER if k == "counter" else GAUGE for n, k in (raw.get("series") or {}).items()}
            sets.append(_Set(raw["name"], raw.get("spelled_by") == "collector", tuple(raw.get("families") or ()),
                             tuple(entries), series_kinds))
        files.append(_File(naming, tuple(sets)))
    return tuple(files)


# -- the names one set of collector settings writes ------------------------------------------

@dataclass(frozen=True)
class _Spelling:
    """A series name some setting writes: which metric and series it is, and who writes it."""

    key: str
    role: str
    writer: str   # "collectors 0.120–0.152", "translation_strategy UnderscoreEscapingWithoutSuffixes"


@dataclass(frozen=True)
class ShippedNames:
    """The shipped catalog under given collector settings (the first one is quoted)."""

    kinds: Mapping[str, str]                          # names the settings write → kind
    families: tuple[str, ...]
    #: every spelling under every version and strategy → what it is
    spellings: Mapping[str, tuple[_Spelling, ...]]
    #: (key, role) → the name the first settings write; absent when that version lacks the metric
    expected: Mapping[tuple[str, str], str]
    #: key → the versions that have the metric (collector sets only)
    versions: Mapping[str, tuple[tuple[int, int], tuple[int, int]]]
    primary: CollectorSettings
    #: first letter → single-deletion variant → the spellings with that letter that have it;
    #: a letter's index is built the first time a name starting with it is asked about: most
    #: names (node_*, kube_*, container_*) start with a letter no spelling has, and build nothing
    _deletions: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict, repr=False, compare=False)

    def writer_of(self, by_collector: bool) -> str:
        if by_collector:
            return f"collector {self.primary.version_text}"
        return f"the Prometheus exporter with translation_strategy {self.primary.translation_strategy}"

    def near_miss(self, name: str) -> str | None:
        """A catalog spelling one edit away from `name` (insertion, deletion, substitution or
        swap of neighbours), same first letter: what a typo looks like, and rarely a different
        metric. Found through single-deletion variants, so the check costs a few lookups."""
        if len(name) < 10:
            return None
        index = self._deletions.get(name[0])
        if index is None:
            index = self._deletions[name[0]] = _deletion_index(sorted(k for k in self.spellings if k[0] == name[0]))
        if not index:
            return None
        for variant in _deletions(name):
            for known in index.get(variant, ()):
                if known != name and _one_edit(name, known):
                    return known
        return None


def _deletion_index(names: list[str]) -> dict[str, tuple[str, ...]]:
    """Each single-deletion variant (and the name itself) → the names that have it, in order."""
    index: dict[str, list[str]] = {}
    for known in names:
        for variant in _deletions(known):
            index.setdefault(variant, []).append(known)
    return {k: tuple(v) for k, v in index.items()}


def _deletions(name: str) -> list[str]:
    return [name] + [name[:i] + name[i + 1:] for i in range(len(name))]


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by one letter or digit inserted, deleted, replaced, or swapped
    with its neighbour. Separators do not count: `traces_spanmetrics_` and `traces_span_metrics_`
    are different namespaces (Tempo's and the spanmetrics connector's), not a typo."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if any(a[i] in _SEPARATORS or b[i] in _SEPARATORS for i in diff):
            return False
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[i] not in _SEPARATORS and long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


_SEPARATORS = frozenset("_.:")


def _settings_writers(entry: _Entry, by_collector: bool, naming: tuple[_Naming, ...],
                      settings: CollectorSettings) -> list[str]:
    """The strategies with which `settings` write this entry (none when that version lacks it)."""
    if not by_collector:
        return [settings.translation_strategy]
    if not _inside(settings.version, entry.versions):
        return []
    return [n.strategy for n in naming if _inside(settings.version, n.versions)]


@lru_cache(maxsize=16)
def shipped_names(settings: tuple[CollectorSettings, ...] = (CollectorSettings(),)) -> ShippedNames:
    """The shipped catalog under `settings`: what they write, and every other spelling known."""
    kinds: dict[str, str] = {}
    families: list[str] = []
    spellings: dict[str, list[_Spelling]] = {}
    expected: dict[tuple[str, str], str] = {}
    versions: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
    for file in _catalog_files():
        for s in file.sets:
            families.extend(s.families)
            for name, kind in s.series.items():
                kinds.setdefault(name, kind)
            for entry in s.entries:
                if s.by_collector:
                    versions[entry.key] = entry.versions
                    variants = [(n.strategy, n.label) for n in file.naming]
                else:
                    variants = [(t, f"translation_strategy {t}") for t in TRANSLATION_STRATEGIES]
                for strategy, label in variants:
                    for role, (name, _) in series(entry.instrument, strategy).items():
                        spellings.setdefault(name, []).append(_Spelling(entry.key, role, label))
                for i, one in enumerate(settings):
                    for strategy in _settings_writers(entry, s.by_collector, file.naming, one):
                        for role, (name, kind) in series(entry.instrument, strategy).items():
                            kinds.setdefault(name, kind)
                            if i == 0:
                                expected.setdefault((entry.key, role), name)
    return ShippedNames(kinds, tuple(dict.fromkeys(families)), {k: tuple(v) for k, v in spellings.items()},
                        expected, versions, settings[0])


# -- the merged catalog the rules ask -----------------------------------------------------------

@dataclass(frozen=True)
class Explanation:
    """What `Catalog.explain` says about a name the declared collector does not write."""

    why: str
    expected: str | None     # the spelling to use, when the declared collector has the metric
    other_setting: bool      # another version's/strategy's spelling (not a typo)


@dataclass
class Catalog:
    """Known series names and kinds, from user sources and the shipped catalog."""

    user_names: set[str] = field(default_factory=set)
    user_sources: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    shipped: ShippedNames | None = None
    #: names defined by recording rules found while linting (always known)
    recorded: set[str] = field(default_factory=set)
    _verdicts: dict[str, bool] = field(default_factory=dict, repr=False)
    #: the names `unknown` said no to: a query whose names are all here gives promql-unknown-metric
    #: nothing to say, which one set test proves at C speed (most queries, once their names are seen)
    cleared: set[str] = field(default_factory=set, repr=False)

    def add_recorded(self, names: Iterable[str]) -> None:
        """Names that recording rules define: known, whatever the other sources say."""
        self.recorded.update(names)
        self._verdicts.clear()
        self.cleared.clear()

    def unknown(self, name: str) -> bool:
        """Whether `name` is judged and not known: what promql-unknown-metric reports (memoized)."""
        verdict = self._verdicts.get(name)
        if verdict is None:
            verdict = self._verdicts[name] = not self.is_known(name) and self.judged(name)
            if not verdict:
                self.cleared.add(name)
        return verdict

    @property
    def has_user_source(self) -> bool:
        return bool(self.user_sources)

    def kind(self, name: str) -> str | None:
        """The series' kind where a source knows it (catalog, `# TYPE`, Prometheus metadata)."""
        return self.kinds.get(name)

    def is_known(self, name: str) -> bool:
        if name in _SYNTHETIC or name in self.recorded or name in self.user_names:
            return True
        return self.shipped is not None and name in self.shipped.kinds

    def judged(self, name: str) -> bool:
        """Whether this catalog can say that `name` does not exist."""
        if self.has_user_source:
            # recording-rule outputs (level:metric:op) never appear in an exposition file
            return not (":" in name and not self.user_names_include_recordings)
        if self.shipped is None:
            return False
        # UTF-8 names (http.server.duration_milliseconds_count) belong to the same families
        if name.replace(".", "_").startswith(self.shipped.families):
            return True
        return self.shipped.near_miss(name) is not None

    @property
    def user_names_include_recordings(self) -> bool:
        return any(":" in n for n in self.user_names)

    def all_names(self) -> Iterable[str]:
        yield from self.user_names
        if self.shipped is not None:
            yield from self.shipped.kinds

    def explain(self, name: str) -> "Explanation | None":
        """Why `name` is not written, when it is a known metric spelled for another collector
        version or translation strategy, or one edit away from a known spelling."""
        shipped = self.shipped
        if shipped is None:
            return None
        spelled = shipped.spellings.get(name)
        typo = None
        if not spelled:
            typo = shipped.near_miss(name)
            spelled = shipped.spellings.get(typo) if typo else None
        if not spelled:
            return None
        first = spelled[0]
        by_collector = first.key in shipped.versions
        writer = shipped.writer_of(by_collector)
        want = shipped.expected.get((first.key, first.role))
        if want is None:
            return Explanation(f"{writer} does not write this metric (it exists in collectors "
                               f"{_range_text(shipped.versions[first.key])})", None, True)
        if want == name:
            return None
        if typo is not None:
            return Explanation(f"{writer} writes {want}", want, False)
        return Explanation(f"{writer} writes {want}; {name} is the spelling of {_joined(spelled, first.key)}",
                           want, True)

    def suggest(self, name: str, cutoff: float = 0.75) -> str | None:
        """The closest known name (`..._spans` → `..._spans_total`), if one is close enough."""
        return _suggest(name, tuple(sorted(set(self.all_names()))), cutoff)

    def source_text(self) -> str:
        parts = list(self.user_sources)
        if self.shipped is not None:
            p = self.shipped.primary
            parts.append(f"the catalog shipped with gac (collector {p.version_text}, {p.translation_strategy})")
        return ", ".join(parts) or "no catalog"


def _joined(spelled: tuple[_Spelling, ...], key: str) -> str:
    """"collectors up to 0.119 and from 0.153", "translation_strategy A or B"."""
    writers = list(dict.fromkeys(s.writer for s in spelled if s.key == key))
    for prefix, sep in (("collectors ", " and "), ("translation_strategy ", " or ")):
        if all(w.startswith(prefix) for w in writers):
            return prefix + sep.join(w[len(prefix):] for w in writers)
    return ", ".join(writers)


@lru_cache(maxsize=4096)
def _suggest(name: str, names: tuple[str, ...], cutoff: float) -> str | None:
    stem = re.sub(r"_(total|bucket|sum|count)$", "", name)
    for candidate in (f"{name}_total", f"{stem}_total", f"{stem}_bucket"):
        if candidate in names and candidate != name:
            return candidate
    close = difflib.get_close_matches(name, names, n=1, cutoff=cutoff)
    return close[0] if close else None


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
                types[parts[2].strip('"')] = parts[3].strip()
            continue
        m = _SAMPLE.match(line + " ")
        if m:
            names[m.group(1) or m.group(2)] = UNKNOWN
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
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would be waited on for ever
            raise GacError(f"{path}: not a regular file; give --metrics-file a file saved from the /metrics endpoint")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GacError(f"{path}: cannot read metrics file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise GacError(f"{path}: not UTF-8 text; the exposition format is UTF-8 (save the /metrics output as it "
                       "comes)") from None
    names = parse_exposition(text)
    if not names:
        raise GacError(f"{path}: no samples found; expected the Prometheus exposition format "
                       "(what `curl http://collector:8889/metrics` returns)")
    return names


#: the query API's list of metric names (`/api/v1/metadata` then refines their kinds)
_NAMES_PATH = "/api/v1/label/__name__/values"


def load_prometheus(url: str, timeout: float = 15.0) -> dict[str, str]:
    """Names and kinds from a live Prometheus/Mimir query API.

    The URL may carry credentials (user:password, `?token=`): it is printed only through
    `redact_url`, and API paths go under its path, its query string kept a query string.
    """
    import requests

    shown = redact_url(str(url))
    problem = url_problem(str(url))
    if problem is not None:
        raise GacError(f"the Prometheus URL is not http(s)://host[:port][/path] (the URL of a Prometheus or Mimir "
                       f"query API): {problem}")
    try:
        resp = requests.get(join_api_url(str(url), _NAMES_PATH), timeout=timeout)
    except requests.RequestException as exc:
        raise GacError(f"cannot read metric names from Prometheus at {shown} (GET {_NAMES_PATH}): "
                       f"{describe_failure(exc)}") from None
    payload = _json_or_none(resp)
    data = payload.get("data") if isinstance(payload, dict) and payload.get("status") == "success" else None
    if resp.status_code in (401, 403):
        raise GacError(f"Prometheus at {shown} refused GET {_NAMES_PATH} (HTTP {resp.status_code}): give credentials "
                       "it accepts in the URL (http://user:password@host...; they are never printed)")
    if not resp.ok or not isinstance(data, list):
        answer = f"HTTP {resp.status_code}" + ("" if isinstance(payload, (dict, list)) else ", not JSON")
        raise GacError(f"{shown} answered GET {_NAMES_PATH} with {answer}, not a Prometheus query API answer "
                       '({"status": "success", "data": [...]}): give the URL of Prometheus (:9090) or '
                       "Mimir (/prometheus), not of an exposition endpoint or another server")
    names = {str(n): UNKNOWN for n in data}
    try:
        meta = _json_or_none(requests.get(join_api_url(str(url), "/api/v1/metadata"), timeout=timeout))
    except requests.RequestException:
        meta = None  # metadata only refines kinds: names alone still lint
    types = _metadata_types(meta)
    for name in names:
        names[name] = _kind_from_types(name, types)
    return names


def _json_or_none(resp: Any) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _metadata_types(answer: Any) -> dict[str, str]:
    """`/api/v1/metadata`'s `{"data": {name: [{"type": ...}]}}` as name -> type; anything else: none."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return {}
    return {str(name): str(entries[0]["type"]) for name, entries in data.items()
            if isinstance(entries, list) and entries and isinstance(entries[0], dict)
            and isinstance(entries[0].get("type"), str)}


def build_catalog(metrics_files: Iterable[Path] = (), prometheus_url: str | None = None,
                  shipped: bool = True,
                  collectors: tuple[CollectorSettings, ...] = (CollectorSettings(),)) -> Catalog:
    catalog = Catalog()
    if shipped:
        catalog.shipped = shipped_names(tuple(collectors) or (CollectorSettings(),))
        catalog.kinds.update(catalog.shipped.kinds)
    for path in metrics_files:
        names = load_metrics_file(Path(path))
        catalog.user_names.update(names)
        catalog.kinds.update({k: v for k, v in names.items() if v != UNKNOWN})
        catalog.user_sources.append(str(path))
    if prometheus_url:
        names = load_prometheus(prometheus_url)
        catalog.user_names.update(names)
        catalog.kinds.update({k: v for k, v in names.items() if v != UNKNOWN})
        catalog.user_sources.append(redact_url(prometheus_url))
    return catalog
