"""URLs as they may be printed, and API URLs built from a base URL a person gave.

People paste credentials into URLs (`http://admin:pw@host`, `?token=...`), so no URL
reaches a message, a report or a plan unredacted. This module is shared by the Grafana
connection (`remote.connection`), the lint catalog's Prometheus client and the semantic
diff, and imports nothing heavier than `urllib.parse`: lint must not load an HTTP client
stack to print a URL.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

REDACTED = "[redacted]"
#: what is printed for a value that is not scheme://host... (it may be anything, a password too)
UNPARSABLE = "[unparsable URL]"


def redact_url(url: str) -> str:
    """`url` as it may be printed: without user:password, and with any query string or fragment
    replaced by `?[redacted]` (a token pasted as `?token=...` must not reach a log).

    The one function every printed URL passes through (settings, errors, plan, reports, drift).
    Without `scheme://host` nothing of it is shown: `admin:pw@grafana:3000` parses as scheme
    `admin` and path `pw@grafana:3000`, so its password would pass as the path.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return UNPARSABLE
    if not parts.hostname:
        return UNPARSABLE
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    hidden = f"?{REDACTED}" if parts.query or parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")) + hidden


def same_place(a: str, b: str) -> bool:
    """Whether two URLs name the same base: the same origin (`url_origin`: the host in any case,
    the scheme's port written or not) and path (a trailing slash or not)."""
    try:
        paths = urlsplit(a).path.rstrip("/"), urlsplit(b).path.rstrip("/")
    except ValueError:
        return False
    return url_origin(a) == url_origin(b) != UNPARSABLE and paths[0] == paths[1]


def url_origin(url: str) -> str:
    """`url`'s origin, `scheme://host:port` (the port always, the scheme's default when none is given),
    or `UNPARSABLE`: what a message may say of a URL that came from a server, such as a redirect's
    Location, whose path and query may carry a token or a login state."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return UNPARSABLE
    scheme = parts.scheme.lower()
    if not parts.hostname or scheme not in _DEFAULT_PORTS and port is None:
        return UNPARSABLE
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}:{port or _DEFAULT_PORTS[scheme]}"


_DEFAULT_PORTS = {"http": 80, "https": 443}


_URL = re.compile(r"https?://[^\s'\"<>()]+")
_TRAILING = ".,:;!?"


def redact_urls(text: str) -> str:
    """Every http(s) URL in `text` through `redact_url` (error messages quote URLs)."""
    def one(match: re.Match[str]) -> str:
        url = match.group(0)
        kept = url.rstrip(_TRAILING)
        return redact_url(kept) + url[len(kept):]
    return _URL.sub(one, text)


#: `scheme://userinfo@`: the userinfo ends at the first `@` before any `/`, space or quote
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s@'\"<>]+)@")


def redact_userinfo(value: Any) -> Any:
    """`value` (a string, or JSON-like data holding strings) with the userinfo of every URL
    replaced by `[redacted]`; the rest of the URL stays, so a diff still shows which host.

    The whole userinfo goes, not only the password: a token is also pasted as the user
    (`https://TOKEN@host`).
    """
    if isinstance(value, str):
        return _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", value) if "@" in value else value
    if isinstance(value, dict):
        return {key: redact_userinfo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_userinfo(item) for item in value]
    return value


def url_problem(url: str) -> str | None:
    """Why `url` is no `http(s)://host[:port][/path]`, what a Grafana or a Prometheus URL must be,
    or None where it is one. Never raises (`urlsplit` refuses a broken IPv6 literal such as
    `http://[::1`, and its `port` a port beyond 65535 or not a number), and never quotes the URL:
    it may hold a password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "its host cannot be read (an IPv6 address goes in brackets: http://[::1]:3000)"
    if parts.scheme not in ("http", "https"):
        return "it must begin with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "its port must be a number from 1 to 65535"
    return None


def has_credentials(url: str) -> bool:
    """Does `url` carry a user or a password (`scheme://user:password@host`)?"""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is not None or parts.password is not None


#: query-string parameters that carry credentials (`?token=`, `?api_key=`, `?code=` of Azure
#: Functions, `?sig=` of signed URLs), compared without case, `-`, `_` and `.`
_CREDENTIAL_PARAM_ENDINGS = ("token", "key", "secret", "password", "passwd", "pwd", "pass", "signature", "sig",
                             "credential", "credentials", "auth")


def url_credentials(url: str) -> str | None:
    """What credential `url` carries, said without its value (`user:password@`, `?token=`), or None."""
    if has_credentials(url):
        return "a user or password (user:password@)"
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    names = sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)
                    if re.sub(r"[-_.]", "", name.lower()).endswith(_CREDENTIAL_PARAM_ENDINGS)
                    or name.lower() == "code"})
    return f"a credential in its query string ({', '.join(f'?{n}=' for n in names)})" if names else None


def join_api_url(base: str, path: str) -> str:
    """`path` under `base`'s path, keeping `base`'s query string a query string.

    `http://mimir/prometheus?org=1` + `api/v1/metadata` is
    `http://mimir/prometheus/api/v1/metadata?org=1`; string concatenation would glue the
    path onto the query. The user:password of `base` is kept (the HTTP client sends it as
    basic auth); print the result only through `redact_url`.
    """
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"{parts.path.rstrip('/')}/{path.lstrip('/')}", parts.query, ""))
