"""Contact points, notification templates, mute timings and the policy tree (provisioning API).

Written from Grafana's source: handlers `pkg/services/ngalert/api/api_provisioning.go`,
services `pkg/services/ngalert/provisioning/{contactpoints,templates,mute_timings,
notification_policies}.go`, errors `provisioning/errors.go`. Grafana 11.6, 12.x and 13.x
serve these endpoints alike (the `version` fields for templates and mute timings exist in
all three), so no release switch applies here.

Statuses: contact points POST/PUT/DELETE 202, templates PUT 202 / DELETE 204, mute timings
POST 201 / PUT 202 / DELETE 204, policies PUT/DELETE 202 (API.md section 7).

- Contact points: secure settings (per type, the keys Grafana's notifier marks secure) are
  stored apart and answered as `[REDACTED]`; a PUT carrying `[REDACTED]` keeps the stored
  value. `GET …/contact-points/export?decrypt=true` shows them to Admins only (403
  otherwise: `alert.provisioning.secrets:read`). Deleting the last integration of a name a
  policy routes to: 409 `alerting.notifications.contact-points.referenced`; one a rule's
  notification_settings names: 409 `…contact-points.used-by-rule`. Required settings per
  type are checked (400). Teams' `url` is treated as secure: where Grafana's releases
  differ on it, the harsher case (redacted) is modelled.
- Templates and mute timings: `version` is a fingerprint of the content (FNV-64 of the
  template text, as `calculateTemplateFingerprint`; of the intervals for mute timings); a
  PUT/DELETE with a version that is not the current one is 409 `alerting.notifications.conflict`,
  a PUT with a version for a missing name 404. A mute timing still used by a policy or rule
  cannot be deleted (409 `alerting.notifications.time-intervals.used`).
- Provenance: contact points keep a stored provenance (500 with the error text); templates and
  mute timings follow the relaxed validator (set → none refused with 403 errutil, `file` ↔ `api`
  allowed: `_provenance_change`); the tree refuses set → none with 403 (API.md section 10).
- The tree: receivers and mute timings it names must exist (400 `invalid object
  specification`); GET answers it with its provenance; DELETE resets it to the default.

UI edits (not an API Grafana offers; the UI saves the whole Alertmanager configuration):
`ui_edit_policy_tree` and `ui_edit_contact_point` refuse provisioned objects, as the UI does.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .. import errors
from ..routing import Ctx, Response, Router
from ..state import MAX_UID_LENGTH, UID_PATTERN, ContactPoint, MuteTiming, NotificationTemplate, OrgState, \
    default_policy_tree, generate_uid
from .alerting import request_provenance

REDACTED = "[REDACTED]"
#: per integration type, the settings Grafana's notifier marks `Secure: true` (stored encrypted,
#: answered redacted); one inside a settings object by its path ("tlsConfig.clientKey"), as
#: `getSecretFields` names it. From grafana/grafana pkg/services/ngalert/notifier/channels_config/
#: available_channels.go (`GetAvailableNotifiers`, `GetSecretKeysForContactPointType`, id 16932005)
#: and grafana/alerting's later per-type schemas (receivers/schema/known_types.go id 53317012621;
#: receivers/webhook/v1/config.go id 53410869603 with http V1HttpClientOption id 53136018686:
#: hmacConfig.secret, http_config.oauth2.*; receivers/matrix/v1/config.go id 53734888378). Teams'
#: `url` is `Protected`, not `Secure`, in the newest schema (receivers/teams/v1/config.go id
#: 53127695905): the harsher case, redacted, is modelled. Written from Grafana's source apart from
#: gac's own list (generator/builders/notifications.py SECURE_SETTINGS, from the same files);
#: tests/test_notification_secure_settings.py checks that the two agree.
SECURE_KEYS: dict[str, tuple[str, ...]] = {
    "dingding": (), "discord": ("url",), "email": (), "googlechat": ("url",),
    "jira": ("api_token", "password", "user"), "kafka": ("password",), "LINE": ("token",),
    "matrix": ("accessToken",),
    "mqtt": ("password", "tlsConfig.caCertificate", "tlsConfig.clientCertificate", "tlsConfig.clientKey"),
    "oncall": ("authorization_credentials", "password"), "opsgenie": ("apiKey",), "pagerduty": ("integrationKey",),
    "prometheus-alertmanager": ("basicAuthPassword",), "pushover": ("apiToken", "userKey"), "sensugo": ("apikey",),
    "slack": ("token", "url"), "sns": ("sigv4.access_key", "sigv4.secret_key"), "teams": ("url",),
    "telegram": ("bottoken",), "threema": ("api_secret",), "victorops": ("url",), "webex": ("bot_token",),
    "webhook": ("authorization_credentials", "hmacConfig.secret", "http_config.oauth2.client_secret",
                "http_config.oauth2.tls_config.caCertificate", "http_config.oauth2.tls_config.clientCertificate",
                "http_config.oauth2.tls_config.clientKey", "password", "tlsConfig.caCertificate",
                "tlsConfig.clientCertificate", "tlsConfig.clientKey"),
    "wecom": ("secret", "url"),
}
#: Grafana looks a type up without regard to case (`strings.EqualFold`, id 16932005)
_SECURE_BY_TYPE = {name.lower(): keys for name, keys in SECURE_KEYS.items()}
#: settings a type cannot do without (any one of a tuple)
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "slack": (("url", "token"),), "pagerduty": (("integrationKey",),), "teams": (("url",),),
    "webhook": (("url",),), "email": (("addresses",),),
}


def _secure_keys(cp_type: str, settings: dict[str, Any]) -> tuple[str, ...]:
    known = _SECURE_BY_TYPE.get(cp_type.lower())
    if known is not None:
        return known
    return tuple(k for k in settings if k.lower().endswith(("password", "token", "key")))


def _pop_path(settings: dict[str, Any], path: str) -> tuple[bool, Any]:
    """Take the setting at `path` out of `settings` (Grafana's `DelPath` of the secure field)."""
    *parents, last = path.split(".")
    node: Any = settings
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or last not in node:
        return False, None
    return True, node.pop(last)


def _set_path(settings: dict[str, Any], path: str, value: Any) -> None:
    """Put `value` at `path`, making the objects on the way (Grafana's `SetPath` when it redacts)."""
    *parents, last = path.split(".")
    node = settings
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def fnv64(text: str) -> str:
    """Go's `hash/fnv` New64 (FNV-1), as `%016x`."""
    value = 0xcbf29ce484222325
    for byte in text.encode("utf-8"):
        value = (value * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        value ^= byte
    return f"{value:016x}"


# --- contact points ---------------------------------------------------------------------------


def cp_dto(cp: ContactPoint, decrypt: bool = False) -> dict[str, Any]:
    settings = copy.deepcopy(cp.settings)
    for key, value in cp.secure_settings.items():
        if value:
            _set_path(settings, key, value if decrypt else REDACTED)
    dto: dict[str, Any] = {"uid": cp.uid, "name": cp.name, "type": cp.type, "settings": settings,
                           "disableResolveMessage": cp.disable_resolve_message}
    if cp.provenance:
        dto["provenance"] = cp.provenance
    return dto


def list_cps(ctx: Ctx) -> Response:
    name = ctx.q("name")
    items = [cp for cp in ctx.org.contact_points.values() if not name or cp.name == name]
    return Response(200, [cp_dto(cp) for cp in sorted(items, key=lambda c: (c.name, c.uid))])


def export_cps(ctx: Ctx) -> Response:
    decrypt = ctx.q_bool("decrypt")
    if decrypt and not (ctx.identity and ctx.identity.role == "Admin"):
        raise errors.rbac_denied("alert.provisioning.secrets:read")
    by_name: dict[str, list[dict[str, Any]]] = {}
    for cp in sorted(ctx.org.contact_points.values(), key=lambda c: (c.name, c.uid)):
        dto = cp_dto(cp, decrypt)
        by_name.setdefault(cp.name, []).append({k: dto[k] for k in ("uid", "type", "settings",
                                                                       "disableResolveMessage")})
    org_id = ctx.identity.org_id if ctx.identity else 1
    body = {"apiVersion": 1, "contactPoints": [{"orgId": org_id, "name": n, "receivers": r}
                                               for n, r in by_name.items()]}
    return Response(200, body)


def _validated(raw: Any) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    if not isinstance(raw.get("type"), str) or not raw.get("type"):
        raise errors.plain(400, "type should not be an empty string")
    if not isinstance(raw.get("settings"), dict):
        raise errors.plain(400, "settings should not be empty")
    if not isinstance(raw.get("name"), str) or not raw.get("name"):
        raise errors.plain(400, "name should not be empty")
    uid = raw.get("uid") if isinstance(raw.get("uid"), str) else ""
    if uid and (len(uid) > MAX_UID_LENGTH or not UID_PATTERN.match(uid)):
        raise errors.plain(400, "uid is invalid")
    return raw


def _split(cp_type: str, settings: dict[str, Any], stored: ContactPoint | None) -> tuple[dict[str, Any], dict[str, str]]:
    """Plain settings and secure ones; `[REDACTED]` keeps the stored secret (UpdateContactPoint)."""
    plain_settings = copy.deepcopy(settings)
    secure: dict[str, str] = {}
    for key in _secure_keys(cp_type, settings):
        found, value = _pop_path(plain_settings, key)
        if not found:
            continue
        if value == REDACTED:
            value = stored.secure_settings.get(key, "") if stored else ""
        if value:
            secure[key] = str(value)
    for options in REQUIRED.get(cp_type, ()):
        if not any(plain_settings.get(k) or secure.get(k) for k in options):
            raise errors.plain(400, f"invalid object specification: contact point is not valid: "
                                    f"could not find {' or '.join(options)} property in settings")
    return plain_settings, secure


def post_cp(ctx: Ctx) -> Response:
    raw = _validated(ctx.body)
    org = ctx.org
    uid = raw.get("uid") or generate_uid()
    if uid in org.contact_points:
        raise errors.plain(400, f"contact point with uid '{uid}' already exists")
    settings, secure = _split(raw["type"], raw["settings"], None)
    cp = ContactPoint(uid=uid, name=raw["name"], type=raw["type"], settings=settings,
                      disable_resolve_message=raw.get("disableResolveMessage") is True,
                      provenance=request_provenance(ctx))
    cp.secure_settings = secure
    org.contact_points[uid] = cp
    return Response(202, cp_dto(cp))


def put_cp(ctx: Ctx) -> Response:
    raw = _validated(ctx.body)
    cp = ctx.org.contact_points.get(ctx.params["uid"])
    if cp is None:
        raise errors.plain(404, "contact point not found")
    requested = request_provenance(ctx)
    if cp.provenance and cp.provenance != requested:
        raise errors.plain(500, f"cannot change provenance from '{cp.provenance}' to '{requested}'")
    settings, secure = _split(raw["type"], raw["settings"], cp)
    cp.name, cp.type, cp.settings, cp.secure_settings = raw["name"], raw["type"], settings, secure
    cp.disable_resolve_message = raw.get("disableResolveMessage") is True
    cp.provenance = requested
    return Response(202, {"message": "contactpoint updated"})


def _rules_using(org: OrgState, key: str, name: str) -> list[str]:
    out = []
    for rule in org.rules.values():
        settings = rule.body.get("notification_settings") or {}
        value = settings.get(key)
        if value == name or (isinstance(value, list) and name in value):
            out.append(rule.uid)
    return sorted(out)


def delete_cp(ctx: Ctx) -> Response:
    org = ctx.org
    cp = org.contact_points.get(ctx.params["uid"])
    if cp is not None:
        last = not any(o.name == cp.name and o.uid != cp.uid for o in org.contact_points.values())
        if last and cp.name in _receivers(org.policy_tree):
            raise errors.public(409, "alerting.notifications.contact-points.referenced",
                                "Contact point is currently referenced by a notification policy.")
        if last and _rules_using(org, "receiver", cp.name):
            raise errors.public(409, "alerting.notifications.contact-points.used-by-rule",
                                "Contact point is currently used in the notification settings of one or many "
                                "alert rules.")
        org.contact_points.pop(cp.uid)
    return Response(202, {"message": "contactpoint deleted"})


# --- templates --------------------------------------------------------------------------------


def template_dto(t: NotificationTemplate) -> dict[str, Any]:
    dto: dict[str, Any] = {"name": t.name, "template": t.template, "version": fnv64(t.template)}
    if t.provenance:
        dto["provenance"] = t.provenance
    return dto


def list_templates(ctx: Ctx) -> Response:
    return Response(200, [template_dto(t) for _, t in sorted(ctx.org.templates.items())])


def get_template(ctx: Ctx) -> Response:
    t = ctx.org.templates.get(ctx.params["name"])
    if t is None:
        raise errors.public(404, "alerting.notifications.templates.notFound")
    return Response(200, template_dto(t))


def _provenance_change(stored: str, requested: str) -> None:
    """`validation.ValidateProvenanceRelaxed` (pkg/services/ngalert/provisioning/validation, ids
    2807941054, 51786181101), which templates and mute timings are written and deleted under:
    from none anything goes, to none from any other is refused, `file` and `api` pass into each
    other. Refused: 403 errutil Forbidden `alerting.notifications.invalidProvenance` (errors.go,
    id 1621036879). Every version of the validator read (older ones without a context, the newest
    with a reason in the message) has this rule, so every profile applies it."""
    if stored and not requested:
        raise errors.public(403, "alerting.notifications.invalidProvenance",
                            f"Resource with provenance status '{stored}' cannot be managed via API that handles "
                            "resources with provenance status 'none'. You must use appropriate API to manage "
                            "this resource")


def _check_version(current: str, given: Any, what: str) -> None:
    if given and given != current:
        raise errors.public(409, "alerting.notifications.conflict",
                            f"provided version {given} of {what} does not match current version {current}")


def put_template(ctx: Ctx) -> Response:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    name = ctx.params["name"]
    text = body.get("template")
    if not isinstance(text, str) or not text.strip() or text.count("{{") != text.count("}}"):
        raise errors.public(400, "alerting.notifications.templates.invalidFormat",
                            "Template is in invalid format. Correct the payload and try again.")
    existing = ctx.org.templates.get(name)
    requested = request_provenance(ctx)
    if existing is None:
        if body.get("version"):
            raise errors.public(404, "alerting.notifications.templates.notFound")
        existing = ctx.org.templates[name] = NotificationTemplate(name, text, requested)
    else:
        _provenance_change(existing.provenance, requested)
        _check_version(fnv64(existing.template), body.get("version"), f"template {name}")
        existing.template, existing.provenance = text, requested
    return Response(202, template_dto(existing))


def delete_template(ctx: Ctx) -> Response:
    name = ctx.params["name"]
    existing = ctx.org.templates.get(name)
    if existing is not None:
        _check_version(fnv64(existing.template), ctx.q("version"), f"template {name}")
        _provenance_change(existing.provenance, request_provenance(ctx))
        del ctx.org.templates[name]
    return Response(204, None)


# --- mute timings -----------------------------------------------------------------------------


def mute_version(mt: MuteTiming) -> str:
    return fnv64(json.dumps(mt.time_intervals, sort_keys=True, separators=(",", ":")))


def mute_dto(mt: MuteTiming) -> dict[str, Any]:
    dto: dict[str, Any] = {"name": mt.name, "time_intervals": copy.deepcopy(mt.time_intervals),
                           "version": mute_version(mt)}
    if mt.provenance:
        dto["provenance"] = mt.provenance
    return dto


def _intervals(body: Any) -> list[dict[str, Any]]:
    """Alertmanager re-marshals intervals: empty fields dropped, week days and months lower-case."""
    items = body.get("time_intervals") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise errors.public(400, "alerting.notifications.time-intervals.invalidFormat",
                            "Time interval is in invalid format. Correct the payload and try again.")
    out = []
    for item in items:
        clean = {k: copy.deepcopy(v) for k, v in item.items() if v not in (None, [], "")}
        for key in ("weekdays", "months"):
            if isinstance(clean.get(key), list):
                clean[key] = [str(v).lower() for v in clean[key]]
        out.append(clean)
    return out


def list_mutes(ctx: Ctx) -> Response:
    return Response(200, [mute_dto(m) for _, m in sorted(ctx.org.mute_timings.items())])


def get_mute(ctx: Ctx) -> Response:
    mt = ctx.org.mute_timings.get(ctx.params["name"])
    if mt is None:
        raise errors.public(404, "alerting.notifications.time-intervals.notFound")
    return Response(200, mute_dto(mt))


def post_mute(ctx: Ctx) -> Response:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise errors.public(400, "alerting.notifications.time-intervals.invalidFormat",
                            "Time interval is in invalid format. Correct the payload and try again.")
    if name in ctx.org.mute_timings:
        raise errors.public(400, "alerting.notifications.time-intervals.nameExists",
                            "Time interval with this name already exists. Use a different name or update existing one.")
    mt = ctx.org.mute_timings[name] = MuteTiming(name, _intervals(body), request_provenance(ctx))
    return Response(201, mute_dto(mt))


def put_mute(ctx: Ctx) -> Response:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    mt = ctx.org.mute_timings.get(ctx.params["name"])
    if mt is None:
        raise errors.public(404, "alerting.notifications.time-intervals.notFound")
    requested = request_provenance(ctx)
    _provenance_change(mt.provenance, requested)
    _check_version(mute_version(mt), body.get("version"), f"mute timing {mt.name}")
    mt.time_intervals, mt.provenance = _intervals(body), requested
    return Response(202, mute_dto(mt))


def delete_mute(ctx: Ctx) -> Response:
    org = ctx.org
    mt = org.mute_timings.get(ctx.params["name"])
    if mt is not None:
        _check_version(mute_version(mt), ctx.q("version"), f"mute timing {mt.name}")
        _provenance_change(mt.provenance, request_provenance(ctx))
        rules = _rules_using(org, "mute_time_intervals", mt.name) + _rules_using(org, "active_time_intervals", mt.name)
        if mt.name in _time_intervals(org.policy_tree) or rules:
            extra = {"UsedByRules": rules} if rules else {}
            raise errors.public(409, "alerting.notifications.time-intervals.used", "Time interval is used", extra)
        del org.mute_timings[mt.name]
    return Response(204, None)


# --- the policy tree --------------------------------------------------------------------------


def get_policies(ctx: Ctx) -> Response:
    org = ctx.org
    tree = copy.deepcopy(org.policy_tree)
    if org.policy_provenance:
        tree["provenance"] = org.policy_provenance
    return Response(200, tree)


def _walk(route: dict[str, Any]) -> list[dict[str, Any]]:
    out = [route]
    for child in route.get("routes") or []:
        if isinstance(child, dict):
            out.extend(_walk(child))
    return out


def _receivers(route: dict[str, Any]) -> list[str]:
    return [r["receiver"] for r in _walk(route) if isinstance(r.get("receiver"), str) and r.get("receiver")]


def _time_intervals(route: dict[str, Any]) -> set[str]:
    return {str(n) for r in _walk(route) for key in ("mute_time_intervals", "active_time_intervals")
            for n in r.get(key) or []}


def put_policies(ctx: Ctx) -> Response:
    org = ctx.org
    tree = copy.deepcopy(ctx.body) if isinstance(ctx.body, dict) else {}
    tree.pop("provenance", None)
    if not tree.get("receiver"):
        raise errors.plain(400, "invalid object specification: root route must specify a default receiver")
    names = {cp.name for cp in org.contact_points.values()}
    for receiver in _receivers(tree):
        if receiver not in names:
            raise errors.plain(400, f"invalid object specification: receiver '{receiver}' does not exist")
    for name in sorted(_time_intervals(tree)):
        if name not in org.mute_timings:
            raise errors.plain(400, f"invalid object specification: mute time interval '{name}' does not exist")
    requested = request_provenance(ctx)
    if org.policy_provenance and not requested:
        raise errors.public(403, "alerting.notifications.invalidProvenance",
                            f"cannot change provenance from '{org.policy_provenance}' to ''")
    org.policy_tree = tree
    org.policy_provenance = requested
    return Response(202, {"message": "policies updated"})


def reset_policies(ctx: Ctx) -> Response:
    org = ctx.org
    org.policy_tree = default_policy_tree()
    org.policy_provenance = ""
    if not any(cp.name == "grafana-default-email" for cp in org.contact_points.values()):
        cp = ContactPoint(uid=generate_uid(), name="grafana-default-email", type="email",
                          settings={"addresses": "<example@email.com>"})
        org.contact_points[cp.uid] = cp
    return Response(202, copy.deepcopy(org.policy_tree))


# --- a person in the UI (test controls, not endpoints) -----------------------------------------


def ui_edit_policy_tree(emu: Any, tree: dict[str, Any], org_id: int = 1) -> None:
    """Save the whole tree as the UI does; a provisioned tree cannot be edited there."""
    with emu.store.lock:
        org = emu.store.org(org_id)
        if org.policy_provenance:
            raise PermissionError(f"the policy tree is provisioned ({org.policy_provenance!r}); the UI cannot edit it")
        org.policy_tree = copy.deepcopy(tree)


def ui_edit_contact_point(emu: Any, uid: str, settings: dict[str, Any], org_id: int = 1) -> None:
    """Change settings of an integration as the UI form does (unknown settings keys are dropped)."""
    with emu.store.lock:
        cp = emu.store.org(org_id).contact_points[uid]
        if cp.provenance:
            raise PermissionError(f"contact point {uid} is provisioned ({cp.provenance!r}); the UI cannot edit it")
        known = {k: v for k, v in cp.settings.items() if not k.startswith("gac")}
        cp.settings = {**known, **copy.deepcopy(settings)}


def register(router: Router) -> None:
    base = "/api/v1/provisioning"
    router.add("GET", f"{base}/contact-points", list_cps, "alert.provisioning:read")
    router.add("GET", f"{base}/contact-points/export", export_cps, "alert.provisioning:read")
    router.add("POST", f"{base}/contact-points", post_cp, "alert.provisioning:write", body=True)
    router.add("PUT", f"{base}/contact-points/:uid", put_cp, "alert.provisioning:write", body=True)
    router.add("DELETE", f"{base}/contact-points/:uid", delete_cp, "alert.provisioning:write")
    router.add("GET", f"{base}/templates", list_templates, "alert.provisioning:read")
    router.add("GET", f"{base}/templates/:name", get_template, "alert.provisioning:read")
    router.add("PUT", f"{base}/templates/:name", put_template, "alert.provisioning:write", body=True)
    router.add("DELETE", f"{base}/templates/:name", delete_template, "alert.provisioning:write")
    router.add("GET", f"{base}/mute-timings", list_mutes, "alert.provisioning:read")
    router.add("GET", f"{base}/mute-timings/:name", get_mute, "alert.provisioning:read")
    router.add("POST", f"{base}/mute-timings", post_mute, "alert.provisioning:write", body=True)
    router.add("PUT", f"{base}/mute-timings/:name", put_mute, "alert.provisioning:write", body=True)
    router.add("DELETE", f"{base}/mute-timings/:name", delete_mute, "alert.provisioning:write")
    router.add("GET", f"{base}/policies", get_policies, "alert.provisioning:read")
    router.add("PUT", f"{base}/policies", put_policies, "alert.provisioning:write", body=True)
    router.add("DELETE", f"{base}/policies", reset_policies, "alert.provisioning:write")
