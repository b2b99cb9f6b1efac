"""The live state: listings of every kind, then full reads of the objects that matter.

Listings are cheap (a few requests per kind: /api/search pages, /api/datasources, the
alert-rule list). Full reads are needed to compare content and to detect UI edits, so
they are limited to objects the plan must judge: those defined in code, plus, with
--prune, managed objects no longer defined. On the legacy /api a full read is one GET
per object, run in a thread pool. Where Grafana serves the /apis resource APIs (12+), the
dashboard and folder list pages already hold whole objects: the handler reads them from
the listing, and a no-op plan of N dashboards costs about N/page requests.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from ..handlers import HANDLERS
from ..handlers.base import Handler
from ..handlers.live import Calls, LiveObject, LiveRef, SyncContext
from ..collector import collector_paused

Identity = tuple[str, ...]
#: (phase, done, total)
ProgressFn = Callable[[str, int, int], None]


@dataclass
class LiveState:
    """Every listed object (`refs`) and those read in full (`objects`)."""

    refs: dict[Identity, LiveRef] = field(default_factory=dict)
    objects: dict[Identity, LiveObject] = field(default_factory=dict)

    def managed(self, identity: Identity) -> bool | None:
        """Managed per the full read when there was one, else per the listing."""
        if identity in self.objects:
            return self.objects[identity].managed
        ref = self.refs.get(identity)
        return ref.managed if ref else None


def read_state(calls: Calls, ctx: SyncContext, wanted: set[Identity], *, prune: bool, workers: int = 8,
               progress: ProgressFn | None = None, kinds: list[str] | None = None,
               meanwhile: Callable[[], None] | None = None) -> LiveState:
    """List every kind, then read in full what is in `wanted` (and, with prune, what is managed).

    `meanwhile` runs in a thread of its own during the reads: CPU work the caller needs
    anyway (hashing the desired state) then overlaps the wait for the network.
    """
    handlers = [HANDLERS[k] for k in (kinds or list(HANDLERS))]
    state = LiveState()
    with collector_paused(keep=True), ThreadPoolExecutor(max_workers=1, thread_name_prefix="gac-meanwhile") as side:
        pending = side.submit(meanwhile) if meanwhile else None
        _read(calls, ctx, wanted, state, handlers, prune=prune, workers=workers, progress=progress)
        if pending is not None:
            pending.result()
    return state


def _read(calls: Calls, ctx: SyncContext, wanted: set[Identity], state: LiveState, handlers: list[Handler], *,
          prune: bool, workers: int, progress: ProgressFn | None) -> None:
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="gac-read") as pool:
        for refs in pool.map(lambda h: h.list_live(calls, ctx), handlers):
            for ref in refs:
                state.refs[ref.identity] = ref
        desired_folders = {i[1] for i in wanted if i[0] == "folder"}
        to_read = [ref for ref in (state.refs[identity] for identity in sorted(state.refs))
                   if ref.identity in wanted or (prune and ref.managed is not False)
                   # a subfolder of a managed folder: only a read tells a leftover of ours from a stray
                   or (ref.kind == "folder" and ref.folder_uid in desired_folders)]
        total = len(to_read)
        if progress:
            progress("read", 0, total)
        done = 0
        for ref, live in zip(to_read, pool.map(lambda r: HANDLERS[r.kind].read_live(calls, r, ctx), to_read)):
            done += 1
            if live is not None:
                state.objects[ref.identity] = live
            if progress:
                progress("read", done, total)
