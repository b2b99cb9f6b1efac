"""Benchmark `gac build` against a plain grafanalib script on a synthetic project.

    .venv/bin/python bench/bench_build.py [--dashboards 1000] [--panels 20] [--targets 3] [--runs 3]
                                          [--seed 7] [--scaling [N,N,...]] [--profile]

The project is generated deterministically in a temporary directory: one module per dashboard
under dashboards/, each built with generator.panels helpers (timeseries, quantiles, tables) and
PromQL over OpenTelemetry metrics with `$__rate_interval` and template variables, placed in a
folder, against a Prometheus data source defined in datasources/.

Every figure is CPU time (user + system, so other load on the machine inflates it less than
wall time) measured in SUBPROCESSES: a fresh interpreter each, so imports, caches and the peak
RSS belong to that one run; CPU and peak RSS come from os.wait4's rusage of that child.

* baseline: a plain script that imports the same definition modules and `json.dumps`es every
  grafanalib dashboard (sort_keys, indent=2): what building the dashboards costs by itself;
* gac build: `gac build --quiet --root <project>` (writes generated/), with lint, the
  user-facing figure;
* phases: `generator.build.build` run in a child (CPU after interpreter startup, gac imports
  included) with its per-phase timings (compile+render: discover, grafanalib → JSON, normalize,
  render each file; lint, which includes decoding each body from its kept file; compare+write)
  so "build without lint" has its own ratio.

Each round runs the baseline and gac back to back, so every ratio is taken within one round;
the medians of the rounds are printed. `--scaling` runs `--runs` rounds for each N (default
100,1000,5000) and prints time and memory per N, and the marginal cost per dashboard between
one N and the next: constant when growth is linear.
`--profile` prints the cProfile top entries of one in-process build.

Not run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GAC = Path(sys.executable).parent / "gac"

COUNTERS = [f"app{i}_{what}_total" for i in range(30) for what in ("requests", "errors", "retries")]
HISTOGRAMS = ["http_server_duration_milliseconds", "http_server_request_duration_seconds",
              "rpc_server_duration_milliseconds", *(f"app{i}_latency_seconds" for i in range(20))]
GAUGES = ["otelcol_exporter_queue_size", "process_open_fds", *(f"app{i}_inflight_requests" for i in range(20))]
LABELS = ["service_name", "instance", "http_route", "pod", "namespace"]
SELECTOR = 'service_name="$service", namespace=~"$namespace"'

COMMON = '''\
"""Shared pieces of the benchmark dashboards."""

from grafanalib import core as g


def variable(name, query):
    return g.Template(name=name, label=name.title(), query=query, dataSource="prometheus", type="query",
                      refresh=2, sort=1, multi=True, includeAll=True, allValue=".*")


def dashboard(title, uid, panels):
    return g.Dashboard(
        title=title, uid=uid, description=f"{title}: rate, errors and duration.", tags=["bench"],
        timezone="browser", refresh="1m", time=g.Time("now-3h", "now"), graphTooltip=1,
        templating=g.Templating([variable("service", "label_values(up, service_name)"),
                                 variable("namespace", 'label_values(up{service_name="$service"}, namespace)')]),
        panels=panels,
    )
'''

BASELINE = '''\
"""The baseline: import the same definitions, json.dumps every grafanalib dashboard."""
import importlib, json, sys, time
from pathlib import Path

root = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(root))
t0 = time.process_time()
from grafanalib._gen import DashboardEncoder
from generator.builders import DashboardDef

count = size = 0
for path in sorted((root / "dashboards").glob("*.py")):
    if path.name.startswith("_"):
        continue
    module = importlib.import_module(f"dashboards.{path.stem}")
    for value in vars(module).values():
        if isinstance(value, DashboardDef):
            text = json.dumps(value.dashboard.to_json_data(), cls=DashboardEncoder, sort_keys=True, indent=2)
            count += 1
            size += len(text)
print(json.dumps({"seconds": time.process_time() - t0, "dashboards": count, "bytes": size}))
'''

PHASES = '''\
import json, sys, time
from pathlib import Path
t0 = time.process_time()
from generator.build import build
result = build(Path(sys.argv[1]))
assert result.written and not result.lint_errors, [str(f) for f in result.lint_errors][:5]
print(json.dumps({"seconds": time.process_time() - t0, "phases": result.timings}))
'''


def _panel(rng: random.Random, p: int) -> str:
    """One panel definition as a dashboard author would write it, with three PromQL targets."""
    by = rng.choice(LABELS)
    kind = p % 4
    if kind == 0:
        return (f'quantiles("Latency {p} by {by}", "{rng.choice(HISTOGRAMS)}_bucket", SEL, ["{by}"], "s",'
                f' description="p50/p95/p99 of the request duration")')
    if kind == 3:
        counter = rng.choice(COUNTERS)
        exprs = [f"topk(10, sum by ({by}) (rate({counter}{{{SELECTOR}}}[$__range])))",
                 f"sum by ({by}) (increase({counter}{{{SELECTOR}}}[$__range]))",
                 f"max by ({by}) ({rng.choice(GAUGES)}{{{SELECTOR}}})"]
        targets = ",\n        ".join(f'prom({e!r}, instant=True, fmt="table", ref_id="{ref}")'
                                      for e, ref in zip(exprs, "ABC"))
        return f'table("Top {p} by {by}", [\n        {targets},\n    ], "short", sort_by="Value #A")'
    counter = rng.choice(COUNTERS)
    errors = counter.replace("requests", "errors")
    exprs = [
        f"sum by ({by}) (rate({counter}{{{SELECTOR}}}[$__rate_interval]))",
        f'sum by ({by}) (rate({errors}{{{SELECTOR}, code=~"5.."}}[$__rate_interval]))',
        f"avg by ({by}) ({rng.choice(GAUGES)}{{{SELECTOR}}})",
    ]
    targets = ",\n        ".join(f"prom({e!r}, \"{{{{{by}}}}}\")" for e in exprs)
    return f'timeseries("Traffic {p} by {by}", [\n        {targets},\n    ], "reqps", stacked={p % 3 == 0})'


def write_project(root: Path, dashboards: int, panels: int, seed: int) -> None:
    """The synthetic project: one data source, one folder, `dashboards` modules of `panels` panels."""
    rng = random.Random(seed)
    for folder in ("datasources", "dashboards"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "__init__.py").write_text("")
    (root / "datasources" / "prometheus.py").write_text(
        "from generator.builders import Prometheus\n\n"
        'prometheus = Prometheus(uid="prometheus", name="Prometheus", is_default=True, scrape_interval="15s")\n')
    (root / "dashboards" / "folders.py").write_text(
        'from generator.builders import Folder\n\nbench = Folder(uid="bench", title="Benchmark")\n')
    (root / "dashboards" / "_common.py").write_text(COMMON)
    for i in range(dashboards):
        pairs = [(_panel(rng, p), _panel(rng, p + 1)) for p in range(0, panels, 2)]
        rows = "\n".join(f"    ({a},\n     {b}),".replace("\n        ", "\n         ") for a, b in pairs)
        (root / "dashboards" / f"service_{i:05d}.py").write_text(textwrap.dedent('''\
            """Service {i}: generated for bench/bench_build.py."""

            from generator.builders import DashboardDef
            from generator.panels import layout, prom, quantiles, table, timeseries

            from dashboards._common import dashboard
            from dashboards.folders import bench

            SEL = '{selector}'

            service = DashboardDef(dashboard("Service {i}", "bench-{i:05d}", layout(
            ''').format(i=i, selector=SELECTOR) + rows + "\n)), folder=bench)\n")


def _child(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """CPU seconds (user + system), peak RSS (MB) and stdout of one child (its own rusage via wait4)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="")
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{text[-3000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def run_round(root: Path, phases: bool = True) -> dict[str, float]:
    """One round: baseline, gac build (subprocess) and optionally the phase breakdown."""
    base_cpu, base_rss, base_out = _child([sys.executable, "-c", BASELINE, str(root)], root)
    base = json.loads(base_out.strip().splitlines()[-1])
    gac_cpu, gac_rss, _ = _child([str(GAC), "build", "--quiet", "--root", str(root)], root)
    figures = {"base_cpu": base_cpu, "base_in": base["seconds"], "base_rss": base_rss,
               "gac_cpu": gac_cpu, "gac_rss": gac_rss}
    if phases:
        _, phase_rss, phase_out = _child([sys.executable, "-c", PHASES, str(root)], root)
        data = json.loads(phase_out.strip().splitlines()[-1])
        figures["gac_in"] = data["seconds"]
        figures.update({f"phase_{k}": v for k, v in data["phases"].items()})
    return figures


def report(rounds: list[dict[str, float]]) -> None:
    """Each figure beside its baseline; a ratio is the median of the rounds' own ratios."""
    for r in rounds:
        r["gac_no_lint"] = r["gac_in"] - r["phase_lint"]
    rows = [("gac build, with lint (subprocess CPU)", "gac_cpu", "base_cpu", "s"),
            ("build() after startup, with lint", "gac_in", "base_in", "s"),
            ("build() after startup, without lint", "gac_no_lint", "base_in", "s"),
            ("peak RSS of the gac build", "gac_rss", "base_rss", "MB")]
    print(f"medians of {len(rounds)} round(s); each ratio is the median of the per-round ratios")
    for label, key, base, unit in rows:
        value = statistics.median(r[key] for r in rounds)
        baseline = statistics.median(r[base] for r in rounds)
        ratio = statistics.median(r[key] / r[base] for r in rounds)
        print(f"  {label:<40} {value:8.2f} {unit:<2}  baseline {baseline:8.2f} {unit:<2}  ratio {ratio:5.2f}x")
    phases = ", ".join(f"{k.removeprefix('phase_')} {statistics.median(r[k] for r in rounds):.2f}s"
                       for k in rounds[0] if k.startswith("phase_"))
    print(f"  build() phases (CPU): {phases}")


def scaling(sizes: list[int], panels: int, seed: int, runs: int) -> None:
    """Time and peak memory per N, medians of `runs` rounds; linear growth shows as a constant
    cost per dashboard from one N to the next (the "marginal" columns)."""
    print(f"medians of {runs} round(s) per N; marginal = (figure(N) - figure(previous N)) / (N - previous N)")
    print(f"{'N':>6} {'gac s':>7} {'base s':>7} {'ratio':>6} {'lint s':>7} {'gac MB':>7} {'base MB':>8} {'ratio':>6} "
          f"{'gac ms/dash':>12} {'base ms/dash':>13} {'gac KB/dash':>12} {'base KB/dash':>13}")
    previous: tuple[int, dict[str, float]] | None = None
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="gac-bench-build-") as tmp:
            root = Path(tmp)
            write_project(root, n, panels, seed)
            run_round(root, phases=False)  # warm-up: writes __pycache__ for both
            rounds = [run_round(root) for _ in range(runs)]
        m = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
        cpu_ratio = statistics.median(r["gac_cpu"] / r["base_cpu"] for r in rounds)
        rss_ratio = statistics.median(r["gac_rss"] / r["base_rss"] for r in rounds)
        line = (f"{n:>6} {m['gac_cpu']:>7.2f} {m['base_cpu']:>7.2f} {cpu_ratio:>5.2f}x {m['phase_lint']:>7.2f} "
                f"{m['gac_rss']:>7.0f} {m['base_rss']:>8.0f} {rss_ratio:>5.2f}x")
        if previous is not None:
            n0, m0 = previous
            ms, kb = ({k: scale * (m[k] - m0[k]) / (n - n0) for k in (f"gac_{what}", f"base_{what}")}
                      for what, scale in (("cpu", 1000), ("rss", 1024)))
            line += f" {ms['gac_cpu']:>12.2f} {ms['base_cpu']:>13.2f} {kb['gac_rss']:>12.0f} {kb['base_rss']:>13.0f}"
        print(line, flush=True)
        previous = (n, m)


def profile(root: Path, top: int = 25) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(REPO))
    from generator.build import build

    profiler = cProfile.Profile()
    profiler.enable()
    build(root)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=20, help="per dashboard (each panel has 3 targets)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scaling", nargs="?", const="100,1000,5000", default=None,
                        help="time and memory for each N (default 100,1000,5000)")
    parser.add_argument("--profile", action="store_true", help="cProfile top entries of one in-process build")
    parser.add_argument("--keep", type=Path, help="write the project here and keep it")
    args = parser.parse_args()

    if args.scaling:
        scaling([int(n) for n in args.scaling.split(",")], args.panels, args.seed, args.runs)
        return
    with tempfile.TemporaryDirectory(prefix="gac-bench-build-") as tmp:
        root = args.keep or Path(tmp)
        write_project(root, args.dashboards, args.panels, args.seed)
        print(f"project: {args.dashboards} dashboards x {args.panels} panels x 3 targets")
        if args.profile:
            profile(root)
            return
        run_round(root, phases=False)  # warm-up: writes __pycache__ for both
        rounds = []
        for i in range(args.runs):
            rounds.append(run_round(root))
            r = rounds[-1]
            print(f"round {i + 1}: gac {r['gac_cpu']:.2f}s {r['gac_rss']:.0f} MB, baseline {r['base_cpu']:.2f}s "
                  f"{r['base_rss']:.0f} MB, ratio {r['gac_cpu'] / r['base_cpu']:.2f}x", flush=True)
        report(rounds)


if __name__ == "__main__":
    main()
