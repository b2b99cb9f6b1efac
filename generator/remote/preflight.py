"""Checks that run before the first write: the tree is lint-clean, Grafana is healthy and
reachable, the credentials work, which Grafana it is and which resource APIs it serves,
and -- once the plan is known -- that the token may make every write it needs.

Each failure is an exception with DESIGN.md's exit code and a message naming what to fix
(never a credential). The login is shown, never used to decide ownership: for a service
account Grafana shows "Anonymous" or a display name as `createdBy`, not the login
(shared/grafana/VERSIONS.md).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..handlers import k8s
from ..handlers.live import ApiError, ResourceApis
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
    #: the resource APIs gac goes through (legacy /api where empty)
    apis: ResourceApis = field(default_factory=ResourceApis)
    #: what `GET /apis` lists: group -> served versions (empty: no /apis, Grafana 11)
    served: dict[str, list[str]] = field(default_factory=dict)


def lint_errors(raw: list[Resource], config: dict[str, Any]) -> list[Any]:
    from ..build import lint

    return [f for f in lint(raw, config) if getattr(f, "severity", "") == "error"]


def check_lint(raw: list[Resource], config: dict[str, Any]) -> None:
    errors = lint_errors(raw, config)
    if errors:
        shown = "; ".join(_finding(f) for f in errors[:5]) + (" …" if len(errors) > 5 else "")
        raise LintBlocked(f"lint found {len(errors)} error(s) in generated/ ({shown}), so nothing was written: fix "
                          "the definitions and run `gac build` (generated/ deployed without its definitions: rebuild "
                          "it where they are), then sync")


def _finding(finding: Any) -> str:
    where = getattr(finding, "file", None) or getattr(finding, "dashboard", None) or ""
    rule = getattr(finding, "rule", "")
    return f"{where}: {rule}: {getattr(finding, 'message', finding)}".strip(": ")


def check_grafana(conn: Connection) -> Target:
    """Health (unauthenticated), then the identity (authenticated): no write happens before both pass.

    Every answer must have the shape Grafana gives it (shared/grafana/API.md §2): a server
    that answers anything to everything (`200 []`, `{"status": "ok"}`) is not taken for a
    Grafana of unknown version, and no sync sends it contact points and their secrets.
    """
    url = conn.settings.url
    try:
        health = conn.read_anonymous("health check", lambda g: g.client.GET("/health"))
    except ApiError as exc:
        hint = " (is the URL right, and the server up?)" if exc.status in (0, 404) else \
            " (Grafana answers it to anyone, without credentials: is the URL Grafana's, with nothing in front of it " \
            "that asks for them?)" if exc.status in (401, 403) else ""
        raise ConnectionFailed(f"Grafana at {url} is not healthy or not reachable: {exc}{hint}") from None
    version = _health_version(conn, health)
    if health["database"] != "ok":
        raise ConnectionFailed(f"Grafana at {url} reports its database as {health['database']!r}; try again later")
    if version is not None:
        _check_version(conn, version)
    # three independent questions, asked at once: on a distant Grafana each round trip counts
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="gac-preflight") as pool:
        identity, org, apis = pool.submit(_identity, conn), pool.submit(_org, conn), pool.submit(discover_apis, conn)
    # taken in this order, so the error a run stops with is the one it stopped with when they were asked in turn
    login, org_id, served = identity.result(), org.result(), apis.result()
    if version is None:  # `[auth.anonymous] hide_version`: a signed-in identity still reads it
        version = _build_version(conn)
        if version is not None:
            _check_version(conn, version)
    return Target(url, version or "(version hidden)", org_id, login, k8s.choose_apis(served, org_id), served)


#: Grafana's build versions: `11.6.0`, `12.0.0-pre`, `12.1.0+security-01`, `11.5.0-12345`
_VERSION = re.compile(r"v?(\d+)\.(\d+)(\.\d+)?([-+][0-9A-Za-z.+-]*)?")


class NotGrafana(ConnectionFailed):
    """The server answered, but not as Grafana does: nothing is read from it or written to it."""


def _not_grafana(conn: Connection, what: str) -> NotGrafana:
    settings = conn.settings
    return NotGrafana(f"{settings.url} is not a Grafana API: {what}; is {settings.url_source} the Grafana server "
                      "(scheme, port and sub-path included)? Nothing was written")


def _shape(value: Any) -> str:
    """What an answer is, without quoting it (a stranger's server may answer anything)."""
    if isinstance(value, dict):
        return "a JSON object" if value else "an empty JSON object"
    if isinstance(value, list):
        return "a JSON list" if value else "an empty JSON list"
    if value is None or value == "":
        return "nothing"
    return f"a JSON {type(value).__name__}"


def _health_version(conn: Connection, health: Any) -> str | None:
    """The version `GET /api/health` states (`healthResponse`: `database` always, `version` and
    `commit` unless hidden by `[auth.anonymous] hide_version`); None when hidden."""
    if not isinstance(health, dict) or not isinstance(health.get("database"), str):
        raise _not_grafana(conn, f"GET /api/health answered {_shape(health)} without \"database\", not Grafana's "
                                 '{"database": "ok", "version": ...}')
    if "version" not in health:
        return None
    version = health["version"]
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise _not_grafana(conn, 'GET /api/health answered a "version" that is not a Grafana version')
    return version


def _check_version(conn: Connection, version: str) -> None:
    major = int(version.lstrip("v").split(".", 1)[0])
    if major < MIN_MAJOR:
        raise ConnectionFailed(f"Grafana {version} at {conn.settings.url} is too old: the alerting provisioning "
                               f"API needs {MIN_MAJOR}.x or newer")


def _build_version(conn: Connection) -> str | None:
    """`GET /api/frontend/settings` `buildInfo.version`: hidden from anonymous callers only."""
    try:
        settings = conn.read("version (GET /api/frontend/settings)", lambda g: g.client.GET("/frontend/settings"))
    except ApiError as exc:
        if exc.status in (0, 500, 502, 503, 504):
            raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
        return None
    build = settings.get("buildInfo") if isinstance(settings, dict) else None
    version = build.get("version") if isinstance(build, dict) else None
    return version if isinstance(version, str) and _VERSION.fullmatch(version) else None


def discover_apis(conn: Connection) -> dict[str, list[str]]:
    """`GET /apis` (an APIGroupList): the resource API groups and versions this Grafana serves.

    Grafana 11 answers 404; anything but a list (a proxy that blocks /apis, 403) means the
    legacy API only.
    """
    try:
        answer = conn.read("resource APIs (GET /apis)", lambda g: g.client.GET("s"))
    except ApiError as exc:
        if exc.status in (0, 500, 502, 503, 504):
            raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
        return {}
    groups = answer.get("groups") if isinstance(answer, dict) else None
    out: dict[str, list[str]] = {}
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, dict) and group.get("name"):
            out[str(group["name"])] = [str(v.get("version")) for v in group.get("versions") or []
                                       if isinstance(v, dict) and v.get("version")]
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _identity(conn: Connection) -> str | None:
    """The sync identity's login: Grafana's answer, else the basic-auth user, else what the stamps tell.

    `GET /api/user` answers a `UserProfileDTO` (`login`, `orgId`, ... -- for a service account
    too, built from the signed-in identity: pkg/api/user.go `GetSignedInUser`).
    """
    try:
        user = conn.read("who am I (GET /api/user)", lambda g: g.user.get_actual_user())
    except ApiError as exc:
        if exc.status == 403:
            raise AuthError(f"the credentials from {conn.settings.credential_source} were accepted but lack "
                            f"permissions ({exc})") from None
        if exc.status not in (404, 405):
            raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
    else:
        if not (isinstance(user, dict) and isinstance(user.get("login"), str) and _is_int(user.get("orgId"))):
            raise _not_grafana(conn, f"GET /api/user answered {_shape(user)}, not Grafana's signed-in user "
                                     '({"login": ..., "orgId": ...})')
        if user["login"]:
            return str(user["login"])
    # Grafana would not say (some proxies/versions): prove the credentials another way
    try:
        found = conn.read("check credentials", lambda g: g.search.search_dashboards(limit=1))
    except ApiError as exc:
        raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
    if not isinstance(found, list):
        raise _not_grafana(conn, f"GET /api/search answered {_shape(found)}, not Grafana's list of results")
    return conn.settings.basic_login


