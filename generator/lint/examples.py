"""Rules' Bad and Good examples as inputs the linter runs on.

`gac lint --list-rules` shows each rule's examples as written in its docstring. So that it
never documents a rule that does not fire on its own Bad example (or fires on its Good one),
an example is a short input of the kind the rule names (registry.EXAMPLE_KINDS): a PromQL
expression, or a YAML/JSON fragment laid over a clean object of that kind. The clean objects
below are what a reader can assume around the fragment; `lint_example` lints the result in
memory and returns the findings.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

import yaml

from .config import LintConfig
from ..datasource_index import DatasourceInfo
from .engine import Engine, make_env
from .finding import Finding, Location, sort_findings
from .registry import Rule

#: the OpenTelemetry / LGTM stack every example runs against (DESIGN.md)
STACK: dict[str, dict[str, Any]] = {
    uid: {"uid": uid, "name": uid.capitalize(), "type": uid, "access": "proxy", "url": url, "jsonData": {}}
    for uid, url in (("prometheus", "http://prometheus:9090"), ("loki", "http://loki:3100"),
                     ("tempo", "http://tempo:3200"))
}
PROMETHEUS = {"type": "prometheus", "uid": "prometheus"}
TARGET = {"refId": "A", "datasource": PROMETHEUS,
          "expr": "sum by (job) (rate(otelcol_exporter_sent_spans_total[5m]))"}
PANEL = {"id": 1, "type": "timeseries", "title": "Spans sent", "datasource": PROMETHEUS,
         "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
         "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []}, "targets": [TARGET]}
DASHBOARD = {"uid": "otel-collector", "title": "Collector", "schemaVersion": 39, "panels": [PANEL],
             "templating": {"list": []}}
ALERT_RULE = {
    "uid": "spans-refused", "title": "Collector refuses spans", "condition": "C", "for": "5m",
    "noDataState": "NoData", "execErrState": "Error", "labels": {"severity": "warning"},
    "annotations": {"summary": "{{ $labels.job }} refuses spans"},
    "data": [
        {"refId": "A", "datasourceUid": "prometheus", "relativeTimeRange": {"from": 600, "to": 0},
         "model": {"refId": "A", "expr": "sum by (job) (rate(otelcol_receiver_refused_spans_total[5m]))",
                   "instant": True}},
        {"refId": "B", "datasourceUid": "__expr__",
         "model": {"refId": "B", "type": "reduce", "expression": "A", "reducer": "last"}},
        {"refId": "C", "datasourceUid": "__expr__",
         "model": {"refId": "C", "type": "threshold", "expression": "B",
                   "conditions": [{"evaluator": {"type": "gt", "params": [0]}}]}},
    ],
}
ALERT_GROUP = {"title": "collector", "folderUid": "otel", "interval": 60, "rules": [ALERT_RULE]}
PROM_RULE = {"alert": "CollectorRefusesSpans",
             "expr": "sum by (job) (rate(otelcol_receiver_refused_spans_total[5m])) > 0", "for": "5m",
             "labels": {"severity": "warning"}, "annotations": {"summary": "{{ $labels.job }} refuses spans"}}


def _over(base: Mapping[str, Any], fragment: Any) -> dict[str, Any]:
    """`fragment`'s keys over a copy of `base` (a key set to null is removed)."""
    if not isinstance(fragment, Mapping):
        raise ValueError(f"expected a mapping of fields, found {fragment!r}")
    out = copy.deepcopy(dict(base))
    for key, value in fragment.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _panel(fragment: Any) -> dict[str, Any]:
    panel = _over(PANEL, fragment)
    panel["targets"] = [_over(TARGET, t) for t in panel.get("targets") or []]
    return panel


