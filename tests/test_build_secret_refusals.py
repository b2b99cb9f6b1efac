"""A secret written into a definition is refused by `gac build` (exit 2, one line naming the file,
the line and the object, and where the secret belongs), generated/ is left as it was, and the value
is never repeated: a definition's body is committed in generated/. Each case here was built with
exit 0 and its secret written to generated/ (an adversarial sweep); so was a contact point of a
type Grafana does not have, refused by Grafana only when sync wrote it, after other objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.builders import DataSource, Prometheus
from generator.builders.notifications import SECURE_SETTINGS, ContactPoint, secure_settings, webhook
from tests.project import copy_project, write
from tests.test_build_bad_definitions import built, tree
from tests.test_user_trials import assert_usage_error, gac


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


def refused(project: Path, relpath: str, source: str, secret: str | None, *needles: str) -> str:
    """Build with `source` added as `relpath` (its object on line 3): exit 2, one line saying
    `needles`, never `secret`, and generated/ exactly as the clean build before left it."""
    before = built(project)
    write(project, relpath, f"from generator.builders import *\n\n{source}\n")
    result = gac("build", "--root", str(project))
    assert_usage_error(result, f"{relpath}:3: ", *needles)
    assert len(result.output.strip().splitlines()) == 1, result.output
    if secret is not None:
        assert secret not in result.output
        assert not any(secret.encode() in body for body in tree(project / "generated").values())
    assert tree(project / "generated") == before
    return result.output


# -- data sources -------------------------------------------------------------------------------

def test_a_user_and_password_in_a_data_source_url_are_refused_as_grafana_yaml_refuses_them(project: Path) -> None:
    refused(project, "datasources/mimir.py",
            'mimir = Prometheus(uid="mimir", name="Mimir", '
            'url="https://admin:S3cretPassw0rd@mimir.example.com/prometheus")',
            "S3cretPassw0rd",
            "data source 'mimir': url holds a user or password (user:password@)",
            "committed in generated/", "environments.<env>.datasources.mimir",
            "basicAuth: true, basicAuthUser: USER and secrets: {basicAuthPassword: VARIABLE}")


def test_a_token_in_a_data_source_urls_query_is_refused(project: Path) -> None:
    refused(project, "datasources/mimir.py",
            'mimir = Prometheus(uid="mimir", name="Mimir", url="https://mimir.example.com/prometheus?token=t0ps3cr3t")',
            "t0ps3cr3t", "data source 'mimir': url holds a credential in its query string (?token=)",
            "httpHeaderName1", "secrets: {httpHeaderValue1: VARIABLE}")


def test_secure_json_data_keys_written_in_json_data_are_refused(project: Path) -> None:
    out = refused(project, "datasources/mimir.py",
                  'mimir = Prometheus(uid="mimir", name="Mimir", json_data={"httpHeaderName1": "Authorization", '
                  '"httpHeaderValue1": "Bearer abcdef123456", "basicAuthPassword": "hunter2"})',
                  "abcdef123456",
                  "data source 'mimir': jsonData basicAuthPassword, httpHeaderValue1 are secrets",
                  "secureJsonData", "committed in generated/",
                  "environments.<env>.datasources.mimir.secrets: {basicAuthPassword: VARIABLE, "
                  "httpHeaderValue1: VARIABLE}")
    assert "hunter2" not in out


def test_a_sql_data_sources_password_in_json_data_is_refused(project: Path) -> None:
    refused(project, "datasources/pg.py",
            'pg = DataSource(uid="pg", name="Postgres", type="postgres", json_data={"password": "pw123"})',
            "pw123", "data source 'pg': jsonData password is a secret",
            "environments.<env>.datasources.pg.secrets: {password: VARIABLE}")


@pytest.mark.parametrize("json_data, says", [
    ('{"sigV4Auth": True, "sigV4AccessKey": "AKIAEXAMPLE", "sigV4SecretKey": "AKIAEXAMPLE"}',
     "jsonData sigV4AccessKey, sigV4SecretKey are secrets"),
    ('{"tlsAuth": True, "tlsClientKey": "AKIAEXAMPLE"}', "jsonData tlsClientKey is a secret"),
    ('{"httpHeaderName12": "X-Key", "httpHeaderValue12": "AKIAEXAMPLE"}', "jsonData httpHeaderValue12 is a secret"),
    # plugins' own secureJsonData keys (CloudWatch secretKey, an InfluxDB token, ...)
    ('{"secretKey": "AKIAEXAMPLE"}', "jsonData secretKey is a secret"),
    ('{"token": "AKIAEXAMPLE"}', "jsonData token is a secret"),
    ('{"azureCredentials": {"authType": "clientsecret", "clientSecret": "AKIAEXAMPLE"}}',
     "jsonData azureCredentials.clientSecret: a secret"),
    ('{"derivedFields": [{"name": "t", "url": "https://bot:AKIAEXAMPLE@jaeger.example.com/${__value.raw}"}]}',
     "jsonData derivedFields[0].url is a URL holding a user or password"),
])
def test_other_secrets_in_json_data_are_refused(project: Path, json_data: str, says: str) -> None:
    refused(project, "datasources/extra.py",
            f'extra = DataSource(uid="extra", name="Extra", type="prometheus", json_data={json_data})',
            "AKIAEXAMPLE", f"data source 'extra': {says}")


def test_data_sources_without_secrets_still_build() -> None:
    """Header names, auth switches and plain URLs are settings, not secrets."""
    Prometheus(uid="mimir", name="Mimir", url="https://mimir.example.com/prometheus?orgId=1",
               json_data={"httpHeaderName1": "X-Scope-OrgID", "sigV4Auth": False, "tlsAuth": True,
                          "oauthPassThru": True, "tokenUri": "https://oauth2.googleapis.com/token"})
    DataSource(uid="pg", name="Postgres", type="postgres", json_data={"database": "app", "sslmode": "require"})


# -- contact points -----------------------------------------------------------------------------

@pytest.mark.parametrize("cp_type, settings, key", [
    ("opsgenie", '{"apiKey": "c0ffee5ecret", "apiUrl": "https://api.opsgenie.com/v2/alerts"}', "apiKey"),
    ("telegram", '{"bottoken": "c0ffee5ecret", "chatid": "-100"}', "bottoken"),
    ("discord", '{"url": "https://discord.com/api/webhooks/1/c0ffee5ecret"}', "url"),
    ("googlechat", '{"url": "https://chat.googleapis.com/v1/spaces/x/messages?c0ffee5ecret"}', "url"),
    ("pushover", '{"apiToken": "c0ffee5ecret", "userKey": "c0ffee5ecret"}', "apiToken, userKey"),
    ("sensugo", '{"url": "http://sensu:8080", "apikey": "c0ffee5ecret"}', "apikey"),
    ("threema", '{"gateway_id": "*3MAGWID", "api_secret": "c0ffee5ecret"}', "api_secret"),
    ("webex", '{"room_id": "r", "bot_token": "c0ffee5ecret"}', "bot_token"),
    ("wecom", '{"secret": "c0ffee5ecret"}', "secret"),
    ("victorops", '{"url": "https://alert.victorops.com/c0ffee5ecret"}', "url"),
    ("LINE", '{"token": "c0ffee5ecret"}', "token"),
    ("kafka", '{"kafkaRestProxy": "http://kafka:8082", "kafkaTopic": "t", "password": "c0ffee5ecret"}', "password"),
    ("jira", '{"api_url": "https://x.atlassian.net/rest/api/3", "api_token": "c0ffee5ecret"}', "api_token"),
    ("prometheus-alertmanager", '{"url": "http://am:9093", "basicAuthPassword": "c0ffee5ecret"}',
     "basicAuthPassword"),
    ("oncall", '{"url": "https://oncall.example.com/x", "authorization_credentials": "c0ffee5ecret"}',
     "authorization_credentials"),
    ("matrix", '{"homeserverUrl": "https://m.example.com", "accessToken": "c0ffee5ecret"}', "accessToken"),
])
def test_a_secure_setting_of_any_integration_type_is_refused(project: Path, cp_type: str, settings: str,
                                                             key: str) -> None:
    first = key.split(", ")[0]
    refused(project, "alerts/extra_cp.py",
            f'extra = ContactPoint(uid="extra", name="extra", type="{cp_type}", settings={settings})',
            "c0ffee5ecret", f"contact point 'extra': settings {key} of a {cp_type} integration are secret",
            f"pass secrets=('{first}',)", f"environments.<env>.contact_points.extra.secrets.{first}")


@pytest.mark.parametrize("cp_type, settings, path", [
    ("webhook", '{"url": "https://h.example.com", "tlsConfig": {"clientKey": "c0ffee5ecret"}}',
     "tlsConfig.clientKey"),
    ("webhook", '{"url": "https://h.example.com", "hmacConfig": {"secret": "c0ffee5ecret"}}', "hmacConfig.secret"),
    ("mqtt", '{"brokerUrl": "tcp://b:1883", "topic": "t", "tlsConfig": {"caCertificate": "c0ffee5ecret"}}',
     "tlsConfig.caCertificate"),
    ("sns", '{"topic_arn": "arn:aws:sns:x", "sigv4": {"region": "eu-west-1", "secret_key": "c0ffee5ecret"}}',
     "sigv4.secret_key"),
])
def test_a_secure_setting_inside_a_settings_object_is_refused(project: Path, cp_type: str, settings: str,
                                                              path: str) -> None:
    refused(project, "alerts/extra_cp.py",
            f'extra = ContactPoint(uid="extra", name="extra", type="{cp_type}", settings={settings})',
            "c0ffee5ecret", f"contact point 'extra': settings {path} of a {cp_type} integration are secret")


@pytest.mark.parametrize("call, says", [
    ('webhook(uid="hook", name="hook", url="https://bot:c0ffee5ecret@hooks.example.com/alert")',
     "is a URL holding a user or password (user:password@)"),
    ('webhook(uid="hook", name="hook", url="https://hooks.example.com/alert?token=c0ffee5ecret")',
     "is a URL holding a credential in its query string (?token=)"),
    ('webhook(uid="hook", name="hook", url="https://fn.azurewebsites.net/api/alert?code=c0ffee5ecret")',
     "(?code=)"),
    ('ContactPoint(uid="hook", name="hook", type="webhook", '
     'settings={"url": "https://hooks.example.com/a?x=1&api_key=c0ffee5ecret"})', "(?api_key=)"),
    # DingDing's robot URL carries its access token, and Grafana does not mark the setting secure
    ('ContactPoint(uid="hook", name="hook", type="dingding", '
     'settings={"url": "https://oapi.dingtalk.com/robot/send?access_token=c0ffee5ecret"})', "(?access_token=)"),
])
def test_a_credential_in_a_contact_points_url_is_refused(project: Path, call: str, says: str) -> None:
    refused(project, "alerts/extra_cp.py", f"extra = {call}", "c0ffee5ecret", "contact point 'hook': settings url",
            says, "pass secrets=('url',)", "environments.<env>.contact_points.hook.secrets.url")


def test_an_unknown_integration_type_is_refused_with_the_closest_type(project: Path) -> None:
    refused(project, "alerts/extra_cp.py",
            'extra = ContactPoint(uid="pd2", name="pd2", type="pagerdutyy", secrets=("integrationKey",))', None,
            "contact point 'pd2': type 'pagerdutyy' is no integration type Grafana has", "did you mean 'pagerduty'?")


def test_an_unknown_type_with_no_close_one_lists_grafanas_types(project: Path) -> None:
    out = refused(project, "alerts/extra_cp.py", 'extra = ContactPoint(uid="x", name="x", type="carrier-pigeon")',
                  None, "type 'carrier-pigeon' is no integration type Grafana has")
    assert "its types: dingding, discord, email" in out and "webhook, wecom" in out


def test_a_dotted_secret_key_is_refused(project: Path) -> None:
    """gac puts secret values at the top level of settings: a dotted key would be stored in clear."""
    refused(project, "alerts/extra_cp.py",
            'extra = ContactPoint(uid="hook", name="hook", type="webhook", secrets=("url", "tlsConfig.clientKey"))',
            None, "contact point 'hook': secrets tlsConfig.clientKey: gac gives only top-level settings")


def test_contact_points_without_secret_values_still_build() -> None:
    """Declared secrets, Grafana's spelling of a type in another case, plain URLs, and a settings
    object without its secret field all pass."""
    ContactPoint(uid="og", name="og", type="opsgenie", settings={"apiUrl": "https://api.opsgenie.com/v2/alerts"},
                 secrets=("apiKey",))
    ContactPoint(uid="ln", name="ln", type="line", secrets=("token",))
    ContactPoint(uid="am", name="am", type="prometheus-alertmanager", settings={"url": "http://am:9093"})
    webhook(uid="w", name="w", url="https://hooks.example.com/alert?channel=ops")
    ContactPoint(uid="w", name="w", type="webhook",
                 settings={"url": "https://hooks.example.com/alert?channel=ops", "username": "gac",
                           "tlsConfig": {"insecureSkipVerify": False}}, secrets=("password",))


def test_every_type_is_known_and_its_secure_settings_are_found_whatever_its_case() -> None:
    for name, keys in SECURE_SETTINGS.items():
        assert secure_settings(name.upper()) == secure_settings(name.lower()) == keys
    assert secure_settings("pagerdutyy") == ()
