"""Benchmark `gac lint` on a synthetic tree: 1,000 dashboards × 20 panels × 3 targets.

    .venv/bin/python bench/bench_lint.py [--dashboards 1000] [--panels 20] [--targets 3] [--seed 7]
                                         [--tracemalloc] [--unique] [--repeat 3] [--scaling]
                                         [--against CHECKOUT [--lints 2]]

The tree is generated deterministically in a temporary directory: realistic PromQL with
template variables and Grafana macros in every position (label values, regexes, rate windows,
`by` lists, topk parameters), legends, units, a few variables per dashboard. Reported:

* lint: `lint_paths(tree)` end to end (discovery, JSON load, expansion, parse, rules, sort);
* floor: `promql_parser.parse` of the same 60,000 expressions (already expanded, no cache),
  measured in the same run: what parsing alone costs, the yardstick the linter is held to.
  The linter's own parse of a distinct expression costs less: promql-parser compiles the
  regex of every `=~` matcher anew, the linter checks each distinct regex once
  (promql_parse.parse), and that compiling is most of the floor on dashboard queries;
* targets per second, the ratio lint/floor (target: at most 2) in wall and in CPU time, each
  the median of `--repeat` rounds (floor and lint alternate, so a busy machine slows both),
  linted in one process; then, as `gac lint` runs by default, in `--jobs` forked processes
  (one per CPU): its wall time, and its CPU time in all processes,
  peak RSS, and with --tracemalloc the peak Python allocation during the lint (a separate pass);
* the issue's own yardstick, per distinct query: expansion and analysis (the walk and the checks
  after the parse), each timed alone over the tree's distinct queries, against the floor's parse
  of one expression (goal: less), and the lint's own parse beside it;
* a breakdown of one more (instrumented) lint: exclusive time in file loading, expansion,
  parsing, analysis (the walk after the parse), rules, locating findings, sorting, and the
  rest (walking dashboards, building contexts), then formatting the findings as text and JSON;
* with --scaling: 100, 1,000 and 5,000 dashboards (all queries distinct), each in a fresh
  process, with lint time per target and peak memory: both must grow linearly;
* with --against CHECKOUT: this checkout's lint against another's (a `git worktree add` of an
  earlier commit), in processes of the two alternated `--repeat` times on one tree, each timing
  `--lints` lints after one to warm up: the CPU time of each, their medians and best runs. On a
  machine whose speed swings (the lint's more than the floor's: it works on far more memory),
  a change of a few percent shows only so, in many runs alternated.

Not run by the test suite.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import json
import random
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import promql_parser  # noqa: E402

from generator.lint import (LintConfig, engine as lint_engine, lint_paths, promql_analysis,  # noqa: E402
                            promql_expand, promql_parse)
from generator.lint.formats import format_findings  # noqa: E402
from generator.lint.workers import available_cpus  # noqa: E402
from generator.lint.promql_analysis import analysis_of  # noqa: E402
from generator.lint.promql_expand import GRAFANA, expand  # noqa: E402

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


def _cold() -> None:
    """Empty the caches a previous pass filled: every round lints as a first run would (the
    analyses and expansions, the regexes checked, the string literals and variable tokens
    expanded per dashboard)."""
    lint_engine._forget_queries()
    promql_parse._EQUALITY.clear()
    gc.collect()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


class _Breakdown:
    """Exclusive time per phase: each wrapped function's time minus that of wrapped calls inside it."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.stack: list[list[float]] = []   # [child time] of each open call
        self.restore: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, attr: str, phase: str) -> None:
        original = getattr(owner, attr)
        totals, stack = self.totals, self.stack
        clock = time.process_time  # CPU: a busy machine's waits would land in whichever phase ran

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            stack.append([0.0])
            t0 = clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent = clock() - t0
                child = stack.pop()[0]
                totals[phase] = totals.get(phase, 0.0) + spent - child
                if stack:
                    stack[-1][0] += spent

        self.restore.append((owner, attr, original))
        setattr(owner, attr, timed)

    def undo(self) -> None:
        for owner, attr, original in reversed(self.restore):
            setattr(owner, attr, original)


