"""The HTTP under grafana-client (generator/remote/transport.py): persistent connections, what is
sent, what comes back, what is left to niquests (proxies, redirects), TLS, and failures; and the
round trips a run waits for before its first read (preflight).

Each test talks to a small local server that records every request and every TCP
connection it accepted, so "one connection for many requests" is seen from the server side.
"""

from __future__ import annotations

import gzip
import http.server
import json
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import niquests
import pytest

from generator.handlers.live import ApiError
from generator.remote.connection import Connection, settings_from
from generator.remote.retry import RetryPolicy
from tests.loopback import server_context, serving

TOKEN = "glsa_transport_test_0123456789"


@dataclass
class Seen:
    """What the server saw: one entry per request, and how many connections it accepted."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: Seen

    def setup(self) -> None:
        super().setup()
        with self.seen.lock:
            self.seen.connections += 1

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.seen.lock:
            self.seen.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                       "body": body})
        path = self.path.split("?", 1)[0]
        if path.endswith("/redirect"):
            self._send(302, b"", {"Location": "/api/target"})
            return
        if path.endswith("/slow"):
            time.sleep(1.0)
        payload = json.dumps({"path": self.path, "method": self.command}).encode()
        headers = {"Content-Type": "application/json"}
        if path.endswith("/gzip"):
            payload, headers["Content-Encoding"] = gzip.compress(payload), "gzip"
        self._send(200, payload, headers)
        if path.endswith("/hang-up"):
            # answered in full, then the server ends the idle keep-alive connection (a Grafana or proxy
            # idle timeout): the next request must find out before it sends, not fail
            self.close_connection = True

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@dataclass
class Server:
    url: str
    seen: Seen


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The clients of these tests hang up mid-answer (a timeout) or refuse the certificate:
        the connection errors that follow in the server's thread are theirs, not printed."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _serve(context: ssl.SSLContext | None = None) -> Iterator[Server]:
    seen = Seen()
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = _Server(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server) as base:
        yield Server(base, seen)


@pytest.fixture
def server() -> Iterator[Server]:
    yield from _serve()


def _connection(url: str, *, attempts: int = 1, timeout: float = 5.0, token: str = TOKEN, **extra: str) -> Connection:
    settings = settings_from({}, {"GRAFANA_URL": url, "GRAFANA_TOKEN": token, **extra}, timeout=timeout)
    return Connection(settings, policy=RetryPolicy(attempts=attempts, base_delay=0.01))


def _get(conn: Connection, path: str, **params: Any) -> Any:
    return conn.read(f"GET {path}", lambda g: g.client.GET(path, params=params or None))


def test_requests_share_persistent_connections(server: Server) -> None:
    conn = _connection(server.url)
    try:
        for i in range(20):
            assert _get(conn, f"/one/{i}")["path"] == f"/api/one/{i}"
        assert server.seen.connections == 1  # twenty requests, one TCP connection
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda i: _get(conn, f"/many/{i}")["path"], range(40)))
        assert answers == [f"/api/many/{i}" for i in range(40)]
        assert server.seen.connections <= 4  # at most one per request in flight
        assert conn.stats.snapshot() == {"reads": 60, "writes": 0, "retries": 0}
    finally:
        conn.close()


def test_what_is_sent_is_what_grafana_client_asked_for(server: Server) -> None:
    conn = _connection(server.url, GRAFANA_ORG_ID="3")
    try:
        conn.read("search", lambda g: g.search.search_dashboards(tag=["a", "b"], type_="dash-db", limit=5))
        conn.write("save", lambda g: g.client.POST("/dashboards/db", json={"title": "naïve", "n": 1}))
        conn.write("put", lambda g: g.client.PUT("/x y", json=[1], headers={"X-Disable-Provenance": "true"}))
    finally:
        conn.close()
    search, save, put = server.seen.requests
    assert search["method"] == "GET" and search["path"] == "/api/search?tag=a&tag=b&type=dash-db&limit=5"
    for request in (search, save, put):
        headers = request["headers"]
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert headers["X-Grafana-Org-Id"] == "3"
        assert headers["User-Agent"].startswith("grafana-client/")
    assert save["method"] == "POST" and json.loads(save["body"]) == {"title": "naïve", "n": 1}
    assert save["headers"]["Content-Type"].startswith("application/json")
    assert put["path"] == "/api/x%20y" and put["headers"]["X-Disable-Provenance"] == "true"
    assert json.loads(put["body"]) == [1]


def test_a_connection_the_server_closed_while_idle_is_replaced_not_failed(server: Server) -> None:
    conn = _connection(server.url)  # one attempt: a failure would surface, not be retried away
    try:
        assert _get(conn, "/hang-up")["path"] == "/api/hang-up"
        time.sleep(0.1)
        assert _get(conn, "/after")["path"] == "/api/after"
        assert server.seen.connections == 2
        assert conn.stats.snapshot()["retries"] == 0
    finally:
        conn.close()


def test_redirects_are_followed_and_compressed_answers_decoded(server: Server) -> None:
    conn = _connection(server.url)
    try:
        assert _get(conn, "/redirect") == {"path": "/api/target", "method": "GET"}
        assert _get(conn, "/gzip") == {"path": "/api/gzip", "method": "GET"}
    finally:
        conn.close()


def test_a_proxy_from_the_environment_is_used(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """With HTTP_PROXY set, the request goes to the proxy (in absolute form), as niquests sends it."""
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    niquests.utils.getproxies.cache_clear()  # niquests reads the environment's proxies once per process
    conn = _connection("http://grafana.invalid:3000")
    try:
        answer = _get(conn, "/health")
    finally:
        conn.close()
        monkeypatch.undo()
        niquests.utils.getproxies.cache_clear()
    assert answer["path"] == "http://grafana.invalid:3000/api/health"


def test_failures_are_connection_errors_with_the_policy_s_retries() -> None:
    with socket_closed() as url:
        conn = _connection(url, attempts=2)
        try:
            with pytest.raises(ApiError) as refused:
                _get(conn, "/health")
        finally:
            conn.close()
    assert refused.value.status == 0 and "connection refused" in str(refused.value) and "(after 2 attempts)" in str(refused.value)
    assert conn.stats.snapshot()["retries"] == 1


def test_a_slow_answer_is_a_timeout(server: Server) -> None:
    conn = _connection(server.url, timeout=0.2)
    try:
        with pytest.raises(ApiError) as slow:
            _get(conn, "/slow")
    finally:
        conn.close()
    assert slow.value.status == 0 and "timed out" in str(slow.value)


def test_each_request_costs_a_fraction_of_niquests_cpu(server: Server) -> None:
    """What the transport is for: a no-op plan is one GET per object, and niquests spent ~1 ms on each."""
    conn = _connection(server.url)
    fallback = conn.api.client.s.fallback  # the niquests Session grafana-client came with
    auth = conn.api.client.auth

    def cpu(fn: Any, rounds: int = 150) -> float:
        fn()
        started = time.thread_time()
        for _ in range(rounds):
            fn()
        return time.thread_time() - started

    try:
        ours = min(cpu(lambda: _get(conn, "/cost")) for _ in range(3))
        theirs = min(cpu(lambda: fallback.get(f"{server.url}/api/cost", auth=auth).json()) for _ in range(3))
    finally:
        conn.close()
    assert ours < 0.6 * theirs, (ours, theirs)


class socket_closed:
    """A URL on which nothing listens."""

    def __enter__(self) -> str:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        pass


# --- TLS --------------------------------------------------------------------------------------------

@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    context, cert = server_context(tmp_path)
    for server in _serve(context):
        yield server, cert


def test_tls_trusts_the_given_ca_and_refuses_an_unknown_certificate(
        tls_server: tuple[Server, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    server, cert = tls_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    trusted = Connection(settings_from({}, {"GRAFANA_URL": server.url, "GRAFANA_TOKEN": TOKEN}, ca_cert=str(cert)),
                         policy=RetryPolicy(attempts=1))
    try:
        assert _get(trusted, "/health")["path"] == "/api/health"
        assert _get(trusted, "/again")["path"] == "/api/again"
    finally:
        trusted.close()
    assert server.seen.connections == 1

    unknown = _connection(server.url)
    try:
        with pytest.raises(ApiError) as refused:
            _get(unknown, "/health")
    finally:
        unknown.close()
    assert "certificate" in str(refused.value).lower() and TOKEN not in str(refused.value)

    insecure = Connection(settings_from({}, {"GRAFANA_URL": server.url, "GRAFANA_TOKEN": TOKEN}, insecure=True),
                          policy=RetryPolicy(attempts=1))
    try:
        assert _get(insecure, "/health")["path"] == "/api/health"
    finally:
        insecure.close()


def test_requests_ca_bundle_is_honoured_as_niquests_does(tls_server: tuple[Server, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    server, cert = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    conn = _connection(server.url)
    try:
        assert _get(conn, "/health")["path"] == "/api/health"
    finally:
        conn.close()


def test_answers_carry_what_niquests_responses_carry(server: Server) -> None:
    """grafana-client reads status, headers, text and json(); a non-JSON body raises niquests' error."""
    conn = _connection(server.url)
    try:
        answer = conn.api.client.s.request("get", f"{server.url}/api/x", auth=conn.api.client.auth, timeout=5)
    finally:
        conn.close()
    assert answer.status_code == 200 and answer.ok and answer.headers.get("content-type") == "application/json"
    assert json.loads(answer.text) == answer.json() == {"path": "/api/x", "method": "GET"}
    assert answer.request.method == "GET" and answer.request.url == f"{server.url}/api/x"
    answer.content = b"<html>"
    with pytest.raises(niquests.exceptions.JSONDecodeError):
        answer.json()


