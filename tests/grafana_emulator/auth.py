"""Authentication, organisation choice and the permission check.

Mirrors Grafana's authn service (``pkg/services/authn/authnimpl/service.go``
and its clients), as read in source:

* The org is taken from the ``targetOrgId`` query parameter, else the
  ``X-Grafana-Org-Id`` header; a non-numeric value counts as "none" (0).
* Bearer token (service account): unknown token -> 401 errutil
  ``api-key.invalid`` "Invalid API key"; a token used with another org ->
  401 ``api-key.organization-mismatch`` "API key does not belong to the
  requested organization" (``clients/api_key.go``).
* Basic auth: wrong user or password -> 401 ``password-auth.failed``
  "Invalid username or password" (``clients/password.go``); an empty password
  fails the same way.
* No credentials -> 401 errutil ``auth.unauthorized`` with no public message,
  so the body's message is the status text "Unauthorized"
  (``errCantAuthenticateReq``).  This settles API.md's [UNCONFIRMED] note.
* A user asking for an org they are not a member of is *not* rejected at
  authentication: ``GetSignedInUser`` gives them org -1 ("Org missing") and no
  role (user store / ``user_sync.go`` ``FetchSyncedUserHook``), so every
  permission check then fails with the RBAC 403.  The emulator models that:
  such an identity has ``org_id == -1`` and no permissions (search answers an
  empty list, as it filters by permission).

Permissions are coarse, per basic role, enough to produce Grafana's 403s for
a Viewer or a non-member: Viewer reads dashboards/folders/rules; Editor also
writes them; Admin does everything, including data sources and alerting
provisioning (``alert.provisioning:*`` and ``datasources:*`` are Admin-only
in the basic roles).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from . import errors

#: Basic-role permissions as ``action -> scopes`` (what ``GET /api/access-control/user/permissions``
#: answers, ``GroupScopesByAction``).  A subset of Grafana's basic roles (pkg/services/accesscontrol
#: roles.go and the dashboards/folders/datasources/alerting fixed roles they include): enough for a client
#: to learn whether its token can read/write dashboards, folders, data sources and rules.
VIEWER_PERMISSIONS: dict[str, list[str]] = {
    "dashboards:read": ["dashboards:*", "folders:*"],
    "folders:read": ["folders:*"],
    "alert.rules:read": ["folders:*"],
    "annotations:read": ["annotations:type:*"],
    "datasources:query": ["datasources:*"],
}
EDITOR_PERMISSIONS: dict[str, list[str]] = {
    **VIEWER_PERMISSIONS,
    "dashboards:create": ["folders:*"],
    "dashboards:write": ["dashboards:*", "folders:*"],
    "dashboards:delete": ["dashboards:*", "folders:*"],
    "folders:create": ["folders:*"],
    "folders:write": ["folders:*"],
    "folders:delete": ["folders:*"],
    "alert.rules:create": ["folders:*"],
    "alert.rules:write": ["folders:*"],
    "alert.rules:delete": ["folders:*"],
    "datasources:explore": [],
}
ADMIN_PERMISSIONS: dict[str, list[str]] = {
    **EDITOR_PERMISSIONS,
    "datasources:create": [],
    "datasources:read": ["datasources:*"],
    "datasources:write": ["datasources:*"],
    "datasources:delete": ["datasources:*"],
    "alert.provisioning:read": [],
    "alert.provisioning:write": [],
    "alert.notifications:read": [],
    "alert.notifications:write": [],
    "dashboards.permissions:read": ["dashboards:*", "folders:*"],
    "dashboards.permissions:write": ["dashboards:*", "folders:*"],
    "folders.permissions:read": ["folders:*"],
    "folders.permissions:write": ["folders:*"],
    "serviceaccounts:read": ["serviceaccounts:*"],
    "serviceaccounts:write": ["serviceaccounts:*"],
    "org.users:read": ["users:*"],
}
ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    "Viewer": VIEWER_PERMISSIONS, "Editor": EDITOR_PERMISSIONS, "Admin": ADMIN_PERMISSIONS,
}
ROLE_ACTIONS: dict[str, set[str]] = {
    "Viewer": set(VIEWER_PERMISSIONS),
    "Editor": set(EDITOR_PERMISSIONS),
}
ADMIN_ALL = "*"


def service_account_login(org_id: int, name: str) -> str:
    """``serviceaccounts.GenerateLogin("sa", orgId, name)`` (id 799360626)."""
    login = f"sa-{org_id}-{name.lower()}".replace("--", "-", 1)
    return login.replace(" ", "-")


@dataclass
class Principal:
    """A user or service account: its login, display name, uid and role per org.

    ``uid`` is the identity's string uid; the typed reference Grafana writes
    into ``grafana.app/createdBy``/``updatedBy`` is ``ref`` (``user:<uid>`` or
    ``service-account:<uid>``, authlib ``types.NewTypeID``).
    """

    login: str
    kind: str  # "user" | "service-account"
    org_roles: dict[int, str]
    password: str | None = None
    token: str | None = None
    is_server_admin: bool = False
    name: str = ""
    uid: str = ""
    id: int = 0

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.uid}"

    @property
    def display_name(self) -> str:
        return self.name or self.login


@dataclass
class Identity:
    """Who a request runs as, in which org, with which role ("" = none)."""

    principal: Principal
    org_id: int
    role: str
    extra_actions: set[str] = field(default_factory=set)

    @property
    def login(self) -> str:
        return self.principal.login

    @property
    def ref(self) -> str:
        return self.principal.ref

    def can(self, action: str) -> bool:
        """``action`` may be ``a|b`` (any of, like ``ac.EvalAny``)."""
        if self.org_id < 0 or not self.role:
            return False
        if self.role == "Admin":
            return True
        allowed = ROLE_ACTIONS.get(self.role, set())
        return any(a in allowed for a in action.split("|"))

    def permissions(self) -> dict[str, list[str]]:
        """``GroupScopesByAction`` of the identity's permissions in its org (empty for a non-member)."""
        if self.org_id < 0 or not self.role:
            return {}
        return {action: list(scopes) for action, scopes in sorted(ROLE_PERMISSIONS[self.role].items())}


