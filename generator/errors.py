"""Errors the command line turns into exit codes and one-line messages (never tracebacks)."""

from __future__ import annotations

import re
import sys
from typing import NoReturn


#: the exit code of a run stopped by Ctrl-C: 128 + SIGINT, the shell's convention
INTERRUPTED_EXIT = 130


class GacError(Exception):
    """Base class: a problem the user must fix. `exit_code` follows DESIGN.md's contract."""

    exit_code = 2


class DefinitionError(GacError):
    """A definition module failed to import, raised, or produced an invalid object.

    Carries the place (file, line) so the message points at the definition, not at our code.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        self.detail = message
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        super().__init__(f"{where}{message}")

    @classmethod
    def at(cls, source: "object | None", message: str) -> "DefinitionError":
        """An error located at a `Source` (or nowhere when the source is unknown)."""
        return cls(message, getattr(source, "file", None), getattr(source, "line", None))


class ConfigError(GacError):
    """grafana.yaml is missing, malformed or lacks the selected environment."""


def unreadable(exc: ValueError | RecursionError, text: str | None = None) -> str:
    """What a ValueError or RecursionError met decoding a JSON or YAML file says, in words for its
    user. Python refuses to convert an integer of more than 4,300 digits (CVE-2020-10735), and
    says so naming a setting of its own: that is said with the line the number stands on, where
    `text` is given. A document nested deeper than Python's recursion limit (json's and PyYAML's
    readers recurse) is said as such. Any other error (a date with no such day, to PyYAML) is
    said as it reads."""
    if isinstance(exc, RecursionError):
        return f"nested too deeply (more than about {sys.getrecursionlimit():,} levels)"
    if "integer string conversion" not in str(exc):
        return str(exc)
    digits = sys.get_int_max_str_digits()
    found = re.search(r"\d{%d}" % (digits + 1), text) if text is not None else None
    where = f"line {text.count(chr(10), 0, found.start()) + 1}: " if text is not None and found is not None else ""
    return f"{where}a number of more than {digits:,} digits"


def not_json(name: str) -> NoReturn:
    """`parse_constant` for json.loads: `NaN`, `Infinity` and `-Infinity` are no JSON. Python reads
    them, Grafana refuses the document (Go's encoding/json: "invalid character 'N'"), so a file
    gac reads holds none: a ValueError, which the readers report as the file's."""
    raise ValueError(f"{name} is not JSON (Grafana refuses it): write a number or null")
