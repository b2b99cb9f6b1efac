"""Parse a PromQL expression once and collect, in one walk, every fact the rules need.

The semantic rules (rate on a gauge, counters graphed raw, `histogram_quantile` without
`le`, range-vector results, legend labels that were aggregated away, unknown metrics) all
look at the same tree. Walking it once and caching the result by expanded text keeps
linting close to the cost of parsing alone: dashboards repeat the same query shapes.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Iterator, NamedTuple

import promql_parser as pp

from .durations import PROMETHEUS_DURATION, duration_size_error
from .promql_errors import NUMBER_TOKEN, Token, error_offset, tokenize
from .promql_parse import GO_REFUSED, PARSE_ERRORS, ParserPanic, go_refusal, limits_hint, parse
from .promql_expand import IDENT_MARK, INTERVAL_SENTINEL_MS, STRING
from .promql_names import COUNTER_FUNCTIONS, COUNTER_NEUTRAL_FUNCTIONS, COUNTING_AGGREGATIONS
from .query_cache import QueryCache


def _register_removed_functions() -> None:
    """`holt_winters` was renamed in Prometheus 3; dashboards for 2.x still use it."""
    try:
        pp.register_extra_functions([pp.Function("holt_winters", [pp.ValueType.Matrix, pp.ValueType.Scalar,
                                                                  pp.ValueType.Scalar], pp.ValueType.Vector)])
    except ValueError:
        pass  # already built in, or already registered


_register_removed_functions()

VECTOR, MATRIX, SCALAR, STRING_T = "vector", "matrix", "scalar", "string"
_VT = {"ValueType.Vector": VECTOR, "ValueType.Matrix": MATRIX, "ValueType.Scalar": SCALAR,
       "ValueType.String": STRING_T}  # the enum is not hashable: key by its text
_INTERVAL = timedelta(milliseconds=INTERVAL_SENTINEL_MS["__interval"])
_RATE_LIKE = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})


class Labels(NamedTuple):
    """The labels a result can carry: exactly `names` when closed, anything but `names` when open.

    Labels, Selector and Analysis are named tuples rather than frozen dataclasses: some are made
    for every distinct query, and a tuple is built several times faster. Where one is made per
    node of every query, `tuple.__new__(Cls, (every field, in order))` builds it without the
    named tuple's own constructor, a Python function that costs as much again."""

    closed: bool
    names: frozenset[str]

    def may_have(self, label: str) -> bool:
        return label in self.names if self.closed else label not in self.names


ANY = Labels(False, frozenset())
NONE = Labels(True, frozenset())


class Selector(NamedTuple):
    """A metric named in the query, and whether something that makes a counter meaningful wraps it."""

    name: str
    wrapped: bool     # under rate/increase/..., a counting aggregation, or a set-operation filter
    in_rate: str | None = None  # the rate-like function directly applied to it, if any
    in_histogram: bool = False  # under histogram_quantile()/histogram_*(): maybe a native histogram


class Analysis(NamedTuple):
    text: str
    error: str | None = None
    error_offset: int | None = None
    result_type: str | None = None
    selectors: tuple[Selector, ...] = ()
    #: offsets are not available from the parser; rules report names instead
    quantile_without_le: tuple[str, ...] = ()   # descriptions of offending aggregations
    interval_rate_calls: tuple[str, ...] = ()   # function names using $__interval as window
    labels: Labels = ANY
    metric_names: tuple[str, ...] = ()   # distinct selector names, in order
    #: (function, metric) per metric under rate(), irate() or increase() directly, first use
    #: only; not under histogram_*() (native histograms), no placeholder names
    rated: tuple[tuple[str, str], ...] = ()
    #: a number could stand for every identifier placeholder that is an operand of a binary
    #: operation (`x > __gacv__`): the operation is arithmetic or a comparison, without vector
    #: matching, and its other operand is a series that is no placeholder. Where the values
    #: Grafana would use differ from the placeholders only by such numbers
    #: (promql_expand.Expansion.valued_numbers), their text parses as this one does
    numbers_fit: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None


