"""Expand what Grafana expands before a query reaches Prometheus (or Loki), keeping an offset map.

A dashboard query is not PromQL until Grafana has replaced its macros (`$__rate_interval`,
`$__range_s`, ...) and template variables (`$job`, `${job:regex}`, `[[job]]`). To parse it we
must substitute something, and the substitute has to fit the position, or valid queries fail
and invalid ones pass:

* inside a string literal: a harmless word (`"gacv"`), since any value is a valid string;
* inside `[...]` or after `offset`: a duration (`5m`), or a number when a unit letter follows
  (`[${window}m]`), or a unit when a digit precedes (`[5$unit]`);
* inside a `by (...)`/`on (...)`-style list, in a metric name or label name: an identifier;
* a whole label matcher (`{$filter}` or `{job="a", $filter}`): a matcher `__gacv__="gacv"`;
* a label value outside quotes (`{job=$job}`): left bare, because Grafana sends it bare and
  Prometheus rejects it;
* a scalar argument (`topk($k, ...)`, `histogram_quantile($q, ...)`) or after `@`: a number;
* a function or aggregation name (`$agg(...)`, `${fn}_over_time(...)`): a real function name
  that fits the arguments;
* anywhere else in an expression: an identifier, i.e. an instant vector, which is valid
  wherever a number is except the scalar arguments above.

Outside strings, where the value decides whether the query parses (`topk($k, ...)`, `a $op
b`), the value Grafana would use when the dashboard's saved model says it (grafana_values.py)
is substituted as well, in a second text (`Expansion.valued`): the syntax verdict is Grafana's,
while the semantic rules still see placeholders and judge the query whatever the selection.
A `$name` that no variable defines is left as written, as Grafana leaves it.

Macros have a fixed type whatever the position, as Grafana's backend substitutes them
blindly: durations get distinctive values (`$__interval` → `1m7ms`) so rules can recognise
them in the parsed AST. The same scanner serves LogQL, whose lexical structure (strings,
`{}` selectors, `[]` ranges, `by ()` lists) is the same for this purpose.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from itertools import accumulate, islice
from typing import Any, NamedTuple

from .grafana_values import VARIABLE_RE, Values
from .promql_names import CALLABLE, GROUPING_KEYWORDS, SCALAR_ARGS
from .promql_parse import regex_equality
from .query_cache import QueryCache


IDENT = "__gacv__"          # every identifier placeholder contains this ("__gacv__", "__gacv2__", ...)
IDENT_MARK = "__gacv"
STRING = "gacv"
NUMBER = "1"
DURATION = "5m"

#: macro → (kind, value). Durations carry a milliseconds tail so rules can spot them.
MACROS: dict[str, tuple[str, str]] = {
    "__interval": ("duration", "1m7ms"),
    "__rate_interval": ("duration", "4m7ms"),
    "__range": ("duration", "1h7ms"),
    "__auto": ("duration", "1m8ms"),
    "__dd_interval": ("duration", "1m"),
    "__large_interval": ("duration", "1m"),
    "__interval_ms": ("number", "60000"),
    "__rate_interval_ms": ("number", "240000"),
    "__range_s": ("number", "3600"),
    "__range_ms": ("number", "3600000"),
    "__from": ("number", "1700000000000"),
    "__to": ("number", "1700003600000"),
}
INTERVAL_SENTINEL_MS = {"__interval": 60_007, "__rate_interval": 240_007, "__range": 3_600_007, "__auto": 60_008}

#: modes: which substitutions the consumer of the query performs
GRAFANA = "grafana"   # dashboards: macros and template variables
ALERT = "alert"       # Grafana-managed alert queries: the data source backend's macros only
NONE = "none"         # Prometheus rule files: nothing is expanded

#: string literals as STRING_LITERAL delimits them (unterminated ones end at a line break, or a
#: backslash before one, or the end) that hold neither `$` nor `[[`: text left as written. Runs of
#: ordinary characters are taken whole (`++`), not one turn of the group per character
_PLAIN_STRING = (r"\"(?:[^\"\\\n$\[]++|\\[^\n$\[]|\\?\[(?!\[))*+(?:\"|(?=\\?(?:\n|\Z)))"
                 r"|'(?:[^'\\\n$\[]++|\\[^\n$\[]|\\?\[(?!\[))*+(?:'|(?=\\?(?:\n|\Z)))"
                 r"|`(?:[^`$\[]++|\[(?!\[))*+(?:`|\Z)")
#: Grafana's variableRegex (grafana_values.VARIABLE_RE) without its groups, by first character
_BRACED = r"\{\w+(?:\.[^:^\}]+)?(?::[^\}]+)?\}"
_VAR_DOLLAR = r"\$(?:\w+|" + _BRACED + ")"
_VAR_BRACED = r"\$" + _BRACED
#: a string literal as STRING_LITERAL delimits it, but as Grafana's interpolation meets it: its
#: variableRegex runs over the whole query, quotes or not, so a `${...}` variable in a string is
#: read whole, even where its braces hold the string's closing quote (`"${name:pipe"}`, a
#: misplaced brace): the value then replaces the quote, and the string runs on
_GRAFANA_STRING = (r'"[^"\\\n$]*+(?:(?:' + _VAR_BRACED + r'|\\.|\$)[^"\\\n$]*+)*+"?'
                   r"|'[^'\\\n$]*+(?:(?:" + _VAR_BRACED + r"|\\.|\$)[^'\\\n$]*+)*+'?"
                   r"|`[^`$]*+(?:(?:" + _VAR_BRACED + r"|\$)[^`$]*+)*+`?")
_VAR_BRACKETS = r"\[\[\w+?(?::\w+)?\]\]"
#: the query cut for `re.split` into what is left as written (group 1: characters that begin
#: nothing, string literals without `$` or `[[`, comments, a `$` or `[` that begins no variable)
#: and what may expand or be rewritten (group 2: a variable, a string literal holding `$` or `[[`,
#: a regex operator with the blanks and string literal after it, whatever the string holds,
#: which `Expansion.plain` writes as an equality; or the end).
#: The matches tile the text, so split gives ['', text, token, '', text, token, ..., ''], the
#: tokens at [2::3] (the last one empty when text follows the last token; no match is empty):
#: one C-level pass finds every token, and a dict lookup per token, in C too, gives the
#: expanded text of a query whose tokens all expand the same wherever they stand. A variable
#: token is read whole, as Grafana's regex replace reads it: nothing inside `${name:format}`
#: begins a string or a comment.
_SCAN = re.compile(
    r"(?!\Z)((?:[^$\"'`#\[=!]++|[=!](?!~[ \t\r\n]*+[\"'`])|" + _PLAIN_STRING + r"|\#[^\n]*+|(?!" + _VAR_BRACKETS
    + r")\[|(?!" + _VAR_DOLLAR + r")\$)*+)(" + _VAR_DOLLAR + "|" + _VAR_BRACKETS + r"|[=!]~[ \t\r\n]*+(?:"
    + _GRAFANA_STRING + ")|" + _GRAFANA_STRING + r"|\Z)", re.ASCII)
_QUOTES = "\"'`"
_REGEX_OPS = "=!"   # what a regex matcher token (its operator, blanks, its string) begins with
#: the query cut the same way at brackets and commas (group 2), for the bracket stack: the
#: variables, strings and comments stay whole in group 1
_BRACKETS = re.compile(
    r"((?:[^$\"'`#()\[\]{},]++|" + _VAR_DOLLAR + "|" + _VAR_BRACKETS + "|" + _GRAFANA_STRING + r"|\#[^\n]*+|\$)*+)"
    r"([()\[\]{},]|\Z)", re.ASCII)
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:")
_MATCH_OPS = ("=~", "!~", "!=", "=")


class VarUse(NamedTuple):
    """One variable occurrence: name, span in the original text, and the role it was given."""

    name: str
    start: int
    end: int
    role: str          # string | duration | number | ident | matcher | function | label-value | macro
    fmt: str | None = None


#: how a query was expanded (mode, dashboard values, interval variables): what an expansion
#: keeps to work out its offset map when first read
_How = tuple[str, "Values | None", frozenset[str]]


class Expansion:
    """A query with its variables substituted, and the way back to the query as written.

    A plain class with slots rather than a frozen dataclass, one or two made for every query.
    The offset map (`segments`) and the variable occurrences (`uses`) are read only by the
    rules of a failing or rate-over-$__interval query: the substitutions they come from are
    worked out again, as `how` says, when first read.
    """

    __slots__ = ("original", "text", "plain", "valued", "valued_alike", "valued_numbers", "_segments", "_uses",
                 "_subs", "_value_of", "_how")

    def __init__(self, original: str, text: str, how: _How | None = None, plain: str | None = None,
                 valued: "Expansion | None" = None, valued_alike: bool = False,
                 segments: tuple[tuple[int, int, int, int], ...] = (), uses: tuple[VarUse, ...] = (),
                 valued_numbers: bool = False):
        # `how` third: the expander passes it (and `plain`, `valued`) by position, cheaper than by keyword
        self.original = original
        self.text = text
        #: `text` with regex matchers written as equalities (promql_parse.plain_matchers), when
        #: the expander wrote that too and it differs: the text promql_parse.parse would
        #: otherwise cut at its quotes again to write it. A hint, not part of the value (__eq__)
        self.plain = plain
        #: the same query with the values Grafana would use outside strings, where they are known
        self.valued = valued
        #: `valued` differs from `text` only by single tokens of the same kind (a plain identifier
        #: for a plain identifier, a positive integer or duration for another): a PromQL parser
        #: accepts both texts or neither, so the valued text need not be parsed when `text` parses
        self.valued_alike = valued_alike
        #: `valued` differs from `text` as when alike, but that some identifier placeholders are
        #: plain numbers there, each right after an operator that is only ever binary
        #: (`x > $threshold`, `_number_fits`): both texts parse alike when every binary operation
        #: with a placeholder operand takes a number there too, which the analysis of `text`
        #: tells (promql_analysis.Analysis.numbers_fit)
        self.valued_numbers = valued_numbers
        #: None: worked out when first read, from the substitutions `how` gives
        self._segments: tuple[tuple[int, int, int, int], ...] | None = segments if how is None else None
        self._uses: tuple[VarUse, ...] | None = uses if how is None else None
        self._subs: list[_Sub] | None = None
        self._how = how
        self._value_of = 2  # which member of a substitution is its text: 2 placeholder, 4 Grafana's value

    def _substitutions(self) -> list[_Sub]:
        if self._subs is None:
            self._subs = _expander(*self._how).substitutions(self.original) if self._how is not None else []
        return self._subs

    @property
    def segments(self) -> tuple[tuple[int, int, int, int], ...]:
        """(expanded start, expanded end, original start, original end) of each substitution."""
        if self._segments is None:
            segments = []
            pos = out_len = 0
            for sub in self._substitutions():
                start, end = sub[0], sub[1]
                value = sub[self._value_of] if sub[self._value_of] is not None else sub[2]
                out_len += start - pos
                segments.append((out_len, out_len + len(value), start, end))  # type: ignore[arg-type]
                out_len += len(value)  # type: ignore[arg-type]
                pos = end
            self._segments = tuple(segments)
        return self._segments

    @property
    def uses(self) -> tuple[VarUse, ...]:
        """Every variable occurrence, in the order of the text."""
        if self._uses is None:
            self._uses = tuple(VarUse(use[0], a, b, use[1], use[2]) for a, b, _, use, _ in self._substitutions())
        return self._uses

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expansion) and (
            (self.original, self.text, self.segments, self.uses, self.valued, self.valued_alike, self.valued_numbers)
            == (other.original, other.text, other.segments, other.uses, other.valued, other.valued_alike,
                other.valued_numbers))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Expansion({self.original!r}, {self.text!r}, segments={self.segments!r}, uses={self.uses!r}, "
                f"valued={self.valued!r}, valued_alike={self.valued_alike!r}, valued_numbers={self.valued_numbers!r})")

    def to_original(self, pos: int) -> int:
        """Map an offset in the expanded text back to the original text."""
        if not self.segments:
            return pos
        starts = [s[0] for s in self.segments]
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        es, ee, os_, oe = self.segments[i]
        if pos < ee:
            return os_
        return pos - ee + oe


def expand(text: str, mode: str = GRAFANA, interval_vars: frozenset[str] = frozenset(),
           values: Values | None = None) -> Expansion:
    """Substitute macros and variables as Grafana would, choosing values by position.

    `interval_vars` names dashboard variables of type `interval`, which always hold a
    duration. `values` are the dashboard's defined names and known values (None: unknown,
    every `$name` is taken for a variable). Names made only of digits are never variables
    (`"$1"` in `label_replace`). Results are cached: dashboards repeat the same queries.
    """
    if mode == NONE or ("$" not in text and "[[" not in text):
        return Expansion(text, text)
    expander = _KNOWN.get((mode, id(values), interval_vars))
    if expander is None:
        expander = _expander(mode, values, interval_vars)
    key = (text, expander)
    found = _EXPANSIONS.get(key)
    return found if found is not None else _EXPANSIONS.keep(key, expander.expand(text))


def forget_expansions() -> None:
    """Empty the caches of expansions and of the tokens met per dashboard (engine._forget_queries)."""
    _EXPANSIONS.clear()
    _KNOWN.clear()


#: expansions by text and expander (query_cache.py)
_EXPANSIONS: "QueryCache[tuple[str, _Expander], Expansion]" = QueryCache(16384)


#: one substitution: start, end, placeholder, the use (name, role, format), and Grafana's value
#: where it differs
_Sub = tuple[int, int, str, tuple[str, str, "str | None"], "str | None"]
#: a variable whose value depends on where it stands: start, end, name, format
_Wanted = tuple[int, int, str, "str | None"]
#: per mode, dashboard values and interval variables: its expander, which keeps the tokens met
#: so far (a dashboard's queries repeat `"$job"`, `$__rate_interval` and their like in every
#: query). The values are known by identity (dashboard_values makes one object per content, and
#: the expander holds it): hashing them by content is a Python call, twice per query
_KNOWN: dict[tuple[str, int, frozenset[str]], "_Expander"] = {}


def _expander(mode: str, values: Values | None, interval_vars: frozenset[str]) -> "_Expander":
    key = (mode, id(values), interval_vars)
    expander = _KNOWN.get(key)
    if expander is None:
        if len(_KNOWN) > 4096:
            _KNOWN.clear()
        expander = _KNOWN[key] = _Expander(mode, values, interval_vars)
    return expander


class _Texts(dict[str, "str | None"]):
    """A dashboard's tokens (see _SCAN) → what each expands to wherever it stands, None for a
    variable whose value depends on its position; filled as tokens are met."""

    __slots__ = ("expander",)

    def __init__(self, expander: "_Expander"):
        super().__init__({"": ""})  # the empty token ending a text that ends with no token
        self.expander = expander

    def __missing__(self, token: str) -> str | None:
        if len(self) > 65536:
            self.clear()
            self[""] = ""
            self.expander.equalities.clear()
        text = self[token] = self.expander.text_of(token)
        return text


class _Expander:
    """Expansion as one dashboard's queries need it (a mode, the dashboard's values and interval
    variables): made once per dashboard, it remembers what each token it met expands to."""

    def __init__(self, mode: str, values: Values | None, interval_vars: frozenset[str]):
        self.how: _How = (mode, values, interval_vars)
        self.mode = mode
        self.values = values
        self.interval_vars = interval_vars
        self.texts = _Texts(self)
        #: a regex matcher token (see _SCAN) → its text with the matcher as the equality that
        #: stands for it (promql_parse.regex_equality), or as written where the parser refuses
        #: it: filled with `texts`, for `plain`
        self.equalities: dict[str, str] = {}
        self._value_texts: dict[tuple[str, str | None], str | None] = {}
        #: token → a string literal's substitutions (start and end in the literal, value, name,
        #: format); a variable's: False when it is none, else (name, format, (value, role) or None
        #: when its value depends on its position)
        self.known: dict[str, Any] = {}

    def expand(self, src: str) -> Expansion:
        """`src` expanded. Its tokens are looked up: for most queries every one expands as it
        would anywhere, and the text is all that is needed now. A variable whose value depends on
        its position (outside strings, not a macro) is placed by pass 2, a scan of brackets; the
        substitutions of either kind (the offset map) are worked out again if ever read."""
        parts = _SCAN.split(src)
        tokens = parts[2::3]
        texts = list(map(self.texts.__getitem__, tokens))
        if None not in texts:
            parts[2::3] = texts
            text = "".join(parts)
            return Expansion(src, text, self.how, self.plain(text, parts, tokens, texts))
        indices = [i for i, text in enumerate(texts) if text is None]
        placed = _Positions(src, self).run(self.positional(parts, indices))
        for i, sub in zip(indices, placed):
            texts[i] = sub[2]
        parts[2::3] = texts
        text = "".join(parts)
        plain = self.plain(text, parts, tokens, texts)
        known = [(i, sub) for i, sub in zip(indices, placed) if sub[4] is not None]
        if not known:
            return Expansion(src, text, self.how, plain)
        for i, sub in known:
            texts[i] = sub[4]
        parts[2::3] = texts
        valued_text = "".join(parts)
        valued = Expansion(src, valued_text, self.how)
        valued._value_of = 4
        alike = numbers = True
        for _, (a, b, p, _, v) in known:
            if not _alike(src, a, b, p, v, valued_text):  # type: ignore[arg-type]
                alike = False
                if not _number_fits(src, a, b, p, v):  # type: ignore[arg-type]
                    numbers = False
                    break
        return Expansion(src, text, self.how, plain, valued, alike, valued_numbers=numbers and not alike)

    def plain(self, text: str, parts: list[str], tokens: list[str], texts: list[str | None]) -> str | None:
        """`Expansion.plain` of `text`, which `parts` joined make (`tokens` given their `texts`):
        each regex matcher token as its equality (`equalities`), in the same C-level join. None
        where that is no other text (no regex matcher, or none the parser accepts). The valued
        text's is left to the parser: it is parsed only where the values may matter. `parts` is
        left cut as the plain text is."""
        if "~" not in text:
            return None
        parts[2::3] = map(self.equalities.get, tokens, texts)  # type: ignore[arg-type]  # every text is placed
        plain = "".join(parts)
        return plain if plain != text else None

    def positional(self, parts: list[str], indices: list[int]) -> list[_Wanted]:
        """The variables whose value depends on where they stand: the tokens at `indices` (of
        `parts`, the text as _SCAN cuts it)."""
        ends = list(accumulate(map(len, parts)))
        wanted = []
        for i in indices:
            name, fmt, _ = self.detail(parts[3 * i + 2])
            wanted.append((ends[3 * i + 1], ends[3 * i + 2], name, fmt))
        return wanted

    def substitutions(self, src: str) -> list[_Sub]:
        """Every substitution in `src`, in the order of the text: pass 1 over the tokens (in
        strings and macros, a value whatever the position), then pass 2 for the others."""
        subs: list[_Sub] = []
        parts = _SCAN.split(src)
        pos = 0
        indices = []  # the tokens whose value depends on their position, for pass 2
        for i, (gap, token) in enumerate(zip(parts[1::3], parts[2::3])):
            pos += len(gap)
            if not token:
                continue
            if token[0] in _REGEX_OPS:  # a regex matcher: its string's variables
                op_end = _op_end(token)
                pos += op_end
                token = token[op_end:]
            found = self.detail(token)
            if token[0] in _QUOTES:
                for a, b, value, name, fmt in found:
                    subs.append((pos + a, pos + b, value, (name, "string", fmt), None))
            elif found is not False:
                name, fmt, typed = found
                if typed is None:
                    indices.append(i)
                else:
                    subs.append((pos, pos + len(token), typed[0], (name, typed[1], fmt), None))
            pos += len(token)
        if indices:
            subs.extend(_Positions(src, self).run(self.positional(parts, indices)))
            subs.sort(key=lambda sub: sub[0])
        return subs

    def value_text(self, name: str, fmt: str | None) -> str | None:
        """The text Grafana writes for the variable with this format, where the values say it."""
        key = (name, fmt)
        try:
            return self._value_texts[key]
        except KeyError:
            text = self._value_texts[key] = self.values.text(name, fmt) if self.values is not None else None
            return text

    def detail(self, token: str) -> Any:
        """What a token is (see `known`)."""
        found = self.known.get(token)
        if found is None:
            if len(self.known) > 65536:
                self.known.clear()
            found = self.known[token] = self.string(token) if token[0] in _QUOTES else self.token(token)
        return found

    def text_of(self, token: str) -> str | None:
        """What a token expands to wherever it stands; None when that depends on where. A regex
        matcher's equality goes to `equalities` at the same time."""
        if token[0] in _REGEX_OPS:
            op_end = _op_end(token)
            text = token[:op_end] + self.text_of(token[op_end:])  # type: ignore[operator]  # a string's text
            self.equalities[token] = regex_equality(token[:2], text[op_end:]) or text
            return text
        found = self.detail(token)
        if token[0] in _QUOTES:
            out = []
            pos = 0
            for a, b, value, _, _ in found:
                out.append(token[pos:a])
                out.append(value)
                pos = b
            out.append(token[pos:])
            return "".join(out)
        if found is False:
            return token
        typed = found[2]
        return typed[0] if typed is not None else None

    def token(self, token: str) -> Any:
        """What a variable token outside strings is (see `known`)."""
        vm = VARIABLE_RE.fullmatch(token)
        if vm is None or not self.is_variable(vm):
            return False
        name, fmt = _name_fmt(vm)
        return name, fmt, self.typed(name, fmt)

    def is_variable(self, vm: re.Match[str]) -> bool:
        name = vm.group(1) or vm.group(2) or vm.group(4)
        if name is None or name.isdigit():
            return False
        if self.mode == ALERT:
            return name in MACROS
        # Grafana leaves a name no variable defines as written (built-ins start with "__")
        return self.values is None or name in self.values.defined or name.startswith("__")

    def string(self, literal: str) -> list[tuple[int, int, str, str, str | None]]:
        """Variables inside a string literal: any value is a valid string, so a plain word."""
        out = []
        closed = len(literal) > 1 and literal[-1] == literal[0]  # a string left open runs to its end
        for vm in VARIABLE_RE.finditer(literal, 1, len(literal) - closed):
            if not self.is_variable(vm):
                continue
            name, fmt = _name_fmt(vm)
            out.append((vm.start(), vm.end(), MACROS[name][1] if name in MACROS else STRING, name, fmt))
        return out

    def typed(self, name: str, fmt: str | None) -> tuple[str, str] | None:
        """The value of a variable whose type does not depend on its position, if it is one."""
        if name in MACROS:
            kind, value = MACROS[name]
            if kind == "number" and name in ("__from", "__to") and fmt and "date" in fmt and ":" not in fmt:
                value = NUMBER
            return value, "macro"
        if name in self.interval_vars:
            return DURATION, "duration"
        return None


