"""``GET /api/user``, ``GET /api/org`` and the access-control self-inspection endpoints.

``GET /api/access-control/user/permissions`` answers ``GroupScopesByAction``
(``{"dashboards:read": ["dashboards:*", ...]}``) and ``/user/actions``
``BuildPermissionsMap`` (``{"dashboards:read": true}``), both for any signed-in
identity (``middleware.ReqSignedIn``; pkg/services/accesscontrol/api/api.go,
ids 465799430, 51979076872).  The way a token learns what it may do.

``GET /api/user`` and ``GET /api/org``: who the caller is, and in which organisation.

From ``pkg/api/user.go`` ``GetSignedInUser`` (11.x): a user gets its stored profile; any
other identity type (a service account) gets a ``UserProfileDTO`` built from the signed-in
identity alone, so the fields it does not set keep Go's zero values. ``pkg/api/org.go``
``GetCurrentOrg`` answers ``OrgDetailsDTO`` with an empty address.
"""

from __future__ import annotations

from ..routing import Ctx, Response, Router

_ZERO_TIME = "0001-01-01T00:00:00Z"


def _profile(ctx: Ctx) -> dict:
    identity = ctx.identity
    assert identity is not None
    principal = identity.principal
    ids = {p.login: n for n, p in enumerate(ctx.emulator.auth.principals, start=1)}
    profile = {
        "id": 0, "uid": "", "email": "", "name": principal.login, "login": principal.login, "theme": "",
        "orgId": identity.org_id, "isGrafanaAdmin": principal.is_server_admin, "isDisabled": False,
        "isExternal": False, "isExternallySynced": False, "isGrafanaAdminExternallySynced": False,
        "authLabels": None, "updatedAt": _ZERO_TIME, "createdAt": _ZERO_TIME, "avatarUrl": "",
        "isProvisioned": False,
    }
    real = not ctx.emulator.profile.legacy
    if principal.kind == "service-account":
        # 11.6+ (id 232480067): uid GetID() = "service-account:<id>", name NameOrFallback() = display name.
        profile["uid"] = f"service-account:{principal.id if real else ids[principal.login]}"
        if real:
            profile["name"] = principal.display_name
        return profile
    if real:
        profile.update(id=principal.id, uid=principal.uid, name=principal.display_name,
                       email=f"{principal.login}@localhost", authLabels=[], avatarUrl=f"/avatar/{principal.login}")
        return profile
    profile.update(id=ids[principal.login], uid=f"u{ids[principal.login]:06d}", email=f"{principal.login}@localhost",
                   authLabels=[], avatarUrl=f"/avatar/{principal.login}")
    return profile


def signed_in_user(ctx: Ctx) -> Response:
    return Response(200, _profile(ctx))


def current_org(ctx: Ctx) -> Response:
    org = ctx.org
    address = {"address1": "", "address2": "", "city": "", "zipCode": "", "state": "", "country": ""}
    return Response(200, {"id": org.id, "name": org.name, "address": address})


def user_permissions(ctx: Ctx) -> Response:
    assert ctx.identity is not None
    return Response(200, ctx.identity.permissions())


def user_actions(ctx: Ctx) -> Response:
    assert ctx.identity is not None
    return Response(200, {action: True for action in ctx.identity.permissions()})


def register(router: Router) -> None:
    router.add("GET", "/api/access-control/user/permissions", user_permissions)
    router.add("GET", "/api/access-control/user/actions", user_actions)
    router.add("GET", "/api/user", signed_in_user)
    router.add("GET", "/api/org", current_org)
