"""Benchmark `gac sync` / `gac plan` against the emulator with injected latency.

    .venv/bin/python bench/bench_sync.py [--dashboards 1000] [--folders 10] [--latency 0.02] [--workers 8]
    .venv/bin/python bench/bench_sync.py --scaling [--sizes 100,1000,5000] [--grafana-version 12.x]

Scenario (one process, one emulator, 20 ms added to every request): a generated tree of
1,000 dashboards in 10 folders (plus the project's data sources); then

1. first sync (everything created),
2. no-op plan,
3. no-op sync (must write nothing),
4. one changed dashboard (must write exactly one),
5. the naive baseline: a sequential grafana-client loop, GET each dashboard then POST
   each (overwrite), as a hand-written script would -- against the same emulator.

6. the /apis case: the same tree on a Grafana 12.x emulator (dashboards and folders through
   /apis/dashboard.grafana.app, whose list pages hold whole objects), seeded without
   latency, then a no-op plan with it.

For each: wall time, HTTP requests (reads/writes, from the emulator's request log) and
requests per object. Targets: a no-op sync makes zero writes and at most one read per
object plus listing; a no-op plan is at least 5× faster than the naive loop. The no-op
plan on the legacy API is set against its bound, N·RTT/workers (one read per object,
`workers` at a time: what the network alone costs), goal ≤ 1.5× the bound; on /apis its
requests are set against N/page (list pages), with no GET per dashboard.

`--scaling`: a no-op plan at each size (100 → 1,000 → 5,000 dashboards by default), each in
a fresh emulator and measured in its own process: wall and CPU seconds, peak resident
memory, and both per 1,000 dashboards, to tell whether they grow linearly.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
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


def apis_case(args: argparse.Namespace, rows: list[Row], version: str) -> dict[str, object]:
    """The tree on a 12.x emulator: seeded without latency, then a no-op plan with it."""
    root = Path(tempfile.mkdtemp(prefix="gac-bench-apis-"))
    emu = Emulator(version)
    try:
        resources = make_tree(root, args.dashboards, args.folders)
        env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token}
        run_gac(root, emu, env, write=True, workers=args.workers)
        emu.set_latency(args.latency)
        cpu: list[float] = []
        measure(rows, emu, f"no-op plan, /apis ({version})", len(resources),
                lambda: run_gac(root, emu, env, write=False, workers=args.workers, cpu=cpu))
        log = emu.log()
    finally:
        emu.stop()
        shutil.rmtree(root, ignore_errors=True)
    lists = [r for r in log if r["method"] == "GET" and r["path"].startswith("/apis/dashboard.grafana.app/")
             and r["path"].endswith("/dashboards")]
    per_dashboard = [r for r in log if "/dashboards/" in r["path"] or r["path"].startswith("/api/dashboards/")]
    return {"dashboard list requests": len(lists), "N/page": math.ceil(args.dashboards / k8s.PAGE_SIZE),
            "per-dashboard GETs": len(per_dashboard), "all requests": len(log), "client cpu s": round(cpu[0], 2)}


def child_plan(root: Path, url: str, token: str, workers: int) -> int:
    """`--child-plan`: one no-op plan in this fresh process; prints its wall/CPU time and peak memory."""
    cpu: list[float] = []
    seconds, note = run_gac(root, None, {"GRAFANA_URL": url, "GRAFANA_TOKEN": token},  # type: ignore[arg-type]
                            write=False, workers=workers, cpu=cpu)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
    print(json.dumps({"seconds": seconds, "cpu": cpu[0], "peak_mb": peak_kb / 1024, "result": note}))
    return 0


def scaling(args: argparse.Namespace) -> int:
    """No-op plan at each size, each in a fresh emulator and a fresh process (peak memory is per process)."""
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        root = Path(tempfile.mkdtemp(prefix="gac-bench-scale-"))
        emu = Emulator(args.grafana_version)
        try:
            objects = len(make_tree(root, size, args.folders))
            env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token}
            run_gac(root, emu, env, write=True, workers=args.workers)  # seeded without latency
            emu.set_latency(args.latency)
            emu.clear_log()
            child = subprocess.run([sys.executable, __file__, "--child-plan", str(root), "--url", emu.url,
                                    "--workers", str(args.workers)], env={**os.environ, "GAC_BENCH_TOKEN": emu.token},
                                   capture_output=True, text=True, check=True)
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            reads, _ = emu.counts()
        finally:
            emu.stop()
            shutil.rmtree(root, ignore_errors=True)
        results.append({"dashboards": size, "objects": objects, "requests": reads, **figures})
    base = results[0]
    if args.json:
        print(json.dumps({"setup": vars(args), "scaling": results}, indent=2, sort_keys=True))
        return 0
    print(f"no-op plan scaling; Grafana {args.grafana_version or 'legacy emulator'}; "
          f"{args.latency * 1000:.0f} ms latency; {args.workers} workers")
    print(f"{'dashboards':>10} {'wall s':>7} {'cpu s':>6} {'peak MB':>8} {'requests':>8} {'ms/dash':>8} "
          f"{'cpu ms/dash':>11} {'wall ×':>7} {'size ×':>7}")
    for r in results:
        print(f"{r['dashboards']:>10} {r['seconds']:>7.2f} {r['cpu']:>6.2f} {r['peak_mb']:>8.0f} {r['requests']:>8} "
              f"{1000 * r['seconds'] / r['dashboards']:>8.2f} {1000 * r['cpu'] / r['dashboards']:>11.2f} "
              f"{r['seconds'] / base['seconds']:>7.1f} {r['dashboards'] / base['dashboards']:>7.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added to every request")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--apis-version", default="12.x", help="Grafana release of the /apis case ('' skips it)")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the (slow) naive loop")
    parser.add_argument("--scaling", action="store_true", help="only the no-op plan at each of --sizes")
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--grafana-version", default=None, help="release the emulator models (--scaling)")
    parser.add_argument("--child-plan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_plan:
        return child_plan(args.child_plan, args.url, os.environ["GAC_BENCH_TOKEN"], args.workers)
    if args.scaling:
        return scaling(args)

    root = Path(tempfile.mkdtemp(prefix="gac-bench-"))
    emu = Emulator()
    noop_cpu: list[float] = []
    try:
        resources = make_tree(root, args.dashboards, args.folders)
        objects = len(resources)
        env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token}
        emu.set_latency(args.latency)
        rows: list[Row] = []
        measure(rows, emu, "first sync", objects, lambda: run_gac(root, emu, env, write=True, workers=args.workers))
        measure(rows, emu, "no-op plan", objects,
                lambda: run_gac(root, emu, env, write=False, workers=args.workers, cpu=noop_cpu))
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
    apis = apis_case(args, rows, args.apis_version) if args.apis_version else {}

    by_name = {r.name: r for r in rows}
    noop = by_name["no-op sync"]
    plan = by_name["no-op plan"]
    bound = objects * args.latency / args.workers
    checks: dict[str, object] = {
        "no-op sync writes": noop.writes,
        "no-op sync reads per object": round(noop.reads / objects, 3),
        "no-op sync reads beyond one per object (listing + preflight)": noop.reads - objects,
        "one change writes": by_name["one changed dashboard"].writes,
        "no-op plan bound N*RTT/workers s": round(bound, 2),
        "no-op plan / bound (goal <= 1.5)": round(plan.seconds / bound, 2),
        "no-op plan client cpu ms per object": round(1000 * noop_cpu[0] / objects, 2),
    }
    if not args.skip_naive:
        checks["no-op plan speed-up over naive loop"] = round(by_name["naive loop (GET+POST each)"].seconds
                                                              / plan.seconds, 1)
    checks.update({f"/apis: {k}": v for k, v in apis.items()})
    if args.json:
        print(json.dumps({"setup": vars(args) | {"objects": objects, "child_plan": None},
                          "runs": [{"name": r.name, "seconds": round(r.seconds, 2), "reads": r.reads,
                                    "writes": r.writes, "requests_per_object": round(r.per_object, 3),
                                    "result": r.note} for r in rows],
                          "checks": checks}, indent=2, sort_keys=True, default=str))
    else:
        print(f"{args.dashboards} dashboards in {args.folders} folders + data sources = {objects} objects; "
              f"{args.latency * 1000:.0f} ms latency per request; {args.workers} workers")
        print(f"{'run':<28} {'wall s':>7} {'reads':>6} {'writes':>6} {'req/object':>10}  result")
        for r in rows:
            print(f"{r.name:<28} {r.seconds:>7.2f} {r.reads:>6} {r.writes:>6} {r.per_object:>10.3f}  {r.note}")
        for key, value in checks.items():
            print(f"{key}: {value}")
    # "at most one read per object plus listing": listing pages and preflight are a fixed few
    ok = noop.writes == 0 and noop.reads - objects <= 20 and by_name["one changed dashboard"].writes == 1
    if not args.skip_naive:
        ok = ok and checks["no-op plan speed-up over naive loop"] >= 5  # type: ignore[operator]
    if apis:
        ok = ok and apis["per-dashboard GETs"] == 0 and apis["dashboard list requests"] <= apis["N/page"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
