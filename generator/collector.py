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
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
