"""Who gets the alerts: contact points, message templates, mute timings and the policy tree.

Typed builders for the integrations most teams use (email, Slack, Microsoft Teams,
PagerDuty, webhook) and a generic one for any other Grafana integration. Every body is
the provisioning API's shape, so `generated/` shows exactly what sync sends.

Secrets (webhook URLs, integration keys, passwords) are never arguments: a builder names
the *settings keys* that are secret (`secretSettings` in the generated body, stripped
before writing), and grafana.yaml names, per environment, the environment variable that
holds each value (`contact_points.<uid>.secrets.<key>: VARIABLE`), as for data sources.
A value for a setting Grafana keeps secret, or a URL carrying credentials, is refused where the
definition makes it, and so is a type Grafana has no integration for (`SECURE_SETTINGS` lists them).
"""

from __future__ import annotations

from functools import partial

import difflib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..resource import CONTACT_POINT, MUTE_TIMING, NOTIFICATION_POLICY_TREE, NOTIFICATION_TEMPLATE, Resource, \
    Source, caller_source
from ..routing import matchers as m
from ..routing import timeintervals as ti
from .checks import Checks
from ..urls import url_credentials
from .datasources import walk
from .durations import seconds

#: the key of the generated body listing the settings whose values come from the environment
SECRET_SETTINGS = "secretSettings"
#: the one uid the policy tree has (Grafana keeps one tree per organisation)
POLICY_TREE_UID = "policies"
#: Grafana requires a rule's simplified-routing group_by to hold these two labels
REQUIRED_GROUP_BY = ("alertname", "grafana_folder")
_NAME_HINT = "give it a name people recognise; policies and rules refer to it by name"
#: Every integration type Grafana has, each with the settings its notifier marks `Secure: true`:
#: Grafana stores them encrypted and answers "[REDACTED]", so a value for one in a definition would
#: be written to generated/ and committed. A setting inside a settings object is named by its path
#: ("tlsConfig.clientKey"), as Grafana's `getSecretFields` joins a subform's fields to its name.
#: Sources (keep tests/grafana_emulator/handlers/notifications.py's SECURE_KEYS, written from the
#: same ones, equal to this: tests/test_notification_secure_settings.py checks that they are):
#: - grafana/grafana pkg/services/ngalert/notifier/channels_config/available_channels.go,
#:   `GetAvailableNotifiers` and `GetSecretKeysForContactPointType` (id 16932005; the same list moved
#:   to grafana/alerting receivers/config/available_channels.go, id 53392955059);
#: - grafana/alerting's per-type schemas of later releases: receivers/schema/known_types.go (the types,
#:   id 53317012621), webhook's hmacConfig and http_config (receivers/webhook/v1/config.go id
#:   53410869603, http V1HttpClientOption/V1TLSSubformOptions id 53136018686), matrix
#:   (receivers/matrix/v1/config.go id 53734888378). `wechat` is not here: Grafana has only a Mimir
#:   version of it, which cannot be created (CanCreate: false, receivers/wechat/v0mimir1/config.go
#:   id 53150114451).
#: Teams' `url` is `Protected`, not `Secure`, in Grafana (receivers/teams/v1/config.go id 53127695905),
#: so Grafana answers it in clear; it is an incoming-webhook credential all the same, and gac keeps it
#: out of definitions (the emulator redacts it: the harsher case).
SECURE_SETTINGS: dict[str, tuple[str, ...]] = {
    "dingding": (),
    "discord": ("url",),
    "email": (),
    "googlechat": ("url",),
    "jira": ("api_token", "password", "user"),
    "kafka": ("password",),
    "LINE": ("token",),
    "matrix": ("accessToken",),
    "mqtt": ("password", "tlsConfig.caCertificate", "tlsConfig.clientCertificate", "tlsConfig.clientKey"),
    "oncall": ("authorization_credentials", "password"),
    "opsgenie": ("apiKey",),
    "pagerduty": ("integrationKey",),
    "prometheus-alertmanager": ("basicAuthPassword",),
    "pushover": ("apiToken", "userKey"),
    "sensugo": ("apikey",),
    "slack": ("token", "url"),
    "sns": ("sigv4.access_key", "sigv4.secret_key"),
    "teams": ("url",),
    "telegram": ("bottoken",),
    "threema": ("api_secret",),
    "victorops": ("url",),
    "webex": ("bot_token",),
    "webhook": ("authorization_credentials", "hmacConfig.secret", "http_config.oauth2.client_secret",
                "http_config.oauth2.tls_config.caCertificate", "http_config.oauth2.tls_config.clientCertificate",
                "http_config.oauth2.tls_config.clientKey", "password", "tlsConfig.caCertificate",
                "tlsConfig.clientCertificate", "tlsConfig.clientKey"),
    "wecom": ("secret", "url"),
}
#: Grafana matches an integration type without regard to case (`strings.EqualFold` in
#: `ConfigForIntegrationType` and `GetSecretKeysForContactPointType`, id 16932005)
_TYPES = {name.lower(): name for name in SECURE_SETTINGS}
#: a settings value that is a URL (`scheme://...`), checked for credentials
_URL_VALUE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")