#: deeper than this, promql-parser (Rust) can overflow its stack and kill the process (from
#: about 2,500 nested subqueries, 4,000 chained operators or 6,000 nested calls); Prometheus
#: itself parses deeper. Queries that nest deeper than the walker below can within Python's
#: recursion limit (about 450 levels: a chain of generated `or`s) are walked with room made
#: for them (`_recursion_room`)
MAX_NESTING = 1000
#: Python frames the walk takes per level of nesting, at most (a node's visit and its kind's
#: method, with room to spare)
_FRAMES_PER_LEVEL = 4
_BINARY_WORDS = frozenset({"and", "or", "unless", "atan2"})


def nesting(text: str) -> int:
    """An upper bound of the depth of `text`'s parse tree: brackets open at once, plus every
    operator outside a selector's braces (`a + b + c` nests one level per operator)."""
    depth = deepest = operators = braces = 0
    for tok in tokenize(text):
        if tok.kind == "open":
            depth += 1
            deepest = max(deepest, depth)
            braces += tok.text == "{"
        elif tok.kind == "close":
            depth = max(depth - 1, 0)
            braces = max(braces - (tok.text == "}"), 0)
        elif braces == 0 and (tok.kind == "op" and tok.text not in (",", ":", "@")
                              or tok.kind == "ident" and tok.text in _BINARY_WORDS):
            operators += 1
    return deepest + operators


_LEVEL_CHARS = "([{+-*/%^=<>!~"


#: every byte but those of `_LEVEL_CHARS`: what deleting them leaves of ASCII text is what
#: `_nesting_bound` counts, in one pass rather than one per character
_NOT_LEVEL_CHARS = bytes(sorted(set(range(256)) - set(_LEVEL_CHARS.encode())))


def _nesting_bound(text: str) -> int:
    """An upper bound of `nesting(text)` at C speed: every opening bracket, every character an
    operator token can hold and every occurrence of a word operator (as `nesting` spells them),
    wherever they stand."""
    chars = len(text.encode().translate(None, _NOT_LEVEL_CHARS)) if text.isascii() else \
        sum(map(text.count, _LEVEL_CHARS))
    return chars + sum(map(text.count, _BINARY_WORDS))


def too_deep(text: str) -> int | None:
    """How deep `text` nests (`nesting`) when that is more than MAX_NESTING, else None. Each
    level takes at least one character: short queries skip the count, and so do queries whose
    characters that could open a level are few (counted in C, not tokenized)."""
    if len(text) > MAX_NESTING and _nesting_bound(text) > MAX_NESTING and (depth := nesting(text)) > MAX_NESTING:
        return depth
    return None


