"""A rule group changed through the alerting API by another identity is a conflict, not an overwrite.

Rules written through the provisioning API keep provenance `api` whoever wrote them, so
"still provisioned" does not mean "unchanged since gac wrote it": another tool or a script
with an Editor token can replace the group. The per-rule stamps gac writes (the hash of the
group as written) tell such a change from gac's own, as a UI edit of a dashboard is told.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.test_sync import Gac, gac, project  # noqa: F401  (fixtures)

pytestmark = emulator_only

GROUP = "/api/v1/provisioning/folder/otel-apps/rule-groups/genai"


def other_tool_edits_group(emu: GrafanaEmulator, *, keep_stamps: bool) -> None:
    """A script with its own (Admin) token reads the group, changes one rule's `for`, and PUTs it back."""
    script = emu.create_service_account("alert-script", role="Admin").client()
    answer = script.get(GROUP)
    assert answer.status_code == 200, answer.text
    group = answer.json()
    for rule in group["rules"]:
        if not keep_stamps:
            rule.get("annotations", {}).pop("gacSync", None)
    group["rules"][0]["for"] = "42m"
    saved = script.put(GROUP, json=group)
    assert saved.status_code == 200, saved.text


def test_rule_group_edited_by_another_identity_is_a_conflict(gac: Gac, project: Path) -> None:  # noqa: F811
    emu = gac.emu
    assert gac("sync").exit_code == 0
    other_tool_edits_group(emu, keep_stamps=True)
    edited = {r.uid: r.body["for"] for r in emu.store.org(1).group_rules("otel-apps", "genai")}
    assert "42m" in {str(v) for v in edited.values()} or 42 * 60 in edited.values()

    plan = gac.plan_json()
    genai = [c for c in plan["changes"] if c["kind"] == "alert-rule-group" and c["uid"] == "genai"]
    assert [c["action"] for c in genai] == ["conflict"], genai

    emu.clear_log()
    refused = gac("sync")
    assert refused.exit_code == 1, refused.output
    assert "! alert-rule-group genai in otel-apps" in refused.output
    assert not [r for r in emu.writes if "rule-groups" in r.path]
    assert {r.uid: r.body["for"] for r in emu.store.org(1).group_rules("otel-apps", "genai")} == edited

    drift = gac("drift", "--format", "json")
    assert drift.exit_code == 1, drift.output
    items = [i for i in json.loads(drift.stdout)["items"] if i["kind"] == "alert-rule-group"]
    assert [(i["uid"], i.get("origin")) for i in items] == [("genai", "grafana")]

    forced = gac("sync", "--force")
    assert forced.exit_code == 0, forced.output
    backups = list((project / "backups").rglob("genai.json"))
    assert len(backups) == 1 and "42m" in backups[0].read_text()
    assert gac("sync").exit_code == 0


def test_rule_group_replaced_without_stamps_is_a_conflict(gac: Gac) -> None:  # noqa: F811
    assert gac("sync").exit_code == 0
    other_tool_edits_group(gac.emu, keep_stamps=False)
    plan = gac.plan_json()
    assert [c["action"] for c in plan["changes"] if c["uid"] == "genai"] == ["conflict"]
