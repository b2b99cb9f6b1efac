"""Which data source a reference names: one index, one table of built-ins, one `resolve()`.

A dashboard names its data sources in many shapes Grafana still accepts:
`{"type": "prometheus", "uid": "prom"}`, `{"uid": "${datasource}"}`, a legacy string name
(`"Prometheus"`), a string variable (`"$datasource"`), `"-- Mixed --"`, `"default"`, or nothing
(inherit from the panel, then the dashboard's default). The compiler, the linter and pull all
ask the same question of such a value -- which data source is it, and does it exist -- so
they share this module and cannot disagree about the answer. What each does with the answer
differs: the compiler rewrites the reference (`normalize`), lint reports `Resolved.problem`,
pull refuses dashboards whose concrete uids the repository does not define.

The rules, and why:

* Grafana's built-in data sources (`BUILTINS`) always resolve, in every spelling Grafana or
  an old export uses for them (their uid, their name, their plugin id, the expression
  data source's legacy id `-100`): no Grafana lacks them.
* A variable reference (`$ds`, `${ds}`, `${ds:raw}`, `[[ds]]`) resolves to the variable's
  plugin type when the dashboard declares it (or an `__inputs` entry of an export does).
* `"default"` is the instance's default data source: only an index that knows the default
  (lint, from `isDefault`) can say which.
* A uid is looked up first; a name only in the legacy string form. In `{"uid": ...}` a name is
  a mistake Grafana happens to forgive, and lint says so.
* Whether an unknown uid is a problem depends on whether the index is `authoritative`: the
  project's own data sources plus the ones grafana.yaml declares under `lint.datasources`
  are a complete list; the data sources of a Grafana a third-party file was exported from
  are not known.

Before this module the compiler, lint and pull each had a list of built-ins, and they
differed: the compiler did not know `mixed`, `dashboard` or `-100`, lint did not know that
`-- Grafana --` is written `{"type": "grafana", "uid": "grafana"}`. The table below is the
union, so a reference one stage accepted is accepted by all; no current definition or test
relied on a built-in being refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping

from .config import DeclaredDatasource

MIXED_UID = "-- Mixed --"
GRAFANA_UID = "grafana"
DASHBOARD_UID = "-- Dashboard --"
#: the server-side expression pseudo data source of alert rules and panels (math, reduce, ...)
EXPR_UID = "__expr__"
#: the data source of Grafana's built-in "Annotations & Alerts" annotation, as Grafana writes it
ANNOTATIONS_REF = {"type": "grafana", "uid": "-- Grafana --"}


@dataclass(frozen=True)
class Builtin:
    """A data source every Grafana has without a data source object."""

    #: the `{"type", "uid"}` Grafana writes for it
    type: str
    uid: str
    #: every string a reference may use for it (uid, display name, plugin id, legacy id)
    spellings: tuple[str, ...]


MIXED_DS = Builtin("datasource", MIXED_UID, (MIXED_UID, "mixed"))
GRAFANA_DS = Builtin("grafana", GRAFANA_UID, ("-- Grafana --", GRAFANA_UID))
DASHBOARD_DS = Builtin("datasource", DASHBOARD_UID, (DASHBOARD_UID, "dashboard"))
EXPRESSION_DS = Builtin(EXPR_UID, EXPR_UID, (EXPR_UID, "-100"))
BUILTINS: tuple[Builtin, ...] = (MIXED_DS, GRAFANA_DS, DASHBOARD_DS, EXPRESSION_DS)
_BY_SPELLING: dict[str, Builtin] = {spelling: b for b in BUILTINS for spelling in b.spellings}
#: plugin types of the built-ins: a reference with one of these types is never a concrete data source
BUILTIN_TYPES = frozenset(b.type for b in BUILTINS)

# Grafana's variable syntax (public/app/features/variables/utils.ts), as a whole value
_VAR = re.compile(r"^(?:\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?:\.[^:^}]+)?(?::[^}]+)?\})$", re.ASCII)

#: how a reference resolved (`Resolved.via`)
BUILTIN, VARIABLE, DEFAULT, UID, NAME, TYPE_ONLY, UNKNOWN = (
    "builtin", "variable", "default", "uid", "name", "type", "unknown")


def builtin(text: str) -> Builtin | None:
    """The built-in data source `text` names, if it names one."""
    return _BY_SPELLING.get(text)


def variable_name(value: str) -> str | None:
    """`$ds` / `${ds}` / `${ds:raw}` / `[[ds]]` → `ds`; anything else → None."""
    m = _VAR.match(value.strip())
    if not m:
        return None
    return m.group(1) or m.group(2) or m.group(3)


def is_templated(uid: str) -> bool:
    """Whether a uid goes through a variable anywhere, so no static check can know its target."""
    return "$" in uid or "[[" in uid


#: the scrape interval Grafana's Prometheus data source assumes where its `timeInterval` is unset
#: (datasource.ts: `instanceSettings.jsonData.timeInterval || '15s'`): what its $__rate_interval
#: and the lint's and `gac test`'s windows are worked out with
DEFAULT_SCRAPE_S = 15


@dataclass(frozen=True)
class DatasourceInfo:
    uid: str
    type: str
    name: str | None = None
    is_default: bool = False
    origin: str = "project"     # project | config (grafana.yaml) | file | grafana (live)
    #: its scrape interval (a Prometheus data source's jsonData.timeInterval), in seconds, when given
    #: (else DEFAULT_SCRAPE_S)
    scrape_s: float | None = None


@dataclass
class DatasourceIndex:
    """The data sources a reference may resolve to, by uid and by name.

    The first entry for a uid or name wins, so the order of `add` calls is the precedence:
    the project's definitions, then grafana.yaml's declarations, then what else is known.
    """

    by_uid: dict[str, DatasourceInfo] = field(default_factory=dict)
    by_name: dict[str, DatasourceInfo] = field(default_factory=dict)
    #: whether the set is complete, so an unknown uid is an error rather than "not known here"
    authoritative: bool = False

    @classmethod
    def build(cls, infos: Iterable[DatasourceInfo], declared: Mapping[str, DeclaredDatasource] | None = None,
              authoritative: bool = False) -> "DatasourceIndex":
        """The given data sources, then the ones grafana.yaml declares as managed elsewhere."""
        index = cls(authoritative=authoritative)
        for info in infos:
            index.add(info)
        for d in (declared or {}).values():
            index.add(DatasourceInfo(d.uid, d.type, d.name, origin="config"))
        return index

    def add(self, info: DatasourceInfo) -> None:
        self.by_uid.setdefault(info.uid, info)
        if info.name:
            self.by_name.setdefault(info.name, info)

    def type_named(self, value: str) -> str | None:
        """The type of the data source `value` names, by uid or else by name; None if none."""
        info = self.by_uid.get(value) or self.by_name.get(value)
        return info.type if info is not None else None

    def extended(self, infos: Iterable[DatasourceInfo]) -> "DatasourceIndex":
        """A copy with `infos` added after what is already known (which keeps precedence)."""
        index = DatasourceIndex(dict(self.by_uid), dict(self.by_name), self.authoritative)
        for info in infos:
            index.add(info)
        return index

    def known(self) -> str:
        """The uids, sorted, for messages that list what is defined."""
        return ", ".join(sorted(self.by_uid))

    @property
    def default(self) -> DatasourceInfo | None:
        for info in self.by_uid.values():
            if info.is_default:
                return info
        return None


@dataclass(frozen=True)
class Resolved:
    """The effective data source of a target (or panel)."""

    type: str | None            # plugin id (prometheus, loki, tempo, ...) when known
    uid: str | None = None
    variable: str | None = None  # the data-source variable it goes through, if any
    legacy_name: str | None = None
    problem: str | None = None   # why it does not resolve, if it does not (and the index can tell)
    inherited: bool = False
    via: str = UNKNOWN           # how it resolved: BUILTIN, VARIABLE, DEFAULT, UID, NAME, TYPE_ONLY or UNKNOWN

    @cached_property
    def is_mixed(self) -> bool:
        """Read for every panel and target, and the same few references resolve for a whole
        dashboard (DashboardContext.resolve): computed once for each."""
        return self.uid == MIXED_UID or self.type == "mixed"

    @cached_property
    def doubtful(self) -> bool:
        """It does not resolve, or only through a data source's display name: what the lint's
        data-source rules report (a dashboard resolves the same few references throughout)."""
        return bool(self.problem or self.legacy_name)


def resolve(ref: Any, index: DatasourceIndex, ds_variables: Mapping[str, str | None],
            inputs: Mapping[str, str]) -> Resolved | None:
    """Resolve one `datasource` value; None means "not set here, inherit".

    `ds_variables` maps the dashboard's variables to the plugin type of the data source each
    names (a data-source variable's plugin; another variable's, through its value, where known;
    None where not), `inputs` an export's `__inputs` (`${DS_PROMETHEUS}`) likewise.
    """
    if ref is None or ref == "" or ref == {}:
        return None
    if isinstance(ref, str):
        return _resolve_string(ref, index, ds_variables, inputs, legacy=True)
    if isinstance(ref, dict):
        uid = ref.get("uid")
        ds_type = ref.get("type")
        ds_type = str(ds_type) if ds_type else None
        if uid is None or uid == "":
            if ds_type:
                # {type} alone: Grafana picks the default data source of that type
                return Resolved(ds_type, via=TYPE_ONLY)
            return None
        resolved = _resolve_string(str(uid), index, ds_variables, inputs, legacy=False)
        if ds_type and ds_type != "datasource" and resolved.type is None:
            return Resolved(ds_type, resolved.uid, resolved.variable, resolved.legacy_name, resolved.problem,
                            via=resolved.via)
        if ds_type and resolved.type and ds_type not in (resolved.type, "datasource") and resolved.variable is None \
                and resolved.problem is None and resolved.via != BUILTIN:
            return Resolved(resolved.type, resolved.uid, None, None,
                            f"the reference says type {ds_type!r} but data source {uid!r} is a {resolved.type!r}",
                            via=resolved.via)
        return resolved
    return Resolved(None, problem=f"unexpected data source value {ref!r}")


def _resolve_string(value: str, index: DatasourceIndex, ds_variables: Mapping[str, str | None],
                    inputs: Mapping[str, str], legacy: bool) -> Resolved:
    found = builtin(value)
    if found is not None:
        return Resolved(found.type, found.uid, via=BUILTIN)
    var = variable_name(value)
    if var is not None:
        if var in ds_variables:
            return Resolved(ds_variables[var], value, variable=var, via=VARIABLE)
        if var in inputs:
            return Resolved(inputs[var], value, variable=var, via=VARIABLE)
        return Resolved(None, value, variable=var, via=VARIABLE,
                        problem=f"data source variable ${var} is not defined in the dashboard")
    if value == "default":
        default = index.default
        if default is not None:
            return Resolved(default.type, default.uid, via=DEFAULT)
        return Resolved(None, None)
    info = index.by_uid.get(value)
    if info is not None:
        return Resolved(info.type, info.uid, via=UID)
    if legacy:
        named = index.by_name.get(value)
        if named is not None:
            return Resolved(named.type, named.uid, legacy_name=value, via=NAME)
        return Resolved(None, None, legacy_name=value,
                        problem=f"no data source named {value!r}" if index.authoritative else None)
    if index.authoritative:
        return Resolved(None, value, problem=f"no data source with uid {value!r} (known: {index.known() or 'none'})")
    return Resolved(None, value)