@contextmanager
def _recursion_room(frames: int) -> Iterator[None]:
    """Python's recursion limit raised by `frames` for a while. The walk's recursion is of
    Python functions only, which Python 3.11 runs without growing the C stack."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _too_deep_analysis(text: str, depth: int | None = None) -> Analysis:
    found = f"nests {depth} levels deep (brackets and operators)" if depth else "nests too deeply"
    return Analysis(text, error=f"the query {found}, more than the {MAX_NESTING} levels gac analyses; split it "
                    "into smaller queries or recording rules", error_offset=0)


#: analyses by text and `plain` (query_cache.py)
_ANALYSES: QueryCache[tuple[str, str | None], Analysis] = QueryCache(16384)


def analyze(text: str, plain: str | None = None) -> Analysis:
    """`analysis_of(text, plain)`, cached by both."""
    key = (text, plain)
    found = _ANALYSES.get(key)
    return found if found is not None else _ANALYSES.keep(key, analysis_of(text, plain))


def analysis_of(text: str, plain: str | None = None) -> Analysis:
    """Parse `text` (already expanded) and collect the facts (`plain`, where given, is the same
    text with regex matchers as equalities, where the expander wrote it: promql_parse.parse).

    Where promql-parser and Prometheus differ, Prometheus's verdict is given:
    - backtick strings are raw in Prometheus (`` `/api/\\d+` ``) but promql-parser reads escapes
      in them, so they are handed over as the equivalent double-quoted strings;
    - numbers and durations promql-parser misreads (`x[4294967296ms]`, `01e3`) are parsed in a
      form it reads (`_misread_rewritten`);
    - regexes are judged by Go's regexp (promql_parse.GO_REFUSED), a unary `+` as a unary `-`;
    - a few limits Prometheus checks (number, duration and `@` bounds, `info()`'s
      label-selector argument) are checked after.
    """
    depth = too_deep(text)
    if depth is not None:
        return _too_deep_analysis(text, depth)
    parsed, shifts = (text, ()) if "`" not in text else _raw_strings(text)
    if "anchored" in parsed or "smoothed" in parsed:
        parsed = _unreserve(parsed)
    hint = limits_hint(text)
    try:
        # `plain` is of `text`: not of a text rewritten here
        expr = parse(parsed, plain if parsed is text else None, quiet=hint)
    except PARSE_ERRORS as exc:
        failure: BaseException | None = exc
        readable = _misread_rewritten(parsed)
        if readable is not None:
            try:
                expr, failure = parse(readable, quiet=True), None
            except PARSE_ERRORS as again:
                failure, parsed = again, readable  # the verdict on the rest, placed in the same offsets
        if failure is not None:
            if isinstance(failure, (ParserPanic, OverflowError)):
                return _out_of_range_refusal(text, failure)
            message = str(failure).strip() or "invalid promql query"
            offset = error_offset(parsed, message)
            return Analysis(text, error=message, error_offset=_unshift(offset, shifts))
    refused = go_refusal(parsed) if GO_REFUSED and ("=~" in parsed or "!~" in parsed) else None
    if refused is None and "+" in parsed:
        refused = _unary_plus_refusal(parsed)
    if refused is not None:
        return Analysis(text, error=refused[0], error_offset=_unshift(refused[1], shifts))
    limit = _beyond_limits(text) if hint else None
    if limit is not None:
        return Analysis(text, error=limit[0], error_offset=limit[1])
    walker = _Walker()
    try:
        rtype, labels = walker.visit(expr, False)
    except RecursionError:  # rare: the common case pays nothing for the room made here
        walker = _Walker()
        with _recursion_room(nesting(text) * _FRAMES_PER_LEVEL):
            try:
                rtype, labels = walker.visit(expr, False)
            except RecursionError:
                return _too_deep_analysis(text)
    if walker.invalid is not None:
        return Analysis(text, error=walker.invalid, error_offset=None)
    return tuple.__new__(Analysis, (text, None, None, rtype, tuple(walker.selectors), walker.no_le,
                                    walker.interval_calls, labels, tuple(walker.names), tuple(walker.rated.values()),
                                    walker.numbers_fit))


def _out_of_range_refusal(text: str, exc: Exception) -> Analysis:
    """The verdict on a query promql-parser panicked on, or refused with a Rust integer range
    message (`x offset 1e19`): the number beyond Prometheus's limits that made it fail, as
    Prometheus reports it, where the limits check finds it; else the parser's message, placed
    nowhere (placing it parses prefixes, which may panic in turn)."""
    limit = _beyond_limits(text)
    if limit is not None:
        return Analysis(text, error=limit[0], error_offset=limit[1])
    return Analysis(text, error=str(exc).strip() or "invalid promql query", error_offset=None)


_COUNTER_RATES = frozenset({"rate", "irate", "increase"})


def forget_analyses() -> None:
    """Empty the cache of analyses (engine._forget_queries)."""
    _ANALYSES.clear()


_MAX_DURATION_S = 2 ** 63 / 1e9   # Go's time.Duration: int64 nanoseconds
_MAX_AT_S = float(2 ** 63)


def _raw_strings(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """`text` with each backtick string written as the same string in double quotes, and the
    (position in the new text, growth so far) after each string, to map offsets back."""
    out: list[str] = []
    shifts: list[tuple[int, int]] = []
    pos = grown = 0
    for m in _FIRST_STRINGS.finditer(text):
        if not m.group().startswith("`") or not m.group().endswith("`") or len(m.group()) < 2:
            continue
        body = m.group()[1:-1]
        quoted = '"' + body.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out.append(text[pos:m.start()])
        out.append(quoted)
        pos = m.end()
        grown += len(quoted) - len(m.group())
        shifts.append((m.end() + grown, grown))
    out.append(text[pos:])
    return "".join(out), tuple(shifts)


#: every string literal, so a backtick inside a double-quoted string is not taken for one
_FIRST_STRINGS = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?|`[^`]*`?")


_RESERVED = re.compile(r"(?<![\w:])(anchor)(ed)(?![\w:])|(?<![\w:])(smooth)(ed)(?![\w:])")


def _unreserve(text: str) -> str:
    """`anchored` and `smoothed` are names in a default Prometheus (they are modifiers only with
    the experimental extended range selectors), but keywords to promql-parser: rename them to
    names of the same length outside strings, so offsets stay."""
    out: list[str] = []
    pos = 0
    for m in _FIRST_STRINGS.finditer(text):
        out.append(_RESERVED.sub(lambda r: (r.group(1) or r.group(3)) + "_d", text[pos:m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_RESERVED.sub(lambda r: (r.group(1) or r.group(3)) + "_d", text[pos:]))
    return "".join(out)


def _unshift(offset: int | None, shifts: tuple[tuple[int, int], ...]) -> int | None:
    if offset is None or not shifts:
        return offset
    grown = 0
    for end, total in shifts:
        if offset >= end:
            grown = total
    return max(0, offset - grown)


def _number(token: str) -> float | None:
    try:
        return float(int(token, 16)) if token.lower().startswith("0x") else float(token)
    except ValueError:
        return None  # a duration (5m): durations.duration_size_error


#: what a number of 2**63 ns (the least of the limits, about 9.2e9 s) or more is written with: an
#: exponent, ten digits before the point, nine hexadecimal digits, or three digits before a unit
#: longer than a second (as promql_parse.limits_hint reasons)
_BIG_NUMBER = re.compile(r"[\d.][eE]|\d{10}|0[xX][0-9a-fA-F]{9}|\d{3}[mhdwy]")


def _beyond_limits(text: str) -> tuple[str, int] | None:
    """The first number, duration or `@` time Prometheus refuses as out of range (promql-parser
    accepts them, or wraps them around). A text without a number that large (`offset 1w`,
    `@ end()`) is not tokenized."""
    return None if _BIG_NUMBER.search(text) is None else _out_of_range(tokenize(text))


def _out_of_range(tokens: list[Token]) -> tuple[str, int] | None:
    """`_beyond_limits` of the text these are the tokens of."""
    tokens = _colons_apart(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind != "num":
            continue
        value = _number(tok.text)
        if value is None:
            problem = duration_size_error(tok.text)
            if problem is not None:
                return problem, tok.start
            continue
        if value == float("inf"):
            return f"error parsing number: {tok.text[:20]}... is out of range", tok.start
        prev = tokens[i - 1] if i else None
        if prev is not None and prev.text in ("-", "+") and i > 1:
            prev = tokens[i - 2]
        if prev is None:
            continue
        if prev.text == "@" and abs(value) >= _MAX_AT_S:
            return f"timestamp out of bounds for @ modifier: {value:f}", tok.start
        if (prev.text.lower() == "offset" or prev.text in ("[", ":")) and abs(value) >= _MAX_DURATION_S:
            return "duration out of range", tok.start
    return None


#: what the tokenizer reads as a name, which in brackets is a subquery's colon and its step (`x[5m:1e19]`)
_COLON_NUMBER = re.compile(r":(" + NUMBER_TOKEN + ")")


def _colons_apart(tokens: list[Token]) -> list[Token]:
    """`tokens` with each name that is a colon and a number (`:1e19`, `:300y`) as those two tokens."""
    if not any(tok.kind == "ident" and tok.text.startswith(":") for tok in tokens):
        return tokens
    out: list[Token] = []
    for tok in tokens:
        number = _COLON_NUMBER.fullmatch(tok.text) if tok.kind == "ident" else None
        if number is None:
            out.append(tok)
        else:
            out += (Token("op", ":", tok.start, tok.start + 1), Token("num", number.group(1), tok.start + 1, tok.end))
    return out


#: what promql-parser misreads where Prometheus reads it: a part of a duration of ten digits or
#: more, which promql-parser may read as a 32-bit number (`x[4294967296ms]`, 50 days: "duration
#: must be greater than 0") or wrap around; a number of digits led by 0 with an exponent
#: (`0e0`, `01e3`), which promql-parser reads as an octal integer ("can't be parsed into i64")
#: and Prometheus, failing that, as a float
_LONG_DURATION_PART = re.compile(r"[0-9]{10}(?:ms|[smhdwy])")
_MISREAD = re.compile(_LONG_DURATION_PART.pattern + r"|(?<![\w.])0[0-9]*[eE]")
_OCTAL_LOOKING_FLOAT = re.compile(r"0[0-9]*[eE][+-]?[0-9]+")


def _misread_rewritten(text: str) -> str | None:
    """`text`, which promql-parser refused, with each token it misreads (`_MISREAD`) written as
    `1s` (a duration) or `1` (a number) and blanks, so offsets stay: parsed so, the rest of the
    query gets the parser's verdict, and those tokens get Prometheus's from the limits check,
    which reads the text as written. None where the text has no such token."""
    if _MISREAD.search(text) is None:
        return None
    pieces: list[str] = []
    pos = 0
    for tok in _colons_apart(tokenize(text)):
        if tok.kind != "num":
            continue
        if _OCTAL_LOOKING_FLOAT.fullmatch(tok.text):
            readable = "1"
        elif PROMETHEUS_DURATION.fullmatch(tok.text) and _LONG_DURATION_PART.search(tok.text):
            readable = "1s"
        else:
            continue
        pieces += (text[pos:tok.start], readable.ljust(tok.end - tok.start))
        pos = tok.end
    return "".join(pieces) + text[pos:] if pieces else None


#: a `+` that can only be a sign: first in the text, or after an opening bracket, a comma, an
#: operator or a set operator's keyword
_UNARY_PLUS = re.compile(r"(?:^|[(\[{,+\-*/%^=<>~!]|(?<![\w:])(?:and|or|unless|atan2|bool))\s*(\+)",
                         re.IGNORECASE)


def _unary_plus_refusal(text: str) -> tuple[str, int] | None:
    """Prometheus's refusal of a unary `+` before what is neither a scalar nor an instant vector
    (`rate(+x[5m])`), which promql-parser drops (where it refuses `-x[5m]`), and its offset: each
    such `+` written as `-`, which the parser judges alike, one at a time. Only the unary
    operator's refusal counts: what else the `-` may change (a sign in a string) is no finding."""
    for m in _UNARY_PLUS.finditer(text):
        at = m.start(1)
        try:
            parse(text[:at] + "-" + text[at + 1:])
        except PARSE_ERRORS as exc:
            if str(exc).startswith("unary expression only allowed"):
                return str(exc), at
    return None


