"""Test controls that are not Grafana: latency, injected faults, the request log.

Real Grafana (or the proxy in front of it) fails in ways a sync tool must
survive: 5xx bursts, 429 with ``Retry-After``, connections closed without an
answer, slow responses.  None of that can be provoked on demand against a real
server, so the emulator lets a test script it per method + path regex, and
records every request so a test can assert how many reads and writes a
command made.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Fault:
    """One injected fault.

    kind: ``"status"`` (answer ``status`` with a shape-1 body, optional
    ``retry_after`` header), ``"drop"`` (close the socket without an answer),
    ``"delay"`` (sleep ``delay`` seconds, then answer normally) or ``"cut"``
    (the real answer's JSON cut in half, its status kept: a proxy cutting
    answers short; with ``after_apply`` only).
    count: how many matching requests it affects (None = all).
    after_apply: for status/drop, let the request take effect first and only
    then fail the answer (a write that happened although the client saw an
    error -- the case idempotent retries must handle).
    """

    id: int
    method: str
    path: str
    kind: str
    status: int = 503
    count: int | None = 1
    retry_after: str | None = None
    delay: float = 0.0
    after_apply: bool = False
    body: dict[str, Any] | None = None
    hits: int = 0
    _method_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _path_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in ("status", "drop", "delay", "cut"):
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.kind == "cut" and not self.after_apply:
            raise ValueError("a cut answer is the real one cut short: give after_apply=True")
        self._method_re = re.compile(self.method, re.IGNORECASE)
        self._path_re = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        return bool(self._method_re.fullmatch(method)) and bool(self._path_re.search(path))

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.hits >= self.count

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    seq: int
    method: str
    path: str
    query: str
    status: int | None  # None when the connection was dropped
    user: str | None  # login, None when unauthenticated
    org_id: int | None
    fault: int | None  # id of the injected fault that affected it
    started: float
    duration: float

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS


class Controls:
    """Latency, faults and the request log; thread-safe on its own lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self.latency: float = 0.0
        self.faults: list[Fault] = []
        self.log: list[RequestRecord] = []

    def reset(self) -> None:
        with self._lock:
            self.latency = 0.0
            self.faults.clear()
            self.log.clear()

    def add_fault(self, **spec: Any) -> Fault:
        with self._lock:
            fault = Fault(id=next(self._ids), **spec)
            self.faults.append(fault)
            return fault

    def remove_fault(self, fault_id: int) -> None:
        with self._lock:
            self.faults = [f for f in self.faults if f.id != fault_id]

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def take_faults(self, method: str, path: str) -> list[Fault]:
        """Matching, not yet exhausted faults; each one's hit is counted now."""
        taken: list[Fault] = []
        with self._lock:
            for fault in self.faults:
                if not fault.exhausted and fault.matches(method, path):
                    fault.hits += 1
                    taken.append(fault)
        return taken

    def record(self, **fields: Any) -> RequestRecord:
        with self._lock:
            rec = RequestRecord(seq=next(self._seq), **fields)
            self.log.append(rec)
            return rec

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.log)

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)
