"""A progress bar for long runs on a terminal; nothing at all elsewhere (CI logs get plain lines).

Rendered on stderr with carriage returns, so stdout stays the report. Short phases (under
`min_total` items) draw nothing: a bar that flashes for ten objects is noise.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

LABELS = {"read": "reading Grafana", "write": "writing"}


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, min_total: int = 20,
                 width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.min_total = min_total
        self.width = width
        self._lock = threading.Lock()
        self._drawn = False

    def update(self, phase: str, done: int, total: int) -> None:
        if not self.enabled or total < self.min_total:
            return
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        with self._lock:
            self.stream.write(f"\r{LABELS.get(phase, phase):<16} [{bar}] {done}/{total}")
            self.stream.flush()
            self._drawn = True
            if done >= total:
                self.clear()

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
            self.stream.flush()
            self._drawn = False
