"""The mistakes a new platform engineer makes on a first day with gac, each a clear error.

Every case here was tried by hand first and ended in a traceback, a silent wrong result or
an unclear message. Each must now end with exit 2 (or a finding) and a message naming the
file, the object and what to do -- never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from tests.project import copy_project, write


def gac(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def assert_usage_error(result: Result, *needles: str) -> None:
    """Exit 2 through GacError (a one-line `error:`), not an exception escaping the command."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


# -- data source builders ---------------------------------------------------------------------

@pytest.mark.parametrize("source, needles", [
    ("Loki(uid='l2', name='L2', traces=123)", ["traces is int 123", "DataSource object"]),
    ("Prometheus(uid=5, name='P2')", ["uid is int 5"]),
    ("Prometheus(uid='p2', name=None)", ["data source 'p2'", "name is None"]),
    ("Prometheus(uid='p2', name='P2', scrape_interval=15)", ["scrape_interval is int 15"]),
    ("Prometheus(uid='p2', name='P2', scrape_interval='15 sec')", ["scrape_interval", "not a duration"]),
    ("Tempo(uid='t2', name='T2', service_tag='service.name')", ["service_tag is the string"]),
    ("Tempo(uid='t2', name='T2', metric_queries=('Rate', 'sum(rate(x[5m]))'))", ["metric_queries[0]"]),
    ("DataSource(uid='d2', name='D2', type='prometheus', json_data=['x'])", ["json_data is list"]),
    ("DataSource(uid='d2', name='D2', type='prometheus', access='server')", ["access", "'proxy'"]),
])
def test_data_source_builder_given_wrong_types(project: Path, source: str, needles: list[str]) -> None:
    write(project, "datasources/extra.py", f"from generator.builders import *\n\nextra = {source}\n")
    assert_usage_error(gac("build", "--root", str(project)), "datasources/extra.py:3", *needles)


# -- notification builders --------------------------------------------------------------------

def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old, new, needles", [
    # a bare string where a list belongs was iterated character by character
    ("mute_timings=[maintenance]", "mute_timings='weekly-maintenance'",
     ["mute_timings is the string 'weekly-maintenance'", "a bare string is not a list"]),
    ("mute_timings=[maintenance]", "active_timings=[5]", ["active_timings[0] is int 5"]),
    ("matchers=['severity=\"critical\"']", "matchers={'severity': 5}", ["matchers['severity'] is int 5"]),
    ("repeat_interval=\"1h\"", "continue_='yes'", ["continue_ is the string 'yes', not True or False"]),
    ("repeat_interval=\"1h\"", "repeat_interval='1 hour'", ["repeat_interval", "not a duration"]),
    ("group_by=[\"alertname\", \"service_name\"]", "group_by='service_name'", ["group_by is the string"]),
])
def test_policy_given_wrong_types(project: Path, old: str, new: str, needles: list[str]) -> None:
    _replace(project / "alerts/notifications.py", old, new)
    assert_usage_error(gac("build", "--root", str(project)), "alerts/notifications.py:", *needles)


def test_contact_point_secrets_as_a_bare_string(project: Path) -> None:
    write(project, "alerts/extra.py", """
        from generator.builders import ContactPoint
        hook = ContactPoint("hook", "hook", "webhook", secrets="url")
    """)
    assert_usage_error(gac("build", "--root", str(project)), "alerts/extra.py:2", "contact point 'hook'",
                       "secrets is the string 'url'")


def test_contact_point_uid_where_its_name_belongs_says_so(project: Path) -> None:
    _replace(project / "alerts/notifications.py", "receiver=oncall,", "receiver='oncall-pagerduty',")
    result = gac("build", "--root", str(project))
    assert result.exit_code == 1, result.output
    assert "'oncall-pagerduty' is the uid of contact point 'oncall'" in result.output
    assert "pass the ContactPoint object" in result.output


# -- panel helpers ----------------------------------------------------------------------------

