"""Alerting mistakes from a new user's trial: each built or routed silently wrong before.

A typo in a policy matcher (`severity==critical`) rerouted pages; an alert rule left out of
every RuleGroup vanished; a threshold given as a string reached Grafana; a contact point's
secret with no grafana.yaml mapping passed build and lint; a secret given as a builder
argument ended in a bare TypeError; `gac routes --at` spoke of "now".
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.routing import matchers as m
from generator.routing.matcher_syntax import parse_classic
from tests.lint_cases import notifications as nt
from tests.lint_cases.builders import lint_project, only
from tests.project import write
# fixtures (project, built) and helpers shared with the first trial's tests
from tests.test_user_trials import _replace, assert_usage_error, built, gac, project  # noqa: F401

AMTOOL = shutil.which("amtool")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# -- 1. policy matchers ------------------------------------------------------------------------

CRITICAL = "matchers=['severity=\"critical\"']"


def test_a_doubled_operator_in_a_policy_matcher_is_a_build_error(project: Path) -> None:
    module = project / "alerts" / "notifications.py"
    _replace(module, CRITICAL, "matchers=['severity==critical']")
    line = _line_of(module, "severity==critical")
    assert_usage_error(gac("build", "--root", str(project)),
                       f"alerts/notifications.py:{line}", "notification policy (to 'oncall')",
                       "'==' is not an operator", 'write severity="critical"',
                       'or severity="=critical" if the value really starts with \'=\'')
    assert not (project / "generated").exists()


def test_a_value_really_starting_with_equals_is_written_quoted(project: Path) -> None:
    _replace(project / "alerts" / "notifications.py", CRITICAL, "matchers=['severity=\"=critical\"']")
    assert gac("build", "--root", str(project)).exit_code == 0
    tree = json.loads((project / "generated" / "notification-policies" / "policy-tree.json").read_text())
    assert tree["routes"][0]["object_matchers"] == [["severity", "=", "=critical"]]


@pytest.mark.parametrize("text, needles", [
    ("severity=~~crit", ["'=~~' is not an operator", 'write severity=~"crit"']),
    ("team!==web", ["'!==' is not an operator", 'write team!="web"']),
    ("team=platform team", ["expected ',' or the end", 'match team="platform team"']),
    ("severity=", ["expected a value", 'write severity=""']),
    ("code=~\"\\d+\"", ["\\d is not an escape sequence", 'write code=~"\\\\d+"']),
    ("severity='critical'", ["a single quote", "only allowed inside double quotes"]),
    ("severity~critical", ["'~' at column 9 is not an operator"]),
])
def test_matchers_only_the_classic_parser_accepts_are_refused(text: str, needles: list[str]) -> None:
    with pytest.raises(m.MatcherError) as caught:
        m.parse_all(text)
    for needle in needles:
        assert needle in str(caught.value), str(caught.value)


@pytest.mark.parametrize("text, expected", [
    ('severity="critical"', [("severity", "=", "critical")]),
    ("severity = critical", [("severity", "=", "critical")]),
    ("team!=ops", [("team", "!=", "ops")]),
    ('service_name=~"checkout|cart"', [("service_name", "=~", "checkout|cart")]),
    ("service_name!~canary.*", [("service_name", "!~", "canary.*")]),
    ('code=~"\\\\d+"', [("code", "=~", "\\d+")]),
    ('msg="say \\"hi\\"\\n"', [("msg", "=", 'say "hi"\n')]),
    ('name="caf\\u00e9"', [("name", "=", "café")]),
    ('{a="b", c!~"d",}', [("a", "=", "b"), ("c", "!~", "d")]),
    ('"service.name"="x"', [("service.name", "=", "x")]),
    ('severity="=critical"', [("severity", "=", "=critical")]),
])
def test_matchers_are_read_as_alertmanagers_utf8_parser_reads_them(text: str, expected: list[tuple[str, ...]]) -> None:
    assert [(x.name, x.op, x.value) for x in m.parse_all(text)] == expected


def test_a_policy_may_give_several_matchers_in_one_text(project: Path) -> None:
    _replace(project / "alerts" / "notifications.py", CRITICAL,
             "matchers=['severity=\"critical\", service_name=~\"checkout|cart\"']")
    assert gac("build", "--root", str(project)).exit_code == 0
    tree = json.loads((project / "generated" / "notification-policies" / "policy-tree.json").read_text())
    assert tree["routes"][0]["object_matchers"] == [["severity", "=", "critical"],
                                                    ["service_name", "=~", "checkout|cart"]]


def test_a_value_grafana_would_strip_quotes_from_is_refused(project: Path) -> None:
    """Grafana drops a leading/trailing double quote of object_matchers values when it reads them."""
    _replace(project / "alerts" / "notifications.py", CRITICAL,
             "matchers=[['severity', '=', '\"critical\"']]")
    assert_usage_error(gac("build", "--root", str(project)), "grafana/grafana#50040",
                       'would match severity="critical"', "without those quotes")


def test_routing_reads_object_matcher_quotes_as_grafana_does() -> None:
    route = {"receiver": "x", "object_matchers": [["severity", "=", '"critical"']]}
    assert [x.to_object() for x in m.of_route(route)] == [["severity", "=", "critical"]]


def test_lint_reports_a_doubled_operator_in_a_pulled_tree() -> None:
    bad = nt.setup(tree=nt.with_route(receiver="team", matchers=["severity==critical"]))
    findings = only(lint_project(*bad), "notification-syntax")
    assert findings and "'==' is not an operator" in findings[0].message


def _amtool_reading(text: str, tmp: Path) -> str:
    """The matchers amtool (Alertmanager's classic parser) prints for a route's `matchers` text."""
    config = tmp / "alertmanager.yml"
    config.write_text(yaml.safe_dump({"route": {"receiver": "d", "routes": [{"receiver": "p", "matchers": [text]}]},
                                      "receivers": [{"name": "d"}, {"name": "p"}]}))
    out = subprocess.run([AMTOOL or "amtool", "config", "routes", "show", f"--config.file={config}"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    line = out.strip().splitlines()[-1]
    return line[line.index("{") + 1:line.rindex("}")]


@pytest.mark.skipif(AMTOOL is None, reason="amtool is not installed (apt-get install prometheus-alertmanager)")
@pytest.mark.parametrize("text", ['severity="critical"', "team!=ops", 'service_name=~"checkout|cart"',
                                  'code=~"\\\\d+"', 'a="x\\"y"', "service_name!~canary.*"])
def test_accepted_matchers_read_as_amtool_reads_them(text: str, tmp_path: Path) -> None:
    assert ",".join(x.text() for x in m.parse_all(text)) == _amtool_reading(text, tmp_path)


@pytest.mark.skipif(AMTOOL is None, reason="amtool is not installed (apt-get install prometheus-alertmanager)")
@pytest.mark.parametrize("text", ["severity==critical", "team!==web", "severity=~~crit", "team=platform team",
                                  "severity=", "a=~5..{2}", 'code=~"\\d+"', "a=b c, d=e f"])
def test_refusals_show_what_amtool_would_match(text: str, tmp_path: Path) -> None:
    """amtool 0.25 has only the classic parser: it accepts each text silently; gac refuses it
    and quotes exactly the reading amtool (and Grafana's fallback) would route by."""
    classic = [m.text_of(*x) for x in parse_classic(text) or []]
    assert ",".join(classic) == _amtool_reading(text, tmp_path)  # amtool prints them comma-joined
    with pytest.raises(m.MatcherError) as caught:
        m.parse_all(text)
    assert f"match {', '.join(classic)}" in str(caught.value)


# -- 2. an alert rule in no RuleGroup ----------------------------------------------------------

LONELY = """
from generator.builders import AlertRule

r = AlertRule.when(uid="lonely", title="Lonely", expr="up == 0", op=">", value=0,
                   summary="s", description="d", runbook_url="https://example.invalid/runbook")
"""


def test_an_alert_rule_in_no_rule_group_is_a_build_error(project: Path) -> None:
    write(project, "alerts/lonely.py", LONELY)
    assert_usage_error(gac("build", "--root", str(project)), "alerts/lonely.py:3", "alert rule 'lonely'",
                       "not in any RuleGroup", "add it to a RuleGroup")


def test_a_rule_grouped_in_another_module_builds(project: Path) -> None:
    write(project, "alerts/lonely.py", LONELY)
    write(project, "alerts/grouping.py", """
        from generator.builders import RuleGroup
        from alerts.lonely import r
        from dashboards.folders import platform

        group = RuleGroup(title="lonely", folder=platform, interval="1m", rules=[r])
        """)
    result = gac("build", "--root", str(project))
    assert result.exit_code == 0, result.output
    groups = [json.loads(p.read_text()) for p in (project / "generated" / "alert-rules").rglob("*.json")]
    assert any(r["uid"] == "lonely" for g in groups for r in g["rules"])


# -- 3. numbers given as strings ---------------------------------------------------------------

@pytest.mark.parametrize("value, needles", [
    ('"0.8"', ["value is the string '0.8', not a number", "value=0.8 (no quotes)"]),
    ("True", ["value is bool True, not a number"]),
    ("float('nan')", ["value is nan, not a finite number"]),
])
def test_a_threshold_that_is_not_a_number(project: Path, value: str, needles: list[str]) -> None:
    module = project / "alerts" / "collector.py"
    _replace(module, "op=\">\", value=0.8,", f"op=\">\", value={value},")
    line = _line_of(module, 'uid="otelcol-queue-high"') - 1
    assert_usage_error(gac("build", "--root", str(project)), f"alerts/collector.py:{line}",
                       "alert rule 'otelcol-queue-high'", *needles)


@pytest.mark.parametrize("source, needles", [
    ("threshold('C', 'B', '>', '5')", ["threshold 'C': value is the string '5'"]),
    ("threshold('C', 'B', '=>', 5)", ["threshold 'C': op is the string '=>'; use one of"]),
    ("PromQuery('A', 'up', lookback=600)", ["query A lookback is int 600, not a duration string"]),
])
def test_rule_parts_given_wrong_numbers(project: Path, source: str, needles: list[str]) -> None:
    write(project, "alerts/extra.py", f"""
        from generator.builders import AlertRule, PromQuery, RuleGroup, reduce, threshold
        from dashboards.folders import platform

        part = {source}
        data = [part, reduce('B', 'A'), threshold('C', 'B', '>', 1)] if isinstance(part, PromQuery) else \\
            [PromQuery('A', 'up'), reduce('B', 'A'), part]
        rule = AlertRule(uid='x', title='x', data=data, condition='C', summary='', description='', runbook_url='')
        group = RuleGroup(title='x', folder=platform, interval='1m', rules=[rule])
        """)
    assert_usage_error(gac("build", "--root", str(project)), "alerts/extra.py:", *needles)


@pytest.mark.parametrize("old, new, needles", [
    ('repeat_interval="1h"', "repeat_interval=3600", ["repeat_interval is int 3600, not a duration string"]),
    ('group_wait="30s"', "group_wait=30", ["group_wait is int 30, not a duration string"]),
])
def test_policy_timings_given_as_numbers(project: Path, old: str, new: str, needles: list[str]) -> None:
    _replace(project / "alerts" / "notifications.py", old, new)
    assert_usage_error(gac("build", "--root", str(project)), "alerts/notifications.py:", *needles)


@pytest.mark.parametrize("args, needles", [
    ("max_alerts='5'", ["max_alerts is the string '5', not a whole number"]),
    ("max_alerts=True", ["max_alerts is bool True"]),
    ("max_alerts=-1", ["max_alerts is -1"]),
])
def test_webhook_max_alerts_given_wrong(project: Path, args: str, needles: list[str]) -> None:
    write(project, "alerts/hooks.py", f"""
        from generator.builders.notifications import webhook
        hook = webhook(uid="hook", name="hook", url="https://hooks.example.invalid/x", {args})
        """)
    assert_usage_error(gac("build", "--root", str(project)), "alerts/hooks.py:2", "contact point 'hook'", *needles)


# -- 4. a contact point's secret with no grafana.yaml mapping ---------------------------------

HOOK = """
from generator.builders.notifications import webhook
hook = webhook(uid="hook", name="hook")
"""


def test_an_unmapped_contact_point_secret_stops_the_build(project: Path) -> None:
    write(project, "alerts/hooks.py", HOOK)
    result = gac("build", "--root", str(project))
    assert result.exit_code == 1, result.output
    assert "notification-secret-unmapped" in result.output
    for env in ("local", "prod"):
        assert f"environments.{env}.contact_points.hook.secrets.url" in result.output
    assert not (project / "generated").exists()
    linted = gac("lint", "--root", str(project))
    assert linted.exit_code == 1 and "environments.local.contact_points.hook.secrets.url" in linted.output


def test_a_mapped_contact_point_secret_builds(project: Path) -> None:
    write(project, "alerts/hooks.py", HOOK)
    config = project / "grafana.yaml"
    config.write_text(config.read_text().replace(
        "    contact_points:\n", "    contact_points:\n      hook:\n        secrets:\n          url: HOOK_URL\n"))
    result = gac("build", "--root", str(project))
    assert "notification-secret-unmapped" not in result.output
    assert result.exit_code == 0, result.output


def test_a_mapping_for_a_misspelt_uid_is_pointed_out(project: Path) -> None:
    write(project, "alerts/hooks.py", HOOK)
    config = project / "grafana.yaml"
    config.write_text(config.read_text().replace(
        "    contact_points:\n", "    contact_points:\n      hoook:\n        secrets:\n          url: HOOK_URL\n"))
    result = gac("build", "--root", str(project))
    assert result.exit_code == 1
    assert "'hoook': a typo for 'hook'?" in result.output


def test_a_mapped_key_the_contact_point_does_not_declare_is_reported() -> None:
    envs = {"local": {"contact_points": {"team": {"secrets": {"url": "TEAM_URL", "token": "TEAM_TOKEN"}}}}}
    found = only(lint_project(*nt.setup(contact_points=[nt.secret(nt.TEAM, "url"), nt.ONCALL]), environments=envs),
                 "notification-secret-unmapped")
    assert [f.message.split(" in grafana.yaml")[0] for f in found] == ["environments.local.contact_points.team.secrets.token"]


# -- 5. a secret given as a builder argument ---------------------------------------------------

SECRET_URL = "https://hooks.slack.com/services/T000/B000/s3cr3tXYZ"


@pytest.mark.parametrize("call, needles", [
    (f"slack(uid='chat', name='chat', url='{SECRET_URL}')",
     ["url is a secret setting of a slack integration", "grafana.yaml",
      "environments.<env>.contact_points.chat.secrets.url"]),
    (f"slack(uid='chat', name='chat', token='{SECRET_URL}')",
     ["environments.<env>.contact_points.chat.secrets.token", "pass secret='token'"]),
    (f"pagerduty(uid='pd', name='pd', integration_key='{SECRET_URL}')",
     ["environments.<env>.contact_points.pd.secrets.integrationKey"]),
    (f"teams(uid='t', name='t', url='{SECRET_URL}')", ["environments.<env>.contact_points.t.secrets.url"]),
    (f"webhook(uid='w', name='w', password='{SECRET_URL}')",
     ["environments.<env>.contact_points.w.secrets.password", "secrets=('password',)"]),
    (f"ContactPoint('c', 'c', 'slack', settings={{'url': '{SECRET_URL}'}})",
     ["settings url of a slack integration are secret", "secrets=('url',)",
      "environments.<env>.contact_points.c.secrets.url"]),
    ("teams(uid='t', name='t', titel='x')", ["teams() takes no argument 'titel'; did you mean 'title'?"]),
])
def test_a_secret_given_to_a_builder_says_where_secrets_go(project: Path, call: str, needles: list[str]) -> None:
    write(project, "alerts/chat.py", f"""
        from generator.builders.notifications import ContactPoint, pagerduty, slack, teams, webhook
        chat = {call}
        """)
    result = gac("build", "--root", str(project))
    assert_usage_error(result, "alerts/chat.py:2", *needles)
    assert "TypeError" not in result.output
    assert "s3cr3t" not in result.output  # the value itself is never repeated


# -- 6. gac routes --at ------------------------------------------------------------------------

def _routes(root: Path, *args: str) -> str:
    result = gac("routes", "--root", str(root), "severity=warning", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_routes_at_a_given_time_speaks_of_that_time(built: Path) -> None:
    # Tuesday 07:00 in London: inside the weekly maintenance window that mutes warnings
    out = _routes(built, "--at", "2026-03-03T07:00:00Z")
    assert "(muted at 2026-03-03T07:00:00Z)" in out
    assert "mute timing 'weekly-maintenance': active at 2026-03-03T07:00:00Z" in out
    assert " now" not in out
    out = _routes(built, "--at", "2026-03-04T07:00:00Z")
    assert "not active at 2026-03-04T07:00:00Z" in out and " now" not in out


def test_routes_quiet_prints_only_the_contact_points_reached(built: Path) -> None:
    full = _routes(built, "--at", "2026-03-03T07:00:00Z")
    quiet = _routes(built, "--at", "2026-03-03T07:00:00Z", "--quiet").splitlines()
    # one line per delivery, its contact point as the full explanation numbers it, mute state kept
    reached = [line.split("contact point ", 1)[1] for line in full.splitlines() if ". contact point " in line]
    assert reached and [line.replace("'", "") for line in quiet] == [r.replace("'", "") for r in reached]
    assert any("(muted at 2026-03-03T07:00:00Z)" in line for line in quiet)
    assert not any(line.startswith(("labels:", "at:", "   ")) for line in quiet)


def test_routes_without_at_speaks_of_now(built: Path) -> None:
    out = _routes(built)
    assert "active now" in out


def test_routes_label_with_an_escape_alertmanager_refuses(built: Path) -> None:
    """Quoted label values take Go's escapes, as matcher values do; a bad one is a usage error."""
    assert_usage_error(gac("routes", "--root", str(built), 'code="5\\d"'), "label 'code=\"5\\d\"'",
                       "is not an escape sequence")


def test_group_wait_may_be_zero_but_not_the_intervals(project: Path) -> None:
    """Alertmanager sends a group's first notification at once with group_wait 0s; a zero
    group_interval or repeat_interval it refuses (Route.ValidateChild)."""
    _replace(project / "alerts" / "notifications.py", 'group_wait="30s"', 'group_wait="0s"')
    assert gac("build", "--root", str(project)).exit_code == 0
    _replace(project / "alerts" / "notifications.py", 'repeat_interval="1h"', 'repeat_interval="0s"')
    assert_usage_error(gac("build", "--root", str(project)), "alerts/notifications.py:", "repeat_interval",
                       "duration must be greater than 0")
