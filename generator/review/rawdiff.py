"""Unified diffs of rendered JSON, cut to a size a pull-request comment can hold."""

from __future__ import annotations

import difflib
from typing import Any

from ..output import render
from ..urls import redact_userinfo

#: lines of one object's raw diff shown before it is cut
MAX_LINES = 300


def json_text(value: Any) -> str:
    """JSON exactly as generated/ holds it (sorted keys, two-space indent)."""
    return render(value).decode("utf-8")


def unified(before: str, after: str, from_name: str, to_name: str, max_lines: int = MAX_LINES) -> str:
    """A unified diff (3 lines of context); '' when equal; cut after `max_lines` lines."""
    lines = [redact_userinfo(line) for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                                     from_name, to_name, n=3, lineterm="")]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"… {len(lines) - max_lines} more line(s) not shown"]
    return "\n".join(lines)
