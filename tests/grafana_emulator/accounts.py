"""Service accounts and their tokens, created by tests (Grafana: ``POST /api/serviceaccounts`` + ``/tokens``).

Grafana names a service account's login ``sa-<orgId>-<lowercased name>``
(``serviceaccounts.GenerateLogin``, id 799360626) and keeps the name as its
display name; ``GET /api/user`` with its token answers the login (``GetSignedInUser``,
id 232480067).  The HTTP endpoints are not emulated: tests create accounts
through ``GrafanaEmulator.create_service_account`` (or ``POST /__emulator/service-accounts``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .auth import Principal, service_account_login
from .control import UserClient

if TYPE_CHECKING:
    from .server import GrafanaEmulator

ROLES = ("Viewer", "Editor", "Admin", "None")


@dataclass(frozen=True)
class ServiceAccountToken:
    """A created service account and one ``glsa_`` token for it."""

    login: str
    name: str
    uid: str
    id: int
    role: str
    org_id: int
    token: str
    url: str

    def client(self) -> UserClient:
        """An HTTP client that sends ``Authorization: Bearer <token>``."""
        return UserClient(self.url, token=self.token, login=self.login)


def create_service_account(emu: "GrafanaEmulator", name: str, role: str = "Editor",
                           org_id: int = 1) -> ServiceAccountToken:
    """Create a service account with ``role`` in ``org_id`` and a token for it."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    if not name.strip():
        raise ValueError("service account name must not be empty")
    login = service_account_login(org_id, name) if emu.profile.real_sa_login else name
    if any(p.login == login for p in emu.auth.principals):
        raise ValueError(f"a service account with login {login!r} already exists")
    new_id = max(p.id for p in emu.auth.principals) + 1
    token = "glsa_" + secrets.token_hex(16)
    principal = Principal(login, "service-account", {org_id: "" if role == "None" else role}, token=token,
                          name=name, uid=f"sa{new_id:04d}{secrets.token_hex(4)}", id=new_id)
    emu.auth.add(principal)
    return ServiceAccountToken(login=login, name=name, uid=principal.uid, id=new_id, role=role, org_id=org_id,
                               token=token, url=emu.url)
