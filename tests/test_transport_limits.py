"""The limits of the HTTP client to Grafana: what a slow, broken or hostile server can make a run do.

--timeout bounds a whole request (a server trickling bytes cannot hold it), an answer whose
JSON cannot be read is one line naming the request, a redirect to another origin is refused
naming only that origin, a Retry-After past --max-retry-after mid-sync is a partial
application that a re-run continues, and --max-retry-after takes finite numbers only.

Each test runs a small loopback server (as tests/test_transport.py does) whose handler is
chosen per path.
"""

from __future__ import annotations

import gzip
import http.server
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.handlers.live import ApiError
from generator.remote.connection import Connection, settings_from
from generator.remote.retry import RetryPolicy
from generator.sync.errors import ConnectionFailed
from generator.urls import url_origin
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import copy_project
from tests.loopback import server_context, serving

TOKEN = "glsa_limits_test_0123456789abcdef"
SECRET_QUERY = "state=sso-secret-4242"

Reply = Callable[[http.server.BaseHTTPRequestHandler], None]


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> Reply:
    def reply(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return reply


def _trickle(h: http.server.BaseHTTPRequestHandler) -> None:
    """A valid answer, one byte every 0.1 s: each read gets a byte long before a socket timeout of
    0.5 s, so only a deadline for the whole request ends it (the whole answer would take ~4 s)."""
    body = b'{"database": "ok", "version": "11.0.0", "padding": "' + b"x" * 10 + b'"}'
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    try:
        for byte in head + body:
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(0.1)
    except OSError:  # the client hung up at its deadline
        pass
    h.close_connection = True


#: an answer larger than any socket buffer, sent steadily over about a second
_LARGE = b'{"items": ["' + b"x" * 1_500_000 + b'"]}'


def _steady(h: http.server.BaseHTTPRequestHandler) -> None:
    """A large answer arriving steadily (100 KB every 0.07 s, ~1.4 MB/s): longer than a timeout of
    0.5 s in all, far faster than a trickle; as a list page of 500 dashboards over a slow link."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(_LARGE)))
    h.end_headers()
    for start in range(0, len(_LARGE), 100_000):
        h.wfile.write(_LARGE[start:start + 100_000])
        h.wfile.flush()
        time.sleep(0.07)


def _slow_reader(h: http.server.BaseHTTPRequestHandler) -> None:
    """Reads a large body 100 KB every 0.07 s, then answers: the upload takes longer than 0.5 s."""
    left = int(h.headers.get("Content-Length") or 0)
    while left > 0:
        left -= len(h.rfile.read(min(left, 100_000)))
        time.sleep(0.07)
    _json(200, b'{"ok": true}')(h)


ROUTES: dict[str, Reply] = {
    "/api/steady": _steady,
    "/api/slow-reader": _slow_reader,
    "/api/trickle": _trickle,
    "/api/deep": _json(200, b"[" * 100_000),
    "/api/truncated": _json(200, b'{"uid": "a", "title": "cut sh'),
    "/api/elsewhere": lambda h: _redirect(h, f"https://sso.example.com:8443/login/oauth?{SECRET_QUERY}"),
    "/api/same-origin": lambda h: _redirect(h, "/api/fine"),
    "/api/malformed-location": lambda h: _redirect(h, f"http://[::1/login?{SECRET_QUERY}"),
    "/api/hop": lambda h: _redirect(h, "/api/sso/secret-path-token"),
    "/api/sso/secret-path-token": lambda h: _redirect(h, "https://sso.example.com/x"),
    "/api/gzip-cut": lambda h: _gzip_cut(h),
    "/api/fine": _json(200, b'{"ok": true}'),
}


def _gzip_cut(h: http.server.BaseHTTPRequestHandler) -> None:
    """A gzip answer cut in half (a proxy's doing): its Content-Length matches what is sent."""
    body = gzip.compress(b'{"uid": "a", "title": "' + b"t" * 2000 + b'"}')[:40]
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Encoding", "gzip")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _redirect(h: http.server.BaseHTTPRequestHandler, location: str) -> None:
    h.send_response(302)
    h.send_header("Location", location)
    h.send_header("Content-Length", "0")
    h.end_headers()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        ROUTES.get(self.path.split("?", 1)[0], _json(404, b'{"message": "not found"}'))(self)

    do_POST = do_GET


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hang up on purpose here


@pytest.fixture
def url() -> Iterator[str]:
    with serving(_Server(("127.0.0.1", 0), _Handler)) as base:
        yield base


def _connection(url: str, *, timeout: float = 5.0) -> Connection:
    settings = settings_from({}, {"GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN}, timeout=timeout)
    return Connection(settings, policy=RetryPolicy(attempts=1))


def _get(conn: Connection, path: str) -> Any:
    return conn.read(f"read {path}", lambda g: g.client.GET(path))


# --- 1. --timeout bounds the whole request --------------------------------------------------------

def test_a_trickled_answer_ends_at_the_timeout_naming_method_and_path(url: str) -> None:
    conn = _connection(url, timeout=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(ApiError) as slow:
            _get(conn, "/trickle")
    finally:
        conn.close()
    elapsed = time.monotonic() - started
    assert elapsed < 1.5, elapsed  # the answer would have taken ~4 s, a byte at a time
    text = str(slow.value)
    assert slow.value.status == 0
    assert "GET /api/trickle" in text and "took longer than --timeout 0.5 s" in text
    assert TOKEN not in text


def test_a_large_answer_that_keeps_arriving_may_take_longer_than_the_timeout(url: str) -> None:
    """Each byte moves the deadline on at the steady rate (64 KiB/s): 1.5 MB arriving over a
    second is read whole with --timeout 0.5, where the trickle above is cut off."""
    conn = _connection(url, timeout=0.5)
    started = time.monotonic()
    try:
        answer = _get(conn, "/steady")
    finally:
        conn.close()
    assert time.monotonic() - started > 0.5  # it did outlast the timeout
    assert answer == {"items": ["x" * 1_500_000]}


def test_a_large_body_sent_to_a_slow_reader_may_take_longer_than_the_timeout(url: str) -> None:
    """What is sent moves the deadline on too (sendall goes in chunks): a 1.5 MB body that the
    server takes in over a second, with --timeout 0.5."""
    conn = _connection(url, timeout=0.5)
    started = time.monotonic()
    try:
        answer = conn.write("write /slow-reader",
                            lambda g: g.client.POST("/slow-reader", json={"body": "y" * 1_500_000}))
    finally:
        conn.close()
    assert time.monotonic() - started > 0.5
    assert answer == {"ok": True}


def test_a_trickled_answer_over_tls_ends_at_the_timeout(tmp_path: Path) -> None:
    """The TLS socket counts down the same deadline (the context makes it a deadline socket)."""
    context, cert = server_context(tmp_path)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server) as base:
        settings = settings_from({}, {"GRAFANA_URL": base, "GRAFANA_TOKEN": TOKEN}, ca_cert=str(cert), timeout=0.5)
        conn = Connection(settings, policy=RetryPolicy(attempts=1))
        started = time.monotonic()
        try:
            assert _get(conn, "/fine") == {"ok": True}
            with pytest.raises(ApiError) as slow:
                _get(conn, "/trickle")
        finally:
            conn.close()
    assert time.monotonic() - started < 1.5
    assert "GET /api/trickle timed out: it took longer than --timeout 0.5 s" in str(slow.value)


def test_a_tls_handshake_that_never_ends_is_a_timeout_connecting_to_the_host() -> None:
    """A server that takes the TCP connection and never answers the TLS handshake (a plain port
    behind https://): the deadline ends it, said as the connection's, with the host and port."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    settings = settings_from({}, {"GRAFANA_URL": f"https://127.0.0.1:{port}", "GRAFANA_TOKEN": TOKEN}, timeout=0.5)
    conn = Connection(settings, policy=RetryPolicy(attempts=1))
    started = time.monotonic()
    try:
        with pytest.raises(ApiError) as slow:
            _get(conn, "/fine")
    finally:
        conn.close()
        for sock in held:
            sock.close()
        listener.close()
    assert time.monotonic() - started < 1.5
    assert f"timed out: it took longer than --timeout 0.5 s (connecting to 127.0.0.1:{port})" in str(slow.value)


def test_the_timeout_is_exit_2_naming_the_request(tmp_path: Path, url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the command line (pull: no generated/ needed): the health check is trickled, the run
    stops with one line, exit 2."""
    ROUTES["/api/health"] = _trickle
    try:
        monkeypatch.setenv("GRAFANA_URL", f"{url}?token={SECRET_QUERY}")
        monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
        started = time.monotonic()
        result = CliRunner().invoke(main, ["pull", "--root", str(tmp_path), "--all", "--timeout", "0.5",
                                           "--retries", "1"])
        elapsed = time.monotonic() - started
    finally:
        del ROUTES["/api/health"]
    assert result.exit_code == 2, result.output
    assert elapsed < 3, elapsed
    assert "GET /api/health timed out: it took longer than --timeout 0.5 s" in result.output
    assert "Traceback" not in result.output and TOKEN not in result.output and SECRET_QUERY not in result.output


# --- 2. an answer whose JSON cannot be read ------------------------------------------------------

@pytest.mark.parametrize(("path", "why"), [("/deep", "nested too deeply"), ("/truncated", "cut short or malformed"),
                                           ("/gzip-cut", "its gzip encoding cannot be undone")])
def test_unreadable_json_is_one_line_naming_the_request(url: str, path: str, why: str) -> None:
    conn = _connection(url)
    try:
        with pytest.raises(ConnectionFailed) as bad:
            _get(conn, path)
    finally:
        conn.close()
    text = str(bad.value)
    assert f"answered GET /api{path} (read {path}) with HTTP 200 JSON that cannot be read" in text
    assert why in text and "\n" not in text and len(text) < 400
    assert bad.value.exit_code == 2
    assert conn.stats.snapshot()["retries"] == 0  # a broken answer is not asked again


def test_deeply_nested_json_is_exit_2_not_a_recursion_traceback(tmp_path: Path, url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ROUTES["/api/health"] = _json(200, b"[" * 100_000)
    try:
        monkeypatch.setenv("GRAFANA_URL", url)
        monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
        result = CliRunner().invoke(main, ["pull", "--root", str(tmp_path), "--all", "--retries", "1"])
    finally:
        del ROUTES["/api/health"]
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, RecursionError)
    assert "GET /api/health" in result.output and "nested too deeply" in result.output
    assert "Traceback" not in result.output


# --- 5. redirects to another origin are refused, naming the origin only ---------------------------

def test_url_origin_is_scheme_host_and_port_only() -> None:
    assert url_origin(f"https://sso.example.com/login?{SECRET_QUERY}") == "https://sso.example.com:443"
    assert url_origin("http://user:pw@[::1]:3000/a/b#frag") == "http://[::1]:3000"
    assert url_origin("HTTP://Grafana:80") == "http://grafana:80"
    assert url_origin("/relative/path?token=x") == "[unparsable URL]"
    assert url_origin("http://host:99999/") == "[unparsable URL]"


def test_a_redirect_within_the_origin_is_followed(url: str) -> None:
    conn = _connection(url)
    try:
        assert _get(conn, "/same-origin") == {"ok": True}
    finally:
        conn.close()


def test_a_redirect_niquests_follows_is_refused_too(url: str) -> None:
    """The fallback Session (proxies, a redirect's next hop) checks each hop the same way."""
    conn = _connection(url)
    fallback = conn.api.client.s.fallback
    try:
        with pytest.raises(Exception) as refused:
            fallback.get(f"{url}/api/elsewhere", auth=conn.api.client.auth, timeout=5)
    finally:
        conn.close()
    assert type(refused.value).__name__ == "RedirectRefused"
    assert "https://sso.example.com:8443" in str(refused.value) and SECRET_QUERY not in str(refused.value)


@pytest.mark.parametrize(("path", "origin", "hidden"), [
    # another origin: the message names it alone, never its path or query
    ("/elsewhere", "https://sso.example.com:8443", "oauth"),
    # a Location that is no URL: refused, not urljoin's ValueError as a traceback
    ("/malformed-location", "[unparsable URL]", "login"),
    # a same-origin hop niquests follows, then another origin: the refusal names the path gac asked
    # for, never the one a server's Location gave
    ("/hop", "https://sso.example.com:443", "secret-path-token"),
])
def test_a_refused_redirect_names_the_request_and_the_origin_only(url: str, path: str, origin: str,
                                                                   hidden: str) -> None:
    conn = _connection(url)
    try:
        with pytest.raises(ConnectionFailed) as refused:
            _get(conn, path)
    finally:
        conn.close()
    text = str(refused.value)
    assert f"GET /api{path}" in text and "HTTP 302" in text and origin in text and "GRAFANA_URL" in text
    assert hidden not in text and "/login" not in text and SECRET_QUERY not in text and TOKEN not in text


def _built_project(emu: GrafanaEmulator, tmp_path: Path) -> tuple[Path, dict[str, str | None]]:
    """The example project, built, and the environment that points `gac sync` at the emulator."""
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    return root, {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, "GRAFANA_USER": None, "GRAFANA_PASSWORD": None,
                  "GAC_ENV": None, "GRAFANA_ORG_ID": None, "GAC_SKIP_BUILD_CHECK": None}


# --- 3. a Retry-After past the cap after some writes --------------------------------------------

@emulator_only
def test_sync_stopped_by_a_long_retry_after_reports_what_was_written(grafana_emulator: GrafanaEmulator,
                                                                    tmp_path: Path) -> None:
    """End to end: folders, data sources and notification objects are written, then every dashboard
    save is answered 429 with a Retry-After of an hour: exit 1, "Stopped after N write(s)", and a
    re-run (the limit lifted) writes the rest and nothing twice."""
    emu = grafana_emulator
    root, env = _built_project(emu, tmp_path)
    args = ["sync", "--root", str(root), "--env", "local", "--retries", "3", "--max-retry-after", "60"]
    emu.rate_limit("POST", "/api/dashboards/db", retry_after=3600, count=None)
    started = time.monotonic()
    stopped = CliRunner().invoke(main, args, env=env)
    out = stopped.output
    assert time.monotonic() - started < 30  # no hour-long wait
    assert stopped.exit_code == 1, out
    said = re.search(r"Stopped after (\d+) write\(s\) \((\d+) created, (\d+) updated, 0 deleted; (\d+) object", out)
    assert said, out
    written, created, updated, skipped = map(int, said.groups())
    assert written == created + updated > 0 and skipped > 0
    assert f"Sync: {created} created, {updated} updated, 0 deleted" in out
    assert "asked to wait 3600 s" in out and "--max-retry-after" in out
    assert "Run `gac sync` again to continue: what was written shows as unchanged." in out
    assert emu.token not in out and "Traceback" not in out
    assert {r.status for r in emu.requests_matching("POST", "/api/dashboards/db")} == {429}
    emu.clear_faults()
    rerun = CliRunner().invoke(main, args, env=env)
    assert rerun.exit_code == 0, rerun.output
    unchanged = re.search(r"(\d+) unchanged", rerun.output)
    assert unchanged and int(unchanged.group(1)) >= written, rerun.output
    emu.clear_log()
    assert CliRunner().invoke(main, args, env=env).exit_code == 0 and emu.writes == []


@emulator_only
def test_a_long_retry_after_before_any_write_is_a_connection_error(grafana_emulator: GrafanaEmulator,
                                                                  tmp_path: Path) -> None:
    """Nothing written yet: no partial application to report, exit 2 as before."""
    emu = grafana_emulator
    root, env = _built_project(emu, tmp_path)
    emu.rate_limit("POST|PUT|PATCH|DELETE", ".", retry_after=3600, count=None)
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "--env", "local"], env=env)
    assert result.exit_code == 2, result.output
    assert "Stopped: Grafana at" in result.output and "asked to wait 3600 s" in result.output
    assert "Stopped after" not in result.output
    assert {r.status for r in emu.writes} == {429}


# --- 4. --max-retry-after takes finite numbers ---------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "Infinity", "-inf"])
def test_max_retry_after_must_be_finite(tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(main, ["plan", "--root", str(tmp_path), "--max-retry-after", value])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--max-retry-after'" in result.output
    assert ("not finite" if value != "-inf" else "not in the range") in result.output
    assert "Traceback" not in result.output



@emulator_only
def test_a_read_back_stopped_by_a_long_retry_after_is_reported_not_a_traceback(
        grafana_emulator: GrafanaEmulator, tmp_path: Path) -> None:
    """The answer to a folder's create is lost, and reading the folder back to see whether it
    landed is answered 429 with a Retry-After of an hour: the run stops with its report (what was
    written, what not), as when a write itself is throttled."""
    emu = grafana_emulator
    root, env = _built_project(emu, tmp_path)
    emu.drop("POST", "/api/folders$", count=None, after_apply=True)
    emu.rate_limit("GET", "/api/folders/[^/?]+$", retry_after=3600, count=None)
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "--env", "local", "--retries", "2",
                                       "--max-retry-after", "60"], env=env)
    out = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), out
    assert "Traceback" not in out
    assert emu.requests_matching("GET", "/api/folders/[^/?]+$"), "the read-back was not attempted"
    assert result.exit_code == 2, out  # nothing confirmed written: as when the first write is throttled
    assert "x folder observability 'Observability': failed: Grafana at" in out and "asked to wait 3600 s" in out
    assert "Stopped: Grafana at" in out and "Not applied:" in out and "run `gac sync` again" in out


