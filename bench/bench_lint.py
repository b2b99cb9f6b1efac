"""Benchmark `gac lint` on a synthetic tree: 1,000 dashboards × 20 panels × 3 targets.

    .venv/bin/python bench/bench_lint.py [--dashboards 1000] [--panels 20] [--targets 3] [--seed 7]
                                         [--tracemalloc] [--unique]

The tree is generated deterministically in a temporary directory: realistic PromQL with
template variables and Grafana macros in every position (label values, regexes, rate windows,
`by` lists, topk parameters), legends, units, a few variables per dashboard. Reported:

* lint: `lint_paths(tree)` end to end (discovery, JSON load, expansion, parse, rules, sort);
* floor: `promql_parser.parse` of the same 60,000 expressions (already expanded, no cache),
  measured in the same run: what parsing alone costs, the lower bound the linter is held to;
* targets per second, the ratio lint/floor (target: at most 2), peak RSS, and with
  --tracemalloc the peak Python allocation during the lint (a separate, slower pass).

Not run by the test suite.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import promql_parser  # noqa: E402

from generator.lint import LintConfig, lint_paths  # noqa: E402
from generator.lint.promql_analysis import analyze  # noqa: E402
from generator.lint.promql_expand import GRAFANA, _expand, expand  # noqa: E402

COUNTERS = [f"app{i}_{what}" for i in range(40) for what in ("requests", "errors", "bytes_sent", "retries")]
COUNTERS += ["otelcol_receiver_accepted_spans", "otelcol_receiver_refused_spans", "otelcol_exporter_sent_spans",
             "otelcol_exporter_send_failed_spans", "otelcol_processor_incoming_items"]
HISTOGRAMS = ["http_server_duration_milliseconds", "http_server_request_duration_seconds",
              "gen_ai_client_operation_duration_seconds", "rpc_server_duration_milliseconds"]
HISTOGRAMS += [f"app{i}_latency_seconds" for i in range(30)]
GAUGES = ["otelcol_exporter_queue_size", "otelcol_process_memory_rss_bytes", "process_open_fds"]
GAUGES += [f"app{i}_inflight_requests" for i in range(30)]
LABELS = ["service_name", "instance", "job", "http_route", "receiver", "exporter", "pod", "namespace"]

TEMPLATES = [
    ('sum by ({g}) (rate({c}_total{{job=~"$job", instance=~"$instance"}}[$__rate_interval]))', "{{{g}}}", "reqps"),
    ('histogram_quantile(0.{q}, sum by (le, {g}) (rate({h}_bucket{{job=~"$job"}}[$__rate_interval])))',
     "p{q} {{{{{g}}}}}", "s"),
    ('sum(rate({c}_total{{job=~"$job", code=~"5.."}}[$__rate_interval]))\n  / sum(rate({c}_total{{job=~"$job"}}'
     '[$__rate_interval]))', "error ratio", "percentunit"),
    ('avg_over_time({gauge}{{job=~"$job", {g}=~"${{instance:regex}}"}}[$__interval])', "{{{g}}}", "short"),
    ('max by ({g}) ({gauge}{{job=~"$job", instance=~"$instance"}})', "{{{g}}}", "bytes"),
    ('topk($topk, sum by ({g}) (rate({c}_total{{job="$job"}}[5m])))', "{{{g}}}", "reqps"),
    ('sum(increase({c}_total{{job=~"$job"}}[$__range]))', "total", "short"),
    ('sum by ($groupby) (rate({h}_count{{job=~"$job"}}[$__rate_interval])) > $threshold', "{{{g}}}", "reqps"),
    ('sum by ({g}) (rate({h}_sum{{job=~"$job"}}[$__rate_interval]))\n  / sum by ({g}) '
     '(rate({h}_count{{job=~"$job"}}[$__rate_interval]))', "{{{g}}}", "s"),
    ('label_replace(sum by ({g}) (rate({c}_total{{namespace="$namespace"}}[5m])), "svc", "$1", "{g}", "(.*)")',
     "{{svc}}", "reqps"),
]


_SELECTOR_OPEN = re.compile(r"(?<=[a-z_])\{")


def make_target(rng: random.Random, ref: str, unique: str | None = None) -> tuple[dict, str]:
    template, legend, unit = rng.choice(TEMPLATES)
    g = rng.choice(LABELS)
    values = {"g": g, "c": rng.choice(COUNTERS), "h": rng.choice(HISTOGRAMS), "gauge": rng.choice(GAUGES),
              "q": rng.choice(["5", "9", "95", "99"])}
    expr = template.format(**values)
    if unique is not None:  # worst case: no two expressions alike, so no cache can help
        expr = _SELECTOR_OPEN.sub(f'{{bench_id="{unique}", ', expr, count=1)
    target = {"refId": ref, "datasource": {"type": "prometheus", "uid": "${datasource}"}, "expr": expr,
              "legendFormat": legend.format(**values), "range": True}
    return target, unit


def make_dashboard(rng: random.Random, index: int, panels: int, targets: int, unique: bool = False) -> dict:
    body: dict = {
        "uid": f"bench-{index:04d}", "title": f"Service {index} in $namespace (top $topk by $groupby, > $threshold)",
        "schemaVersion": 39,
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
            {"name": "job", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": {"query": "label_values(up, job)", "refId": "A"}},
            {"name": "instance", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": 'label_values(up{job=~"$job"}, instance)'},
            {"name": "namespace", "type": "custom", "query": "prod,staging"},
            {"name": "groupby", "type": "custom", "query": "service_name,instance"},
            {"name": "topk", "type": "custom", "query": "5,10"},
            {"name": "threshold", "type": "constant", "query": "0"},
        ]},
        "panels": [],
    }
    for p in range(panels):
        ts = []
        unit = "short"
        for t in range(targets):
            target, unit = make_target(rng, "ABC"[t % 3] + (str(t // 3) if t >= 3 else ""),
                                       f"{index}-{p}-{t}" if unique else None)
            ts.append(target)
        body["panels"].append({
            "id": p + 1, "type": "timeseries", "title": f"Panel {p + 1} ($job)",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"x": (p % 2) * 12, "y": (p // 2) * 8, "w": 12, "h": 8},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": ts,
        })
    return body


def generate(root: Path, dashboards: int, panels: int, targets: int, seed: int, unique: bool = False) -> list[str]:
    rng = random.Random(seed)
    exprs: list[str] = []
    for i in range(dashboards):
        body = make_dashboard(rng, i, panels, targets, unique)
        folder = root / f"folder{i % 10}"
        folder.mkdir(exist_ok=True)
        (folder / f"{body['uid']}.json").write_text(json.dumps(body, indent=2))
        exprs.extend(t["expr"] for p in body["panels"] for t in p["targets"])
    return exprs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--targets", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure peak Python allocations")
    parser.add_argument("--unique", action="store_true",
                        help="make every expression distinct (worst case: no query is seen twice)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gac-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        exprs = generate(root, args.dashboards, args.panels, args.targets, args.seed, args.unique)
        gen_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in root.rglob("*.json"))
        expanded = [expand(e, GRAFANA).text for e in exprs]
        print(f"tree: {args.dashboards} dashboards, {len(exprs)} PromQL targets "
              f"({len(set(exprs))} distinct), {size / 1e6:.1f} MB, generated in {gen_s:.1f}s")

        # floor: the parser alone on the same expressions, no cache
        gc.collect()
        t0 = time.perf_counter()
        for text in expanded:
            promql_parser.parse(text)
        floor_s = time.perf_counter() - t0

        analyze.cache_clear()
        _expand.cache_clear()  # the floor's preparation expanded every query: start the lint cold
        gc.collect()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        findings = lint_paths([root], LintConfig())
        lint_s = time.perf_counter() - t0
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        n = len(exprs)
        print(f"floor (promql_parser.parse only): {floor_s:.2f}s  {n / floor_s:,.0f} expressions/s")
        print(f"lint (lint_paths end to end):     {lint_s:.2f}s  {n / lint_s:,.0f} targets/s")
        print(f"ratio lint/floor: {lint_s / floor_s:.2f}  (target ≤ 2.0)")
        print(f"peak RSS: {rss_after / 1024:.0f} MB (before lint {rss_before / 1024:.0f} MB)")
        print(f"findings: {len(findings)} ({', '.join(sorted({f.rule for f in findings})) or 'none'})")

        if args.tracemalloc:
            analyze.cache_clear()
            _expand.cache_clear()
            gc.collect()
            tracemalloc.start()
            lint_paths([root], LintConfig())
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak Python allocations during lint (tracemalloc): {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
