"""Python's cyclic garbage collector paused while a plan loads, reads and judges bulk JSON.

Decoding a thousand dashboards allocates millions of dicts and lists that live until the
plan ends; each allocation burst triggers collections that walk the whole growing heap
again, which measured as half of a no-op plan's CPU (bench/bench_sync.py). JSON values
hold no reference cycles, so reference counting frees them all the same: pausing only
the cycle collector loses nothing, and whatever cycle remains is collected once it is
back on.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (nested blocks: the outermost restores it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