def _matcher_name(vs: pp.VectorSelector) -> str | None:
    """The metric name of a selector written `{__name__="x"}` (the parser leaves `name` empty)."""
    for m in vs.matchers.matchers:
        if m.name == "__name__" and m.op == pp.MatchOp.Equal:
            return m.value
    return None


_VS, _MS, _CALL, _AGG, _BIN = pp.VectorSelector, pp.MatrixSelector, pp.Call, pp.AggregateExpr, pp.BinaryExpr
_PAREN, _UNARY, _SUBQUERY, _NUMBER, _STRING = pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr, pp.NumberLiteral, \
    pp.StringLiteral
_EXPR, _BY = pp.Expr, pp.AggModifierType.By
_MANY_TO_ONE, _ONE_TO_MANY = pp.VectorMatchCardinality.ManyToOne, pp.VectorMatchCardinality.OneToMany
_ONE_TO_ONE = pp.VectorMatchCardinality.OneToOne
#: the binary operators that take a number on either side of a series (Analysis.numbers_fit)
_NUMBER_OPERATORS = frozenset({"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<="})
_INCLUDE = pp.LabelModifierType.Include
#: aggregations that keep the series they select, labels and all
_SELECTING = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
#: functions whose result labels follow their own rule (`_Walker.function_labels`), besides scalar ones
_OWN_LABELS = frozenset({"info", "histogram_quantile", "label_replace", "label_join", "vector", "time", "scalar",
                         "pi", "absent", "absent_over_time"})


