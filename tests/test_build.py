"""`gac build` / `gac check`: deterministic output, atomic writes, stale files, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.output import read_tree
from tests.paths import REPO
from tests.project import copy_project, write


def gac(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


def test_build_writes_every_kind(project):
    result = gac("build", "--root", str(project))
    assert result.exit_code == 0, result.output
    files = sorted(str(p) for p in read_tree(project / "generated"))
    assert "datasources/prometheus.json" in files
    assert "dashboards/otel-platform/otel-collector.json" in files
    assert "alert-rules/otel-platform/otel-collector.json" in files
    assert "folders/otel-apps.json" in files
    content = (project / "generated/datasources/tempo.json").read_bytes()
    assert content.endswith(b"}\n") and b'\n  "access"' in content  # 2-space indent, trailing newline


def test_two_builds_are_byte_identical_across_processes(project, tmp_path):
    """Different hash seeds and working directories must not change a byte."""
    other = copy_project(tmp_path / "other")
    for root, seed in ((project, "1"), (other, "4242")):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root)], cwd=root.parent,
                              env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert read_tree(project / "generated") == read_tree(other / "generated")
    assert len(read_tree(project / "generated")) >= 12


def test_second_build_changes_nothing(project):
    gac("build", "--root", str(project))
    before = {p: (project / "generated" / p).stat().st_mtime_ns for p in read_tree(project / "generated")}
    result = gac("build", "--root", str(project))
    assert "up to date" in result.output
    after = {p: (project / "generated" / p).stat().st_mtime_ns for p in read_tree(project / "generated")}
    assert before == after


def test_removed_definition_removes_its_file(project):
    gac("build", "--root", str(project))
    assert (project / "generated/dashboards/otel-apps/otel-genai.json").exists()
    (project / "dashboards/genai.py").unlink()
    result = gac("build", "--root", str(project))
    assert result.exit_code == 0
    assert "- generated/dashboards/otel-apps/otel-genai.json" in result.output
    assert not (project / "generated/dashboards/otel-apps/otel-genai.json").exists()
    assert not list(project.glob(".generated-*"))  # no staging or backup directory left behind


def test_check_names_stale_files_and_exits_1(project):
    assert gac("build", "--root", str(project)).exit_code == 0
    assert gac("check", "--root", str(project)).exit_code == 0
    quiet = gac("check", "--root", str(project), "-q")
    assert (quiet.exit_code, quiet.output) == (0, "")
    stale = project / "generated/datasources/loki.json"
    stale.write_text(stale.read_text().replace('"Loki"', '"Loki (edited)"'))
    (project / "generated/folders/orphan.json").write_text("{}\n")
    (project / "dashboards/genai.py").unlink()
    result = gac("check", "--root", str(project), "--quiet")  # quiet when clean only: the stale files are named
    assert result.exit_code == 1
    assert "~ generated/datasources/loki.json" in result.output
    assert "- generated/folders/orphan.json" in result.output
    assert "- generated/dashboards/otel-apps/otel-genai.json" in result.output


def test_committed_generated_tree_is_what_build_writes():
    from generator.build import check

    diff = check(REPO)
    assert diff.clean, "generated/ is stale; run `make build`:\n" + "\n".join(diff.lines())


# --- bad definitions: exit 2, a message naming file and line, generated/ untouched ---------------

def rejected(project: Path, relpath: str, source: str) -> str:
    """Build a good tree, add a bad definition, build again: exit 2, generated/ untouched."""
    assert gac("build", "--root", str(project)).exit_code == 0
    before = read_tree(project / "generated")
    write(project, relpath, source)
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert read_tree(project / "generated") == before
    return result.output


def test_syntax_error_names_file_and_line(project):
    output = rejected(project, "dashboards/broken.py", """
        from generator.builders import Folder
        x = Folder(uid="x", title=
    """)
    assert "dashboards/broken.py:2" in output and "syntax error" in output


def test_exception_in_definition_names_file_line_and_exception(project):
    output = rejected(project, "alerts/boom.py", """
        LIMITS = {"p95": 0.5}

        def threshold():
            return LIMITS["p99"]

        value = threshold()
    """)
    assert "alerts/boom.py:4" in output and "KeyError" in output and "p99" in output


def test_duplicate_uid_names_both_places(project):
    output = rejected(project, "dashboards/copy.py", """
        from grafanalib import core as g
        from generator.builders import DashboardDef
        from dashboards.folders import platform

        copy = DashboardDef(g.Dashboard(title="Copy", uid="otel-apm"), folder=platform)
    """)
    assert "otel-apm" in output and "defined twice" in output
    assert "dashboards/apm.py:" in output and "dashboards/copy.py:5" in output


def test_dashboard_with_undefined_datasource_is_rejected(project):
    output = rejected(project, "dashboards/bad_ds.py", """
        from grafanalib import core as g
        from generator.builders import DashboardDef
        from generator.panels import prom, timeseries
        from dashboards.folders import platform

        panel = timeseries("x", [prom("up", datasource="mimir")], "short")
        bad = DashboardDef(g.Dashboard(title="Bad", uid="bad", panels=[panel]), folder=platform)
    """)
    assert "dashboards/bad_ds.py:7" in output and "'mimir'" in output


def test_rule_with_undefined_datasource_is_rejected(project):
    output = rejected(project, "alerts/bad_rule.py", """
        from generator.builders import AlertRule, RuleGroup
        from dashboards.folders import platform

        rule = AlertRule.when(uid="r1", title="r", expr="up == 0", op=">", value=0, datasource="thanos",
                              summary="s", description="d", runbook_url="https://x")
        group = RuleGroup(title="g", folder=platform, interval="1m", rules=[rule])
    """)
    assert "alerts/bad_rule.py:4" in output and "'thanos'" in output


def test_datasource_link_to_undefined_uid_is_rejected(project):
    output = rejected(project, "datasources/loki.py", """
        from generator.builders import Loki

        loki = Loki(uid="loki", name="Loki", traces="jaeger")
    """)
    assert "datasources/loki.py:3" in output and "'jaeger'" in output


def test_unplaced_grafanalib_dashboard_is_an_error(project):
    output = rejected(project, "dashboards/loose.py", """
        from grafanalib import core as g

        loose = g.Dashboard(title="Loose", uid="loose")
    """)
    assert "dashboards/loose.py" in output and "DashboardDef" in output


def test_bad_grafana_yaml_is_a_clear_error(project):
    (project / "grafana.yaml").write_text("environments: [unclosed\n")
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 2
    assert "grafana.yaml" in result.output and "Traceback" not in result.output


def test_lint_errors_block_the_build_and_point_at_the_panel_line(project):
    assert gac("build", "--root", str(project)).exit_code == 0
    before = read_tree(project / "generated")
    write(project, "dashboards/typo.py", """
        from grafanalib import core as g
        from generator.builders import DashboardDef
        from generator.panels import layout, prom, stat, timeseries
        from dashboards.folders import platform

        panels = layout([
            stat("fine", "sum(up)", "short"),
            timeseries("broken", [prom("sum(rate(up[5m])")], "short"),
        ])
        typo = DashboardDef(g.Dashboard(title="Typo", uid="typo", panels=panels), folder=platform)
    """)
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert "promql-syntax" in result.output and "generated/ was not written" in result.output
    assert read_tree(project / "generated") == before
    findings = json.loads(CliRunner().invoke(main, ["lint", "--root", str(project), "--format", "json"]).output)
    syntax = [f for f in findings if f["rule"] == "promql-syntax"]
    assert len(syntax) == 1 and syntax[0]["dashboard"] == "typo" and syntax[0]["panel"] == "broken"
    assert syntax[0]["file"].endswith("dashboards/typo.py") and syntax[0]["line"] == 8


# --- builders used wrongly: the definition's line, the object and what to pass -------------------

RULE = ('AlertRule.when(uid="r1", title="r", expr="up == 0", op=">", value=0, summary="s", description="d", '
        'runbook_url="https://x"{extra})')


@pytest.mark.parametrize("relpath, source, expected", [
    ("dashboards/bad.py", """
        from grafanalib import core as g
        from generator.builders import DashboardDef

        bad = DashboardDef(g.Dashboard(title="Bad", uid="bad"), folder="no-such-folder")
     """, ["dashboards/bad.py:4", "DashboardDef 'Bad'", "folder is the string 'no-such-folder'", "Folder object"]),
    ("dashboards/bad.py", """
        from generator.builders import DashboardDef
        from dashboards.folders import platform

        bad = DashboardDef("not a dashboard", folder=platform)
     """, ["dashboards/bad.py:4", "dashboard is the string 'not a dashboard'", "g.Dashboard("]),
    ("dashboards/bad.py", """
        from generator.builders import DashboardDef

        bad = DashboardDef("not a dashboard")
     """, ["dashboards/bad.py:3", "missing 1 required positional argument: 'folder'"]),
    ("dashboards/bad.py", """
        from generator.builders import JsonDashboard

        bad = JsonDashboard("x.json", folder="otel-platform")
     """, ["dashboards/bad.py:3", "JsonDashboard 'x.json'", "folder is the string 'otel-platform'"]),
    ("dashboards/bad.py", """
        from generator.builders import Folder

        child = Folder(uid="child", title="Child", parent="observability")
     """, ["dashboards/bad.py:3", "folder 'child'", "parent is the string 'observability'"]),
    ("alerts/bad.py", f"""
        from generator.builders import AlertRule, RuleGroup

        rule = {RULE.format(extra="")}
        group = RuleGroup(title="g", folder="otel-platform", interval="1m", rules=[rule])
     """, ["alerts/bad.py:4", "rule group 'g'", "folder is the string 'otel-platform'", "Folder object"]),
    ("alerts/bad.py", f"""
        from generator.builders import AlertRule, RuleGroup
        from dashboards.folders import platform

        rule = {RULE.format(extra="")}
        group = RuleGroup(title="g", folder=platform, interval="1m", rules=rule)
     """, ["alerts/bad.py:5", "rules is AlertRule", "list of AlertRule"]),
    ("alerts/bad.py", f"""
        from generator.builders import AlertRule, RuleGroup
        from dashboards.folders import platform

        rule = {RULE.format(extra="")}
        group = RuleGroup(title="g", folder=platform, interval="30s5m", rules=[rule])
     """, ["alerts/bad.py:5", "rule group 'g'", "interval", "'30s5m'"]),
    ("alerts/bad.py", f"""
        from generator.builders import AlertRule

        rule = {RULE.format(extra=', no_data="Nodata"')}
     """, ["alerts/bad.py:3", "alert rule 'r1'", "no_data is the string 'Nodata'", "'NoData'"]),
    ("alerts/bad.py", f"""
        from generator.builders import AlertRule

        rule = {RULE.format(extra=', pending=300')}
     """, ["alerts/bad.py:3", "pending is int 300", "'5m'"]),
    ("alerts/bad.py", f"""
        from generator.builders import AlertRule

        rule = {RULE.format(extra=', labels={"team": 1}')}
     """, ["alerts/bad.py:3", "labels['team'] is int 1"]),
    ("alerts/bad.py", """
        from generator.builders import AlertRule, PromQuery

        rule = AlertRule(uid="r1", title="r", data=[PromQuery("A", "up")], condition="C", summary="s",
                         description="d", runbook_url="https://x")
     """, ["alerts/bad.py:3", "condition is the string 'C'", "refIds (A)"]),
    ("alerts/bad.py", """
        from generator.builders import AlertRule

        rule = AlertRule(uid="r1", title="r", data="up", condition="A", summary="s", description="d",
                         runbook_url="https://x")
     """, ["alerts/bad.py:3", "data is the string 'up'", "PromQuery('A', 'up')"]),
    ("alerts/bad.py", """
        from generator.builders import AlertRule, PromQuery

        rule = AlertRule(uid="r1", title="r", data=[PromQuery("A", "up", lookback="ten minutes")], condition="A",
                         summary="s", description="d", runbook_url="https://x")
     """, ["alerts/bad.py:3", "query A lookback", "'ten minutes'"]),
])
def test_builders_used_wrongly_name_the_definition_and_what_to_pass(project, relpath, source, expected):
    output = rejected(project, relpath, source)
    for text in expected:
        assert text in output, (text, output)


def test_a_zero_pending_period_is_fine(project):
    write(project, "alerts/instant.py", f"""
        from generator.builders import AlertRule, RuleGroup
        from dashboards.folders import platform

        rule = {RULE.format(extra=', pending="0s"')}
        group = RuleGroup(title="instant", folder=platform, interval="1m", rules=[rule])
    """)
    result = gac("build", "--root", str(project))
    assert result.exit_code == 0, result.output
    group = json.loads((project / "generated/alert-rules/otel-platform/instant.json").read_text())
    assert group["rules"][0]["for"] == "0s"


def test_nested_folder_loaded_from_generated_keeps_its_parent(tmp_path):
    """A folder's parent lives in `parentUid`; loading generated/ must not lose it."""
    from generator.builders.folders import Folder
    from generator.output import load_resources, render_tree, write_tree

    parent = Folder("platform", "Platform")
    child = Folder("platform-db", "Databases", parent=parent)
    compiled = [parent.to_resource(), child.to_resource()]
    write_tree(tmp_path / "generated", render_tree(compiled))
    loaded = {r.uid: r for r in load_resources(tmp_path / "generated")}
    assert loaded["platform-db"].folder_uid == "platform" == child.to_resource().folder_uid
    assert loaded["platform"].folder_uid is None


@pytest.mark.parametrize("enabled", [True, False])
def test_build_pauses_the_cyclic_collector_and_restores_it(project, monkeypatch, enabled):
    """Compiling and rendering run without the collector (its full collections over the growing
    bodies tripled their cost); the caller's setting is back afterwards, whatever it was."""
    import gc

    import generator.build as build_module

    seen = []
    compile_project = build_module.compile_project
    monkeypatch.setattr(build_module, "compile_project",
                        lambda root, **kw: seen.append(gc.isenabled()) or compile_project(root, **kw))
    (gc.enable if enabled else gc.disable)()
    try:
        build_module.build(project, write=False)
        build_module.check(project)
        assert seen == [False, False] and gc.isenabled() is enabled
    finally:
        gc.enable()