def integration_type(value: str) -> str | None:
    """Grafana's spelling of the integration type `value` names, or None where Grafana has no such type."""
    return _TYPES.get(value.lower())


def secure_settings(type_: str) -> tuple[str, ...]:
    """The settings (paths) an integration of `type_` keeps secret; none for a type Grafana lacks."""
    known = integration_type(type_)
    return SECURE_SETTINGS[known] if known else ()


def _holds(settings: dict[str, Any], path: str) -> bool:
    """Does `settings` hold the setting at `path` ("tlsConfig.clientKey": inside tlsConfig)?"""
    node: Any = settings
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def secret_hint(uid: Any, key: str) -> str:
    """Where a contact point's secret value belongs: the grafana.yaml key naming its variable."""
    return (f"name the environment variable holding it in grafana.yaml, "
            f"environments.<env>.contact_points.{uid}.secrets.{key}: VARIABLE_NAME")


@dataclass
class ContactPoint:
    """One integration of a contact point; integrations sharing a `name` form one contact point.

    `settings` are the integration's non-secret settings as Grafana's API spells them;
    `secrets` lists the settings keys whose values grafana.yaml provides per environment.
    """

    uid: str
    name: str
    type: str
    settings: dict[str, Any] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    disable_resolve_message: bool = False
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        check = Checks(f"contact point {self.uid!r}" if isinstance(self.uid, str) else "ContactPoint", self.source)
        check.uid(self.uid, "give it a stable uid (letters, digits, - and _, at most 40) so sync updates it")
        check.text("name", self.name, _NAME_HINT)
        check.text("type", self.type, "use the integration's Grafana type, e.g. 'email', 'slack', 'opsgenie'")
        check.instance("settings", self.settings, dict, "a dict", "pass the integration's settings as a dict")
        check.items("secrets", self.secrets, str, "a settings key",
                    "list the secret settings' keys, e.g. ('url',) -- a bare string is not a list")
        known = integration_type(self.type)
        if known is None:
            close = difflib.get_close_matches(self.type.lower(), sorted(_TYPES), n=1, cutoff=0.6)
            check.fail(f"type {self.type!r} is no integration type Grafana has (sync would be refused writing "
                       "this contact point, after writing others)"
                       + (f"; did you mean {_TYPES[close[0]]!r}?" if close else
                          f"; its types: {', '.join(sorted(SECURE_SETTINGS, key=str.lower))}"))
        nested = sorted(key for key in self.secrets if "." in key)
        if nested:
            check.fail(f"secrets {', '.join(nested)}: gac gives only top-level settings their values from the "
                       "environment (a dotted key would reach Grafana as a top-level setting, stored in clear)")
        self._refuse_secret_values(check, known)
        check.instance("disable_resolve_message", self.disable_resolve_message, bool, "true or false", "")

    def _refuse_secret_values(self, check: Checks, known: str) -> None:
        """No secret value in `settings`: the body is committed in generated/. Secret are: the keys the
        definition declares, the settings Grafana's notifier of the type marks secure, and any URL
        carrying `user:password@` or a credential in its query string."""
        leaked = sorted(set(self.secrets) & set(self.settings))
        if leaked:
            check.fail(f"settings {', '.join(leaked)} are secrets: remove their values from the definition and "
                       + secret_hint(self.uid, leaked[0]))
        undeclared = [path for path in SECURE_SETTINGS[known] if _holds(self.settings, path)]
        top = [path for path in undeclared if "." not in path]
        if top:
            check.fail(f"settings {', '.join(top)} of a {known} integration are secret (Grafana stores "
                       f"them encrypted) and never go in a definition, whose body is committed in generated/: remove "
                       f"the value, pass secrets=({top[0]!r},), and " + secret_hint(self.uid, top[0]))
        if undeclared:
            check.fail(f"settings {', '.join(undeclared)} of a {known} integration are secret (Grafana stores them "
                       "encrypted) and never go in a definition, whose body is committed in generated/: remove the "
                       "value (gac gives only top-level settings their values from the environment)")
        for path, key, value in walk(self.settings, ""):
            carried = url_credentials(value) if isinstance(value, str) and _URL_VALUE.fullmatch(value.strip()) \
                else None
            if carried is None:
                continue
            if path == key:
                builder = " (webhook(): leave url out)" if (known, key) == ("webhook", "url") else ""
                check.fail(f"settings {key} is a URL holding {carried}, and a definition's body is committed in "
                           f"generated/: remove its value and make the whole setting a secret -- pass "
                           f"secrets=({key!r},){builder} -- and {secret_hint(self.uid, key)}")
            check.fail(f"settings {path} is a URL holding {carried}, and a definition's body is committed in "
                       "generated/: remove the credential from it")

    def to_resource(self) -> Resource:
        body: dict[str, Any] = {"uid": self.uid, "name": self.name, "type": self.type,
                                "settings": dict(self.settings),
                                "disableResolveMessage": self.disable_resolve_message}
        if self.secrets:
            body[SECRET_SETTINGS] = sorted(self.secrets)
        return Resource(CONTACT_POINT, self.uid, body, None, self.source)