class _Positions:
    """Pass 2 over one query: the bracket stack, and a value for each variable whose value
    depends on where it stands."""

    def __init__(self, src: str, expander: _Expander):
        self.src = src
        self.expander = expander
        self.idents = 0

    def ident(self) -> str:
        """A fresh identifier: `on (...)` and `group_left (...)` may not share a label."""
        self.idents += 1
        return IDENT if self.idents == 1 else f"__gacv{self.idents}__"

    def run(self, wanted: list[_Wanted]) -> list[_Sub]:
        """Track the bracket stack and choose values for the variables `wanted` (in the order of
        the text): their substitutions, in the same order. The stack is two lists of ints (where
        each open bracket stands, its kind being the character there, and the commas seen in it
        so far) rather than an object per bracket: every bracket before the last variable is
        pushed or popped."""
        subs: list[_Sub] = []
        opens: list[int] = []
        commas: list[int] = []
        value_text = self.expander.value_text
        # the text up to the last variable is cut as the whole text is (nothing before a variable
        # outside strings runs into it), and what follows it is no variable's context
        parts = _BRACKETS.split(self.src[:wanted[-1][0]])
        todo = iter(wanted)
        start, end, name, fmt = next(todo)
        # where each bracket or comma stands: the lengths of what precedes it, summed in C
        for pos, bracket in zip(islice(accumulate(map(len, parts)), 1, None, 3), parts[2::3]):
            while start <= pos:
                value, role = self.choose(name, fmt, start, end, opens[-1] if opens else None,
                                          commas[-1] if commas else 0)
                known = value_text(name, fmt)
                subs.append((start, end, value, (name, role, fmt), known if known != value else None))
                following = next(todo, None)
                if following is None:
                    return subs
                start, end, name, fmt = following
            if bracket == ",":
                if commas:
                    commas[-1] += 1
            elif bracket in ("(", "[", "{"):
                opens.append(pos)
                commas.append(0)
            elif opens:
                opens.pop()
                commas.pop()
        raise AssertionError("a variable beyond the text")  # the text is cut at the last one

    def choose(self, name: str, fmt: str | None, start: int, end: int, top: int | None,
               commas: int) -> tuple[str, str]:
        """A value that fits the variable at src[start:end] where it stands, `top` being where the
        innermost bracket open there stands, `commas` the commas seen in it so far (each branch
        reads only the neighbours it needs: a query can hold many such variables)."""
        src = self.src
        kind = src[top] if top is not None else None
        prev = _prev_significant(src, start)

        # `offset` is the only word before a variable ending in a `t` that matters
        if kind == "[" or prev in ("t", "T") and _prev_word(src, start) == "offset":
            if end < len(src) and src[end].isalpha():
                return "5", "number"
            if start > 0 and src[start - 1].isdigit():
                return "m", "duration"
            return DURATION, "duration"
        if prev == "@":
            return NUMBER, "number"
        nxt_pos = _skip_space(src, end)
        if kind == "{":
            if prev in ("=", "~"):           # after =, !=, =~, !~
                quoted = _quote_format(fmt)
                return (quoted, "string") if quoted else (IDENT, "label-value")
            if src.startswith(_MATCH_OPS, nxt_pos):
                return IDENT, "ident"
            if src[nxt_pos:nxt_pos + 1] in ("}", ",") and prev in ("{", ","):
                return f'{IDENT}="{STRING}"', "matcher"
            return IDENT, "ident"
        func = (_word_before(src, top, skip_space=True) or None) if top is not None and kind == "(" else None
        if func is not None and func.lower() in GROUPING_KEYWORDS:
            return self.ident(), "ident"
        quoted = _quote_format(fmt)
        if quoted:
            return quoted, "string"
        before = src[start - 1] if start > 0 else ""
        after = src[end] if end < len(src) else ""
        left_adjacent = before in _WORD_CHARS and before != ""
        right_adjacent = after in _WORD_CHARS and after != ""
        if left_adjacent or right_adjacent:
            word_end = end
            while word_end < len(src) and src[word_end] in _WORD_CHARS:
                word_end += 1
            if _skip_space(src, word_end) < len(src) and src[_skip_space(src, word_end)] == "(":
                left_part = _word_before(src, start, skip_space=False)
                right_part = src[end:word_end]
                fill = _function_fill(left_part, right_part)
                if fill:
                    return fill, "function"
            return IDENT, "ident"
        nxt = src[nxt_pos] if nxt_pos < len(src) else ""
        if nxt == "(":
            return self.function_for(nxt_pos), "function"
        if src.startswith(("by", "without"), nxt_pos) and not _word_continues(src, nxt_pos):
            return "sum", "function"
        if top is not None and func is not None and commas in SCALAR_ARGS.get(func, ()):
            return NUMBER, "number"
        return IDENT, "ident"

    def function_for(self, open_pos: int) -> str:
        """A function or aggregation name that accepts the arguments written after it."""
        src = self.src
        close = _matching_paren(src, open_pos)
        args = _split_args(src, open_pos + 1, close)
        after = _skip_space(src, close + 1)
        if src.startswith(("by", "without"), after) and not _word_continues(src, after):
            return "sum"
        ranged = [_has_top_level_range(a) for a in args]
        if not args:
            return "time"
        if len(args) == 1:
            return "rate" if ranged[0] else "sum"
        if len(args) == 2:
            return "quantile_over_time" if ranged[1] else "topk"
        return "sum"


