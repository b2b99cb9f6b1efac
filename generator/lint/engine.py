"""The lint engine: build contexts for every object and run the rules of each scope on them.

`lint_resources` lints the project's compiled resources (the data sources it defines are
the complete set, so unknown uids are errors); `lint_paths` lints files given on the
command line (dashboards, alert rule groups, rule files, data sources). Both return
findings in a deterministic order; neither prints.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..collector import collector_paused as _collector_paused
from ..errors import GacError
from ..resource import Resource
from . import rules as _rules  # noqa: F401  (registers every rule: the registry is complete from here on)
from .alert_model import group_interval, group_title, is_expression, is_range_query
from .catalog import Catalog, build_catalog
from .config import LintConfig
from .contexts import (AlertGroupContext, AlertGroupSetContext, AlertProvisioningFileContext, AlertRuleContext,
                       DashboardContext, DatasourceContext, DatasourceSetContext, Env, PanelContext,
                       PrometheusRuleContext, PromRuleContext, PromRuleFileContext, QueryContext, TargetContext,
                       VariableContext)
from .dashboard_model import (PanelRef, iter_panels, iter_targets, listed, min_interval_s,
                              panel_id, panel_title, unwrap, variable_query_text, variables)
from ..datasource_index import DEFAULT_SCRAPE_S, DatasourceIndex, DatasourceInfo, Resolved
from .durations import seconds
from .finding import Finding, Location, sort_findings
from .grafana_values import dashboard_values
from .json_origin import at_json_file
from .logql import forget_checks
from .loaders import Document, as_provisioned, discover, load, may_define_context, read_text
from .locate import JsonLocator
from .promql_analysis import Analysis, analyze, forget_analyses
from .promql_errors import forget_completions, line_col
from .promql_expand import ALERT, GRAFANA, NONE, Expansion, expand, forget_expansions
from .query_cache import QueryCache
from .registry import LANGUAGES, RULES, SCOPES, Issue, Rule, rules_in_scope
from .workers import chunked, map_chunks

_LOGQL_HINT = re.compile(r"^\s*(\{|[a-z_]+\s*\(\s*\{|[a-z_]+\s*(by|without)\s*\([^)]*\)\s*\(\s*[a-z_]+\s*\(\s*\{)"
                         r"|\|=|\|~|\|\s*(json|logfmt|pattern|regexp|line_format|unwrap)\b")
_VARIABLE_FUNC = re.compile(r"^\s*(label_values|label_names|metrics|query_result)\s*\((.*)\)\s*$", re.DOTALL)
_PLACEHOLDER = re.compile(r"\$\{datasources\.([^.}]+)\.url\}")


_INTERNAL_ERROR = Rule("lint-internal-error", "warning", "A rule failed on an object", ("dashboard",),
                       lambda ctx: (), "A bug in gac: a rule raised an exception.\n\nBad:\n    -\nGood:\n    -")


_NO_ISSUES: list[tuple[Rule, str, Issue]] = []

#: Engine.panel's mark of no data source reference met yet (None is one: the target's own is absent)
_NOT_SEEN: Any = object()

#: one active rule as Engine.check runs it: its check, its fact reader, the rule, its severity
_Call = tuple[Callable[[Any], Iterable[Issue]], Callable[[Any], Any] | None, Rule, str]


class Engine:
    """Runs the active rules of each scope; collects findings."""

    def __init__(self, env: Env):
        self.env = env
        self.findings: list[Finding] = []
        #: query rules' issues by everything they depend on (dashboards repeat query shapes), with
        #: where the query they were found on sat (its string's location, its offset in that string)
        self._query_issues: QueryCache[tuple[Any, ...], tuple[Location, int, list[tuple[Rule, str, Issue]]]] = \
            QueryCache(20_000)
        self.active: dict[str, list[tuple[Rule, str]]] = {}
        for scope in SCOPES:
            active = []
            for r in rules_in_scope(scope):
                severity = env.config.severity_of(r.id, r.severity)
                if severity is not None:
                    active.append((r, severity))
            self.active[scope] = active
        #: what check() runs per scope: each active rule's check and fact reader, read once here
        #: rather than off the Rule for every object (ten query rules on every query)
        self._calls = {scope: [(r.check, r.present, r, severity) for r, severity in active]
                       for scope, active in self.active.items()}
        #: the target rules per target language (registry.LANGUAGES; None: not known), chosen once
        #: per target: a rule of one language is not called on targets in another
        self._target_calls: dict[str | None, list[_Call]] = {
            language: [call for call in self._calls["target"] if call[2].language in (None, language)]
            for language in (*LANGUAGES, None)}
        default = env.index.default
        #: what a target or annotation without a data source of its own queries
        self.dash_default = Resolved(default.type, default.uid, inherited=True) if default else None

    # -- running rules --------------------------------------------------------------------
    def run(self, scope: str, ctx: Any) -> None:
        for rule, severity, issue in self.check(scope, ctx):
            self.findings.append(self.finding(rule, severity, ctx, issue))

    def check(self, scope: str, ctx: Any, calls: list[_Call] | None = None) -> list[tuple[Rule, str, Issue]]:
        """The issues of the scope's active rules on `ctx` (of `calls`, those of them chosen for it,
        when given). A rule whose fact (registry.FACTS) the context lacks has nothing to say and is
        not called: reading the fact is cheaper."""
        out: list[tuple[Rule, str, Issue]] | None = None
        for check, present, rule, severity in self._calls[scope] if calls is None else calls:
            try:
                if present is not None and not present(ctx):
                    continue
                for issue in check(ctx):
                    if out is None:
                        out = []
                    out.append((rule, severity, issue))
            except Exception as exc:  # a rule must never take the whole lint down
                if out is None:
                    out = []
                out.append((_INTERNAL_ERROR, "warning",
                            Issue(f"rule {rule.id} failed on this object: {exc!r}; please report it")))
        return out or _NO_ISSUES

    def finding(self, rule: Rule, severity: str, ctx: Any, issue: Issue) -> Finding:
        at = issue.at or ctx.location
        message = issue.message
        if isinstance(ctx, QueryContext) and at.offset is not None and at.path == ctx.location.path:
            # a character of the query: say where in the query, for editors that show no column
            line, col = line_col(ctx.text, at.offset - ctx.text_offset)
            message = f"{message} (query line {line}, column {col})" if "\n" in ctx.text else \
                f"{message} (at column {col} of the query)"
        return at.finding(rule.id, severity, message, issue.fix)

    # -- queries --------------------------------------------------------------------------
    def promql(self, text: str, usage: str, location: Location, *, mode: str = GRAFANA,
               interval_vars: frozenset[str] = frozenset(), text_offset: int = 0, range_query: bool = False,
               legend: str | None = None, dash: DashboardContext | None = None) -> QueryContext:
        """Check one PromQL query now (alert and rule-file queries, whose context the caller reads)."""
        ctx = QueryContext(self.env, text, usage, location, mode, interval_vars, text_offset, range_query, legend,
                           dash)
        self.queries([ctx])
        return ctx

    def queries(self, batch: Sequence[QueryContext]) -> None:
        """Check PromQL queries phase by phase: expand them all, analyse them all, then run the
        rules on each. A dashboard's queries go through together (Engine.dashboard): the parser
        and each phase's code run back to back, hot in the processor's caches, where interleaved
        with the rules of every panel and target they would be fetched anew for every query
        (a tenth of the lint's time on dashboards of distinct queries).

        The contexts are made where the queries are found, before either phase: each gets its
        expansion and analysis here, before any rule sees it."""
        expansions = [expand(q.text, q.mode, q.interval_vars, q.dash.values if q.dash is not None else None)
                      for q in batch]
        analysed = [_analysis_of(expansion) for expansion in expansions]
        known, check, calls, finding, add = (self._query_issues, self.check, self._calls["query"], self.finding,
                                             self.findings.append)
        for q, (expansion, analysis) in zip(batch, analysed):
            q.expansion = expansion
            q.analysis = analysis
            # the query rules, once per query: they depend only on the query as expanded and how
            # it is run, never on where it sits
            location = q.location
            key = (q.text, expansion.text, q.mode, q.usage, q.range_query, q.legend, q.interval_buckets)
            cached = known.get(key)
            if cached is None:
                cached = known.keep(key, (location, q.text_offset, check("query", q, calls)))
            found, found_offset, issues = cached
            for rule, severity, issue in issues:
                # another occurrence (another file, dashboard or panel, which may sit at the same
                # JSON path as the first): its own location, never the first one's
                if issue.at is not None and found is not location:
                    issue = Issue(issue.message, issue.fix, _moved(issue.at, found.path, found_offset, q))
                add(finding(rule, severity, q, issue))

    # -- dashboards -----------------------------------------------------------------------
    def dashboard(self, doc: Mapping[str, Any], location: Location, source: JsonLocator | None = None) -> None:
        """Lint one dashboard; `source`: the locator of the JSON text `doc` was decoded from, when
        `doc` is the whole of it (the variable rules read names from the text: _referenced_names)."""
        ctx = self.dashboard_context(doc, location, source)
        queries: list[QueryContext] = []  # the dashboard's PromQL, checked together once it is walked
        for name, var in ctx.variables.items():
            vctx = VariableContext(ctx, var, ctx.location.moved(path=ctx.variable_paths[name]))
            self.run("variable", vctx)
            self.variable_query(ctx, vctx, queries)
        for ref in iter_panels(ctx.dashboard, ctx.path):
            self.panel(ctx, ref, queries)
        self.annotations(ctx, queries)
        self.queries(queries)
        self.run("dashboard", ctx)
        # panels and targets point back at their dashboard: break the cycle so the dashboard's
        # objects are freed by reference counting as soon as the next one is read
        for pctx in ctx.panels:
            pctx.targets.clear()
        ctx.panels.clear()
        ctx.doubtful_refs.clear()

    def dashboard_context(self, doc: Mapping[str, Any], location: Location,
                          source: JsonLocator | None = None) -> DashboardContext:
        """The dashboard (unwrapped from an API envelope) with its variables and inputs indexed."""
        dash, inner = unwrap(doc)
        path = (*location.path, *inner)
        uid = dash.get("uid")
        uid = str(uid) if uid not in (None, "") and not isinstance(uid, (dict, list)) else None
        ctx = DashboardContext(self.env, dash, location.moved(path=path, dashboard=uid), uid=uid,
                               source=None if inner else source)
        for var, i in variables(dash):
            name = str(var.get("name") or "")
            if not name:
                continue
            ctx.variables.setdefault(name, var)
            ctx.variable_paths.setdefault(name, (*path, "templating", "list", i))
            if var.get("type") == "datasource":
                plugin = var.get("query")
                ctx.ds_variables[name] = str(plugin) if isinstance(plugin, str) and plugin else None
        for item in listed(dash.get("__inputs")):
            if isinstance(item, dict) and item.get("name"):
                ctx.inputs[str(item["name"])] = str(item.get("pluginId") or "") or None  # type: ignore[assignment]
        ctx.interval_vars = frozenset(n for n, v in ctx.variables.items() if v.get("type") == "interval")
        ctx.values = dashboard_values(ctx.variables, ctx.inputs)
        for name in ctx.variables.keys() - ctx.ds_variables.keys():
            # any variable may stand for a data source's uid (a reference's uid is interpolated with
            # every variable: DatasourceSrv.get → templateSrv.replace); its type is that of the
            # data source its one known value names
            value = ctx.values.known.get(name)
            ctx.ds_variables[name] = self.env.index.type_named(value.values[0]) \
                if value is not None and len(value.values) == 1 else None
        return ctx

    def panel(self, ctx: DashboardContext, ref: PanelRef, queries: list[QueryContext]) -> None:
        panel = ref.panel
        title, pid = panel_title(panel), panel_id(panel)
        location = ctx.location.of_panel(ref.path, title, pid)
        pctx = PanelContext(ctx, panel, location, str(panel.get("type") or ""), title, pid, ref.row, ref.collapsed,
                            ref.legacy_row, ctx.resolve(panel.get("datasource")))
        ctx.panels.append(pctx)
        if pctx.ds is not None and pctx.ds.doubtful:
            ctx.doubtful_refs.append((pctx, pctx.ds))
        # a panel's targets nearly always repeat one data source reference: the same one, or an
        # equal dict or string (not 1 and True, equal but named apart), is the same data source
        last: Any = _NOT_SEEN
        # the first target's, and each one's whose reference differs from the previous one's
        ds: Resolved
        resolved: Resolved | None
        for target, tpath in iter_targets(panel, ref.path):
            own = target.get("datasource")
            if not (own is last or (isinstance(own, (dict, str)) and own == last)):
                last, resolved = own, ctx.resolve(own)
                ds = self.effective_ds(resolved, pctx.ds)
            tctx = self.target(pctx, target, tpath, ds, queries)
            if resolved is not None and resolved.doubtful:
                ctx.doubtful_refs.append((tctx, resolved))
        self.run("panel", pctx)

    def target_ds(self, ctx: DashboardContext, panel_ds: Resolved | None, own: Any) -> Resolved:
        """A target's effective data source: its own (`own`, its `datasource` value), else its
        panel's (unless mixed), else the default."""
        return self.effective_ds(ctx.resolve(own), panel_ds)

    def effective_ds(self, ds: Resolved | None, panel_ds: Resolved | None) -> Resolved:
        """A target's effective data source, its own resolving to `ds` (None: it has none)."""
        if ds is None or (ds.is_mixed and panel_ds is not None):
            ds = panel_ds if panel_ds is not None and not panel_ds.is_mixed else self.dash_default
        return ds or Resolved(None, inherited=True)

    def variable_ds(self, ctx: DashboardContext, var: Mapping[str, Any]) -> Resolved:
        ds = ctx.resolve(var.get("datasource"))
        if ds is None:
            default = self.env.index.default
            ds = Resolved(default.type if default else None)
        return ds

    def language(self, ctx: DashboardContext, ds: Resolved, query: Mapping[str, Any]) -> str | None:
        """The query language of a target or variable query; for a data source of unknown type (given
        by a name no index knows, or not at all), what the dashboard's other queries on it say."""
        if ds.type is not None:
            return _LANGUAGE_OF_TYPE.get(ds.type)  # what _language says, without a call per target
        if ctx.guessed_languages is None:
            ctx.guessed_languages = self.guess_languages(ctx)
        guessed = ctx.guessed_languages.get(_ds_key(ds))
        if guessed is not None:
            return guessed
        return _language(None, query)

    def guess_languages(self, ctx: DashboardContext) -> dict[tuple[Any, ...], str]:
        """For each data source of unknown type, PromQL or LogQL by the queries that are certainly one
        of them (a metric name or `__name__`, a query without a selector: PromQL; line filters and
        parser stages: LogQL). Ambiguous queries (`{job="a"}`, `rate({job="a"}[5m])`) follow."""
        votes: dict[tuple[Any, ...], list[int]] = {}

        def vote(ds: Resolved, text: Any) -> None:
            if ds.type is None and isinstance(text, str) and text.strip():
                certain = _certain_language(text)
                if certain is not None:
                    votes.setdefault(_ds_key(ds), [0, 0])[certain == "logql"] += 1

        for ref in iter_panels(ctx.dashboard, ctx.path):
            panel_ds = ctx.resolve(ref.panel.get("datasource"))
            for target, _ in iter_targets(ref.panel, ref.path):
                vote(self.target_ds(ctx, panel_ds, target.get("datasource")), target.get("expr"))
        for var in ctx.variables.values():
            if var.get("type") == "query":
                vote(self.variable_ds(ctx, var), variable_query_text(var))
        return {key: "logql" if logql > promql else "promql" for key, (promql, logql) in votes.items()
                if promql != logql}

    def target(self, pctx: PanelContext, target: Mapping[str, Any], path: tuple[Any, ...], ds: Resolved,
               queries: list[QueryContext]) -> TargetContext:
        """One target of a panel, with its effective data source `ds` (Engine.panel)."""
        ctx = pctx.dash
        ref_id = target.get("refId")
        ref_id = str(ref_id) if ref_id is not None and ref_id != "" else None
        language = self.language(ctx, ds, target)
        tctx = TargetContext(pctx, target, path, ds, language, ref_id)
        pctx.targets.append(tctx)
        calls = self._target_calls[language]
        if calls:
            for rule, severity, issue in self.check("target", tctx, calls):
                self.findings.append(self.finding(rule, severity, tctx, issue))
        if language == "promql":
            expr = target.get("expr")
            if isinstance(expr, str) and expr.strip():
                legend = target.get("legendFormat")
                # the query's location straight from the panel's, as the target's would be (TargetContext)
                location = pctx.location.of_target(path + ("expr",), ref_id)
                queries.append(QueryContext(self.env, expr, "panel", location, GRAFANA, ctx.interval_vars, 0,
                                            is_range_query(target), legend if isinstance(legend, str) else None, ctx,
                                            self.interval_buckets(ctx, pctx.panel, target, ds)))
        return tctx

    def interval_buckets(self, ctx: DashboardContext, panel: Mapping[str, Any], target: Mapping[str, Any],
                         ds: Resolved) -> bool:
        """Whether the query's min interval keeps `$__interval` at two scrape intervals or more, so
        that windows of `[$__interval]` are buckets laid end to end (promql-interval-rate-window).

        The floor is the target's `interval` where it sets one (the Prometheus query's min step:
        promlib's calculatePrometheusInterval reads it in place of the panel's), else the
        panel's min interval; an interval variable counts at its smallest option (or auto_min).
        The scrape interval is the data source's `timeInterval`, else 15s, Grafana's default."""
        written = target.get("interval") or panel.get("interval")
        if not written:
            return False  # most panels: worked out only where a min interval is set
        floor = min_interval_s(written, ctx.variables)
        if floor is None:
            return False
        info = self.env.index.by_uid.get(ds.uid) if ds.uid else None
        scrape = info.scrape_s if info is not None and info.scrape_s else DEFAULT_SCRAPE_S
        return floor >= 2 * scrape

    def annotations(self, ctx: DashboardContext, queries: list[QueryContext]) -> None:
        """PromQL annotation queries run as range queries over the dashboard's time range."""
        annotations = ctx.dashboard.get("annotations")
        items = annotations.get("list") if isinstance(annotations, dict) else None
        for i, ann in enumerate(listed(items)):
            if not isinstance(ann, dict):
                continue
            ds = ctx.resolve(ann.get("datasource")) or self.dash_default
            expr = ann.get("expr")
            if isinstance(expr, str) and expr.strip() and _language(ds.type if ds else None, ann) == "promql":
                location = ctx.location.moved(path=(*ctx.path, "annotations", "list", i, "expr"),
                                              panel=f"annotation {ann.get('name') or i}")
                queries.append(QueryContext(self.env, expr, "annotation", location, GRAFANA, ctx.interval_vars, 0, True,
                                            None, ctx))

    def variable_query(self, ctx: DashboardContext, vctx: VariableContext, queries: list[QueryContext]) -> None:
        """PromQL inside a query variable: label_values(sel, label), query_result(q), series selectors."""
        var = vctx.variable
        if var.get("type") != "query":
            return
        ds = self.variable_ds(ctx, var)
        text = variable_query_text(var)
        if not isinstance(text, str) or not text.strip() or self.language(ctx, ds, {"expr": text}) != "promql":
            return
        query = var.get("query")
        key: tuple[str, ...] = ("query", "query") if isinstance(query, dict) else ("query",)
        if not isinstance(query, (str, dict)):
            key = ("definition",)
        location = vctx.location.child(*key).moved(panel=f"variable {var.get('name')}")
        for inner, offset in variable_promql(text):
            queries.append(QueryContext(self.env, inner, "variable", location, GRAFANA, ctx.interval_vars, offset,
                                        False, None, ctx))

    # -- Grafana-managed alerting ---------------------------------------------------------
    def alert_group(self, group: Mapping[str, Any], location: Location,
                    provisioning: bool = False) -> AlertGroupContext:
        interval, raw = group_interval(group)
        location = location.moved(group=group_title(group))
        gctx = AlertGroupContext(self.env, group, location, int(interval) if interval is not None else None,
                                 raw, provisioning)
        self.run("alert-group", gctx)
        for i, rule in enumerate(listed(group.get("rules"))):
            if isinstance(rule, dict):
                self.alert_rule(rule, location.child("rules", i), group, gctx.interval_s, provisioning)
        return gctx

    def alert_provisioning(self, doc: Mapping[str, Any], location: Location) -> None:
        """An alerting provisioning file: its shape as Grafana reads it (alerting_provisioning),
        then each of its rule groups."""
        self.run("alert-provisioning-file", AlertProvisioningFileContext(self.env, doc, location))
        for i, group in enumerate(listed(doc.get("groups"))):
            if isinstance(group, dict):
                self.alert_group(group, location.child("groups", i), provisioning=True)

    def alert_rule(self, rule: Mapping[str, Any], location: Location, group: Mapping[str, Any],
                   interval_s: int | None, provisioning: bool = False) -> None:
        title = rule.get("title")
        location = location.moved(
            alert=str(title) if title is not None else None,
            group=location.group or (str(rule["ruleGroup"]) if rule.get("ruleGroup") else None))
        ctx = AlertRuleContext(self.env, rule, location, group, interval_s, provisioning_file=provisioning)
        for i, item in enumerate(listed(rule.get("data"))):
            if not isinstance(item, dict):
                continue
            ref = str(item.get("refId") or "")
            ctx.data.setdefault(ref, (item, (*ctx.path, "data", i)))
            if is_expression(item):
                continue
            model = item.get("model")
            if not isinstance(model, dict):
                continue
            ds_type = self.alert_query_type(item)
            expr = model.get("expr")
            ctx.languages[ref] = _language(ds_type, model)
            if ctx.languages[ref] == "promql" and isinstance(expr, str) and expr.strip():
                qlocation = location.child("data", i, "model", "expr").moved(ref_id=ref or None)
                ctx.queries[ref] = self.promql(expr, "alert", qlocation, mode=ALERT,
                                               range_query=is_range_query(model))
        self.run("alert-rule", ctx)

    def alert_query_type(self, item: Mapping[str, Any]) -> str | None:
        uid = item.get("datasourceUid")
        info = self.env.index.by_uid.get(str(uid)) if uid is not None else None
        if info is not None:
            return info.type
        model = item.get("model")
        ds = model.get("datasource") if isinstance(model, dict) else None
        if isinstance(ds, dict) and ds.get("type"):
            return str(ds["type"])
        return None

    # -- Prometheus rule files ------------------------------------------------------------
    def prometheus_rule_object(self, doc: Mapping[str, Any], location: Location) -> None:
        """A PrometheusRule object: its shape as the Kubernetes API server judges it
        (prometheusrule_schema), then the rules of its spec."""
        self.run("prometheusrule", PrometheusRuleContext(self.env, doc, location))
        spec = doc.get("spec")
        if isinstance(spec, dict):
            self.prometheus_rules(spec, location.child("spec"), crd=True)

    def prometheus_rules(self, doc: Mapping[str, Any], location: Location, crd: bool = False) -> None:
        """A Prometheus rule file (`crd`: the spec of a PrometheusRule object, whose shape the
        Kubernetes API server judges, not rulefmt: prometheus_rule_object)."""
        if not crd:
            self.run("prom-rule-file", PromRuleFileContext(self.env, doc, location))
        for gi, group in enumerate(listed(doc.get("groups"))):
            if not isinstance(group, dict):
                continue
            glocation = location.moved(group=str(group.get("name")) if group.get("name") is not None else None)
            for ri, rule in enumerate(listed(group.get("rules"))):
                if not isinstance(rule, dict):
                    continue
                name = rule.get("alert") or rule.get("record")
                rlocation = glocation.child("groups", gi, "rules", ri).moved(
                    alert=str(name) if name is not None else None)
                ctx = PromRuleContext(self.env, rule, rlocation, group)
                expr = rule.get("expr")
                if isinstance(expr, (str, int, float)) and str(expr).strip():
                    usage = "recording-rule" if "record" in rule else "alerting-rule"
                    q = self.promql(str(expr), usage, rlocation.child("expr"), mode=NONE)
                    ctx.analysis = q.analysis
                self.run("prom-rule", ctx)

    # -- data sources ---------------------------------------------------------------------
    def datasources(self, items: Sequence[tuple[Mapping[str, Any], Location, bool]],
                    environments: Mapping[str, Any]) -> None:
        """Each (body, location, whether a provisioning file holds it) in turn, then the set."""
        contexts = []
        for written, location, provisioned in items:
            body = as_provisioned(written) if provisioned else written
            uid = body.get("uid")
            ctx = DatasourceContext(self.env, body,
                                    location.moved(dashboard=None, panel=f"data source {uid or body.get('name')}"),
                                    written=written if provisioned else None)
            _resolve_urls(ctx, environments)
            contexts.append(ctx)
            self.run("datasource", ctx)
            self.datasource_queries(ctx)
        self.run("datasources", DatasourceSetContext(self.env, contexts, environments))

    def datasource_queries(self, ctx: DatasourceContext) -> None:
        """Tempo's trace-to-metrics queries are PromQL run against the linked Prometheus."""
        data = ctx.body.get("jsonData")
        t2m = data.get("tracesToMetrics") if isinstance(data, dict) else None
        if not isinstance(t2m, dict):
            return
        for i, q in enumerate(listed(t2m.get("queries"))):
            if isinstance(q, dict) and isinstance(q.get("query"), str) and q["query"].strip():
                self.promql(q["query"], "datasource",
                            ctx.location.child("jsonData", "tracesToMetrics", "queries", i, "query"))


def _analysis_of(expansion: Expansion) -> tuple[Expansion, Analysis]:
    """The analysis the rules get, and the expansion it is of."""
    analysis = analyze(expansion.text, expansion.plain)
    valued_expansion = expansion.valued
    # `error is None` rather than the `ok` property: a Python call saved on every query
    if valued_expansion is not None and not (analysis.error is None and (
            expansion.valued_alike or expansion.valued_numbers and analysis.numbers_fit)):
        # the syntax verdict is Grafana's, with the values it would use; the semantic rules keep
        # the placeholders (whatever the selection) unless only the values make the query parse.
        # Values that are tokens of the placeholders' kinds, or numbers where series operands of
        # arithmetic and comparisons stand, parse as they do: no second parse
        valued = analyze(valued_expansion.text)
        if valued.error is not None or analysis.error is not None:
            return valued_expansion, valued
    return expansion, analysis


def _moved(at: Location, found_path: tuple[Any, ...], found_offset: int, ctx: QueryContext) -> Location:
    """A query rule's location found on one occurrence of a query (its string at `found_path`,
    starting at `found_offset` in it), moved to another occurrence, `ctx`.

    Query rules point into the query's string or at a key next to it (its legendFormat), so
    the path below the string's parent and the offset into the query carry over.
    """
    parent = len(found_path) - 1
    offset = at.offset
    if offset is not None and at.path == found_path:
        offset += ctx.text_offset - found_offset
    return ctx.location.moved(path=(*ctx.location.path[:-1], *at.path[parent:]), offset=offset)


#: the query language of each data source type that has one gac checks
_LANGUAGE_OF_TYPE = {"prometheus": "promql", "loki": "logql", "tempo": "traceql"}


def _language(ds_type: str | None, target: Mapping[str, Any]) -> str | None:
    """The query language of a target, from its data source type or, failing that, its shape."""
    if ds_type is not None:
        return _LANGUAGE_OF_TYPE.get(ds_type)
    expr = target.get("expr")
    if isinstance(expr, str) and expr.strip():
        return "logql" if _LOGQL_HINT.search(expr) else "promql"
    return None


_LOGQL_ONLY = re.compile(r"\|=|\|~|\}\s*(?:!=|!~)\s*[\"`]|\|\s*(?:json|logfmt|pattern|regexp|line_format|label_format|"
                         r"unwrap|decolorize|drop|keep|unpack)\b")
_PROMQL_ONLY = re.compile(r"__name__|[A-Za-z_:][A-Za-z0-9_:]*\s*\{")


def _certain_language(text: str) -> str | None:
    """"logql" or "promql" when the text can only be that language, else None."""
    if _LOGQL_ONLY.search(text):
        return "logql"
    if _VARIABLE_FUNC.match(text):
        parts = variable_promql(text)
        if not parts:
            return None  # label_values(job), label_names(): a label only, either language
        text = parts[0][0]
    if "{" not in text or _PROMQL_ONLY.search(text):
        return "promql"
    return None


def _ds_key(ds: Resolved) -> tuple[Any, ...]:
    return ds.uid, ds.legacy_name, ds.variable


def variable_promql(text: str) -> list[tuple[str, int]]:
    """The PromQL parts of a Prometheus variable query, with their offsets in the query."""
    m = _VARIABLE_FUNC.match(text)
    if not m:
        return [(text, 0)]
    func, inner = m.group(1), m.group(2)
    start = m.start(2)
    if func == "query_result":
        return [(inner, start)] if inner.strip() else []
    if func in ("label_values", "label_names"):
        # label_values(series, label): the series selector is everything before the last comma
        depth = 0
        quote = None
        last_comma = -1
        for i, ch in enumerate(inner):
            if quote:
                if ch == "\\":
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"'`":
                quote = ch
            elif ch in "({[":
                depth += 1
            elif ch in ")}]":
                depth -= 1
            elif ch == "," and depth == 0:
                last_comma = i
        if func == "label_values" and last_comma >= 0:
            return [(inner[:last_comma], start)] if inner[:last_comma].strip() else []
        if func == "label_names" and inner.strip():
            return [(inner, start)]
    return []


def _resolve_urls(ctx: DatasourceContext, environments: Mapping[str, Any]) -> None:
    url = ctx.body.get("url")
    if not isinstance(url, str) or not url:
        return
    uids = _PLACEHOLDER.findall(url)
    if not uids:
        ctx.urls[""] = url
        return
    for env_name, env in sorted((environments or {}).items()):
        sources = (env or {}).get("datasources") if isinstance(env, dict) else None
        resolved = url
        ok = True
        for uid in uids:
            entry = sources.get(uid) if isinstance(sources, dict) else None
            value = entry.get("url") if isinstance(entry, dict) else entry if isinstance(entry, str) else None
            if not isinstance(value, str) or not value:
                ok = False
                break
            resolved = resolved.replace("${datasources.%s.url}" % uid, value)
        if ok:
            ctx.urls[env_name] = resolved
        else:
            ctx.unresolved_envs.append(env_name)


# -- public entry points ------------------------------------------------------------------

def make_env(config: LintConfig, infos: Iterable[DatasourceInfo], authoritative: bool,
             catalog: Catalog | None = None) -> Env:
    """What every context of one run shares; checks the configured rule ids first, here where the
    registry is complete (exit 2 before anything is linted)."""
    config.check_rule_ids(RULES)
    # data sources declared in grafana.yaml mean the user listed what exists: unknown uids are errors
    index = DatasourceIndex.build(infos, config.datasources, authoritative or bool(config.datasources))
    if catalog is None:
        catalog = build_catalog(config.metrics_files, config.prometheus_url, config.catalog_shipped,
                                config.collectors)
    return Env(config, catalog, index)


def _info(body: Mapping[str, Any], origin: str) -> DatasourceInfo | None:
    """The data source a body or provisioning entry defines. It is the default only where
    `isDefault` is the boolean true: Grafana decodes it into a Go bool, refusing anything else
    (yaml.v3 reads `isDefault: no` as a string, which Python would take for true)."""
    uid = body.get("uid") or body.get("name")
    ds_type = body.get("type")
    if not uid or not ds_type:
        return None
    json_data = body.get("jsonData")
    scrape = seconds(json_data.get("timeInterval")) if isinstance(json_data, dict) else None
    return DatasourceInfo(str(uid), str(ds_type), str(body["name"]) if body.get("name") else None,
                          body.get("isDefault") is True, origin, scrape or None)


def _finalize(findings: list[Finding], config: LintConfig) -> list[Finding]:
    """The findings the config does not ignore (asked of each only where it ignores some), in order."""
    return sort_findings([f for f in findings if not config.is_ignored(f)] if config.ignore else findings)


def lint_resources(resources: list[Resource], config: LintConfig,
                   environments: Mapping[str, Any] | None = None, catalog: Catalog | None = None) -> list[Finding]:
    """Lint the project's compiled resources; the data sources among them are the complete set."""
    with _collector_paused():
        try:
            return _lint_resources(resources, config, environments, catalog)
        finally:
            _forget_queries()


def _forget_queries() -> None:
    """Empty the caches of analyses, expansions, LogQL checks and error positions' probes at the
    end of a run, while the collector is still paused: they hold hundreds of thousands of small
    objects, freed here by reference counting in a few milliseconds, which the first collection
    after the run would otherwise traverse for a tenth of a second per 20,000 distinct queries.
    A later run lints other queries (another project, other files) and fills them again."""
    forget_analyses()
    forget_expansions()
    forget_checks()
    forget_completions()


def _lint_resources(resources: list[Resource], config: LintConfig, environments: Mapping[str, Any] | None,
                    catalog: Catalog | None) -> list[Finding]:
    infos = [i for r in resources if r.kind == "datasource" for i in [_info(r.body, "project")] if i]
    env = make_env(config, infos, authoritative=True, catalog=catalog)
    engine = Engine(env)
    ds_items = []
    groups: list[AlertGroupContext] = []
    out: list[Finding] = []
    for r in sorted(resources, key=lambda r: (r.kind, r.key)):
        location = Location(r.source.file, line=r.source.line) if r.source else Location()
        start = len(engine.findings)
        if r.kind == "dashboard":
            engine.dashboard(r.body, location)
        elif r.kind == "alert-rule-group":
            groups.append(engine.alert_group(r.body, location))
        elif r.kind == "datasource":
            ds_items.append((r.body, location, False))
        out.extend(_at_sources(engine.findings[start:], r))
    start = len(engine.findings)
    engine.run("alert-groups", AlertGroupSetContext(env, groups))
    engine.datasources(ds_items, environments or {})
    notifications = notification_context(resources, declared_notifications(config.notifications), environments)
    if notifications is not None:
        engine.run("notifications", notifications)
    out.extend(engine.findings[start:])
    return _finalize(out, config)


from .notifications import declared as declared_notifications  # noqa: E402
from .notifications import from_resources as notification_context  # noqa: E402


def _at_sources(findings: list[Finding], resource: Resource) -> list[Finding]:
    """Point findings at the definition line of the object they are about, when known.

    A resource's `extra["sources"]` may map JSON paths inside its body (tuples such as
    ("panels", 3) or ("rules", 0)) to the `Source` that built that part; the deepest prefix
    of a finding's path wins, else the resource's own source stays. A dashboard compiled from
    a JSON file (`extra["json_file"]`) has its findings located in that file instead.
    """
    if not findings:
        return findings  # before reading the body: a rendered resource decodes it on every read
    json_file = resource.extra.get("json_file") if isinstance(resource.extra, dict) else None
    if json_file:
        return at_json_file(findings, json_file, resource.body)
    sources = resource.extra.get("sources") if isinstance(resource.extra, dict) else None
    if not sources:
        return findings
    out = []
    for f in findings:
        path = f.path
        for depth in range(len(path), 0, -1):
            src = sources.get(tuple(path[:depth]))
            if src is not None and getattr(src, "line", None):
                f = replace(f, file=src.file, line=src.line)
                break
        out.append(f)
    return out


def lint_paths(paths: list[Path], config: LintConfig, catalog: Catalog | None = None,
               environments: Mapping[str, Any] | None = None, problems: list[str] | None = None,
               jobs: int = 1) -> list[Finding]:
    """Lint files and directories; raises GacError (exit 2) for a missing or unreadable file.

    With a `problems` list, a file that cannot be read or parsed, a file named on its own
    that holds nothing lintable, a directory given that holds no JSON or YAML file and a
    symbolic link in one that cannot be followed (loaders.discover) are described there
    instead and the other files are still linted: one broken export must not hide the
    findings of a whole directory. (A file met while walking a directory that holds nothing
    lintable, a package.json say, is skipped.)

    Data sources found among the files (API bodies, provisioning files, generated/datasources)
    and those declared in the config are the known set; `environments` resolves URL
    placeholders in data source bodies, as for the project's own resources. Files that
    cannot define data sources or recording rules (loaders.may_define_context) are read in a
    second pass, one at a time, shared out among `jobs` processes (workers.py) when there are
    enough of them; a data source met there after all starts the lint again, its file read
    first.
    """
    with _collector_paused():
        try:
            return _lint_paths(paths, config, catalog, environments, problems, jobs)
        finally:
            _forget_queries()


def _lint_paths(paths: list[Path], config: LintConfig, catalog: Catalog | None,
                environments: Mapping[str, Any] | None, problems: list[str] | None, jobs: int,
                defining: frozenset[Path] = frozenset()) -> list[Finding]:
    """`lint_paths`; `defining`: files to read in the first pass whatever may_define_context says."""
    problems_before = len(problems) if problems is not None else 0  # linting again describes them again
    files = discover([Path(p) for p in paths], problems)
    named = {Path(p) for p in paths if Path(p).is_file()}

    def unreadable(exc: GacError, described: list[str]) -> None:
        """A file that cannot be read or parsed is described, or, without a `problems` list,
        ends the run."""
        if problems is None:
            raise exc
        described.append(str(exc))

    def documents(path: Path, text: str | None, described: list[str], empty: list[Path]) -> list[Document]:
        """The file's documents; a file read that holds none is added to `empty`."""
        try:
            docs = load(path, read_text(path) if text is None else text)
        except GacError as exc:
            unreadable(exc, described)
            return []
        if not docs:
            empty.append(path)
            if path in named and problems is not None:
                described.append(_nothing_to_lint(path))
        return docs

    early: list[Document] = []
    empty: list[Path] = []  # files read that hold nothing to lint (a package.json)
    late: list[Path] = []
    late_sizes: list[int] = []  # characters: what sharing them out among workers goes by
    for path in files:
        try:
            text = read_text(path)
        except GacError as exc:
            unreadable(exc, problems if problems is not None else [])
            continue
        if path in defining or may_define_context(text):
            early.extend(documents(path, text, problems if problems is not None else [], empty))
        else:
            late.append(path)  # without `problems`, a broken file raises before anything is returned
            late_sizes.append(len(text))
    infos = [i for d in early if d.kind == "datasource" for i in [_info(d.data, "file")] if i]
    env = make_env(config, infos, authoritative=bool(infos), catalog=catalog)
    recorded = [rule["record"] for d in early for rules in [_rule_file(d)] if rules is not None
                for group in listed(rules.get("groups")) if isinstance(group, dict)
                for rule in listed(group.get("rules")) if isinstance(rule, dict) and isinstance(rule.get("record"), str)]
    env.catalog.add_recorded(recorded)
    engine = Engine(env)
    out: list[Finding] = []
    datasource_docs = [d for d in early if d.kind == "datasource"]
    for d in early:
        if d.kind != "datasource":
            out.extend(_lint_document(engine, d))

    def lint_late(chunk: Sequence[Path]) -> tuple[list[Finding], list[str], GacError | None, list[Path], list[Path]]:
        """The findings and problems of files read one at a time, the error that ends the run,
        the files that turned out to hold a data source, and those that hold nothing to lint:
        returned, not raised, so that a worker can send them back."""
        found: list[Finding] = []
        described: list[str] = []
        holding: list[Path] = []
        nothing: list[Path] = []
        try:
            for path in chunk:
                for d in documents(path, None, described, nothing):
                    if d.kind == "datasource":
                        holding.append(path)
                    found.extend(_lint_document(engine, d))
        except GacError as exc:
            return found, described, exc, holding, nothing
        return found, described, None, holding, nothing

    found_late: list[Path] = []
    for found, described, error, holding, nothing in map_chunks(lint_late, _late_chunks(late, late_sizes, jobs),
                                                                jobs):
        if error is not None:
            raise error
        out.extend(found)
        found_late.extend(holding)
        empty.extend(nothing)
        if problems is not None:
            problems.extend(described)
    if found_late:
        # a data source whose file has none of the markers may_define_context looks for (only a
        # `url` beside its type and uid: dashboards' links have one too, and reading every such
        # file first would hold them all): the files linted before did not know it. Lint again,
        # with those files read first
        if problems is not None:
            del problems[problems_before:]
        return _lint_paths(paths, config, catalog, environments, problems, jobs, defining | set(found_late))
    if empty:
        nothing_below = _nothing_below(paths, files, set(empty))
        if nothing_below and problems is None:
            raise GacError(nothing_below[0])
        if problems is not None:
            problems.extend(nothing_below)
    start = len(engine.findings)
    engine.datasources([(d.data, Location(d.file, d.path), d.provisioned) for d in datasource_docs],
                       environments or {})
    for f in engine.findings[start:]:
        owner = next((d for d in datasource_docs if d.file == f.file and f.path[:len(d.path)] == d.path), None)
        out.extend(_locate([f], owner.locator) if owner is not None else [f])
    return _finalize(out, config)


def _rule_file(d: Document) -> Mapping[str, Any] | None:
    """The Prometheus rule file a document holds: a rule file's own map, a PrometheusRule's spec."""
    if d.kind == "prometheus-rules":
        return d.data
    spec = d.data.get("spec") if d.kind == "prometheus-rule-crd" else None
    return spec if isinstance(spec, dict) else None


def _nothing_to_lint(path: Path) -> str:
    return (f"{path}: not a Grafana dashboard, alert rule group, provisioning file, data source or Prometheus rule "
            "file: nothing in it to lint")


def _nothing_below(paths: list[Path], files: list[Path], empty: set[Path]) -> list[str]:
    """The directories given whose JSON and YAML files (of `files`, the ones linted) all hold
    nothing to lint (`empty`): pointed at the wrong folder (one of package.json and tool
    settings), a CI step would lint nothing and pass, as it would on a folder of no JSON at all
    (loaders.discover)."""
    out = []
    for given in map(Path, paths):
        if not given.is_dir():
            continue
        below = [f for f in files if f.is_relative_to(given)]
        if below and empty.issuperset(below):
            out.append(f"{given}: none of its {len(below)} JSON or YAML file(s) is a Grafana dashboard, alert rule "
                       "group, provisioning file, data source or Prometheus rule file: nothing to lint; check the path")
    return out


#: below this many characters of files to read one at a time, starting workers costs more than it saves
_PARALLEL_CHARS = 2_000_000


def _late_chunks(late: list[Path], sizes: list[int], jobs: int) -> list[list[Path]]:
    """The files read one at a time (`sizes`: their lengths when first read), as one chunk, or
    as chunks for `jobs` workers (a few per worker, so that one slow chunk does not keep the
    others waiting)."""
    if jobs <= 1 or len(late) < 2 or sum(sizes) < _PARALLEL_CHARS:
        return [late]
    return chunked(late, sizes, jobs * 4)


def _lint_document(engine: Engine, d: Document) -> list[Finding]:
    start = len(engine.findings)
    location = Location(d.file, d.path)
    if d.kind == "dashboard":
        engine.dashboard(d.data, location, d.locator if not d.path and isinstance(d.locator, JsonLocator) else None)
    elif d.kind == "alert-group":
        engine.alert_group(d.data, location)
    elif d.kind == "alert-rule":
        engine.alert_rule(d.data, location, {}, None)
    elif d.kind == "alert-provisioning":
        engine.alert_provisioning(d.data, location)
    elif d.kind == "prometheus-rules":
        engine.prometheus_rules(d.data, location)
    elif d.kind == "prometheus-rule-crd":
        engine.prometheus_rule_object(d.data, location)
    found = _locate(engine.findings[start:], d.locator)
    del engine.findings[start:]
    return found


def _locate(findings: list[Finding], locator: Any) -> list[Finding]:
    """Lines and columns for the findings without one, all of a document's at once (the
    locator counts its newlines once); a finding it cannot place stands without a line."""
    out = list(findings)
    if locator is None:
        return out
    todo = [i for i, f in enumerate(out) if f.line is None]
    places = locator.locate_many([(out[i].path, out[i].offset) for i in todo])
    for i, place in zip(todo, places):
        if place is not None:
            out[i] = out[i].located(*place)
    return out
