"""`gac routes` agrees with Alertmanager: the same trees and labels through `amtool config routes test`.

The project's own tree and generated trees of varied shapes (nesting, continue, regex and
negative matchers, object_matchers / matchers / match / match_re spellings) are translated
into an Alertmanager configuration; for each label set the receivers amtool prints must be
the receivers our routing reaches, in order. Skips where amtool is absent.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.output import load_resources
from generator.routing import alertmanager, tree
from generator.routing.project import from_resources
from tests.paths import REPO

AMTOOL = shutil.which("amtool")
pytestmark = pytest.mark.skipif(AMTOOL is None, reason="amtool is not installed (apt-get install prometheus-alertmanager)")

LABELS = {"severity": ["critical", "warning", "info", ""], "service_name": ["checkout", "cart", "search", ""],
          "team": ["sre", "web", ""], "env": ["prod", "staging", ""]}
RECEIVERS = ["r0", "r1", "r2", "r3", "r4"]


def _amtool(config: Path, labels: dict[str, str]) -> list[str]:
    args = [f"{k}={v}" for k, v in sorted(labels.items()) if v]
    out = subprocess.run([AMTOOL or "amtool", "config", "routes", "test", f"--config.file={config}", *args],
                         capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip().split(",")


def _matcher(rng: random.Random, style: str) -> Any:
    name = rng.choice(sorted(LABELS))
    values = [v for v in LABELS[name] if v]
    op = rng.choice(["=", "!=", "=~", "!~"])
    value = "|".join(rng.sample(values, rng.randint(1, 2))) if op in ("=~", "!~") else rng.choice(values)
    if op in ("=~", "!~") and rng.random() < 0.3:
        value = value[:3] + ".*"
    return name, op, value


def _route(rng: random.Random, depth: int) -> dict[str, Any]:
    route: dict[str, Any] = {}
    if rng.random() < 0.7:
        route["receiver"] = rng.choice(RECEIVERS)
    style = rng.choice(["object_matchers", "matchers", "match"])
    found = [_matcher(rng, style) for _ in range(rng.randint(1, 2))]
    if style == "object_matchers":
        route["object_matchers"] = [list(x) for x in found]
    elif style == "matchers":
        route["matchers"] = [f'{n}{o}"{v}"' for n, o, v in found]
    else:
        route["match"] = {n: v for n, o, v in found if o == "="}
        route["match_re"] = {n: v for n, o, v in found if o == "=~"}
        route = {k: v for k, v in route.items() if v != {}}
        if "match" not in route and "match_re" not in route:
            route["object_matchers"] = [list(x) for x in found]
    if rng.random() < 0.35:
        route["continue"] = True
    if depth < 3 and rng.random() < 0.5:
        route["routes"] = [_route(rng, depth + 1) for _ in range(rng.randint(1, 3))]
    return route


def _tree(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    return {"receiver": "r0", "group_by": ["alertname"], "routes": [_route(rng, 1) for _ in range(rng.randint(1, 4))]}


def _label_sets(seed: int, count: int) -> list[dict[str, str]]:
    rng = random.Random(seed * 7919)
    return [{k: rng.choice(v) for k, v in LABELS.items()} for _ in range(count)]


def _agreement(raw_tree: dict[str, Any], label_sets: list[dict[str, str]], tmp: Path,
               intervals: dict[str, Any] | None = None) -> tuple[int, list[str]]:
    config = tmp / "alertmanager.yml"
    names = sorted(tree.referenced(raw_tree)["receivers"])
    config.write_text(alertmanager.config(raw_tree, names, intervals))
    root = tree.build(raw_tree)
    agreed, disagreements = 0, []
    for labels in label_sets:
        ours = tree.receivers(root, {k: v for k, v in labels.items() if v})
        theirs = _amtool(config, labels)
        if ours == theirs:
            agreed += 1
        else:
            disagreements.append(f"{labels}: gac {ours} vs amtool {theirs}")
    return agreed, disagreements


def test_project_tree_routes_as_alertmanager_does(tmp_path: Path) -> None:
    resources = load_resources(REPO / "generated")
    project = from_resources(resources)
    assert project.tree_defined
    intervals = {r.uid: r.body["time_intervals"] for r in resources if r.kind == "mute-timing"}
    label_sets = [{"severity": s, "service_name": "checkout"} for s in ("critical", "warning", "info", "")]
    label_sets += [rule.labels for rule in project.rules.values()]
    agreed, disagreements = _agreement(project.tree, label_sets, tmp_path, intervals)
    print(f"project tree agreement with amtool: {agreed}/{len(label_sets)}")
    assert not disagreements, disagreements
    assert agreed == len(label_sets)


def test_generated_trees_route_as_alertmanager_does(tmp_path: Path) -> None:
    total = agreed = 0
    problems: list[str] = []
    for seed in range(10):
        label_sets = _label_sets(seed, 6)
        ok, bad = _agreement(_tree(seed), label_sets, tmp_path)
        total += len(label_sets)
        agreed += ok
        problems += [f"tree {seed}: {b}" for b in bad]
    print(f"routing agreement with amtool: {agreed}/{total}")
    assert not problems, problems


def test_generated_trees_have_the_shapes_claimed() -> None:
    """The random trees really exercise continue, nesting, regex, negation and every spelling."""
    seen: set[str] = set()
    for seed in range(10):
        for route in tree.build(_tree(seed)).walk():
            raw = route.raw
            seen.update(k for k in ("object_matchers", "matchers", "match", "match_re", "continue") if raw.get(k))
            seen.update(x.op for x in route.matchers)
            if len(route.path) >= 2:
                seen.add("nested")
    assert {"object_matchers", "matchers", "match", "match_re", "continue", "=~", "!=", "!~", "nested"} <= seen
