"""`LintConfig`: the `lint:` section of grafana.yaml, plus what command-line options add.

Shape (every key optional):

    lint:
      rules:                      # per rule: off | error | warning | info | {severity: ..., enabled: ...}
        panel-unit-missing: off
        promql-counter-raw: error
      datasources:                # data sources that exist outside this repository
        loki-ops: loki            #   uid: type
        - {uid: mimir, type: prometheus, name: Mimir}
      catalog:
        shipped: true             # OpenTelemetry metric names shipped with gac (see generator/catalog/)
        metrics_files: [ops/collector-metrics.prom]   # exposition files (curl collector:8889/metrics)
        prometheus_url: http://prometheus:9090         # live names from /api/v1/label/__name__/values
      alerts:
        required_labels: [severity]
        required_annotations: [summary]
      ignore:                     # known, accepted findings: a rule, narrowed by file/dashboard/panel/alert
        - {rule: panel-unit-missing, dashboard: legacy-overview}

The collector the metrics come from is declared outside `lint:`, at the top level of
grafana.yaml and per environment (`collector: {version: "0.153", translation_strategy: ...}`):
it decides how metric names are spelled (see generator/catalog/otel.yaml), and an environment
inherits what it does not say from the top level. `LintConfig.for_project` reads both.

Unknown keys and unknown rule ids are configuration errors (exit 2): a typo must not
silently switch a rule back on in CI, nor make an `ignore` entry silence nothing. Keys are checked
here; rule ids are checked by the engine (`LintConfig.check_rule_ids`), the one place where the
registry is known to be complete, so this module does not depend on the rules. An ignore entry must
name its rule: without one it matched every finding, a query that does not parse included.
"""

from __future__ import annotations

import difflib
import fnmatch
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..config import DeclaredDatasource, declared_datasources, setting_text, yaml_kind
from ..errors import ConfigError
from ..urls import url_problem
from .finding import SEVERITIES, Finding

#: the Prometheus exporter's `translation_strategy` values, the default first
TRANSLATION_STRATEGIES = ("UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes",
                          "NoUTF8EscapingWithSuffixes", "NoTranslation")
DEFAULT_STRATEGY = TRANSLATION_STRATEGIES[0]
#: the strategies that write names with dots (`http.server.request.duration`): only a backend that
#: takes UTF-8 metric names (Prometheus 3, Mimir with UTF-8 validation) ingests what they write
UTF8_STRATEGIES = ("NoUTF8EscapingWithSuffixes", "NoTranslation")
#: what this project's own stack runs (deploy/): the default when grafana.yaml says nothing
DEFAULT_COLLECTOR_VERSION = (0, 146)

_OFF = {"off", "disable", "disabled", "false", "no", "none"}
_TOP_KEYS = {"rules", "datasources", "catalog", "alerts", "ignore", "notifications"}


@dataclass(frozen=True)
class IgnoreEntry:
    """Suppresses findings of `rule` that match every other field given (file is a glob)."""

    rule: str
    file: str | None = None
    dashboard: str | None = None
    panel: str | None = None
    alert: str | None = None

    def matches(self, f: Finding) -> bool:
        if self.rule != f.rule:
            return False
        if self.file and not (f.file and fnmatch.fnmatch(f.file, self.file)):
            return False
        return all(getattr(self, k) is None or getattr(self, k) == getattr(f, k)
                   for k in ("dashboard", "panel", "alert"))


@dataclass(frozen=True)
class CollectorSettings:
    """Which collector writes the metrics, and how its Prometheus exporter translates names."""

    version: tuple[int, int] = DEFAULT_COLLECTOR_VERSION
    translation_strategy: str = DEFAULT_STRATEGY

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def utf8_names(self) -> bool:
        """Whether its exporter writes UTF-8 metric names, which only a UTF-8 backend ingests."""
        return self.translation_strategy in UTF8_STRATEGIES

    @classmethod
    def from_mapping(cls, data: Any, where: str, base: "CollectorSettings | None" = None) -> "CollectorSettings":
        """`collector: {version, translation_strategy}`; what is not said comes from `base`."""
        base = base or cls()
        if data is None:
            return base
        data = _mapping(data, where)
        unknown = set(data) - {"version", "translation_strategy"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                              "(known: translation_strategy, version)")
        version = base.version
        if data.get("version") is not None:
            version = parse_version(data["version"], f"{where}.version")
        strategy = data.get("translation_strategy", base.translation_strategy)
        if strategy not in TRANSLATION_STRATEGIES:
            close = difflib.get_close_matches(str(strategy), TRANSLATION_STRATEGIES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{where}.translation_strategy: {strategy!r} is not one of "
                              f"{', '.join(TRANSLATION_STRATEGIES)}{hint}")
        return cls(version, str(strategy))