def test_preflight_asks_its_independent_questions_at_once(grafana_emulator: Any) -> None:
    """Identity, organisation and /apis after the health check, concurrently: one round trip instead of
    three before the first read (on a Grafana 100 ms away, 0.2 s of every run)."""
    from generator.remote.preflight import check_grafana

    emu = grafana_emulator
    emu.set_latency(0.2)
    conn = _connection(emu.url, token=emu.token)
    started = time.perf_counter()
    try:
        target = check_grafana(conn)
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    assert target.org_id == 1 and target.login == emu.sa_login
    asked = {r.path: r.started for r in emu.requests if r.path in ("/api/user", "/api/org", "/apis")}
    assert len(asked) == 3 and max(asked.values()) - min(asked.values()) < 0.15, asked
    assert elapsed < 0.2 * 3.5  # health, then the three together: two round trips, not four


def test_a_ca_bundle_that_cannot_be_loaded_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.sync.errors import SyncError

    missing = tmp_path / "no-such-ca.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(missing))
    with pytest.raises(SyncError) as bad:
        _connection("https://grafana.example.com")
    assert str(missing) in str(bad.value) and "REQUESTS_CA_BUNDLE" in str(bad.value)
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    with pytest.raises(SyncError, match="cannot be loaded"):
        Connection(settings_from({}, {"GRAFANA_URL": "https://grafana.example.com", "GRAFANA_TOKEN": TOKEN},
                                 ca_cert=str(not_pem)))
