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

The timeout is a deadline for the whole exchange (connect, TLS, send, the full answer):
a socket timeout alone restarts with every byte, so a server trickling one byte every few
seconds would hold a request for ever. Each socket operation waits only for what is left
until the deadline (`_DeadlineSocket`). What niquests sends (proxies, redirects) has its
per-operation timeouts only.

A redirect is followed only within the origin (scheme, host and port) the request went to:
another origin gets the request's headers, and a login proxy's page is no API answer.
`RedirectRefused` names that origin alone; the Location's path and query may carry a token.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import select
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from email.message import Message
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urljoin, urlsplit

import niquests
from niquests.utils import get_environ_proxies, requote_uri

from ..urls import UNPARSABLE, url_origin

#: what this module can decode (niquests would also offer br/zstd where their packages are installed)
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True)
class SentRequest:
    """What a response hook reads of the request (`response.request.method` / `.url`, as niquests gives)."""

    method: str
    url: str


#: why an answer's JSON could not be decoded when it is nested deeper than the decoder's stack
NESTED_TOO_DEEPLY = "arrays or objects nested too deeply to read"


class DeadlineExceeded(niquests.exceptions.Timeout):
    """A request that did not complete (connected, sent, answered in full) within its timeout."""


class RedirectRefused(niquests.exceptions.RequestException):
    """An answer redirected to another origin; `origin` is all of the target a message may show."""

    def __init__(self, method: str, path: str, status: int, origin: str) -> None:
        self.method, self.path, self.status, self.origin = method, path, status, origin
        super().__init__(f"{method} {path} was redirected (HTTP {status}) to {origin}, another origin: not followed")


class Answer:
    """One HTTP answer, read in full: the part of `niquests.Response` that grafana-client and `Connection` use."""

    def __init__(self, request: SentRequest, status: int, reason: str, headers: Message, content: bytes,
                 unreadable: str | None = None) -> None:
        self.request = request
        #: why the body cannot be read whatever its type says (a compressed body cut short): `json` raises it
        self.unreadable = unreadable
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
        if self.unreadable is not None:
            raise niquests.exceptions.JSONDecodeError(self.unreadable, "", 0)
        try:
            return jsonlib.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise niquests.exceptions.JSONDecodeError(str(exc), self.text, 0) from None
        except RecursionError:  # `[[[[...` deeper than the decoder's stack
            raise niquests.exceptions.JSONDecodeError(NESTED_TOO_DEEPLY, "", 0) from None


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
        self._idle: dict[tuple[str, str, int], list[_HTTP]] = {}
        self._lock = threading.Lock()
        self._direct: dict[tuple[str, str, int], bool] = {}
        self._auth_headers: dict[int, tuple[Any, dict[str, str]]] = {}
        #: the path of the request this thread sent (a refusal names it: a later hop's came from a Location)
        self._sending = threading.local()
        # the redirects niquests follows (its own, through a proxy or after ours) stay within the origin too
        session: Any = fallback
        follow = session.get_redirect_target

        def checked_target(response: Any) -> str | None:
            location = follow(response)
            if location:
                _check_redirect(str(getattr(response.request, "method", "") or "GET"), str(response.url or ""),
                                location, int(response.status_code or 0), getattr(self._sending, "path", "/"))
            return location

        session.get_redirect_target = checked_target

    # --- the Session interface grafana-client uses ----------------------------------------------

    def request(self, method: str, url: str, *, params: Any = None, data: Any = None, json: Any = None,
                headers: Mapping[str, str | None] | None = None, auth: Any = None, verify: Any = None,
                timeout: float | None = None, **more: Any) -> Any:
        split = urlsplit(url)
        self._sending.path = split.path or "/"
        query = _query(params)
        if (data is not None or more or query is None or split.scheme not in ("http", "https")
                or (verify is not None and verify != self._verify) or not isinstance(timeout, (int, float, type(None)))
                or not self._is_direct(split)):
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
        location = answer.headers.get("Location") if 300 <= answer.status_code < 400 else None
        if location:
            _check_redirect(method, sent.url, location, answer.status_code, split.path or "/")
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
        deadline = None if timeout is None else time.monotonic() + timeout
        conn = self._acquire(key, timeout)
        conn.deadline = deadline
        if isinstance(conn.sock, _Deadline):
            conn.sock.deadline = deadline
        try:
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except BaseException as exc:
            connecting = not conn.connected
            conn.close()
            if isinstance(exc, TimeoutError) and timeout is not None:  # socket.timeout too
                where = f" (connecting to {key[1]}:{key[2]})" if connecting else ""
                raise DeadlineExceeded(f"{method} {target.split('?', 1)[0]} timed out: it took longer than --timeout "
                                       f"{timeout:g} s{where}") from None
            raise _failure(exc, key) from None
        if response.will_close:
            conn.close()
        else:
            self._release(key, conn)
        coding = response.msg.get("Content-Encoding")
        try:
            return Answer(sent, response.status, response.reason, response.msg, _decoded(content, coding))
        except zlib.error as exc:  # cut short or corrupt: said as an answer that cannot be read
            return Answer(sent, response.status, response.reason, response.msg, content,
                          f"its {coding} encoding cannot be undone: {exc}")

    def _acquire(self, key: tuple[str, str, int], timeout: float | None) -> _HTTP:
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

    def _release(self, key: tuple[str, str, int], conn: _HTTP) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(conn)

    def tls_context(self) -> ssl.SSLContext:
        """The TLS settings of every https connection, made once (ValueError: see `ssl_context`)."""
        with self._lock:
            if self._context is None:
                self._context = ssl_context(self._verify)
                self._context.sslsocket_class = _DeadlineSSLSocket
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


