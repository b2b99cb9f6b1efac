"""Alert rule titles on Grafana 11: unique per folder there, free from 12.0 (generator/sync/rule_titles.py).

End to end against the emulator's releases: definitions that give two rules of a folder one
title are refused on 11.6 before any write (the emulator's state untouched) and synced on 12.x
and 13.x; a title taken from a rule left in Grafana, or from one the same sync renames, is
refused on 11.6 too. Then `title_clashes` on hand-made plans, for what the emulator cannot
show (a pair a case-sensitive database holds already), and the version test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build
from generator.handlers.live import LiveRef
from generator.resource import Resource, Source
from generator.sync.desired import Desired
from generator.sync.plan import CONFLICT, CREATE, DELETE, UNCHANGED, UPDATE, Change, Plan
from generator.sync.rule_titles import limited, title_clashes
from generator.sync.state import LiveState
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import copy_project, write
from tests.test_sync import Gac

GROUP = "alert-rule-group"
DOWN = "OpenTelemetry Collector down"  # the title of alerts/collector.py's rule `otelcol-down`

#: a second group in the platform folder; TITLE is filled in per test
COPIES = '''
from generator.builders import AlertRule, PromQuery, RuleGroup, math, reduce

from dashboards.folders import platform

copy = AlertRule(
    uid="otelcol-down-copy",
    title=TITLE,
    data=[PromQuery("A", 'up{job="otel-collector-canary"}'), reduce("B", "A"), math("C", "$B == 0")],
    condition="C",
    pending="2m",
    severity="warning",
    summary="Canary collector {{ $labels.instance }} is down",
    description="Prometheus could not scrape the canary collector for 2 minutes.",
    runbook_url="https://example.invalid/runbooks#canary-down",
)

copies = RuleGroup(title="collector-copies", folder=platform, interval="1m", rules=[copy])
'''


#: the same rule in the collector's own group (alerts/collector.py), under uid UID
CANARY = '''canary = AlertRule(
    uid=UID,
    title="OpenTelemetry Collector down",
    data=[PromQuery("A", 'up{job="otel-collector-canary"}'), reduce("B", "A"), math("C", "$B == 0")],
    condition="C",
    pending="2m",
    severity="warning",
    summary="Canary collector {{ $labels.instance }} is down",
    description="Prometheus could not scrape the canary collector for 2 minutes.",
    runbook_url="https://example.invalid/runbooks#canary-down",
)

collector_group = RuleGroup('''


def _project(tmp_path: Path, title: str | None) -> Path:
    root = copy_project(tmp_path / "repo")
    if title is not None:
        write(root, "alerts/copies.py", COPIES.replace("TITLE", repr(title)))
    result = build(root)
    assert result.written, [str(f) for f in result.lint_errors]
    return root


def _rules(emu: GrafanaEmulator) -> dict[str, tuple[str, str, str]]:
    return {uid: (r.folder_uid, r.rule_group, r.body["title"]) for uid, r in emu.store.org(1).rules.items()}


@emulator_only
def test_one_title_twice_in_a_folder_is_refused_on_11_before_any_write(
        tmp_path: Path, grafana_any_version: GrafanaEmulator) -> None:
    emu = grafana_any_version
    gac = Gac(_project(tmp_path, DOWN), emu)
    result = gac("sync")
    if emu.profile.key == "11.6":
        assert result.exit_code == 2, result.output
        message = " ".join(result.output.split())
        assert f"Grafana {emu.profile.build} refuses two alert rules with one title in a folder" in message
        assert "nothing was written" in message and "rename one" in message
        assert ("in folder 'otel-platform' (OpenTelemetry platform), rule 'otelcol-down-copy' of group "
                "'collector-copies' (defined in generated/alert-rules/otel-platform/collector-copies.json) and "
                "rule 'otelcol-down' of group 'otel-collector' (defined in "
                f"generated/alert-rules/otel-platform/otel-collector.json) are both titled '{DOWN}'") in message
        assert emu.writes == [] and _rules(emu) == {} and emu.store.org(1).folders == {}
        assert gac("plan").exit_code == 2  # the plan says it too: it is what sync would do
    else:
        assert result.exit_code == 0, result.output
        rules = _rules(emu)
        assert rules["otelcol-down"] == ("otel-platform", "otel-collector", DOWN)
        assert rules["otelcol-down-copy"] == ("otel-platform", "collector-copies", DOWN)
        emu.clear_log()
        assert gac("sync").exit_code == 0 and emu.writes == []
    emu.assert_no_schema_violations()


@emulator_only
def test_a_title_that_differs_only_in_case_is_refused_on_11(tmp_path: Path, grafana_any_version: GrafanaEmulator) -> None:
    emu = grafana_any_version
    result = Gac(_project(tmp_path, DOWN.lower()), emu)("sync")
    assert result.exit_code == (2 if emu.profile.key == "11.6" else 0), result.output
    if emu.profile.key == "11.6":
        assert f"are both titled '{DOWN.lower()}'" in " ".join(result.output.split()) and emu.writes == []


@emulator_only
def test_a_title_held_by_a_rule_left_in_grafana_is_refused_on_11(tmp_path: Path,
                                                                grafana_any_version: GrafanaEmulator) -> None:
    emu = grafana_any_version
    root = _project(tmp_path, None)
    gac = Gac(root, emu)
    assert gac("sync").exit_code == 0
    # a person's rule in the platform folder, made in the UI (editable: no provenance)
    manual = {"uid": "by-hand", "title": "Canary down", "ruleGroup": "manual", "folderUID": "otel-platform",
              "condition": "A", "noDataState": "NoData", "execErrState": "Error", "for": "1m", "orgID": 1,
              "data": [{"refId": "A", "datasourceUid": "prometheus", "relativeTimeRange": {"from": 600, "to": 0},
                        "model": {"refId": "A", "expr": "up == 0"}}]}
    assert emu.client().post("/api/v1/provisioning/alert-rules", json=manual,
                             headers={"X-Disable-Provenance": "true"}).status_code == 201
    write(root, "alerts/copies.py", COPIES.replace("TITLE", repr("Canary down")))
    assert build(root).written
    before = _rules(emu)
    emu.clear_log()
    result = gac("sync")
    if emu.profile.key == "11.6":
        assert result.exit_code == 2, result.output
        assert ("rule 'by-hand' of group 'manual' (in Grafana, not defined in code) are both titled 'Canary down'"
                in " ".join(result.output.split()))
        assert emu.writes == [] and _rules(emu) == before
    else:
        assert result.exit_code == 0, result.output
        assert _rules(emu)["otelcol-down-copy"][2] == _rules(emu)["by-hand"][2] == "Canary down"


@emulator_only
def test_a_title_handed_from_one_rule_to_another_in_one_sync_is_refused_on_11(
        tmp_path: Path, grafana_any_version: GrafanaEmulator) -> None:
    """The rename and the new rule are writes of two groups, in no set order: on 11 the new rule's
    group may go first and be refused. Two syncs do it; keeping the uid moves the rule in one."""
    emu = grafana_any_version
    root = _project(tmp_path, None)
    gac = Gac(root, emu)
    assert gac("sync").exit_code == 0
    collector = root / "alerts/collector.py"
    original = collector.read_text()
    renamed = original.replace(f'title="{DOWN}"', 'title="OpenTelemetry Collector unreachable"')
    collector.write_text(renamed)
    write(root, "alerts/copies.py", COPIES.replace("TITLE", repr(DOWN)))
    assert build(root).written
    emu.clear_log()
    result = gac("sync")
    if emu.profile.key != "11.6":
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert (f"rule 'otelcol-down-copy' of group 'collector-copies' (defined in generated/alert-rules/otel-platform/"
            f"collector-copies.json) takes the title '{DOWN}' from rule 'otelcol-down' of group 'otel-collector' "
            "(defined in generated/alert-rules/otel-platform/otel-collector.json), which this sync renames to "
            "'OpenTelemetry Collector unreachable'") in message
    assert "keep the rule's uid" in message and emu.writes == []
    # in two syncs: the rename first, the new rule after it
    (root / "alerts/copies.py").unlink()
    assert build(root).written
    assert gac("sync").exit_code == 0
    write(root, "alerts/copies.py", COPIES.replace("TITLE", repr(DOWN)))
    assert build(root).written
    result = gac("sync")
    assert result.exit_code == 0, result.output
    assert _rules(emu)["otelcol-down-copy"] == ("otel-platform", "collector-copies", DOWN)
    # the canary's rule joins the collector's group: as a new rule (a new uid), the title is handed over
    # from a group the same sync deletes (--prune: deletes run last), refused; with its uid, the rule moves
    (root / "alerts/copies.py").unlink()
    for uid, refused in (("otelcol-down-canary", True), ("otelcol-down-copy", False)):
        collector.write_text(renamed.replace("collector_group = RuleGroup(", CANARY.replace("UID", repr(uid)))
                             .replace("queue_full]", "queue_full, canary]"))
        assert build(root).written
        emu.clear_log()
        result = gac("sync", "--prune")
        if refused:
            assert result.exit_code == 2, result.output
            assert ("takes the title 'OpenTelemetry Collector down' from rule 'otelcol-down-copy' of group "
                    "'collector-copies' (in Grafana, not defined in code), which this sync deletes"
                    in " ".join(result.output.split())) and emu.writes == []
        else:
            assert result.exit_code == 0, result.output
            assert _rules(emu)["otelcol-down-copy"] == ("otel-platform", "otel-collector", DOWN)
            assert "otelcol-down-canary" not in _rules(emu)


# --- title_clashes on hand-made plans -----------------------------------------------------------

def _group(folder: str, title: str, *rules: tuple[str, str]) -> Resource:
    body = {"title": title, "folderUid": folder, "interval": 60,
            "rules": [{"uid": uid, "title": rule_title} for uid, rule_title in rules]}
    return Resource(GROUP, title, body, folder, Source(f"generated/alert-rules/{folder}/{title}.json"))


def _live(*groups: Resource) -> LiveState:
    state = LiveState()
    for g in groups:
        identity = (GROUP, g.folder_uid or "", g.uid)
        rules = [{**r, "folderUID": g.folder_uid, "ruleGroup": g.uid} for r in g.body["rules"]]
        state.refs[identity] = LiveRef(GROUP, identity, g.uid, g.uid, g.folder_uid, False, {"rules": rules})
    return state


def _plan(actions: dict[str, str], desired: list[Resource], live: LiveState) -> tuple[Plan, Desired]:
    resources: dict[tuple[str, ...], Resource] = {(GROUP, r.folder_uid or "", r.uid): r for r in desired}
    changes = [Change(action, GROUP, (GROUP, "f", title), resources.get((GROUP, "f", title)))
               for title, action in actions.items()]
    return Plan(changes), Desired([], resources)


def test_a_pair_grafana_holds_already_is_not_this_syncs_doing() -> None:
    """A case-sensitive database (SQLite, PostgreSQL) lets "CPU" and "cpu" live side by side on 11;
    rewriting one of their groups for another reason is no clash."""
    live = _live(_group("f", "a", ("r1", "CPU high")), _group("f", "b", ("r2", "cpu high")))
    desired = [_group("f", "a", ("r1", "CPU high"), ("r3", "Disk full")), _group("f", "b", ("r2", "cpu high"))]
    plan, wanted = _plan({"a": UPDATE, "b": UNCHANGED}, desired, live)
    assert title_clashes(plan, live, wanted) == []
    # a third rule with that title is new, though
    desired[0] = _group("f", "a", ("r1", "CPU high"), ("r3", "Cpu High"))
    plan, wanted = _plan({"a": UPDATE, "b": UNCHANGED}, desired, live)
    assert {frozenset((c.first.uid, c.second.uid)) for c in title_clashes(plan, live, wanted)} == \
        {frozenset(("r1", "r3")), frozenset(("r2", "r3"))}


def test_swaps_within_a_group_and_titles_of_deleted_groups() -> None:
    live = _live(_group("f", "a", ("r1", "A"), ("r2", "B")), _group("f", "old", ("r9", "C")))
    # a swap inside one group is one transaction: fine
    desired = [_group("f", "a", ("r1", "B"), ("r2", "A"))]
    plan, wanted = _plan({"a": UPDATE}, desired, live)
    assert title_clashes(plan, live, wanted) == []
    # "C" of a group the same sync deletes (--prune: deletes run after the writes): refused mid-sync
    desired = [_group("f", "a", ("r1", "A"), ("r2", "B"), ("r3", "C"))]
    plan, wanted = _plan({"a": UPDATE, "old": DELETE}, desired, live)
    clashes = title_clashes(plan, live, wanted)
    assert [(c.first.uid, c.second.uid, c.mid_sync) for c in clashes] == [("r3", "r9", True)]
    # the same group left in place: a clash that stays
    plan, wanted = _plan({"a": UPDATE}, desired, live)
    assert [(c.first.uid, c.second.uid, c.mid_sync) for c in title_clashes(plan, live, wanted)] == \
        [("r3", "r9", False)]
    # another folder is another index slot
    desired = [_group("f", "a", ("r1", "A"), ("r2", "B")), _group("g", "new", ("r4", "A"))]
    plan, wanted = _plan({"a": UNCHANGED}, desired, live)
    plan.changes.append(Change(CREATE, GROUP, (GROUP, "g", "new"), desired[1]))
    assert title_clashes(plan, live, wanted) == []


def test_a_title_held_by_a_group_the_sync_leaves_is_named_with_its_definition() -> None:
    """The holder's group is defined in code but not written this time (in conflict: a person
    renamed the rule in Grafana): the message says where it is defined, and that Grafana keeps
    it as it is."""
    live = _live(_group("f", "a", ("r1", "Queue full")), _group("f", "b", ("r2", "Disk full")))
    desired = [_group("f", "a", ("r1", "Queue filling")), _group("f", "b", ("r2", "Disk full"), ("r3", "Queue full"))]
    plan, wanted = _plan({"a": CONFLICT, "b": UPDATE}, desired, live)
    clashes = title_clashes(plan, live, wanted)
    assert len(clashes) == 1
    text = clashes[0].describe()
    assert "rule 'r1' of group 'a' (in Grafana as it is: its group, defined in generated/alert-rules/f/a.json, " \
        "is not written by this sync)" in text, text
    assert "not defined in code" not in text


@pytest.mark.parametrize("version,limit", [("11.6.0", True), ("v11.3.2", True), ("10.4.1", True),
                                           ("11.5.0-12345", True), ("(version hidden)", True),
                                           ("12.0.0", False), ("12.0.0-pre", False), ("12.3.0", False),
                                           ("13.0.0", False)])
def test_which_grafana_keeps_titles_unique(version: str, limit: bool) -> None:
    assert limited(version) is limit
