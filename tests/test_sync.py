"""`gac plan` / `gac sync` end to end against the Grafana emulator.

The flow a team lives through: build → plan → sync → a second sync writes nothing → a
UI edit by another user → plan shows a conflict and sync refuses → `--force` backs up,
then overwrites → a definition removed → `--prune` deletes it and nothing unmanaged.
Then what goes wrong: racing saves, every fault class, bad credentials, missing secrets,
lint errors. Every test checks that the token appears in no output.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from tests.conftest import CONTACT_POINT_SECRETS
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import copy_project

pytestmark = emulator_only

DASH = "/api/dashboards/uid/otel-apm"


class Gac:
    """Runs `gac` against one project and one emulator; asserts no output ever shows a credential."""

    def __init__(self, root: Path, emulator: GrafanaEmulator) -> None:
        self.root = root
        self.emu = emulator
        self.env: dict[str, str | None] = {"GRAFANA_URL": emulator.url, "GRAFANA_TOKEN": emulator.token,
                                           "GRAFANA_USER": None, "GRAFANA_PASSWORD": None, "GAC_ENV": None,
                                           "GRAFANA_ORG_ID": None, "GAC_SKIP_BUILD_CHECK": None}
        self.secrets: list[str] = [emulator.token]

    def __call__(self, *args: str, env: dict[str, str | None] | None = None) -> Any:
        command, rest = args[0], list(args[1:])
        full = [command, "--root", str(self.root), "--env", "local", "--retries", "4", *rest]
        result = CliRunner().invoke(main, full, env={**self.env, **(env or {})}, catch_exceptions=False)
        for secret in self.secrets:
            assert secret not in result.output, f"a secret leaked into the output of {args}"
        return result

    def plan_json(self, *args: str) -> dict[str, Any]:
        result = self("plan", "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "repo")
    result = build(root)
    assert result.written, [str(f) for f in result.lint_errors]
    return root


@pytest.fixture
def gac(project: Path, grafana_emulator: GrafanaEmulator) -> Gac:
    return Gac(project, grafana_emulator)


@pytest.fixture
def gac12(project: Path, grafana_folder_marks: GrafanaEmulator) -> Gac:
    """A Grafana whose folders carry gac's marks (13's /apis, unified storage): folder renames and
    prunes are decided. (12's folders in legacy SQL keep none: tests/test_versions_e2e.py.)"""
    return Gac(project, grafana_folder_marks)


def actions(doc: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for change in doc["changes"]:
        out.setdefault(change["action"], []).append(f"{change['kind']}:{change['uid']}")
    return out


def alice_edits_dashboard(emu: GrafanaEmulator, uid: str = "otel-apm", title: str = "APM (alice)") -> None:
    alice = emu.as_user("alice")
    current = alice.get(f"/api/dashboards/uid/{uid}").json()
    current["dashboard"]["title"] = title
    saved = alice.post("/api/dashboards/db", json={"dashboard": current["dashboard"], "overwrite": False,
                                                   "folderUid": current["meta"]["folderUid"]})
    assert saved.status_code == 200, saved.text


# --- the main flow ----------------------------------------------------------------------------

def test_plan_sync_noop_conflict_force_prune(gac: Gac, project: Path) -> None:
    emu = gac.emu
    first = gac.plan_json()
    assert len(actions(first)["create"]) == 16 and first["pending"]
    assert gac("plan", "--detailed-exitcode").exit_code == 2
    assert not emu.writes, "plan must not write"

    synced = gac("sync")
    assert synced.exit_code == 0, synced.output
    assert "16 created" in synced.output
    emu.assert_no_schema_violations()
    folder = emu.as_user("admin").get("/api/folders/otel-apps").json()
    assert folder["parentUid"] == "observability"  # nested folder, parent written first

    # second sync: nothing written, no version bumped, one read per object at most
    versions = {d.uid: d.version for d in emu.store.org(1).dashboards.values()}
    emu.clear_log()
    again = gac("sync")
    assert again.exit_code == 0, again.output
    assert emu.writes == []
    assert {d.uid: d.version for d in emu.store.org(1).dashboards.values()} == versions
    per_object = [r for r in emu.reads if r.path.count("/") >= 4 and "/api/search" not in r.path]
    assert len(per_object) <= 17 + 1 + 1 + 2  # one read per object (+1 to learn the sync identity,
    # +1: the token's permissions, +2: gac's stamps template, read by the mute-timing and policy-tree listings)
    assert gac("plan", "--detailed-exitcode").exit_code == 0

    # a no-op UI save (version bumped, content equal) is not a conflict
    alice_edits_dashboard(emu, "otel-collector", emu.store.org(1).dashboards["otel-collector"].title)
    assert "conflict" not in actions(gac.plan_json())

    # a real UI edit by another user: plan shows it, sync refuses, nothing is overwritten
    alice_edits_dashboard(emu)
    plan = gac("plan")
    assert "! dashboard otel-apm" in plan.output and "last saved by alice" in plan.output
    assert 'title: "APM (alice)" → "APM: services and routes"' in plan.output
    emu.clear_log()
    refused = gac("sync")
    assert refused.exit_code == 1, refused.output
    assert emu.writes == []
    assert emu.store.org(1).dashboards["otel-apm"].title == "APM (alice)"

    # --force: the live object is backed up, then overwritten
    forced = gac("sync", "--force")
    assert forced.exit_code == 0, forced.output
    backups = list((project / "backups").rglob("otel-apm.json"))
    assert len(backups) == 1
    assert json.loads(backups[0].read_text())["dashboard"]["title"] == "APM (alice)"
    assert emu.store.org(1).dashboards["otel-apm"].title == "APM: services and routes"
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []

    # a definition removed: --prune deletes it, and never the unmanaged dashboard beside it
    emu.as_user("alice").post("/api/dashboards/db", json={"dashboard": {"uid": "hand-made", "title": "Hand made"},
                                                          "folderUid": "otel-apps"})
    (project / "dashboards/genai.py").unlink()
    assert build(project).written
    plan = gac("plan")
    assert "? dashboard hand-made 'Hand made' in otel-apps" in plan.output
    assert "--prune" in plan.output and "- dashboard" not in plan.output
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []  # without --prune nothing is deleted
    pruned = gac("sync", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert [(r.method, r.path) for r in emu.writes] == [("DELETE", "/api/dashboards/uid/otel-genai")]
    dashboards = emu.store.org(1).dashboards
    assert "otel-genai" not in dashboards and "hand-made" in dashboards
    assert list((project / "backups").rglob("otel-genai.json")), "deletes are backed up too"


def test_racing_save_is_a_conflict_not_an_overwrite(gac: Gac, project: Path) -> None:
    """Alice saves between our read and our write: the write carries the version we read, so
    Grafana answers 412 and the sync reports a conflict instead of overwriting her save."""
    from generator.remote.options import Options
    from generator.remote.session import open_session
    from generator.sync.run import apply, make_plan

    emu = gac.emu
    assert gac("sync").exit_code == 0
    path = project / "generated/dashboards/otel-apps/otel-apm.json"
    path.write_text(path.read_text().replace('"APM: services and routes"', '"APM v2"'))
    env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, **CONTACT_POINT_SECRETS}
    # generated/ edited by hand above: sync what it holds
    session = open_session(Options(root=project, env="local", skip_build_check=True), env, for_write=True)
    try:
        plan = make_plan(session, prune=False, force=False)
        assert [c.uid for c in plan.changes if c.action == "update"] == ["otel-apm"]
        alice_edits_dashboard(emu)  # the race
        result, _backups = apply(session, plan)
    finally:
        session.close()
    outcome = next(o for o in result.outcomes if o.change.uid == "otel-apm")
    assert outcome.status == "conflict" and "412" in outcome.message
    assert emu.store.org(1).dashboards["otel-apm"].title == "APM (alice)"
    assert not result.ok


def test_folder_title_rule_interval_and_datasource_changes_are_updates(gac12: Gac, project: Path) -> None:
    gac = gac12
    gac.env["GAC_SKIP_BUILD_CHECK"] = "1"  # generated/ edited by hand below: sync what it holds
    emu = gac.emu
    assert gac("sync").exit_code == 0
    gen = project / "generated"
    folder = gen / "folders/otel-apps.json"
    folder.write_text(folder.read_text().replace('"Applications"', '"Apps"'))
    group = gen / "alert-rules/otel-apps/genai.json"
    body = json.loads(group.read_text())
    body["interval"] = 120
    body["rules"][0]["for"] = "15m"
    group.write_text(json.dumps(body))
    loki = gen / "datasources/loki.json"
    loki.write_text(loki.read_text().replace('"maxLines": 1000', '"maxLines": 500'))
    plan = gac("plan")
    assert "~ folder otel-apps" in plan.output and 'title: "Applications" → "Apps"' in plan.output
    assert "evaluation interval: \"60s\" → \"120s\"" in plan.output
    assert 'pending period: "10m" → "15m"' in plan.output
    assert "jsonData › maxLines: 1000 → 500" in plan.output
    synced = gac("sync")
    assert synced.exit_code == 0, synced.output
    org = emu.store.org(1)
    assert org.folders["otel-apps"].title == "Apps"
    assert {r.interval_seconds for r in org.group_rules("otel-apps", "genai")} == {120}
    assert org.datasources["loki"].json_data["maxLines"] == 500
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []


def test_rules_are_provisioned_by_default_and_editable_on_request(gac: Gac, project: Path) -> None:
    emu = gac.emu
    assert gac("sync").exit_code == 0
    rules = emu.store.org(1).rules.values()
    assert rules and {r.provenance for r in rules} == {"api"}
    assert all(r.body["labels"].get("managed_by") == "gac" for r in rules)

    config = project / "grafana.yaml"
    config.write_text(config.read_text().replace("  local:\n", "  local:\n    alerts_editable: true\n", 1))
    switched = gac("sync")
    assert switched.exit_code == 0, switched.output
    assert {r.provenance for r in emu.store.org(1).rules.values()} == {""}

    emu.ui_edit_alert_rule("genai-latency-p95", {"for": "20m"}, user="alice")
    plan = gac("plan")
    assert "! alert-rule-group genai in otel-apps" in plan.output
    assert gac("sync").exit_code == 1
    assert gac("sync", "--force").exit_code == 0
    assert emu.store.org(1).rules["genai-latency-p95"].body["for"] == "10m"


# --- faults --------------------------------------------------------------------------------

def test_5xx_burst_is_retried(gac: Gac) -> None:
    gac.emu.fail("POST", "/api/dashboards/db", status=503, count=2)
    gac.emu.fail("GET", "/api/search", status=502, count=1)
    result = gac("sync")
    assert result.exit_code == 0, result.output
    assert "16 created" in result.output and "3 retries" in result.output


def test_429_retry_after_is_honoured(gac: Gac) -> None:
    gac.emu.rate_limit("GET", "/api/datasources$", retry_after=1, count=1)
    started = time.monotonic()
    result = gac("plan")
    assert result.exit_code == 0, result.output
    calls = gac.emu.requests_matching("GET", "/api/datasources$")
    assert [r.status for r in calls] == [429, 200]
    assert calls[1].started - calls[0].started >= 1.0
    assert time.monotonic() - started >= 1.0


def test_dropped_connection_after_apply_converges_without_conflict(gac: Gac) -> None:
    """The folder is created, the answer is lost; the retry meets 412 and reading back
    shows our own write, so it counts as applied."""
    gac.emu.drop("POST", "/api/folders$", count=1, after_apply=True)
    gac.emu.drop("PUT", "/rule-groups/", count=1)
    result = gac("sync")
    assert result.exit_code == 0, result.output
    assert "confirmed by reading it back" in result.output
    gac.emu.clear_log()
    assert gac("sync").exit_code == 0 and gac.emu.writes == []


def test_request_timeout_is_retried(gac: Gac) -> None:
    gac.emu.slow("GET", "/api/datasources$", delay=2.0, count=1)
    started = time.monotonic()
    result = gac("plan", "--timeout", "0.5")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 2.0, "the plan waited for the slow answer instead of timing out"
    deadline = time.monotonic() + 5  # the slow request is logged once the emulator answers it
    while len(gac.emu.requests_matching("GET", "/api/datasources$")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(gac.emu.requests_matching("GET", "/api/datasources$")) == 2


def test_persistent_failure_reports_partial_and_rerun_converges(gac: Gac) -> None:
    emu = gac.emu
    emu.fail("POST", "/api/folders$", status=503, count=None)
    result = gac("sync", "--retries", "2")
    assert result.exit_code == 1, result.output
    out = result.output
    assert "x folder observability 'Observability': failed" in out
    assert "datasource prometheus 'Prometheus': created" in out  # independent of the folders
    assert "· dashboard otel-apm" in out and "not attempted" in out  # its folder was not written
    assert "alert-rule-group genai in otel-apps: not attempted" in out
    assert not emu.requests_matching("POST", "/api/dashboards/db")
    assert "Not applied:" in out and "7 created" in out  # 3 data sources, 4 notification objects (the tree is an update)
    emu.clear_faults()
    rerun = gac("sync")
    assert rerun.exit_code == 0, rerun.output
    assert "9 created" in rerun.output and "8 unchanged" in rerun.output
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []


# --- refusals before any write -------------------------------------------------------------

def test_bad_token_exits_2_without_showing_it(gac: Gac) -> None:
    bad = "glsa_wrong_" + "x" * 24
    gac.secrets.append(bad)
    result = gac("sync", env={"GRAFANA_TOKEN": bad})
    assert result.exit_code == 2
    assert "401" in result.output and "GRAFANA_TOKEN" in result.output
    assert gac.emu.writes == []


def test_basic_auth_works_and_password_is_not_shown(gac: Gac) -> None:
    gac.secrets.append(gac.emu.admin_password * 2)
    ok = gac("plan", env={"GRAFANA_TOKEN": None, "GRAFANA_USER": "admin", "GRAFANA_PASSWORD": gac.emu.admin_password})
    assert ok.exit_code == 0 and "as admin" in ok.output
    bad = gac("plan", env={"GRAFANA_TOKEN": None, "GRAFANA_USER": "admin",
                           "GRAFANA_PASSWORD": gac.emu.admin_password * 2})
    assert bad.exit_code == 2 and "401" in bad.output


def _with_secret_env(project: Path) -> None:
    config = project / "grafana.yaml"
    config.write_text(config.read_text().replace(
        "      prometheus:\n        url: http://prometheus:9090\n",
        "      prometheus:\n        url: http://prometheus:9090\n        basicAuth: true\n"
        "        basicAuthUser: grafana\n        secrets:\n          basicAuthPassword: TEST_PROM_PASSWORD\n", 1))


def test_missing_secret_exits_2_before_any_request(gac: Gac, project: Path) -> None:
    _with_secret_env(project)
    result = gac("sync", env={"TEST_PROM_PASSWORD": None})
    assert result.exit_code == 2
    assert "TEST_PROM_PASSWORD" in result.output
    assert gac.emu.requests == []


def test_secret_goes_to_grafana_only(gac: Gac, project: Path) -> None:
    _with_secret_env(project)
    secret = "s3cr3t-" + "p" * 20
    gac.secrets.append(secret)
    result = gac("sync", "--format", "json", env={"TEST_PROM_PASSWORD": secret})
    assert result.exit_code == 0, result.output
    ds = gac.emu.store.org(1).datasources["prometheus"]
    assert ds.secure_json_data == {"basicAuthPassword": secret} and ds.basic_auth_user == "grafana"
    # force an overwrite (so a backup is written) and check no file holds the secret
    gac.emu.as_user("admin").put("/api/datasources/uid/prometheus", json={
        "name": "Prometheus", "type": "prometheus", "access": "proxy", "url": "http://elsewhere:9090",
        "version": ds.version})
    assert gac("sync", "--force", env={"TEST_PROM_PASSWORD": secret}).exit_code == 0
    for path in project.rglob("*"):
        if path.is_file() and ".venv" not in path.parts:
            assert secret.encode() not in path.read_bytes(), path
    gac.emu.clear_log()
    assert gac("sync", env={"TEST_PROM_PASSWORD": secret}).exit_code == 0 and gac.emu.writes == []


def test_lint_error_blocks_the_sync(gac: Gac, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gac.env["GAC_SKIP_BUILD_CHECK"] = "1"  # generated/ edited by hand below: sync what it holds
    path = project / "generated/datasources/prometheus.json"
    body = json.loads(path.read_text())
    body["url"] = "http://otel-collector:8889"  # the collector's exposition endpoint is no query API
    path.write_text(json.dumps(body))
    result = gac("sync")
    assert result.exit_code == 2, result.output  # a stop before the first write, as a missing secret is
    assert "lint found 1 error(s) in generated/" in result.output and "nothing was written" in result.output
    assert gac.emu.requests == []
    # the plan of that tree does not lint it (a plan stays fast), but says that sync will
    planned = gac("plan")
    assert planned.exit_code == 0, planned.output
    assert "sync lints it before writing, and writes nothing if it finds errors" in planned.output
    assert gac.emu.writes == []


def test_grafana_url_in_place_of_the_environments_is_said_in_plan_and_drift(gac: Gac) -> None:
    """The project's `local` environment names http://localhost:3000; GRAFANA_URL names the
    emulator: its data-source URLs and secrets go to another Grafana, which the run says."""
    for command in ("plan", "drift"):
        result = gac(command)
        assert result.exit_code in (0, 1), result.output
        assert (f"GRAFANA_URL ({gac.emu.url}) is used in place of the `url` of environment 'local' in grafana.yaml "
                "(http://localhost:3000)") in result.output


def test_an_environment_that_cannot_be_read_is_said_with_why(gac: Gac, project: Path) -> None:
    result = gac("plan", env={"GAC_ENV": "nope"})  # --env local given: GAC_ENV is not read
    assert result.exit_code == 0, result.output
    gac.emu.clear_log()
    result = CliRunner().invoke(main, ["plan", "--root", str(project)], env={**gac.env, "GAC_ENV": "nope"})
    assert result.exit_code == 2 and "GAC_ENV is 'nope', but grafana.yaml defines no such environment" in result.output
    assert "(defined: local, prod)" in result.output and "Traceback" not in result.output
    (project / "grafana.yaml").unlink()
    result = gac("plan")
    assert result.exit_code == 2 and "grafana.yaml does not exist, so environment 'local' (--env)" in result.output
    result = CliRunner().invoke(main, ["plan", "--root", str(project)], env=gac.env)
    assert result.exit_code == 2, result.output
    assert "grafana.yaml does not exist, and the definitions need one" in result.output, result.output
    assert gac.emu.requests == []


def test_prune_removes_a_folder_only_when_nothing_unmanaged_is_left(gac12: Gac, project: Path) -> None:
    """Definitions of the otel-platform folder, its dashboard and its rule group removed:
    --prune deletes the contents first, then the folder -- unless a person's dashboard is in it."""
    gac = gac12
    emu = gac.emu
    assert gac("sync").exit_code == 0
    gen = project / "generated"
    gac.env["GAC_SKIP_BUILD_CHECK"] = "1"  # generated/ edited by hand below: sync what it holds
    for path in ("folders/otel-platform.json", "dashboards/otel-platform/otel-collector.json",
                 "alert-rules/otel-platform/otel-collector.json"):
        (gen / path).unlink()
    emu.as_user("alice").post("/api/dashboards/db", json={"dashboard": {"uid": "mine", "title": "Mine"},
                                                          "folderUid": "otel-platform"})
    kept = gac("sync", "--prune")
    assert kept.exit_code == 0, kept.output
    assert "folder 'otel-platform' is no longer defined but is kept: it still holds dashboard mine" in kept.output
    org = emu.store.org(1)
    assert "otel-platform" in org.folders and "mine" in org.dashboards and "otel-collector" not in org.dashboards
    assert not org.group_rules("otel-platform", "otel-collector")

    emu.as_user("alice").delete("/api/dashboards/uid/mine")
    emu.clear_log()
    gone = gac("sync", "--prune")
    assert gone.exit_code == 0, gone.output
    version = emu.profile.apis["folder.grafana.app"][0]
    assert [(r.method, r.path) for r in emu.writes] == [
        ("DELETE", f"/apis/folder.grafana.app/{version}/namespaces/default/folders/otel-platform")]
    assert "otel-platform" not in emu.store.org(1).folders


def test_dry_run_is_plan_and_writes_nothing(gac: Gac) -> None:
    result = gac("sync", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["create"] == 16
    assert gac.emu.writes == []


def test_other_org_through_grafana_org_id(gac: Gac) -> None:
    """A user in several orgs picks one with GRAFANA_ORG_ID; a token of another org is refused."""
    as_admin = {"GRAFANA_TOKEN": None, "GRAFANA_USER": "admin", "GRAFANA_PASSWORD": gac.emu.admin_password,
                "GRAFANA_ORG_ID": "2"}
    result = gac("sync", env=as_admin)
    assert result.exit_code == 0, result.output
    assert len(gac.emu.store.org(2).dashboards) == 3 and not gac.emu.store.org(1).dashboards
    assert gac("sync", env={"GRAFANA_ORG_ID": "2"}).exit_code == 2  # the token belongs to org 1


def test_unhealthy_grafana_and_insecure_warning(gac: Gac) -> None:
    gac.emu.config.database_failing = True
    result = gac("sync", "--insecure")
    assert result.exit_code == 2
    assert "TLS certificate verification is off" in result.output
    assert "not healthy" in result.output and gac.emu.writes == []


def test_datasource_edited_in_grafana_is_a_conflict(gac: Gac) -> None:
    emu = gac.emu
    assert gac("sync").exit_code == 0
    ds = emu.store.org(1).datasources["loki"]
    admin = emu.as_user("admin")
    edited = admin.put("/api/datasources/uid/loki", json={"name": "Loki", "type": "loki", "access": "proxy",
                                                          "url": "http://loki-other:3100", "version": ds.version,
                                                          "jsonData": ds.json_data})
    assert edited.status_code == 200, edited.text
    plan = gac("plan")
    assert "! datasource loki" in plan.output and 'url: "http://loki-other:3100" → "http://loki:3100"' in plan.output
    assert gac("sync").exit_code == 1
    assert emu.store.org(1).datasources["loki"].url == "http://loki-other:3100"
