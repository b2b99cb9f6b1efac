"""Label matchers as Alertmanager reads them: `name op value`, with RE2 regexes anchored whole.

A policy written in Grafana's UI carries `object_matchers` (`[name, op, value]`); older
trees and hand-written ones may carry `matchers` (strings), `match` and `match_re`.
All four mean the same thing to Alertmanager's dispatcher, so they are read into one
`Matcher` type here.

Regexes: Alertmanager compiles `^(?:value)$` with Go's RE2. Python's `re` accepts
constructs RE2 refuses (look-around, back-references, atomic groups, possessive
quantifiers); `re2_problem` reports those, so lint says what Grafana would say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

OPERATORS = ("=", "!=", "=~", "!~")
_TEXT = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")\s*(=~|!~|!=|=)\s*(.*?)\s*$', re.S)
_RE2_UNSUPPORTED = [
    (re.compile(r"\(\?<?[=!]"), "look-around assertions ((?=…), (?!…), (?<=…), (?<!…))"),
    (re.compile(r"\(\?>"), "atomic groups ((?>…))"),
    (re.compile(r"\(\?P=|\\[1-9]|\\g<"), "back-references"),
    (re.compile(r"(?<!\\)[*+?}]\+"), "possessive quantifiers (*+, ++, ?+)"),
    (re.compile(r"\(\?\("), "conditionals ((?(…)…))"),
    (re.compile(r"\\Z"), r"\Z (use \z or $)"),
]


class MatcherError(ValueError):
    """A matcher that Alertmanager would refuse: the message says which and why."""


@dataclass(frozen=True, order=True)
class Matcher:
    name: str
    op: str
    value: str

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise MatcherError(f"matcher {self.name!r}: operator {self.op!r} is not one of {', '.join(OPERATORS)}")
        if not self.name:
            raise MatcherError("matcher with an empty label name")
        if self.op in ("=~", "!~"):
            problem = re2_problem(self.value)
            if problem:
                raise MatcherError(f"matcher {self.text()}: {problem}")

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Alertmanager's rule: a missing label is the empty string."""
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = _compiled(self.value).fullmatch(value) is not None
        return found if self.op == "=~" else not found

    def text(self) -> str:
        """As Alertmanager prints it: `name="value"` (value quoted, Go escapes)."""
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'

    def to_object(self) -> list[str]:
        return [self.name, self.op, self.value]


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _CACHE:
        _CACHE[pattern] = re.compile(f"(?:{pattern})")
    return _CACHE[pattern]


def re2_problem(pattern: str) -> str | None:
    """Why Go's RE2 would refuse `pattern` (None when it accepts it, as far as can be told here)."""
    for construct, what in _RE2_UNSUPPORTED:
        if construct.search(pattern):
            return f"regex {pattern!r} uses {what}, which Go's RE2 (Alertmanager) does not support"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"regex {pattern!r} does not compile: {exc}"
    return None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        body = text[1:-1]
        return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)
    return text


def parse(text: str) -> Matcher:
    """`severity="critical"`, `service_name=~"checkout|cart"`, `team!=ops` (quotes optional)."""
    if not isinstance(text, str):
        raise MatcherError(f"matcher {text!r} is not a string such as 'severity=\"critical\"'")
    found = _TEXT.match(text)
    if not found:
        raise MatcherError(f"matcher {text!r} is not of the form name=\"value\" (operators {', '.join(OPERATORS)})")
    name, op, value = found.groups()
    return Matcher(_unquote(name), op, _unquote(value))


def from_object(item: Any) -> Matcher:
    """One `object_matchers` entry: `[name, op, value]`."""
    if not isinstance(item, (list, tuple)) or len(item) != 3 or not all(isinstance(x, str) for x in item):
        raise MatcherError(f"object matcher {item!r} is not [name, operator, value]")
    return Matcher(item[0], item[1], item[2])


def of_route(route: Mapping[str, Any]) -> list[Matcher]:
    """Every matcher of one route, whichever of Grafana's four spellings it uses."""
    out = [from_object(item) for item in route.get("object_matchers") or []]
    out += [parse(text) for text in route.get("matchers") or []]
    out += [Matcher(str(k), "=", str(v)) for k, v in sorted((route.get("match") or {}).items())]
    out += [Matcher(str(k), "=~", str(v)) for k, v in sorted((route.get("match_re") or {}).items())]
    return out
