"""Threshold types Grafana 11 lacks (generator/sync/rule_thresholds.py): `gte` and `lte` came with
12.0. On 11.6 a rule group holding one is refused when saved, so the plan stops before any
write; 12.x and 13.x take it. And the emulator refuses such a group on 11.6 as Grafana does."""

from __future__ import annotations

from pathlib import Path

from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import build_clean, copy_project, write
from tests.test_sync import Gac

GTE = '''
from generator.builders import AlertRule, RuleGroup

from dashboards.folders import platform

queue = AlertRule.when(uid="otelcol-queue-full", title="Collector queue full", expr="otelcol_exporter_queue_size",
                       op=">=", value=1000, summary="s", description="d", runbook_url="")
group = RuleGroup(title="collector-queue", folder=platform, interval="1m", rules=[queue])
'''


@emulator_only
def test_a_gte_threshold_is_refused_on_11_before_any_write(tmp_path: Path,
                                                         grafana_any_version: GrafanaEmulator) -> None:
    emu = grafana_any_version
    root = copy_project(tmp_path / "repo")
    write(root, "alerts/queue.py", GTE)
    build_clean(root)
    gac = Gac(root, emu)
    result = gac("sync")
    if emu.profile.key == "11.6":
        message = " ".join(result.output.split())
        assert result.exit_code == 2, result.output
        assert f"Grafana {emu.profile.build} has no 'gte' threshold (Grafana 12 added it)" in message
        assert "rule group 'collector-queue'" in message and "nothing was written" in message
        assert "math('C', '$B >= <value>')" in message
        assert emu.writes == [] and emu.store.org(1).rules == {}
    else:
        assert result.exit_code == 0, result.output
        assert "otelcol-queue-full" in emu.store.org(1).rules
    emu.assert_no_schema_violations()


@emulator_only
def test_the_emulator_refuses_a_threshold_its_release_lacks(grafana_any_version: GrafanaEmulator) -> None:
    emu = grafana_any_version
    client = emu.client()
    folder = client.post("/api/folders", json={"uid": "f", "title": "F"})
    assert folder.status_code == 200, folder.text
    group = {"title": "g", "interval": 60, "rules": [{
        "uid": "r", "title": "R", "condition": "C", "noDataState": "NoData", "execErrState": "Error", "for": "0s",
        "data": [{"refId": "A", "datasourceUid": "p", "relativeTimeRange": {"from": 600, "to": 0},
                  "model": {"refId": "A", "expr": "up"}},
                 {"refId": "C", "datasourceUid": "__expr__", "relativeTimeRange": {"from": 0, "to": 0},
                  "model": {"refId": "C", "type": "threshold", "expression": "A",
                            "conditions": [{"evaluator": {"type": "gte", "params": [1]}}]}}]}]}
    answer = client.put("/api/v1/provisioning/folder/f/rule-groups/g", json=group)
    if emu.profile.key == "11.6":
        assert answer.status_code == 400 and "expected threshold function to be one of" in answer.text, answer.text
    else:
        assert answer.status_code == 200, answer.text
