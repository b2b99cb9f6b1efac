"""Live notification setup → one definition module, `alerts/pulled_notifications.py`.

`gac pull --notifications` reads the four kinds through their handlers (so what is pulled
is exactly what plan compares) and writes them with the builders: contact points with
their non-secret settings and the names of their secret settings (Grafana answers those
`[REDACTED]`; the values never leave Grafana), templates without gac's marker, mute
timings, and the policy tree as nested `Policy` objects. The grafana.yaml entries the
secrets need are returned as notes. A repository that already defines notifications is
left alone: two definitions of one tree would overwrite each other.
"""

from __future__ import annotations

import pprint
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..builders.notifications import SECRET_SETTINGS
from ..handlers import HANDLERS
from ..handlers.contact_point import REDACTED
from ..handlers.live import Calls, SyncContext
from ..resource import CONTACT_POINT, MUTE_TIMING, NOTIFICATION_POLICY_TREE, NOTIFICATION_TEMPLATE, Resource
from .importer import PullError

MODULE = Path("alerts") / "pulled_notifications.py"
_KINDS = (NOTIFICATION_TEMPLATE, CONTACT_POINT, MUTE_TIMING, NOTIFICATION_POLICY_TREE)


@dataclass
class NotificationsPull:
    path: Path
    content: str
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _live(calls: Calls, ctx: SyncContext) -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {}
    for kind in _KINDS:
        handler = HANDLERS[kind]
        for ref in handler.list_live(calls, ctx):
            live = handler.read_live(calls, ref, ctx)
            if live is not None:
                out.setdefault(kind, []).append(live.resource)
    return out


def _py(value: Any, indent: int) -> str:
    text = pprint.pformat(value, indent=1, width=100 - indent, sort_dicts=True)
    return text.replace("\n", "\n" + " " * indent)


def _name(prefix: str, text: str, used: set[str]) -> str:
    base = prefix + "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name


def render_module(live: dict[str, list[Resource]]) -> tuple[str, list[str]]:
    lines = ['"""Notification setup pulled from Grafana by `gac pull --notifications`; edit freely."""', "",
             "from generator.builders import ContactPoint, MuteTiming, NotificationTemplate, Policy, PolicyTree", ""]
    notes: list[str] = []
    used: set[str] = set()
    for r in sorted(live.get(NOTIFICATION_TEMPLATE, []), key=lambda r: r.uid):
        text = HANDLERS[NOTIFICATION_TEMPLATE].normalize(r.body)["template"]
        lines += [f"{_name('template_', r.uid, used)} = NotificationTemplate(name={r.uid!r}, template={text!r})", ""]
    for r in sorted(live.get(CONTACT_POINT, []), key=lambda r: r.uid):
        plain = HANDLERS[CONTACT_POINT].normalize(r.body)["settings"]
        secrets = sorted({k for k, v in (r.body.get("settings") or {}).items() if v == REDACTED}
                         | set(r.body.get(SECRET_SETTINGS) or []))
        lines += [f"{_name('contact_point_', r.uid, used)} = ContactPoint(",
                  f"    uid={r.uid!r}, name={r.body.get('name')!r}, type={r.body.get('type')!r},",
                  f"    settings={_py(plain, 4)},"]
        if secrets:
            lines.append(f"    secrets={tuple(secrets)!r},")
            notes += [f"grafana.yaml: environments.<env>.contact_points.{r.uid}.secrets.{k}: <VARIABLE NAME>"
                      for k in secrets]
        if r.body.get("disableResolveMessage"):
            lines.append("    disable_resolve_message=True,")
        lines += [")", ""]
    for r in sorted(live.get(MUTE_TIMING, []), key=lambda r: r.uid):
        body = HANDLERS[MUTE_TIMING].normalize(r.body)
        lines += [f"{_name('mute_timing_', r.uid, used)} = MuteTiming(name={r.uid!r}, "
                  f"time_intervals={_py(body['time_intervals'], 4)})", ""]
    for r in live.get(NOTIFICATION_POLICY_TREE, []):
        lines += [f"policy_tree = PolicyTree(Policy.from_route({_py(r.body, 4)}))", ""]
    return "\n".join(lines).rstrip() + "\n", notes


def plan_notifications_pull(calls: Calls, ctx: SyncContext, root: Path,
                            defined: list[Resource]) -> NotificationsPull:
    if any(r.kind in _KINDS for r in defined):
        where = sorted({str(r.source) for r in defined if r.kind in _KINDS})
        raise PullError("the repository already defines notifications (" + ", ".join(where[:3]) + "); pulling "
                        "would define the policy tree twice. Compare with `gac drift` instead")
    live = _live(calls, ctx)
    content, notes = render_module(live)
    return NotificationsPull(root / MODULE, content, {k: len(v) for k, v in sorted(live.items())}, notes)
