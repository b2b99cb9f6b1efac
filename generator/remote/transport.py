"""The HTTP under grafana-client: persistent HTTP/1.1 connections, a fraction of niquests' CPU per request.

grafana-client sends every call through a niquests Session. That stack (niquests,
urllib3-future, h11) costs about 1 ms of client CPU per request -- as much as reading and
judging the dashboard it fetches -- and a no-op plan on Grafana 11 is one GET per object,
so it was most of the plan's CPU. `KeepAliveSession` takes the Session's place under
grafana-client (`Connection` swaps it in): the standard library's `http.client` over a
small pool of persistent connections, one per request in flight (a worker thread takes
one, sends, reads the whole answer and puts it back), at about a third of the cost.

Only the direct exchange is done here; what niquests does beyond it stays niquests': a
request that the environment routes through a proxy (HTTP(S)_PROXY / NO_PROXY), an answer
that redirects, a form-encoded body or any option this module does not know -- those are
sent by the niquests Session it replaces, unchanged. TLS trusts what niquests trusts: the
system's store (wassima), REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE when set, or `--ca-cert`;
`--insecure` turns verification off. Failures raise niquests' exceptions, so `Connection`
retries, counts and words them as before; nothing is retried here (a retry is the
policy's, counted and announced).
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import select
import socket
import ssl
import threading
import zlib
from dataclasses import dataclass
from email.message import Message
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

import niquests
from niquests.utils import get_environ_proxies, requote_uri

#: what this module can decode (niquests would also offer br/zstd where their packages are installed)
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True)
class SentRequest:
    """What a response hook reads of the request (`response.request.method` / `.url`, as niquests gives)."""

    method: str
    url: str


class Answer:
    """One HTTP answer, read in full: the part of `niquests.Response` that grafana-client and `Connection` use."""

    def __init__(self, request: SentRequest, status: int, reason: str, headers: Message, content: bytes) -> None:
        self.request = request
        self.url = request.url
        self.status_code = status
        self.reason = reason
        #: case-insensitive `get`, as niquests' headers
        self.headers = headers
        self.content = content

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; niquests' JSONDecodeError otherwise (what grafana-client catches)."""
        try:
            return jsonlib.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise niquests.exceptions.JSONDecodeError(str(exc), self.text, 0) from None