#: what may stand on either side of a value for it to be a token of its own
_BEFORE_TOKEN = frozenset(" \t\r\n([{,+-*/%^=<>!~@")
_AFTER_TOKEN = frozenset(" \t\r\n)]}[{,+-*/%^=<>!~@")
_PLAIN_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN_INT = re.compile(r"[1-9][0-9]{0,8}")
_PLAIN_DURATION = re.compile(r"[1-9][0-9]{0,5}(?:ms|[smhdwy])")
#: words whose meaning to the parser is more than a name: operators, modifiers, numbers, and
#: the names of functions and aggregations (a name followed by `(` or `by` is a call)
_NOT_PLAIN = frozenset({"and", "or", "unless", "atan2", "bool", "on", "ignoring", "group_left", "group_right",
                        "by", "without", "offset", "start", "end", "step", "range", "anchored", "smoothed", "inf",
                        "nan", *CALLABLE})


@lru_cache(maxsize=4096)
def _token_kind(word: str) -> str | None:
    if _PLAIN_INT.fullmatch(word):
        return "int"
    if _PLAIN_DURATION.fullmatch(word):
        return "duration"
    if _PLAIN_IDENT.fullmatch(word) and word.lower() not in _NOT_PLAIN and not word.startswith("__"):
        return "ident"  # `__name__` (and the placeholders, `__gacv__`) are more than names
    return None


