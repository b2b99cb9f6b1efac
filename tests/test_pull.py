"""`gac pull`: live dashboards into the repository, and back out through build and drift unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.normalize import iter_panels, normalize_dashboard
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import copy_project

pytestmark = emulator_only

PROM = {"type": "prometheus", "uid": "prometheus"}


class Gac:
    def __init__(self, root: Path, emu: GrafanaEmulator) -> None:
        self.root, self.emu = root, emu
        self.env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, "GRAFANA_USER": None,
                    "GRAFANA_PASSWORD": None, "GAC_ENV": None, "GRAFANA_ORG_ID": None}

    def __call__(self, command: str, *args: str) -> Any:
        result = CliRunner().invoke(main, [command, "--root", str(self.root), "--env", "local", "--retries", "2", *args],
                                    env=self.env, catch_exceptions=False)
        assert self.emu.token not in result.output
        return result

    def files(self) -> dict[str, str]:
        return {p.relative_to(self.root).as_posix(): p.read_text() for p in sorted(self.root.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def gac(tmp_path: Path, grafana_emulator: GrafanaEmulator) -> Gac:
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    runner = Gac(root, grafana_emulator)
    assert runner("sync").exit_code == 0
    return runner


def team_dashboard(uid: str = "team-overview", datasource: dict[str, str] | None = None,
                   expr: str = "sum(rate(http_server_duration_milliseconds_count[$__rate_interval]))") -> dict[str, Any]:
    ds = datasource or PROM
    return {"uid": uid, "title": "Team overview", "tags": ["team"], "schemaVersion": 39, "id": None,
            "panels": [{"id": 1, "type": "timeseries", "title": "Requests", "datasource": ds,
                        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                        "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": []},
                        "targets": [{"refId": "A", "datasource": ds, "expr": expr}]}]}


def save_as_alice(emu: GrafanaEmulator, dashboard: dict[str, Any], folder: str) -> None:
    saved = emu.as_user("alice").post("/api/dashboards/db", json={"dashboard": dashboard, "folderUid": folder})
    assert saved.status_code == 200, saved.text


def alice_edits(emu: GrafanaEmulator, uid: str, change: Any) -> None:
    alice = emu.as_user("alice")
    current = alice.get(f"/api/dashboards/uid/{uid}").json()
    change(current["dashboard"])
    save_as_alice(emu, current["dashboard"], current["meta"]["folderUid"])


def test_a_new_dashboard_round_trips_pull_build_drift_and_ui_edits_come_back(gac: Gac) -> None:
    emu = gac.emu
    save_as_alice(emu, team_dashboard(), "otel-apps")
    pulled = gac("pull", "--uid", "team-overview")
    assert pulled.exit_code == 0, pulled.output
    assert ("  + dashboard team-overview 'Team overview' in otel-apps → dashboards/imported/team-overview.json, "
            "dashboards/imported_team_overview.py") in pulled.output
    module = (gac.root / "dashboards/imported_team_overview.py").read_text()
    assert "from dashboards.folders import applications as folder\n" in module  # the folder defined in the repo
    assert "dashboard = JsonDashboard('imported/team-overview.json', folder=folder)" in module
    written = json.loads((gac.root / "dashboards/imported/team-overview.json").read_text())
    assert written["tags"] == ["team"] and not {"id", "version", "gacSync"} & set(written)
    assert written == normalize_dashboard(written)  # the normalized form

    assert build(gac.root).written
    generated = json.loads((gac.root / "generated/dashboards/otel-apps/team-overview.json").read_text())
    assert generated == {**written, "tags": ["managed-by-gac", "team"]}
    drift = gac("drift")
    assert drift.exit_code == 0, drift.output
    assert "never written by gac (dashboard team-overview)" in drift.output

    plan = gac("plan")
    assert "~ dashboard team-overview" in plan.output and "adopted: matches its definition" in plan.output
    assert "conflict" not in plan.output.split("Plan:")[0]
    adopted = gac("sync")  # nothing is lost by adding the marker: no --force needed
    assert adopted.exit_code == 0, adopted.output
    assert gac("drift").output.rstrip().endswith("No drift: Grafana matches generated/ (18 objects compared).")

    # a UI edit: drift sees it, pull brings it into the JSON, the build makes it the code
    alice_edits(emu, "team-overview", lambda d: d["panels"][0]["targets"][0].update(expr="sum(up)"))
    assert gac("drift").exit_code == 1
    again = gac("pull", "--uid", "team-overview")
    assert "  ~ dashboard team-overview 'Team overview' in otel-apps → dashboards/imported/team-overview.json" \
        in again.output
    assert '      panel "Requests" (id 1) › query A › expr: ' in again.output
    assert not (gac.root / "dashboards/imported_team_overview_2.py").exists()
    assert build(gac.root).written
    assert gac("drift").exit_code == 0
    assert "1 unchanged" in gac("pull", "--uid", "team-overview").output


def test_undefined_data_sources_stop_the_pull_naming_them(gac: Gac) -> None:
    emu = gac.emu
    created = emu.as_user("admin").post("/api/datasources", json={"name": "Mystery Prom", "type": "prometheus",
                                                                   "uid": "mystery", "access": "proxy",
                                                                   "url": "http://mystery:9090"})
    assert created.status_code == 200, created.text
    save_as_alice(emu, team_dashboard("uses-mystery", {"type": "prometheus", "uid": "mystery"}), "otel-apps")
    save_as_alice(emu, team_dashboard("uses-ghost", {"type": "loki", "uid": "ghost"},
                                      'sum(count_over_time({service_name="api"}[$__auto]))'), "otel-apps")
    before = gac.files()
    result = gac("pull", "--all")
    assert result.exit_code == 2
    assert "  ghost (loki, not in Grafana either): used by uses-ghost ('Team overview')" in result.output
    assert "  mystery (prometheus, named 'Mystery Prom' in Grafana): used by uses-mystery ('Team overview')" \
        in result.output
    assert "nothing was written" in result.output
    assert gac.files() == before

    # a data source managed elsewhere can be declared instead of defined
    with (gac.root / "grafana.yaml").open("a") as config:
        config.write("  datasources:\n    mystery: prometheus\n    ghost: loki\n")
    result = gac("pull", "--all")
    assert result.exit_code == 0, result.output
    built = build(gac.root)
    assert built.written, [str(f) for f in built.lint_errors]


def test_a_grafanalib_dashboard_is_written_to_reconcile_not_redefined(gac: Gac) -> None:
    def change(dash: dict[str, Any]) -> None:
        next(p for p in iter_panels(dash["panels"]) if p.get("title") == "Throughput")["title"] = "Requests per second"

    alice_edits(gac.emu, "otel-apm", change)
    result = gac("pull", "--uid", "otel-apm")
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if "dashboard otel-apm" in l)
    assert line.startswith("  ! dashboard otel-apm 'APM: services and routes' in otel-apps → "
                           "dashboards/imported/otel-apm.json (defined with grafanalib in dashboards/apm.py:")
    assert "port the changes there" in line
    assert '      panel "Requests per second" (id 2) › title: "Throughput" → "Requests per second"' in result.output
    assert (gac.root / "dashboards/imported/otel-apm.json").exists()
    assert not list((gac.root / "dashboards").glob("imported_otel_apm*.py"))
    assert build(gac.root).written  # no second definition of the uid
    bulk = gac("pull", "--folder", "otel-platform")
    assert "  = dashboard otel-collector" in bulk.output and "imported/otel-collector.json" not in bulk.output
    quiet = gac("pull", "--folder", "otel-platform", "--uid", "otel-apm", "--dry-run", "--quiet").output.splitlines()
    # only what a person must look at (the dashboard to reconcile, its changes) and the summary
    assert quiet[0].startswith("  ! dashboard otel-apm") and quiet[-1].startswith("Pull: ")
    assert not any("dashboard otel-collector" in line or line.startswith("Grafana ") for line in quiet)


def test_a_folder_the_repository_lacks_is_defined_with_its_parents(gac: Gac) -> None:
    alice = gac.emu.as_user("alice")
    assert alice.post("/api/folders", json={"uid": "team", "title": "Team", "parentUid": "observability"}).ok
    assert alice.post("/api/folders", json={"uid": "team-sub", "title": "Team's \"sub\"", "parentUid": "team"}).ok
    save_as_alice(gac.emu, team_dashboard(), "team-sub")
    result = gac("pull", "--folder", "team-sub")
    assert result.exit_code == 0, result.output
    team = (gac.root / "dashboards/folder_team.py").read_text()
    assert "from dashboards.folders import observability as parent\n" in team
    assert "folder = Folder(uid='team', title='Team', parent=parent)" in team
    sub = (gac.root / "dashboards/folder_team_sub.py").read_text()
    assert "from dashboards.folder_team import folder as parent\n" in sub
    assert "from dashboards.folder_team_sub import folder\n" in (gac.root / "dashboards/imported_team_overview.py").read_text()
    assert build(gac.root).written
    folder = json.loads((gac.root / "generated/folders/team-sub.json").read_text())
    assert folder == {"parentUid": "team", "title": "Team's \"sub\"", "uid": "team-sub"}
    assert gac("drift").exit_code == 0


def test_general_folder_usage_and_dry_run(gac: Gac) -> None:
    save_as_alice(gac.emu, team_dashboard("in-general"), "")
    single = gac("pull", "--uid", "in-general")
    assert single.exit_code == 2 and "General folder" in single.output
    before = gac.files()
    bulk = gac("pull", "--all", "--dry-run")
    assert bulk.exit_code == 0
    assert "  · dashboard in-general 'Team overview' (in the General folder" in bulk.output
    assert "would write" in bulk.output and gac.files() == before
    assert gac("pull").exit_code == 2
    assert "no dashboard with uid 'nope'" in gac("pull", "--uid", "nope").output
    assert "no folder with uid 'nope'" in gac("pull", "--folder", "nope").output


def test_pulled_files_get_the_umasks_mode_not_mkstemps(tmp_path):
    from generator.pull.importer import write_files

    old = os.umask(0o022)
    try:
        write_files({tmp_path / "dashboards/imported/x.json": b"{}\n"})
    finally:
        os.umask(old)
    assert (tmp_path / "dashboards/imported/x.json").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in (tmp_path / "dashboards/imported").iterdir()] == ["x.json"]


def test_pulling_an_unchanged_grafanalib_dashboard_by_uid_writes_nothing(gac: Gac) -> None:
    result = gac("pull", "--uid", "otel-apm")
    assert result.exit_code == 0, result.output
    assert "  = dashboard otel-apm" in result.output and "matches its grafanalib definition" in result.output
    assert not (gac.root / "dashboards/imported/otel-apm.json").exists()


@pytest.mark.parametrize("fault", ["status", "cut"])
def test_grafana_failing_a_read_is_one_line_and_exit_2(gac: Gac, fault: str) -> None:
    """As for plan and drift: Grafana answering 500, or dropping the connection, while the pull
    reads is an error line naming what was being read, never a traceback; nothing is written."""
    before = gac.files()
    if fault == "status":
        gac.emu.fail("GET", "/api/datasources", status=500, count=None)
    else:
        gac.emu.cut("GET", "/api/datasources", count=None)
    for args in (("--all",), ("--uid", "otel-apm")):
        result = gac("pull", *args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        [line] = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert gac.emu.url in line and "list data sources" in line, line
    assert gac.files() == before


def test_a_token_that_may_not_read_dashboards_is_told_what_it_lacks(gac: Gac) -> None:
    gac.env["GRAFANA_TOKEN"] = gac.emu.create_service_account("no reader", role="None").token
    result = gac("pull", "--all", "--dry-run")
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "may not read the dashboards to pull" in result.output and "dashboards:read" in result.output


def _git(root: Path, *args: str) -> None:
    import subprocess
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def test_a_pull_never_overwrites_an_edit_git_has_not_committed(gac: Gac) -> None:
    """A pulled file edited and never committed, then pulled again: the edit could not be brought
    back. The pull stops, naming it, unless --force; once committed, git keeps it and the pull goes on."""
    _git(gac.root, "init", "-q")
    _git(gac.root, "add", "-A")
    _git(gac.root, "commit", "-qm", "project")
    save_as_alice(gac.emu, team_dashboard(), "otel-apps")
    assert gac("pull", "--uid", "team-overview").exit_code == 0  # new files: nothing to overwrite
    pulled = gac.root / "dashboards/imported/team-overview.json"
    pulled.write_text(pulled.read_text().replace('"Team overview"', '"My local edit"'))
    edited = pulled.read_bytes()

    refused = gac("pull", "--uid", "team-overview")
    assert refused.exit_code == 2, refused.output
    assert "dashboards/imported/team-overview.json: holds changes not committed to git" in refused.output
    assert pulled.read_bytes() == edited

    _git(gac.root, "add", "-A")
    _git(gac.root, "commit", "-qm", "pulled and edited")
    again = gac("pull", "--uid", "team-overview")  # committed: git keeps the edit, `git diff` shows the pull's
    assert again.exit_code == 0 and '"Team overview"' in pulled.read_text(), again.output

    pulled.write_text(pulled.read_text().replace('"Team overview"', '"Another edit"'))
    forced = gac("pull", "--uid", "team-overview", "--force")
    assert forced.exit_code == 0 and '"Team overview"' in pulled.read_text(), forced.output
