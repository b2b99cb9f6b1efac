"""Alert rule groups: the body of `PUT /api/v1/provisioning/folder/{uid}/rule-groups/{group}`.

A group is replaced as a whole, so its concurrency token is its content; rules inside carry
their own stable uids so that a replacement updates rules instead of recreating them.

Markers: every rule the sync writes carries the label `managed_by=gac` (what `--prune`
and "unmanaged in managed folders" look at; a label, because the alert list filters by
labels) and the annotation `gacSync` = hash of the group as written. By default rules
are provisioned (provenance `api`): Grafana's UI cannot edit them, but another identity can
still replace them through the provisioning API. With `alerts_editable` (X-Disable-Provenance)
the UI can edit them too. Either way only the stamp tells gac's own write from someone
else's (the base `untouched`): provenance `api` is no proof, since any identity with
alerting rights (another tool, a script) replaces a group through the same API and leaves
`api` behind. A rule without the stamp, or content that no longer hashes to it, is a
conflict, reported and not overwritten; `--force` backs the group up first.
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from pathlib import PurePosixPath
from typing import Any, Mapping
from urllib.parse import quote

from promql_parser import display_duration

from ..datasource_index import EXPR_UID
from ..markers import MANAGED_LABEL, STAMP_KEY
from ..resource import CONTACT_POINT, MUTE_TIMING, Resource, Source
from ..diff.parts import Parts
from .rule_group_diff import RULE_GROUP_PARTS
from .base import Handler, copied, slug
from .live import ApiError, Calls, LiveObject, LiveRef, Stamp, SyncContext, WriteConflict, WriteResult, content_hash

RULE_SERVER_FIELDS = frozenset({"id", "updated", "provenance", "orgID", "orgId"})
#: Grafana fills these into every query model; a definition may or may not spell them out
_MODEL_DEFAULTS = {"intervalMs": 1000, "maxDataPoints": 43200}
#: rule fields whose zero value Grafana answers with when they were never set
_RULE_DEFAULTS: dict[str, Any] = {"keep_firing_for": "0s", "notification_settings": None, "record": None,
                                  "isPaused": False, "missingSeriesEvalsToResolve": None,
                                  "annotations": {}, "labels": {}}
#: zero in any unit (and the empty string): Grafana answers "0s", the parser rejects zero
_ZERO = re.compile(r"0|(0+(ms|s|m|h|d|w|y))*")


def duration(value: Any) -> Any:
    """A Prometheus duration as Grafana answers it ("300s" → "5m", "90s" → "1m30s", "" → "0s").

    Grafana writes `for` and `keep_firing_for` as Prometheus's model.Duration does, which is
    promql-parser's `display_duration`; a value it cannot parse is kept as it is, so the
    comparison shows it rather than hiding it.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        delta = timedelta(seconds=int(value))
    elif isinstance(value, str):
        text = value.strip()
        if _ZERO.fullmatch(text):
            return "0s"
        try:
            from ..lint.promql_parse import parse_duration  # here: the lint package imports the handlers
            delta = parse_duration(text)
        except ValueError:
            return value
    else:
        return value
    return display_duration(delta) if delta > timedelta(0) else "0s"


def _normalize_query(query: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in query.items() if not (k == "queryType" and not v)}
    model = out.get("model")
    if isinstance(model, dict):
        out["model"] = {k: v for k, v in model.items() if _MODEL_DEFAULTS.get(k, object()) != v}
    return out


def _normalize_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in rule.items() if k not in RULE_SERVER_FIELDS}
    if isinstance(out.get("annotations"), dict):
        out["annotations"] = {k: v for k, v in out["annotations"].items() if k != STAMP_KEY}
    for key in ("for", "keep_firing_for"):
        if key in out:
            out[key] = duration(out[key])
    out = {k: v for k, v in out.items() if not (k in _RULE_DEFAULTS and v == _RULE_DEFAULTS[k])}
    if isinstance(out.get("data"), list):
        out["data"] = [_normalize_query(q) if isinstance(q, dict) else q for q in out["data"]]
    return out


def _rule_uids(body: dict[str, Any]) -> set[str]:
    return {str(rule["uid"]) for rule in body.get("rules") or [] if isinstance(rule, dict) and rule.get("uid")}


def _path_segment(text: str) -> str:
    return quote(text, safe="")