def _org(conn: Connection) -> int:
    """The organisation the credentials act in: `GET /api/org`'s `OrgDetailsDTO` (`id`, `name`)."""
    try:
        org = conn.read("current organisation (GET /api/org)", lambda g: g.organization.get_current_organization())
    except ApiError as exc:
        if exc.status not in (403, 404, 405):
            raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
        return conn.settings.org_id or 1
    if not (isinstance(org, dict) and _is_int(org.get("id"))):
        raise _not_grafana(conn, f"GET /api/org answered {_shape(org)}, not Grafana's organisation "
                                 '({"id": ..., "name": ...})')
    return int(org["id"])


# --- may this token make the writes the plan needs? ---------------------------------------------

def own_permissions(conn: Connection) -> dict[str, Any] | None:
    """`GET /api/access-control/user/permissions`: action -> scopes the token holds (None: not told).

    Grafana answers it for any signed-in identity about itself; Azure Managed Grafana and
    setups without RBAC may not serve it, and then writes are tried and refused one by one.
    """
    try:
        answer = conn.read("own permissions (GET /api/access-control/user/permissions)",
                           lambda g: g.client.GET("/access-control/user/permissions"))
    except ApiError as exc:
        if exc.status in (0, 500, 502, 503, 504):
            raise ConnectionFailed(f"Grafana at {conn.settings.url}: {exc}") from None
        return None
    return answer if isinstance(answer, dict) else None


def missing_permissions(held: dict[str, Any], needed: Iterable[tuple[str, str, tuple[str, ...]]]) -> list[str]:
    """(kind, action, any-of RBAC actions) the token lacks, as "dashboards:create (to create dashboards)".

    Only the action is checked, not its scope: a token allowed in some folders only
    passes here and is refused per object (reported as a failed write).
    """
    out = []
    for kind, action, any_of in sorted(set(needed)):
        if any_of and not any(a in held for a in any_of):
            out.append(f"{' or '.join(any_of)} (to {action} {kind}s)")
    return out


def check_permissions(conn: Connection, needed: Iterable[tuple[str, str, tuple[str, ...]]], *,
                      doing: str = "make the writes this sync needs") -> None:
    """Stop before the first write (exit 2) when the token lacks an action the run needs."""
    needed = list(needed)
    if not needed:
        return
    held = own_permissions(conn)
    if held is None:
        return
    missing = missing_permissions(held, needed)
    if missing:
        raise AuthError(f"the credentials from {conn.settings.credential_source} may not {doing}, so nothing was "
                        f"written: missing {'; '.join(missing)}. Use a token with the Editor "
                        "role (Admin for data sources and alerting provisioning), or grant these actions")