def _settings(**values: Any) -> dict[str, Any]:
    """Settings without the ones left unset (Grafana's own defaults then apply)."""
    return {k: v for k, v in values.items() if v is not None}


def _integration(builder: Callable[..., ContactPoint], uid: str, name: str, type_: str, settings: dict[str, Any],
                 secrets: tuple[str, ...], kwargs: dict[str, Any]) -> ContactPoint:
    """The ContactPoint a typed builder makes; an argument it does not take is refused here, by name --
    a secret given as an argument (`url=...`) is told where secrets go instead of a bare TypeError."""
    source = kwargs.pop("source", None) or caller_source()
    check = Checks(f"contact point {uid!r}" if isinstance(uid, str) else builder.__name__, source)
    secret_of = {_plain(key): key for key in secure_settings(type_) + secrets if "." not in key}
    params = set(inspect.signature(builder).parameters) - {"kwargs"}
    for key in sorted(set(kwargs) - _CONTACT_POINT_OPTIONS):
        secret = secret_of.get(_plain(key))
        if secret is not None:
            declare = f"secret={secret!r}" if "secret" in params else f"secrets=({secret!r},)"
            declared = "" if secret in secrets else f"; and pass {declare} so the definition declares it"
            check.fail(f"{key} is a secret setting of a {type_} integration and never goes in a definition, whose "
                       f"body is committed in generated/: {secret_hint(uid, secret)}{declared}")
        accepted = sorted(params | _CONTACT_POINT_OPTIONS)
        close = difflib.get_close_matches(key, accepted, n=1)
        check.fail(f"{builder.__name__}() takes no argument {key!r}"
                   + (f"; did you mean {close[0]!r}?" if close else f" (it takes {', '.join(accepted)})"))
    return ContactPoint(uid, name, type_, settings, secrets=secrets, source=source, **kwargs)


#: ContactPoint's own options every typed builder passes through
_CONTACT_POINT_OPTIONS = frozenset({"disable_resolve_message"})