#: bytes per second at which an exchange may run past its timeout: each byte sent or received moves
#: the deadline on by 1/_STEADY_RATE s. A list page of 500 dashboards (tens of MB) over a slow link
#: keeps arriving at this pace or faster; a server trickling its answer a byte at a time does not
_STEADY_RATE = 64 * 1024
#: what one `send` of `sendall` hands the socket at most, so a large body moves its deadline as it goes
_SEND_CHUNK = 64 * 1024


class _Deadline:
    """Socket operations that wait only for what is left until `deadline` (`time.monotonic()`), so the
    timeout bounds the whole exchange: a socket's own timeout restarts with every byte that arrives.
    What is sent and received moves the deadline on at `_STEADY_RATE`, so a large answer that keeps
    arriving is not cut off, and a trickle is.

    http.client sends with `sendall` and reads through `makefile`, whose reads call `recv_into`;
    `sendall` is done here in `send`s of `_SEND_CHUNK`, each given what is then left (CPython's
    own counts one timeout across the whole call)."""

    deadline: float | None = None

    def _arm(self) -> None:
        if self.deadline is None:
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self.settimeout(left)  # type: ignore[attr-defined]

    def _moved(self, count: int) -> int:
        if self.deadline is not None:
            self.deadline += count / _STEADY_RATE
        return count

    def recv_into(self, *args: Any) -> int:
        self._arm()
        return self._moved(super().recv_into(*args))  # type: ignore[misc]

    def recv(self, *args: Any) -> bytes:
        self._arm()
        data: bytes = super().recv(*args)  # type: ignore[misc]
        self._moved(len(data))
        return data

    def send(self, *args: Any) -> int:
        self._arm()
        return self._moved(super().send(*args))  # type: ignore[misc]

    def sendall(self, data: Any, flags: int = 0) -> None:
        view = memoryview(data).cast("B")
        while view:
            view = view[self.send(view[:_SEND_CHUNK], flags):]


class _DeadlineSocket(_Deadline, socket.socket):
    pass


class _DeadlineSSLSocket(_Deadline, ssl.SSLSocket):
    pass


def _connect_by(deadline: float | None, address: tuple[str, int], timeout: Any,
                source_address: Any = None) -> _DeadlineSocket:
    """`socket.create_connection` within what is left until `deadline`, as a `_DeadlineSocket`
    (the TLS handshake that follows gets the time then left)."""
    if deadline is not None:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise TimeoutError("deadline passed")
    plain = socket.create_connection(address, timeout, source_address)
    sock = _DeadlineSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
    if deadline is not None:
        sock.settimeout(max(deadline - time.monotonic(), 1e-3))
    else:
        sock.settimeout(timeout)
    return sock


class _HTTP(http.client.HTTPConnection):
    """No Nagle delay: http.client sends the headers and a small body in one write, but a large body
    goes in several, and the last one must not wait for the server's delayed ACK. Every socket
    operation ends by `deadline` (`_Deadline`), which `KeepAliveSession` sets per request.
    `connected` once connected (the TLS handshake done, for HTTPS): a timeout before is the
    connection's, said with the host."""

    deadline: float | None = None
    connected = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = lambda *a: _connect_by(self.deadline, *a)

    def connect(self) -> None:
        super().connect()  # for HTTPS, the context makes the TLS socket a `_DeadlineSSLSocket` (tls_context)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.sock, _Deadline):
            self.sock.deadline = self.deadline
        self.connected = True


class _HTTPS(_HTTP, http.client.HTTPSConnection):
    pass


def _check_redirect(method: str, url: str, location: str, status: int, path: str) -> None:
    """RedirectRefused when `location` (relative to `url`) leaves `url`'s origin, or cannot be read
    (`http://[::1/x`: urljoin's ValueError). `path` is the request's own, all of it a message shows:
    `url` may be an earlier hop's, from a server's Location."""
    try:
        target = url_origin(urljoin(url, location))
    except ValueError:
        target = UNPARSABLE
    if target == UNPARSABLE or target != url_origin(url):
        raise RedirectRefused(method.upper(), path, status, target)


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


def _failure(exc: BaseException, key: tuple[str, str, int]) -> BaseException:
    """niquests' exception for a failed exchange (what grafana-client and `Connection` handle)."""
    if not isinstance(exc, (OSError, http.client.HTTPException)):
        return exc
    where = f"{key[1]}:{key[2]}"
    if isinstance(exc, ssl.SSLError):
        return niquests.exceptions.SSLError(f"TLS with {where} failed: {exc}")
    reason = str(exc) or type(exc).__name__
    return niquests.exceptions.ConnectionError(f"connection to {where} failed: {reason}")
