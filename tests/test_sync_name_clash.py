"""Data source names: Grafana keeps one data source per name in an organisation.

A team clicked a "Prometheus" data source together in Grafana's UI before adopting gac, whose
definition has uid `prometheus` and name `Prometheus`. Grafana refuses the create with 409
"data source with the same name already exists" (ErrDataSourceNameExists: the SQL store's
AddDataSource, and the service's UpdateDataSource for a rename; the emulator models both), and no
version or `--force` gets past it. So:

- the plan finds it before any write and says it is a name clash, naming the data source that
  holds the name and what to do, never "changed in Grafana" with `--force` as the way out;
- what needs the data source (the rule groups querying it) is held back with it, as after a failed
  write; `sync` exits 1, `--force` writes nothing more and backs nothing up;
- a refusal for the name that the plan could not see (a race) is reported the same way;
- renames that free a name go first; a swap of names, or a name held by a data source this sync
  deletes only after its writes, is a clash that says how to get there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import build_clean, edit, write
from tests.test_sync import Gac, gac12, project  # noqa: F401 - fixtures used below

pytestmark = emulator_only

RULE_GROUPS = ("genai", "services", "otel-collector")


@pytest.fixture
def gac_any(project: Path, grafana_any_version: GrafanaEmulator) -> Gac:  # noqa: F811 - the imported fixture
    return Gac(project, grafana_any_version)


def _click_datasource(emu: GrafanaEmulator, name: str, url: str = "http://old:9090") -> dict[str, Any]:
    """A data source made in Grafana's UI (by a person: no gac marker)."""
    made = emu.as_user("admin").post("/api/datasources", json={"name": name, "type": "prometheus", "url": url,
                                                                "access": "proxy"})
    assert made.status_code == 200, made.text
    return made.json()["datasource"]


def _rule_groups(emu: GrafanaEmulator) -> set[str]:
    return {rule.rule_group for rule in emu.store.org(1).rules.values()}


def _datasource_writes(emu: GrafanaEmulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emu.writes if r.path.startswith("/api/datasources")]


def test_a_data_source_clicked_in_the_ui_with_the_name_is_a_name_clash(gac_any: Gac, project: Path) -> None:
    gac, emu = gac_any, gac_any.emu
    clicked = _click_datasource(emu, "Prometheus")

    plan = gac("plan")
    assert plan.exit_code == 0, plan.output
    line = next(x for x in plan.output.splitlines() if "datasource prometheus" in x)
    assert line.startswith("  ! datasource prometheus 'Prometheus': name clash: "), line
    assert f"datasource {clicked['uid']!r} in Grafana (not managed by gac) is already named 'Prometheus'" in line
    assert "give this one another name (`name=` in its definition), rename or delete that one in Grafana" in line
    assert f"give this definition its uid {clicked['uid']!r} to take it over; --force does not apply" in line
    assert "changed in Grafana" not in plan.output and "--force backs it up" not in plan.output
    for group in RULE_GROUPS:  # they query the data source: held back with it
        assert any(f"alert-rule-group {group} in " in x and "held back: it needs datasource 'prometheus'" in x
                   for x in plan.output.splitlines()), plan.output
    assert "Plan: 15 to create, 1 to update, 0 to delete, 1 conflict, 0 unchanged." in plan.output
    assert gac("plan", "--detailed-exitcode").exit_code == 2
    change = next(c for c in gac.plan_json()["changes"] if c["uid"] == "prometheus")
    assert (change["action"], change["intent"], change["clash"]) == ("conflict", "create", "name")
    assert [r.user for r in emu.writes] == ["admin"], "plan must not write"

    synced = gac("sync")
    assert synced.exit_code == 1, synced.output
    out = synced.output
    assert "! datasource prometheus 'Prometheus': name clash: " in out and "conflict: name clash" not in out
    for group in RULE_GROUPS:
        assert f"alert-rule-group {group} in " in out
    assert out.count("not attempted: it needs datasource 'prometheus', which was not written") == 3
    assert "Not applied: 1 name clash(es)" in out and "`--force` does not apply" in out
    assert "gac sync --force" not in out, "--force cannot get past a name Grafana allows once"
    assert ("POST", "/api/datasources") in _datasource_writes(emu)  # loki and tempo
    assert "prometheus" not in emu.store.org(1).datasources
    assert _rule_groups(emu) == set(), "a rule group querying a data source that is not there was sent"
    assert "Sync: 12 created, 1 updated, 0 deleted, 0 unchanged, 1 conflict, 0 failed, 3 not attempted." in out

    emu.clear_log()
    forced = gac("sync", "--force")
    assert forced.exit_code == 1, forced.output
    # (12.x's legacy folder store drops gac's marks: --force rewrites those folders each time, see README)
    assert _datasource_writes(emu) == [] and not list(project.glob("backups/**/*prometheus*"))
    assert not list(project.glob(f"backups/**/*{clicked['uid']}*"))
    assert emu.store.org(1).datasources[clicked["uid"]].url == "http://old:9090"
    assert "4 not attempted" not in forced.output and _rule_groups(emu) == set()

    # the team renames theirs in Grafana: the next sync creates gac's, then what needs it
    renamed = emu.as_user("admin").put(f"/api/datasources/uid/{clicked['uid']}", json={
        "name": "Prometheus (clicked)", "type": "prometheus", "url": "http://old:9090", "access": "proxy"})
    assert renamed.status_code == 200, renamed.text
    converged = gac("sync")
    assert converged.exit_code == 0, converged.output
    assert "4 created" in converged.output and _rule_groups(emu) == set(RULE_GROUPS)
    emu.assert_no_schema_violations()


