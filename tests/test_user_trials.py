"""The mistakes a new platform engineer makes on a first day with gac, each a clear error.

Every case here was tried by hand first and ended in a traceback, a silent wrong result or
an unclear message. Each must now end with exit 2 (or a finding) and a message naming the
file, the object and what to do -- never a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from tests.paths import REPO
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
    shutil.rmtree(project / folder)
    (project / folder).write_text("oops\n")
    assert_usage_error(gac("build", "--root", str(project)), f"{folder}: not a directory", f"make {folder}/ a folder")


def test_definition_folder_that_is_a_broken_link(project: Path) -> None:
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


# -- PromQL nested too deeply -----------------------------------------------------------------

def _gac_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """In a child process: the parser's stack overflow was a segfault that would kill pytest."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_deep_promql_in_a_dashboard_definition_is_a_located_finding(project: Path) -> None:
    """A RecursionError traceback with exit 1, as if it were a finding."""
    write(project, "dashboards/deep.py", """
        from grafanalib import core as g
        from generator.builders import DashboardDef
        from generator.panels import layout, prom, timeseries
        from dashboards.folders import applications
        deep = DashboardDef(g.Dashboard(title="Deep", uid="deep", panels=layout(
            [timeseries("Nested", [prom("(" * 1001 + "up" + ")" * 1001)], "short")])), folder=applications)
    """)
    result = gac("lint", "--root", str(project), "--format", "json")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    deep = [f for f in json.loads(result.output) if f["dashboard"] == "deep"]
    assert [(Path(f["file"]).parts[-2:], f["panel"], f["severity"]) for f in deep] == [
        (("dashboards", "deep.py"), "Nested", "error")]
    assert "nests 1001 levels deep" in deep[0]["message"] and "split it" in deep[0]["message"]


@pytest.mark.parametrize("expr", [" + ".join(["up"] * 250), " or ".join(f'up{{job="j{i}"}}' for i in range(999)),
                                  "(" * 999 + "up" + ")" * 999, "sum(" * 600 + "rate(x_total[5m])" + ")" * 600],
                         ids=["250-operands", "999-alternatives", "999-parentheses", "600-aggregations"])
def test_promql_deeper_than_python_recursion_but_within_the_limit_is_analysed(expr: str) -> None:
    """Deeper than the walk's default room (about 450 levels), as generated queries are;
    Prometheus parses them, and so must the lint."""
    from generator.lint.promql_analysis import analysis_of
    analysis = analysis_of(expr)
    assert analysis.error is None, analysis.error
    assert "up" in analysis.metric_names or "x_total" in analysis.metric_names


@pytest.mark.parametrize("expr", ["(" * 10000 + "up" + ")" * 10000, " + ".join(["up"] * 5000)],
                         ids=["nested-parentheses", "chained-operators"])