class AlertRuleGroupHandler(Handler):
    kind = "alert-rule-group"
    write_actions = {a: ("alert.provisioning:write", "alert.rules.provisioning:write")
                     for a in ("create", "update", "delete")}
    directory = "alert-rules"
    level = 3

    def path(self, resource: Resource) -> PurePosixPath:
        return PurePosixPath(self.directory, resource.folder_uid or "", f"{slug(resource.uid)}.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        return Resource(self.kind, str(body["title"]), body, body.get("folderUid"), Source(f"generated/{relpath}"))

    def without_marker(self, form: dict[str, Any]) -> dict[str, Any]:
        out = super().without_marker(form)
        key, value = MANAGED_LABEL
        for rule in (out.get("body") or {}).get("rules") or []:
            labels = rule.get("labels") if isinstance(rule, dict) else None
            if isinstance(labels, dict) and labels.get(key) == value:
                del labels[key]
                if not labels:
                    del rule["labels"]
        return out

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in body.items() if k not in RULE_SERVER_FIELDS}
        out["rules"] = sorted((_normalize_rule(rule) for rule in body.get("rules") or []),
                              key=lambda rule: str(rule.get("uid", "")))
        return out

    # --- identity, order -------------------------------------------------------------------

    def identity(self, resource: Resource) -> tuple[str, ...]:
        """Group titles are unique per folder only."""
        return (self.kind, resource.folder_uid or "", resource.uid)

    def dependencies(self, resource: Resource,
                     desired: Mapping[tuple[str, ...], Resource]) -> list[tuple[str, ...]]:
        """Its folder, the data sources its queries use, and the contact points and mute timings
        its rules' `notification_settings` name, where the sync writes them (Grafana validates
        all of them: a rule naming a receiver whose write failed would be refused or route to
        its old settings)."""
        rules = [rule for rule in resource.body.get("rules") or [] if isinstance(rule, dict)]
        uids = sorted({str(q.get("datasourceUid")) for rule in rules
                       for q in rule.get("data") or [] if isinstance(q, dict) and q.get("datasourceUid")}
                      - {EXPR_UID})
        settings = [s for s in (rule.get("notification_settings") for rule in rules) if isinstance(s, dict)]
        receivers = {s.get("receiver") for s in settings}
        timings = {name for s in settings for key in ("mute_time_intervals", "active_time_intervals")
                   for name in s.get(key) or []}
        named = sorted(identity for identity, other in desired.items()
                       if (other.kind == CONTACT_POINT and other.body.get("name") in receivers)
                       or (other.kind == MUTE_TIMING and other.uid in timings)) if settings else []
        return super().dependencies(resource, desired) + [("datasource", uid) for uid in uids] + named

    def takes_over(self, desired: Resource, live: LiveObject) -> bool:
        """A group written with rule uids another group holds moves those rules into it (Grafana's
        store.CalculateChanges): the old group, once no longer defined, is deleted only after the
        write succeeded -- deleting it first, or after the write failed, deletes the rules."""
        return bool(_rule_uids(desired.body) & _rule_uids(live.resource.body))

    # --- desired ---------------------------------------------------------------------------

    def expected_provenance(self, ctx: SyncContext) -> str:
        return "" if ctx.alerts_editable else "api"

    def prepare(self, resource: Resource, ctx: SyncContext) -> Resource:
        body = copy.deepcopy(resource.body)
        key, value = MANAGED_LABEL
        for rule in body.get("rules") or []:
            rule["labels"] = {**(rule.get("labels") or {}), key: value}
        return copied(resource, body, provenance=self.expected_provenance(ctx))

    def comparable(self, resource: Resource, ctx: SyncContext) -> dict[str, Any]:
        """The normalized group plus its provenance: switching `alerts_editable` is a change."""
        return {"body": self.normalize(resource.body),
                "provenance": resource.extra.get("provenance", self.expected_provenance(ctx))}

    def diff_parts(self) -> Parts:
        return {**super().diff_parts(), **RULE_GROUP_PARTS}

    def describe_live(self, live: LiveObject) -> str:
        provenance = live.resource.extra.get("provenance")
        text = f"provenance {provenance!r}" if provenance else "editable in the UI (no provenance)"
        return f"{text}, rules last updated {live.updated}" if live.updated else text

    # --- live operations -------------------------------------------------------------------

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        rules = calls.read("list alert rules", lambda g: g.alertingprovisioning.get_alertrules_all()) or []
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for rule in rules:
            groups.setdefault((rule.get("folderUID") or "", rule.get("ruleGroup") or ""), []).append(rule)
        key, value = MANAGED_LABEL
        return [LiveRef(self.kind, (self.kind, folder, title), title, title, folder or None,
                        any((r.get("labels") or {}).get(key) == value for r in members), {"rules": members})
                for (folder, title), members in sorted(groups.items())]

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        folder = ref.folder_uid or ""
        try:
            group = calls.read(f"read rule group {folder}/{ref.uid}", lambda g: g.alertingprovisioning.get_rule_group(
                _path_segment(folder), _path_segment(ref.uid)))
        except ApiError as exc:
            if exc.not_found:
                return None
            raise
        return self.live_from(group)

    def live_from(self, group: dict[str, Any]) -> LiveObject:
        rules = group.get("rules") or []
        provenances = sorted({r.get("provenance") or "" for r in rules})
        provenance = provenances[0] if len(provenances) == 1 else "mixed: " + ", ".join(repr(p) for p in provenances)
        body = {"title": group.get("title"), "folderUid": group.get("folderUid"), "interval": group.get("interval"),
                "rules": rules}
        resource = Resource(self.kind, str(group.get("title")), body, group.get("folderUid") or None,
                            extra={"provenance": provenance})
        stamps = {(r.get("annotations") or {}).get(STAMP_KEY) for r in rules}
        only = stamps.pop() if len(stamps) == 1 else None
        stamp = Stamp(only) if isinstance(only, str) else None
        key, value = MANAGED_LABEL
        read_only = "provisioned from a file" if "file" in provenances else None
        updated = max((r.get("updated") or "" for r in rules), default="") or None
        return LiveObject(resource, token=self._token(resource), managed=any(
            (r.get("labels") or {}).get(key) == value for r in rules), stamp=stamp, updated=updated,
            read_only=read_only, raw=group)

    def _token(self, resource: Resource) -> str:
        """Groups have no version: their content (and provenance) is the token."""
        return content_hash({"body": self.normalize(resource.body), "provenance": resource.extra.get("provenance")})

    def _wire(self, desired: Resource, ctx: SyncContext) -> dict[str, Any]:
        body = copy.deepcopy(desired.body)
        stamp = self.stamp_hash(desired, ctx)
        for rule in body.get("rules") or []:
            rule["orgID"] = ctx.org_id  # required by Grafana's OpenAPI spec; the server uses the caller's org
            rule["annotations"] = {**(rule.get("annotations") or {}), STAMP_KEY: stamp}
        return body

    def _put(self, calls: Calls, desired: Resource, ctx: SyncContext, what: str) -> WriteResult:
        body = self._wire(desired, ctx)
        folder, title = _path_segment(desired.folder_uid or ""), _path_segment(desired.uid)
        calls.write(f"{what} rule group {desired.folder_uid}/{desired.uid}", lambda g: g.alertingprovisioning.update_rule_group(
            folder, title, body, disable_provenance=ctx.alerts_editable))
        return WriteResult()

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        return self._put(calls, desired, ctx, "create")

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        """Re-read just before the PUT: Grafana takes no version for groups, so this check
        (content unchanged since the plan read it) is the concurrency token."""
        ref = LiveRef(self.kind, self.identity(live.resource), live.resource.uid, live.resource.uid,
                      live.resource.folder_uid, live.managed)
        current = self.read_live(calls, ref, ctx)
        if current is None or current.token != live.token:
            raise WriteConflict("the rule group changed in Grafana after it was read", f"update rule group "
                                f"{desired.folder_uid}/{desired.uid}")
        return self._put(calls, desired, ctx, "update")

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        folder, title = _path_segment(live.resource.folder_uid or ""), _path_segment(live.resource.uid)
        # deleting needs the stored provenance: none when the rules are editable
        headers = {"X-Disable-Provenance": "true"} if live.resource.extra.get("provenance") == "" else {}
        calls.write(f"delete rule group {live.resource.folder_uid}/{live.resource.uid}", lambda g: g.client.DELETE(
            f"/v1/provisioning/folder/{folder}/rule-groups/{title}", headers=headers, accept_empty_json=True))
        return WriteResult()
