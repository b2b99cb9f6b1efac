"""Grafana-managed alert rules in the alerting provisioning API's shape.

grafanalib's alert classes emit the ruler API shape, so rules are built here: a rule is a
chain of queries and server-side expressions (`data`), a `condition` naming one refId, and
the states, labels and annotations the provisioning API takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..datasource_index import EXPR_UID
from ..markers import MANAGED_LABEL
from ..resource import ALERT_RULE_GROUP, Resource, Source, caller_source
from .durations import seconds
from .folders import Folder
from .checks import FOLDER_HINT, Checks, shown
from .datasources import DataSource
from .notifications import NotificationSettings

#: the states Grafana's provisioning API takes for a rule without data / with an error
NO_DATA_STATES = ("NoData", "Alerting", "OK", "KeepLast")
EXEC_ERROR_STATES = ("Error", "Alerting", "OK", "KeepLast")

#: data source types whose queries are not PromQL, among the ones gac defines (compile refuses a
#: PromQuery on one)
NOT_PROMQL = {"loki": "LogQL", "tempo": "TraceQL"}


@dataclass
class PromQuery:
    """A Prometheus/Mimir instant query evaluated over the last `lookback`; `datasource` is the
    data source's uid, or its definition (a `Prometheus(...)` object)."""

    ref_id: str
    expr: str
    datasource: str | DataSource = "prometheus"
    lookback: str = "10m"
    #: the type of the data source given by its definition (a uid alone: Prometheus)
    datasource_type: str = field(default="prometheus", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ds = self.datasource
        if isinstance(ds, DataSource):  # from here on the query names it by uid, as Grafana does
            self.datasource, self.datasource_type = ds.uid, ds.type

    def to_data(self) -> dict[str, Any]:
        return {
            "refId": self.ref_id,
            "datasourceUid": self.datasource,
            "relativeTimeRange": {"from": seconds(self.lookback), "to": 0},
            "model": {
                "refId": self.ref_id,
                "datasource": {"type": self.datasource_type, "uid": self.datasource},
                "editorMode": "code",
                "expr": self.expr,
                "instant": True,
                "range": False,
                "intervalMs": 1000,
                "maxDataPoints": 43200,
            },
        }


@dataclass
class Expression:
    """A server-side expression (reduce, threshold, math) over other refIds."""

    ref_id: str
    model: dict[str, Any]

    def to_data(self) -> dict[str, Any]:
        model = {"refId": self.ref_id, "datasource": {"type": EXPR_UID, "uid": EXPR_UID}} | self.model
        return {"refId": self.ref_id, "datasourceUid": EXPR_UID,
                "relativeTimeRange": {"from": 0, "to": 0}, "model": model}


#: the reducers of Grafana's reduce expression (pkg/expr/mathexp/reduce.go GetReduceFunc)
REDUCERS = ("sum", "mean", "min", "max", "count", "last")


def reduce(ref_id: str, of: str, reducer: str = "last") -> Expression:
    """Series → one number each; drops non-numbers so a gap does not fire the alert."""
    check = Checks(f"reduce {ref_id!r}" if isinstance(ref_id, str) else "reduce", caller_source())
    # GetReduceFunc lower-cases the name first: "Mean" is mean
    check.choice("reducer", reducer.lower() if isinstance(reducer, str) else reducer, REDUCERS)
    return Expression(ref_id, {"type": "reduce", "expression": of, "reducer": reducer,
                               "settings": {"mode": "dropNN"}})


_OPERATORS = {">": "gt", "<": "lt", ">=": "gte", "<=": "lte", "gt": "gt", "lt": "lt"}


def threshold(ref_id: str, of: str, op: str, value: float, *, check: Checks | None = None) -> Expression:
    """`of` compared with `value`; Grafana's threshold expression takes only a number there
    (a string such as "0.8" is stored as given and the rule fails at evaluation). `check`
    names the owner in messages: AlertRule.when passes the rule's, so errors name the rule."""
    check = check or Checks(f"threshold {ref_id!r}" if isinstance(ref_id, str) else "threshold", caller_source())
    check.choice("op", op, _OPERATORS)
    check.number("value", value, "write the number itself, e.g. value=0.8 (no quotes)")
    evaluator = {"type": _OPERATORS[op], "params": [value]}
    return Expression(ref_id, {"type": "threshold", "expression": of, "conditions": [{"evaluator": evaluator}]})


def math(ref_id: str, expression: str) -> Expression:
    return Expression(ref_id, {"type": "math", "expression": expression})


@dataclass
class AlertRule:
    """One rule. `when(expr, op, value)` builds the usual query → reduce → threshold chain."""

    uid: str
    title: str
    data: list[PromQuery | Expression]
    condition: str
    summary: str
    description: str
    runbook_url: str
    severity: str = "warning"
    pending: str = "5m"
    no_data: str = "NoData"
    exec_error: str = "Error"
    labels: dict[str, str] = field(default_factory=dict)
    #: simplified routing: send straight to a contact point, bypassing the policy tree
    notification_settings: NotificationSettings | None = None
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    @classmethod
    def when(cls, uid: str, title: str, expr: str, op: str, value: float, **kwargs: Any) -> "AlertRule":
        datasource = kwargs.pop("datasource", "prometheus")
        source = kwargs.get("source") or caller_source()
        kwargs.setdefault("source", source)  # the stack is walked once, not again by the field's default
        check = Checks(f"alert rule {uid!r}" if isinstance(uid, str) else "AlertRule", source)
        data: list[PromQuery | Expression] = [PromQuery("A", expr, datasource), reduce("B", "A"),
                                              threshold("C", "B", op, value, check=check)]
        return cls(uid, title, data, "C", **kwargs)

    def __post_init__(self) -> None:
        check = Checks(f"alert rule {self.uid!r}" if isinstance(self.uid, str) else "AlertRule", self.source)
        check.uid(self.uid, "give it a stable uid (letters, digits, - and _) so sync updates it in place")
        check.text("title", self.title, "give it a title people can read in the alert list")
        _check_length(check, "title", self.title)
        check.items("data", self.data, (PromQuery, Expression), "PromQuery or Expression",
                    "pass queries and expressions such as PromQuery('A', 'up'), reduce('B', 'A')", empty=False)
        for item in self.data:
            if isinstance(item, PromQuery):
                check.text(f"query {item.ref_id} expr", item.expr, "write the PromQL query as a string, e.g. 'up == 0'")
                check.text(f"query {item.ref_id} datasource", item.datasource, "pass the data source's uid, e.g. "
                           "'prometheus', or its definition")
                check.instance(f"query {item.ref_id} lookback", item.lookback, str, "a duration string",
                               "use e.g. '5m', '10m', '1h'")
                check.parses(f"query {item.ref_id} lookback", item.lookback, seconds, "")
        ref_ids = [item.ref_id for item in self.data]
        if self.condition not in ref_ids:
            check.fail(f"condition is {shown(self.condition)}, not one of its data refIds ({', '.join(ref_ids)}); "
                       "name the expression whose result fires the alert")
        for name in ("summary", "description", "runbook_url", "severity"):
            check.text(name, getattr(self, name), f"pass {name} as a string", empty=True)
        check.instance("pending", self.pending, str, "a duration string", "use e.g. '0s', '5m', '1h'")
        check.parses("pending", self.pending, lambda value: seconds(value, allow_zero=True), "")
        check.choice("no_data", self.no_data, NO_DATA_STATES)
        check.choice("exec_error", self.exec_error, EXEC_ERROR_STATES)
        check.instance("labels", self.labels, dict, "a dict of label name → value", "pass e.g. {'team': 'sre'}")
        for key, value in self.labels.items():
            check.instance(f"label name {key!r}", key, str, "a string", "label names are strings, e.g. 'team'")
            check.instance(f"labels[{key!r}]", value, str, "a string", "label values are strings")
            if key == "severity":
                check.fail("labels['severity']: the severity is an argument of its own, severity=...; given in "
                           "labels too, one of the two would be lost")
            if key == MANAGED_LABEL[0]:
                check.fail(f"labels[{key!r}] is gac's own label, which marks the rules sync manages (--prune "
                           "deletes only those): remove it")
            if key.startswith("__"):
                check.fail(f"labels[{key!r}]: names starting with __ are reserved for Prometheus's and Grafana's "
                           "own labels (__alert_rule_uid__, __grafana_receiver__, ...); rename it")
        check.instance("notification_settings", self.notification_settings, (NotificationSettings, type(None)),
                       "NotificationSettings", "pass NotificationSettings(receiver=...) or leave it out")
        if self.notification_settings is not None:
            self.notification_settings.to_body()  # its errors point at the definition now

    def to_body(self, group: str, folder_uid: str) -> dict[str, Any]:
        body = self._body(group, folder_uid)
        if self.notification_settings is not None:
            body["notification_settings"] = self.notification_settings.to_body()
        return body

    def _body(self, group: str, folder_uid: str) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "title": self.title,
            "ruleGroup": group,
            "folderUID": folder_uid,
            "condition": self.condition,
            "data": [d.to_data() for d in self.data],
            "for": self.pending,
            "noDataState": self.no_data,
            "execErrState": self.exec_error,
            "isPaused": False,
            # the managed label is what sync's --prune trusts; written here so generated/ shows it
            "labels": {"severity": self.severity, MANAGED_LABEL[0]: MANAGED_LABEL[1]} | self.labels,
            "annotations": {"summary": self.summary, "description": self.description,
                            "runbook_url": self.runbook_url},
        }


