"""Errors the command line turns into exit codes and one-line messages (never tracebacks)."""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any, Callable, NoReturn

import yaml


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
    readers recurse) is said as such. Any other error is
    said as it reads. A value Python reads and Grafana refuses (`NotJson`) is said with its line.
    """
    if isinstance(exc, RecursionError):
        return f"nested too deeply (more than about {sys.getrecursionlimit():,} levels)"
    if isinstance(exc, NotJson):
        line = exc.line(text) if text is not None else None
        return f"line {line}: {exc}" if line is not None else str(exc)
    if "integer string conversion" not in str(exc):
        return str(exc)
    digits = sys.get_int_max_str_digits()
    found = re.search(r"\d{%d}" % (digits + 1), text) if text is not None else None
    where = f"line {text.count(chr(10), 0, found.start()) + 1}: " if text is not None and found is not None else ""
    return f"{where}a number of more than {digits:,} digits"


class NotJson(ValueError):
    """A value Python's json reads and Grafana's refuses, with its text as written (`literal`):
    the readers report it as the file's, with its line (`unreadable`)."""

    def __init__(self, literal: str, message: str):
        super().__init__(message)
        self.literal = literal

    def line(self, text: str) -> int | None:
        """The line of the value's first occurrence in `text` outside strings (the value is a
        JSON token: a string holding its text is passed over whole)."""
        token = re.compile(r'"(?:[^"\\]|\\.)*+"|(?<![\w.+-])(' + re.escape(self.literal) + r")(?![\w.])")
        for found in token.finditer(text):
            if found.group(1) is not None:
                return text.count("\n", 0, found.start()) + 1
        return None


def not_json(name: str) -> NoReturn:
    """`parse_constant` for json.loads: `NaN`, `Infinity` and `-Infinity` are no JSON. Python reads
    them, Grafana refuses the document (Go's encoding/json: "invalid character 'N'"), so a file
    gac reads holds none."""
    raise NotJson(name, f"{name} is not JSON (Grafana refuses it): write a number or null")


def finite_float(literal: str) -> float:
    """`parse_float` for json.loads: a number beyond float64 (`1E400`, or 400 digits) Python reads
    as infinity, where Go's encoding/json refuses the document ("cannot unmarshal number 1E400
    into Go value of type float64"). A float is rare in Grafana's JSON (its positions and sizes
    are integers), so the call per float costs little."""
    value = float(literal)
    if math.isinf(value):
        raise NotJson(literal, f"{literal if len(literal) <= 40 else literal[:37] + '...'} is beyond what "
                      "a JSON number holds in Grafana (float64, up to about 1.8e308): write a smaller number")
    return value


#: JSON as Grafana reads it: what json.loads reads, less NaN, the infinities and numbers beyond
#: float64. Every reader of JSON files decodes with it (`.decode(text)`, or its `scan_once`)
GRAFANA_JSON = json.JSONDecoder(parse_constant=not_json, parse_float=finite_float)


def checked_scalar_tags(loader: Any) -> None:
    """Make the PyYAML loader class refuse a scalar tagged, or read as, a type it is no value of
    (`!!int` with nothing after it, `!!bool maybe`, `!!timestamp x`, a date with no such day)
    with a YAMLError at its place, which the readers report with the file and line: PyYAML's
    safe constructors raised an IndexError, KeyError, AttributeError or ValueError there (a
    traceback, or a message without a line). The value is not quoted (it may be a secret); a
    number too long to read is left to `unreadable`."""
    for name in ("int", "float", "bool", "timestamp"):
        tag = f"tag:yaml.org,2002:{name}"
        loader.add_constructor(tag, _checked(loader.yaml_constructors[tag], name))


def _checked(construct: Callable[[Any, Any], Any], name: str) -> Callable[[Any, Any], Any]:
    def checked(loader: Any, node: Any) -> Any:
        try:
            return construct(loader, node)
        except (LookupError, AttributeError, TypeError, ValueError) as exc:
            if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
                raise
            raise yaml.constructor.ConstructorError(
                None, None, f"not a valid {name}: write one, or make it a string (quoted, with no !!{name} tag)",
                node.start_mark) from None
    return checked


def refuse_duplicate_keys(loader: Any) -> None:
    """Make the PyYAML loader class refuse a mapping that gives a key twice, at the second one, as
    Go's yaml.v3 does ("mapping key already defined"): PyYAML keeps the last silently, so two
    `environments:` blocks lost the first, and a rule file promtool refuses passed. Keys merged in
    with `<<` may be overridden, as in yaml.v3."""
    construct = loader.construct_mapping

    def construct_mapping(self: Any, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key_node.value!r} is given twice (also line {seen[key] + 1}): YAML keeps "
                        "only the last one; merge them", key_node.start_mark)
                seen[key] = key_node.start_mark.line
        return construct(self, node, deep)

    loader.construct_mapping = construct_mapping