def parse_version(value: Any, where: str) -> tuple[int, int]:
    """`0.146`, `0.146.1` or `v0.146` → (0, 146); patch releases do not rename metrics."""
    parts = str(value).strip().lstrip("v").split(".")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ConfigError(f"{where}: {value!r} is not a collector version such as 0.146 or 0.146.0")
    return int(parts[0]), int(parts[1])


def collector_settings(project: Mapping[str, Any], env: str | None = None) -> tuple[CollectorSettings, ...]:
    """The collector settings lint judges metric names by: the chosen environment's (over the top
    level's), or without `env` every environment's (and the top level's, when grafana.yaml sets it,
    first), so a name that one environment's collector writes is not reported as unknown."""
    top = CollectorSettings.from_mapping(project.get("collector"), "collector")
    envs = project.get("environments")
    if not isinstance(envs, Mapping) or not envs or (env is not None and env not in envs):
        return (top,)
    out: list[CollectorSettings] = [top] if env is None and project.get("collector") is not None else []
    for name in ([env] if env is not None else sorted(envs)):
        body = envs.get(name)
        section = body.get("collector") if isinstance(body, Mapping) else None
        settings = CollectorSettings.from_mapping(section, f"environments.{name}.collector", top)
        if settings not in out:
            out.append(settings)
    return tuple(out)


