"""A Grafana policy tree as an Alertmanager configuration, so Alertmanager's own tools can judge it.

The tests hand `config(...)` to `amtool config routes test` and compare its receivers with
ours (tests/test_routing_amtool.py); no gac command writes it. Receivers become empty
receivers (routing needs only their names); mute timings become `time_intervals`; matchers are
written as Alertmanager prints them (`matchers.text_of`: a label name that is not a classic
one is quoted, `"a b"="c"`, as only the UTF-8 matcher parser reads it).
"""

from __future__ import annotations

from typing import Any, Mapping

import yaml

from . import matchers as m

_COPIED = ("receiver", "group_by", "continue", "group_wait", "group_interval", "repeat_interval",
           "mute_time_intervals", "active_time_intervals")


def route(raw: Mapping[str, Any], root: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {k: raw[k] for k in _COPIED if raw.get(k) not in (None, "", [], False)}
    if not root:
        found = m.of_route(raw)
        if found:
            out["matchers"] = [x.text() for x in found]
    children = [route(c, root=False) for c in raw.get("routes") or [] if isinstance(c, Mapping)]
    if children:
        out["routes"] = children
    return out


def config(tree: Mapping[str, Any], receivers: list[str],
           time_intervals: Mapping[str, list[dict[str, Any]]] | None = None) -> str:
    """alertmanager.yml text: the tree, every named receiver, and the time intervals."""
    body: dict[str, Any] = {"route": route(tree),
                            "receivers": [{"name": name} for name in sorted(set(receivers))]}
    if time_intervals:
        body["time_intervals"] = [{"name": name, "time_intervals": intervals}
                                  for name, intervals in sorted(time_intervals.items())]
    return yaml.safe_dump(body, sort_keys=True, allow_unicode=True)
