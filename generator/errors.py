"""Errors the command line turns into exit codes and one-line messages (never tracebacks)."""

from __future__ import annotations


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
