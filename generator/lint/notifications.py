"""The notification setup as one lint context: tree, contact points, templates, mute timings, rules.

Whether an alert reaches anyone depends on all of them together, so the rules about them
(lint/rules/notification_rules.py) see the whole set. Names managed outside this
repository are declared in grafana.yaml: `lint.notifications: {contact_points: [..],
mute_timings: [..], templates: [..]}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..resource import Resource
from ..routing.project import RoutedRule, rule_labels
from .finding import Location


@dataclass
class NotificationRule(RoutedRule):
    location: Location


@dataclass
class NotificationSetContext:
    tree: dict[str, Any] | None
    contact_points: list[dict[str, Any]]
    templates: dict[str, str]
    mute_timings: dict[str, Any]
    rules: list[NotificationRule]
    declared: dict[str, set[str]] = field(default_factory=dict)
    locations: dict[tuple[str, str], Location] = field(default_factory=dict)
    location: Location = Location()
    #: grafana.yaml's environments: where each contact point's secrets are named
    environments: Mapping[str, Any] = field(default_factory=dict)

    def where(self, kind: str, name: str) -> Location:
        return self.locations.get((kind, name), self.location)

    @property
    def receiver_names(self) -> set[str]:
        return {str(c.get("name")) for c in self.contact_points} | self.declared.get("contact_points", set())

    @property
    def timing_names(self) -> set[str]:
        return set(self.mute_timings) | self.declared.get("mute_timings", set())


def declared(config: Mapping[str, Any] | None) -> dict[str, set[str]]:
    config = config or {}
    return {key: {str(v) for v in config.get(key) or []} for key in ("contact_points", "mute_timings", "templates")}


def _location(resource: Resource) -> Location:
    return Location(resource.source.file, line=resource.source.line) if resource.source else Location()


def from_resources(resources: list[Resource], declared_names: dict[str, set[str]],
                   environments: Mapping[str, Any] | None = None) -> NotificationSetContext | None:
    """None when the project defines no notification object (the rules then have nothing to check)."""
    kinds = {"notification-policy-tree", "contact-point", "notification-template", "mute-timing"}
    if not any(r.kind in kinds for r in resources):
        return None
    folders = {r.uid: str(r.body.get("title", r.uid)) for r in resources if r.kind == "folder"}
    ctx = NotificationSetContext(None, [], {}, {}, [], declared_names, environments=environments or {})
    for r in resources:
        location = _location(r)
        if r.kind == "notification-policy-tree":
            ctx.tree, ctx.location = r.body, location
            ctx.locations[("tree", "")] = location
        elif r.kind == "contact-point":
            ctx.contact_points.append(r.body)
            ctx.locations[("contact-point", str(r.body.get("name")))] = location
            ctx.locations[("contact-point-uid", r.uid)] = location
        elif r.kind == "notification-template":
            ctx.templates[r.uid] = str(r.body.get("template") or "")
            ctx.locations[("template", r.uid)] = location
        elif r.kind == "mute-timing":
            ctx.mute_timings[r.uid] = r.body.get("time_intervals")
            ctx.locations[("mute-timing", r.uid)] = location
        elif r.kind == "alert-rule-group":
            sources = r.extra.get("sources") or {}
            for i, rule in enumerate(r.body.get("rules") or []):
                src = sources.get(("rules", i))
                where = Location(src.file, line=src.line) if src else location
                ctx.rules.append(NotificationRule(str(rule.get("uid")), str(rule.get("title", "")),
                                                  rule_labels(rule, folders.get(r.folder_uid or "", "")),
                                                  rule.get("notification_settings") or None,
                                                  where.moved(group=r.uid, alert=str(rule.get("title", "")))))
    return ctx


def from_example(doc: Mapping[str, Any], location: Location) -> NotificationSetContext:
    """A rule's example: `{tree, contact_points, templates, mute_timings, rules: [{uid, labels, ...}],
    environments}` (environments as in grafana.yaml)."""
    rules = [NotificationRule(str(r.get("uid", "r")), str(r.get("title", "r")),
                              {**{str(k): str(v) for k, v in (r.get("labels") or {}).items()},
                               "alertname": str(r.get("title", "r"))}, r.get("notification_settings"), location)
             for r in doc.get("rules") or []]
    return NotificationSetContext(doc.get("tree"), list(doc.get("contact_points") or []),
                                  dict(doc.get("templates") or {}), dict(doc.get("mute_timings") or {}), rules,
                                  declared(doc.get("declared")), location=location,
                                  environments=dict(doc.get("environments") or {}))
