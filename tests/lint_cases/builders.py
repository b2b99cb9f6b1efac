"""Small builders for lint tests: dashboards, panels, alert rules, rule files, data sources.

Each builder returns a plain dict in the shape Grafana (or Prometheus) uses, with sensible
valid defaults, so a test states only what it changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from generator.lint import Finding, LintConfig, lint_paths, lint_resources
from generator.lint import engine as lint_engine
from generator.lint.contexts import TargetContext
from generator.resource import Resource, Source

DECLARED = {"prom": "prometheus", "loki": "loki", "tempo": "tempo"}


def prom_target(expr: str, ref: str = "A", **extra: Any) -> dict[str, Any]:
    return {"refId": ref, "datasource": {"type": "prometheus", "uid": "prom"}, "expr": expr, **extra}


def loki_target(expr: str, ref: str = "A") -> dict[str, Any]:
    return {"refId": ref, "datasource": {"type": "loki", "uid": "loki"}, "expr": expr}


def tempo_target(query: str, ref: str = "A", **extra: Any) -> dict[str, Any]:
    return {"refId": ref, "datasource": {"type": "tempo", "uid": "tempo"}, "queryType": "traceql", "query": query,
            **extra}


def panel(*targets: dict[str, Any], id: int = 1, title: str = "Panel", type: str = "timeseries",
          unit: str | None = "short", grid: tuple[int, int, int, int] | None = None, **extra: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"id": id, "type": type, "title": title, "targets": list(targets),
                         "gridPos": dict(zip("xywh", grid or (0, (id - 1) * 8, 12, 8)))}
    if unit is not None:
        p["fieldConfig"] = {"defaults": {"unit": unit}, "overrides": []}
    p.update(extra)
    return p


def variable(name: str, type: str = "custom", query: Any = "a,b", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type, "query": query, **extra}


def dashboard(*panels: dict[str, Any], variables: list[dict[str, Any]] | None = None, uid: str | None = "dash",
              **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"title": "Test", "schemaVersion": 39, "panels": list(panels),
                         "templating": {"list": variables or []}}
    if uid is not None:
        d["uid"] = uid
    d.update(extra)
    return d


def prom_query(ref: str, expr: str, instant: bool = True, **extra: Any) -> dict[str, Any]:
    return {"refId": ref, "datasourceUid": "prom", "relativeTimeRange": {"from": 600, "to": 0},
            "model": {"refId": ref, "expr": expr, "instant": instant, "range": not instant, **extra}}


def expression(ref: str, **model: Any) -> dict[str, Any]:
    return {"refId": ref, "datasourceUid": "__expr__", "relativeTimeRange": {"from": 0, "to": 0},
            "model": {"refId": ref, "datasource": {"type": "__expr__", "uid": "__expr__"}, **model}}


def alert_rule(data: list[dict[str, Any]] | None = None, condition: str = "C", **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "uid": "r1", "title": "Collector drops spans", "condition": condition,
        "data": data if data is not None else [
            prom_query("A", "sum by (job) (rate(otelcol_receiver_refused_spans_total[5m]))"),
            expression("B", type="reduce", expression="A", reducer="last"),
            expression("C", type="threshold", expression="B",
                       conditions=[{"evaluator": {"type": "gt", "params": [0]}}]),
        ],
        "for": "5m", "noDataState": "NoData", "execErrState": "Error",
        "labels": {"severity": "warning"},
        "annotations": {"summary": "{{ $labels.job }} refuses spans ({{ humanize $value }})"},
    }
    r.update(extra)
    return r


def alert_group(*rules: dict[str, Any], interval: Any = 60) -> dict[str, Any]:
    return {"title": "collector", "folderUid": "otel", "interval": interval, "rules": list(rules)}


def prom_rules(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"groups": [{"name": "g", "rules": list(rules)}]}


def datasource(uid: str, type: str, url: str, **json_data: Any) -> dict[str, Any]:
    return {"uid": uid, "name": uid.capitalize(), "type": type, "access": "proxy", "url": url,
            "jsonData": json_data}


def config(**mapping: Any) -> LintConfig:
    mapping.setdefault("datasources", dict(DECLARED))
    return LintConfig.from_mapping(mapping)


def lint_docs(tmp_path: Path, *docs: dict[str, Any], cfg: LintConfig | None = None, yaml_docs: bool = False,
              **kwargs: Any) -> list[Finding]:
    """Write each document to a file under tmp_path and lint them all with lint_paths."""
    paths = []
    for i, doc in enumerate(docs):
        path = tmp_path / (f"doc{i}.yaml" if yaml_docs else f"doc{i}.json")
        path.write_text(yaml.safe_dump(doc, sort_keys=False) if yaml_docs else json.dumps(doc, indent=2))
        paths.append(path)
    return lint_paths(paths, cfg or config(), **kwargs)


def lint_project(*resources: Resource, environments: dict[str, Any] | None = None,
                 cfg: LintConfig | None = None) -> list[Finding]:
    return lint_resources(list(resources), cfg or LintConfig(), environments)


def ds_resource(body: dict[str, Any]) -> Resource:
    return Resource("datasource", body["uid"], body, None, Source(f"datasources/{body['uid']}.py", 5))


def dash_resource(body: dict[str, Any]) -> Resource:
    return Resource("dashboard", body.get("uid") or "x", body, "otel", Source("dashboards/test.py", 10))


def group_resource(body: dict[str, Any]) -> Resource:
    return Resource("alert-rule-group", body["title"], body, body.get("folderUid"), Source("alerts/test.py", 3))


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def recorded_targets(monkeypatch: Any) -> list[TargetContext]:
    """The target contexts the engine makes from now on (until `monkeypatch` undoes it), in order:
    what a test of the engine's walk compares with the long way."""
    seen: list[TargetContext] = []

    def recording(*args: Any) -> TargetContext:
        ctx = TargetContext(*args)
        seen.append(ctx)
        return ctx

    monkeypatch.setattr(lint_engine, "TargetContext", recording)
    return seen
