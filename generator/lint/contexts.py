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
from .datasources import DatasourceIndex, Resolved, resolve
from .finding import Finding
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
    base: Finding
    variables: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    variable_paths: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    ds_variables: dict[str, str | None] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    interval_vars: frozenset[str] = frozenset()
    panels: list["PanelContext"] = field(default_factory=list)

    @property
    def uid(self) -> str | None:
        return self.base.dashboard

    def resolve(self, ref: Any) -> Resolved | None:
        return resolve(ref, self.env.index, self.ds_variables, self.inputs)


@dataclass
class PanelContext:
    dash: DashboardContext
    panel: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Finding
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
    base: Finding
    ds: Resolved
    language: str | None        # promql | logql | traceql | None


@dataclass
class VariableContext:
    dash: DashboardContext
    variable: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Finding

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
    base: Finding
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
    base: Finding
    group: Mapping[str, Any]
    interval_s: int | None
    #: refId → (data item, its path)
    data: dict[str, tuple[Mapping[str, Any], tuple[Any, ...]]] = field(default_factory=dict)
    #: refId → the PromQL query context of each Prometheus query
    queries: dict[str, "QueryContext"] = field(default_factory=dict)
    provisioning_file: bool = False


@dataclass
class AlertGroupContext:
    env: Env
    group: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Finding
    interval_s: int | None
    interval_raw: Any
    provisioning_file: bool = False


@dataclass
class PromRuleContext:
    env: Env
    rule: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Finding
    group: Mapping[str, Any]
    analysis: Analysis | None = None


@dataclass
class DatasourceContext:
    env: Env
    body: Mapping[str, Any]
    path: tuple[Any, ...]
    base: Finding
    #: environment name → resolved URL (placeholders substituted); "" key for a literal URL
    urls: dict[str, str] = field(default_factory=dict)
    #: environments in which the URL placeholder cannot be resolved
    unresolved_envs: list[str] = field(default_factory=list)


@dataclass
class DatasourceSetContext:
    env: Env
    items: list[DatasourceContext]
    environments: Mapping[str, Any]
    base: Finding = field(default_factory=lambda: Finding("", ""))
    path: tuple[Any, ...] = ()