def breakdown(root: Path) -> tuple[dict[str, float], float, list]:  # type: ignore[type-arg]
    """One lint with its phases timed (the wrappers cost about a microsecond per call)."""
    b = _Breakdown()
    b.wrap(lint_engine, "read_text", "load (read, JSON decode)")
    b.wrap(lint_engine, "load", "load (read, JSON decode)")
    b.wrap(lint_engine, "expand", "expansion")
    b.wrap(lint_engine, "analyze", "analysis (walk, limits)")
    b.wrap(promql_parse, "plain_matchers", "regex matchers as equalities")
    b.wrap(promql_analysis.pp, "parse", "parse (promql_parser)")
    b.wrap(lint_engine.Engine, "check", "rules")
    b.wrap(lint_engine, "_locate", "locate (line, column)")
    b.wrap(lint_engine, "_finalize", "sort, dedupe")
    _cold()
    try:
        findings, _, cpu = _timed(lambda: lint_paths([root], LintConfig()))
    finally:
        b.undo()
    phases = dict(b.totals)
    phases["other (walk, contexts, findings)"] = cpu - sum(phases.values())
    return phases, cpu, findings


def per_expression(root: Path, floor_texts: list[str], rounds: int) -> dict[str, float]:
    """The issue's own yardstick, phase by phase: what expanding and analysing a distinct expression
    cost beside parsing it, each timed alone over the tree's distinct queries (best of `rounds`, no
    wrapper in the loop). Expansion: `expand` as the lint calls it, every cache emptied first (the
    tokens a dashboard repeats are learnt again, as in a first run). Analysis: `analysis_of` (uncached),
    less the promql-parser calls it makes, timed on the very texts it passed them. The parse: the
    floor's, `promql_parser.parse` of the expanded expressions."""
    calls: list[tuple[Any, ...]] = []
    parsed: list[str] = []
    expand_fn, parse_fn = lint_engine.expand, promql_parse.pp.parse

    def recording_expand(*args: Any) -> Any:
        calls.append(args)
        return expand_fn(*args)

    _cold()
    setattr(lint_engine, "expand", recording_expand)
    try:
        lint_paths([root], LintConfig())
    finally:
        setattr(lint_engine, "expand", expand_fn)
    calls = list(dict.fromkeys(calls))  # each distinct query once, in the order the lint met them
    floor_texts = list(dict.fromkeys(floor_texts))
    _cold()
    expansions = [expand_fn(*args) for args in calls]

    def expanding() -> None:
        promql_expand.forget_expansions()
        for args in calls:
            expand_fn(*args)

    def analysing() -> None:
        for e in expansions:
            analysis_of(e.text, e.plain)

    def parsing(texts: list[str]) -> Callable[[], None]:
        def run() -> None:
            for text in texts:
                try:
                    parse_fn(text)
                except ValueError:
                    pass
        return run

    def recording_parse(text: str) -> Any:
        parsed.append(text)
        return parse_fn(text)

    setattr(promql_parse.pp, "parse", recording_parse)
    try:
        analysing()
    finally:
        setattr(promql_parse.pp, "parse", parse_fn)

    def best(fn: Callable[[], None]) -> float:
        times = []
        for _ in range(rounds):
            gc.collect()
            times.append(_timed(fn)[2])
        return min(times)

    n = len(calls)
    parse_in_analysis = best(parsing(parsed))
    return {"expansion": best(expanding) / n, "analysis": (best(analysing) - parse_in_analysis) / n,
            "parse in analysis": parse_in_analysis / n, "floor": best(parsing(floor_texts)) / len(floor_texts)}


