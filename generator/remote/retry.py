"""When and how long to retry a request: exponential backoff with full jitter.

Retried: 429 (after Retry-After when given), 502/503/504 and connection failures
(refused, reset, dropped, timed out). Not retried: other 4xx (our request is wrong, or a
concurrency conflict) and 500 (Grafana's generic failure is usually deterministic, e.g. a
provenance refusal). Bounded: `attempts` tries in total, each delay capped, so a
persistent failure ends the run in bounded time instead of hanging CI.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    #: never wait longer than this for one Retry-After, whatever the server asks
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def should_retry(self, status: int | None, attempt: int) -> bool:
        """`status` None = no answer (connection failure or timeout)."""
        return attempt < self.attempts and (status is None or status in RETRY_STATUSES)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        Full jitter (uniform in [0, cap]) spreads parallel workers that failed together;
        a server's Retry-After is a floor, honoured as given (up to `max_retry_after`).
        """
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        jittered = self.rng.uniform(0, cap)
        if retry_after is not None:
            return min(self.max_retry_after, retry_after) + jittered * 0.1
        return jittered


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date; None when absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
