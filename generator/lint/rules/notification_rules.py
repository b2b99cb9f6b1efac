"""Rules about who gets the alerts: every rule reaches a contact point, every name exists,
templates and matchers are valid, no contact point is left unused."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Iterator

from ...builders.durations import seconds
from ...handlers.contact_point import secret_mapping
from ...routing import matchers as m
from ...routing import timeintervals as ti
from ...routing.explain import explain
from ...routing.tree import build
from .. import gotemplate
from ..notifications import NotificationSetContext
from ..registry import Issue, rule

_CALL = re.compile(r"\{\{-?\s*(template|define|block)\s+\"([^\"]+)\"")
#: Grafana's built-in notification templates (its default template file defines these and more)
_BUILTIN = re.compile(r"^(default\.|__|email\.|slack\.|teams\.|pagerduty\.|webhook\.)")
_TIMINGS = ("group_wait", "group_interval", "repeat_interval")


def _intervals(ctx: NotificationSetContext) -> dict[str, list[ti.Interval]]:
    out = {}
    for name, raw in ctx.mute_timings.items():
        try:
            out[name] = ti.parse_intervals(raw or [])
        except ti.IntervalError:
            out[name] = []
    return out


def _valid_tree(ctx: NotificationSetContext) -> bool:
    try:
        build(ctx.tree or {})
    except m.MatcherError:
        return False
    return True


@rule("notification-unrouted", "error", "Every alert rule must reach a contact point that is not always muted",
      "notifications", example="notifications")
def notification_unrouted(ctx: NotificationSetContext) -> Iterator[Issue]:
    """Follows the policy tree with each rule's labels (its own, alertname, grafana_folder),
    as Alertmanager does; the root's receiver counts. A route that ends with no contact point,
    or only in routes muted at every moment, means the alert pages nobody.

    Bad:
        tree: {receiver: "", routes: [{receiver: oncall, object_matchers: [[severity, "=", critical]]}]}
        contact_points: [{name: oncall, type: webhook, settings: {url: "http://x"}}]
        rules: [{uid: r1, title: Queue high, labels: {severity: warning}}]
    Good:
        tree: {receiver: team, routes: [{receiver: oncall, object_matchers: [[severity, "=", critical]]}]}
        contact_points: [{name: oncall, type: webhook, settings: {url: "http://x"}},
                         {name: team, type: webhook, settings: {url: "http://y"}}]
        rules: [{uid: r1, title: Queue high, labels: {severity: warning}}]
    """
    if ctx.tree is None or not _valid_tree(ctx):
        return
    intervals = _intervals(ctx)
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    for r in ctx.rules:
        if r.settings:
            continue  # simplified routing: its receiver is checked by notification-reference-unknown
        try:
            result = explain(ctx.tree, r.labels, intervals, now)
        except m.UnevaluableMatcher as exc:
            yield Issue(f"alert rule {r.uid!r} ({r.title}): gac cannot tell where it goes ({exc})",
                        "check its route with amtool, or match its labels without Unicode script classes",
                        at=r.location)
            continue
        if all(not d.receiver for d in result.deliveries):
            yield Issue(f"alert rule {r.uid!r} ({r.title}) reaches no contact point: the policy path "
                        f"{' › '.join(result.deliveries[0].path)} names no receiver",
                        "give the root policy a receiver, or add a policy matching its labels", at=r.location)
        elif all(d.muted_always for d in result.deliveries):
            yield Issue(f"alert rule {r.uid!r} ({r.title}) only reaches policies muted at all times",
                        "narrow the mute timing or route the rule elsewhere", at=r.location)


def _uid_hint(ctx: NotificationSetContext, receiver: Any) -> str:
    """A contact point's uid given where its name belongs (policies route by name): say so."""
    names = sorted({str(c.get("name")) for c in ctx.contact_points if c.get("uid") == receiver})
    return (f": {receiver!r} is the uid of contact point {names[0]!r}; policies and rules name a contact point, "
            "so pass the ContactPoint object (or its name)") if names else ""


@rule("notification-reference-unknown", "error", "Contact points, mute timings and templates referred to must exist",
      "notifications", example="notifications")
