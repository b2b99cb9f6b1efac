"""Benchmark `gac sync` / `gac plan` against the emulator with injected latency.

    .venv/bin/python bench/bench_sync.py [--dashboards 1000] [--folders 10] [--latency 0.02] [--workers 8]
                                         [--runs 3] [--profile FILE]
    .venv/bin/python bench/bench_sync.py --scaling [--sizes 100,1000,5000] [--versions legacy,12.x] [--runs 3]

Scenario (the emulator in a process of its own, 20 ms added to every request): a generated
tree of 1,000 dashboards in 10 folders (plus the project's data sources); then

1. first sync (everything created),
2. no-op plan, `--runs` times (figures: medians; each run's ratio is its own wall over the bound),
3. no-op sync (must write nothing),
4. one changed dashboard (must write exactly one),
5. the naive baseline: a sequential grafana-client loop, GET each dashboard then POST
   each (overwrite), as a hand-written script would -- against the same emulator.

6. the /apis case: the same tree on a Grafana 12.x emulator (dashboards and folders through
   /apis/dashboard.grafana.app, whose list pages hold whole objects), seeded without
   latency, then `--runs` no-op plans with it.

For each: wall time, HTTP requests (reads/writes, from the emulator's request log) and
requests per object. Targets: a no-op sync makes zero writes and at most one read per
object plus listing; a no-op plan is at least 5× faster than the naive loop. The no-op
plan on the legacy API is set against its bound, N·RTT/workers (one read per object,
`workers` at a time: what the network alone costs), goal ≤ 1.5× the bound; on /apis its
requests are set against N/page (list pages), with no GET per dashboard.

CPU is reported per object for the client (this process: the plan runs in it) and for the
emulator (its process, from /proc) apart: on a 2-core machine the two share the cores, so a
wall time alone cannot tell whose CPU it waited for. `--profile FILE` profiles one more
no-op plan in every thread (CPU time) and prints where the client's CPU goes.

`--scaling`: a no-op plan at each size (100 → 1,000 → 5,000 dashboards by default) on each of
`--versions` (the legacy /api emulator and 12.x's /apis), each in a fresh emulator and measured
in its own process (peak memory is per process), `--runs` times: wall and CPU seconds (with the
kernel's share of the client's, mostly first touches of a growing heap's pages, which on a
virtual machine cost more as it grows), peak resident memory, requests, and what each 1,000
more dashboards add, to tell whether they grow linearly.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import json
import math
import os
import pstats
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grafana_client import GrafanaApi  # noqa: E402
from grafana_client.client import GrafanaClientError  # noqa: E402

from generator.compile import compile_project  # noqa: E402
from generator.handlers import k8s  # noqa: E402
from generator.output import GENERATED, render_tree, write_tree  # noqa: E402
from generator.resource import Resource  # noqa: E402
from generator.remote.options import Options  # noqa: E402
from generator.remote.session import open_session  # noqa: E402
from generator.sync.run import apply, make_plan  # noqa: E402
from tests.project import copy_project  # noqa: E402


@dataclass
class Row:
    name: str
    seconds: float
    reads: int
    writes: int
    objects: int
    note: str = ""

    @property
    def per_object(self) -> float:
        return (self.reads + self.writes) / self.objects if self.objects else 0.0


def make_tree(root: Path, dashboards: int, folders: int) -> list[Resource]:
    """The project's data sources + `folders` folders + `dashboards` copies of a real dashboard."""
    copy_project(root)
    compiled = compile_project(root)
    template = next(r for r in compiled if r.kind == "dashboard" and r.uid == "otel-apm")
    resources = [r for r in compiled if r.kind == "datasource"]
    for f in range(folders):
        resources.append(Resource("folder", f"bench-f{f}", {"uid": f"bench-f{f}", "title": f"Bench folder {f}"}))
    for d in range(dashboards):
        body = copy.deepcopy(template.body)
        body["uid"], body["title"] = f"bench-d{d:04d}", f"Bench dashboard {d:04d}"
        resources.append(Resource("dashboard", body["uid"], body, f"bench-f{d % folders}"))
    write_tree(root / GENERATED, render_tree(resources))
    return resources


