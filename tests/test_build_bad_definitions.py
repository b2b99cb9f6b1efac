"""Bad input to `gac build` -- grafana.yaml's lint section of the wrong type, definitions Python can
make and JSON cannot hold, definition modules that end the interpreter -- is one error line naming
the file (and the object), exit 2, and generated/ as it was: each case here ended in a traceback,
a silent exit or a silently wrong setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import REPO
from tests.project import copy_project, write
from tests.test_user_trials import assert_usage_error, gac


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


def with_lint_section(root: Path, section: Any) -> None:
    """grafana.yaml's `lint:` replaced by `section` (the rest of the file kept)."""
    config = yaml.safe_load((root / "grafana.yaml").read_text())
    config["lint"] = section
    (root / "grafana.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


# -- grafana.yaml's lint section --------------------------------------------------------------

@pytest.mark.parametrize("section, says", [
    # a TypeError from Path(42)
    ({"catalog": {"metrics_files": [42]}}, "lint.catalog.metrics_files[0]: expected a string"),
    ({"catalog": {"metrics_files": [["collector.prom"]]}}, "lint.catalog.metrics_files[0]: expected a string"),
    # a mapping's keys were taken for file names
    ({"catalog": {"metrics_files": {"collector.prom": 1}}}, "lint.catalog.metrics_files: expected a list"),
    # a URL that is no string was said to be no URL, naming neither file nor key
    ({"catalog": {"prometheus_url": 9090}}, "lint.catalog.prometheus_url: expected a string"),
    ({"catalog": {"prometheus_url": "prometheus:9090"}},
     "lint.catalog.prometheus_url: not http(s)://host[:port][/path]"),
    # "no" is a non-empty string: read as true
    ({"catalog": {"shipped": "no"}}, "lint.catalog.shipped: expected true or false, found a string"),
    ({"rules": {"promql-counter-raw": {"enabled": "no"}}},
     "lint.rules.promql-counter-raw.enabled: expected true or false"),
    # a string where a list belongs was read letter by letter: labels s, e, v, e, r, i, t, y were required
    ({"alerts": {"required_labels": "severity"}},
     "lint.alerts.required_labels: expected a list (label names, e.g. [severity, team]), found a string"),
    ({"alerts": {"required_labels": [["severity"]]}}, "lint.alerts.required_labels[0]: expected a string"),
    ({"alerts": {"required_annotations": [42]}}, "lint.alerts.required_annotations[0]: expected a string"),
    ({"alerts": {"required_label": ["team"]}}, "lint.alerts: unknown key(s) required_label"),
    ({"ignore": [{"rule": ["panel-unit-missing"]}]}, "lint.ignore[0].rule: expected a string, found a list"),
    ({"datasources": {"loki-ops": ["loki"]}}, "lint.datasources.loki-ops: expected a string"),
    ({"datasources": [{"uid": ["loki-ops"], "type": "loki"}]}, "lint.datasources[0].uid: expected a string"),
    ({"datasources": [["loki-ops", "loki"]]}, "lint.datasources[0]: each entry needs uid and type"),
    # a TypeError from iterating 42
    ({"notifications": {"contact_points": 42}}, "lint.notifications.contact_points: expected a list"),
    ({"notifications": {"contact_points": [["oncall"]]}}, "lint.notifications.contact_points[0]: expected a string"),
    ({"notifications": {"contact_point": ["oncall"]}}, "lint.notifications: unknown key(s) contact_point"),
    # refused by the engine, which has the rule registry: said without the file
    ({"rules": {42: "off"}}, "lint.rules: unknown rule '42'"),
])
def test_a_lint_section_of_the_wrong_shape_names_grafana_yaml_and_the_key(project: Path, section: Any,
                                                                          says: str) -> None:
    with_lint_section(project, section)
    result = gac("build", "--root", str(project))
    assert_usage_error(result, f"{project / 'grafana.yaml'}: {says}")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert not (project / "generated").exists()


def test_gac_lint_says_the_same_about_the_lint_section(project: Path) -> None:
    with_lint_section(project, {"catalog": {"metrics_files": [42]}})
    assert_usage_error(gac("lint", "--root", str(project)),
                       f"{project / 'grafana.yaml'}: lint.catalog.metrics_files[0]: expected a string")


def test_a_lint_section_of_the_right_shape_still_builds(project: Path) -> None:
    with_lint_section(project, {
        "rules": {"promql-counter-raw": {"enabled": True, "severity": "error"}},
        "datasources": {"loki-ops": "loki", "mimir-ops": {"type": "prometheus", "name": "Mimir"}},
        "catalog": {"shipped": False, "metrics_files": []},
        "alerts": {"required_labels": ["severity"], "required_annotations": ["summary"]},
        "ignore": [{"rule": "panel-unit-missing", "dashboard": "otel-apm"}],
        "notifications": {"contact_points": ["external-oncall"]},
    })
    result = gac("build", "--root", str(project))
    assert result.exit_code == 0, result.output
    assert (project / "generated/dashboards/otel-apps/otel-apm.json").is_file()


# -- definitions Python makes and JSON cannot hold, modules that end the interpreter -----------

def built(root: Path) -> dict[str, bytes]:
    """generated/ after a clean build: what a failed build must leave exactly as it is."""
    result = gac("build", "--root", str(root))
    assert result.exit_code == 0, result.output
    return tree(root / "generated")


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


DASHBOARD = """
    from grafanalib import core as g

    from generator.builders import DashboardDef
    from dashboards.folders import applications

    {setup}
    bad = DashboardDef(g.Dashboard(title="Bad", uid="bad", panels={panels}), folder=applications)
"""


@pytest.mark.parametrize("setup, panels, says", [
    # an AttributeError deep in the normalizer
    ("", "[None]", "dashboard 'Bad': panels[0] is None, not a panel"),
    ("", "[g.RowPanel(title='r', panels=[None])]", "dashboard 'Bad': panels[0].panels[0] is None, not a panel"),
    ("", "[g.TimeSeries(title='t', targets=[None])]", "dashboard 'Bad': panels[0].targets[0] is None, not a query"),
    # json's "Circular reference detected", from a dict inside itself
    ("d = {}\nd['x'] = d", "[g.TimeSeries(title='t', targets=[d])]",
     "dashboard 'Bad': panels[0].targets[0].x holds itself (a dict or list inside itself)"),
    ("p = g.TimeSeries(title='t')\np.targets = [p]", "[p]", "dashboard 'Bad': panels[0].targets[0] holds itself"),
    ("", "[g.TimeSeries(title='t', targets=[{'expr': {'up'}}])]",
     "dashboard 'Bad': panels[0].targets[0].expr is a set, which JSON has no form for"),
])
def test_a_dashboard_json_cannot_hold_is_an_error_naming_it_and_generated_is_untouched(
        project: Path, setup: str, panels: str, says: str) -> None:
    before = built(project)
    write(project, "dashboards/bad.py", DASHBOARD.format(setup=setup.replace("\n", "\n    "), panels=panels))
    line = 7 + setup.count("\n")
    result = gac("build", "--root", str(project))
    assert_usage_error(result, f"dashboards/bad.py:{line}: {says}")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert tree(project / "generated") == before


@pytest.mark.parametrize("tags, says", [
    ('"http"', "dashboard 'Bad': tags is the string 'http', not a list of strings"),  # tags h, t, p
    ('[["http"]]', "dashboard 'Bad': tags[0] is list ['http'], not a string"),  # a TypeError
])
def test_dashboard_tags_of_the_wrong_shape_are_an_error_naming_the_dashboard(project: Path, tags: str,
                                                                             says: str) -> None:
    write(project, "dashboards/bad.py", DASHBOARD.format(setup="", panels=f"[], tags={tags}"))
    assert_usage_error(gac("build", "--root", str(project)), f"dashboards/bad.py:7: {says}")
    assert not (project / "generated").exists()


@pytest.mark.parametrize("source, says", [
    # a RecursionError: the search for a NaN in the body went round the loop for ever
    ("d = {}\nd['x'] = d\nextra = DataSource(uid='d2', name='D2', type='prometheus', json_data=d)",
     "datasources/extra.py:5: datasource 'd2': jsonData.x.x holds itself (a dict or list inside itself)"),
    ("extra = DataSource(uid='d2', name='D2', type='prometheus', json_data={'tags': {'a'}})",
     "datasources/extra.py:3: datasource 'd2': jsonData.tags is a set, which JSON has no form for"),
])
def test_a_data_source_json_cannot_hold_is_an_error_naming_it(project: Path, source: str, says: str) -> None:
    before = built(project)
    write(project, "datasources/extra.py", f"from generator.builders import *\n\n{source}\n")
    assert_usage_error(gac("build", "--root", str(project)), says)
    assert tree(project / "generated") == before


@pytest.mark.parametrize("panels, says", [
    ("[null]", "panels[0] is None, not a panel"),
    ('"panels"', "panels is the string 'panels', not a list (of panels)"),
    ('[{"type": "timeseries", "targets": [7]}]', "panels[0].targets[0] is int 7, not a query"),
    ('[{"type": "timeseries", "fieldConfig": [1]}]', "panels[0].fieldConfig is list [1], not an object"),
])
def test_a_json_dashboard_of_the_wrong_shape_is_an_error_naming_the_file(project: Path, panels: str,
                                                                         says: str) -> None:
    before = built(project)
    write(project, "dashboards/imported/j.json", f'{{"uid": "j", "title": "J", "panels": {panels}}}')
    write(project, "dashboards/j.py", """
        from generator.builders import JsonDashboard
        from dashboards.folders import applications

        j = JsonDashboard("imported/j.json", folder=applications)
    """)
    assert_usage_error(gac("build", "--root", str(project)),
                       f"dashboards/j.py:4: dashboard JSON imported/j.json: {says}")
    assert tree(project / "generated") == before


def test_a_json_dashboard_saved_with_a_byte_order_mark_is_read_as_lint_reads_it(project: Path) -> None:
    """An editor on Windows or PowerShell's `Out-File` writes a BOM: `gac lint` read the file,
    `gac build` refused it ("Expecting value: line 1 column 1"). generated/ gets no BOM."""
    built(project)
    (project / "dashboards/imported").mkdir(parents=True, exist_ok=True)
    (project / "dashboards/imported/j.json").write_bytes(b'\xef\xbb\xbf{"uid": "j", "title": "J", "panels": []}')
    write(project, "dashboards/j.py", """
        from generator.builders import JsonDashboard
        from dashboards.folders import applications

        j = JsonDashboard("imported/j.json", folder=applications)
    """)
    result = gac("build", "--root", str(project))
    assert result.exit_code == 0, result.output
    [written] = (project / "generated" / "dashboards").rglob("j.json")
    assert json.loads(written.read_bytes())["uid"] == "j"  # json.loads refuses bytes that open with a BOM


@pytest.mark.parametrize("source, says", [
    # a traceback: only Exception was caught
    ('raise BaseException("x")', "dashboards.bad raised BaseException: x; raise an Exception"),
    ("raise GeneratorExit", "dashboards.bad raised GeneratorExit: (no message)"),
    # gac ended with the module's exit code, saying nothing
    ("raise SystemExit(3)", "dashboards.bad called sys.exit(3) while being imported"),
    ("import sys\n\nsys.exit()", "dashboards.bad called sys.exit(None) while being imported"),
    ('raise ValueError("first line\\nsecond line")', "dashboards.bad raised ValueError: first line second line"),
])
def test_a_module_that_ends_the_run_at_import_is_an_error_naming_it(project: Path, source: str, says: str) -> None:
    before = built(project)
    write(project, "dashboards/bad.py", source + "\n")
    line = source.count("\n") + 1
    result = gac("build", "--root", str(project))
    assert_usage_error(result, f"dashboards/bad.py:{line}: {says}")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert tree(project / "generated") == before


def test_ctrl_c_while_a_module_is_imported_is_still_an_interruption(project: Path) -> None:
    write(project, "dashboards/bad.py", "raise KeyboardInterrupt\n")
    result = gac("build", "--root", str(project))
    assert result.exit_code == 130 and "Interrupted" in result.output, result.output
    assert not (project / "generated").exists()


def test_a_working_directory_that_no_longer_exists_is_one_error(project: Path, tmp_path: Path) -> None:
    """A checkout replaced under a shell left it in a removed directory: the import of the first
    definition failed resolving a path against it, and the error handler failed the same way."""
    gone = tmp_path / "gone"
    gone.mkdir()
    script = f'cd "{gone}" && rmdir "{gone}" && exec "{sys.executable}" -m generator build --root "{project}"'
    ran = subprocess.run(["sh", "-c", script], env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert ran.stderr == ("error: the current directory no longer exists (removed, or replaced by a new checkout): "
                          "cd into the repository again and rerun\n")
    assert not (project / "generated").exists()


@pytest.mark.parametrize("target", ["moved-away.yaml", "grafana.yaml"])
@pytest.mark.parametrize("command", ["build", "lint"])
def test_a_grafana_yaml_that_is_a_broken_link_is_an_error_not_an_absent_file(project: Path, target: str,
                                                                            command: str) -> None:
    """Taken for "no grafana.yaml", the build went ahead without the data sources it declares, and
    lint without its rule settings."""
    (project / "grafana.yaml").unlink()
    (project / "grafana.yaml").symlink_to(target)
    assert_usage_error(gac(command, "--root", str(project)),
                       f"{project / 'grafana.yaml'}: a broken link (or a loop of links): point it at the project's "
                       "grafana.yaml, or remove it")
    assert not (project / "generated").exists()


RULE = """
    from generator.builders import AlertRule, PromQuery, RuleGroup, reduce, math
    from datasources.prometheus import prometheus
    from datasources.loki import loki
    from dashboards.folders import applications

    rule = {rule}
    group = RuleGroup(title="t", folder=applications, interval="1m", rules=[rule])
"""
_WHEN = 'AlertRule.when(uid="t1", title="T", expr="up == 0", op=">", value=0, summary="s", description="d", ' \
        'runbook_url=""{extra})'


@pytest.mark.parametrize("extra, says", [
    # a TypeError in the compiler (unhashable type: 'Loki'), a traceback; by uid, a Prometheus query model
    (", datasource=loki", "query A sends PromQL to 'loki', a loki data source, which speaks LogQL"),
    (', datasource="loki"', "query A sends PromQL to 'loki', a loki data source, which speaks LogQL"),
    (', datasource="__expr__"', "query A sends PromQL to '__expr__', Grafana's server-side expressions"),  # KeyError
    # Grafana and Alertmanager read durations with model.ParseDuration: a unit is required
    (', pending="300"', "pending: not a duration: '300' has no unit (write e.g. '300s'"),
    # the argument lost to the label, and gac's ownership label replaced
    (', severity="critical", labels={"severity": "warning"}', "labels['severity']: the severity is an argument"),
    (', labels={"managed_by": "someone"}', "labels['managed_by'] is gac's own label"),
    (', labels={"__grafana_receiver__": "x"}', "labels['__grafana_receiver__']: names starting with __ are reserved"),
    # a TypeError sorting the labels, pointed at the group
    (', labels={1: "x"}', "label name 1 is int 1, not a string"),
])
def test_an_alert_rule_grafana_would_refuse_or_misread_is_an_error_naming_the_rule(project: Path, extra: str,
                                                                                  says: str) -> None:
    before = built(project)
    write(project, "alerts/bad.py", RULE.format(rule=_WHEN.format(extra=extra)))
    assert_usage_error(gac("build", "--root", str(project)), "alerts/bad.py:6: alert rule 't1'", says)
    assert tree(project / "generated") == before


@pytest.mark.parametrize("rule, says", [
    ('AlertRule(uid="t1", title="T", data=[PromQuery("A", 42), reduce("B", "A"), math("C", "$B > 0")], '
     'condition="C", summary="s", description="d", runbook_url="")',
     "alerts/bad.py:6: alert rule 't1': query A expr is int 42, not a string"),
    ('AlertRule(uid="t1", title="T", data=[PromQuery("A", "up"), reduce("B", "A", reducer="avg"), '
     'math("C", "$B > 0")], condition="C", summary="s", description="d", runbook_url="")',
     "alerts/bad.py:6: reduce 'B': reducer is the string 'avg'; use one of 'count', 'last', 'max', 'mean'"),
    ('AlertRule(uid="t1", title="T", data=[PromQuery("A", "up"), reduce("B", "A", reducer="median"), '
     'math("C", "$B > 0")], condition="C", summary="s", description="d", runbook_url="")',
     "reducer is the string 'median'"),  # in no release's GetReduceFunc
])
def test_queries_and_expressions_grafana_cannot_run_are_errors(project: Path, rule: str, says: str) -> None:
    before = built(project)
    write(project, "alerts/bad.py", RULE.format(rule=rule))
    assert_usage_error(gac("build", "--root", str(project)), says)
    assert tree(project / "generated") == before


def test_a_data_source_definition_names_the_query_data_source(project: Path) -> None:
    write(project, "alerts/good.py", RULE.format(rule=_WHEN.format(extra=", datasource=prometheus")))
    assert gac("build", "--root", str(project)).exit_code == 0
    [group] = (project / "generated" / "alert-rules").rglob("t.json")
    query = json.loads(group.read_text())["rules"][0]["data"][0]
    assert query["datasourceUid"] == "prometheus" and query["model"]["datasource"] == {"type": "prometheus",
                                                                                       "uid": "prometheus"}


@pytest.mark.parametrize("call, says", [
    ("layout([stat(f'S{i}', 'sum(up)', 'short') for i in range(30)])", "row 1 holds 30 panels: the grid is 24"),
    ("layout([stat('S', 'sum(up)', 'short')], height=0)", "height is 0: a panel is at least one grid row high"),
])
def test_a_layout_grafana_cannot_place_is_an_error(project: Path, call: str, says: str) -> None:
    write(project, "dashboards/bad.py", f"from generator.panels import layout, stat\n\npanels = {call}\n")
    assert_usage_error(gac("build", "--root", str(project)), f"dashboards/bad.py:3: layout: {says}")


@pytest.mark.parametrize("source, says", [
    ('Folder(uid="general", title="Ops")', "folder 'general': uid 'general' is the root's"),
    ('Folder(uid="ops", title=" general")', "folder 'ops': title ' general' is the root's name"),
])
def test_a_folder_taking_the_roots_uid_or_name_is_refused(project: Path, source: str, says: str) -> None:
    """Grafana refuses both at sync (400), after whatever came before was written."""
    before = built(project)
    write(project, "dashboards/bad.py", f"from generator.builders import Folder\n\nbad = {source}\n")
    assert_usage_error(gac("build", "--root", str(project)), f"dashboards/bad.py:3: {says}")
    assert tree(project / "generated") == before


def test_titles_and_tags_longer_than_grafana_stores_are_refused(project: Path) -> None:
    long_title = _WHEN.format(extra="").replace('title="T"', 'title="' + "x" * 191 + '"')
    write(project, "alerts/bad.py", RULE.format(rule=long_title))
    assert_usage_error(gac("build", "--root", str(project)),
                       "alert rule 't1': title is 191 bytes long (UTF-8); Grafana refuses more than 190")
    accented = _WHEN.format(extra="").replace('title="T"', 'title="' + "é" * 100 + '"')  # Go counts bytes: 200
    write(project, "alerts/bad.py", RULE.format(rule=accented))
    assert_usage_error(gac("build", "--root", str(project)), "title is 200 bytes long (UTF-8)")
    write(project, "alerts/bad.py", RULE.format(rule=_WHEN.format(extra="")).replace('title="t"', 'title="' + "g" * 200
                                                                                     + '"'))
    assert_usage_error(gac("build", "--root", str(project)), "title is 200 bytes long (UTF-8); Grafana refuses more")
    (project / "alerts/bad.py").unlink()
    write(project, "dashboards/bad.py", DASHBOARD.format(setup="", panels="[], tags=['" + "t" * 51 + "']"))
    assert_usage_error(gac("build", "--root", str(project)), "tags[0] is 51 bytes long (UTF-8); Grafana 12 refuses")


def test_a_dashboard_with_a_folders_uid_is_refused(project: Path) -> None:
    """Grafana 11 keeps folders and dashboards in one table under one unique uid: the dashboard's
    save is refused (400) after its folder, and what came before, were written."""
    before = built(project)
    write(project, "dashboards/bad.py", DASHBOARD.format(setup="", panels="[]").replace('uid="bad"', 'uid="otel-apps"'))
    assert_usage_error(gac("build", "--root", str(project)), "dashboard and folder uid 'otel-apps' is defined twice")
    assert tree(project / "generated") == before


def test_one_rule_in_two_groups_is_named_with_both_groups(project: Path) -> None:
    write(project, "alerts/bad.py", RULE.format(rule=_WHEN.format(extra="")) +
          '    again = RuleGroup(title="t2", folder=applications, interval="1m", rules=[rule])\n')
    assert_usage_error(gac("build", "--root", str(project)), "alerts/bad.py:7: alert rule 't1' (",
                       "alerts/bad.py:6) is in two rule groups, 't2' and 't': a rule belongs to one group")


def test_a_reducer_in_any_case_is_grafanas(project: Path) -> None:
    """GetReduceFunc lower-cases the name: `Mean` is mean."""
    write(project, "alerts/good.py", RULE.format(
        rule='AlertRule(uid="t1", title="T", data=[PromQuery("A", "up"), reduce("B", "A", reducer="Mean"), '
             'math("C", "$B > 0")], condition="C", summary="s", description="d", runbook_url="")'))
    assert gac("build", "--root", str(project)).exit_code == 0


def test_one_rule_listed_twice_in_its_group_is_named_so(project: Path) -> None:
    write(project, "alerts/bad.py", RULE.format(rule=_WHEN.format(extra="")).replace("rules=[rule]", "rules=[rule, rule]"))
    assert_usage_error(gac("build", "--root", str(project)), "is listed twice in rule group 't': list it once")
