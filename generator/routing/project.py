"""The repository's routing inputs, from `generated/`: the tree, mute timings, contact points, rules.

A rule's labels at notification time are its own labels plus what Grafana adds:
`alertname` (the rule title) and `grafana_folder` (the folder's title). Labels from the
query's series (e.g. `service_name`) are not known before evaluation; `gac routes` takes
them as extra `name=value` arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GacError
from ..handlers.policy_tree import DEFAULT_RECEIVER
from ..output import GENERATED, load_resources
from ..resource import CONTACT_POINT, MUTE_TIMING, NOTIFICATION_POLICY_TREE, Resource
from . import timeintervals as ti

#: what a Grafana organisation routes with when no tree is defined
DEFAULT_TREE = {"receiver": DEFAULT_RECEIVER, "group_by": ["grafana_folder", "alertname"]}


class RoutesError(GacError):
    exit_code = 2


@dataclass
class RoutedRule:
    """What routing knows of an alert rule before it fires: its labels at notification time
    (`rule_labels`) and its `notification_settings`, which bypass the tree. `gac routes` and
    lint's notification rules both walk rules in this form, each adding where the rule is."""

    uid: str
    title: str
    labels: dict[str, str]
    settings: dict[str, Any] | None


@dataclass
class RuleInfo(RoutedRule):
    source: str


@dataclass
class RoutingProject:
    tree: dict[str, Any]
    tree_defined: bool
    mute_timings: dict[str, list[ti.Interval]]
    contact_points: set[str]
    rules: dict[str, RuleInfo] = field(default_factory=dict)


def rule_labels(rule: dict[str, Any], folder_title: str) -> dict[str, str]:
    labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
    return {**labels, "alertname": str(rule.get("title", "")), "grafana_folder": folder_title}


def from_resources(resources: list[Resource]) -> RoutingProject:
    trees = [r for r in resources if r.kind == NOTIFICATION_POLICY_TREE]
    mutes: dict[str, list[ti.Interval]] = {}
    for r in resources:
        if r.kind == MUTE_TIMING:
            try:
                mutes[r.uid] = ti.parse_intervals(r.body.get("time_intervals") or [])
            except ti.IntervalError:
                mutes[r.uid] = []
    folders = {r.uid: str(r.body.get("title", r.uid)) for r in resources if r.kind == "folder"}
    project = RoutingProject(trees[0].body if trees else dict(DEFAULT_TREE), bool(trees), mutes,
                             {str(r.body.get("name")) for r in resources if r.kind == CONTACT_POINT})
    for group in (r for r in resources if r.kind == "alert-rule-group"):
        for rule in group.body.get("rules") or []:
            uid = str(rule.get("uid"))
            project.rules[uid] = RuleInfo(uid, str(rule.get("title", "")),
                                          rule_labels(rule, folders.get(group.folder_uid or "", group.folder_uid or "")),
                                          rule.get("notification_settings") or None, str(group.source))
    return project


def load(root: Path) -> RoutingProject:
    resources = load_resources(root / GENERATED)
    if not resources:
        raise RoutesError(f"{root / GENERATED} holds no definitions: run `gac build` first")
    return from_resources(resources)
