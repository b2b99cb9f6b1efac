"""A progress bar for long runs on a terminal; nothing at all elsewhere (CI logs get plain lines).

Rendered on stderr with carriage returns, so stdout stays the report. Short phases (under
`min_total` items) draw nothing: a bar that flashes for ten objects is noise.

`note` is the other thing a run says while it works (e.g. that it waits for a rate limit):
a line on stderr whether or not a bar is shown, written above the bar that is drawn.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

LABELS = {"read": "reading Grafana", "write": "writing"}

#: the bar drawn on the terminal now, if any: a note clears it first (it redraws on its next update)
_drawn_bars: list["ProgressBar"] = []
_notes_lock = threading.Lock()


def note(text: str, stream: TextIO | None = None) -> None:
    """One line for the user on stderr, even in CI logs and with --quiet: said, not drawn."""
    with _notes_lock:
        for bar in list(_drawn_bars):
            bar.clear()
        out = stream or sys.stderr
        out.write(text + "\n")
        out.flush()


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
            if not self._drawn:
                _drawn_bars.append(self)
            self._drawn = True
            if done >= total:
                self.clear()

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
            self.stream.flush()
            self._drawn = False
            if self in _drawn_bars:
                _drawn_bars.remove(self)
