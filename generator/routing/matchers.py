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

from . import matcher_syntax as syntax
from .matcher_syntax import OPERATORS

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
        return text_of(self.name, self.op, self.value)

    def to_object(self) -> list[str]:
        return [self.name, self.op, self.value]


def text_of(name: str, op: str, value: str) -> str:
    """As Alertmanager prints a matcher: `name="value"` (value quoted, Go escapes)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}{op}"{escaped}"'


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


def label_value(text: str) -> str:
    """A label value given on the command line: quoted (Go escapes) or as written."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return syntax.unquote(text)
        except syntax.MatcherSyntaxError as exc:
            raise MatcherError(str(exc)) from None
    return text


def parse_all(text: str) -> list[Matcher]:
    """Every matcher in one text (`a="b"`, `{a="b", c!="d"}`), as Grafana reads a route's
    `matchers` strings -- except that text only Alertmanager's classic parser accepts is
    refused, with both readings shown (see matcher_syntax)."""
    if not isinstance(text, str):
        raise MatcherError(f"matcher {text!r} is not a string such as 'severity=\"critical\"'")
    try:
        found = syntax.parse_utf8(text)
    except syntax.MatcherSyntaxError as exc:
        raise _refused(text, str(exc)) from None
    return [Matcher(name, op, value) for name, op, value in found]


def _refused(text: str, problem: str) -> MatcherError:
    """Why `text` is refused and what to write: when the classic parser would accept it,
    its reading is shown (that is what Grafana would match) and how to write it on purpose."""
    shown = syntax.quoted_for_people(text)
    classic = syntax.parse_classic(text)
    if not classic:
        return MatcherError(f"matcher {shown}: {problem}; write name=\"value\" with one of the operators "
                            f"{', '.join(OPERATORS)}")
    read = ", ".join(text_of(*found) for found in classic)
    if len(classic) == 1 and classic[0][2][:1] in ("=", "~"):
        name, op, value = classic[0]
        return MatcherError(f"matcher {shown}: '{op}{value[0]}' is not an operator (use {', '.join(OPERATORS)}). "
                            f"Grafana would fall back to Alertmanager's classic parser and match {read}, not "
                            f"{text_of(name, op, value[1:])}: write {text_of(name, op, value[1:])}, or {read} if the "
                            f"value really starts with {value[0]!r}")
    return MatcherError(f"matcher {shown}: {problem}. Grafana would fall back to Alertmanager's classic parser and "
                        f"match {read}: if that is what you mean, write {read} (each value in double quotes)")


def from_object(item: Any) -> Matcher:
    """One `object_matchers` entry: `[name, op, value]`, taken as written."""
    if not isinstance(item, (list, tuple)) or len(item) != 3 or not all(isinstance(x, str) for x in item):
        raise MatcherError(f"object matcher {item!r} is not [name, operator, value]")
    return Matcher(item[0], item[1], item[2])


def grafana_object(item: Any) -> Matcher:
    """One `object_matchers` entry as Grafana reads it back: a leading and a trailing double quote of
    the value are dropped (definitions.ObjectMatchers.UnmarshalJSON, grafana/grafana#50040)."""
    found = from_object(item)
    return Matcher(found.name, found.op, found.value.removeprefix('"').removesuffix('"'))


def of_route(route: Mapping[str, Any]) -> list[Matcher]:
    """Every matcher of one route, whichever of Grafana's four spellings it uses."""
    out = [grafana_object(item) for item in route.get("object_matchers") or []]
    out += [found for text in route.get("matchers") or [] for found in parse_all(text)]
    out += [Matcher(str(k), "=", str(v)) for k, v in sorted((route.get("match") or {}).items())]
    out += [Matcher(str(k), "=~", str(v)) for k, v in sorted((route.get("match_re") or {}).items())]
    return out