def notification_reference_unknown(ctx: NotificationSetContext) -> Iterator[Issue]:
    """Grafana refuses a policy tree naming a contact point or mute timing it does not have,
    and a message calling an undefined template renders an error instead of the alert. Names
    managed outside the repository are declared in grafana.yaml (`lint.notifications`).

    Bad:
        tree: {receiver: team, mute_time_intervals: [weekly]}
        contact_points: [{name: team, type: teams, settings: {message: '{{ template "x.msg" . }}'}}]
    Good:
        tree: {receiver: team}
        contact_points: [{name: team, type: teams, settings: {message: '{{ template "x.msg" . }}'}}]
        templates: {x: '{{ define "x.msg" }}{{ .CommonLabels.alertname }}{{ end }}'}
    """
    receivers, timings = ctx.receiver_names, ctx.timing_names
    if ctx.tree is not None:
        for route in _routes(ctx.tree):
            if route.get("receiver") and route["receiver"] not in receivers:
                yield Issue(f"policy names contact point {route['receiver']!r}, which is not defined "
                            f"(defined: {', '.join(sorted(receivers)) or 'none'}){_uid_hint(ctx, route['receiver'])}",
                            "define it, or declare it in lint.notifications.contact_points", at=ctx.where("tree", ""))
            for name in list(route.get("mute_time_intervals") or []) + list(route.get("active_time_intervals") or []):
                if name not in timings:
                    yield Issue(f"policy names mute timing {name!r}, which is not defined",
                                "define it, or declare it in lint.notifications.mute_timings", at=ctx.where("tree", ""))
    for r in ctx.rules:
        settings = r.settings or {}
        if settings.get("receiver") and settings["receiver"] not in receivers:
            yield Issue(f"alert rule {r.uid!r} notification_settings name contact point {settings['receiver']!r}, "
                        f"which is not defined{_uid_hint(ctx, settings['receiver'])}", "define it or fix the name",
                        at=r.location)
        for name in list(settings.get("mute_time_intervals") or []) + list(settings.get("active_time_intervals") or []):
            if name not in timings:
                yield Issue(f"alert rule {r.uid!r} notification_settings name mute timing {name!r}, which is not "
                            "defined", "define it or fix the name", at=r.location)
    defined = {name for text in ctx.templates.values() for kind, name in _CALL.findall(text) if kind != "template"}
    defined |= ctx.declared.get("templates", set())
    texts = [(f"contact point {c.get('name')!r}", ctx.where("contact-point", str(c.get("name"))), v)
             for c in ctx.contact_points for v in (c.get("settings") or {}).values() if isinstance(v, str)]
    texts += [(f"template {n!r}", ctx.where("template", n), t) for n, t in ctx.templates.items()]
    for owner, where, text in texts:
        for kind, name in _CALL.findall(text):
            if kind == "template" and name not in defined and not _BUILTIN.match(name):
                yield Issue(f"{owner} calls template {name!r}, which no notification template defines",
                            "define it with {{ define \"" + name + "\" }} in a NotificationTemplate", at=where)


@rule("notification-template-invalid", "error", "Notification templates must parse as Go templates",
      "notifications", example="notifications")
def notification_template_invalid(ctx: NotificationSetContext) -> Iterator[Issue]:
    """A template Grafana cannot parse is refused on save; one that parses with an unknown
    function fails at notification time, when it matters most.

    Bad:
        templates: {chat: '{{ define "chat.title" }}{{ .CommonLabels.alertname }}'}
    Good:
        templates: {chat: '{{ define "chat.title" }}{{ .CommonLabels.alertname }}{{ end }}'}
    """
    for name, text in sorted(ctx.templates.items()):
        result = gotemplate.check(text, variables=frozenset({"$"}))
        if not result.ok:
            yield Issue(f"template {name!r}: {result.error}", "fix the Go template syntax",
                        at=ctx.where("template", name))
    for c in ctx.contact_points:
        for key, value in sorted((c.get("settings") or {}).items()):
            if isinstance(value, str) and "{{" in value:
                result = gotemplate.check(value, variables=frozenset({"$"}))
                if not result.ok:
                    yield Issue(f"contact point {c.get('name')!r} setting {key}: {result.error}",
                                "fix the Go template syntax", at=ctx.where("contact-point", str(c.get("name"))))


@rule("notification-syntax", "error", "Matchers, durations and time intervals must be what Alertmanager accepts",
      "notifications", example="notifications")
def notification_syntax(ctx: NotificationSetContext) -> Iterator[Issue]:
    """Regexes are Go's RE2 (no look-around, no back-references), anchored whole; durations
    are Prometheus durations; time intervals use Alertmanager's syntax (HH:MM start before
    end, week days and months by name or number, a time-zone name).

    Bad:
        tree: {receiver: team, group_wait: 30 seconds, routes: [{receiver: team, object_matchers: [[service_name, "=~", "(?!canary).*"]]}]}
        contact_points: [{name: team, type: webhook, settings: {url: "http://x"}}]
    Good:
        tree: {receiver: team, group_wait: 30s, routes: [{receiver: team, object_matchers: [[service_name, "!~", "canary.*"]]}]}
        contact_points: [{name: team, type: webhook, settings: {url: "http://x"}}]
    """
    for route in _routes(ctx.tree or {}):
        try:
            m.of_route(route)
        except m.MatcherError as exc:
            yield Issue(f"policy matcher: {exc}", "use RE2 syntax; negate with !~ instead of look-ahead",
                        at=ctx.where("tree", ""))
        yield from _durations(route, "policy", ctx.where("tree", ""))
    for r in ctx.rules:
        yield from _durations(r.settings or {}, f"alert rule {r.uid!r} notification_settings", r.location)
    for name, raw in sorted(ctx.mute_timings.items()):
        try:
            ti.parse_intervals(raw or [])
        except ti.IntervalError as exc:
            yield Issue(f"mute timing {name!r}: {exc}", "see Alertmanager's time_intervals syntax",
                        at=ctx.where("mute-timing", name))