class Authenticator:
    """Maps credentials to principals; the fixture decides who exists."""

    def __init__(self, principals: list[Principal]) -> None:
        self.principals = principals

    def add(self, principal: Principal) -> Principal:
        self.principals.append(principal)
        return principal

    def by_ref(self, ref: str) -> Principal | None:
        return next((p for p in self.principals if ref and p.ref == ref), None)

    def by_login(self, login: str) -> Principal:
        for p in self.principals:
            if p.login == login:
                return p
        raise KeyError(login)

    def authenticate(self, headers: dict[str, str], query: dict[str, list[str]]) -> Identity:
        """The request's identity, or raise the ApiError Grafana would answer."""
        org_id = _requested_org(headers, query)
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "bearer" and value:
            return self._token(value, org_id)
        if scheme == "basic" and value:
            return self._basic(value, org_id)
        raise errors.public(401, "auth.unauthorized", "Unauthorized")

    def _token(self, token: str, org_id: int) -> Identity:
        principal = next((p for p in self.principals if p.token and p.token == token), None)
        if principal is None:
            raise errors.public(401, "api-key.invalid", "Invalid API key")
        (own_org, role), = principal.org_roles.items()
        if org_id and org_id != own_org:
            raise errors.public(
                401, "api-key.organization-mismatch", "API key does not belong to the requested organization"
            )
        return Identity(principal, own_org, role)

    def _basic(self, value: str, org_id: int) -> Identity:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise errors.public(401, "auth.unauthorized", "Unauthorized") from None
        login, _, password = decoded.partition(":")
        principal = next((p for p in self.principals if p.kind == "user" and p.login == login), None)
        if principal is None or not password or principal.password != password:
            raise errors.public(401, "password-auth.failed", "Invalid username or password")
        if not org_id:
            org_id = min(principal.org_roles) if principal.org_roles else -1
        role = principal.org_roles.get(org_id, "")
        return Identity(principal, org_id if role else -1, role)


def _requested_org(headers: dict[str, str], query: dict[str, list[str]]) -> int:
    for raw in (query.get("targetOrgId", [""])[0], headers.get("x-grafana-org-id", "")):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            continue
        if value > 0:
            return value
    return 0


def require(identity: Identity, action: str) -> None:
    """The RBAC middleware: 403 with Grafana's body when the action is not allowed."""
    if not identity.can(action):
        raise errors.rbac_denied(action)