@dataclass(frozen=True)
class LintConfig:
    disabled: frozenset[str] = frozenset()
    severities: Mapping[str, str] = field(default_factory=dict)
    datasources: Mapping[str, DeclaredDatasource] = field(default_factory=dict)
    #: notification names managed outside the repository (`lint.notifications`)
    notifications: Mapping[str, Any] = field(default_factory=dict)
    catalog_shipped: bool = True
    metrics_files: tuple[Path, ...] = ()
    #: (grafana.yaml key, resolved path) of each file `lint.catalog.metrics_files` names, for its errors
    declared_metrics_files: tuple[tuple[str, Path], ...] = ()
    prometheus_url: str | None = None
    required_labels: tuple[str, ...] = ("severity",)
    required_annotations: tuple[str, ...] = ("summary",)
    ignore: tuple[IgnoreEntry, ...] = ()
    #: every rule id the `rules:` mapping names, checked against the registry by the engine
    rule_ids: frozenset[str] = frozenset()
    #: the collectors whose metric spellings are accepted; the first is the one messages quote
    collectors: tuple[CollectorSettings, ...] = (CollectorSettings(),)

    @classmethod
    def for_project(cls, project: Mapping[str, Any], base_dir: Path | None = None,
                    env: str | None = None) -> "LintConfig":
        """From a whole grafana.yaml: its `lint:` section plus the collector settings (top level
        and environments; `env` selects one environment)."""
        lint = project.get("lint") or {}
        if not isinstance(lint, Mapping):
            raise ConfigError("lint: expected a mapping")
        return replace(cls.from_mapping(lint, base_dir), collectors=collector_settings(project, env))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, base_dir: Path | None = None) -> "LintConfig":
        """Validate and build from grafana.yaml's `lint:` mapping; relative paths are taken
        from `base_dir` (the directory of grafana.yaml)."""
        data = dict(data or {})
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise ConfigError(f"lint: unknown key(s) {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(sorted(_TOP_KEYS))})")
        disabled: set[str] = set()
        severities: dict[str, str] = {}
        rules = _mapping(data.get("rules"), "lint.rules")
        for rule_id, setting in rules.items():
            enabled, severity = _rule_setting(str(rule_id), setting)
            if not enabled:
                disabled.add(str(rule_id))
            if severity:
                severities[str(rule_id)] = severity
        catalog = _mapping(data.get("catalog"), "lint.catalog")
        _known_keys(catalog, "lint.catalog", ("shipped", "metrics_files", "prometheus_url"))
        files = catalog.get("metrics_files")
        bare = isinstance(files, str)
        files = [files] if bare else files  # one file may be given without a list
        base = base_dir or Path(".")
        paths = tuple(p if p.is_absolute() else base / p for p in map(Path, _strings(
            files, "lint.catalog.metrics_files", "exposition files, e.g. [ops/collector-metrics.prom]")))
        alerts = _mapping(data.get("alerts"), "lint.alerts")
        _known_keys(alerts, "lint.alerts", ("required_labels", "required_annotations"))
        return cls(
            disabled=frozenset(disabled),
            severities=severities,
            datasources=declared_datasources(data.get("datasources")),
            notifications=_notifications(data.get("notifications")),
            catalog_shipped=_boolean(catalog, "shipped", "lint.catalog", True),
            metrics_files=paths,
            declared_metrics_files=tuple(("lint.catalog.metrics_files" + ("" if bare else f"[{i}]"), path)
                                         for i, path in enumerate(paths)),
            prometheus_url=_url(catalog.get("prometheus_url"), "lint.catalog.prometheus_url"),
            required_labels=_strings(alerts.get("required_labels", ("severity",)), "lint.alerts.required_labels",
                                     "label names, e.g. [severity, team]"),
            required_annotations=_strings(alerts.get("required_annotations", ("summary",)),
                                          "lint.alerts.required_annotations", "annotation names, e.g. [summary]"),
            ignore=tuple(_ignore(data.get("ignore"))),
            rule_ids=frozenset(str(rule_id) for rule_id in rules),
        )

    def check_rule_ids(self, known: Iterable[str]) -> None:
        """Raise ConfigError for a rule id that is not in `known` (the complete registry),
        suggesting the closest known id: a typo must not leave a rule switched on."""
        ids = sorted(known)
        named = [("lint.rules", rule_id) for rule_id in sorted(self.rule_ids)]
        named += [(f"lint.ignore[{i}].rule", entry.rule) for i, entry in enumerate(self.ignore)]
        for where, rule_id in named:
            if rule_id not in ids:
                close = difflib.get_close_matches(rule_id, ids, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else " (gac lint --list-rules lists them)"
                raise ConfigError(f"{where}: unknown rule {rule_id!r}{hint}")

    def check_metrics_files(self) -> None:
        """Raise ConfigError for a file of `lint.catalog.metrics_files` that cannot be read, naming its key
        and where its path led: read later, by the catalog, the error named only the path, and a relative
        path did not say it was taken from grafana.yaml's directory. (What is in the file is the catalog's
        to judge.)"""
        for where, path in self.declared_metrics_files:
            try:
                if not stat.S_ISREG(path.stat().st_mode):  # not opened: a FIFO would be waited on for ever
                    raise ConfigError(f"{where}: {path} is not a regular file; give the path of a file saved "
                                      "from the collector (curl http://collector:8889/metrics), relative to "
                                      "grafana.yaml's directory, or remove the entry")
                path.open("rb").close()
            except OSError as exc:
                raise ConfigError(f"{where}: cannot read metrics file {path}: {exc.strerror or exc} (a relative "
                                  "path is taken from grafana.yaml's directory); fix the path, save the collector's "
                                  "metrics there (curl http://collector:8889/metrics), or remove the entry") from None

    def severity_of(self, rule_id: str, default: str) -> str | None:
        """The effective severity, or None when the rule is disabled."""
        if rule_id in self.disabled:
            return None
        return self.severities.get(rule_id, default)

    def with_options(self, *, datasources: Mapping[str, str] | None = None,
                     metrics_files: tuple[Path, ...] = (), prometheus_url: str | None = None) -> "LintConfig":
        """A copy with command-line additions (`--datasource`, `--metrics-file`, `--prometheus-url`)."""
        declared = dict(self.datasources)
        for uid, ds_type in (datasources or {}).items():
            declared[uid] = DeclaredDatasource(uid, ds_type)
        return replace(self, datasources=declared, metrics_files=self.metrics_files + tuple(metrics_files),
                       prometheus_url=prometheus_url or self.prometheus_url)

    def is_ignored(self, finding: Finding) -> bool:
        return any(entry.matches(finding) for entry in self.ignore)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping, found {yaml_kind(value)}")
    return dict(value)


def _rule_setting(rule_id: str, setting: Any) -> tuple[bool, str | None]:
    if setting is False or setting is None:
        return False, None
    if setting is True:
        return True, None
    if isinstance(setting, str):
        low = setting.strip().lower()
        if low in _OFF:
            return False, None
        if low in ("on", "enable", "enabled"):
            return True, None
        if low in SEVERITIES:
            return True, low
        raise ConfigError(f"lint.rules.{rule_id}: {setting!r} is not off or one of {', '.join(SEVERITIES)}")
    if isinstance(setting, Mapping):
        unknown = set(setting) - {"severity", "enabled"}
        if unknown:
            raise ConfigError(f"lint.rules.{rule_id}: unknown key(s) {', '.join(sorted(unknown))}")
        severity = setting.get("severity")
        if severity is not None and (not isinstance(severity, str) or severity not in SEVERITIES):
            raise ConfigError(f"lint.rules.{rule_id}.severity: {severity!r} is not one of {', '.join(SEVERITIES)}")
        return _boolean(setting, "enabled", f"lint.rules.{rule_id}", True), severity
    raise ConfigError(f"lint.rules.{rule_id}: expected off, a severity or a mapping, found {yaml_kind(setting)}")


def _ignore(value: Any) -> list[IgnoreEntry]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError("lint.ignore: expected a list of {rule, file, dashboard, panel, alert}, "
                          f"found {yaml_kind(value)}")
    entries = []
    for i, item in enumerate(value):
        where = f"lint.ignore[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where}: expected a mapping {{rule, file, dashboard, panel, alert}}, "
                              f"found {yaml_kind(item)}")
        _known_keys(item, where, ("rule", "file", "dashboard", "panel", "alert"))
        fields = {}
        for key, v in item.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, (str, int))):
                raise ConfigError(f"{where}.{key}: expected a string, found {yaml_kind(v)}")
            fields[str(key)] = None if v is None else str(v)
        rule = fields.pop("rule", None)
        if rule is None or not rule.strip():
            raise ConfigError(f"{where}: names no rule, so it would hide the findings of every rule, errors "
                              f"included; say which rule it silences, e.g. {_ignore_example(fields)} "
                              "(gac lint --list-rules lists the rules)")
        entries.append(IgnoreEntry(rule, **fields))
    return entries


