"""What a new-user trial got printed or sent that it must not: credentials in URLs, secrets
pasted where a variable's NAME belongs, tracebacks and object reprs for a server that is not
the one expected, and contact points (with their secrets) posted to a server that only
looked like Grafana.

Every check here first reproduced the leak or the crash by hand (README: "Tokens and
passwords are never written to ..."; DESIGN.md: secrets never reach a file or a log).
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from generator.build import build
from generator.cli import main
from generator.diff import DiffEntry, entry_text
from generator.network_errors import describe_failure
from generator.remote.secrets import SecretRef, check_secrets
from generator.review.rawdiff import unified
from generator.sync.errors import MissingSecrets
from generator.urls import join_api_url, redact_url, redact_userinfo, url_problem
from tests.conftest import CONTACT_POINT_SECRETS
from tests.grafana_emulator import EmulatorConfig, GrafanaEmulator
from tests.project import copy_project

PASSWORD = "Passw0rdXYZ"
QUERY_SECRET = "QSsecret123"
PASTED_TOKEN = "glsa_Abc123DefGhi456JklMno789Pqr_1a2b3c4d"


# --- helpers ----------------------------------------------------------------------------------------

@dataclass
class Recorded:
    method: str
    path: str
    body: bytes
    authorization: str | None = None  # the header as sent


@dataclass
class FakeServer:
    """An HTTP server answering `answer(method, path)` -> (status, content type, body), recording requests."""

    answer: Callable[[str, str], tuple[int, str, bytes]]
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    @property
    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]


def _serve(answer: Callable[[str, str], tuple[int, str, bytes]]) -> Iterator[FakeServer]:
    fake = FakeServer(answer)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            fake.requests.append(Recorded(self.command, self.path, self.rfile.read(length) if length else b"",
                                          self.headers.get("Authorization")))
            status, content_type, body = fake.answer(self.command, self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any  # noqa: N815 - http.server's naming

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _json_everywhere(body: Any, status: int = 200) -> Callable[[str, str], tuple[int, str, bytes]]:
    data = json.dumps(body).encode()
    return lambda method, path: (status, "application/json", data)


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gac(*args: str, env: dict[str, str | None] | None = None) -> Result:
    base: dict[str, str | None] = {"GRAFANA_USER": None, "GRAFANA_PASSWORD": None, "GAC_ENV": None,
                                   "GRAFANA_ORG_ID": None, "GAC_SKIP_BUILD_CHECK": None}
    return CliRunner().invoke(main, list(args), env={**base, **(env or {})})


def _one_line_error(result: Result, *needles: str) -> str:
    """Exit 2, no traceback, one line naming the problem; the line is returned."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "object at 0x" not in lines[0] and "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    return root


