"""The vocabulary the handlers' live operations speak: calls, live objects, stamps, errors.

Handlers know everything kind-specific about Grafana (endpoints, tokens, markers); the
sync engine (`generator.sync`) orchestrates them without knowing any endpoint. This
module is what both sides share, and it imports nothing from the sync engine so the
handlers stay usable by other stages (drift, pull) with any object that implements
`Calls`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, TypeVar

from ..markers import STAMP_KEY as STAMP_KEY  # re-exported: the key `Stamp` is written under
from ..resource import Resource
from ..secret_fingerprint import Fingerprinter

T = TypeVar("T")


class Calls(Protocol):
    """How a handler reaches Grafana: grafana-client calls, with retries and accounting.

    `fn` receives a `grafana_client.GrafanaApi`. `what` names the operation in errors.
    Failures raise `ApiError` (or an error the caller must not catch, such as an
    authentication failure).
    """

    def read(self, what: str, fn: Callable[[Any], T]) -> T: ...

    def write(self, what: str, fn: Callable[[Any], T]) -> T: ...


class ApiError(Exception):
    """Grafana answered an error (or never answered). `status` is 0 without an answer.

    `ambiguous` is set when an earlier attempt of the same write may have been applied
    although the client saw a failure (timeout, dropped connection, 5xx after apply): a
    conflict that follows is then possibly our own write, and the caller re-reads to tell.
    """

    def __init__(self, status: int, message: str, what: str = "", *, ambiguous: bool = False):
        self.status = status
        self.message = message
        self.what = what
        self.ambiguous = ambiguous
        where = f"{what}: " if what else ""
        code = f"HTTP {status}" if status else "no answer"
        super().__init__(f"{where}{code}: {message}" if message else f"{where}{code}")

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        """Optimistic-lock failures: dashboards/folders answer 412, data sources 409."""
        return self.status in (409, 412)


class WriteConflict(ApiError):
    """The object changed between the read and the write (detected by us, not Grafana)."""

    def __init__(self, message: str, what: str = ""):
        super().__init__(409, message, what)


@dataclass(frozen=True)
class ResourceApis:
    """Which Kubernetes-style resource APIs (Grafana 12+) gac reads and writes through, per preflight.

    Empty versions mean the legacy `/api` (Grafana 11, or a 12+ that does not serve the
    group). `dashboard_v2` is the schema-v2 version Grafana serves, used only to read
    (and back up) a dashboard a person saved as v2. `namespace` is the organisation's
    (`default` for org 1, `org-N` otherwise: Grafana's `GetNamespaceMapper`).
    """

    folder: str = ""
    dashboard: str = ""
    dashboard_v2: str = ""
    namespace: str = "default"


@dataclass(frozen=True)
class SyncContext:
    """What live operations need to know about the target and the run.

    `login` is the sync identity's login (None when Grafana would not tell); `org_id` goes
    into rule bodies (the OpenAPI spec requires `orgID`); `alerts_editable` keeps alert
    rules editable in Grafana's UI (`X-Disable-Provenance`); `secure_json_data` returns a
    data source's secrets, read from environment variables at write time only.
    """

    org_id: int = 1
    login: str | None = None
    alerts_editable: bool = False
    #: the resource APIs of Grafana 12+ that preflight found (legacy /api when empty)
    apis: ResourceApis = field(default_factory=ResourceApis)
    #: managed dashboards/folders written through /apis without `managerAllowsEdits`: Grafana's UI then
    #: treats them as read-only (environment setting `lock_ui_edits`)
    lock_ui_edits: bool = False
    secure_json_data: Callable[[str], dict[str, str]] = field(default=lambda uid: {}, repr=False)
    secret_keys: Callable[[str], list[str]] = field(default=lambda uid: [], repr=False)
    #: keyed fingerprints of secret values (secret_fingerprint.py); None: no pepper, rotation undetected
    fingerprinter: Fingerprinter | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Stamp:
    """What the last sync wrote: the hash of the comparable form, and the version it expected.

    An object whose version still equals `version`, or whose content still hashes to
    `hash`, has not been changed by anyone since the sync wrote it.
    """

    hash: str
    version: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"hash": self.hash}
        if self.version is not None:
            out["version"] = self.version
        return out

    @classmethod
    def from_json(cls, value: Any) -> "Stamp | None":
        if not isinstance(value, dict) or not isinstance(value.get("hash"), str):
            return None
        version = value.get("version")
        return cls(value["hash"], version if isinstance(version, int) and not isinstance(version, bool) else None)


@dataclass
class LiveRef:
    """One object as a listing shows it, before (or instead of) reading it in full."""

    kind: str
    identity: tuple[str, ...]
    uid: str
    title: str
    folder_uid: str | None
    #: known from the listing (tag, label, marker); None when only a full read tells
    managed: bool | None
    row: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class LiveObject:
    """One object read in full: its body in the shape `generated/` holds, plus bookkeeping."""

    resource: Resource
    #: the concurrency token a write must carry (version, or content hash for rule groups)
    token: Any
    managed: bool
    stamp: Stamp | None = None
    version: int | None = None
    last_writer: str | None = None
    updated: str | None = None
    #: set when Grafana will refuse writes (file-provisioned, read-only)
    read_only: str | None = None
    #: the API response as read: what a backup stores
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    #: what the sync last wrote, when the stamp was lost and the object's history had to tell
    baseline: dict[str, Any] | None = field(default=None, repr=False)
    #: set when Grafana holds the object in a form gac does not write (a dashboard saved as schema v2):
    #: why, for the conflict; never compared, never overwritten without --force
    incompatible: str | None = None
    #: the stored form Grafana converted the body from (a schema-v2 dashboard read as v1), when it could
    converted_from: str | None = None
    #: set when Grafana keeps no marker gac can read for this object (a folder on the legacy API):
    #: why ownership and "changed since the last sync" cannot be told
    unknown_owner: str | None = None


@dataclass(frozen=True)
class WriteResult:
    """What a write left behind: the new version (when Grafana tells), for the report."""

    version: int | None = None
    detail: str = ""


def _go_float(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 1e21 else number


#: where Python's JSON text may hold an integral float (`8.0`; `1e+16` is found by `_maybe_integral_float`)
#: that Go would spell as an integer; strings that merely look alike only cost the slow path
_POINT_ZERO = re.compile(r"\.0(?![0-9])")


def _maybe_integral_float(text: str) -> bool:
    """Substring tests first: they run at memory speed, the pattern only where `.0` occurs."""
    return ("e+" in text or "E+" in text) or (".0" in text and _POINT_ZERO.search(text) is not None)


def canonical(value: Any) -> Any:
    """Numbers as Go re-serialises them (8.0 → 8), so hashes survive Grafana's round trip.

    A JSON round trip with a float hook: the C encoder/decoder do the walking, which is
    several times faster than a Python recursion over a large dashboard.
    """
    return json.loads(json.dumps(value, ensure_ascii=False), parse_float=_go_float)


def canonicalized(value: Any) -> Any:
    """`canonical(value)`, or `value` itself when its JSON text shows no integral float.

    Resolving a thousand dashboards for a plan then costs one encoding each instead of an
    encoding and a decoding: most definitions hold no `8.0`. Unlike `canonical`, the
    answer may be the very object passed in, so use it only where the value is not mutated
    afterwards (the desired state, which is only read and shallow-copied).
    """
    text = json.dumps(value, ensure_ascii=False)
    return json.loads(text, parse_float=_go_float) if _maybe_integral_float(text) else value


def content_hash(value: Any) -> str:
    """A short, stable hash of a JSON value (sorted keys, canonical numbers).

    The value's own sorted text is hashed when it shows no integral float: for a JSON
    object (string keys) that is the very text `canonical(value)` would give, at a third
    of the cost. A text that does show one (grafanalib writes thresholds as `300.0`, so
    most of this project's dashboards do) has those numbers respelled in place
    (`_go_numbers`); only a text that cannot be respelled safely pays for the round trip.
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if _maybe_integral_float(text):
        respelled = _go_numbers(text)
        text = respelled if respelled is not None else json.dumps(
            canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


#: the end of an integral float as Python spells one (`300.0`, `1e+16`; every float from 2**53 up is
#: integral and spelled with `e+`) where compact JSON ends a value: before `,`, `]` or `}`. Two
#: patterns that start with a literal, so each scan runs at memory speed (an alternation tried
#: every `e` of the text); text inside a string can look the same (`_go_numbers`)
_POINT_ZERO_END = re.compile(r"\.0(?=[,\]}])")
_EXPONENT_END = re.compile(r"e\+\d+(?=[,\]}])")
_NUMBER_CHARS = frozenset("0123456789.-")


def _go_numbers(text: str) -> str | None:
    r"""Compact JSON text (`json.dumps(..., separators=(",", ":"))` of an object or array) with each
    integral float spelled as Go spells it (`300.0` → `300`, `1e+16` → `10000000000000000`): the
    text `canonical` would encode, without decoding and re-encoding the value. None for a text
    that is not an object or array (the caller then takes the round trip).

    A candidate is a number only outside strings, where the quotes before it are paired. Inside
    a string a quote is escaped (`\"`) and so is a backslash (`\\`): with each escaped backslash
    blanked out first (pairs taken left to right, as a JSON parser takes them), every `\"` left
    is an escaped quote, and the unescaped quotes are all quotes less those. Counted from one
    candidate to the next, so the pass stays linear in the text.
    """
    if not text.startswith(("{", "[")):
        return None
    plain = text.replace("\\\\", "  ") if "\\\\" in text else text  # same length: positions hold
    out: list[str] = []
    last = counted = quotes = 0
    ends = [(m.start(), m.end()) for m in _POINT_ZERO_END.finditer(text)]
    if "e+" in text:
        ends = sorted(ends + [(m.start(), m.end()) for m in _EXPONENT_END.finditer(text)])
    for start, end in ends:
        while start > last and text[start - 1] in _NUMBER_CHARS:
            start -= 1
        if start == 0 or text[start - 1] not in ":,[":
            continue  # not where a value starts: inside a string
        try:
            number = _go_float(text[start:end])
        except ValueError:
            continue  # no number (`1.2.0`): inside a string
        if isinstance(number, float):
            continue  # 1e+21 and up stay floats, for Go too
        # no `\"` straddles `counted`: it is a candidate's start, which follows `:`, `,` or `[`
        quotes += plain.count('"', counted, start) - plain.count('\\"', counted, start)
        counted = start
        if quotes % 2:
            continue  # inside a string
        out += (text[last:start], str(number))
        last = end
    return "".join(out) + text[last:] if out else text


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON, strictly (true is not 1) but with Go's number rule (8.0 is 8).

    The fast path compares C-encoded text; only when that differs are both sides
    canonicalized, so comparing a thousand unchanged dashboards stays cheap.
    """
    if json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True):
        return True
    return content_hash(a) == content_hash(b)
