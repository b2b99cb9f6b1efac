"""Notification setups as project resources, for the notification lint rules' cases."""

from __future__ import annotations

import copy
from typing import Any

from generator.resource import Resource, Source

TEAM = {"uid": "team", "name": "team", "type": "webhook", "settings": {"url": "http://hooks.example/team"}}
ONCALL = {"uid": "oncall", "name": "oncall", "type": "webhook", "settings": {"url": "http://hooks.example/oncall"}}
TREE = {"receiver": "team", "routes": [{"receiver": "oncall", "object_matchers": [["severity", "=", "critical"]]}]}
RULE = {"uid": "r1", "title": "Queue high", "labels": {"severity": "warning"}, "condition": "C", "data": []}


def setup(tree: Any = TREE, contact_points: Any = (TEAM, ONCALL), templates: dict[str, str] | None = None,
          mute_timings: dict[str, Any] | None = None, rules: Any = (RULE,)) -> list[Resource]:
    out = [Resource("notification-policy-tree", "policies", copy.deepcopy(tree), None,
                    Source("alerts/notifications.py", 40))]
    out += [Resource("contact-point", c["uid"], copy.deepcopy(c), None, Source("alerts/notifications.py", 10))
            for c in contact_points]
    out += [Resource("notification-template", n, {"name": n, "template": t}, None, Source("alerts/notifications.py", 5))
            for n, t in (templates or {}).items()]
    out += [Resource("mute-timing", n, {"name": n, "time_intervals": i}, None, Source("alerts/notifications.py", 30))
            for n, i in (mute_timings or {}).items()]
    out.append(Resource("alert-rule-group", "g", {"title": "g", "folderUid": "f", "interval": 60,
                                                  "rules": [copy.deepcopy(r) for r in rules]}, "f",
                        Source("alerts/rules.py", 3)))
    return out


def with_route(**route: Any) -> dict[str, Any]:
    tree = copy.deepcopy(TREE)
    tree["routes"].append(route)
    return tree


def secret(contact_point: dict[str, Any], *keys: str) -> dict[str, Any]:
    """`contact_point` with `keys` as secret settings: values come from grafana.yaml, not the body."""
    out = copy.deepcopy(contact_point)
    out["settings"] = {k: v for k, v in out["settings"].items() if k not in keys}
    out["secretSettings"] = sorted(keys)
    return out
