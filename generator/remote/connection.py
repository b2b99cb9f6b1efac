"""How every request reaches Grafana: grafana-client, retries, a timeout, accounting, redaction.

`Settings` says where and as whom (GRAFANA_URL / grafana.yaml, GRAFANA_TOKEN or the
environment's `token_env`, or GRAFANA_USER/GRAFANA_PASSWORD, GRAFANA_ORG_ID, TLS).
`Connection` implements the handlers' `Calls`: each call is a grafana-client call, retried
per `RetryPolicy`, counted (reads, writes, retries), with failures turned into `ApiError`
whose text has passed through `Redactor` -- so neither the token nor a secret can reach an
error message, a log line or a report. URLs are printed only through `redact_url` (no
user:password, no query string: people do paste `?token=...`; `generator.urls`), and a
request that got no answer is described in a few words (`generator.network_errors`), not
as the HTTP client's chain of wrappers quoting the URL and object addresses.

Grafana's API answers JSON; an answer that is not JSON means the URL points at something
else (a web server, a login proxy, the wrong port), and is said so in one line instead of
echoing the page; so is a JSON answer that cannot be decoded (cut short, or nested deeper
than the decoder's stack), naming the request, and a redirect to another origin, naming only
that origin (`transport.RedirectRefused`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, TypeVar
from urllib.parse import urlsplit

import niquests
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaException

from ..handlers.live import ApiError
from ..network_errors import describe_failure
from ..sync.errors import AuthError, ConnectionFailed, SyncError, Throttled
from ..urls import UNPARSABLE, redact_url, redact_urls, same_place, url_problem
from .retry import RETRY_STATUSES, RetryPolicy, RetryWait, WaitFn, parse_retry_after
from .transport import NESTED_TOO_DEEPLY, DeadlineExceeded, KeepAliveSession, RedirectRefused

T = TypeVar("T")

DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True)
class Settings:
    """Where Grafana is and how to authenticate; secrets are excluded from repr."""

    url: str
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    org_id: int | None = None
    verify: bool | str = True
    timeout: float = DEFAULT_TIMEOUT
    #: where the credentials came from, for messages ("GRAFANA_TOKEN", "GRAFANA_USER/GRAFANA_PASSWORD")
    credential_source: str = ""
    #: where the URL came from, for messages ("GRAFANA_URL", or the environment's `url` in grafana.yaml)
    url_source: str = "GRAFANA_URL"
    #: the environment's `url` (redacted) where GRAFANA_URL names another Grafana in its place
    replaced_url: str | None = None

    @property
    def basic_login(self) -> str | None:
        return self.user if self.token is None else None


def settings_from(environment: dict[str, Any], environ: Mapping[str, str], *, ca_cert: str | None = None,
                  insecure: bool = False, timeout: float = DEFAULT_TIMEOUT, env_name: str = "") -> Settings:
    """Connection settings from grafana.yaml's environment plus environment variables.

    GRAFANA_URL overrides the environment's `url`. A token comes from the variable the
    environment names in `token_env`, else GRAFANA_TOKEN; otherwise GRAFANA_USER and
    GRAFANA_PASSWORD (or user:password in the URL) are used.
    """
    raw_url = environ.get("GRAFANA_URL") or environment.get("url") or ""
    where = f"environment {env_name!r} in grafana.yaml" if env_name else "grafana.yaml"
    url_source = "GRAFANA_URL" if environ.get("GRAFANA_URL") else f"`url` of {where}"
    if not raw_url:
        raise SyncError(f"no Grafana URL: set GRAFANA_URL or `url` for {where}")
    if any(c.isspace() for c in raw_url):
        raise SyncError(f"the Grafana URL from {url_source} contains a space or a line break (a copy-paste slip?): "
                        "remove it")
    problem = url_problem(raw_url)
    if problem is not None:
        shown = redact_url(raw_url)
        got = f", got {shown!r}" if shown != UNPARSABLE else " (the value is not shown: it may hold a password)"
        raise SyncError(f"Grafana URL must be http(s)://host[:port][/path] ({url_source}): {problem}{got}")
    parts = urlsplit(raw_url)
    # a query string is never sent (requests go to host, port and path): kept out of messages too
    url = redact_url(raw_url)

    token_env = environment.get("token_env") or "GRAFANA_TOKEN"
    token = environ.get(token_env) or None
    user = environ.get("GRAFANA_USER") or parts.username or None
    password = environ.get("GRAFANA_PASSWORD") or parts.password or None
    if token and (any(c.isspace() for c in token) or not token.isprintable()):
        # an HTTP header cannot hold it: the error would come from deep inside the client, quoting it
        raise SyncError(f"{token_env} contains a space, a line break or a control character (a copy-paste slip?): "
                        "set it to the token alone")
    if token and not token.isascii():  # no token Grafana issues has one, and a header would not carry it
        raise SyncError(f"{token_env} contains a character that is not ASCII (a copy-paste slip?): set it to the "
                        "token alone")
    if token:
        source, user, password = token_env, None, None
    elif user and password:
        # said as given: a refusal must not send the user to variables that are not set
        by_variable = bool(environ.get("GRAFANA_USER")), bool(environ.get("GRAFANA_PASSWORD"))
        if all(by_variable):
            source = "GRAFANA_USER/GRAFANA_PASSWORD"
        elif not any(by_variable):
            source = f"the user:password in {url_source}"
        else:
            source = ("GRAFANA_USER" if by_variable[0] else f"the user in {url_source}") + " and " + \
                ("GRAFANA_PASSWORD" if by_variable[1] else f"the password in {url_source}")
    else:
        raise SyncError(f"no Grafana credentials: set {token_env} (a service-account token) or GRAFANA_USER and "
                        "GRAFANA_PASSWORD")

    org_raw = environ.get("GRAFANA_ORG_ID") or environment.get("org_id")
    org_id = None
    if org_raw not in (None, ""):
        try:
            org_id = int(str(org_raw))
        except ValueError:
            raise SyncError(f"GRAFANA_ORG_ID must be a number, got {org_raw!r}") from None
        if org_id < 1:
            raise SyncError(f"GRAFANA_ORG_ID must be an organisation id (1 or more), got {org_id}")
    verify: bool | str = False if insecure else (ca_cert or True)
    configured = environment.get("url")
    replaced = redact_url(configured) if environ.get("GRAFANA_URL") and isinstance(configured, str) and \
        not same_place(configured, raw_url) else None
    return Settings(url, token, user, password, org_id, verify, timeout, source, url_source, replaced)


class Redactor:
    """Replaces every known sensitive value (token, password, data-source secrets) in text."""

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self.add(*values)

    def add(self, *values: str | None) -> None:
        with self._lock:
            self._values.update(v for v in values if v and len(v) >= 3)

    def __call__(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = text.replace(value, "[redacted]")
        return redact_urls(text)


@dataclass
class Stats:
    """Requests made, for the report and the benchmark (thread-safe)."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, *, write: bool, retry: bool = False) -> None:
        with self._lock:
            if write:
                self.writes += 1
            else:
                self.reads += 1
            if retry:
                self.retries += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {"reads": self.reads, "writes": self.writes, "retries": self.retries}