def _plain(key: str) -> str:
    """`integration_key`, `integrationKey` and `IntegrationKey` name one setting."""
    return key.replace("_", "").lower()


def email(uid: str, name: str, addresses: list[str], *, subject: str | None = None, message: str | None = None,
          single_email: bool = False, **kwargs: Any) -> ContactPoint:
    """E-mail to `addresses` (Grafana's SMTP settings are server-side, so no secret here)."""
    if not isinstance(addresses, (list, tuple)) or not addresses or not all(isinstance(a, str) for a in addresses):
        Checks(f"contact point {uid!r}", kwargs.get("source") or caller_source()).fail(
            "addresses must be a non-empty list of e-mail addresses")
    return _integration(email, uid, name, "email",
                        _settings(addresses=";".join(addresses), subject=subject, message=message,
                                  singleEmail=single_email or None), (), kwargs)


def slack(uid: str, name: str, *, recipient: str | None = None, title: str | None = None, text: str | None = None,
          mention_channel: str | None = None, secret: str = "url", **kwargs: Any) -> ContactPoint:
    """Slack through an incoming-webhook URL (`secret="url"`) or a bot token (`secret="token"`, with `recipient`)."""
    return _integration(slack, uid, name, "slack", _settings(recipient=recipient, title=title, text=text,
                                                             mentionChannel=mention_channel), (secret,), kwargs)


def teams(uid: str, name: str, *, title: str | None = None, message: str | None = None,
          section_title: str | None = None, **kwargs: Any) -> ContactPoint:
    """Microsoft Teams through an incoming-webhook / workflow URL (secret `url`)."""
    return _integration(teams, uid, name, "teams",
                        _settings(title=title, message=message, sectiontitle=section_title), ("url",), kwargs)


def pagerduty(uid: str, name: str, *, severity: str = "critical", summary: str | None = None,
              component: str | None = None, group: str | None = None, class_: str | None = None,
              **kwargs: Any) -> ContactPoint:
    """PagerDuty Events API v2 (secret `integrationKey`)."""
    return _integration(pagerduty, uid, name, "pagerduty",
                        _settings(severity=severity, summary=summary, component=component, group=group,
                                  **{"class": class_}), ("integrationKey",), kwargs)


def webhook(uid: str, name: str, *, url: str | None = None, http_method: str = "POST", max_alerts: int = 0,
            title: str | None = None, message: str | None = None, **kwargs: Any) -> ContactPoint:
    """A generic webhook; without `url` the URL is a secret (`url` from the environment)."""
    source = kwargs["source"] = kwargs.get("source") or caller_source()  # walked once, _integration reads it
    check = Checks(f"contact point {uid!r}", source)
    check.instance("max_alerts", max_alerts, int, "a whole number", "the most alerts one message carries; 0: no limit")
    if max_alerts < 0:
        check.fail(f"max_alerts is {max_alerts}; use 0 (no limit) or a positive number")
    secrets = tuple(kwargs.pop("secrets", ())) + (() if url else ("url",))
    return _integration(webhook, uid, name, "webhook",
                        _settings(url=url, httpMethod=http_method, maxAlerts=max_alerts or None, title=title,
                                  message=message), secrets, kwargs)


@dataclass
class NotificationTemplate:
    """A named group of Go templates (`{{ define "x" }}…{{ end }}`) that contact points call."""

    name: str
    template: str
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        check = Checks(f"notification template {self.name!r}" if isinstance(self.name, str) else
                       "NotificationTemplate", self.source)
        check.text("name", self.name, "name the template group (it is a file name in Grafana)")
        check.text("template", self.template, "write {{ define \"name\" }}…{{ end }} blocks")

    def to_resource(self) -> Resource:
        return Resource(NOTIFICATION_TEMPLATE, self.name, {"name": self.name, "template": self.template},
                        None, self.source)


def time_range(start: str, end: str) -> dict[str, str]:
    return {"start_time": start, "end_time": end}