class _Headers:
    """The object an auth hook fills (niquests' AuthBase sets `r.headers[...]`)."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}


def ssl_context(verify: bool | str, environ: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """The TLS settings niquests applies for `verify` (True, False, or a CA file or directory).

    ValueError, naming the file, when the CA certificates given cannot be loaded.
    """
    environ = os.environ if environ is None else environ
    if verify is True:
        # niquests' Session.trust_env: these variables replace the default store
        verify = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or True
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif verify is True:
        import wassima  # niquests' own source of the system's trusted certificates

        context = wassima.create_default_ssl_context()
    else:
        try:
            context = (ssl.create_default_context(capath=verify) if os.path.isdir(verify)
                       else ssl.create_default_context(cafile=verify))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"the CA certificates at {verify} cannot be loaded ({exc})") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class KeepAliveSession:
    """A stand-in for the niquests Session grafana-client holds (`client.s`); thread-safe.

    `fallback` is that Session: its headers (User-Agent, X-Grafana-Org-Id) and response
    hooks are shared, and it sends what this class does not (see the module docstring).
    """

    def __init__(self, fallback: niquests.Session, verify: bool | str = True) -> None:
        self.fallback: Any = fallback
        self.headers: Any = fallback.headers
        self.hooks: Any = fallback.hooks
        self._verify = verify
        self._context: ssl.SSLContext | None = None
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._direct: dict[tuple[str, str, int], bool] = {}
        self._auth_headers: dict[int, tuple[Any, dict[str, str]]] = {}

    # --- the Session interface grafana-client uses ----------------------------------------------

    def request(self, method: str, url: str, *, params: Any = None, data: Any = None, json: Any = None,
                headers: Mapping[str, str | None] | None = None, auth: Any = None, verify: Any = None,
                timeout: float | None = None, **more: Any) -> Any:
        split = urlsplit(url)
        query = _query(params)
        if (data is not None or more or query is None or split.scheme not in ("http", "https")
                or (verify is not None and verify != self._verify) or not self._is_direct(split)):
            return self.fallback.request(method, url, params=params, data=data, json=json, headers=headers,
                                         auth=auth, verify=verify, timeout=timeout, **more)
        method = method.upper()
        body = None if json is None else jsonlib.dumps(json, allow_nan=False).encode("utf-8")
        sent_headers = self._headers(headers, auth, body is not None)
        target = split.path or "/"
        if split.query or query:
            target += "?" + "&".join(q for q in (split.query, query) if q)
        target = requote_uri(target)  # as niquests sends it: a uid with a space becomes %20
        sent = SentRequest(method, f"{split.scheme}://{split.netloc}{target}")
        answer = self._exchange(split, method, target, body, sent_headers, timeout, sent)
        if 300 <= answer.status_code < 400 and answer.headers.get("Location"):
            # redirects are followed as niquests follows them (method changes, auth across hosts)
            return self.fallback.request(method, url, params=params, json=json, headers=headers, auth=auth,
                                         verify=verify, timeout=timeout)
        for hook in self.hooks["response"]:
            hook(answer)
        return answer

    def close(self) -> None:
        with self._lock:
            idle = [c for conns in self._idle.values() for c in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()
        self.fallback.close()

    # --- one exchange on a pooled connection --------------------------------------------------

    def _exchange(self, split: Any, method: str, target: str, body: bytes | None, headers: dict[str, str],
                  timeout: float | None, sent: SentRequest) -> Answer:
        key = (split.scheme, split.hostname or "", split.port or (443 if split.scheme == "https" else 80))
        conn = self._acquire(key, timeout)
        try:
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except BaseException as exc:
            connecting = conn.sock is None
            conn.close()
            raise _failure(exc, key, connecting) from None
        if response.will_close:
            conn.close()
        else:
            self._release(key, conn)
        return Answer(sent, response.status, response.reason, response.msg,
                      _decoded(content, response.msg.get("Content-Encoding")))

    def _acquire(self, key: tuple[str, str, int], timeout: float | None) -> http.client.HTTPConnection:
        """An idle connection the server has not closed meanwhile, else a new one (connected on first use)."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None:
                break
            if conn.sock is not None and not _dropped(conn.sock):
                conn.sock.settimeout(timeout)
                conn.timeout = timeout
                return conn
            conn.close()
        scheme, host, port = key
        if scheme == "https":
            return _HTTPS(host, port, timeout=timeout, context=self.tls_context())
        return _HTTP(host, port, timeout=timeout)

    def _release(self, key: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(conn)

    def tls_context(self) -> ssl.SSLContext:
        """The TLS settings of every https connection, made once (ValueError: see `ssl_context`)."""
        with self._lock:
            if self._context is None:
                self._context = ssl_context(self._verify)
            return self._context

    # --- what is sent -------------------------------------------------------------------------

    def _headers(self, extra: Mapping[str, str | None] | None, auth: Any, has_body: bool) -> dict[str, str]:
        """The session's headers, then the body's type, the credentials and the call's own (niquests' order);
        names are case-insensitive and a None value removes one."""
        merged: dict[str, tuple[str, str | None]] = {k.lower(): (k, v) for k, v in self.headers.items()}
        merged["accept-encoding"] = ("Accept-Encoding", ACCEPT_ENCODING)
        if has_body:
            merged["content-type"] = ("Content-Type", "application/json;charset=utf-8")
        if auth is not None:
            merged.update((k.lower(), (k, v)) for k, v in self._auth(auth).items())
        merged.update((k.lower(), (k, v)) for k, v in (extra or {}).items())
        return {name: value for name, value in merged.values() if value is not None}

    def _auth(self, auth: Callable[[Any], Any]) -> dict[str, str]:
        """The headers an auth object sets (token, basic), computed once per object."""
        cached = self._auth_headers.get(id(auth))
        if cached is None or cached[0] is not auth:
            filled = _Headers()
            auth(filled)
            cached = (auth, dict(filled.headers))
            self._auth_headers[id(auth)] = cached
        return cached[1]

    def _is_direct(self, split: Any) -> bool:
        """No proxy from the environment applies to this host (niquests' own rule); asked once per host."""
        key = (split.scheme, split.hostname or "", split.port or 0)
        direct = self._direct.get(key)
        if direct is None:
            direct = not get_environ_proxies(f"{split.scheme}://{split.netloc}/")
            self._direct[key] = direct
        return direct


class _HTTP(http.client.HTTPConnection):
    """No Nagle delay: http.client sends the headers and a small body in one write, but a large body
    goes in several, and the last one must not wait for the server's delayed ACK."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _HTTPS(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _query(params: Any) -> str | None:
    """`params` as niquests encodes them ("" when none; None when of a shape left to niquests)."""
    if not params:
        return ""
    if isinstance(params, str):
        return params
    if not isinstance(params, Mapping):
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is None:
                continue
            if not isinstance(item, (str, int, float, bool)):
                return None
            pairs.append((str(key), str(item)))
    return urlencode(pairs)


def _dropped(sock: socket.socket) -> bool:
    """An idle keep-alive socket that is readable has been closed by the server (or holds stray bytes)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _decoded(content: bytes, encoding: str | None) -> bytes:
    coding = (encoding or "").strip().lower()
    if not content or coding in ("", "identity"):
        return content
    if coding in ("gzip", "x-gzip"):
        return zlib.decompress(content, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(content)
        except zlib.error:  # raw deflate, as some servers send it
            return zlib.decompress(content, -zlib.MAX_WBITS)
    return content


def _failure(exc: BaseException, key: tuple[str, str, int], connecting: bool) -> BaseException:
    """niquests' exception for a failed exchange (what grafana-client and `Connection` handle)."""
    if not isinstance(exc, (OSError, http.client.HTTPException)):
        return exc
    where = f"{key[1]}:{key[2]}"
    if isinstance(exc, ssl.SSLError):
        return niquests.exceptions.SSLError(f"TLS with {where} failed: {exc}")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        if connecting:
            return niquests.exceptions.ConnectTimeout(f"connecting to {where} timed out")
        return niquests.exceptions.ReadTimeout(f"{where} did not answer in time (read timed out)")
    reason = str(exc) or type(exc).__name__
    return niquests.exceptions.ConnectionError(f"connection to {where} failed: {reason}")
