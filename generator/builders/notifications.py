"""Who gets the alerts: contact points, message templates, mute timings and the policy tree.

Typed builders for the integrations most teams use (email, Slack, Microsoft Teams,
PagerDuty, webhook) and a generic one for any other Grafana integration. Every body is
the provisioning API's shape, so `generated/` shows exactly what sync sends.

Secrets (webhook URLs, integration keys, passwords) are never arguments: a builder names
the *settings keys* that are secret (`secretSettings` in the generated body, stripped
before writing), and grafana.yaml names, per environment, the environment variable that
holds each value (`contact_points.<uid>.secrets.<key>: VARIABLE`), as for data sources.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..resource import CONTACT_POINT, MUTE_TIMING, NOTIFICATION_POLICY_TREE, NOTIFICATION_TEMPLATE, Resource, \
    Source, caller_source
from ..routing import matchers as m
from ..routing import timeintervals as ti
from .checks import Checks
from .durations import seconds

#: the key of the generated body listing the settings whose values come from the environment
SECRET_SETTINGS = "secretSettings"
#: the one uid the policy tree has (Grafana keeps one tree per organisation)
POLICY_TREE_UID = "policies"
#: Grafana requires a rule's simplified-routing group_by to hold these two labels
REQUIRED_GROUP_BY = ("alertname", "grafana_folder")
_NAME_HINT = "give it a name people recognise; policies and rules refer to it by name"
#: settings Grafana's notifiers store encrypted and answer as "[REDACTED]", for the types with a builder
#: here: a value for one of them in a definition would be written to generated/ and committed
SECURE_SETTINGS: dict[str, tuple[str, ...]] = {
    "slack": ("url", "token"), "teams": ("url",), "pagerduty": ("integrationKey",),
    "webhook": ("password", "authorization_credentials"),
}


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
        leaked = sorted(set(self.secrets) & set(self.settings))
        if leaked:
            check.fail(f"settings {', '.join(leaked)} are secrets: remove their values from the definition and "
                       + secret_hint(self.uid, leaked[0]))
        undeclared = sorted(set(SECURE_SETTINGS.get(self.type, ())) & set(self.settings))
        if undeclared:
            check.fail(f"settings {', '.join(undeclared)} of a {self.type} integration are secret (Grafana stores "
                       f"them encrypted) and never go in a definition, whose body is committed in generated/: remove "
                       f"the value, pass secrets=({undeclared[0]!r},), and " + secret_hint(self.uid, undeclared[0]))
        check.instance("disable_resolve_message", self.disable_resolve_message, bool, "true or false", "")

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
    secret_of = {_plain(key): key for key in SECURE_SETTINGS.get(type_, ()) + secrets}
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
            # Grafana reads these as duration strings: a number would be refused at sync time
            check.instance(key, value, str, "a duration string", "use e.g. '30s', '5m', '4h'")
            check.parses(key, value, seconds, "")
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