class _Function(NamedTuple):
    """What the walk needs of a function, worked out once per name: the parser builds a new
    Function object (and return type) on every access, and one tuple unpacked replaces the
    handful of set lookups a call would otherwise make."""

    returns: str
    counts: bool          # a counter under it is meaningful (COUNTER_FUNCTIONS, COUNTER_NEUTRAL_FUNCTIONS)
    rate_fn: str | None   # its name, if rate-like (Selector.in_rate)
    histogram: bool       # histogram_*(): its selectors may be native histograms
    own_labels: bool      # its result labels are not its first series argument's


_FUNCTIONS: dict[str, _Function] = {}


def _function(func: pp.Function, name: str) -> _Function:
    returns = _VT.get(str(func.return_type), VECTOR)
    found = _FUNCTIONS[name] = _Function(
        returns, name in COUNTER_FUNCTIONS or name in COUNTER_NEUTRAL_FUNCTIONS,
        name if name in _RATE_LIKE else None, name.startswith("histogram_"),
        name in _OWN_LABELS or returns == SCALAR)
    return found


class _Walker:
    """One depth-first pass computing result type, label set and selector context.

    Every attribute of a promql-parser node is built anew when read (a Rust value turned into
    Python objects), so each is read once, and only where its answer can matter."""

    # what most queries leave as they are: class attributes until a query sets them
    no_le: tuple[str, ...] = ()
    interval_calls: tuple[str, ...] = ()
    histogram_depth = 0
    #: what Prometheus refuses after parsing and promql-parser lets through
    invalid: str | None = None
    numbers_fit = True  # Analysis.numbers_fit

    def __init__(self) -> None:
        self.selectors: list[Selector] = []
        self.names: dict[str, None] = {}                # Analysis.metric_names
        self.rated: dict[str, tuple[str, str]] = {}     # Analysis.rated, by metric

    def visit(self, node: Any, wrapped: bool, rate_fn: str | None = None) -> tuple[str, Labels]:
        # `node` is a pp.Expr; dispatch is on the exact type (`type(node) is ...` is the hot
        # path: isinstance chains cost more here), which a type checker cannot narrow: Any
        t = type(node)
        if t is _CALL:
            return self.call(node, wrapped)
        if t is _AGG:
            return self.aggregate(node, wrapped)
        if t is _MS:
            self.selector(node.vector_selector, wrapped, rate_fn)
            return MATRIX, ANY
        if t is _VS:
            self.selector(node, wrapped, rate_fn)
            return VECTOR, ANY
        if t is _BIN:
            return self.binary(node, wrapped)
        if t is _NUMBER:
            return SCALAR, NONE
        if t is _PAREN or t is _UNARY:
            return self.visit(node.expr, wrapped, rate_fn)
        if t is _STRING:
            return STRING_T, NONE
        if t is _SUBQUERY:
            _, labels = self.visit(node.expr, wrapped)
            return MATRIX, labels
        return VECTOR, ANY  # unknown node kinds: assume the least

    def selector(self, vs: pp.VectorSelector, wrapped: bool, rate_fn: str | None) -> None:
        name = vs.name or _matcher_name(vs)
        if not name:
            return
        histogram = self.histogram_depth > 0
        self.selectors.append(tuple.__new__(Selector, (name, wrapped, rate_fn, histogram)))
        self.names[name] = None
        # Analysis.rated: the first use of a metric under rate(), irate() or increase() directly
        if rate_fn in _COUNTER_RATES and not histogram and name not in self.rated and STRING not in name:
            self.rated[name] = (rate_fn, name)

    def call(self, node: pp.Call, wrapped: bool) -> tuple[str, Labels]:
        func = node.func
        name = func.name
        rtype, counts, rate_fn, histogram, own_labels = _FUNCTIONS.get(name) or _function(func, name)
        args = node.args
        inner_wrapped = wrapped or counts
        labels: Labels | None = None   # the first series argument's
        if histogram:
            self.histogram_depth += 1
        for arg in args:
            # the arguments most calls have are handled in place: a range (rate(x[5m])) and
            # literals (label_replace's strings, quantiles), which carry no series
            t = type(arg)
            if t is _MS:
                if rate_fn is not None and arg.range == _INTERVAL:
                    self.interval_calls += (name,)
                self.selector(arg.vector_selector, inner_wrapped, rate_fn)
                if labels is None:
                    labels = ANY
            elif t is not _STRING and t is not _NUMBER:
                atype, alabels = self.visit(arg, inner_wrapped, rate_fn)
                if labels is None and (atype is VECTOR or atype is MATRIX):
                    labels = alabels
        if histogram:
            self.histogram_depth -= 1
        if own_labels:
            return rtype, self.function_labels(name, rtype, args, labels or NONE)
        return rtype, labels or NONE

    def function_labels(self, name: str, rtype: str, args: list[pp.Expr], labels: Labels) -> Labels:
        """The labels of a function's result where they are not its first series argument's."""
        if name == "info" and len(args) == 2 and (type(args[1]) is not _VS or args[1].name):
            self.invalid = "info(): expected label selectors only as the second argument"
        if name == "histogram_quantile" and len(args) == 2:
            self.check_le(args[1])
            return _without(labels, {"le"})
        if name in ("label_replace", "label_join") and len(args) >= 2 and type(args[1]) is _STRING:
            return _with(labels, args[1].val)
        if name in ("vector", "time", "scalar", "pi") or rtype == SCALAR:
            return NONE
        if name in ("absent", "absent_over_time", "info"):
            return ANY
        return labels

    def aggregate(self, node: pp.AggregateExpr, wrapped: bool) -> tuple[str, Labels]:
        op = str(node.op)
        param = node.param
        if param is not None and isinstance(param, _EXPR):
            self.visit(param, True)
        _, inner = self.visit(node.expr, wrapped or op in COUNTING_AGGREGATIONS)
        if op in _SELECTING:
            return VECTOR, inner
        mod = node.modifier
        if mod is None:
            labels = NONE
        elif mod.type == _BY:
            labels = tuple.__new__(Labels, (True, frozenset(mod.labels)))
        else:
            labels = _without(inner, set(mod.labels))
        if op == "count_values" and type(param) is _STRING:
            labels = _with(labels, param.val)
        return VECTOR, labels

    def binary(self, node: pp.BinaryExpr, wrapped: bool) -> tuple[str, Labels]:
        op = str(node.op)  # promql-parser writes every operator in lower case (`AND` as "and")
        lhs, rhs = node.lhs, node.rhs
        # a difference of two counters (allocations - frees) is a gauge, meaningful raw
        difference = op == "-" and _is_series(lhs) and _is_series(rhs)
        ltype, llab = self.visit(lhs, wrapped or difference)
        # the right side of and/unless only filters the left side: its values never show
        rtype, rlab = self.visit(rhs, wrapped or difference or op in ("and", "unless"))
        if type(lhs) is _VS or type(rhs) is _VS:
            self.number_operands(node, op, lhs, rhs, ltype, rtype)
        if ltype == SCALAR and rtype == SCALAR:
            return SCALAR, NONE
        if ltype == SCALAR:
            return VECTOR, rlab
        if rtype == SCALAR:
            return VECTOR, llab
        if op in ("and", "unless"):
            return VECTOR, llab
        if op == "or":
            return VECTOR, _union(llab, rlab)
        mod = node.modifier
        matching = None
        if mod is not None:
            card = mod.card
            if card == _MANY_TO_ONE or card == _ONE_TO_MANY:
                many = llab if card == _MANY_TO_ONE else rlab
                extra = frozenset(mod.group_labels or ())
                return VECTOR, _with(many, *extra)
            matching = mod.matching
            if matching is not None and matching.type == _INCLUDE:
                return VECTOR, Labels(True, frozenset(matching.labels))
        base = llab if llab.closed else rlab if rlab.closed else Labels(False, llab.names | rlab.names)
        if matching is not None:
            base = _without(base, set(matching.labels))
        return VECTOR, base

    def number_operands(self, node: pp.BinaryExpr, op: str, lhs: Any, rhs: Any, ltype: str, rtype: str) -> None:
        """Analysis.numbers_fit, for a binary operation with a selector operand."""
        left = type(lhs) is _VS and IDENT_MARK in (lhs.name or "")
        right = type(rhs) is _VS and IDENT_MARK in (rhs.name or "")
        if not (left or right):
            return
        mod = node.modifier
        if (left and right or op not in _NUMBER_OPERATORS or (rtype if left else ltype) is not VECTOR
                or mod is not None and not (mod.matching is None and mod.card == _ONE_TO_ONE
                                            and mod.fill_values.lhs is None and mod.fill_values.rhs is None)):
            self.numbers_fit = False

    def check_le(self, arg: pp.Expr) -> None:
        """`histogram_quantile(φ, agg(...))` needs `le` to survive the aggregation."""
        while type(arg) is pp.ParenExpr:
            arg = arg.expr
        if type(arg) is not pp.AggregateExpr:
            return
        op = str(arg.op)
        if op in _SELECTING:
            return
        mod = arg.modifier
        if mod is None:
            problem = f"{op}(...) without `by (le)`"
        else:
            labels = mod.labels
            if mod.type == _BY:
                if "le" in labels or any(IDENT_MARK in n for n in labels):
                    return
                problem = f"{op} by ({', '.join(labels)})"
            elif "le" in labels:
                problem = f"{op} without ({', '.join(labels)})"
            else:
                return
        # only then the selectors (`by (le)` is the rule: most queries stop above)
        names: list[str] = []
        _collect_names(arg.expr, names)
        if any(n.endswith("_bucket") for n in names):  # native histograms carry their buckets without `le`
            self.no_le += (problem,)


