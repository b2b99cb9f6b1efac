"""The notification policy tree (`GET/PUT /api/v1/provisioning/policies`): one object per organisation.

Grafana stores the tree whole, and its API replaces it whole -- the reason a naive tool
silently wipes policies made in the UI. gac compares it whole and writes it whole, but:

- a tree gac never wrote is a conflict unless it is Grafana's untouched default (one root
  policy to `grafana-default-email`): nothing is lost by replacing that;
- a tree changed since gac's last write (stamp in gac-sync-stamps, stamp_store.py) is a
  conflict; `--force` backs the live tree up first (sync's backups) and then writes;
- the PUT takes no version, so the tree is re-read just before it and a change since the
  plan read it is a conflict (the token is its content);
- it names contact points and mute timings: when a write of one of those fails, the tree
  is not written (`dependencies`), or Grafana would route to a receiver that is missing
  or still holds its old settings.

Comparison form: the tree flattened to one entry per policy, named by its matchers from
the root (`root › {severity="critical"}`), with its position, so plan's diff reads route
by route. Pruning (no tree defined any more) resets the tree to Grafana's default.
"""

from __future__ import annotations

import copy
from pathlib import PurePosixPath
from typing import Any, Mapping

from ..builders.notifications import POLICY_TREE_UID
from ..diff.parts import ITEM, Part, Parts
from ..resource import CONTACT_POINT, MUTE_TIMING, NOTIFICATION_POLICY_TREE, Resource, Source
from ..routing import matchers as m
from ..routing.tree import referenced
from .alert_rule_group import duration
from .base import ADOPTED
from .live import (ApiError, Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteConflict, WriteResult,
                   content_hash, same_json)
from .notification_base import PROVISIONING, NotificationHandler, provenance_of
from . import stamp_store

_PATH = f"{PROVISIONING}/policies"
DEFAULT_RECEIVER = "grafana-default-email"
_OWN = ("receiver", "group_by", "continue", "group_wait", "group_interval", "repeat_interval",
        "mute_time_intervals", "active_time_intervals")


def _matcher_text(route: dict[str, Any]) -> str:
    found = _safe_matchers(route)
    return "{" + ", ".join(x.text() for x in found) + "}" if found else "{}"