class Emulator:
    """The emulator in its own process, as Grafana would be: the client's and the server's
    JSON work then do not share one interpreter lock, and the figures are the client's."""

    def __init__(self, grafana_version: str | None = None) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.token = "glsa_bench_" + secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.grafana_emulator", "--port", str(self.port),
                                      "--token", self.token,
                                      *(["--grafana-version", grafana_version] if grafana_version else [])], cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening"):
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.control = requests.Session()

    def _ctl(self, method: str, path: str, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
        answer = self.control.request(method, f"{self.url}/__emulator{path}", timeout=30, **kw)
        answer.raise_for_status()
        return answer

    def set_latency(self, seconds: float) -> None:
        self._ctl("PUT", "/latency", json={"seconds": seconds})

    def clear_log(self) -> None:
        self._ctl("DELETE", "/requests")

    def log(self) -> list[dict[str, str]]:
        return list(self._ctl("GET", "/requests").json())

    def counts(self) -> tuple[int, int]:
        log = self.log()
        writes = sum(1 for r in log if r["method"] in ("POST", "PUT", "PATCH", "DELETE"))
        return len(log) - writes, writes

    def cpu_seconds(self) -> float | None:
        """CPU the emulator's process has used so far (user + system; None where /proc is not there)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_gac(root: Path, emu: Emulator, env: dict[str, str], *, write: bool, workers: int,
            cpu: list[float] | None = None) -> tuple[float, str]:
    """One plan (and with `write`, the sync) in this process; `cpu` receives the client's CPU seconds."""
    started, cpu_started = time.perf_counter(), time.process_time()
    # a synthetic generated/ tree without definitions: nothing to check it against
    session = open_session(Options(root=root, env="local", workers=workers, skip_build_check=True), env,
                           for_write=write)
    try:
        plan = make_plan(session, prune=False, force=False)
        summary = plan.counts()
        note = ", ".join(f"{v} {k}" for k, v in summary.items() if v)
        if write:
            result, _ = apply(session, plan)
            assert result.ok, [o.message for o in result.outcomes if not o.ok][:3]
            note = ", ".join(f"{v} {k}" for k, v in result.counts().items() if v)
    finally:
        session.close()
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return time.perf_counter() - started, note


def naive_loop(emu: Emulator, resources: list[Resource]) -> float:
    """What a first script does: for each dashboard, GET it, then POST it with overwrite."""
    api = GrafanaApi.from_url(emu.url, credential=emu.token, timeout=30)
    started = time.perf_counter()
    for r in resources:
        if r.kind != "dashboard":
            continue
        try:
            api.dashboard.get_dashboard(r.uid)
        except GrafanaClientError:
            pass
        api.dashboard.update_dashboard({"dashboard": r.body, "folderUid": r.folder_uid or "", "overwrite": True})
    return time.perf_counter() - started


def measure(rows: list[Row], emu: Emulator, name: str, objects: int, fn) -> None:  # type: ignore[no-untyped-def]
    emu.clear_log()
    seconds, note = fn()
    reads, writes = emu.counts()
    rows.append(Row(name, seconds, reads, writes, objects, note))


@dataclass
class PlanRun:
    """One no-op plan: wall, the client's CPU (this process) and the emulator's (its process), requests."""

    seconds: float
    client_cpu: float
    emulator_cpu: float | None
    requests: int
    result: str


def noop_plans(emu: Emulator, root: Path, env: dict[str, str], runs: int, workers: int) -> list[PlanRun]:
    """`runs` no-op plans, one after the other, each measured on its own."""
    out = []
    for _ in range(runs):
        emu.clear_log()
        cpu: list[float] = []
        emu_started = emu.cpu_seconds()
        seconds, note = run_gac(root, emu, env, write=False, workers=workers, cpu=cpu)
        emu_ended = emu.cpu_seconds()
        emu_cpu = emu_ended - emu_started if emu_started is not None and emu_ended is not None else None
        out.append(PlanRun(seconds, cpu[0], emu_cpu, len(emu.log()), note))
    return out


def machine() -> str:
    """The cores and how busy they were (1-minute load average at the end): wall times on a shared
    machine mean little without it, the CPU figures per object much more."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, load average {load:.1f}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def plan_figures(runs: list[PlanRun], objects: int, bound: float | None) -> dict[str, object]:
    """Medians over the runs; the ratio is each run's wall over the bound, then their median."""
    emu_cpu = [r.emulator_cpu for r in runs if r.emulator_cpu is not None]
    figures: dict[str, object] = {
        "runs": len(runs),
        "wall s (median)": round(median([r.seconds for r in runs]), 2),
        "wall s (each run)": [round(r.seconds, 2) for r in runs],
        "requests": runs[0].requests,
        "client cpu ms per object": round(1000 * median([r.client_cpu for r in runs]) / objects, 2),
        "emulator cpu ms per object": round(1000 * median(emu_cpu) / objects, 2) if emu_cpu else None,
    }
    if bound:
        figures["bound N*RTT/workers s"] = round(bound, 2)
        figures["ratio to bound (median of runs; goal <= 1.5)"] = round(median([r.seconds / bound for r in runs]), 2)
    return figures


def apis_case(args: argparse.Namespace, version: str) -> dict[str, object]:
    """The tree on a 12.x emulator: seeded without latency, then `--runs` no-op plans with it."""
    root = Path(tempfile.mkdtemp(prefix="gac-bench-apis-"))
    emu = Emulator(version)
    try:
        resources = make_tree(root, args.dashboards, args.folders)
        env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token}
        run_gac(root, emu, env, write=True, workers=args.workers)
        emu.set_latency(args.latency)
        runs = noop_plans(emu, root, env, args.runs, args.workers)
        log = emu.log()
    finally:
        emu.stop()
        shutil.rmtree(root, ignore_errors=True)
    lists = [r for r in log if r["method"] == "GET" and r["path"].startswith("/apis/dashboard.grafana.app/")
             and r["path"].endswith("/dashboards")]
    per_dashboard = [r for r in log if "/dashboards/" in r["path"] or r["path"].startswith("/api/dashboards/")]
    return {"result": runs[0].result, **plan_figures(runs, len(resources), None),
            "dashboard list requests": len(lists), "N/page": math.ceil(args.dashboards / k8s.PAGE_SIZE),
            "per-dashboard GETs": len(per_dashboard)}