@pytest.mark.parametrize("holder, says", [
    ("provisioned", "(provisioned from a file) is already named 'Prometheus'"),
    ("lower case", "is already named 'prometheus' (as 'Prometheus' is for Grafana on MySQL, which compares names "
                   "without case)"),
])
def test_who_holds_the_name_is_said(gac12: Gac, holder: str, says: str) -> None:
    emu = gac12.emu
    if holder == "provisioned":
        emu.provision_datasource({"name": "Prometheus", "type": "prometheus", "url": "http://prov:9090"})
    else:
        _click_datasource(emu, "prometheus")
    plan = gac12("plan")
    line = next(x for x in plan.output.splitlines() if "datasource prometheus" in x)
    assert ": name clash: " in line and says in line, line
    if holder == "provisioned":
        assert "rename that one where it is provisioned; --force does not apply" in line
    result = gac12("sync", "--force")
    assert result.exit_code == 1 and "prometheus" not in emu.store.org(1).datasources


def test_a_rename_onto_a_name_another_data_source_holds(gac12: Gac, project: Path) -> None:
    """The data source exists (only its rename clashes): what queries it by uid is written."""
    emu = gac12.emu
    assert gac12("sync").exit_code == 0
    other = _click_datasource(emu, "Mimir")
    edit(project, "datasources/prometheus.py", 'name="Prometheus"', 'name="Mimir"')
    build_clean(project)
    plan = gac12("plan")
    line = next(x for x in plan.output.splitlines() if "datasource prometheus" in x)
    assert f"name clash: datasource {other['uid']!r} in Grafana (not managed by gac) is already named 'Mimir'" in line
    assert "rename or delete that one in Grafana; --force does not apply" in line
    assert "--force backs it up" not in line and "held back" not in plan.output
    assert "take it over" not in line, "another uid would not rename this data source: it would make a new one"
    emu.clear_log()
    forced = gac12("sync", "--force")
    assert forced.exit_code == 1, forced.output
    assert emu.writes == [] and not (project / "backups").exists()
    assert emu.store.org(1).datasources["prometheus"].name == "Prometheus"


def test_a_rename_that_frees_a_name_goes_first(gac12: Gac, project: Path) -> None:
    """Tempo gives up its name, Loki takes it: data sources are written in parallel and Grafana
    checks each write alone, so Loki's waits for Tempo's, and is not sent when that failed."""
    emu = gac12.emu
    assert gac12("sync").exit_code == 0
    edit(project, "datasources/tempo.py", 'name="Tempo"', 'name="Tempo traces"')
    edit(project, "datasources/loki.py", 'name="Loki"', 'name="Tempo"')
    build_clean(project)
    assert "conflict" not in {c["action"] for c in gac12.plan_json()["changes"]}

    emu.fail("PUT", "/api/datasources/uid/tempo$", status=500, count=None)
    failed = gac12("sync", "--retries", "1")
    assert failed.exit_code == 1, failed.output
    assert "datasource loki 'Tempo': not attempted: it takes the name datasource 'tempo' holds, which was not " \
           "renamed" in failed.output
    assert ("PUT", "/api/datasources/uid/loki") not in _datasource_writes(emu)

    emu.clear_faults()
    emu.clear_log()
    synced = gac12("sync")
    assert synced.exit_code == 0, synced.output
    assert _datasource_writes(emu) == [("PUT", "/api/datasources/uid/tempo"), ("PUT", "/api/datasources/uid/loki")]
    names = {uid: ds.name for uid, ds in emu.store.org(1).datasources.items()}
    assert (names["loki"], names["tempo"]) == ("Tempo", "Tempo traces")