def test_promql_deep_enough_to_crash_the_parser_is_a_finding(tmp_path: Path, expr: str) -> None:
    panel = {"id": 1, "type": "timeseries", "title": "P", "targets": [{"refId": "A", "expr": expr}]}
    (tmp_path / "deep.json").write_text(json.dumps({"uid": "deep", "title": "Deep", "panels": [panel]}))
    done = _gac_process("lint", "deep.json", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    [finding] = [f for f in json.loads(done.stdout) if f["rule"] == "promql-syntax"]
    assert (finding["file"], finding["dashboard"], finding["panel"]) == ("deep.json", "deep", "P")
    assert "levels deep" in finding["message"]


def test_rule_test_of_a_query_deep_enough_to_crash_the_parser(project: Path) -> None:
    _replace(project / "alerts/collector.py", 'PromQuery("A", f"up{{{JOB}}}")',
             'PromQuery("A", "(" * 10000 + f"up{{{JOB}}}" + ")" * 10000)')
    done = _gac_process("test", "--root", str(project), cwd=project)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "not testable offline: query nests more than" in done.stdout


def test_nesting_counts_brackets_and_operators_not_matchers() -> None:
    from generator.lint.promql_analysis import nesting

    assert nesting('sum(rate(x{a!="b", c=~"d"}[5m]))') == 3
    assert nesting("a + b - c or d") == 3
    assert nesting('x{a="(((("}') == 1


# -- gac routes and gac test with malformed input ---------------------------------------------

@pytest.fixture
def built(project: Path) -> Path:
    assert gac("build", "--root", str(project)).exit_code == 0
    return project


@pytest.mark.parametrize("labels, needles", [
    # each was routed silently as a label whose value starts with '=' or '~' (or a quote)
    (["severity==critical"], ["'severity==critical'", "not matchers"]),
    (["severity=~crit"], ["not matchers"]),
    (["severity!=warning"], ["not matchers"]),
    (['severity="critical'], ["quote is not closed"]),
    # the last value won, silently
    (["severity=critical", "severity=warning"], ["label 'severity' is given twice"]),
])
def test_routes_with_malformed_labels(built: Path, labels: list[str], needles: list[str]) -> None:
    assert_usage_error(gac("routes", "--root", str(built), *labels), *needles)


def test_routes_accepts_quoted_values(built: Path) -> None:
    result = gac("routes", "--root", str(built), 'severity="critical"', "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["labels"] == {"severity": "critical"}


@pytest.mark.parametrize("content, needles", [
    (b"\xff\xfe\x00tests: []", ["alerts/tests/bad.yaml: not a UTF-8 text file"]),
    (b"tests: [{name: x, rule: otelcol-down, input_series: {'up{job=\"a\"}': '1 0'}, "
     b"expect: [{at: 1m, alerts: [{labels: [job]}]}]}]", ["test 'x': at 1m: an expected alert is"]),
    (b"tests: [{name: x, rule: otelcol-down, input_series: {'up{job=\"a\"}': '1 0'}, "
     b"expect: [{at: 1m, alerts: [{annotations: summary}]}]}]", ["an expected alert is"]),
    # promtool's own message named no series, and the test merely failed (exit 1)
    (b"tests: [{name: x, rule: otelcol-down, input_series: {'up{job=\"a\"': '1 0'}, "
     b"expect: [{at: 1m, alerts: []}]}]", ["input series 'up{job=\"a\"' does not parse"]),
    (b"tests: [{name: x, rule: otelcol-down, input_series: {'rate(up[5m])': '1 0'}, "
     b"expect: [{at: 1m, alerts: []}]}]", ["input series 'rate(up[5m])' is not a series"]),
])
@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (gac test needs it)")
def test_malformed_rule_test_files(project: Path, content: bytes, needles: list[str]) -> None:
    (project / "alerts/tests/bad.yaml").write_bytes(content)
    assert_usage_error(gac("test", "--root", str(project)), *needles)


# -- connection settings ----------------------------------------------------------------------

@pytest.mark.parametrize("variables, needles", [
    # a trailing space in the token: "Illegal header value b'Bearer <token> '", retried 5 times,
    # quoting the token when it is shorter than what the redactor hides
    ({"GRAFANA_TOKEN": "T0k "}, ["GRAFANA_TOKEN contains a space"]),
    ({"GRAFANA_TOKEN": "T0k\n"}, ["GRAFANA_TOKEN contains a space"]),
    # a trailing space in the URL: "[unparsable URL] is not healthy", after 5 attempts
    ({"GRAFANA_URL": "http://127.0.0.1:9 "}, ["Grafana URL from GRAFANA_URL contains a space"]),
    ({"GRAFANA_ORG_ID": "0"}, ["GRAFANA_ORG_ID must be an organisation id (1 or more), got 0"]),
    ({"GRAFANA_URL": "127.0.0.1:3000"}, ["Grafana URL must be http(s)://host[:port][/path]",
                                         "it must begin with http:// or https://"]),
    # urlsplit raises on a broken IPv6 literal: it was a traceback
    ({"GRAFANA_URL": "http://[::1:3000"}, ["Grafana URL must be http(s)://host[:port][/path]",
                                           "an IPv6 address goes in brackets"]),
    # a port beyond 65535 or no number passed, then failed 5 times: "no answer: substring not found"
    ({"GRAFANA_URL": "http://127.0.0.1:99999"}, ["its port must be a number from 1 to 65535"]),
    ({"GRAFANA_URL": "http://admin:pw@127.0.0.1:30OO"}, ["its port must be a number from 1 to 65535",
                                                         "the value is not shown"]),
    ({"GRAFANA_URL": "https:///grafana"}, ["it names no host"]),
])
def test_plan_with_a_mistyped_connection(built: Path, variables: dict[str, str], needles: list[str]) -> None:
    env = {"GRAFANA_URL": "http://127.0.0.1:9", "GRAFANA_TOKEN": "T0k", **variables}
    result = gac("plan", "--root", str(built), "--env", "local", env=env)
    assert_usage_error(result, *needles)
    assert "T0k" not in result.output and "attempt" not in result.output


# -- gac lint on large input ------------------------------------------------------------------

def test_locating_findings_in_a_long_panel_list_scans_it_once() -> None:
    """Each finding's line was found by re-scanning the list from its start: a dashboard of
    4,000 panels took 23 s, 200,000 never finished. Counted, not timed: decodes per member."""
    from generator.lint.locate import JsonLocator

    panels = [{"id": i, "title": f"p{i}", "targets": [{"expr": "up"}]} for i in range(500)]
    text = json.dumps({"panels": panels}, indent=1)
    locator = JsonLocator(text)
    decodes = 0
    decode = locator._skip_value

    def counted(pos: int) -> int:
        nonlocal decodes
        decodes += 1
        return decode(pos)

    locator._skip_value = counted  # type: ignore[method-assign]
    lines = [locator.locate(("panels", i, "targets", 0, "expr"))[0] for i in range(len(panels))]
    assert decodes <= 10 * len(panels), decodes  # linear: each member decoded a few times at most
    for i, line in enumerate(lines):  # and each line is the panel's own
        assert text.splitlines()[line - 1].strip() == '"expr": "up"'
        assert f'"title": "p{i}"' in "\n".join(text.splitlines()[line - 6:line])


def test_line_numbers_of_findings_in_a_one_line_file_do_not_rescan_it() -> None:
    """One newline count from the start per finding: a 23 MB one-line dashboard took minutes.
    A document's findings are placed together, each newline counted once whatever their order,
    and one finding after another in file order resumes counting where the last one stopped."""
    from generator.lint.locate import JsonLocator

    class Counting(str):
        """The text, adding up the characters its newline counts go over."""
        scanned = 0

        def count(self, sub: str, start: Any = None, end: Any = None) -> int:
            Counting.scanned += (len(self) if end is None else end) - (start or 0)
            return str.count(self, sub, start, end)

    text = Counting('{"a": [' + ", ".join(['"x"'] * 50) + '],\n "b": 1}')
    wanted = [(("b",), None)] + [(("a", i), None) for i in reversed(range(50))]
    places = JsonLocator(text).locate_many(wanted)
    assert places[0] == (2, 7)
    assert places[-1] == (1, 8) and places[-4] == (1, 8 + 5 * 3)
    assert Counting.scanned <= len(text)
    Counting.scanned = 0
    locator = JsonLocator(text)
    assert [locator.locate(path) for path, _ in reversed(wanted)] == places[::-1]
    assert Counting.scanned <= len(text)


def test_lint_of_a_directory_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipped silently: `no findings`, exit 0, its dashboards never linted. (Simulated: the
    tests may run as root, who reads every directory.)"""
    locked = tmp_path / "dashboards" / "locked"
    locked.mkdir(parents=True)
    (locked / "bad.json").write_text('{"uid": "x", "panels": "oops"}')
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert_usage_error(gac("lint", str(tmp_path / "dashboards")), "locked: cannot read this directory",
                       "Permission denied")