def profile_plan(root: Path, emu: Emulator, env: dict[str, str], workers: int, out: Path) -> str:
    """One more no-op plan with every thread profiled in CPU time (cProfile follows one thread only);
    the merged profile goes to `out`, the top of it is returned as text."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_in_thread(frame: object, event: str, arg: object) -> None:
        # the first event of a new thread: hand the thread to a profiler of its own
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append(profile)
        profile.enable()

    main_profile = cProfile.Profile(time.thread_time)
    profiles.append(main_profile)
    threading.setprofile(start_in_thread)  # type: ignore[arg-type]
    main_profile.enable()
    try:
        run_gac(root, emu, env, write=False, workers=workers)
    finally:
        main_profile.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
    stats = pstats.Stats(main_profile)
    for profile in profiles[1:]:
        profile.disable()
        stats.add(profile)
    stats.dump_stats(str(out))
    text = io.StringIO()
    pstats.Stats(str(out), stream=text).sort_stats("tottime").print_stats(25)
    return text.getvalue()


def child_plan(root: Path, url: str, token: str, workers: int) -> int:
    """`--child-plan`: one no-op plan in this fresh process; prints its wall/CPU time and peak memory."""
    cpu: list[float] = []
    before = resource.getrusage(resource.RUSAGE_SELF)
    seconds, note = run_gac(root, None, {"GRAFANA_URL": url, "GRAFANA_TOKEN": token},  # type: ignore[arg-type]
                            write=False, workers=workers, cpu=cpu)
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "cpu": cpu[0], "sys": after.ru_stime - before.ru_stime,
                      "peak_mb": peak_mb(), "result": note}))
    return 0


def peak_mb() -> float:
    """This process's peak resident memory. /proc's VmHWM, which is this program's own: `ru_maxrss`
    survives exec, so it also counts the pages the child shared with its parent after fork (the
    bench process, holding the previous sizes' trees: a 100-dashboard plan then showed 591 MB)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def scale_one(args: argparse.Namespace, version: str | None, size: int) -> dict[str, object]:
    """`--runs` no-op plans of `size` dashboards, each in a fresh process, against one fresh emulator."""
    root = Path(tempfile.mkdtemp(prefix="gac-bench-scale-"))
    emu = Emulator(version)
    children = []
    try:
        objects = len(make_tree(root, size, args.folders))
        env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token}
        run_gac(root, emu, env, write=True, workers=args.workers)  # seeded without latency
        emu.set_latency(args.latency)
        for _ in range(args.runs):
            emu.clear_log()
            emu_started = emu.cpu_seconds()
            child = subprocess.run([sys.executable, __file__, "--child-plan", str(root), "--url", emu.url,
                                    "--workers", str(args.workers)], env={**os.environ, "GAC_BENCH_TOKEN": emu.token},
                                   capture_output=True, text=True, check=True)
            emu_ended = emu.cpu_seconds()
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            figures["emulator_cpu"] = (emu_ended - emu_started if emu_started is not None and emu_ended is not None
                                       else None)
            figures["requests"] = len(emu.log())
            children.append(figures)
    finally:
        emu.stop()
        shutil.rmtree(root, ignore_errors=True)
    bound = objects * args.latency / args.workers

    def mid(key: str) -> float:
        return median([float(c[key]) for c in children])

    return {"api": version or "legacy", "dashboards": size, "objects": objects, "requests": children[0]["requests"],
            "result": children[0]["result"], "seconds": mid("seconds"), "cpu": mid("cpu"), "sys": mid("sys"),
            "peak_mb": mid("peak_mb"),
            "emulator_cpu": mid("emulator_cpu") if all(c["emulator_cpu"] is not None for c in children) else None,
            "bound": bound if version in (None, "legacy", "11.6") else None,
            "ratio": median([c["seconds"] / bound for c in children]) if version in (None, "legacy", "11.6") else None,
            "each_seconds": [round(c["seconds"], 2) for c in children]}


