"""When and how long to retry a request: exponential backoff with full jitter.

Retried: 429 (after Retry-After when given), 502/503/504 and connection failures
(refused, reset, dropped, timed out). Not retried: other 4xx (our request is wrong, or a
concurrency conflict) and 500 (Grafana's generic failure is usually deterministic, e.g. a
provenance refusal). Bounded: `attempts` tries in total, each delay capped, so a
persistent failure ends the run in bounded time instead of hanging CI.

A server's Retry-After is honoured up to `max_retry_after` (60 s unless `--max-retry-after`
says otherwise); asking for longer stops the run with an error rather than hanging it in
silence. Every wait is announced as a `RetryWait` event, so the command can tell the user
why nothing is happening (library code emits, the command prints).
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Callable

RETRY_STATUSES = frozenset({429, 502, 503, 504})

#: seconds: the longest Retry-After a run waits for (documented in README; --max-retry-after)
DEFAULT_MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class RetryWait:
    """A pause before retrying one request: what failed, how, and for how long the run waits."""

    what: str
    #: HTTP status, or None when no answer came (connection failure, timeout)
    status: int | None
    attempt: int
    attempts: int
    seconds: float
    #: the server's Retry-After, in seconds, when it sent one
    retry_after: float | None = None

    def describe(self) -> str:
        """One line for the user, e.g. on stderr while the run pauses."""
        answer = "no answer" if self.status is None else f"HTTP {self.status}"
        if self.retry_after is not None:
            answer += f" with Retry-After: {self.retry_after:g} s"
        return (f"waiting {self.seconds:.0f} s before retrying {self.what} ({answer}; attempt {self.attempt + 1} "
                f"of {self.attempts})")


#: where a `Connection` reports its waits (None: nobody listens)
WaitFn = Callable[[RetryWait], None]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    #: the longest Retry-After honoured; a server asking for more stops the run (`exceeds_cap`)
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def should_retry(self, status: int | None, attempt: int) -> bool:
        """`status` None = no answer (connection failure or timeout)."""
        return attempt < self.attempts and (status is None or status in RETRY_STATUSES)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        Full jitter (uniform in [0, cap]) spreads parallel workers that failed together;
        a server's Retry-After is a floor, honoured as given (callers check `exceeds_cap` first).
        """
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        jittered = self.rng.uniform(0, cap)
        if retry_after is not None:
            return min(self.max_retry_after, retry_after) + jittered * 0.1
        return jittered

    def exceeds_cap(self, retry_after: float | None) -> bool:
        """True when a server asks for a longer wait than this run accepts."""
        return retry_after is not None and retry_after > self.max_retry_after


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