#: the longest rule title and group name Grafana stores (its alert rule model and swagger: 190)
MAX_TITLE = 190


def _check_length(check: Checks, name: str, value: str) -> None:
    size = len(value.encode())  # Go's len: bytes, so é counts twice
    if size > MAX_TITLE:
        check.fail(f"{name} is {size} bytes long (UTF-8); Grafana refuses more than {MAX_TITLE}: shorten it")


@dataclass
class RuleGroup:
    """Rules evaluated together every `interval`; replaced as a whole by the provisioning API."""

    title: str
    folder: Folder
    interval: str
    rules: list[AlertRule]
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        check = Checks(f"rule group {self.title!r}" if isinstance(self.title, str) else "RuleGroup", self.source)
        check.text("title", self.title, "give the group a title (unique in its folder)")
        _check_length(check, "title", self.title)
        check.instance("folder", self.folder, Folder, "a Folder", FOLDER_HINT)
        check.instance("interval", self.interval, (str, int), "a duration", "use e.g. '1m'")
        check.parses("interval", self.interval, seconds, "")
        # empty: Grafana keeps no group without rules, so every sync would create it again
        check.items("rules", self.rules, AlertRule, "AlertRule", "pass a list of AlertRule objects", empty=False)

    def to_resource(self) -> Resource:
        body = {
            "title": self.title,
            "folderUid": self.folder.uid,
            "interval": seconds(self.interval),
            "rules": [rule.to_body(self.title, self.folder.uid) for rule in self.rules],
        }
        sources = {("rules", i): rule.source for i, rule in enumerate(self.rules) if rule.source is not None}
        return Resource(ALERT_RULE_GROUP, self.title, body, self.folder.uid, self.source, {"sources": sources})
