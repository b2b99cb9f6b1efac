"""The emulator itself: a real HTTP server on 127.0.0.1 plus its Python control surface.

One request goes through the same steps as in Grafana's middleware chain:
authentication (401), the route's RBAC action (403), body decoding and OpenAPI
validation (400 ``bad request data``), then the handler under the store's
single lock.  Around that sit the test controls (latency, injected faults, the
request log), which never touch state.

``GrafanaEmulator`` is what the ``grafana_emulator`` pytest fixture returns
and what ``python -m tests.grafana_emulator`` runs.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from . import errors
from .auth import Authenticator, Identity, Principal, require, service_account_login
from .accounts import ServiceAccountToken, create_service_account
from .control import ControlApi, UserClient
from .faults import Controls, Fault, RequestRecord, sleep
from .handlers import register_all
from .openapi import BodyValidator, Finding, get_validator
from .routing import Ctx, Response, Router
from .state import Store
from .versions import VersionProfile, profile_for

CONTROL_PREFIX = "/__emulator"


@dataclass
class EmulatorConfig:
    """Knobs for behaviour that differs between Grafana versions or deployments.

    ``grafana_version``: ``None`` = the legacy emulator (unfaithful: createdBy
    equal to the writer's login, a version bump on every save, no ``/apis``;
    kept only until gac handles 11/12/13, then to be removed), or ``"11.6"``,
    ``"12.x"``, ``"13.x"`` for the faithful model of that release
    (versions.py).  ``version`` (the build string /api/health answers) then
    follows the release unless set explicitly.
    """

    version: str = "11.3.0"
    grafana_version: str | None = None
    commit: str = "emulator"
    #: 12.x answers the dashboard versions list as {"continueToken", "versions"}.
    versions_list_object: bool = False
    #: Make /api/health answer 503 "database": "failing".
    database_failing: bool = False
    #: ``[auth.anonymous] hide_version``: /api/health leaves out version and commit (for every
    #: caller); /api/frontend/settings hides them from anonymous callers only (handlers/health.py).
    hide_version: bool = False
    #: Validate request bodies against the OpenAPI spec (when it is present).
    validate_bodies: bool = True


@dataclass
class Users:
    """The default principals; tests refer to them by login."""

    token: str = field(default_factory=lambda: "glsa_emulator_" + secrets.token_hex(16))
    sa_login: str = "sa-gac"
    admin_user: str = "admin"
    admin_password: str = "admin"
    users: dict[str, str] = field(default_factory=lambda: {"alice": "alice-password", "bob": "bob-password"})
    #: The service account's display name ("gac"; its login is then ``sa-1-gac`` on a real release).
    sa_name: str = "sa-gac"

    def principals(self) -> list[Principal]:
        return [
            Principal(self.sa_login, "service-account", {1: "Admin"}, token=self.token, name=self.sa_name,
                      uid="sa-gac-uid", id=2),
            Principal(self.admin_user, "user", {1: "Admin", 2: "Admin"}, password=self.admin_password,
                      is_server_admin=True, name=self.admin_user, uid="admin-uid", id=1),
            Principal("alice", "user", {1: "Admin"}, password=self.users["alice"], name="Alice", uid="alice-uid",
                      id=3),
            Principal("bob", "user", {1: "Viewer"}, password=self.users["bob"], name="Bob", uid="bob-uid", id=4),
        ]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class GrafanaEmulator:
    """A Grafana HTTP API emulator; start() it, use ``.url``/``.token``, stop() it."""

    def __init__(self, *, port: int = 0, token: str | None = None, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        #: What differs per Grafana release (versions.py); ``LEGACY`` when ``grafana_version`` is None.
        self.profile: VersionProfile = profile_for(self.config.grafana_version)
        if not self.profile.legacy and self.config.version == EmulatorConfig.version:
            self.config.version = self.profile.build
        users_kw: dict[str, Any] = {"token": token} if token else {}
        if self.profile.real_sa_login:
            users_kw.update(sa_name="gac", sa_login=service_account_login(1, "gac"))
        self._users = Users(**users_kw)
        self.token: str = self._users.token
        self.sa_login: str = self._users.sa_login
        self.sa_name: str = self._users.sa_name
        self.admin_user: str = self._users.admin_user
        self.admin_password: str = self._users.admin_password
        self.passwords: dict[str, str] = {self.admin_user: self.admin_password, **self._users.users}
        self.auth = Authenticator(self._users.principals())
        self.store = Store({1: "Main Org.", 2: "Second Org."})
        self.controls = Controls()
        self.router = Router()
        register_all(self.router)
        self.validator: BodyValidator | None = get_validator() if self.config.validate_bodies else None
        self._findings_lock = threading.Lock()
        self.schema_violations: list[Finding] = []
        self.contract_warnings: list[Finding] = []
        #: Tracebacks of handler crashes (answered as 500); should stay empty.
        self.internal_errors: list[str] = []
        self.control = ControlApi(self)
        #: One-shot racing saves, keyed by (org id, dashboard uid): run inside the next legacy save's
        #: check-then-write window (``race_next_save``).
        self.races: dict[tuple[int, str], Callable[[Any], None]] = {}
        self._port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "GrafanaEmulator":
        emulator = self

        class Handler(_RequestHandler):
            emu = emulator

        self._httpd = _Server(("127.0.0.1", self._port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="grafana-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "GrafanaEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "emulator not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- control surface (Python) ------------------------------------------------------------

    def as_user(self, login: str, *, org_id: int | None = None) -> UserClient:
        """An HTTP client authenticated as ``login`` (a user, or a service account's login)."""
        principal = self.auth.by_login(login)
        if principal.kind == "service-account":
            return UserClient(self.url, token=principal.token, org_id=org_id, login=login)
        return UserClient(self.url, basic=(login, self.passwords[login]), org_id=org_id, login=login)

    def client(self, *, org_id: int | None = None) -> UserClient:
        """An HTTP client authenticated with the service-account token."""
        return self.as_user(self.sa_login, org_id=org_id)

    def set_latency(self, seconds: float) -> None:
        """Delay every Grafana API request by ``seconds``."""
        self.controls.latency = float(seconds)

    def add_fault(self, method: str = ".*", path: str = ".*", *, kind: str = "status", status: int = 503,
                  count: int | None = 1, retry_after: str | int | None = None, delay: float = 0.0,
                  after_apply: bool = False, body: dict[str, Any] | None = None) -> Fault:
        """Inject a fault on requests whose method fully matches and path (``re.search``) matches."""
        return self.controls.add_fault(method=method, path=path, kind=kind, status=status, count=count,
                                       retry_after=None if retry_after is None else str(retry_after),
                                       delay=delay, after_apply=after_apply, body=body)

    def fail(self, method: str, path: str, status: int = 503, count: int | None = 1, **kw: Any) -> Fault:
        return self.add_fault(method, path, kind="status", status=status, count=count, **kw)

    def rate_limit(self, method: str, path: str, retry_after: str | int = 1, count: int | None = 1) -> Fault:
        return self.add_fault(method, path, kind="status", status=429, count=count, retry_after=retry_after)

    def cut(self, method: str, path: str, count: int | None = 1) -> Fault:
        """The request takes effect; its answer's JSON arrives cut in half."""
        return self.add_fault(method, path, kind="cut", count=count, after_apply=True)

    def drop(self, method: str, path: str, count: int | None = 1, after_apply: bool = False) -> Fault:
        return self.add_fault(method, path, kind="drop", count=count, after_apply=after_apply)

    def slow(self, method: str, path: str, delay: float, count: int | None = None) -> Fault:
        return self.add_fault(method, path, kind="delay", delay=delay, count=count)

    def clear_faults(self) -> None:
        self.controls.clear_faults()

    @property
    def requests(self) -> list[RequestRecord]:
        """Every Grafana API request served so far (control calls excluded), in order."""
        return self.controls.records()

    def requests_matching(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """Requests filtered by exact method and ``re.search`` on the path."""
        rx = re.compile(path) if path else None
        return [r for r in self.requests
                if (method is None or r.method == method.upper()) and (rx is None or rx.search(r.path))]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return len(self.requests_matching(method, path))

    @property
    def reads(self) -> list[RequestRecord]:
        return [r for r in self.requests if not r.is_write]

    @property
    def writes(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.is_write]

    def clear_log(self) -> None:
        self.controls.clear_log()
        with self._findings_lock:
            self.schema_violations.clear()
            self.contract_warnings.clear()

    def reset(self) -> None:
        """Empty state, no faults, no latency, empty log and findings."""
        self.store.reset()
        self.races.clear()
        self.controls.reset()
        self.clear_log()

    def assert_no_schema_violations(self) -> None:
        if self.schema_violations:
            raise AssertionError("requests violated Grafana's OpenAPI schema:\n" +
                                 "\n".join(f"  {f.method} {f.path}: {f}" for f in self.schema_violations))

    # Provisioned objects and UI-only edits (not Grafana endpoints; see control.py).
    def provision_datasource(self, body: dict[str, Any], org_id: int = 1) -> dict[str, Any]:
        return self.control.provision_datasource(body, org_id=org_id)

    def provision_dashboard(self, dashboard: dict[str, Any], folder_uid: str = "", **kw: Any) -> dict[str, Any]:
        return self.control.provision_dashboard(dashboard, folder_uid, **kw)

    def create_service_account(self, name: str, role: str = "Editor", org_id: int = 1) -> ServiceAccountToken:
        """A new service account (login ``sa-<org>-<name>`` on a real release) with a token; see accounts.py."""
        return create_service_account(self, name, role, org_id)

    def ui_save_dashboard(self, uid: str, changes: dict[str, Any], *, user: str = "alice", org_id: int = 1,
                          message: str = "") -> dict[str, Any]:
        return self.control.ui_save_dashboard(uid, changes, user=user, org_id=org_id, message=message)

    def race_next_save(self, uid: str, changes: dict[str, Any], *, user: str = "alice", org_id: int = 1) -> None:
        self.control.race_next_save(uid, changes, user=user, org_id=org_id)

    def save_dashboard_v2(self, uid: str, *, user: str = "alice", spec: dict[str, Any] | None = None,
                          layout: str = "TabsLayout", org_id: int = 1) -> dict[str, Any]:
        return self.control.save_dashboard_v2(uid, user=user, spec=spec, layout=layout, org_id=org_id)

    def set_provenance(self, kind: str, uid: str, provenance: str, org_id: int = 1) -> None:
        self.control.set_provenance(kind, uid, provenance, org_id=org_id)

    def ui_edit_alert_rule(self, uid: str, changes: dict[str, Any], user: str = "alice", org_id: int = 1) -> None:
        self.control.ui_edit_alert_rule(uid, changes, user=user, org_id=org_id)

    # --- request processing --------------------------------------------------------------------

    def process(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
                raw_body: bytes) -> tuple[Response, Identity | None]:
        """Run one Grafana API request through auth, RBAC, validation and its handler."""
        route, params, _known = self.router.match(method, path)
        if route is None:
            return _error_response(errors.plain(404, "Not found", trace=False)), None
        identity: Identity | None = None
        try:
            if route.auth:
                identity = self.auth.authenticate(headers, query)
                if route.action is not None:
                    require(identity, route.action)
            body: Any = None
            if route.takes_body:
                body = self._decode(method, path, raw_body)
            ctx = Ctx(self, method, path, params, query, headers, body, identity)
            with self.store.lock:
                return route.handler(ctx), identity
        except errors.ApiError as exc:
            return _error_response(exc), identity
        except Exception as exc:  # noqa: BLE001 - an emulator bug must not look like a dropped connection
            self.internal_errors.append(f"{method} {path}: {traceback.format_exc()}")
            return _error_response(errors.plain(500, "", error=f"emulator bug: {exc!r}")), identity

    def _decode(self, method: str, path: str, raw: bytes) -> Any:
        if not raw.strip():
            return None  # Go's Bind accepts an empty body (io.EOF) as a zero struct
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            finding = Finding("?", method, path, "?", "", f"invalid JSON: {exc}")
            with self._findings_lock:
                self.schema_violations.append(finding)
            raise errors.bad_request_data(str(finding)) from None
        if self.validator is not None:
            violations, warnings = self.validator.validate(method, path, body)
            with self._findings_lock:
                self.schema_violations.extend(violations)
                self.contract_warnings.extend(warnings)
            if violations:
                raise errors.bad_request_data("; ".join(str(v) for v in violations))
        return body


def _error_response(exc: errors.ApiError) -> Response:
    return Response(exc.status, exc.body, headers=dict(exc.headers))


class _RequestHandler(BaseHTTPRequestHandler):
    """Socket-level glue: parse, apply test controls, call ``GrafanaEmulator.process``, write."""

    emu: GrafanaEmulator
    protocol_version = "HTTP/1.1"
    server_version = "Grafana-Emulator"
    timeout = 60

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _handle(self) -> None:
        started = time.monotonic()
        method = self.command.upper()
        split = urlsplit(self.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""

        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self._write(self.emu.control.handle_http(method, path[len(CONTROL_PREFIX):], query, raw))
            return

        sleep(self.emu.controls.latency)
        faults = self.emu.controls.take_faults(method, path)
        for f in faults:
            if f.kind == "delay":
                sleep(f.delay)
        before = next((f for f in faults if f.kind != "delay" and not f.after_apply), None)
        after = next((f for f in faults if f.kind != "delay" and f.after_apply), None)
        delay_fault = next((f for f in faults if f.kind == "delay"), None)

        identity: Identity | None = None
        fault_used = before or after or delay_fault
        if before is None:
            response, identity = self.emu.process(method, path, query, headers, raw)
        else:
            identity = self._who(headers, query)  # not processed, but the log still names the caller
        final = before or after
        if final is not None and final.kind == "drop":
            self._record(method, path, split.query, None, identity, final, started)
            self._drop()
            return
        if final is not None and final.kind == "cut":
            whole = json.dumps(response.body).encode("utf-8") if response.body is not None else b""
            response = Response(response.status, whole[:len(whole) // 2], headers=response.headers)
        elif final is not None:
            response = _fault_response(final)
        # Record before answering, so a test that has its answer also sees it in the log.
        self._record(method, path, split.query, response.status, identity, fault_used, started)
        self._write(response, head_only=(method == "HEAD"))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    def _record(self, method: str, path: str, query: str, status: int | None, identity: Identity | None,
                fault: Fault | None, started: float) -> None:
        self.emu.controls.record(method=method, path=path, query=query, status=status,
                                 user=identity.login if identity else None,
                                 org_id=identity.org_id if identity else None,
                                 fault=fault.id if fault else None, started=started,
                                 duration=time.monotonic() - started)

    def _who(self, headers: dict[str, str], query: dict[str, list[str]]) -> Identity | None:
        try:
            return self.emu.auth.authenticate(headers, query)
        except errors.ApiError:
            return None

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _write(self, response: Response, head_only: bool = False) -> None:
        if response.body is None:
            payload = b""
        elif isinstance(response.body, bytes):
            payload = response.body
        elif isinstance(response.body, str):
            payload = response.body.encode("utf-8")
        else:
            payload = json.dumps(response.body, ensure_ascii=False, indent=2 if response.pretty else None,
                                 separators=None if response.pretty else (",", ":")).encode("utf-8")
        self.send_response(response.status)
        if payload or response.status not in (204,):
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if payload and not head_only:
            self.wfile.write(payload)


def _fault_response(fault: Fault) -> Response:
    if fault.body is not None:
        body: Any = fault.body
    elif fault.status == 429:
        body = {"message": "Too Many Requests"}
    elif fault.status >= 500:
        body = {"message": {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(
            fault.status, "Internal Server Error"), "traceID": ""}
    else:
        body = {"message": "injected fault"}
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    return Response(fault.status, body, headers=headers)
