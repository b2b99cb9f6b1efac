"""Resolve data-source references the way Grafana does, and know which ones exist.

A panel target names its data source in one of many shapes that Grafana still accepts:
`{"type": "prometheus", "uid": "prom"}`, `{"uid": "${datasource}"}`, a legacy string name
(`"Prometheus"`), a string variable (`"$datasource"`), `"-- Mixed --"`, or nothing (inherit
from the panel, then the dashboard's default). Rules need the effective type (to pick the
query language) and whether the reference resolves at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..config import DeclaredDatasource

MIXED = "-- Mixed --"
GRAFANA = "-- Grafana --"
DASHBOARD = "-- Dashboard --"
EXPR = "__expr__"

#: uid or legacy name → type for Grafana's built-in pseudo data sources
BUILTIN: dict[str, str] = {
    MIXED: "datasource", "mixed": "datasource",
    GRAFANA: "datasource", "grafana": "datasource",
    DASHBOARD: "datasource", "dashboard": "datasource",
    EXPR: EXPR, "-100": EXPR,
}
_VAR = re.compile(r"^\$\{?(\w+)(?::[^}]*)?\}?$|^\[\[(\w+)\]\]$", re.ASCII)


@dataclass(frozen=True)
class DatasourceInfo:
    uid: str
    type: str
    name: str | None = None
    is_default: bool = False
    origin: str = "project"     # project | config | file


@dataclass
class DatasourceIndex:
    """The data sources a reference may resolve to.

    `authoritative` says whether the set is complete: for the project's own resources (and
    when the user declares data sources) an unknown uid is an error; for a third-party
    dashboard linted on its own we cannot know the target Grafana's data sources.
    """

    by_uid: dict[str, DatasourceInfo] = field(default_factory=dict)
    by_name: dict[str, DatasourceInfo] = field(default_factory=dict)
    authoritative: bool = False

    @classmethod
    def build(cls, infos: Iterable[DatasourceInfo], declared: Mapping[str, DeclaredDatasource],
              authoritative: bool) -> "DatasourceIndex":
        index = cls(authoritative=authoritative or bool(declared))
        for info in infos:
            index.add(info)
        for d in declared.values():
            index.add(DatasourceInfo(d.uid, d.type, d.name, origin="config"))
        return index

    def add(self, info: DatasourceInfo) -> None:
        self.by_uid.setdefault(info.uid, info)
        if info.name:
            self.by_name.setdefault(info.name, info)

    @property
    def default(self) -> DatasourceInfo | None:
        for info in self.by_uid.values():
            if info.is_default:
                return info
        return None

    def types(self) -> set[str]:
        return {i.type for i in self.by_uid.values()}


@dataclass(frozen=True)
class Resolved:
    """The effective data source of a target (or panel)."""

    type: str | None            # plugin id (prometheus, loki, tempo, ...) when known
    uid: str | None = None
    variable: str | None = None  # the data-source variable it goes through, if any
    legacy_name: str | None = None
    problem: str | None = None   # why it does not resolve, if it does not
    inherited: bool = False

    @property
    def is_mixed(self) -> bool:
        return self.uid in (MIXED, "mixed") or self.type == "mixed"


def variable_name(value: str) -> str | None:
    m = _VAR.match(value.strip())
    if not m:
        return None
    return m.group(1) or m.group(2)


def resolve(ref: Any, index: DatasourceIndex, ds_variables: Mapping[str, str | None],
            inputs: Mapping[str, str]) -> Resolved | None:
    """Resolve one `datasource` value; None means "not set here, inherit"."""
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
                return Resolved(ds_type)
            return None
        resolved = _resolve_string(str(uid), index, ds_variables, inputs, legacy=False)
        if ds_type and ds_type != "datasource" and resolved.type is None:
            resolved = Resolved(ds_type, resolved.uid, resolved.variable, resolved.legacy_name, resolved.problem)
        elif ds_type and resolved.type and ds_type not in (resolved.type, "datasource") and resolved.variable is None \
                and resolved.problem is None and str(uid) not in BUILTIN:
            resolved = Resolved(resolved.type, resolved.uid, None, None,
                                f"the reference says type {ds_type!r} but data source {uid!r} is a {resolved.type!r}")
        return resolved
    return Resolved(None, problem=f"unexpected data source value {ref!r}")


def _resolve_string(value: str, index: DatasourceIndex, ds_variables: Mapping[str, str | None],
                    inputs: Mapping[str, str], legacy: bool) -> Resolved:
    if value in BUILTIN:
        return Resolved(BUILTIN[value], value)
    var = variable_name(value)
    if var is not None:
        if var in ds_variables:
            return Resolved(ds_variables[var], value, variable=var)
        if var in inputs:
            return Resolved(inputs[var], value, variable=var)
        return Resolved(None, value, variable=var,
                        problem=f"data source variable ${var} is not defined in the dashboard")
    if value == "default":
        default = index.default
        return Resolved(default.type if default else None, default.uid if default else None)
    info = index.by_uid.get(value)
    if info is not None:
        return Resolved(info.type, info.uid)
    if legacy:
        named = index.by_name.get(value)
        if named is not None:
            return Resolved(named.type, named.uid, legacy_name=value)
        return Resolved(None, None, legacy_name=value,
                        problem=f"no data source named {value!r}" if index.authoritative else None)
    if index.authoritative:
        known = ", ".join(sorted(index.by_uid)) or "none"
        return Resolved(None, value, problem=f"no data source with uid {value!r} (known: {known})")
    return Resolved(None, value)