def _alike(src: str, start: int, end: int, placeholder: str, value: str, valued_text: str) -> bool:
    """Whether `value` in place of `placeholder` at src[start:end] leaves what the parser sees
    the same: one token of the same kind on both sides, standing alone (not glued to a word),
    and for a name, one that occurs nowhere else in the query (`on (a) group_left (a)` is an
    error the distinct placeholders do not make)."""
    if start > 0 and src[start - 1] not in _BEFORE_TOKEN or end < len(src) and src[end] not in _AFTER_TOKEN:
        return False
    kind = _token_kind(value)
    if kind is None:
        return False
    if kind == "ident":
        return placeholder.startswith(IDENT_MARK) and placeholder.endswith("__") and valued_text.count(value) == 1
    return _token_kind(placeholder) == kind


#: a number as a binary operation's operand: no sign, exponent or leading zero, at most nine digits
#: before the point (what `_out_of_range` could refuse is never one of these)
_PLAIN_NUMBER = re.compile(r"(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,9})?")
#: what ends an operator that is only ever binary (a comparison, `*`, `/`, `%`): not `+` and
#: `-`, which may be signs, nor `^`, whose operand binds tighter than a sign's
_BINARY_ONLY_END = frozenset("=<>*/%")


def _number_fits(src: str, start: int, end: int, placeholder: str, value: str) -> bool:
    """Whether the number `value` in place of the identifier placeholder at src[start:end] is
    what `Expansion.valued_numbers` allows: the placeholder stands alone right after a binary
    operator (or its `bool`), and no selector suffix follows it (`[`, `{`, `offset`, `@`), so
    that it is, as written, a bare vector selector operand of a binary operation, whose other
    operand the analysis checks (`Analysis.numbers_fit`). A comment could hide what stands
    before it: a query with one is not judged."""
    if placeholder != IDENT or _PLAIN_NUMBER.fullmatch(value) is None or "#" in src:
        return False
    if start > 0 and src[start - 1] not in _BEFORE_TOKEN or end < len(src) and src[end] not in _AFTER_TOKEN:
        return False
    prev = _prev_significant(src, start)
    if prev not in _BINARY_ONLY_END and not (prev in ("l", "L") and _prev_word(src, start) == "bool"):
        return False
    nxt = _skip_space(src, end)
    return not src.startswith(("[", "{", "@"), nxt) and src[nxt:nxt + 6].lower() != "offset"


