"""What a run says about the server it reached: not Grafana, a URL carrying a token, a long Retry-After.

A plain web server used to produce ten lines of its HTML inside the error; a URL given
with `?token=...` was echoed whole; a 429 asking for a minute was waited out in silence.
"""

from __future__ import annotations

import http.server
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.remote.connection import Connection, redact_url, redact_urls, settings_from
from generator.remote.retry import RetryPolicy, RetryWait
from generator.sync.errors import ConnectionFailed
from generator.sync.progress import ProgressBar, note
from tests.grafana_emulator import GrafanaEmulator
from tests.loopback import serving
from tests.project import copy_project

SECRET = "q-secret-4711"
PAGE = b"<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome</title>\n</head>\n<body>\n<h1>It works</h1>\n</body>\n</html>\n"


class _Page(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: Any) -> None:
        pass


def _web_server(status: int) -> Iterator[str]:
    handler = type("Page", (_Page,), {"status": status})
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as base:
        yield base


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    return root


def _gac(root: Path, *args: str, env: dict[str, str | None]) -> Any:
    base: dict[str, str | None] = {"GRAFANA_USER": None, "GRAFANA_PASSWORD": None, "GAC_ENV": None,
                                   "GRAFANA_ORG_ID": None, "GAC_SKIP_BUILD_CHECK": None}
    return CliRunner().invoke(main, [args[0], "--root", str(root), "--env", "local", *args[1:]],
                              env={**base, **env}, catch_exceptions=False)


# --- a server that is not Grafana -------------------------------------------------------------------

@pytest.mark.parametrize("status", [200, 404])
def test_a_web_server_that_is_not_grafana_is_named_in_one_line(project: Path, status: int) -> None:
    for url in _web_server(status):
        result = _gac(project, "plan", env={"GRAFANA_URL": f"{url}/?token={SECRET}", "GRAFANA_TOKEN": "glsa_x"})
        assert result.exit_code == 2
        (line,) = result.output.strip().splitlines()
        assert f"{url}?[redacted] answered GET /api/health with HTTP {status} text/html, not Grafana's JSON" in line
        assert "is GRAFANA_URL the Grafana server" in line
        assert "<html" not in line.lower() and SECRET not in result.output


def test_a_proxy_error_page_is_summarised_not_echoed(project: Path) -> None:
    for url in _web_server(502):
        result = _gac(project, "drift", "--retries", "1", env={"GRAFANA_URL": url, "GRAFANA_TOKEN": "glsa_x"})
        assert result.exit_code == 2
        (line,) = result.output.strip().splitlines()
        assert "HTTP 502: text/html, not Grafana's JSON" in line and "<" not in line


def test_the_url_source_is_named_when_it_comes_from_grafana_yaml() -> None:
    for url in _web_server(200):
        settings = settings_from({"url": url}, {"GRAFANA_TOKEN": "glsa_x"}, env_name="local")
        with pytest.raises(ConnectionFailed, match="is `url` of environment 'local' in grafana.yaml the Grafana"):
            Connection(settings).read("health check", lambda g: g.client.GET("/health"))


# --- URLs are printed redacted ----------------------------------------------------------------------

@pytest.mark.parametrize("url, printed", [
    (f"https://grafana.example.com/?token={SECRET}", "https://grafana.example.com?[redacted]"),
    (f"http://admin:{SECRET}@grafana:3000/sub/path/", "http://grafana:3000/sub/path"),
    (f"http://grafana:3000/x#{SECRET}", "http://grafana:3000/x?[redacted]"),
    (f"http://[::1]:3000/?a={SECRET}", "http://[::1]:3000?[redacted]"),
    ("http://grafana:3000", "http://grafana:3000"),
])
def test_redact_url(url: str, printed: str) -> None:
    assert redact_url(url) == printed


def test_urls_inside_messages_are_redacted_keeping_punctuation() -> None:
    text = f"failed: GET http://u:{SECRET}@h:1/api?x={SECRET}, then https://h/q?t={SECRET}."
    assert redact_urls(text) == "failed: GET http://h:1/api?[redacted], then https://h/q?[redacted]."