def scaling(args: argparse.Namespace) -> int:
    """No-op plan at each size and API, each in a fresh emulator and fresh processes (peak memory is per process)."""
    versions = [args.grafana_version] if args.grafana_version else [v.strip() for v in args.versions.split(",")]
    results = [scale_one(args, None if v == "legacy" else v, int(size))
               for v in versions for size in args.sizes.split(",")]
    if args.json:
        print(json.dumps({"setup": vars(args), "scaling": results}, indent=2, sort_keys=True))
        return 0
    print(f"no-op plan scaling; {args.latency * 1000:.0f} ms latency; {args.workers} workers; medians of "
          f"{args.runs} run(s), each in a fresh process; {machine()}")
    print(f"{'api':>6} {'dashboards':>10} {'requests':>8} {'wall s':>7} {'bound s':>7} {'ratio':>5} {'cpu s':>6} "
          f"{'cpu ms/obj':>10} {'of it sys':>9} {'emu cpu s':>9} {'peak MB':>8} {'+s/1000':>8} {'+MB/1000':>8}")
    previous: dict[str, object] | None = None
    for r in results:
        if previous is not None and previous["api"] != r["api"]:
            previous = None
        step = (float(r["dashboards"]) - float(previous["dashboards"])) / 1000 if previous else 0.0  # type: ignore[arg-type]
        more_s = f"{(r['seconds'] - previous['seconds']) / step:>8.2f}" if previous else f"{'':>8}"  # type: ignore[operator]
        more_mb = f"{(r['peak_mb'] - previous['peak_mb']) / step:>8.0f}" if previous else f"{'':>8}"  # type: ignore[operator]
        bound = f"{r['bound']:>7.2f}" if r["bound"] else f"{'-':>7}"
        ratio = f"{r['ratio']:>5.2f}" if r["ratio"] else f"{'-':>5}"
        emu_cpu = f"{r['emulator_cpu']:>9.2f}" if r["emulator_cpu"] is not None else f"{'-':>9}"
        print(f"{r['api']:>6} {r['dashboards']:>10} {r['requests']:>8} {r['seconds']:>7.2f} {bound} {ratio} "
              f"{r['cpu']:>6.2f} {1000 * r['cpu'] / r['objects']:>10.2f} "  # type: ignore[operator]
              f"{1000 * r['sys'] / r['objects']:>9.2f} {emu_cpu} {r['peak_mb']:>8.0f} "  # type: ignore[operator]
              f"{more_s} {more_mb}")
        previous = r
    print("+s/1000, +MB/1000: what each 1,000 more dashboards add to the wall time and the peak memory, from the "
          "size before (constant when both grow linearly); of it sys: the kernel's share of the client's CPU "
          "(page faults of a growing heap), ms per object")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added to every request")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="no-op plans measured (medians are reported)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--apis-version", default="12.x", help="Grafana release of the /apis case ('' skips it)")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the (slow) naive loop")
    parser.add_argument("--profile", type=Path, help="profile one more no-op plan (all threads, CPU time) into FILE")
    parser.add_argument("--scaling", action="store_true", help="only the no-op plan at each of --sizes")
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--versions", default="legacy,12.x", help="APIs --scaling measures: legacy and/or releases")
    parser.add_argument("--grafana-version", default=None, help="--scaling on this release only")
    parser.add_argument("--child-plan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_plan:
        return child_plan(args.child_plan, args.url, os.environ["GAC_BENCH_TOKEN"], args.workers)
    if args.scaling:
        return scaling(args)

    root = Path(tempfile.mkdtemp(prefix="gac-bench-"))
    emu = Emulator()
    profile = ""
    try:
        resources = make_tree(root, args.dashboards, args.folders)
        objects = len(resources)
        bound = objects * args.latency / args.workers
        env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token}
        emu.set_latency(args.latency)
        rows: list[Row] = []
        measure(rows, emu, "first sync", objects, lambda: run_gac(root, emu, env, write=True, workers=args.workers))
        plans = noop_plans(emu, root, env, args.runs, args.workers)
        for i, run in enumerate(plans, 1):
            rows.append(Row(f"no-op plan (run {i})", run.seconds, run.requests, 0, objects, run.result))
        if args.profile:
            profile = profile_plan(root, emu, env, args.workers, args.profile)
        measure(rows, emu, "no-op sync", objects, lambda: run_gac(root, emu, env, write=True, workers=args.workers))
        changed = root / GENERATED / "dashboards" / "bench-f0" / "bench-d0000.json"
        changed.write_text(changed.read_text().replace('"Bench dashboard 0000"', '"Bench dashboard 0000 (changed)"'))
        measure(rows, emu, "one changed dashboard", objects,
                lambda: run_gac(root, emu, env, write=True, workers=args.workers))
        if not args.skip_naive:
            measure(rows, emu, "naive loop (GET+POST each)", args.dashboards,
                    lambda: (naive_loop(emu, resources), "sequential grafana-client"))
    finally:
        emu.stop()
        shutil.rmtree(root, ignore_errors=True)
    apis = apis_case(args, args.apis_version) if args.apis_version else {}

    by_name = {r.name: r for r in rows}
    noop = by_name["no-op sync"]
    legacy = plan_figures(plans, objects, bound)
    checks: dict[str, object] = {
        "no-op sync writes": noop.writes,
        "no-op sync reads per object": round(noop.reads / objects, 3),
        "no-op sync reads beyond one per object (listing + preflight)": noop.reads - objects,
        "one change writes": by_name["one changed dashboard"].writes,
    }
    checks.update({f"no-op plan, legacy /api: {k}": v for k, v in legacy.items()})
    if not args.skip_naive:
        checks["no-op plan speed-up over naive loop"] = round(by_name["naive loop (GET+POST each)"].seconds
                                                              / float(legacy["wall s (median)"]), 1)  # type: ignore[arg-type]
    checks.update({f"no-op plan, /apis ({args.apis_version}): {k}": v for k, v in apis.items()})
    if args.json:
        print(json.dumps({"setup": vars(args) | {"objects": objects, "child_plan": None},
                          "runs": [{"name": r.name, "seconds": round(r.seconds, 2), "reads": r.reads,
                                    "writes": r.writes, "requests_per_object": round(r.per_object, 3),
                                    "result": r.note} for r in rows],
                          "checks": checks}, indent=2, sort_keys=True, default=str))
    else:
        print(f"{args.dashboards} dashboards in {args.folders} folders + data sources = {objects} objects; "
              f"{args.latency * 1000:.0f} ms latency per request; {args.workers} workers; {machine()}")
        print(f"{'run':<28} {'wall s':>7} {'reads':>6} {'writes':>6} {'req/object':>10}  result")
        for r in rows:
            print(f"{r.name:<28} {r.seconds:>7.2f} {r.reads:>6} {r.writes:>6} {r.per_object:>10.3f}  {r.note}")
        for key, value in checks.items():
            print(f"{key}: {value}")
        if profile:
            print(f"\nwhere the client's CPU goes in one no-op plan (all threads; {args.profile}):\n{profile}")
    # "at most one read per object plus listing": listing pages and preflight are a fixed few
    ok = noop.writes == 0 and noop.reads - objects <= 20 and by_name["one changed dashboard"].writes == 1
    if not args.skip_naive:
        ok = ok and checks["no-op plan speed-up over naive loop"] >= 5  # type: ignore[operator]
    if apis:
        ok = ok and apis["per-dashboard GETs"] == 0 and apis["dashboard list requests"] <= apis["N/page"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