@emulator_only
def test_a_write_whose_only_attempt_lost_its_answer_is_read_back(grafana_emulator: GrafanaEmulator,
                                                                tmp_path: Path) -> None:
    """With --retries 1 there is no second attempt, but the first may have landed all the same:
    it is read back and counted as written, and what depends on it goes ahead."""
    emu = grafana_emulator
    root, env = _built_project(emu, tmp_path)
    emu.drop("POST", "/api/folders$", count=1, after_apply=True)
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "--env", "local", "--retries", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert "folder observability 'Observability': created" in result.output
    assert "confirmed by reading it back" in result.output and ", 0 failed, 0 not attempted." in result.output


@emulator_only
def test_a_write_whose_answer_is_cut_short_is_read_back(grafana_emulator: GrafanaEmulator, tmp_path: Path) -> None:
    """The folder is created, its answer's JSON arrives cut in half: the write may have landed, so
    it is read back and confirmed, not a stop of the whole run (exit 2, 'nothing written')."""
    emu = grafana_emulator
    root, env = _built_project(emu, tmp_path)
    emu.cut("POST", "/api/folders$", count=1)
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "--env", "local"], env=env)
    assert result.exit_code == 0, result.output
    assert "confirmed by reading it back" in result.output and ", 0 failed, 0 not attempted." in result.output
    emu.clear_log()
    assert CliRunner().invoke(main, ["sync", "--root", str(root), "--env", "local"], env=env).exit_code == 0
    assert emu.writes == []


@emulator_only
def test_credentials_refused_after_some_writes_is_a_partial_application(grafana_emulator: GrafanaEmulator,
                                                                        tmp_path: Path) -> None:
    """Any stop after something was written (here the token is refused from the dashboards on) is
    reported as what it is, exit 1 and 'Stopped after N write(s)', as a throttled one is."""
    emu = grafana_emulator
    root, env = _built_project(emu, tmp_path)
    emu.fail("POST", "/api/dashboards/db", status=401, count=None)
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "--env", "local"], env=env)
    out = result.output
    assert result.exit_code == 1, out
    assert re.search(r"Stopped after [1-9]\d* write\(s\)", out), out
    assert "Grafana refused the credentials" in out and "Traceback" not in out and emu.token not in out
