"""The engine's walk of a dashboard takes shortcuts on its hot path (lint performance, issue 15):
a panel's targets reuse the data source of the previous target when their references are
equal, and a target's location is made only when read. Each must give what the long way gives.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from generator.datasource_index import DatasourceInfo, resolve
from generator.lint import LintConfig
from generator.lint.contexts import TargetContext
from generator.lint.engine import Engine, make_env
from generator.lint.finding import Location
from tests.lint_cases.builders import dashboard, panel, recorded_targets, variable

#: references as dashboards write them: equal dicts and strings (made anew for every target), the
#: absent one, mixed, a variable, a legacy name, and values equal in Python but named apart (1, True)
REFERENCES: list[Any] = [{"type": "prometheus", "uid": "prom"}, {"type": "loki", "uid": "loki"}, {"uid": "prom"},
                         {"type": "datasource", "uid": "-- Mixed --"}, "-- Mixed --", "Prometheus", "$ds",
                         {"type": "prometheus", "uid": "${ds}"}, None, 1, True, 1.0, "", {}, {"type": "tempo"}]


def _engine() -> Engine:
    infos = [DatasourceInfo("prom", "prometheus", "Prometheus", True), DatasourceInfo("loki", "loki", "Loki")]
    return Engine(make_env(LintConfig(), infos, authoritative=True))


def _walked(monkeypatch: pytest.MonkeyPatch, engine: Engine, doc: dict[str, Any]) -> list[TargetContext]:
    """The target contexts the engine makes while it lints `doc`."""
    seen = recorded_targets(monkeypatch)
    engine.dashboard(doc, Location("d.json"))
    return seen


@pytest.mark.parametrize("seed", range(20))
def test_a_panel_s_targets_get_the_data_sources_each_resolves_to_on_its_own(monkeypatch: pytest.MonkeyPatch,
                                                                           seed: int) -> None:
    rng = random.Random(seed)

    def reference() -> Any:  # a new object each time, as a decoded dashboard holds them
        ref = rng.choice(REFERENCES)
        return dict(ref) if isinstance(ref, dict) else ref

    panels = []
    for i in range(6):
        targets = [{"refId": chr(65 + j), "expr": "up", **({} if (ref := reference()) is None else {"datasource": ref})}
                   for j in range(rng.randint(1, 6))]
        panels.append(panel(*targets, id=i + 1, datasource=reference()))
    doc = dashboard(*panels, variables=[variable("ds", type="datasource", query="prometheus")])
    engine = _engine()
    walked = _walked(monkeypatch, engine, doc)
    assert len(walked) == sum(len(p["targets"]) for p in panels)
    for t in walked:
        dash = t.panel.dash
        dash._resolved.clear()  # the long way: nothing remembered
        panel_ds = dash.resolve(t.panel.panel.get("datasource"))
        assert t.ds == engine.target_ds(dash, panel_ds, t.target.get("datasource")), (t.target, t.panel.panel)
        assert t.location == t.panel.location.moved(path=t.path, ref_id=t.ref_id)


def test_numbers_equal_in_python_are_not_the_same_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = dashboard(panel({"refId": "A", "expr": "up", "datasource": 1},
                          {"refId": "B", "expr": "up", "datasource": True}))
    problems = [t.ds.problem for t in _walked(monkeypatch, _engine(), doc)]
    assert problems == ["unexpected data source value 1", "unexpected data source value True"]


def test_a_finding_on_a_target_is_at_the_target(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = dashboard(panel({"refId": "A", "datasource": {"type": "prometheus", "uid": "prom"}, "expr": "up"},
                          {"refId": "B", "datasource": {"type": "loki", "uid": "loki"}, "expr": "{job=}"}, id=4))
    engine = _engine()
    engine.dashboard(doc, Location("d.json"))
    logql = [f for f in engine.findings if f.rule == "logql-syntax"]
    assert [(f.panel_id, f.ref_id, f.path[:4]) for f in logql] == [(4, "B", ("panels", 0, "targets", 1))]


@pytest.mark.parametrize("seed", range(10))
def test_the_data_source_rules_report_every_doubtful_reference_the_engine_resolved(seed: int) -> None:
    """The engine notes the panels and targets whose own reference is doubtful as it resolves
    them (once for a run of equal references); the data-source rules report exactly those, each
    at its own place."""
    rng = random.Random(seed)
    doubtful: list[Any] = [*REFERENCES, "Loki", {"type": "prometheus", "uid": "gone"}, "gone"]

    def reference() -> dict[str, Any]:  # a `datasource` member, or none
        ref = rng.choice(doubtful)
        return {} if ref is None else {"datasource": dict(ref) if isinstance(ref, dict) else ref}

    panels = [panel(*[{"refId": chr(65 + j), "expr": "up", **reference()} for j in range(rng.randint(1, 6))],
                    id=i + 1, **reference()) for i in range(6)]
    # one of each kind at least: a name, then a reference to nothing, repeated by the next target
    panels.append(panel({"refId": "A", "expr": "up", "datasource": "gone"},
                        {"refId": "B", "expr": "up", "datasource": "gone"}, id=7, datasource="Prometheus"))
    doc = dashboard(*panels, variables=[variable("ds", type="datasource", query="prometheus")])
    engine = _engine()
    engine.dashboard(doc, Location("d.json"))
    rules = ("datasource-legacy-name", "datasource-ref-unresolved")
    got = sorted((f.rule, f.path) for f in engine.findings if f.rule in rules)
    # the long way: every panel and target with a `datasource` member, resolved on its own
    owners = [(("panels", i), p) for i, p in enumerate(panels)]
    owners += [(("panels", i, "targets", j), t) for i, p in enumerate(panels) for j, t in enumerate(p["targets"])]
    expected = []
    for path, owner in owners:
        if "datasource" not in owner:
            continue
        resolved = resolve(owner["datasource"], engine.env.index, {"ds": "prometheus"}, {})
        if resolved is not None and resolved.problem:
            expected.append(("datasource-ref-unresolved", (*path, "datasource")))
        if resolved is not None and resolved.legacy_name and isinstance(owner["datasource"], str):
            expected.append(("datasource-legacy-name", (*path, "datasource")))
    assert got == sorted(expected)
    assert {rule for rule, _ in got} == set(rules)
