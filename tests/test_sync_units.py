"""The sync's building blocks on their own: semantic diff, retry policy, settings, redaction,
normalization of what Grafana fills in, progress rendering. No server needed."""

from __future__ import annotations

import copy
import io
import random

import pytest

from generator.diff import diff_bodies, entry_text, semantic_diff
from generator.handlers import HANDLERS
from generator.handlers.alert_rule_group import duration
from generator.handlers.live import canonical, content_hash, same_json
from generator.remote.connection import Redactor, settings_from
from generator.sync.errors import SyncError
from generator.sync.progress import ProgressBar
from generator.remote.retry import RetryPolicy, parse_retry_after

DASHBOARD = {
    "title": "APM",
    "tags": ["managed-by-gac"],
    "templating": {"list": [{"name": "service", "query": "label_values(up, service_name)"}]},
    "panels": [
        {"id": 1, "type": "row", "title": "Overview", "collapsed": True, "panels": [
            {"id": 2, "type": "stat", "title": "Errors", "gridPos": {"x": 0, "y": 1, "w": 6, "h": 8},
             "targets": [{"refId": "A", "expr": "sum(rate(errors_total[5m]))"}],
             "fieldConfig": {"defaults": {"unit": "percentunit", "thresholds": {"mode": "absolute", "steps": [
                 {"color": "green", "value": None}, {"color": "red", "value": 0.05}]}}, "overrides": []}},
        ]},
    ],
}


def describe(entries) -> list[str]:  # type: ignore[no-untyped-def]
    return [entry_text(e) for e in entries]


def test_dashboard_diff_names_panel_query_threshold_and_variable() -> None:
    new = copy.deepcopy(DASHBOARD)
    panel = new["panels"][0]["panels"][0]
    panel["targets"][0]["expr"] = "sum(rate(errors_total[1m]))"
    panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.1
    panel["gridPos"]["w"] = 12
    new["templating"]["list"][0]["query"] = "label_values(up, job)"
    lines = describe(diff_bodies(HANDLERS["dashboard"], DASHBOARD, new))
    assert lines == [
        'panel "Errors" (id 2) › thresholds: "green, red 0.05" → "green, red 0.1"',
        'panel "Errors" (id 2) › position: "6×8 at 0,1" → "12×8 at 0,1"',
        'panel "Errors" (id 2) › query A › expr: "sum(rate(errors_total[5m]))" → "sum(rate(errors_total[1m]))"',
        'variable $service › query: "label_values(up, service_name)" → "label_values(up, job)"',
    ]


def test_dashboard_diff_added_and_removed_panels_are_named() -> None:
    new = copy.deepcopy(DASHBOARD)
    new["panels"][0]["panels"] = [{"id": 3, "type": "timeseries", "title": "Latency"}]
    lines = describe(diff_bodies(HANDLERS["dashboard"], DASHBOARD, new))
    assert 'panel "Errors" (id 2): removed (was "Errors")' in lines
    assert 'panel "Latency" (id 3): added "Latency"' in lines


def test_numbers_as_grafana_answers_them_are_no_change() -> None:
    old = copy.deepcopy(DASHBOARD)
    old["panels"][0]["panels"][0]["gridPos"]["h"] = 8.0
    assert diff_bodies(HANDLERS["dashboard"], old, DASHBOARD) == []
    assert same_json({"a": 8.0}, {"a": 8}) and not same_json({"a": True}, {"a": 1})
    assert content_hash({"b": 1, "a": [2.0]}) == content_hash({"a": [2], "b": 1})
    assert canonical({"x": [1.5, 2.0]}) == {"x": [1.5, 2]}


def test_rule_group_diff_names_rule_threshold_pending_and_interval() -> None:
    rule = {"uid": "r1", "title": "High errors", "for": "5m", "data": [
        {"refId": "A", "datasourceUid": "prometheus", "model": {"expr": "up"}},
        {"refId": "C", "datasourceUid": "__expr__", "model": {"type": "threshold", "expression": "A",
                                                              "conditions": [{"evaluator": {"type": "gt", "params": [1]}}]}}]}
    old = {"title": "g", "interval": 60, "rules": [rule]}
    new = copy.deepcopy(old)
    new["interval"] = 120
    new["rules"][0]["for"] = "10m"
    new["rules"][0]["data"][1]["model"]["conditions"][0]["evaluator"]["params"] = [5]
    assert describe(diff_bodies(HANDLERS["alert-rule-group"], old, new)) == [
        'evaluation interval: "60s" → "120s"',
        'rule "High errors" › expression C (threshold) › threshold: "A > 1" → "A > 5"',
        'rule "High errors" › pending period: "5m" → "10m"',
    ]


