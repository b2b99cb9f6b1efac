"""Label matchers as Alertmanager reads them: `name op value`, with Go regexes anchored whole.

A policy written in Grafana's UI carries `object_matchers` (`[name, op, value]`); older
trees and hand-written ones may carry `matchers` (strings), `match` and `match_re`.
All four are read into one `Matcher` type here, as Alertmanager's dispatcher reads them into
one (a `match_re` value anchored twice on the way, as the dispatcher does: `_match_re`).

Regexes: Alertmanager compiles `^(?:value)$` with Go's regexp and matches with MatchString
(pkg/labels/matcher.go NewMatcher), so that is what is compiled here, by gac's model of Go's
regexp (generator/go_regex.py): Go's refusals in Go's words, and Go's matches where Python's
`re` would match otherwise (flags anywhere, ASCII `\\w`, Go's case folding, `$` at the end of
the text). Where Python lacks the data Go decides with (a Unicode script class), evaluating the
matcher on such a value is refused (`UnevaluableMatcher`), never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from .. import go_regex
from . import matcher_syntax as syntax
from .matcher_syntax import OPERATORS

#: a label name Alertmanager's classic matcher parser reads unquoted (Prometheus's legacy names)
_CLASSIC_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class MatcherError(ValueError):
    """A matcher that Alertmanager would refuse: the message says which and why."""


class UnevaluableMatcher(MatcherError):
    """A matcher Alertmanager takes whose match on some value gac cannot decide exactly (a Unicode
    script class, `\\p{Greek}`, on characters whose script Python cannot tell)."""


def alertmanager_regexp(value: str) -> go_regex.Regexp:
    """A regex matcher's value as Alertmanager compiles it: anchored whole, `^(?:value)$` (so a
    `)` in the value can close the anchoring group: `a)|(b` is valid and matches unanchored);
    GoRegexError where Go refuses it."""
    return go_regex.compiled("^(?:" + value + ")$")


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
            try:
                alertmanager_regexp(self.value)
            except go_regex.GoRegexError as exc:
                raise MatcherError(f"matcher {self.text()}: error parsing regexp: {exc}") from None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Alertmanager's rule: a missing label is the empty string."""
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        try:
            found = alertmanager_regexp(self.value).search(value)
        except go_regex.Unevaluable as exc:
            raise UnevaluableMatcher(f"matcher {self.text()}: {exc}") from None
        return found if self.op == "=~" else not found

    def text(self) -> str:
        return text_of(self.name, self.op, self.value)

    def to_object(self) -> list[str]:
        return [self.name, self.op, self.value]


def text_of(name: str, op: str, value: str) -> str:
    """As Alertmanager prints a matcher (labels.Matcher.String): `name="value"`, the value's
    backslashes, quotes and newlines escaped. A name that is not a classic one
    (`[a-zA-Z_][a-zA-Z0-9_]*`) is double-quoted too, value and name with Go's escapes, as
    Alertmanager's UTF-8 matcher syntax writes it (`"a b"="c"`): unquoted, no Alertmanager
    could read it back."""
    if not _CLASSIC_NAME.fullmatch(name):
        return f"{syntax.quote(name)}{op}{syntax.quote(value)}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}{op}"{escaped}"'


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
    out += [_match_re(str(k), str(v)) for k, v in sorted((route.get("match_re") or {}).items())]
    return out


def _match_re(name: str, value: str) -> Matcher:
    """A `match_re` entry, which Alertmanager anchors twice: loading the configuration compiles
    `^(?:value)$` (config.Regexp), and the route's matcher is made from that compiled source,
    anchored again (dispatch.NewRoute: `labels.NewMatcher(MatchRegexp, ln, lv.String())`). Both
    must compile, and the second matches: `a)|(b` is `^(?:^(?:a)|(b)$)$` here, `a` or `b` whole."""
    try:
        source = alertmanager_regexp(value).expression
    except go_regex.GoRegexError as exc:
        raise MatcherError(f"match_re {name}: {syntax.quoted_for_people(value)}: error parsing regexp: {exc}") from None
    return Matcher(name, "=~", source)