def _op_end(token: str) -> int:
    """Where the string of a regex matcher token (see _SCAN) begins: past its operator and blanks."""
    return len(token) - len(token[2:].lstrip(" \t\r\n"))


def _name_fmt(vm: re.Match[str]) -> tuple[str, str | None]:
    if vm.group(1):
        return vm.group(1), None
    if vm.group(2):
        return vm.group(2), vm.group(3)
    return vm.group(4), vm.group(6)


def _quote_format(fmt: str | None) -> str | None:
    if fmt == "doublequote":
        return f'"{STRING}"'
    if fmt == "singlequote":
        return f"'{STRING}'"
    return None


def _string_end(src: str, start: int) -> int:
    """Index just past the string literal starting at `start` (end of text if unterminated)."""
    quote = src[start]
    i = start + 1
    n = len(src)
    if quote == "`":
        j = src.find("`", i)
        return n if j < 0 else j + 1
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == quote:
            return i + 1
        if c == "\n":
            return i  # PromQL strings cannot span lines; let the parser report it
        i += 1
    return n


def _skip_space(src: str, pos: int) -> int:
    n = len(src)
    while pos < n and src[pos] in " \t\r\n":
        pos += 1
    return pos


def _prev_significant(src: str, pos: int) -> str:
    pos -= 1
    while pos >= 0 and src[pos] in " \t\r\n":
        pos -= 1
    return src[pos] if pos >= 0 else ""


