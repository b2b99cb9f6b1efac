"""Contact points and the notification policy tree (provisioning API).

Statuses follow API.md section 7 (POST 202 with the created contact point,
PUT/DELETE 202 with a message; policies PUT 202, DELETE resets to the
default tree).  Provenance per section 10: a contact point stored with a
provenance cannot be PUT without one (500, message = the service error
text); DELETE makes no provenance check; the policy tree refuses only a
change from a set provenance to none (403 errutil
``alerting.notifications.invalidProvenance``).

Not emulated: per-integration settings validation, redaction of secure
settings in GET answers, refusing to delete a contact point a policy uses,
mute timings and templates.  A policy naming a receiver that does not exist
is refused with 400 (the message wording is the emulator's).
"""

from __future__ import annotations

import copy
from typing import Any

from .. import errors
from ..routing import Ctx, Response, Router
from ..state import MAX_UID_LENGTH, UID_PATTERN, ContactPoint, default_policy_tree, generate_uid
from .alerting import request_provenance


def cp_dto(cp: ContactPoint) -> dict[str, Any]:
    dto: dict[str, Any] = {"uid": cp.uid, "name": cp.name, "type": cp.type, "settings": copy.deepcopy(cp.settings),
                           "disableResolveMessage": cp.disable_resolve_message}
    if cp.provenance:
        dto["provenance"] = cp.provenance
    return dto


def list_cps(ctx: Ctx) -> Response:
    name = ctx.q("name")
    items = [cp for cp in ctx.org.contact_points.values() if not name or cp.name == name]
    return Response(200, [cp_dto(cp) for cp in sorted(items, key=lambda c: (c.name, c.uid))])


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


def post_cp(ctx: Ctx) -> Response:
    raw = _validated(ctx.body)
    org = ctx.org
    uid = raw.get("uid") or generate_uid()
    if uid in org.contact_points:
        raise errors.plain(400, f"contact point with uid '{uid}' already exists")
    cp = ContactPoint(uid=uid, name=raw["name"], type=raw["type"], settings=copy.deepcopy(raw["settings"]),
                      disable_resolve_message=raw.get("disableResolveMessage") is True,
                      provenance=request_provenance(ctx))
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
    cp.name, cp.type, cp.settings = raw["name"], raw["type"], copy.deepcopy(raw["settings"])
    cp.disable_resolve_message = raw.get("disableResolveMessage") is True
    cp.provenance = requested
    return Response(202, {"message": "contactpoint updated"})


def delete_cp(ctx: Ctx) -> Response:
    ctx.org.contact_points.pop(ctx.params["uid"], None)
    return Response(202, {"message": "contactpoint deleted"})


def get_policies(ctx: Ctx) -> Response:
    org = ctx.org
    tree = copy.deepcopy(org.policy_tree)
    if org.policy_provenance:
        tree["provenance"] = org.policy_provenance
    return Response(200, tree)


def _receivers(route: dict[str, Any]) -> list[str]:
    out = [route["receiver"]] if isinstance(route.get("receiver"), str) and route.get("receiver") else []
    for child in route.get("routes") or []:
        if isinstance(child, dict):
            out.extend(_receivers(child))
    return out


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
    return Response(202, copy.deepcopy(org.policy_tree))


def register(router: Router) -> None:
    base = "/api/v1/provisioning"
    router.add("GET", f"{base}/contact-points", list_cps, "alert.provisioning:read")
    router.add("POST", f"{base}/contact-points", post_cp, "alert.provisioning:write", body=True)
    router.add("PUT", f"{base}/contact-points/:uid", put_cp, "alert.provisioning:write", body=True)
    router.add("DELETE", f"{base}/contact-points/:uid", delete_cp, "alert.provisioning:write")
    router.add("GET", f"{base}/policies", get_policies, "alert.provisioning:read")
    router.add("PUT", f"{base}/policies", put_policies, "alert.provisioning:write", body=True)
    router.add("DELETE", f"{base}/policies", reset_policies, "alert.provisioning:write")