def run_once(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="gac-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        exprs = generate(root, args.dashboards, args.panels, args.targets, args.seed, args.unique)
        gen_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in root.rglob("*.json"))
        expanded = [expand(e, GRAFANA).text for e in exprs]
        print(f"tree: {args.dashboards} dashboards, {len(exprs)} PromQL targets "
              f"({len(set(exprs))} distinct), {size / 1e6:.1f} MB, generated in {gen_s:.1f}s")
        if args.lint_only:
            lint_only(root, len(exprs), args.tracemalloc)
            return

        def floor() -> None:  # the parser alone on the same expressions, no cache
            for text in expanded:
                promql_parser.parse(text)

        floors: list[tuple[float, float]] = []
        lints: list[tuple[float, float]] = []
        parallel: list[tuple[float, float]] = []  # wall, CPU of the workers and this process
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        findings: list = []  # type: ignore[type-arg]
        for _ in range(args.repeat):  # alternate, so that load on the machine hits both alike
            gc.collect()
            _, wall, cpu = _timed(floor)
            floors.append((wall, cpu))
            _cold()
            findings, wall, cpu = _timed(lambda: lint_paths([root], LintConfig()))
            lints.append((wall, cpu))
            if args.jobs > 1:
                _cold()
                children = _children_cpu()
                _, wall, cpu = _timed(lambda: lint_paths([root], LintConfig(), jobs=args.jobs))
                parallel.append((wall, cpu + _children_cpu() - children))
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        n = len(exprs)
        fw, fc = (statistics.median(x[i] for x in floors) for i in (0, 1))
        lw, lc = (statistics.median(x[i] for x in lints) for i in (0, 1))
        print(f"medians of {args.repeat} rounds (wall / CPU):")
        print(f"floor (promql_parser.parse only): {fw:.2f}s / {fc:.2f}s  {n / fc:,.0f} expressions/s (CPU)")
        print(f"lint (lint_paths end to end):     {lw:.2f}s / {lc:.2f}s  {n / lc:,.0f} targets/s (CPU)")
        print(f"ratio lint/floor: wall {lw / fw:.2f}, CPU {lc / fc:.2f}  (target ≤ 2.0)")
        print("  rounds (CPU, lint/floor): " + ", ".join(f"{l[1]:.2f}/{f[1]:.2f}s = {l[1] / f[1]:.2f}"
                                                     for f, l in zip(floors, lints)))
        if parallel:
            pw, pc = (statistics.median(x[i] for x in parallel) for i in (0, 1))
            print(f"lint --jobs {args.jobs} (forked workers): {pw:.2f}s wall, {pc:.2f}s CPU in all processes; "
                  f"wall ratio to the floor {pw / fw:.2f}, speed-up over one process {lw / pw:.2f}x")
        print(f"peak RSS: {rss_after / 1024:.0f} MB (before lint {rss_before / 1024:.0f} MB)")
        print(f"findings: {len(findings)} ({', '.join(sorted({f.rule for f in findings})) or 'none'})")

        per = per_expression(root, expanded, args.repeat)
        cost = per["expansion"] + per["analysis"]
        print(f"per distinct query, each phase timed alone (best of {args.repeat}): expansion "
              f"{per['expansion'] * 1e6:.1f} µs + analysis {per['analysis'] * 1e6:.1f} µs = {cost * 1e6:.1f} µs, "
              f"against the parse (floor) {per['floor'] * 1e6:.1f} µs: {cost / per['floor']:.2f}x (goal < 1); "
              f"the lint's own parse, regex matchers as equalities: {per['parse in analysis'] * 1e6:.1f} µs")
        phases, wall, _ = breakdown(root)
        print(f"breakdown of one instrumented lint ({wall:.2f}s CPU, exclusive CPU time per phase):")
        for phase, spent in sorted(phases.items(), key=lambda kv: -kv[1]):
            print(f"  {phase:<36} {spent:6.2f}s  {spent / wall:5.1%}  {spent / n * 1e6:6.1f} µs/target")
        for fmt in ("text", "json"):
            _, _, fwall = _timed(lambda: format_findings(findings, fmt))
            print(f"  format {fmt:<29} {fwall:6.2f}s  ({len(findings)} findings, "
                  f"{fwall / max(len(findings), 1) * 1e6:.1f} µs/finding; after lint_paths)")

        if args.tracemalloc:
            _cold()
            tracemalloc.start()
            lint_paths([root], LintConfig())
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak Python allocations during lint (tracemalloc): {peak / 1e6:.0f} MB")


def lint_only(root: Path, n: int, with_tracemalloc: bool) -> None:
    """One cold lint in this (fresh) process, machine-readable: for --scaling."""
    _cold()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    findings, wall, cpu = _timed(lambda: lint_paths([root], LintConfig()))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = 0
    if with_tracemalloc:
        del findings
        _cold()
        tracemalloc.start()
        findings = lint_paths([root], LintConfig())
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print("RESULT " + json.dumps({"targets": n, "wall": wall, "cpu": cpu, "findings": len(findings),
                                  "rss_mb": rss_after / 1024, "rss_growth_mb": (rss_after - rss_before) / 1024,
                                  "tracemalloc_mb": peak / 1e6}))