def _prev_word(src: str, pos: int) -> str | None:
    word = _word_before(src, pos, skip_space=True)
    return word.lower() if word else None


def _word_before(src: str, pos: int, skip_space: bool) -> str:
    """The identifier that ends at `pos` (after skipping blanks when asked), or ""."""
    end = pos
    if skip_space:
        while end > 0 and src[end - 1] in " \t\r\n":
            end -= 1
    start = end
    while start > 0 and src[start - 1] in _WORD_CHARS:
        start -= 1
    return src[start:end]


def _word_continues(src: str, pos: int) -> bool:
    """Whether the keyword at `pos` (by/without) is really a longer identifier."""
    for kw in ("without", "by"):
        if src.startswith(kw, pos):
            end = pos + len(kw)
            return end < len(src) and src[end] in _WORD_CHARS
    return True


def _function_fill(left: str, right: str) -> str | None:
    """The piece that completes `left + ? + right` into a known function name."""
    for name in sorted(CALLABLE, key=lambda f: (len(f), f)):
        if len(name) > len(left) + len(right) and name.startswith(left) and name.endswith(right):
            return name[len(left):len(name) - len(right)]
    return None


def _matching_paren(src: str, open_pos: int) -> int:
    depth = 0
    i = open_pos
    n = len(src)
    while i < n:
        c = src[i]
        if c in "\"'`":
            i = _string_end(src, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n - 1


def _split_args(src: str, start: int, end: int) -> list[str]:
    args: list[str] = []
    depth = 0
    i = start
    last = start
    while i < end:
        c = src[i]
        if c in "\"'`":
            i = _string_end(src, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(src[last:i])
            last = i + 1
        i += 1
    tail = src[last:end]
    if tail.strip() or args:
        args.append(tail)
    return args


def _has_top_level_range(arg: str) -> bool:
    depth = 0
    i = 0
    while i < len(arg):
        c = arg[i]
        if c in "\"'`":
            i = _string_end(arg, i)
            continue
        if c == "[" and depth == 0:
            return True
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
        i += 1
    return False