def test_a_swap_of_names_is_a_clash_that_says_how(gac12: Gac, project: Path) -> None:
    emu = gac12.emu
    assert gac12("sync").exit_code == 0
    edit(project, "datasources/tempo.py", 'name="Tempo"', 'name="Loki"')
    edit(project, "datasources/loki.py", 'name="Loki"', 'name="Tempo"')
    build_clean(project)
    plan = gac12("plan")
    for uid in ("loki", "tempo"):
        line = next(x for x in plan.output.splitlines() if f"datasource {uid} " in x)
        assert "names cannot be swapped in one sync; rename one of them to a third name first" in line, line
    emu.clear_log()
    assert gac12("sync").exit_code == 1 and _datasource_writes(emu) == []


def test_a_name_held_by_a_data_source_gac_no_longer_defines(gac12: Gac, project: Path) -> None:
    """A definition's uid changed, its name kept: the old data source (gac's) holds the name. With
    --prune the old one is deleted, but only after the writes: the plan says to delete it first."""
    emu = gac12.emu
    write(project, "datasources/extra.py", """
        from generator.builders import Loki

        extra = Loki(uid="extra", name="Extra", url="http://extra:3100")
        """)
    build_clean(project)
    assert gac12("sync").exit_code == 0
    edit(project, "datasources/extra.py", 'uid="extra"', 'uid="extra2"')
    build_clean(project)

    plan = gac12("plan")
    line = next(x for x in plan.output.splitlines() if "datasource extra2" in x)
    assert "datasource 'extra' in Grafana (gac's, no longer defined in code) is already named 'Extra'" in line
    pruning = gac12("plan", "--prune")
    line = next(x for x in pruning.output.splitlines() if "datasource extra2" in x)
    assert "this sync deletes it (--prune), but only after its writes: delete it in Grafana first" in line, line

    assert emu.as_user("admin").delete("/api/datasources/uid/extra").status_code == 200
    synced = gac12("sync")
    assert synced.exit_code == 0, synced.output
    assert emu.store.org(1).datasources["extra2"].name == "Extra"


def test_a_refusal_for_the_name_at_sync_is_a_name_clash(gac12: Gac, monkeypatch: pytest.MonkeyPatch) -> None:
    """A holder the plan did not see (it appeared meanwhile: the plan's check is switched off to
    let the write meet it): Grafana's 409 is reported as a name clash naming the holder, and what
    needs the data source is held back, as after a 500."""
    import generator.sync.name_clashes as name_clashes

    emu = gac12.emu
    clicked = _click_datasource(emu, "Prometheus")
    monkeypatch.setattr(name_clashes, "hold_name_clashes", lambda plan, desired, state: None)
    result = gac12("sync")
    assert result.exit_code == 1, result.output
    line = next(x for x in result.output.splitlines() if "datasource prometheus" in x)
    assert line.startswith("! datasource prometheus 'Prometheus': name clash (Grafana refused the write): "
                           f"datasource {clicked['uid']!r} in Grafana (not managed by gac) is already named "
                           "'Prometheus'"), line
    assert "--force does not apply" in line and "changed in Grafana while syncing" not in result.output
    assert result.output.count("not attempted: it needs datasource 'prometheus', which was not written") == 3
    assert "gac sync --force" not in result.output and _rule_groups(emu) == set()


def test_a_refusal_for_a_name_no_listing_shows(gac12: Gac) -> None:
    """Grafana lists only the data sources a token may read: the holder may not be shown at all."""
    emu = gac12.emu
    emu.fail("POST", "/api/datasources$", status=409, count=None,
             body={"message": "data source with the same name already exists", "traceID": ""})
    result = gac12("sync", "--format", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    outcomes = {o["uid"]: o for o in doc["outcomes"] if o["kind"] == "datasource"}
    assert {o["status"] for o in outcomes.values()} == {"conflict"}
    assert {o.get("clash") for o in outcomes.values()} == {"name"}
    assert outcomes["prometheus"]["message"].startswith(
        "name clash: Grafana refused the write because another datasource holds the name 'Prometheus' (one this "
        "token cannot list, or one made meanwhile)")
    groups = [o for o in doc["outcomes"] if o["kind"] == "alert-rule-group"]
    assert groups and {o["status"] for o in groups} == {"not attempted"}