def _edit_config(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "grafana.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


# --- 1, 2, 6: lint --prometheus-url -----------------------------------------------------------------

@pytest.mark.parametrize("url", [f"http://user:{PASSWORD}@127.0.0.1:{{port}}",
                                 f"http://127.0.0.1:{{port}}/?token={QUERY_SECRET}"])
def test_prometheus_url_that_refuses_the_connection_is_one_line_without_credentials(url: str) -> None:
    result = _gac("lint", "--prometheus-url", url.format(port=_closed_port()))
    line = _one_line_error(result, "cannot read metric names from Prometheus at http://127.0.0.1:",
                           "connection refused")
    assert PASSWORD not in result.output and QUERY_SECRET not in result.output
    assert "ConnectionPool" not in line and "/api/v1/label" in line  # the request, not the URL glued to it


@pytest.mark.parametrize("answer", [
    _json_everywhere([]),
    _json_everywhere({"status": "ok"}),
    _json_everywhere({"status": "error", "errorType": "bad_data", "error": "no"}, status=400),
    lambda method, path: (200, "text/html", b"<html><body>It works</body></html>"),
    lambda method, path: (200, "text/plain", b"# TYPE up gauge\nup 1\n"),  # an exposition endpoint
], ids=["list", "object", "400", "html", "exposition"])
def test_a_server_that_is_not_a_prometheus_query_api_is_one_clear_line(answer: Any) -> None:
    for fake in _serve(answer):
        result = _gac("lint", "--prometheus-url", f"http://u:{PASSWORD}@{fake.url[len('http://'):]}")
        _one_line_error(result, "answered GET /api/v1/label/__name__/values", "not a Prometheus query API answer")
        assert PASSWORD not in result.output


@pytest.mark.parametrize("status", [401, 403])
def test_a_prometheus_refusing_the_credentials_says_so(status: int) -> None:
    for fake in _serve(_json_everywhere({"status": "error", "error": "unauthorized"}, status=status)):
        result = _gac("lint", "--prometheus-url", f"http://u:{PASSWORD}@{fake.url[len('http://'):]}")
        _one_line_error(result, f"refused GET /api/v1/label/__name__/values (HTTP {status})")
        assert PASSWORD not in result.output


def _prometheus(names: list[str], metadata: Any) -> Callable[[str, str], tuple[int, str, bytes]]:
    def answer(method: str, path: str) -> tuple[int, str, bytes]:
        if "/api/v1/label/__name__/values" in path:
            return 200, "application/json", json.dumps({"status": "success", "data": names}).encode()
        return 200, "application/json", json.dumps(metadata).encode()
    return answer


@pytest.mark.parametrize("metadata", [{"status": "success", "data": []}, [], {"data": {"up": ["gauge"]}}],
                         ids=["data-list", "list", "entries-strings"])
def test_api_paths_go_under_the_url_path_and_the_query_stays_a_query(tmp_path: Path, metadata: Any) -> None:
    for fake in _serve(_prometheus(["up", "made_up_metric_total"], metadata)):
        base = f"http://u:{PASSWORD}@{fake.url[len('http://'):]}/prometheus/?token={QUERY_SECRET}"
        dashboard = {"uid": "d", "title": "D", "panels": [
            {"id": 1, "type": "timeseries", "title": "P",
             "targets": [{"refId": "A", "expr": "rate(not_in_the_catalog_total[5m])"}]}]}
        (tmp_path / "d.json").write_text(json.dumps(dashboard))
        result = _gac("lint", "--prometheus-url", base, str(tmp_path / "d.json"))
        assert result.exit_code in (0, 1), result.output
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
        paths = [r.path for r in fake.requests]
        assert paths[0] == f"/prometheus/api/v1/label/__name__/values?token={QUERY_SECRET}"
        assert paths[1] == f"/prometheus/api/v1/metadata?token={QUERY_SECRET}"
        assert PASSWORD not in result.output and QUERY_SECRET not in result.output
        assert f"{fake.url}/prometheus?[redacted]" in result.output  # the catalog named in findings


def test_join_api_url_keeps_credentials_for_the_client_and_the_query_as_query() -> None:
    assert join_api_url("http://u:p@h:9/x/?a=1", "/api/v1/metadata") == "http://u:p@h:9/x/api/v1/metadata?a=1"
    assert join_api_url("http://h:9", "api/v1/metadata") == "http://h:9/api/v1/metadata"


@pytest.mark.parametrize("pasted", [f"user:{PASSWORD}@host:9090", f"user:{PASSWORD}@host"])
def test_a_url_without_scheme_is_never_printed(pasted: str) -> None:
    assert PASSWORD not in redact_url(pasted)
    result = _gac("lint", "--prometheus-url", pasted)
    _one_line_error(result, "Prometheus URL is not http(s)://host")
    assert PASSWORD not in result.output
    plan = _gac("plan", "--root", ".", env={"GRAFANA_URL": pasted, "GRAFANA_TOKEN": "glsa_x"})
    assert plan.exit_code == 2 and PASSWORD not in plan.output, plan.output


@pytest.mark.parametrize("url, problem", [
    (f"user:{PASSWORD}@host:9090", "it must begin with http:// or https://"),
    (f"http://user:{PASSWORD}@host:99999", "its port must be a number from 1 to 65535"),
    (f"http://user:{PASSWORD}@host:9O90/x", "its port must be a number from 1 to 65535"),
    (f"http://user:{PASSWORD}@host:0", "its port must be a number from 1 to 65535"),
    (f"http://[::1:9090/?token={PASSWORD}", "its host cannot be read"),
    (f"https://:{PASSWORD}@/x", "it names no host"),
    ("http://host:9090/prometheus", None),
    ("https://[::1]", None),
])
def test_what_is_wrong_with_a_url_is_said_without_it(url: str, problem: str | None) -> None:
    """A port beyond 65535 or no number passed as a URL, then every request failed in the
    client ("no answer: substring not found", five times over). What is wrong is said before
    any request, and never quotes the URL."""
    said = url_problem(url)
    assert (said is None) == (problem is None) and (said is None or problem is None or said.startswith(problem))
    if said is not None:
        assert PASSWORD not in said
        result = _gac("lint", "--prometheus-url", url)
        _one_line_error(result, f"Prometheus URL is not http(s)://host[:port][/path] (the URL of a Prometheus or "
                                f"Mimir query API): {problem}")
        assert PASSWORD not in result.output


# --- 6: a request that got no answer is a few words -------------------------------------------------

def test_connection_refused_by_grafana_is_one_clean_line(project: Path) -> None:
    url = f"http://admin:{PASSWORD}@127.0.0.1:{_closed_port()}"
    result = _gac("plan", "--root", str(project), "--env", "local", "--retries", "1",
                  env={"GRAFANA_URL": url, "GRAFANA_TOKEN": "glsa_x"})
    _one_line_error(result, "is not healthy or not reachable", "connection refused")
    assert PASSWORD not in result.output and "ConnectionPool" not in result.output


@pytest.mark.parametrize("client", ["requests", "niquests"])
def test_describe_failure_names_the_cause(client: str) -> None:
    http_client = pytest.importorskip(client)
    port = _closed_port()
    with pytest.raises(http_client.RequestException) as refused:
        http_client.get(f"http://127.0.0.1:{port}/x?token={QUERY_SECRET}", timeout=5)
    text = describe_failure(refused.value)
    assert text.startswith("connection refused") and QUERY_SECRET not in text
    with pytest.raises(http_client.RequestException) as unknown:
        http_client.get("http://no-such-host.invalid/", timeout=5)
    assert describe_failure(unknown.value).startswith("host name not found")


# --- 3: a secret pasted where a variable NAME belongs -----------------------------------------------

@pytest.mark.parametrize("pasted", [PASTED_TOKEN, "hunter2", "s3cr3t-Value!"])
@pytest.mark.parametrize("command", [("build",), ("plan", "--env", "local"), ("sync", "--env", "local")])
def test_a_pasted_secret_is_refused_without_being_echoed(project: Path, pasted: str, command: tuple[str, ...]) -> None:
    def change(data: dict[str, Any]) -> None:
        data["environments"]["local"]["contact_points"]["oncall-pagerduty"]["secrets"]["integrationKey"] = pasted
    _edit_config(project, change)
    result = _gac(command[0], "--root", str(project), *command[1:],
                  env={"GRAFANA_URL": "http://127.0.0.1:1", "GRAFANA_TOKEN": "glsa_x"})
    assert result.exit_code == 2, result.output
    assert "environments.local.contact_points.oncall-pagerduty.secrets.integrationKey" in result.output
    assert "not an environment variable NAME" in result.output and pasted not in result.output


@pytest.mark.parametrize("field", ["token_env"])
def test_a_pasted_token_as_token_env_is_refused(project: Path, field: str) -> None:
    _edit_config(project, lambda data: data["environments"]["prod"].__setitem__(field, PASTED_TOKEN))
    result = _gac("build", "--root", str(project))
    assert result.exit_code == 2 and PASTED_TOKEN not in result.output, result.output


def test_missing_secret_messages_never_show_something_that_is_not_a_name() -> None:
    refs = [SecretRef("oncall-pagerduty", "integrationKey", PASTED_TOKEN), SecretRef("p", "k", "SOME_NAME")]
    with pytest.raises(MissingSecrets) as caught:
        check_secrets(refs, {}, "local")
    assert PASTED_TOKEN not in str(caught.value) and "SOME_NAME" in str(caught.value)


def test_a_yaml_syntax_error_does_not_quote_the_line(project: Path) -> None:
    path = project / "grafana.yaml"
    path.write_text(path.read_text().replace("integrationKey: PAGERDUTY_INTEGRATION_KEY",
                                             f"integrationKey: {PASSWORD}: x", 1))
    result = _gac("build", "--root", str(project))
    _one_line_error(result, "grafana.yaml:", "not valid YAML: mapping values are not allowed here")
    assert PASSWORD not in result.output


# --- 4: credentials in URLs of grafana.yaml, and in any URL a plan or diff shows --------------------

def test_credentials_in_a_data_source_url_are_refused(project: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["environments"]["local"]["datasources"]["prometheus"]["url"] = "http://admin:S3cretPW@prometheus:9090"
    _edit_config(project, change)
    result = _gac("plan", "--root", str(project), "--env", "local",
                  env={"GRAFANA_URL": "http://127.0.0.1:1", "GRAFANA_TOKEN": "glsa_x"})
    assert result.exit_code == 2, result.output
    assert "environments.local.datasources.prometheus.url: holds a user or password" in result.output
    assert "basicAuthPassword" in result.output and "S3cretPW" not in result.output


def test_credentials_in_a_grafana_url_of_grafana_yaml_are_refused(project: Path) -> None:
    _edit_config(project, lambda data: data["environments"]["prod"].__setitem__(
        "url", "https://admin:S3cretPW@grafana.example.com"))
    result = _gac("build", "--root", str(project))
    assert result.exit_code == 2 and "environments.prod.url: holds a user or password" in result.output
    assert "S3cretPW" not in result.output


def test_credentials_in_the_lint_catalogs_prometheus_url_are_refused(project: Path) -> None:
    _edit_config(project, lambda data: data.setdefault("lint", {}).setdefault("catalog", {}).__setitem__(
        "prometheus_url", "http://reader:S3cretPW@prometheus:9090"))
    for args in (("build", "--root", str(project)), ("lint", "--root", str(project)),
                 ("lint", "--root", str(project), str(project / "generated"))):
        result = _gac(*args)
        assert result.exit_code == 2, result.output
        assert "lint.catalog.prometheus_url: holds a user or password" in result.output
        assert "--prometheus-url" in result.output and "S3cretPW" not in result.output


def test_diff_entries_and_raw_diffs_hide_userinfo() -> None:
    entry = DiffEntry(("url",), "http://admin:S3cretPW@prometheus:9090", {"u": ["https://TOKEN123@h/x"]})
    text = entry_text(entry)
    assert "S3cretPW" not in text and "TOKEN123" not in text
    assert "http://[redacted]@prometheus:9090" in text and "https://[redacted]@h/x" in text
    assert "S3cretPW" not in json.dumps(entry.to_json())
    raw = unified('{"url": "http://a:S3cretPW@h"}', '{"url": "http://h"}', "old", "new")
    assert "S3cretPW" not in raw and "[redacted]@h" in raw
    assert redact_userinfo("mail me: a@b.example, see http://h/p@x") == "mail me: a@b.example, see http://h/p@x"


def test_plan_and_drift_redact_a_credentialed_url_set_in_grafana(project: Path,
                                                                  grafana_emulator: GrafanaEmulator) -> None:
    env: dict[str, str | None] = {"GRAFANA_URL": grafana_emulator.url, "GRAFANA_TOKEN": grafana_emulator.token}
    synced = _gac("sync", "--root", str(project), "--env", "local", env=env)
    assert synced.exit_code == 0, synced.output
    alice = grafana_emulator.as_user("alice")
    live = alice.get("/api/datasources/uid/prometheus").json()
    live["url"] = "http://admin:S3cretPW@prometheus:9090"
    assert alice.put("/api/datasources/uid/prometheus", json=live).status_code == 200
    for args in (("plan",), ("plan", "--format", "json"), ("drift",), ("drift", "--format", "json"),
                 ("drift", "--format", "markdown")):
        result = _gac(args[0], "--root", str(project), "--env", "local", *args[1:], env=env)
        assert result.exit_code in (0, 1), (args, result.output)
        assert "[redacted]@prometheus:9090" in result.output, (args, result.output)
        assert "S3cretPW" not in result.output, args


# --- 5: a server that is not Grafana gets nothing written, no secret sent ---------------------------

def _health_then(rest: Any, health: Any) -> Callable[[str, str], tuple[int, str, bytes]]:
    """Grafana's health answer on /api/health, `rest` on every other path."""
    def answer(method: str, path: str) -> tuple[int, str, bytes]:
        body = health if path.startswith("/api/health") else rest
        return 200, "application/json", json.dumps(body).encode()
    return answer


@pytest.mark.parametrize("answer, needle", [
    (_json_everywhere([]), "GET /api/health answered an empty JSON list"),
    (_json_everywhere({"status": "ok"}), "GET /api/health answered a JSON object without \"database\""),
    (_health_then([], {"database": "ok", "version": "11.6.0", "commit": "x"}), "GET /api/user answered"),
    (_health_then({"status": "ok"}, {"database": "ok"}), "GET /api/user answered a JSON object"),
    (_health_then([], {"database": "ok", "version": "not a version"}), '"version" that is not a Grafana version'),
], ids=["list-everywhere", "status-ok-everywhere", "health-only", "hidden-version-health-only", "bad-version"])
def test_sync_to_a_server_that_is_not_grafana_writes_nothing_and_sends_no_secret(
        project: Path, answer: Any, needle: str) -> None:
    for fake in _serve(answer):
        result = _gac("sync", "--root", str(project), "--env", "local", "--retries", "1",
                      env={"GRAFANA_URL": fake.url, "GRAFANA_TOKEN": "glsa_x"})
        line = _one_line_error(result, f"{fake.url} is not a Grafana API", needle)
        assert "missing dashboards:read" not in line
        assert fake.writes == []
        sent = b"".join(r.body + r.path.encode() for r in fake.requests)
        assert not any(secret.encode() in sent for secret in CONTACT_POINT_SECRETS.values())
        # the health check, which anyone may ask, goes without the token: a server that fails it
        # never receives it; one that passes gets it with the questions only Grafana answers
        health = [r for r in fake.requests if r.path.startswith("/api/health")]
        assert health and all(r.authorization is None for r in health)
        assert all(r.authorization == "Bearer glsa_x" for r in fake.requests if r not in health)


def test_a_server_that_wants_credentials_for_the_health_check_never_gets_them(project: Path) -> None:
    """Grafana answers /api/health to anyone: a server that asks for credentials there is not
    taken for a Grafana that refused ours, and is not sent them."""
    for fake in _serve(_json_everywhere({"message": "Unauthorized"}, status=401)):
        result = _gac("sync", "--root", str(project), "--env", "local", "--retries", "1",
                      env={"GRAFANA_URL": fake.url, "GRAFANA_TOKEN": "glsa_x"})
        line = _one_line_error(result, "not healthy or not reachable", "401", "without credentials")
        assert "refused the credentials" not in line
        assert fake.requests and all(r.authorization is None for r in fake.requests)


@pytest.mark.parametrize("grafana_version", ["11.6", "12.x", "13.x"])
def test_a_hidden_version_is_read_where_grafana_still_shows_it(project: Path, grafana_version: str) -> None:
    emu = GrafanaEmulator(config=EmulatorConfig(grafana_version=grafana_version, hide_version=True)).start()
    try:
        assert "version" not in emu.client().get("/api/health").json()
        result = _gac("plan", "--root", str(project), "--env", "local",
                      env={"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token})
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Grafana {emu.config.version} at {emu.url}"), result.output
    finally:
        emu.stop()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "markdown"])
def test_lint_findings_on_data_source_urls_never_print_their_credentials(tmp_path: Path, fmt: str) -> None:
    """People paste passwords and tokens into data source URLs; the findings about those URLs
    (wrong port, a /metrics endpoint, a URL that is none) go to logs, pull-request comments and
    code scanning, so they name the URL without userinfo, query or fragment."""
    secrets = ["PromPw111", "QueryTok222", "TempoPw333", "LokiPw444", "LokiKey555", "frag666", "BadPw888",
               "WeirdPw999"]
    (tmp_path / "ds.yaml").write_text(
        "apiVersion: 1\ndatasources:\n"
        "  - {name: P, uid: prom, type: prometheus, url: 'http://scrape:PromPw111@collector:8889/metrics?token=QueryTok222'}\n"
        "  - {name: T, uid: tempo, type: tempo, url: 'http://t:TempoPw333@tempo:3100'}\n"
        "  - {name: L, uid: loki, type: loki, url: 'http://l:LokiPw444@loki:3200/?apikey=LokiKey555#frag666'}\n"
        "  - {name: B, uid: bad, type: prometheus, url: 'ht!tp://u:BadPw888@@@:::/x'}\n"
        "  - {name: W, uid: weird, type: prometheus, url: 'http://u:WeirdPw999@[::1:9090'}\n")
    result = CliRunner().invoke(main, ["lint", "--format", fmt, str(tmp_path / "ds.yaml")])
    assert result.exit_code == 1, result.output
    for rule in ("datasource-exposition-endpoint", "datasource-wrong-port", "datasource-url-invalid"):
        assert rule in result.output
    assert not [s for s in secrets if s in result.output], result.output


@pytest.mark.parametrize("token, says", [("tok_secret_中文", "contains a character that is not ASCII"),
                                         ("tok secret", "contains a space, a line break")])
def test_a_token_no_http_header_can_carry_is_refused_without_being_echoed(project: Path, token: str,
                                                                          says: str) -> None:
    """A token with a character beyond Latin-1 raised UnicodeEncodeError deep in the HTTP client
    (a traceback); only spaces and control characters were checked."""
    result = _gac("plan", "--root", str(project), "--env", "local",
                  env={"GRAFANA_URL": "http://127.0.0.1:1", "GRAFANA_TOKEN": token})
    assert result.exit_code == 2 and says in result.output and token not in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("timeout", ["-1", "0", "nan", "inf", "soon"])
def test_a_timeout_that_is_no_positive_number_is_a_usage_error(project: Path, timeout: str) -> None:
    result = _gac("plan", "--root", str(project), "--env", "local", "--timeout", timeout,
                  env={"GRAFANA_URL": "http://127.0.0.1:1", "GRAFANA_TOKEN": "glsa_x"})
    assert result.exit_code == 2 and "Invalid value for '--timeout'" in result.output, result.output
