"""The rule registry: every rule has an id, a severity, a one-line summary and a docstring.

Rules are plain functions registered with `@rule(...)`. A rule receives the context of the
object it checks (a dashboard, a panel, a query, an alert rule, ...) and yields `Issue`s (or
returns them: the query and panel rules, called on every query and panel, skip a generator's
cost); the engine turns them into `Finding`s with the object's location, so rules stay free
of bookkeeping.
The docstring is the rule's documentation (`gac lint --list-rules`): it says why the rule
exists and shows a bad and a good example, as sqlfluff and pint document theirs.
The examples are inputs, not prose: each rule names the kind of object its examples are
(`example=`), and examples.py lints them, so a rule cannot document a Bad example it does
not report (tests/test_lint_rules.py runs every one).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Callable, Iterable, NamedTuple

from .finding import SEVERITIES, Location

#: What a rule looks at. The engine calls each rule once per object of its scope.
SCOPES = (
    "dashboard",      # DashboardContext: the whole dashboard model
    "panel",          # PanelContext: one panel (rows, collapsed rows and legacy rows included)
    "target",         # TargetContext: one panel target with its effective data source
    "variable",       # VariableContext: one templating variable
    "query",          # QueryContext: one PromQL expression (panels, variables, alerts, rule files)
    "alert-group",    # AlertGroupContext: a Grafana-managed rule group
    "alert-groups",   # AlertGroupSetContext: the project's rule groups together (across the groups of a folder)
    "alert-rule",     # AlertRuleContext: a Grafana-managed alert rule
    "alert-provisioning-file",  # AlertProvisioningFileContext: an alerting provisioning file, as Grafana reads it
    "prom-rule-file", # PromRuleFileContext: a Prometheus rule file, as Prometheus decodes it
    "prometheusrule", # PrometheusRuleContext: a PrometheusRule object, as the Kubernetes API server judges it
    "prom-rule",      # PromRuleContext: a Prometheus alerting or recording rule
    "datasource",     # DatasourceContext: one data source definition
    "datasources",    # DatasourceSetContext: all data sources together (cross references, ports)
    "notifications",  # NotificationSetContext: the policy tree, contact points, templates, mute timings, rules
)


class Issue(NamedTuple):
    """What a rule reports; the engine adds the rule id and severity.

    `at` is where: the checked object itself when omitted, else a Location the rule derives
    from its context's (`ctx.location.child("interval")`, `panel.location.child("gridPos")`,
    `ctx.at(offset)` for a character of a query). A named tuple, not a frozen dataclass:
    rules make one per finding, and a tuple is built in a fraction of the time.
    """

    message: str
    fix: str | None = None
    at: Location | None = None


Check = Callable[[Any], Iterable[Issue]]


#: What a rule's Bad and Good examples are; examples.py turns each into a document to lint.
EXAMPLE_KINDS = {
    "query": "a PromQL expression, as a panel target's expr",
    "logql": "a LogQL expression, as a Loki panel target's expr",
    "traceql": "a TraceQL query, as a Tempo panel target's query",
    "target": "panel target fields, over a Prometheus target",
    "panel": "panel fields, over a panel with one Prometheus target",
    "dashboard": "dashboard fields, over a dashboard with one panel (each panel over that panel)",
    "alert-rule": "alert rule fields, over a Grafana-managed rule: query A, reduce B, threshold C",
    "alert-group": "rule group fields, over a group with that rule",
    "prom-rule": "Prometheus rule fields, over an alerting rule",
    "prom-rules": "a Prometheus rule group's rules",
    "prometheusrule": "a whole PrometheusRule object (apiVersion, kind, metadata, spec.groups)",
    "alert-provisioning": "a whole alerting provisioning file (apiVersion: 1, groups, contactPoints, policies, ...)",
    "datasource": "data source fields, over the Prometheus of the stack (Prometheus, Loki, Tempo)",
    "provisioned-datasource": "data source fields of a provisioning file, over the Prometheus of the stack",
    "datasources": "data sources, each over the stack's data source with its uid",
    "notifications": "a notification set: tree, contact_points, templates, mute_timings, rules (uid, labels)",
}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str
    scopes: tuple[str, ...]
    check: Check
    doc: str
    example: str = "query"   # one of EXAMPLE_KINDS
    #: the fact (FACTS) without which the rule cannot report, and how the engine reads it: the
    #: rule is only called on contexts where it is present
    needs: str | None = None
    present: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)
    #: the query language (LANGUAGES) of the only panel targets the rule reads: the engine does
    #: not hand it a target in another language (in other scopes it sees every object)
    language: str | None = None

    @property
    def scope(self) -> str:
        return ", ".join(self.scopes)

    @property
    def module(self) -> str:
        return self.check.__module__.rsplit(".", 1)[-1]

    @property
    def bad(self) -> str:
        """The Bad example's text, as --list-rules shows it."""
        return _section(self.doc, "Bad:", "Good:")

    @property
    def good(self) -> str:
        return _section(self.doc, "Good:", None)