def test_semantic_diff_of_comparison_forms_reports_folder_and_extras() -> None:
    entries = semantic_diff(HANDLERS["dashboard"], {"folder": "a", "body": {"title": "x"}},
                            {"folder": "b", "body": {"title": "x"}})
    assert describe(entries) == ['folder: "a" → "b"']
    assert entries[0].to_json() == {"path": ["folder"], "op": "changed", "before": "a", "after": "b"}


def test_rule_normalization_drops_what_grafana_fills_in() -> None:
    handler = HANDLERS["alert-rule-group"]
    sent = {"title": "g", "folderUid": "f", "interval": 60, "rules": [{
        "uid": "r", "title": "t", "for": "300s", "labels": {"a": "b"}, "annotations": {"gacSync": "hash"},
        "data": [{"refId": "A", "model": {"expr": "up"}}]}]}
    answered = {"title": "g", "folderUid": "f", "interval": 60, "rules": [{
        "id": 4, "uid": "r", "orgID": 1, "title": "t", "for": "5m", "keep_firing_for": "0s", "labels": {"a": "b"},
        "updated": "2026-01-01T00:00:00Z", "provenance": "api", "isPaused": False, "notification_settings": None,
        "record": None, "data": [{"refId": "A", "queryType": "", "model": {"expr": "up", "intervalMs": 1000,
                                                                          "maxDataPoints": 43200}}]}]}
    assert handler.normalize(sent) == handler.normalize(answered)
    assert duration("90s") == "1m30s" and duration("0s") == "0s" and duration("1h") == "1h"


def test_datasource_normalization_and_placeholders() -> None:
    from generator.resource import Resource

    handler = HANDLERS["datasource"]
    resource = Resource("datasource", "prom", {"uid": "prom", "name": "P", "type": "prometheus", "access": "proxy",
                                               "url": "${datasources.prom.url}", "jsonData": {"x": 1}})
    env = {"datasources": {"prom": {"url": "http://prom:9090", "basicAuth": True, "basicAuthUser": "g",
                                    "secrets": {"basicAuthPassword": "PROM_PASSWORD"}}}}
    resolved = handler.resolve(resource, env)
    assert resolved.body["url"] == "http://prom:9090" and resolved.body["basicAuthUser"] == "g"
    assert resource.body["url"] == "${datasources.prom.url}"  # the input is left alone
    assert handler.secrets_needed(resource, env) == {"basicAuthPassword": "PROM_PASSWORD"}
    live = {**resolved.body, "id": 3, "version": 2, "user": "", "database": "", "withCredentials": False,
            "readOnly": False, "secureJsonFields": {"basicAuthPassword": True},
            "jsonData": {"x": 1, "gacSync": {"hash": "h", "version": 2}}}
    assert handler.normalize(live) == handler.normalize(resolved.body)
    from generator.errors import ConfigError

    with pytest.raises(ConfigError, match="datasources.prom.url"):
        handler.resolve(resource, {})


def test_contact_point_secrets_needed_refuses_every_gap() -> None:
    """Sync reads the same mapping lint's notification-secret-unmapped reports on."""
    from generator.errors import ConfigError
    from generator.resource import Resource

    handler = HANDLERS["contact-point"]
    resource = Resource("contact-point", "hook", {"uid": "hook", "name": "Hook", "type": "webhook",
                                                  "settings": {}, "secretSettings": ["url", "password"]})
    both = {"contact_points": {"hook": {"secrets": {"url": "HOOK_URL", "password": "HOOK_PW"}}}}
    assert handler.secrets_needed(resource, both) == {"password": "HOOK_PW", "url": "HOOK_URL"}
    with pytest.raises(ConfigError, match=r"contact_points\.hook\.secrets: .*needs password"):
        handler.secrets_needed(resource, {"contact_points": {"hook": {"secrets": {"url": "HOOK_URL"}}}})
    with pytest.raises(ConfigError, match="needs password, url"):
        handler.secrets_needed(resource, {})
    extra = {"contact_points": {"hook": {"secrets": {"url": "U", "password": "P", "token": "T"}}}}
    with pytest.raises(ConfigError, match=r"secrets\.token: not a secret setting .*its secrets: password, url"):
        handler.secrets_needed(resource, extra)


