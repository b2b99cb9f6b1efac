"""Checks that run before the first write: the tree is lint-clean, Grafana is healthy and
reachable, the credentials work, and who the sync identity is.

Each failure is an exception with DESIGN.md's exit code and a message naming what to fix
(never a credential). Knowing the sync identity's login matters: a folder cannot carry a
stamp, so "renamed in the UI" is told by its last writer not being the sync identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..handlers.dashboard import sync_login_from_stamps
from ..handlers.live import ApiError
from ..resource import Resource
from ..sync.errors import AuthError, ConnectionFailed, LintBlocked
from .connection import Connection

MIN_MAJOR = 9


@dataclass(frozen=True)
class Target:
    """The Grafana a run talks to, as it described itself."""

    url: str
    version: str
    org_id: int
    login: str | None


def lint_errors(raw: list[Resource], config: dict[str, Any]) -> list[Any]:
    from ..build import lint

    return [f for f in lint(raw, config) if getattr(f, "severity", "") == "error"]


def check_lint(raw: list[Resource], config: dict[str, Any]) -> None:
    errors = lint_errors(raw, config)
    if errors:
        shown = "; ".join(_finding(f) for f in errors[:5]) + (" …" if len(errors) > 5 else "")
        raise LintBlocked(f"lint found {len(errors)} error(s) in generated/, so nothing was written: {shown}. "
                          "Fix the definitions, run `gac build`, then sync")


def _finding(finding: Any) -> str:
    where = getattr(finding, "file", None) or getattr(finding, "dashboard", None) or ""
    rule = getattr(finding, "rule", "")
    return f"{where}: {rule}: {getattr(finding, 'message', finding)}".strip(": ")


def check_grafana(conn: Connection) -> Target:
    """Health (unauthenticated), then the identity (authenticated): no write happens before both pass."""
    url = conn.settings.url
    try:
        health = conn.read("health check", lambda g: g.client.GET("/health"))
    except ApiError as exc:
        hint = " (is the URL right, and the server up?)" if exc.status in (0, 404) else ""
        raise ConnectionFailed(f"Grafana at {url} is not healthy or not reachable: {exc}{hint}") from None
    if isinstance(health, dict) and health.get("database") not in (None, "ok"):
        raise ConnectionFailed(f"Grafana at {url} reports its database as {health.get('database')!r}; try again later")
    version = str(health.get("version", "")) if isinstance(health, dict) else ""
    major = version.split(".", 1)[0]
    if major.isdigit() and int(major) < MIN_MAJOR:
        raise ConnectionFailed(f"Grafana {version} at {url} is too old: the alerting provisioning API needs "
                               f"{MIN_MAJOR}.x or newer")
    login = _identity(conn)
    org_id = _org(conn)
    return Target(url, version or "unknown", org_id, login)


def _identity(conn: Connection) -> str | None:
    """The sync identity's login: Grafana's answer, else the basic-auth user, else what the stamps tell."""
    try:
        user = conn.read("who am I (GET /api/user)", lambda g: g.user.get_actual_user())
        if isinstance(user, dict) and user.get("login"):
            return str(user["login"])
    except ApiError as exc:
        if exc.status == 403:
            raise AuthError(f"the credentials from {conn.settings.credential_source} were accepted but lack "
                            f"permissions ({exc})") from None
        if exc.status not in (404, 405):
            raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
    # Grafana would not say (some proxies/versions): prove the credentials another way
    try:
        conn.read("check credentials", lambda g: g.search.search_dashboards(limit=1))
    except ApiError as exc:
        raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
    if conn.settings.basic_login:
        return conn.settings.basic_login
    return sync_login_from_stamps(conn)


def _org(conn: Connection) -> int:
    try:
        org = conn.read("current organisation (GET /api/org)", lambda g: g.organization.get_current_organization())
        if isinstance(org, dict) and isinstance(org.get("id"), int):
            return org["id"]
    except ApiError as exc:
        if exc.status not in (403, 404, 405):
            raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
    return conn.settings.org_id or 1