def documents(kind: str, text: str) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
    """The documents an example stands for, as (what, document) pairs, and the data sources."""
    datasources = [copy.deepcopy(ds) for ds in STACK.values()]
    if kind == "traceql":
        target = {"refId": "A", "datasource": {"type": "tempo", "uid": "tempo"}, "queryType": "traceql", "query": text}
        return [("dashboard", _over(DASHBOARD, {"panels": [_over(PANEL, {"type": "traces", "targets": [target]})]}))], \
            datasources
    if kind in ("query", "logql"):
        target = {**TARGET, "expr": text} if kind == "query" else \
            {"refId": "A", "datasource": {"type": "loki", "uid": "loki"}, "expr": text}
        return [("dashboard", _over(DASHBOARD, {"panels": [_over(PANEL, {"targets": [target]})]}))], datasources
    fragment = yaml.safe_load(text)
    if kind == "target":
        return [("dashboard", _over(DASHBOARD, {"panels": [_over(PANEL, {"targets": [_over(TARGET, fragment)]})]}))], \
            datasources
    if kind == "panel":
        return [("dashboard", _over(DASHBOARD, {"panels": [_panel(fragment)]}))], datasources
    if kind == "dashboard":
        dashboard = _over(DASHBOARD, fragment)
        dashboard["panels"] = [_panel(p) for p in dashboard.get("panels") or []]
        return [("dashboard", dashboard)], datasources
    if kind == "alert-rule":
        return [("alert-group", _over(ALERT_GROUP, {"rules": [_over(ALERT_RULE, fragment)]}))], datasources
    if kind == "alert-group":
        return [("alert-group", _over(ALERT_GROUP, fragment))], datasources
    if kind == "prom-rule":
        return [("prometheus-rules", {"groups": [{"name": "collector", "rules": [_over(PROM_RULE, fragment)]}]})], \
            datasources
    if kind == "prom-rules":
        return [("prometheus-rules", {"groups": [{"name": "collector", "rules": fragment}]})], datasources
    if kind == "notifications":
        return [("notifications", fragment)], datasources
    if kind == "alert-provisioning":
        return [("alert-provisioning", fragment)], datasources
    if kind == "prometheusrule":
        return [("prometheus-rule-crd", fragment)], datasources
    if kind in ("datasource", "provisioned-datasource"):
        body = _over(STACK["prometheus"], fragment)
        return [], [body] + [ds for ds in datasources if ds["uid"] != body.get("uid")]
    if kind == "datasources":
        bodies = [_over(STACK.get(str(item.get("uid")), {}), item) for item in fragment]
        uids = {b.get("uid") for b in bodies}
        return [], bodies + [ds for ds in datasources if ds["uid"] not in uids]
    raise ValueError(f"unknown example kind {kind!r}")


from .notifications import from_example as notification_example  # noqa: E402


def lint_example(rule: Rule, text: str) -> list[Finding]:
    """Lint one of `rule`'s examples (its `bad` or `good` text) with every rule enabled."""
    docs, datasources = documents(rule.example, text)
    config = LintConfig()
    infos = [DatasourceInfo(ds["uid"], ds["type"], ds.get("name"), False, "example")
             for ds in datasources if ds.get("uid") and ds.get("type")]
    engine = Engine(make_env(config, infos, authoritative=True))
    for what, doc in docs:
        location = Location(f"example of {rule.id}")
        if what == "dashboard":
            engine.dashboard(doc, location)
        elif what == "alert-group":
            engine.alert_group(doc, location)
        elif what == "notifications":
            engine.run("notifications", notification_example(doc, location))
        elif what == "alert-provisioning":
            engine.alert_provisioning(doc, location)
        elif what == "prometheus-rule-crd":
            engine.prometheus_rule_object(doc, location)
        else:
            engine.prometheus_rules(doc, location)
    # the example's own data source comes first (`documents`)
    engine.datasources([(ds, Location(f"example of {rule.id}"), i == 0 and rule.example == "provisioned-datasource")
                        for i, ds in enumerate(datasources)], {})
    return sort_findings(engine.findings)
