"""Route table: method + path template -> handler, with the permission it needs.

Kept separate from the HTTP server so handlers are plain functions of a
``Ctx`` that return a ``Response`` (or raise ``ApiError``), testable without
sockets, and so the order of checks is in one place (server.py): auth, then
the route's RBAC action, then body decoding/validation, then the handler --
the order Grafana's middleware chain applies them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .auth import Identity
    from .server import GrafanaEmulator
    from .state import OrgState


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able, or bytes/str for non-JSON, or None for empty
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    pretty: bool = False


@dataclass
class Ctx:
    """Everything a handler needs about one request."""

    emulator: "GrafanaEmulator"
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    identity: "Identity | None"

    @property
    def org(self) -> "OrgState":
        assert self.identity is not None
        return self.emulator.store.org(self.identity.org_id)

    @property
    def namespace(self) -> str:
        """The ``/apis`` namespace of the caller's org (``request.GetNamespaceMapper``: org 1 = "default")."""
        assert self.identity is not None
        return namespace_of(self.identity.org_id)

    @property
    def login(self) -> str:
        return self.identity.login if self.identity else "Anonymous"

    def q(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def q_all(self, *names: str) -> list[str]:
        out: list[str] = []
        for name in names:
            out.extend(self.query.get(name, []))
        return out

    def q_int(self, name: str, default: int = 0) -> int:
        """Like macaron's ``QueryInt``: unparsable -> 0."""
        try:
            return int(self.q(name, str(default)))
        except ValueError:
            return 0

    def q_bool(self, name: str) -> bool:
        return self.q(name).lower() in ("1", "t", "true")


def namespace_of(org_id: int) -> str:
    return "default" if org_id == 1 else f"org-{org_id}"


Handler = Callable[[Ctx], Response]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    action: str | None  # RBAC action needed; None = any signed-in identity
    auth: bool = True
    takes_body: bool = False
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r":([A-Za-z_]+)", r"(?P<\1>[^/]+)", self.template)
        self.pattern = re.compile("^" + regex + "$")


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, action: str | None = None,
            *, auth: bool = True, body: bool = False) -> None:
        self.routes.append(Route(method, template, handler, action, auth, body))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known); path_known tells 404 from 405."""
        known = False
        for route in self.routes:
            m = route.pattern.match(path)
            if m is None:
                continue
            known = True
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                # Go's router hands handlers decoded path segments (`my%20group` → `my group`)
                return route, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, known
