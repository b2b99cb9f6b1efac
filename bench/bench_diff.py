"""Benchmark `gac diff` of two generated/ trees against a plain script that loads and compares them.

    .venv/bin/python bench/bench_diff.py [--dashboards 1000] [--panels 20] [--changed 50] [--runs 3]
                                         [--seed 7] [--scaling [N,N,...]]

The project is bench_build.py's (one module per dashboard, 20 panels of 3 targets each), built
once with `gac build`; the second tree is a copy of its generated/ with `--changed` dashboards
retitled, one of them moved to another folder, one removed and one added: what a pull request
that touches a few dashboards of a large repository shows.

Each figure is a subprocess's own CPU time (user + system) and peak RSS (os.wait4's rusage):

* baseline: a plain script that json.loads every file of both trees, keeps them, and compares
  the decoded bodies path by path: what holding two decoded trees costs by itself;
* gac diff: `gac diff OLD NEW --format markdown`, the pull-request comment, with the semantic diff
  of every changed object and the raw diffs.

The medians of `--runs` rounds are printed, each ratio within its round. `--scaling` runs each N
(default 100,1000,3000) and prints time and memory per N and the marginal cost per dashboard from
one N to the next: constant when growth is linear.

Not run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import GAC, _child, write_project  # noqa: E402

BASELINE = '''\
"""The baseline: decode both trees whole and compare them path by path."""
import json, sys
from pathlib import Path

trees = []
for root in map(Path, sys.argv[1:3]):
    trees.append({str(p.relative_to(root)): json.loads(p.read_text()) for p in sorted(root.rglob("*.json"))})
old, new = trees
changed = sum(1 for path in old.keys() & new.keys() if old[path] != new[path])
print(json.dumps({"changed": changed, "added": len(new.keys() - old.keys()), "removed": len(old.keys() - new.keys())}))
'''


def make_trees(root: Path, dashboards: int, panels: int, changed: int, seed: int) -> tuple[Path, Path]:
    """The project built (OLD) and a copy of its generated/ with `changed` dashboards retitled,
    the first of them moved to another folder, one removed and one added (NEW)."""
    write_project(root / "project", dashboards, panels, seed)
    _child([str(GAC), "build", "--quiet", "--root", str(root / "project")], root / "project")
    old, new = root / "project" / "generated", root / "new"
    shutil.copytree(old, new)
    files = sorted((new / "dashboards").rglob("*.json"))
    for path in files[:changed]:
        body = json.loads(path.read_text())
        body["title"] += " (edited)"
        path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    moved = new / "dashboards" / "moved"
    moved.mkdir()
    files[0].rename(moved / files[0].name)
    files[-1].unlink()
    added = json.loads(files[-2].read_text())
    added.update(uid="bench-added", title="Added")
    (files[-2].parent / "bench-added.json").write_text(json.dumps(added, indent=2, sort_keys=True) + "\n")
    return old, new


def run_round(old: Path, new: Path) -> dict[str, float]:
    base_cpu, base_rss, _ = _child([sys.executable, "-c", BASELINE, str(old), str(new)], old)
    gac_cpu, gac_rss, out = _child([str(GAC), "diff", str(old), str(new), "--format", "markdown"], old)
    if "Added" not in out:
        raise SystemExit(f"gac diff did not show the changes:\n{out[:2000]}")
    return {"gac_cpu": gac_cpu, "gac_rss": gac_rss, "base_cpu": base_cpu, "base_rss": base_rss}


def once(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="gac-bench-diff-") as tmp:
        old, new = make_trees(Path(tmp), args.dashboards, args.panels, args.changed, args.seed)
        size = sum(p.stat().st_size for p in old.rglob("*.json")) / 1e6
        print(f"two trees of {args.dashboards} dashboards ({size:.0f} MB each), {args.changed} changed, 1 moved, "
              f"1 removed, 1 added; medians of {args.runs} round(s), each ratio within its round")
        run_round(old, new)  # warm-up: the first run of a fresh tree pays for the file cache
        rounds = [run_round(old, new) for _ in range(args.runs)]
    for label, key, unit in (("CPU", "cpu", "s"), ("peak RSS", "rss", "MB")):
        value, base = (statistics.median(r[f"{who}_{key}"] for r in rounds) for who in ("gac", "base"))
        ratio = statistics.median(r[f"gac_{key}"] / r[f"base_{key}"] for r in rounds)
        print(f"  gac diff {label:<9} {value:8.2f} {unit:<2}  baseline {base:8.2f} {unit:<2}  ratio {ratio:5.2f}x")


def scaling(args: argparse.Namespace, sizes: list[int]) -> None:
    print(f"medians of {args.runs} round(s) per N; marginal = (figure(N) - figure(previous N)) / (N - previous N)")
    print(f"{'N':>6} {'gac s':>7} {'base s':>7} {'gac MB':>7} {'base MB':>8} {'gac ms/dash':>12} {'gac KB/dash':>12} "
          f"{'base KB/dash':>13}")
    previous: tuple[int, dict[str, float]] | None = None
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="gac-bench-diff-") as tmp:
            old, new = make_trees(Path(tmp), n, args.panels, min(args.changed, n - 2), args.seed)
            run_round(old, new)  # warm-up
            rounds = [run_round(old, new) for _ in range(args.runs)]
        m = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
        line = f"{n:>6} {m['gac_cpu']:>7.2f} {m['base_cpu']:>7.2f} {m['gac_rss']:>7.0f} {m['base_rss']:>8.0f}"
        if previous is not None:
            n0, m0 = previous
            line += (f" {1000 * (m['gac_cpu'] - m0['gac_cpu']) / (n - n0):>12.2f}"
                     f" {1024 * (m['gac_rss'] - m0['gac_rss']) / (n - n0):>12.0f}"
                     f" {1024 * (m['base_rss'] - m0['base_rss']) / (n - n0):>13.0f}")
        print(line, flush=True)
        previous = (n, m)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=20, help="per dashboard (each panel has 3 targets)")
    parser.add_argument("--changed", type=int, default=50, help="dashboards retitled in the second tree")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scaling", nargs="?", const="100,1000,3000", default=None, metavar="N,N,...")
    args = parser.parse_args()
    if args.scaling:
        scaling(args, [int(n) for n in args.scaling.split(",")])
    else:
        once(args)


if __name__ == "__main__":
    main()
