"""A request that got no answer, said in a few words.

HTTP clients (niquests for Grafana, requests for Prometheus) describe a failed connection
as a chain of wrappers: `HTTPConnectionPool(host=..., port=...): Max retries exceeded with
url: /api/... (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at
0x7f...>: Failed to establish a new connection: [Errno 111] Connection refused'))`. The
person needs the last four words; the wrapper repeats the URL (query string included) and
an object's address. `describe_failure` walks the exception chain to its cause and names it.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterator

#: `<urllib3.connection.HTTPConnection object at 0x7f...>: ` and its likes
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>:?\s*")
#: `HTTPConnectionPool(host='h', port=1): Max retries exceeded with url: /x?token=... (Caused by X(`
_POOL = re.compile(r"\w+ConnectionPool\([^)]*\):[^(]*\(Caused by \w+\(")


def describe_failure(exc: BaseException) -> str:
    """What went wrong, one line without object reprs or URLs: "connection refused", ..."""
    chain = list(_chain(exc))
    for cause in chain:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing listens at that host and port)"
        if isinstance(cause, socket.gaierror):
            return "host name not found (DNS)"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted ({cause.verify_message or cause.reason})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({cause.reason or 'SSL error'})"
        if isinstance(cause, ConnectionResetError):
            return "the server closed the connection without answering"
        if isinstance(cause, (TimeoutError, socket.timeout)) or _named(cause, "Timeout"):
            return "timed out"
    return _cleaned(str(chain[-1]) or type(chain[-1]).__name__)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _named(exc: BaseException, name: str) -> bool:
    """Is one of `exc`'s classes called `name` (the clients' Timeout classes share no base)?"""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def _cleaned(text: str) -> str:
    text = _POOL.sub("", text)
    text = _OBJECT_REPR.sub("", text)
    return " ".join(text.split()).strip("()'\" ") or "no answer"
