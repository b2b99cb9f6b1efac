"""What a rule gets to look at: one object, with everything around it already resolved.

Contexts are built by the engine (engine.py) and handed to the rules of their scope. They
carry the `Location` of their object (file, JSON path inside the document, names of the
dashboard, panel, refId, ...): a rule's issue points there unless it derives another one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .catalog import Catalog
from .config import LintConfig
from ..datasource_index import DatasourceIndex, Resolved, resolve
from .finding import Location
from .locate import JsonLocator
from .promql_analysis import Analysis
from .grafana_values import Values
from .promql_expand import GRAFANA, Expansion


#: DashboardContext.resolve's mark of a reference not resolved yet (None is a resolution)
_UNSEEN: Any = object()


class _Located:
    """A context's JSON path is its location's: rules read `ctx.path` for short.

    The contexts made for every panel, target and query are slotted dataclasses: they are made
    and freed without a dict of their own each (no slots here, so that they can be)."""

    __slots__ = ()

    if TYPE_CHECKING:  # a field of each context; a property of TargetContext, made when read
        @property
        def location(self) -> Location: ...

    @property
    def path(self) -> tuple[Any, ...]:
        return self.location.path


@dataclass
class Env:
    """Shared by every context of one lint run."""

    config: LintConfig
    catalog: Catalog
    index: DatasourceIndex


@dataclass
class DashboardContext(_Located):
    env: Env
    dashboard: Mapping[str, Any]
    location: Location
    variables: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    variable_paths: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    ds_variables: dict[str, str | None] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    interval_vars: frozenset[str] = frozenset()
    #: the defined names and the values Grafana would give the variables (grafana_values.py)
    values: Values | None = None
    #: per data source of unknown type, the language its queries are certainly in (engine.guess_languages)
    guessed_languages: dict[tuple[Any, ...], str] | None = None
    panels: list["PanelContext"] = field(default_factory=list)
    #: computed once by dashboard_rules: every variable reference (name, path, offset, owner)
    references: list[tuple[str, tuple[Any, ...], int | None, str | None]] | None = None
    #: computed once by dashboard_rules: names referenced outside the variables, and per variable
    referenced_names: tuple[set[str], dict[str, set[str]]] | None = None
    #: computed once by dashboard_rules: every data source reference a rule may report, resolved, and its place
    datasource_refs: list[tuple[Any, Resolved | None, Callable[[], Location]]] | None = None
    #: the panels and targets whose own `datasource` value resolved doubtful (Resolved.doubtful),
    #: with that resolution, in the order of the dashboard: noted by the engine as it resolves them
    doubtful_refs: list[tuple["PanelContext | TargetContext", Resolved]] = field(default_factory=list)
    uid: str | None = None
    #: the locator of the JSON text the dashboard was decoded from, when it is the whole of it
    source: JsonLocator | None = field(default=None, repr=False)
    _resolved: dict[Any, Resolved | None] = field(default_factory=dict, repr=False)

    def resolve(self, ref: Any) -> Resolved | None:
        """Resolve a `datasource` value (memoized: a dashboard repeats the same few references)."""
        if isinstance(ref, dict):
            key: Any = (ref.get("uid"), ref.get("type"), len(ref))
        elif ref is None or isinstance(ref, str):
            key = ref
        else:
            return resolve(ref, self.env.index, self.ds_variables, self.inputs)
        try:
            resolved = self._resolved.get(key, _UNSEEN)
        except TypeError:  # a uid or type that is an object or a list: no key, and no reference
            return resolve(ref, self.env.index, self.ds_variables, self.inputs)
        if resolved is _UNSEEN:
            resolved = self._resolved[key] = resolve(ref, self.env.index, self.ds_variables, self.inputs)
        return resolved


@dataclass(slots=True)
class PanelContext(_Located):
    dash: DashboardContext
    panel: Mapping[str, Any]
    location: Location
    type: str                    # the panel's `type`, "" when it has none (read once: several rules ask)
    title: str | None = None
    id: int | None = None
    row: Mapping[str, Any] | None = None
    collapsed: bool = False
    legacy_row: bool = False
    ds: Resolved | None = None
    targets: list["TargetContext"] = field(default_factory=list)


@dataclass(slots=True)
class TargetContext(_Located):
    """One panel target. Its location is made when it is read (a finding on the target, a rule
    pointing at one of its keys): most targets are never reported on, and their query's location
    is made straight from the panel's (Engine.target), so making it for every target cost a
    Location per target for nothing."""

    panel: PanelContext
    target: Mapping[str, Any]
    path: tuple[Any, ...] = field()  # field(): not _Located's property as a default
    ds: Resolved
    language: str | None        # promql | logql | traceql | None
    ref_id: str | None = None

    @property
    def location(self) -> Location:
        return self.panel.location.of_target(self.path, self.ref_id)


@dataclass
class VariableContext(_Located):
    dash: DashboardContext
    variable: Mapping[str, Any]
    location: Location

    @property
    def name(self) -> str:
        return str(self.variable.get("name") or "")

    @property
    def type(self) -> str:
        return str(self.variable.get("type") or "")


@dataclass(slots=True)
class QueryContext(_Located):
    """One PromQL expression, wherever it came from.

    The engine makes it where it finds the query, with how the query is run, and gives it its
    expansion and analysis when it checks the queries found (Engine.queries), before any rule
    sees it: one object per query, where a record of the query found and a context made from
    it after the analysis were two."""

    env: Env
    text: str                    # the query as written
    usage: str                   # panel | variable | annotation | alert | alerting-rule | recording-rule | datasource
    location: Location           # the string holding the query
    mode: str = GRAFANA          # how its variables expand (promql_expand: GRAFANA, ALERT, NONE)
    interval_vars: frozenset[str] = frozenset()  # the names of its dashboard's interval variables
    text_offset: int = 0         # where `text` starts inside that string (variable queries)
    range_query: bool = False    # Grafana runs it as a range query (panels)
    legend: str | None = None    # the target's legendFormat, next to the query
    dash: DashboardContext | None = None
    #: its min interval keeps $__interval at two scrape intervals or more (Engine.interval_buckets)
    interval_buckets: bool = False
    expansion: Expansion = field(init=False)  # the query with its variables expanded (Engine.queries)
    analysis: Analysis = field(init=False)    # the facts of that expansion (Engine.queries)

    def at(self, offset: int | None) -> Location:
        """A character of the query as written (`offset` into `text`), in its string."""
        if offset is None:
            return self.location
        return self.location.at_offset(self.text_offset + offset)

    def legend_at(self, offset: int) -> Location:
        """A character of the legendFormat next to the query."""
        return self.location.sibling("legendFormat", offset)


@dataclass
class AlertRuleContext(_Located):
    env: Env
    rule: Mapping[str, Any]
    location: Location
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
class AlertGroupContext(_Located):
    env: Env
    group: Mapping[str, Any]
    location: Location
    interval_s: int | None
    interval_raw: Any
    provisioning_file: bool = False


@dataclass
class AlertGroupSetContext(_Located):
    """The project's rule groups, each as its own scope saw it, in the order they were linted."""

    env: Env
    groups: list[AlertGroupContext]
    location: Location = Location()