def _ignore_example(fields: Mapping[str, str | None]) -> str:
    """The entry as it should be written: a rule first, then what it already narrows by."""
    narrowed = [f"{k}: {fields[k]}" for k in ("file", "dashboard", "panel", "alert") if fields.get(k) is not None]
    return "{" + ", ".join(["rule: RULE-ID"] + narrowed) + "}"


def _known_keys(section: Mapping[Any, Any], where: str, known: tuple[str, ...]) -> None:
    unknown = sorted(str(k) for k in section if k not in known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def _strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    """A list of names or paths (null: none). A bare string is refused: read as a list, it was
    taken letter by letter (`required_labels: severity` required labels s, e, v...)."""
    if value is None:
        return ()
    if isinstance(value, str):
        raise ConfigError(f"{where}: expected a list ({what}), found a string: put it in brackets, [like-this]")
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where}: expected a list ({what}), found {yaml_kind(value)}")
    return tuple(setting_text(item, f"{where}[{i}]", what) for i, item in enumerate(value))


def _boolean(section: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    """`true` or `false` (absent: `default`); `"no"` was read as true, being a non-empty string."""
    if key not in section:
        return default
    value = section[key]
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: expected true or false, found {yaml_kind(value)}")
    return value


def _url(value: Any, where: str) -> str | None:
    """The catalog's Prometheus URL, checked where it is written rather than when it is fetched (the
    message then named neither grafana.yaml nor the key); never quoted: it may hold a password."""
    if value is None:
        return None
    text = setting_text(value, where, "the URL of a Prometheus or Mimir query API, http(s)://host[:port][/path]")
    problem = url_problem(text)
    if problem is not None:
        raise ConfigError(f"{where}: not http(s)://host[:port][/path] (the URL of a Prometheus or Mimir query API): "
                          f"{problem}")
    return text


#: `lint.notifications`: names managed outside the repository, by kind
_NOTIFICATION_KINDS = ("contact_points", "mute_timings", "templates")


def _notifications(value: Any) -> dict[str, tuple[str, ...]]:
    section = _mapping(value, "lint.notifications")
    _known_keys(section, "lint.notifications", _NOTIFICATION_KINDS)
    return {key: _strings(section.get(key), f"lint.notifications.{key}", "names, e.g. [external-oncall]")
            for key in _NOTIFICATION_KINDS if key in section}
