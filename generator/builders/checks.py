"""Argument checks the builders run when a definition object is made.

A wrong argument (a folder uid where a Folder is expected, a string where a dashboard is)
would otherwise surface later as an AttributeError deep inside the compiler: a traceback
with no pointer to the definition. Checked at construction, the error names the
definition's file and line, the object, and what to pass instead.
"""

from __future__ import annotations

import math
import re
import reprlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

from ..errors import DefinitionError
from ..resource import Source

#: what to do when a uid string is given where a Folder object is expected
FOLDER_HINT = "pass the Folder object itself (e.g. `from dashboards.folders import platform`), not its uid"

#: Grafana's rule for a uid it is given (pkg/util: IsValidShortUID, at most MaxUIDLength 40); a
#: uid is also a file name in generated/, so `/` and `..` must never pass
UID_RULE = re.compile(r"[A-Za-z0-9_-]{1,40}")

_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60


def shown(value: Any) -> str:
    """How a wrong value is quoted in a message: its type and a short repr."""
    if isinstance(value, str):
        return f"the string {_SHORT.repr(value)}"
    if value is None:
        return "None"
    return f"{type(value).__name__} {_SHORT.repr(value)}"


@dataclass(frozen=True)
class Checks:
    """Checks for one definition object: `owner` names it ("rule group 'genai'") in messages."""

    owner: str
    source: Source | None

    def fail(self, message: str) -> NoReturn:
        raise DefinitionError.at(self.source, f"{self.owner}: {message}")

    def instance(self, name: str, value: Any, expected: type | tuple[type, ...], what: str, hint: str) -> None:
        """`value` must be an `expected`; `what` names that type for people, `hint` says what to pass."""
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in _types(expected)):
            self.fail(f"{name} is {shown(value)}, not {what}" + (f"; {hint}" if hint else ""))

    def text(self, name: str, value: Any, hint: str, empty: bool = False) -> None:
        """`value` must be a string (and not blank unless `empty`)."""
        self.instance(name, value, str, "a string", hint)
        if not empty and not value.strip():
            self.fail(f"{name} is empty; {hint}")

    def uid(self, value: Any, hint: str) -> None:
        """`value` must be a uid Grafana accepts (UID_RULE)."""
        self.text("uid", value, hint)
        if not UID_RULE.fullmatch(value):
            self.fail(f"uid {value!r} must be 1-40 letters, digits, '-' or '_' (Grafana's rule); {hint}")

    def items(self, name: str, values: Any, expected: type | tuple[type, ...], what: str, hint: str,
              empty: bool = True) -> None:
        """`values` must be a list or tuple of `expected` (non-empty unless `empty`)."""
        self.instance(name, values, (list, tuple), f"a list of {what}", hint)
        if not empty and not values:
            self.fail(f"{name} is empty; {hint}")
        for i, value in enumerate(values):
            self.instance(f"{name}[{i}]", value, expected, what, hint)

    def number(self, name: str, value: Any, hint: str) -> None:
        """`value` must be a finite int or float: not a bool (True is 1 to Python, not to Grafana),
        not a numeric string, not NaN/infinity (JSON has no spelling for them)."""
        self.instance(name, value, (int, float), "a number", hint)
        if not math.isfinite(value):
            self.fail(f"{name} is {value!r}, not a finite number; {hint}")

    def choice(self, name: str, value: Any, allowed: Iterable[str]) -> None:
        options = sorted(allowed)
        if value not in options:
            self.fail(f"{name} is {shown(value)}; use one of {', '.join(repr(o) for o in options)}")

    def parses(self, name: str, value: Any, parse: Callable[[Any], object], hint: str) -> None:
        """`parse(value)` must not raise ValueError (durations): its message is part of ours."""
        try:
            parse(value)
        except ValueError as exc:
            self.fail(f"{name}: {exc}{'; ' + hint if hint else ''}")


def _types(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)