def test_bad_url_errors_do_not_echo_the_query() -> None:
    from generator.sync.errors import SyncError

    with pytest.raises(SyncError) as caught:
        settings_from({}, {"GRAFANA_URL": f"ftp://host/?token={SECRET}", "GRAFANA_TOKEN": "glsa_x"})
    assert SECRET not in str(caught.value)


def test_plan_header_and_drift_report_show_the_url_redacted(project: Path, grafana_emulator: GrafanaEmulator) -> None:
    env: dict[str, str | None] = {"GRAFANA_URL": f"{grafana_emulator.url}/?token={SECRET}",
                                  "GRAFANA_TOKEN": grafana_emulator.token}
    synced = _gac(project, "sync", env=env)
    assert synced.exit_code == 0, synced.output
    assert f"at {grafana_emulator.url}?[redacted]" in synced.output
    for args in (("plan",), ("plan", "--format", "json"), ("drift",), ("drift", "--format", "json"),
                 ("drift", "--format", "markdown")):
        result = _gac(project, *args, env=env)
        assert result.exit_code == 0, (args, result.output)
        assert SECRET not in result.output, args


# --- waiting for a rate limit -----------------------------------------------------------------------

def _connection(emu: GrafanaEmulator, policy: RetryPolicy) -> tuple[Connection, list[RetryWait], list[float]]:
    waits: list[RetryWait] = []
    slept: list[float] = []
    settings = settings_from({}, {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token})
    return Connection(settings, policy=policy, sleep=slept.append, on_wait=waits.append), waits, slept


def test_a_retry_after_wait_is_announced_with_its_length(grafana_emulator: GrafanaEmulator) -> None:
    grafana_emulator.rate_limit("GET", "/api/search", retry_after=45)
    conn, waits, slept = _connection(grafana_emulator, RetryPolicy(attempts=3))
    conn.read("search", lambda g: g.search.search_dashboards(limit=1))
    (wait,) = waits
    assert (wait.status, wait.retry_after, wait.attempt) == (429, 45.0, 1)
    assert slept == [wait.seconds] and 45 <= wait.seconds < 46
    assert wait.describe().startswith("waiting 45 s before retrying search (HTTP 429 with Retry-After: 45 s")


def test_a_retry_after_past_the_cap_stops_with_a_clear_error(grafana_emulator: GrafanaEmulator) -> None:
    grafana_emulator.rate_limit("GET", "/api/search", retry_after=600)
    conn, waits, slept = _connection(grafana_emulator, RetryPolicy(attempts=5, max_retry_after=60))
    with pytest.raises(ConnectionFailed) as caught:
        conn.read("search", lambda g: g.search.search_dashboards(limit=1))
    message = str(caught.value)
    assert "asked to wait 600 s" in message and "60 s" in message and "--max-retry-after" in message
    assert waits == [] and slept == []


def test_the_cap_is_an_option_and_waits_reach_stderr(project: Path, grafana_emulator: GrafanaEmulator) -> None:
    env: dict[str, str | None] = {"GRAFANA_URL": grafana_emulator.url, "GRAFANA_TOKEN": grafana_emulator.token}
    grafana_emulator.rate_limit("GET", "/api/user", retry_after=30)
    stopped = _gac(project, "plan", "--max-retry-after", "5", env=env)
    assert stopped.exit_code == 2
    assert "asked to wait 30 s" in stopped.stderr and "longer than the 5 s" in stopped.stderr

    grafana_emulator.rate_limit("GET", "/api/user", retry_after=1)
    waited = _gac(project, "plan", "--quiet", env=env)
    assert waited.exit_code == 0, waited.output
    assert "waiting 1 s before retrying who am I (GET /api/user) (HTTP 429 with Retry-After: 1 s" in waited.stderr
    assert "waiting" not in waited.stdout


def test_a_note_clears_a_drawn_bar_first() -> None:
    import io

    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True, min_total=1)
    bar.update("read", 1, 4)
    note("waiting 30 s", stream=stream)
    out = stream.getvalue()
    assert out.endswith("\r" + " " * (bar.width + 40) + "\r" + "waiting 30 s\n")