def scaling(args: argparse.Namespace) -> None:
    """Each size in its own process: peak RSS is per process and never goes down. Linear growth
    shows as a constant time per target and a memory per 1,000 targets that does not grow (it
    falls while the bounded caches fill; the findings, kept to be sorted, grow with the tree)."""
    print("dashboards  targets  findings  lint wall  lint CPU  µs/target (CPU)  peak RSS  RSS growth  "
          "peak Python alloc  alloc per 1k targets")
    for dashboards in (100, 1000, 5000):
        cmd = [sys.executable, __file__, "--lint-only", "--unique", "--tracemalloc", "--dashboards", str(dashboards),
               "--panels", str(args.panels), "--targets", str(args.targets), "--seed", str(args.seed)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ}).stdout
        r = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
        print(f"{dashboards:>10}  {r['targets']:>7}  {r['findings']:>8}  {r['wall']:8.2f}s  {r['cpu']:7.2f}s  "
              f"{r['cpu'] / r['targets'] * 1e6:15.1f}  {r['rss_mb']:6.0f} MB  {r['rss_growth_mb']:7.0f} MB  "
              f"{r['tracemalloc_mb']:14.0f} MB  {r['tracemalloc_mb'] / r['targets'] * 1000:17.2f} MB")


#: one process of --against: `generator.lint` of the checkout in argv[1], the CPU seconds of
#: argv[3] lints of the tree in argv[2], after one to warm up
_AGAINST = """
import gc, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from generator.lint import LintConfig, lint_paths
root = Path(sys.argv[2])
lint_paths([root], LintConfig())
for _ in range(int(sys.argv[3])):
    gc.collect()
    t = time.process_time()
    lint_paths([root], LintConfig())
    print(time.process_time() - t)
"""


def against(args: argparse.Namespace) -> None:
    other = Path(args.against).resolve()
    if not (other / "generator" / "lint").is_dir():
        sys.exit(f"--against {other}: no generator/lint there; give a checkout, e.g. `git worktree add ../old HEAD~3`")
    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="gac-bench-") as tmp:
        exprs = generate(Path(tmp), args.dashboards, args.panels, args.targets, args.seed, args.unique)
        print(f"tree: {args.dashboards} dashboards, {len(exprs)} targets ({len(set(exprs))} distinct); "
              f"{args.repeat} series of {args.lints} lints per checkout, alternated")
        times: dict[str, list[float]] = {"other": [], "this": []}
        for _ in range(args.repeat):
            for label, checkout in (("other", other), ("this", here)):
                out = subprocess.run([sys.executable, "-c", _AGAINST, str(checkout), tmp, str(args.lints)],
                                     check=True, capture_output=True, text=True).stdout
                times[label] += [float(line) for line in out.split()]
    for label, checkout in (("other", other), ("this", here)):
        spent = times[label]
        print(f"{label:<6} {checkout}: median {statistics.median(spent):.3f}s, best {min(spent):.3f}s CPU  "
              f"({' '.join(f'{t:.2f}' for t in spent)})")
    ratio = statistics.median(times["this"]) / statistics.median(times["other"])
    print(f"this/other: median {ratio:.3f}, best {min(times['this']) / min(times['other']):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--targets", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of floor and lint; medians are reported")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure peak Python allocations")
    parser.add_argument("--jobs", type=int, default=available_cpus(),
                        help="also lint in this many forked processes, as `gac lint` does (1: skip)")
    parser.add_argument("--unique", action="store_true",
                        help="make every expression distinct (worst case: no query is seen twice)")
    parser.add_argument("--scaling", action="store_true",
                        help="lint 100, 1,000 and 5,000 dashboards (distinct queries): time and peak memory")
    parser.add_argument("--against", metavar="CHECKOUT",
                        help="compare this checkout's lint with another's, in alternated processes")
    parser.add_argument("--lints", type=int, default=2, help="lints timed per process with --against")
    parser.add_argument("--lint-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scaling:
        scaling(args)
    elif args.against:
        against(args)
    else:
        run_once(args)


if __name__ == "__main__":
    main()
