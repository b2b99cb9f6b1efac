"""What a rule gets to look at: one object, with everything around it already resolved.

Contexts are built by the engine (engine.py) and handed to the rules of their scope. They
carry the JSON path of the object inside its document, so a finding can be located in the
file afterwards, and a `base` finding with the location fields (file, dashboard, panel,
refId, ...) that the engine completes with the rule's message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .catalog import Catalog
from .config import LintConfig
from ..datasource_index import DatasourceIndex, Resolved, resolve
from .finding import Finding, Loc
from .promql_analysis import Analysis
from .promql_expand import Expansion


@dataclass
class Env:
    """Shared by every context of one lint run."""

    config: LintConfig
    catalog: Catalog
    index: DatasourceIndex


@dataclass
class DashboardContext:
    env: Env
    dashboard: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc
    variables: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    variable_paths: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    ds_variables: dict[str, str | None] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    interval_vars: frozenset[str] = frozenset()
    panels: list["PanelContext"] = field(default_factory=list)
    #: computed once by dashboard_rules: every variable reference (name, path, offset, owner)
    references: list[tuple[str, tuple[Any, ...], int | None, str | None]] | None = None
    #: computed once by dashboard_rules: names referenced outside the variables, and per variable
    referenced_names: tuple[set[str], dict[str, set[str]]] | None = None
    uid: str | None = None
    _resolved: dict[Any, Resolved | None] = field(default_factory=dict, repr=False)

    def resolve(self, ref: Any) -> Resolved | None:
        """Resolve a `datasource` value (memoized: a dashboard repeats the same few references)."""
        if isinstance(ref, dict):
            key: Any = (ref.get("uid"), ref.get("type"), len(ref))
        elif ref is None or isinstance(ref, str):
            key = ref
        else:
            return resolve(ref, self.env.index, self.ds_variables, self.inputs)
        if key not in self._resolved:
            self._resolved[key] = resolve(ref, self.env.index, self.ds_variables, self.inputs)
        return self._resolved[key]


@dataclass
class PanelContext:
    dash: DashboardContext
    panel: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc
    title: str | None = None
    id: int | None = None
    row: Mapping[str, Any] | None = None
    collapsed: bool = False
    legacy_row: bool = False
    ds: Resolved | None = None
    targets: list["TargetContext"] = field(default_factory=list)

    @property
    def type(self) -> str:
        return str(self.panel.get("type") or "")


@dataclass
class TargetContext:
    panel: PanelContext
    target: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc
    ds: Resolved
    language: str | None        # promql | logql | traceql | None
    ref_id: str | None = None


@dataclass
class VariableContext:
    dash: DashboardContext
    variable: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc

    @property
    def name(self) -> str:
        return str(self.variable.get("name") or "")

    @property
    def type(self) -> str:
        return str(self.variable.get("type") or "")


@dataclass
class QueryContext:
    """One PromQL expression, wherever it came from."""

    env: Env
    text: str                    # the query as written
    expansion: Expansion
    analysis: Analysis
    usage: str                   # panel | variable | alert | alerting-rule | recording-rule | datasource
    path: tuple[Any, ...]        # JSON path of the string holding the query
    base: Loc
    text_offset: int = 0         # where `text` starts inside that string (variable queries)
    range_query: bool = False    # Grafana runs it as a range query (panels)
    legend: str | None = None
    legend_path: tuple[Any, ...] | None = None
    dash: DashboardContext | None = None


@dataclass
class AlertRuleContext:
    env: Env
    rule: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc
    group: Mapping[str, Any]
    interval_s: int | None
    #: refId → (data item, its path)
    data: dict[str, tuple[Mapping[str, Any], tuple[Any, ...]]] = field(default_factory=dict)
    #: refId → the PromQL query context of each Prometheus query
    queries: dict[str, "QueryContext"] = field(default_factory=dict)
    #: refId → query language of each non-expression query (promql, logql, ...), when known
    languages: dict[str, str | None] = field(default_factory=dict)
    provisioning_file: bool = False


@dataclass
class AlertGroupContext:
    env: Env
    group: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc
    interval_s: int | None
    interval_raw: Any
    provisioning_file: bool = False


@dataclass
class PromRuleContext:
    env: Env
    rule: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc
    group: Mapping[str, Any]
    analysis: Analysis | None = None


@dataclass
class DatasourceContext:
    env: Env
    body: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Loc
    #: environment name → resolved URL (placeholders substituted); "" key for a literal URL
    urls: dict[str, str] = field(default_factory=dict)
    #: environments in which the URL placeholder cannot be resolved
    unresolved_envs: list[str] = field(default_factory=list)


@dataclass
class DatasourceSetContext:
    env: Env
    items: list[DatasourceContext]
    environments: Mapping[str, Any]
    base: Loc = field(default_factory=lambda: Loc(Finding("", "")))
    path: tuple[Any, ...] = ()