@dataclass
class MuteTiming:
    """Named time intervals (Alertmanager syntax) during which the policies using it send nothing."""

    name: str
    time_intervals: list[dict[str, Any]]
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        check = Checks(f"mute timing {self.name!r}" if isinstance(self.name, str) else "MuteTiming", self.source)
        check.text("name", self.name, _NAME_HINT)
        check.items("time_intervals", self.time_intervals, dict, "a time interval",
                    "pass e.g. [{'weekdays': ['saturday'], 'times': [time_range('02:00', '04:00')]}]")
        check.parses("time_intervals", self.time_intervals, ti.parse_intervals, "see Alertmanager's time_intervals")

    def to_resource(self) -> Resource:
        intervals = [_canonical_interval(i) for i in self.time_intervals]
        return Resource(MUTE_TIMING, self.name, {"name": self.name, "time_intervals": intervals}, None, self.source)


def _canonical_interval(raw: dict[str, Any]) -> dict[str, Any]:
    """Week days and months lower-case, as Grafana answers them (Alertmanager re-marshals names)."""
    out = {k: v for k, v in raw.items() if v not in (None, [])}
    for key in ("weekdays", "months"):
        if key in out:
            out[key] = [str(v).lower() for v in out[key]]
    return out


_TIMING_KEYS = ("group_wait", "group_interval", "repeat_interval")


def _matchers(check: Checks, values: Any) -> list[list[str]]:
    """object_matchers from strings (read as Alertmanager's UTF-8 parser does), [name, op, value]
    lists or a dict of label → value; every value must survive Grafana's reading unchanged."""
    if values is None:
        return []
    if isinstance(values, dict):
        for key, value in values.items():
            check.instance(f"matchers[{key!r}]", value, str, "a string", "label values are strings")
        values = [[k, "=", v] for k, v in values.items()]
    if not isinstance(values, (list, tuple)):
        check.fail("matchers must be a list such as ['severity=\"critical\"'] or a dict of label → value")
    out = []
    for item in values:
        try:
            found = m.parse_all(item) if isinstance(item, str) else [m.from_object(item)]
        except m.MatcherError as exc:
            check.fail(str(exc))
        for matcher in found:
            if matcher.value[:1] == '"' or matcher.value[-1:] == '"':
                check.fail(f"matcher {matcher.text()}: Grafana drops a double quote at the start or end of a "
                           f"matcher's value when it reads the policy (grafana/grafana#50040), so it would match "
                           f"{m.grafana_object(matcher.to_object()).text()}; write the value without those quotes")
            out.append(matcher.to_object())
    return out


def _names(check: Checks, key: str, values: Any) -> list[str]:
    check.items(key, values, (MuteTiming, str), "a MuteTiming or its name",
                "pass a list, e.g. [maintenance] -- a bare string is not a list")
    return [v.name if isinstance(v, MuteTiming) else v for v in values]


def _timings(check: Checks, owner: Any) -> dict[str, Any]:
    """The timings and mute/active timings a policy or a rule's settings set (what both spell alike)."""
    out: dict[str, Any] = {}
    for key in _TIMING_KEYS:
        value = getattr(owner, key)
        if value is not None:
            # Grafana reads these as duration strings: a number would be refused at sync time;
            # group_wait may be 0 (send at once), the other two not (Route.ValidateChild:
            # "group_interval cannot be zero", "repeat_interval cannot be zero")
            check.instance(key, value, str, "a duration string", "use e.g. '30s', '5m', '4h'")
            check.parses(key, value, partial(seconds, allow_zero=key == "group_wait"), "")
            out[key] = value
    if owner.mute_timings:
        out["mute_time_intervals"] = _names(check, "mute_timings", owner.mute_timings)
    if owner.active_timings:
        out["active_time_intervals"] = _names(check, "active_timings", owner.active_timings)
    return out


def _receiver(value: Any) -> str | None:
    return value.name if isinstance(value, ContactPoint) else value