def _durations(settings: dict[str, Any], owner: str, where: Any) -> Iterator[Issue]:
    for key in _TIMINGS:
        if settings.get(key) not in (None, ""):
            try:
                seconds(settings[key], allow_zero=key == "group_wait")  # only group_wait may be 0
            except ValueError as exc:
                yield Issue(f"{owner} {key}: {exc}", "use e.g. 30s, 5m, 4h", at=where)


@rule("notification-secret-unmapped", "error", "Each environment must name the variable of every contact-point "
      "secret", "notifications", example="notifications")
def notification_secret_unmapped(ctx: NotificationSetContext) -> Iterator[Issue]:
    """A contact point's secret settings (webhook URL, integration key) are never in the
    definition: grafana.yaml names, per environment, the variable holding each
    (`environments.<env>.contact_points.<uid>.secrets.<key>`). One not named there, or one
    named that the contact point does not declare, passes the build and stops `gac plan` and
    `gac sync` for that environment -- as a missing data-source URL would.

    Bad:
        tree: {receiver: hook}
        contact_points: [{uid: hook, name: hook, type: webhook, settings: {}, secretSettings: [url]}]
        environments: {local: {contact_points: {}}}
    Good:
        tree: {receiver: hook}
        contact_points: [{uid: hook, name: hook, type: webhook, settings: {}, secretSettings: [url]}]
        environments: {local: {contact_points: {hook: {secrets: {url: HOOK_URL}}}}}
    """
    uids = {str(c.get("uid")) for c in ctx.contact_points}
    for env_name, env in sorted(ctx.environments.items()):
        mapped = env.get("contact_points") if isinstance(env, dict) else None
        stray = [u for u in mapped if u not in uids] if isinstance(mapped, dict) else []  # typos, perhaps
        for c in ctx.contact_points:
            uid = str(c.get("uid"))
            mapping = secret_mapping(c, uid, env)
            where = f"environments.{env_name}.contact_points.{uid}.secrets"
            at = ctx.where("contact-point-uid", uid)
            close = difflib.get_close_matches(uid, stray, n=1) if mapping.entry is None else []
            typo = f" (environments.{env_name}.contact_points has {close[0]!r}: a typo for {uid!r}?)" if close else ""
            for key in mapping.missing:
                named_as = f" ({c.get('name')})" if c.get("name") != uid else ""
                yield Issue(f"contact point {uid!r}{named_as} needs secret {key} in environment "
                            f"{env_name}, and grafana.yaml has no {where}.{key}{typo}",
                            f"add {where}.{key}: NAME of the environment variable holding it", at=at)
            for key in mapping.extra:
                yield Issue(f"{where}.{key} in grafana.yaml is not a secret setting of contact point {uid!r} "
                            f"(its secrets: {', '.join(mapping.wanted) or 'none'}); sync refuses it",
                            "declare it among the definition's secrets, or remove it from grafana.yaml", at=at)


@rule("notification-contact-point-unused", "warning", "A contact point nothing routes to never notifies anyone",
      "notifications", example="notifications")
def notification_contact_point_unused(ctx: NotificationSetContext) -> Iterator[Issue]:
    """A contact point no policy and no rule's notification_settings names is dead
    configuration, and usually a typo in the policy that was meant to use it.

    Bad:
        tree: {receiver: team}
        contact_points: [{name: team, type: webhook, settings: {url: "http://x"}},
                         {name: oncall, type: webhook, settings: {url: "http://y"}}]
    Good:
        tree: {receiver: team, routes: [{receiver: oncall, object_matchers: [[severity, "=", critical]]}]}
        contact_points: [{name: team, type: webhook, settings: {url: "http://x"}},
                         {name: oncall, type: webhook, settings: {url: "http://y"}}]
    """
    if ctx.tree is None:
        return
    used = {str(r.get("receiver")) for r in _routes(ctx.tree) if r.get("receiver")}
    used |= {str((r.settings or {}).get("receiver")) for r in ctx.rules if r.settings}
    for name in sorted({str(c.get("name")) for c in ctx.contact_points} - used):
        yield Issue(f"contact point {name!r} is not used by any policy or rule",
                    "route to it from the policy tree, or remove it", at=ctx.where("contact-point", name))


def _routes(tree: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop(0)
        out.append(node)
        stack.extend(c for c in node.get("routes") or [] if isinstance(c, dict))
    return out