def test_retry_policy_and_retry_after() -> None:
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4, rng=random.Random(1))
    assert policy.should_retry(503, 1) and policy.should_retry(None, 2) and policy.should_retry(429, 1)
    assert not policy.should_retry(503, 3) and not policy.should_retry(500, 1) and not policy.should_retry(412, 1)
    assert all(0 <= policy.delay(n) <= min(4, 0.5 * 2 ** (n - 1)) for n in range(1, 8))
    assert 2.0 <= policy.delay(1, retry_after=2.0) <= 2.05
    assert policy.delay(1, retry_after=3600) <= policy.max_retry_after + 0.05
    assert parse_retry_after("7") == 7.0 and parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_settings_precedence_and_messages() -> None:
    env = {"url": "https://grafana.example.com", "token_env": "PROD_TOKEN"}
    s = settings_from(env, {"PROD_TOKEN": "t0ken-value"})
    assert (s.url, s.token, s.credential_source) == ("https://grafana.example.com", "t0ken-value", "PROD_TOKEN")
    assert "t0ken-value" not in repr(s)
    s = settings_from({}, {"GRAFANA_URL": "http://u:pw-secret@localhost:3000/grafana/", "GRAFANA_ORG_ID": "3"})
    assert (s.url, s.user, s.org_id) == ("http://localhost:3000/grafana", "u", 3)
    assert settings_from({}, {"GRAFANA_URL": "http://x", "GRAFANA_TOKEN": "abc"}, insecure=True).verify is False
    assert settings_from({}, {"GRAFANA_URL": "http://x", "GRAFANA_TOKEN": "abc"}, ca_cert="/ca.pem").verify == "/ca.pem"
    with pytest.raises(SyncError, match="GRAFANA_TOKEN.*GRAFANA_USER and GRAFANA_PASSWORD"):
        settings_from({"url": "http://x"}, {})
    with pytest.raises(SyncError, match="no Grafana URL"):
        settings_from({}, {"GRAFANA_TOKEN": "abc"})
    with pytest.raises(SyncError, match="GRAFANA_ORG_ID"):
        settings_from({}, {"GRAFANA_URL": "http://x", "GRAFANA_TOKEN": "abc", "GRAFANA_ORG_ID": "main"})


def test_credentials_are_named_where_they_came_from() -> None:
    """A refusal names the credentials' source: not GRAFANA_USER/GRAFANA_PASSWORD when neither is set."""
    url = {"GRAFANA_URL": "http://u:pw-secret@localhost:3000"}
    assert settings_from({}, url).credential_source == "the user:password in GRAFANA_URL"
    assert settings_from({"url": "http://u:pw@h:3000"}, {}, env_name="prod").credential_source == \
        "the user:password in `url` of environment 'prod' in grafana.yaml"
    assert settings_from({}, {**url, "GRAFANA_PASSWORD": "other"}).credential_source == \
        "the user in GRAFANA_URL and GRAFANA_PASSWORD"
    assert settings_from({}, {**url, "GRAFANA_USER": "a", "GRAFANA_PASSWORD": "b"}).credential_source == \
        "GRAFANA_USER/GRAFANA_PASSWORD"


def test_grafana_url_in_place_of_the_environments_is_told() -> None:
    env = {"url": "https://grafana.example.com/", "token_env": "PROD_TOKEN"}
    token = {"PROD_TOKEN": "t0ken-value"}
    assert settings_from(env, token).replaced_url is None
    for same in ("https://grafana.example.com", "https://GRAFANA.example.com:443/", "https://u:p@grafana.example.com"):
        assert settings_from(env, {**token, "GRAFANA_URL": same}).replaced_url is None, same
    for other in ("http://grafana.example.com", "https://grafana.example.com:3000", "https://grafana.example.com/g"):
        assert settings_from(env, {**token, "GRAFANA_URL": other}).replaced_url == "https://grafana.example.com"
    moved = settings_from(env, {**token, "GRAFANA_URL": "http://localhost:3000"})
    assert (moved.url, moved.replaced_url) == ("http://localhost:3000", "https://grafana.example.com")
    with_password = settings_from({"url": "https://u:pw-secret@grafana.example.com"},
                                  {**token, "GRAFANA_URL": "http://localhost:3000", "GRAFANA_TOKEN": "t"})
    assert with_password.replaced_url is not None and "pw-secret" not in with_password.replaced_url


def test_redactor_hides_every_known_value() -> None:
    redact = Redactor(["glsa_abcdef", None, ""])
    redact.add("hunter2")
    assert redact("token glsa_abcdef and hunter2!") == "token [redacted] and [redacted]!"


def test_progress_bar_draws_only_when_enabled_and_long() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, enabled=True, min_total=5, width=10)
    bar.update("read", 0, 3)
    assert out.getvalue() == ""
    bar.update("read", 5, 10)
    assert "[#####-----] 5/10" in out.getvalue()
    bar.update("read", 10, 10)
    assert out.getvalue().endswith("\r")
    quiet = io.StringIO()
    ProgressBar(quiet, enabled=False).update("read", 50, 100)
    assert quiet.getvalue() == ""