def flatten(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per policy, depth first, each with only its own settings."""
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def visit(route: dict[str, Any], name: str, position: str) -> None:
        seen[name] = seen.get(name, 0) + 1
        shown = name if seen[name] == 1 else f"{name} #{seen[name]}"
        entry: dict[str, Any] = {"policy": shown, "position": position}
        if position:
            entry["matchers"] = [x.text() for x in _safe_matchers(route)]
        for key in _OWN:
            value = route.get(key)
            if value in (None, "", [], False):
                continue
            entry[key] = duration(value) if key in ("group_wait", "group_interval", "repeat_interval") else value
        out.append(entry)
        for i, child in enumerate(route.get("routes") or [], 1):
            if isinstance(child, dict):
                visit(child, f"{name} › {_matcher_text(child)}", f"{position}.{i}" if position else str(i))

    visit(tree, "root", "")
    return out


def _safe_matchers(route: dict[str, Any]) -> list[m.Matcher]:
    """Matchers that do not parse are lint's to report; the diff shows the route without them."""
    try:
        return m.of_route(route)
    except m.MatcherError:
        return []


def is_default(tree: dict[str, Any]) -> bool:
    """Grafana's fresh tree: everything to the default e-mail contact point, no child policy."""
    return tree.get("receiver") == DEFAULT_RECEIVER and not tree.get("routes")


class PolicyTreeHandler(NotificationHandler):
    kind = NOTIFICATION_POLICY_TREE
    marker_follows_object = True
    directory = "notification-policies"
    order_in_level = 4

    def path(self, resource: Resource) -> PurePosixPath:
        return PurePosixPath(self.directory, "policy-tree.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        return Resource(self.kind, POLICY_TREE_UID, body, None, Source(f"generated/{relpath}"))

    def dependencies(self, resource: Resource,
                     desired: Mapping[tuple[str, ...], Resource]) -> list[tuple[str, ...]]:
        """The contact points (every integration of a named receiver) and mute timings the
        tree names, where the sync writes them; Grafana's own (`grafana-default-email`) are not."""
        names = referenced(resource.body)
        return sorted(identity for identity, other in desired.items()
                      if (other.kind == CONTACT_POINT and other.body.get("name") in names["receivers"])
                      or (other.kind == MUTE_TIMING and other.uid in names["time_intervals"]))

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"policies": flatten({k: v for k, v in body.items() if k != "provenance"})}

    def diff_parts(self) -> Parts:
        return {**super().diff_parts(),
                ("body", "policies"): Part(label="", keys=("policy",), name=lambda p: f"policy {p.get('policy')}"),
                ("body", "policies", ITEM, "position"): Part(label="position in the tree")}

    def adoption(self, live_form: dict[str, Any], desired_form: dict[str, Any], live: LiveObject) -> str | None:
        """Grafana's untouched default tree is replaced without --force: nobody made it."""
        if live.stamp is not None:
            return None
        if is_default(live.resource.body) and not live.resource.extra.get("provenance"):
            return "replaces Grafana's untouched default tree"
        if same_json(self.without_marker(live_form), self.without_marker(desired_form)):
            return ADOPTED
        return None

    def describe_live(self, live: LiveObject) -> str:
        policies = len(flatten(live.resource.body)) - 1
        return f"{super().describe_live(live)}, {policies} polic{'y' if policies == 1 else 'ies'} below the root"

    # --- live ------------------------------------------------------------------------------

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        stamps, _version = stamp_store.read(calls)
        return [LiveRef(self.kind, (self.kind, POLICY_TREE_UID), POLICY_TREE_UID, "notification policy tree", None,
                        self.kind in stamps, {"gacStamp": stamps.get(self.kind)})]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        try:
            tree = calls.read("read notification policy tree", lambda g: g.client.GET(_PATH))
        except ApiError as exc:
            if exc.not_found:
                return None
            raise
        if "gacStamp" in ref.row:  # read with the listing, moments ago: one read per object
            return self.live_from(tree if isinstance(tree, dict) else {}, ref.row["gacStamp"])
        stamps, _version = stamp_store.read(calls)
        return self.live_from(tree if isinstance(tree, dict) else {}, stamps.get(self.kind))

    def live_from(self, tree: dict[str, Any], stamp: str | None) -> LiveObject:
        body = {k: copy.deepcopy(v) for k, v in tree.items() if k != "provenance"}
        resource = Resource(self.kind, POLICY_TREE_UID, body, None, extra={"provenance": provenance_of(tree)})
        return LiveObject(resource, token=content_hash(tree), managed=stamp is not None,
                          stamp=Stamp(stamp) if stamp else None, raw=tree,
                          read_only="provisioned from a file" if provenance_of(tree) == "file" else None)

    def _put(self, calls: Calls, desired: Resource, ctx: SyncContext, what: str,
             headers: dict[str, str]) -> WriteResult:
        body = copy.deepcopy(desired.body)
        calls.write(f"{what} notification policy tree", lambda g: g.client.PUT(_PATH, json=body, headers=headers))
        stamp_store.put(calls, self.kind, self.stamp_hash(desired, ctx))
        return WriteResult()

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        return self._put(calls, desired, ctx, "create", self.headers(ctx))

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        current = self.read_live(calls, LiveRef(self.kind, (self.kind, POLICY_TREE_UID), POLICY_TREE_UID,
                                                "notification policy tree", None, None), ctx)
        if current is None or current.token != live.token:
            raise WriteConflict("the notification policy tree changed in Grafana after it was read",
                                "update notification policy tree")
        return self._put(calls, desired, ctx, "update", self.update_headers(live))

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        """No tree defined any more: back to Grafana's default tree (DELETE resets it)."""
        calls.write("reset notification policy tree", lambda g: g.client.DELETE(_PATH, accept_empty_json=True))
        stamp_store.put(calls, self.kind, None)
        return WriteResult()