@dataclass
class PromRuleFileContext(_Located):
    env: Env
    doc: Mapping[str, Any]
    location: Location


@dataclass
class PrometheusRuleContext(_Located):
    """A Prometheus Operator PrometheusRule object: the whole of it, spec and all."""
    env: Env
    doc: Mapping[str, Any]
    location: Location


@dataclass
class AlertProvisioningFileContext(_Located):
    env: Env
    doc: Mapping[str, Any]
    location: Location


@dataclass
class PromRuleContext(_Located):
    env: Env
    rule: Mapping[str, Any]
    location: Location
    group: Mapping[str, Any]
    analysis: Analysis | None = None


@dataclass
class DatasourceContext(_Located):
    env: Env
    body: Mapping[str, Any]
    location: Location
    #: environment name → resolved URL (placeholders substituted); "" key for a literal URL
    urls: dict[str, str] = field(default_factory=dict)
    #: environments in which the URL placeholder cannot be resolved
    unresolved_envs: list[str] = field(default_factory=list)
    #: the data source as a provisioning file writes it, where one does: `body` is then what
    #: Grafana's provisioning makes of it (loaders.as_provisioned); None for a body taken as is
    written: Mapping[str, Any] | None = None


@dataclass
class DatasourceSetContext(_Located):
    env: Env
    items: list[DatasourceContext]
    environments: Mapping[str, Any]
    location: Location = Location()