class Connection:
    """grafana-client with retries, a per-request timeout, accounting and redaction."""

    def __init__(self, settings: Settings, *, policy: RetryPolicy | None = None, pool_size: int = 16,
                 sleep: Callable[[float], None] = time.sleep, redactor: Redactor | None = None,
                 on_wait: WaitFn | None = None) -> None:
        self.settings = settings
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.on_wait = on_wait
        self.redactor = redactor or Redactor()
        self.redactor.add(settings.token, settings.password)
        self.stats = Stats()
        parts = urlsplit(settings.url)
        prefix = parts.path.strip("/")
        auth: Any = settings.token if settings.token else (settings.user, settings.password)

        def api(auth: Any, pool_size: int) -> GrafanaApi:
            return GrafanaApi(auth, host=parts.hostname, port=parts.port, protocol=parts.scheme,
                              url_path_prefix=f"{prefix}/" if prefix else "", verify=settings.verify,
                              timeout=settings.timeout, organization_id=settings.org_id,
                              session_pool_size=pool_size)

        self.api = api(auth, pool_size)
        # persistent connections, a third of niquests' CPU per request (transport.py); niquests stays underneath
        session = KeepAliveSession(self.api.client.s, settings.verify)
        self.api.client.s = session  # type: ignore[assignment]
        #: the same server and session without the credentials, for what anyone may read (read_anonymous)
        self._anonymous = api(None, 1)
        self._anonymous.client.s.close()
        self._anonymous.client.s = session  # type: ignore[assignment]
        if parts.scheme == "https":
            try:
                session.tls_context()  # a CA file that cannot be loaded stops the run here, not per request
            except ValueError as exc:
                raise SyncError(f"TLS for {settings.url}: {exc}; check --ca-cert, or REQUESTS_CA_BUNDLE and "
                                "CURL_CA_BUNDLE in the environment") from None
        self._local = threading.local()
        # grafana-client raises without the response headers: a hook keeps what we need per thread
        self.api.client.s.hooks["response"].append(self._capture)

    def _capture(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self._local.answer = _Answer.of(response)
        return response

    def close(self) -> None:
        self.api.client.s.close()

    def read(self, what: str, fn: Callable[[GrafanaApi], T]) -> T:
        return self._call(what, fn, write=False)

    def read_anonymous(self, what: str, fn: Callable[[GrafanaApi], T]) -> T:
        """`read` without the token or password: for what Grafana serves to anyone (`/api/health`),
        asked before the server is known to be Grafana, so that a stranger at a mistyped URL
        never receives the credentials."""
        return self._call(what, fn, write=False, api=self._anonymous)

    def write(self, what: str, fn: Callable[[GrafanaApi], T]) -> T:
        return self._call(what, fn, write=True)

    def _call(self, what: str, fn: Callable[[GrafanaApi], T], *, write: bool, api: GrafanaApi | None = None) -> T:
        attempt, ambiguous = 0, False
        while True:
            attempt += 1
            self._local.answer = None
            self.stats.count(write=write, retry=attempt > 1)
            try:
                result = fn(self.api if api is None else api)
            except RedirectRefused as exc:
                raise ConnectionFailed(
                    f"Grafana at {self.settings.url} answered {what} ({exc.method} {self._shown(exc.path)}) with "
                    f"HTTP {exc.status}, a redirect to {exc.origin}: not followed, since the request's credentials "
                    f"would go to another origin; if Grafana is served there, point {self.settings.url_source} at "
                    "it") from None
            except (niquests.exceptions.JSONDecodeError, RecursionError) as exc:
                self._unreadable(what, exc, write=write)
            except GrafanaException as exc:
                status: int | None = exc.status_code or None
                message = _message(exc.response) if status else _no_answer(exc)
            except niquests.exceptions.RequestException as exc:
                status, message = None, _no_answer(exc)
            else:
                self._check_json(what)
                return result
            answer: _Answer | None = self._local.answer
            if answer is not None and not answer.is_json:
                if answer.status < 500 and answer.status != 401:
                    self._check_json(what)
                message = f"{answer.content_type or 'a body without Content-Type'}, not Grafana's JSON"
            message = self.redactor(message)
            if status == 401 and api is None:  # without credentials (read_anonymous), none were refused
                raise AuthError(f"Grafana refused the credentials from {self.settings.credential_source} "
                                f"({what}: HTTP 401: {message}); check that the token or password is valid "
                                "for this Grafana and organisation") from None
            if write and (status is None or (status in RETRY_STATUSES and status != 429)):
                ambiguous = True  # the write may have been applied before the failure, the last attempt's too
            if self.policy.should_retry(status, attempt):
                retry_after = parse_retry_after(answer.retry_after) if status == 429 and answer else None
                if self.policy.exceeds_cap(retry_after):
                    raise Throttled(
                        f"Grafana at {self.settings.url} asked to wait {retry_after:.0f} s before retrying {what} "
                        f"(HTTP 429, Retry-After), longer than the {self.policy.max_retry_after:g} s gac waits at "
                        "most: stopped rather than hang; try again later, or allow a longer wait with "
                        "--max-retry-after SECONDS") from None
                delay = self.policy.delay(attempt, retry_after)
                if self.on_wait is not None:
                    self.on_wait(RetryWait(what, status, attempt, self.policy.attempts, delay, retry_after))
                self.sleep(delay)
                continue
            if status is None and attempt > 1:
                message = f"{message} (after {attempt} attempts)"
            elif status in (429, 502, 503, 504) and attempt > 1:
                message = f"{message} (after {attempt} attempts)"
            raise ApiError(status or 0, message, what, ambiguous=ambiguous) from None


    def _shown(self, path: str) -> str:
        """An answer's path below the URL's own path (the sub-path Grafana is served under)."""
        prefix = urlsplit(self.settings.url).path.rstrip("/")
        return path[len(prefix):] if prefix and path.startswith(prefix + "/") else path

    def _unreadable(self, what: str, exc: BaseException, *, write: bool) -> None:
        """Stop with one line when the last answer said JSON but its body cannot be decoded (cut short,
        or nested deeper than a decoder's stack): a broken answer, not worth retrying. A write's is an
        ApiError marked ambiguous instead: the write may have landed, and the caller reads it back.
        Raises; re-raises `exc` when no answer came (a RecursionError of the caller's own)."""
        answer: _Answer | None = self._local.answer
        if answer is None:
            raise exc
        if not answer.is_json:
            self._check_json(what)
        if isinstance(exc, RecursionError) or NESTED_TOO_DEEPLY in str(exc):
            why, hint = NESTED_TOO_DEEPLY, ""
        else:
            why, hint = f"cut short or malformed: {getattr(exc, 'msg', None) or exc}", ", or a proxy cutting answers short"
        said = (f"{self.settings.url} answered {answer.method} {self._shown(answer.path)} ({what}) with HTTP "
                f"{answer.status} JSON that cannot be read ({why}); is {self.settings.url_source} the Grafana "
                f"server{hint}?")
        if write:
            raise ApiError(answer.status, said, what, ambiguous=True) from None
        raise ConnectionFailed(said) from None

    def _check_json(self, what: str) -> None:
        """Stop with one clear line when the last answer was a body that is not JSON: not Grafana's API."""
        answer: _Answer | None = self._local.answer
        if answer is None or answer.is_json:
            return
        raise ConnectionFailed(
            f"{self.settings.url} answered {answer.method} {self._shown(answer.path)} with HTTP {answer.status} "
            f"{answer.content_type or 'without a Content-Type'}, not Grafana's JSON ({what}): is "
            f"{self.settings.url_source} the Grafana server (scheme, port and sub-path included)?")


@dataclass(frozen=True)
class _Answer:
    """What a response hook keeps of one HTTP answer: enough to tell Grafana's API from anything else."""

    method: str
    path: str
    status: int
    content_type: str
    empty: bool
    retry_after: str | None

    @classmethod
    def of(cls, response: Any) -> "_Answer":
        request = getattr(response, "request", None)
        url = str(getattr(request, "url", "") or "")
        content_type = str(response.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        return cls(method=str(getattr(request, "method", "") or "GET").upper(), path=urlsplit(url).path or "/",
                   status=int(response.status_code or 0), content_type=content_type,
                   empty=not response.content, retry_after=response.headers.get("Retry-After"))

    @property
    def is_json(self) -> bool:
        """Grafana's API answers `application/json` (or `+json`), or nothing at all (204, some deletes)."""
        return self.empty or self.status == 204 or self.content_type.endswith("json")


def _no_answer(exc: BaseException) -> str:
    """Why a request got no answer: the deadline's own words (method, path, --timeout), else the cause."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DeadlineExceeded):
            return str(cause)
        cause = cause.__cause__
    return describe_failure(exc)


def _message(response: Any) -> str:
    if isinstance(response, dict):
        text = response.get("message") or response.get("error") or ""
        return str(text)
    return str(response or "")[:300]