@dataclass
class Policy:
    """One notification policy: matchers, where matching alerts go, and its child policies.

    `receiver` (a ContactPoint or its name), `group_by`, timings left unset are inherited
    from the parent; `continue_` lets later siblings match too.
    """

    matchers: Any = None
    receiver: ContactPoint | str | None = None
    group_by: list[str] | None = None
    continue_: bool = False
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    mute_timings: list[MuteTiming | str] = field(default_factory=list)
    active_timings: list[MuteTiming | str] = field(default_factory=list)
    policies: list["Policy"] = field(default_factory=list)
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    @classmethod
    def from_route(cls, raw: dict[str, Any]) -> "Policy":
        """A policy (and its children) from a route as Grafana's API answers it (`gac pull`)."""
        found = m.of_route(raw)
        return cls(matchers=[x.to_object() for x in found] or None, receiver=raw.get("receiver") or None,
                   group_by=list(raw["group_by"]) if raw.get("group_by") else None,
                   continue_=bool(raw.get("continue")),
                   **{k: raw[k] for k in _TIMING_KEYS if raw.get(k)},
                   mute_timings=list(raw.get("mute_time_intervals") or []),
                   active_timings=list(raw.get("active_time_intervals") or []),
                   policies=[cls.from_route(c) for c in raw.get("routes") or [] if isinstance(c, dict)])

    def to_route(self, root: bool = False) -> dict[str, Any]:
        receiver = _receiver(self.receiver)
        check = Checks("notification policy tree" if root else "notification policy"
                       + (f" (to {receiver!r})" if isinstance(receiver, str) else ""), self.source)
        route: dict[str, Any] = {}
        if receiver is not None:
            check.text("receiver", receiver, "name a contact point")
            route["receiver"] = receiver
        elif root:
            check.fail("the root policy needs a receiver (the contact point for alerts no policy matches)")
        objects = _matchers(check, self.matchers)
        if objects:
            if root:
                check.fail("the root policy matches every alert: it takes no matchers")
            route["object_matchers"] = objects
        if self.group_by is not None:
            check.items("group_by", self.group_by, str, "a label name", "e.g. ['alertname', 'service_name']")
            route["group_by"] = list(self.group_by)
        check.instance("continue_", self.continue_, bool, "True or False", "")
        if self.continue_:
            route["continue"] = True
        route.update(_timings(check, self))
        if self.policies:
            check.items("policies", self.policies, Policy, "Policy", "nest Policy objects")
            route["routes"] = [p.to_route() for p in self.policies]
        return route


@dataclass
class PolicyTree:
    """The organisation's whole notification policy tree (Grafana keeps exactly one).

    gac writes it whole: a policy made in Grafana's UI and not in this definition is a
    conflict at sync time, never silently removed.
    """

    root: Policy
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        Checks("notification policy tree", self.source).instance(
            "root", self.root, Policy, "a Policy", "pass Policy(receiver=..., policies=[...])")
        self.root.to_route(root=True)  # fail at definition time, where the error points

    def to_resource(self) -> Resource:
        return Resource(NOTIFICATION_POLICY_TREE, POLICY_TREE_UID, self.root.to_route(root=True), None, self.source)


@dataclass
class NotificationSettings:
    """A rule's simplified routing: straight to `receiver`, bypassing the policy tree."""

    receiver: ContactPoint | str
    group_by: list[str] | None = None
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    mute_timings: list[MuteTiming | str] = field(default_factory=list)
    active_timings: list[MuteTiming | str] = field(default_factory=list)
    source: Source | None = field(default_factory=caller_source, compare=False, repr=False)

    def to_body(self) -> dict[str, Any]:
        """Grafana refuses a group_by without alertname and grafana_folder: they are added here."""
        check = Checks("notification_settings", self.source)
        receiver = _receiver(self.receiver)
        check.text("receiver", receiver, "name a contact point")
        body: dict[str, Any] = {"receiver": receiver}
        if self.group_by is not None:
            check.items("group_by", self.group_by, str, "a label name", "e.g. ['service_name']")
            extra = [] if "..." in self.group_by else [g for g in REQUIRED_GROUP_BY if g not in self.group_by]
            body["group_by"] = extra + list(self.group_by)
        body.update(_timings(check, self))
        return body
