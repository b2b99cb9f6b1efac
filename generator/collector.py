"""Pause Python's cyclic garbage collector for one bounded, allocation-heavy run (build, lint).

The build allocates millions of small acyclic containers (grafanalib's JSON, the normalized
bodies, the rendered text) and keeps most of them until it ends. With the collector on, each
of its full collections traverses everything kept so far, again and again: decoding and
copying the dashboards took three times as long. Nothing the build makes needs the collector
before it returns (definition modules' cycles are purged with them and collected after), and
the previous state is restored on the way out. The linter pauses it for the same reason: it
keeps caches of small acyclic objects that full collections would traverse again and again.
So do plan and drift while they load generated/, decode the live objects and judge them (about
half of a no-op plan's CPU was the collector).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused(*, keep: bool = False) -> Iterator[None]:
    """`keep`: what exists on the way out is moved out of the collector's reach (`gc.freeze`)
    until `release_kept()`. Re-enabled, the collector's next young collection would otherwise
    traverse everything allocated during the pause -- for a plan of a thousand dashboards a
    million decoded JSON containers, a third of a second per phase, for garbage there is none
    of (the bodies are acyclic and freed by their reference counts, frozen or not)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if was_enabled:
            gc.enable()


def release_kept() -> None:
    """Hand what `collector_paused(keep=True)` kept back to the collector (as its oldest generation,
    collected in the normal course): at the end of the run that kept it."""
    gc.unfreeze()