@pytest.mark.parametrize("panels, needles", [
    # a query string where the list of targets belongs was an AttributeError in normalization
    ('layout([timeseries("T", "up", "short")])', ["panel 'T'", "targets is the string 'up'", "prom("]),
    ('layout([timeseries("T", ["up"], "short")])', ["targets[0] is the string 'up'"]),
    # a bare label string became `sum by (j, o, b)`
    ('layout([rate("T", "x_total", "", "job", "reqps")])', ["by is the string 'job'"]),
    ('layout([quantiles("T", "x_bucket", "", [], "s", qs=[95])])', ["quantiles are between 0 and 1"]),
    ('layout([stat("T", "up", "short", thresholds=["green"])])', ["thresholds[0] is the string 'green'"]),
    ('layout([stat("T", "up", "short", thresholds=[("green", "high")])])', ["thresholds[0] is ('green', 'high')"]),
    ('layout([timeseries("T", [prom("up")], "short", fill="lots")])', ["fill is the string 'lots'"]),
    ('layout([logs("L", \'{job="x"}\', datasource=None)])', ["panel 'L'", "datasource is None"]),
    ('layout([])', ["layout: row 1 is empty"]),
    ('layout(stat("T", "up", "short"))', ["layout: row 1 is Stat"]),
    ('layout([stat("T", "up", "short")], height="8")', ["height is the string '8'"]),
])
def test_panel_helpers_given_wrong_arguments(project: Path, panels: str, needles: list[str]) -> None:
    write(project, "dashboards/extra.py", f"""
        from grafanalib import core as g
        from generator.builders import DashboardDef
        from generator.panels import layout, logs, prom, quantiles, rate, stat, timeseries
        from dashboards.folders import applications
        PANELS = {panels}
        extra = DashboardDef(g.Dashboard(title="Extra", uid="extra", panels=PANELS), folder=applications)
    """)
    assert_usage_error(gac("build", "--root", str(project)), "dashboards/extra.py:5", *needles)


# -- definition modules and folders -----------------------------------------------------------

@pytest.mark.parametrize("folder", ["alerts", "dashboards"])
def test_definition_folder_that_is_a_file(project: Path, folder: str) -> None:
    """Skipped, its objects vanished from generated/ with exit 0 (or a confusing import error)."""
    import shutil

    shutil.rmtree(project / folder)
    (project / folder).write_text("oops\n")
    assert_usage_error(gac("build", "--root", str(project)), f"{folder}: not a directory", f"make {folder}/ a folder")


def test_definition_folder_that_is_a_broken_link(project: Path) -> None:
    import shutil

    shutil.rmtree(project / "alerts")
    (project / "alerts").symlink_to(project / "nowhere")
    assert_usage_error(gac("build", "--root", str(project)), "alerts: not a directory")


def test_module_calling_sys_exit(project: Path) -> None:
    """SystemExit is no Exception: gac ended with the module's exit code and no message."""
    write(project, "dashboards/quits.py", "import sys\n\nsys.exit(3)\n")
    assert_usage_error(gac("build", "--root", str(project)), "dashboards/quits.py:3", "called sys.exit(3)")


def test_circular_import_between_definition_modules(project: Path) -> None:
    write(project, "dashboards/one.py", "from dashboards.two import B\nA = 1\n")
    write(project, "dashboards/two.py", "from dashboards.one import A\nB = 1\n")
    assert_usage_error(gac("build", "--root", str(project)), "circular import", "import each other",
                       "move what both need into a module")


def test_module_that_is_not_utf8(project: Path) -> None:
    (project / "dashboards/latin1.py").write_bytes(b'TITLE = "caf\xe9"\n')
    assert_usage_error(gac("build", "--root", str(project)), "dashboards/latin1.py:1", "save the file as UTF-8")


def test_module_that_raises(project: Path) -> None:
    write(project, "dashboards/boom.py", "raise RuntimeError('no such team')\n")
    assert_usage_error(gac("build", "--root", str(project)), "dashboards/boom.py:1",
                       "raised RuntimeError: no such team")
