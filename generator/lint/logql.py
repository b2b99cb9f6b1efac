"""A small LogQL checker: a recursive-descent parser of Loki's query language.

No maintained Python LogQL parser exists, and Loki's own answer only arrives when a panel
runs. This checker follows Loki's grammar (pkg/logql/syntax/expr.y) closely enough to catch
what breaks dashboards: a missing or empty-compatible stream selector, malformed matchers,
line filters, parser stages (json, logfmt, regexp, pattern, unpack, line_format,
label_format, drop, keep, decolorize, unwrap), label filters, range and vector
aggregations with their ranges, grouping and unwrap requirements, and binary operations.
It reports the first error with its offset; it does not evaluate anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..go_regex import go_regex_error
from .tokens import TOO_DEEP, Tok, TokenCursor, tokenize

_TOKEN = re.compile(r"""
  (?P<ws>\s+|\#[^\n]*)
| (?P<str>"(?:[^"\\]|\\.)*"|`[^`]*`)
| (?P<badstr>["`])
| (?P<flag>--[a-z-]+)
| (?P<num>(?:(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?)(?:(?:ns|us|µs|ms|[smhdwy])(?:\d+(?:ns|us|µs|ms|[smhdwy]))*|[KMGTPE]i?B|B|kB)?)
| (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
| (?P<op>\|=|\|~|\|>|!=|!~|!>|=~|==|>=|<=|[|=<>,()\[\]{}+\-*/%^])
| (?P<other>.)
""", re.VERBOSE | re.DOTALL)

RANGE_AGGS = frozenset({
    "count_over_time", "rate", "rate_counter", "bytes_rate", "bytes_over_time", "absent_over_time",
    "sum_over_time", "avg_over_time", "max_over_time", "min_over_time", "first_over_time",
    "last_over_time", "stdvar_over_time", "stddev_over_time", "quantile_over_time",
})
NEEDS_UNWRAP = frozenset({
    "rate_counter", "sum_over_time", "avg_over_time", "max_over_time", "min_over_time", "first_over_time",
    "last_over_time", "stdvar_over_time", "stddev_over_time", "quantile_over_time",
})
NO_UNWRAP = frozenset({"count_over_time", "bytes_rate", "bytes_over_time"})
# Loki's RangeAggregationExpr.validate: only these keep a `by`/`without` after the range
GROUPABLE_RANGE_AGGS = frozenset({
    "avg_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time", "max_over_time",
    "min_over_time", "first_over_time", "last_over_time",
})
# vector aggregations that take no grouping at all (Loki's VectorAggregationExpr.validate)
UNGROUPED_AGGS = frozenset({"sort", "sort_desc", "approx_topk"})
SET_OPS = frozenset({"or", "and", "unless"})
VECTOR_AGGS = frozenset({"sum", "avg", "min", "max", "stddev", "stdvar", "count", "topk", "bottomk",
                         "sort", "sort_desc", "approx_topk"})
PARAM_AGGS = frozenset({"topk", "bottomk", "approx_topk"})
BINARY_PREC = {"or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, ">": 3, ">=": 3, "<": 3, "<=": 3,
               "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "^": 6}
LINE_FILTERS = frozenset({"|=", "!=", "|~", "!~", "|>", "!>"})
LABEL_OPS = frozenset({"=", "!=", "=~", "!~", "==", ">", ">=", "<", "<="})
UNWRAP_FNS = frozenset({"bytes", "duration", "duration_seconds"})



_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|[smhdwy]))+$")


class LogQLError(Exception):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class LogQLResult:
    ok: bool
    is_metric: bool = False
    error: str | None = None
    offset: int | None = None
    #: (problem, offset) of each regex line filter string Go refuses: Loki's parser lets it
    #: through (its own tests parse `|~ `error\``), the query fails when it runs
    #: (pkg/logql/log/filter.go, parseRegexpFilter)
    line_regex_errors: tuple[tuple[str, int], ...] = ()


@lru_cache(maxsize=4096)
def check(query: str) -> LogQLResult:
    """Parse a LogQL query; the result says whether it is valid and where it is not. Cached by
    text: two rules read each query's result (logql-syntax, logql-line-filter-regex)."""
    try:
        parser = _Parser(query)
        kind = parser.parse()
        return LogQLResult(True, is_metric=(kind != "log"), line_regex_errors=tuple(parser.line_regex_errors))
    except LogQLError as exc:
        return LogQLResult(False, error=exc.message, offset=exc.offset)
    except RecursionError:
        return LogQLResult(False, error=TOO_DEEP, offset=0)


def forget_checks() -> None:
    """Empty the cache of checks (engine._forget_queries)."""
    check.cache_clear()


def _tokens(text: str) -> list[Tok]:
    return tokenize(_TOKEN, text, lambda kind, _: "unterminated string" if kind == "badstr" else None, LogQLError)


def _unquote(tok: Tok) -> str:
    if tok.text.startswith("`"):
        return tok.text[1:-1]
    body = tok.text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


class _Parser(TokenCursor):
    def __init__(self, text: str):
        super().__init__(text, _tokens(text))
        self.line_regex_errors: list[tuple[str, int]] = []

    # -- helpers --------------------------------------------------------------------------
    def error(self, expected: str, tok: Tok | None = None) -> LogQLError:
        tok = tok or self.tok
        found = "end of query" if tok.kind == "eof" else repr(tok.text)
        return LogQLError(f"unexpected {found}, expected {expected}", tok.start)

    def expect(self, text: str) -> Tok:
        if self.tok.text != text:
            raise self.error(repr(text))
        return self.take()

    def expect_kind(self, kind: str, what: str) -> Tok:
        if self.tok.kind != kind:
            raise self.error(what)
        return self.take()

    # -- grammar --------------------------------------------------------------------------
    def parse(self) -> str:
        if self.tok.kind == "eof":
            raise LogQLError("empty query: a stream selector such as {app=\"api\"} is required", 0)
        kind = self.expr(0)
        if self.tok.kind != "eof":
            raise self.error("end of query or an operator")
        return kind

    def expr(self, min_prec: int) -> str:
        """Precedence climbing over binary operators; the kind is "log", "metric" or "literal"."""
        start = self.tok
        kind = self.unary()
        while True:
            op = self.tok.text.lower() if self.tok.kind in ("op", "ident") else None
            prec = BINARY_PREC.get(op or "")
            if prec is None or prec < min_prec:
                return kind
            op_tok = self.take()
            if self.tok.text == "bool":
                self.take()
            if self.tok.text in ("on", "ignoring"):
                self.take()
                self.label_list()
                if self.tok.text in ("group_left", "group_right"):
                    self.take()
                    if self.tok.text == "(":
                        self.label_list()
            rhs_start = self.tok
            rhs = self.expr(prec + (0 if op == "^" else 1))
            for side, side_kind, at in (("left", kind, start), ("right", rhs, rhs_start)):
                if side_kind == "log":
                    raise LogQLError(f"a log query cannot be an operand of {op_tok.text!r}: wrap it in a "
                                     "range aggregation such as count_over_time(...[5m])", at.start)
                if side_kind == "literal" and op in SET_OPS:
                    # Loki matches series by labels for set operators; a number has none
                    raise LogQLError(f"a number cannot be the {side} operand of {op_tok.text!r}; "
                                     "use vector(...) for a constant series", at.start)
            kind = "literal" if kind == rhs == "literal" else "metric"

    def unary(self) -> str:
        tok = self.tok
        if tok.text in ("-", "+"):
            self.take()
            return self.unary()
        if tok.kind == "num":
            self.take()
            return "literal"
        if tok.text == "(":
            self.take()
            kind = self.expr(0)
            self.expect(")")
            return kind
        if tok.text == "{":
            self.log_query()
            if self.tok.text == "[":
                raise LogQLError("a range [..] needs a range aggregation around the log query, "
                                 "e.g. count_over_time({...}[5m])", self.tok.start)
            return "log"
        if tok.kind == "ident":
            name = tok.text
            if name in RANGE_AGGS:
                return self.range_aggregation()
            if name in VECTOR_AGGS:
                return self.vector_aggregation()
            if name == "label_replace":
                return self.label_replace()
            if self.peek().text in ("=", "!=", "=~", "!~"):
                raise LogQLError("a stream selector must be written in braces, e.g. "
                                 f"{{{name}{self.peek().text}\"...\"}}", tok.start)
            if name == "vector":
                self.take()
                self.expect("(")
                self.expect_kind("num", "a number")
                self.expect(")")
                return "metric"
            raise LogQLError(f"unknown function {name!r}; a LogQL query starts with a stream selector "
                             "{label=\"value\"} or a range/vector aggregation", tok.start)
        if tok.kind == "eof":
            raise self.error("a stream selector or an aggregation")
        raise self.error("a stream selector {label=\"value\"}, an aggregation or a number")

    def label_list(self) -> list[str]:
        self.expect("(")
        names = []
        while self.tok.text != ")":
            names.append(self.expect_kind("ident", "a label name").text)
            if self.tok.text == ",":
                self.take()
            elif self.tok.text != ")":
                raise self.error("',' or ')'")
        self.take()
        return names

    def grouping(self) -> None:
        if self.tok.text in ("by", "without"):
            self.take()
            self.label_list()

    def range_aggregation(self) -> str:
        """A range aggregation over a log range, which Loki accepts in several orders: the range
        after the pipeline (`{..} |= "x" [5m]`), right after the selector with the pipeline
        following it (`{..}[5m] |= "x"`), or after a parenthesised log query."""
        name_tok = self.take()
        name = name_tok.text
        self.expect("(")
        if name == "quantile_over_time":
            self.expect_kind("num", "a quantile such as 0.99")
            self.expect(",")
        parens = 0
        while self.tok.text == "(":
            self.take()
            parens += 1
        if self.tok.text != "{":
            raise self.error(f"a stream selector as the argument of {name}")
        self.selector()
        before_pipeline = self.i
        unwrapped = self.pipeline(allow_unwrap=True)
        bare_selector = self.i == before_pipeline
        for _ in range(parens):
            self.expect(")")
        if self.tok.text != "[":
            raise self.error(f"a range such as [5m] after the log query in {name}")
        self.range_and_offset()
        if bare_selector and not parens:
            unwrapped = self.pipeline(allow_unwrap=True)
        self.expect(")")
        if name in NEEDS_UNWRAP and not unwrapped:
            raise LogQLError(f"{name} needs an unwrapped label: add `| unwrap <label>` to the log query",
                             name_tok.start)
        if name in NO_UNWRAP and unwrapped:
            raise LogQLError(f"{name} counts log lines and cannot use `| unwrap`", name_tok.start)
        if self.tok.text in ("by", "without"):
            if name not in GROUPABLE_RANGE_AGGS:
                raise LogQLError(f"grouping is not allowed after {name}(...); "
                                 "use sum by (...) (...) around it", self.tok.start)
            self.grouping()
        return "metric"

    def range_and_offset(self) -> None:
        self.expect("[")
        if self.tok.kind != "num" or not _DURATION.match(self.tok.text):
            raise self.error("a duration such as 5m")
        self.take()
        self.expect("]")
        if self.tok.text == "offset":
            self.take()
            if self.tok.text == "-":  # a negative offset looks ahead in time; Loki accepts it
                self.take()
            if self.tok.kind != "num" or not _DURATION.match(self.tok.text):
                raise self.error("a duration after offset")
            self.take()

    def vector_aggregation(self) -> str:
        name_tok = self.take()
        name = name_tok.text
        self.vector_grouping(name)
        self.expect("(")
        if name in PARAM_AGGS:
            param = self.expect_kind("num", f"the number of series for {name}")
            # Loki reads the parameter with strconv.Atoi and requires it to be positive
            if not param.text.isdigit() or int(param.text) <= 0:
                raise LogQLError(f"the parameter of {name} must be a whole number greater than 0",
                                 param.start)
            self.expect(",")
        start = self.tok
        kind = self.expr(0)
        if kind == "log":
            raise LogQLError(f"{name}(...) needs a metric query: wrap the log query in a range aggregation "
                             "such as count_over_time(...[5m])", start.start)
        self.expect(")")
        self.vector_grouping(name)
        return "metric"

    def vector_grouping(self, name: str) -> None:
        if self.tok.text in ("by", "without") and name in UNGROUPED_AGGS:
            raise LogQLError(f"{name} does not allow grouping by labels", self.tok.start)
        self.grouping()

    def label_replace(self) -> str:
        self.take()
        self.expect("(")
        start = self.tok
        if self.expr(0) == "log":
            raise LogQLError("label_replace needs a metric query", start.start)
        for n in range(4):
            self.expect(",")
            tok = self.expect_kind("str", "a string")
            if n == 3:  # the regex, which Loki compiles when it parses the query
                error = go_regex_error(_unquote(tok))
                if error:
                    raise LogQLError(f"invalid regex in label_replace: {error}", tok.start)
        self.expect(")")
        return "metric"

    # -- log queries ----------------------------------------------------------------------
    def log_query(self, allow_unwrap: bool = False) -> bool:
        """Stream selector and pipeline; returns whether an `unwrap` stage was seen."""
        self.selector()
        return self.pipeline(allow_unwrap)

    def pipeline(self, allow_unwrap: bool) -> bool:
        """Line filters and `| stage`s; returns whether an `unwrap` stage was seen."""
        unwrapped = False
        while True:
            tok = self.tok
            if tok.text in LINE_FILTERS:
                self.line_filter()
            elif tok.text == "|":
                self.take()
                if self.stage(allow_unwrap):
                    unwrapped = True
            else:
                return unwrapped

    def selector(self) -> None:
        open_tok = self.expect("{")
        matchers: list[tuple[str, str, str]] = []
        while self.tok.text != "}":
            name = self.expect_kind("ident", "a label name in the stream selector")
            if self.tok.text not in ("=", "!=", "=~", "!~"):
                raise self.error("a matcher operator (=, !=, =~, !~)")
            op = self.take().text
            value_tok = self.tok
            if value_tok.kind != "str":
                raise self.error("a quoted label value")
            self.take()
            value = _unquote(value_tok)
            if op in ("=~", "!~"):
                self.check_regex(value, value_tok)
            matchers.append((name.text, op, value))
            if self.tok.text == ",":
                self.take()
            elif self.tok.text != "}":
                raise self.error("',' or '}' in the stream selector")
        self.take()
        if not matchers:
            raise LogQLError("the stream selector {} selects nothing: name at least one label, "
                             "e.g. {service_name=\"api\"}", open_tok.start)
        if not any(_selective(op, value) for _, op, value in matchers):
            raise LogQLError("the stream selector needs at least one = or =~ matcher that cannot match "
                             "the empty string (e.g. app=~\".+\", not app=~\".*\")", open_tok.start)

    def check_regex(self, value: str, tok: Tok) -> None:
        error = go_regex_error(value)
        if error:
            raise LogQLError(f"invalid regular expression {value!r}: {error}", tok.start)

    def line_filter(self) -> None:
        regex = self.take().text in ("|~", "!~")
        self.filter_value(regex)
        while self.tok.text == "or":
            self.take()
            self.filter_value(regex)

    def filter_value(self, regex: bool) -> None:
        if self.tok.kind == "str":
            tok = self.take()
            if regex:
                value = _unquote(tok)
                error = go_regex_error(value)
                if error:
                    self.line_regex_errors.append((f"invalid regular expression {value!r}: {error}", tok.start))
            return
        if self.tok.text == "ip":
            self.take()
            self.expect("(")
            self.expect_kind("str", "an IP address or range in quotes")
            self.expect(")")
            return
        raise self.error("a quoted string after the line filter")

    def stage(self, allow_unwrap: bool) -> bool:
        tok = self.tok
        name = tok.text
        if tok.text == "(":  # a label filter that starts with a parenthesised group
            self.label_filter()
            return False
        if tok.kind != "ident":
            raise self.error("a parser (json, logfmt, regexp, pattern, unpack), line_format, label_format, "
                             "drop, keep, unwrap or a label filter after '|'")
        if name in ("json", "logfmt"):
            self.take()
            while self.tok.kind == "flag":
                if name != "logfmt" or self.tok.text not in ("--strict", "--keep-empty"):
                    raise LogQLError(f"unknown flag {self.tok.text!r} for {name}", self.tok.start)
                self.take()
            if self.tok.kind == "ident":
                self.extraction_params()
            return False
        if name in ("regexp", "pattern"):
            self.take()
            value_tok = self.expect_kind("str", f"a quoted expression after {name}")
            value = _unquote(value_tok)
            if name == "regexp":
                self.check_regex(value, value_tok)
                if "(?P<" not in value and "(?<" not in value:
                    raise LogQLError("regexp needs at least one named capture group (?P<name>...)",
                                     value_tok.start)
            elif not re.search(r"<(?!_>)[A-Za-z_][A-Za-z0-9_]*>", value):
                raise LogQLError("pattern needs at least one named capture such as <status>", value_tok.start)
            return False
        if name in ("unpack", "decolorize"):
            self.take()
            return False
        if name == "line_format":
            self.take()
            self.expect_kind("str", "a quoted template after line_format")
            return False
        if name == "label_format":
            self.take()
            while True:
                self.expect_kind("ident", "a label name")
                self.expect("=")
                if self.tok.kind not in ("str", "ident"):
                    raise self.error("a quoted template or a label name")
                self.take()
                if self.tok.text != ",":
                    return False
                self.take()
        if name in ("drop", "keep"):
            self.take()
            while True:
                self.expect_kind("ident", f"a label name after {name}")
                if self.tok.text in ("=", "!=", "=~", "!~"):
                    self.take()
                    self.expect_kind("str", "a quoted value")
                if self.tok.text != ",":
                    return False
                self.take()
        if name == "distinct":
            self.take()
            self.expect_kind("ident", "a label name")
            while self.tok.text == ",":
                self.take()
                self.expect_kind("ident", "a label name")
            return False
        if name == "unwrap":
            if not allow_unwrap:
                raise LogQLError("unwrap is only valid inside a range aggregation such as "
                                 "sum_over_time(... | unwrap x [5m])", tok.start)
            self.take()
            if self.tok.text in UNWRAP_FNS and self.peek().text == "(":
                self.take()
                self.take()
                self.expect_kind("ident", "a label name")
                self.expect(")")
            else:
                self.expect_kind("ident", "a label name after unwrap")
            # an unwrap may be followed by a label filter on __error__ etc.
            return True
        self.label_filter()
        return False

    def extraction_params(self) -> None:
        while True:
            self.expect_kind("ident", "a label name")
            if self.tok.text == "=":
                self.take()
                self.expect_kind("str", "a quoted JSON path or logfmt key")
            if self.tok.text != ",":
                return
            self.take()

    def label_filter(self) -> None:
        self.label_predicate_or()

    def label_predicate_or(self) -> None:
        self.label_predicate_and()
        while self.tok.text == "or":
            self.take()
            self.label_predicate_and()

    def label_predicate_and(self) -> None:
        self.label_predicate()
        while True:
            if self.tok.text in ("and", ","):
                self.take()
                self.label_predicate()
            elif self.tok.kind == "ident" and self.tok.text not in ("or", "by", "without", "offset") \
                    and self.peek().text in LABEL_OPS:
                self.label_predicate()  # whitespace means "and"
            elif self.tok.text == "(" and self._paren_is_predicate():
                self.label_predicate()
            else:
                return

    def _paren_is_predicate(self) -> bool:
        nxt = self.peek()
        return nxt.kind == "ident" and self.peek(2).text in LABEL_OPS

    def label_predicate(self) -> None:
        if self.tok.text == "(":
            self.take()
            self.label_predicate_or()
            self.expect(")")
            return
        name = self.expect_kind("ident", "a label filter such as status >= 400")
        op_tok = self.tok
        if op_tok.text not in LABEL_OPS:
            raise self.error(f"a comparison after label {name.text!r} (=, !=, =~, !~, ==, >, >=, <, <=)")
        self.take()
        value = self.tok
        if op_tok.text in ("=~", "!~"):
            self.expect_kind("str", "a quoted regular expression")
            self.check_regex(_unquote(value), value)
            return
        if value.text == "ip" and op_tok.text in ("=", "!="):
            self.take()
            self.expect("(")
            self.expect_kind("str", "an IP address or range in quotes")
            self.expect(")")
            return
        if op_tok.text in ("=", "!=") and value.kind == "str":
            self.take()
            return
        if value.kind == "num" or (value.text == "-" and self.peek().kind == "num"):
            if value.text == "-":
                self.take()
            self.take()
            return
        if value.kind == "str" and op_tok.text not in ("=", "!="):
            raise LogQLError(f"{op_tok.text} compares numbers, durations or bytes; {value.text} is a string",
                             value.start)
        raise self.error("a value (quoted string, number, duration such as 10s, or bytes such as 20MB)")


def _selective(op: str, value: str) -> bool:
    """Whether a matcher excludes the empty string, as Loki requires of at least one matcher."""
    if op == "=":
        return value != ""
    if op == "=~":
        try:
            return re.fullmatch(value, "") is None
        except re.error:
            return True
    return False
