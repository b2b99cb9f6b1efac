"""Backups of live objects, written before any overwrite or delete the sync makes.

`backups/<UTC timestamp>/<the object's generated/ path>`, as Grafana answered it (for a
dashboard: `{"dashboard", "meta"}`), so a person can restore it through the API or copy
it back into a definition. Grafana never answers with secret values, so none are saved.
"""

from __future__ import annotations

import datetime as _dt
import threading
from pathlib import Path
from typing import Callable

from ..handlers import HANDLERS
from ..handlers.live import LiveObject
from ..output import render

BACKUPS = "backups"


def utc_stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class Backups:
    """One directory per run, created on first use."""

    def __init__(self, root: Path, clock: Callable[[], str] = utc_stamp) -> None:
        self.root = root / BACKUPS
        self._clock = clock
        self._dir: Path | None = None
        self._lock = threading.Lock()
        self.saved: list[Path] = []

    def _directory(self) -> Path:
        with self._lock:
            if self._dir is None:
                base = self.root / self._clock()
                candidate, n = base, 1
                while candidate.exists():
                    n += 1
                    candidate = base.with_name(f"{base.name}-{n}")
                candidate.mkdir(parents=True)
                self._dir = candidate
            return self._dir

    def save(self, live: LiveObject) -> Path:
        """Write the live object; raises OSError when it cannot (the write is then not made)."""
        handler = HANDLERS[live.resource.kind]
        path = self._directory() / handler.path(live.resource)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render(live.raw))
        with self._lock:
            self.saved.append(path)
        return path