def _is_series(node: pp.Expr) -> bool:
    while type(node) is pp.ParenExpr:
        node = node.expr
    return type(node) in (pp.VectorSelector, pp.AggregateExpr) or (
        type(node) is pp.Call and str(node.func.return_type) == "ValueType.Vector")


def _collect_names(node: Any, out: list[str]) -> None:
    """`node` is a pp.Expr, dispatched on its exact type as in `_Walker.visit`."""
    t = type(node)
    if t is pp.VectorSelector:
        name = node.name or _matcher_name(node)
        if name:
            out.append(name)
    elif t is pp.MatrixSelector:
        _collect_names(node.vector_selector, out)
    elif t is pp.Call:
        for a in node.args:
            _collect_names(a, out)
    elif t is pp.BinaryExpr:
        _collect_names(node.lhs, out)
        _collect_names(node.rhs, out)
    elif t in (pp.AggregateExpr, pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr):
        _collect_names(node.expr, out)


def _without(labels: Labels, names: set[str]) -> Labels:
    if labels.closed:
        return Labels(True, labels.names - names)
    return Labels(False, labels.names | names)


def _with(labels: Labels, *names: str) -> Labels:
    if any(IDENT_MARK in n or STRING in n for n in names):
        return ANY if not labels.closed else Labels(False, frozenset())
    if labels.closed:
        return Labels(True, labels.names | set(names))
    return Labels(False, labels.names - set(names))


def _union(a: Labels, b: Labels) -> Labels:
    if a.closed and b.closed:
        return Labels(True, a.names | b.names)
    if a.closed:
        return Labels(False, b.names - a.names)
    if b.closed:
        return Labels(False, a.names - b.names)
    return Labels(False, a.names & b.names)
