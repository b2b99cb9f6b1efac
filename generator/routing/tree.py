"""The notification policy tree, evaluated the way Alertmanager's dispatcher does.

An alert enters at the root (which matches everything). Children are tried in order; a
matching child is entered, and unless it has `continue: true` no later sibling is tried.
Where no child matches, the route itself is where the alert stops. Receiver, group_by and
the three timings are inherited from the parent when a route leaves them unset; mute and
active time intervals are not (Alertmanager's `dispatch.NewRoute`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from . import matchers as m

#: Grafana's defaults for the root policy's timings (Alertmanager's, with Grafana's 4h repeat)
DEFAULT_TIMINGS = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
_TIMINGS = tuple(DEFAULT_TIMINGS)


@dataclass
class Route:
    """One policy, parsed; `path` is its position (`[]` root, `[0, 2]` third child of the first)."""

    raw: dict[str, Any]
    matchers: list[m.Matcher]
    receiver: str
    group_by: list[str]
    timings: dict[str, str]
    mute: list[str]
    active: list[str]
    continue_: bool
    path: tuple[int, ...]
    routes: list["Route"] = field(default_factory=list)

    def label(self) -> str:
        """How reports name the policy: `root`, or its matchers."""
        if not self.path:
            return "root"
        return "{" + ", ".join(x.text() for x in self.matchers) + "}" if self.matchers else "(matches everything)"

    def walk(self) -> list["Route"]:
        out = [self]
        for child in self.routes:
            out.extend(child.walk())
        return out


def build(raw: Mapping[str, Any], parent: Route | None = None, path: tuple[int, ...] = ()) -> Route:
    """The tree with inherited settings resolved; MatcherError on an invalid matcher."""
    timings = {k: str(raw[k]) for k in _TIMINGS if raw.get(k)}
    route = Route(
        raw=dict(raw),
        matchers=m.of_route(raw) if parent is not None else [],
        receiver=str(raw.get("receiver") or (parent.receiver if parent else "")),
        group_by=list(raw["group_by"]) if raw.get("group_by") else (list(parent.group_by) if parent else []),
        timings={**(parent.timings if parent else DEFAULT_TIMINGS), **timings},
        mute=list(raw.get("mute_time_intervals") or []),
        active=list(raw.get("active_time_intervals") or []),
        continue_=bool(raw.get("continue")),
        path=path,
    )
    route.routes = [build(child, route, path + (i,)) for i, child in enumerate(raw.get("routes") or [])
                    if isinstance(child, Mapping)]
    return route


@dataclass
class Match:
    """Where an alert ends: the route, and the chain of routes taken from the root to it."""

    route: Route
    chain: list[Route]


def match(root: Route, labels: Mapping[str, str]) -> list[Match]:
    """Every route the alert ends in, in tree order (several when `continue` branches)."""
    return _match(root, labels, [])


def _match(route: Route, labels: Mapping[str, str], chain: list[Route]) -> list[Match]:
    if not all(x.matches(labels) for x in route.matchers):
        return []
    here = chain + [route]
    found: list[Match] = []
    for child in route.routes:
        sub = _match(child, labels, here)
        if sub:
            found.extend(sub)
            if not child.continue_:
                break
    return found or [Match(route, here)]


def receivers(root: Route, labels: Mapping[str, str]) -> list[str]:
    return [x.route.receiver for x in match(root, labels)]


def referenced(raw: Mapping[str, Any]) -> dict[str, set[str]]:
    """Names the tree refers to, by what they are: receivers, mute/active time intervals."""
    out: dict[str, set[str]] = {"receivers": set(), "time_intervals": set()}
    stack = [raw]
    while stack:
        node = stack.pop()
        if node.get("receiver"):
            out["receivers"].add(str(node["receiver"]))
        out["time_intervals"].update(map(str, node.get("mute_time_intervals") or []))
        out["time_intervals"].update(map(str, node.get("active_time_intervals") or []))
        stack.extend(c for c in node.get("routes") or [] if isinstance(c, Mapping))
    return out