def _section(doc: str, start: str, end: str | None) -> str:
    """The indented block after `start` (up to `end`), dedented: an example as written."""
    text = doc.split(start, 1)[1] if start in doc else ""
    if end is not None:
        text = text.split(end, 1)[0]
    return inspect.cleandoc("\n" + text.strip("\n")) if text.strip() else ""


#: What a rule may declare it needs (`rule(..., needs=...)`): an attribute of its context,
#: dotted, that is falsy (None, an empty tuple or string) where the rule has nothing to say.
#: Most queries give most query rules nothing to report (no parse error, no `le` dropped, no
#: $__interval window, no legend), yet each call of a rule costs a Python call and a frame;
#: the engine reads the fact first, at C speed (operator.attrgetter, Rule.present), and does
#: not call a rule whose fact is absent. (Choosing the rules from a dict keyed by which facts
#: are present costs more than it saves: building the key reads every fact of every rule.)
#: The rule keeps its own guard, so it stays right when called directly (tests, examples);
#: tests/test_lint_rule_facts.py runs every rule on every query of the corpus, called directly
#: and through the engine, and compares.
FACTS = {
    "analysis.error": "the query does not parse (an Analysis error is never empty)",
    "analysis.selectors": "the query has a vector selector",
    "analysis.metric_names": "the query names a metric",
    "analysis.rated": "a metric directly under rate(), irate() or increase()",
    "analysis.quantile_without_le": "a histogram_quantile() whose aggregation drops `le`",
    "analysis.interval_rate_calls": "a rate() over [$__interval]",
    "legend": "the query has a legend template (a panel target's legendFormat)",
}


#: What a target-scope rule may declare it reads (`rule(..., language=...)`): the query language
#: of a panel target (TargetContext.language). Every target is in one language, and a rule of
#: one language has nothing to say on the others (a LogQL parser on PromQL), yet calling it
#: costs a Python call and a generator on every target; the engine chooses the target rules by
#: the target's language once, instead. The rule keeps its own guard, so it stays right when
#: called directly; tests/test_lint_rule_facts.py checks that it reports nothing elsewhere.
LANGUAGES = ("promql", "logql", "traceql")


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: str, summary: str, scope: str | tuple[str, ...],
         example: str = "query", needs: str | None = None,
         language: str | None = None) -> Callable[[Check], Check]:
    """Register a check function as a rule. The function's docstring is the rule's doc; its
    Bad and Good examples are inputs of the kind `example` (EXAMPLE_KINDS).

    A rule may apply to several scopes (an alert-label rule to Grafana-managed and to
    Prometheus alert rules); its check then receives contexts of each of those kinds.
    `needs` names the fact (FACTS) of its context without which it cannot report: the rule
    is only called on contexts that have it. `language` (LANGUAGES) names the only language of
    the panel targets it reads: it is not called on targets in another.
    """
    scopes = (scope,) if isinstance(scope, str) else tuple(scope)
    if needs is not None and needs not in FACTS:
        raise ValueError(f"rule {rule_id}: needs {needs!r}, which is not one of {sorted(FACTS)}")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"rule {rule_id}: language {language!r} is not one of {LANGUAGES}")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: severity {severity!r} is not one of {SEVERITIES}")
    for s in scopes:
        if s not in SCOPES:
            raise ValueError(f"rule {rule_id}: scope {s!r} is not one of {SCOPES}")
    if example not in EXAMPLE_KINDS:
        raise ValueError(f"rule {rule_id}: example kind {example!r} is not one of {sorted(EXAMPLE_KINDS)}")

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        doc = inspect.cleandoc(check.__doc__ or "")
        registered = Rule(rule_id, severity, summary, scopes, check, doc, example, needs,
                          attrgetter(needs) if needs is not None else None, language)
        if not registered.bad or not registered.good:
            raise ValueError(f"rule {rule_id}: the docstring must show a 'Bad:' and a 'Good:' example")
        RULES[rule_id] = registered
        return check

    return register


def rules_in_scope(scope: str) -> list[Rule]:
    return [r for r in sorted(RULES.values(), key=lambda r: r.id) if scope in r.scopes]
