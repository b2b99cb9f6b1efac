"""A TraceQL checker: a recursive-descent parser of Tempo's query language.

Grafana only reports a broken TraceQL query when a panel runs it. This module follows Tempo's
grammar (pkg/traceql/expr.y and lexer.go) closely enough to refuse what Tempo refuses:

- spanset filters `{ ... }` over field expressions: statics (strings, integers, floats,
  durations, true/false/nil, status and kind enums), intrinsics (`duration`, `name`,
  `status`, ...), scoped intrinsics (`span:`, `trace:`, `event:`, `link:`,
  `instrumentation:`), attributes (`.a`, `span.a`, `resource.a`, `parent.span.a`, quoted
  names), unary and binary operators with Tempo's precedence;
- spanset operators (`&&`, `||`, `>`, `>>`, `<`, `<<`, `~` and their `!`/`&` forms), wrapped
  pipelines combined with them, scalar filters (`count() > 2`, `avg(duration) > 1s`),
  `by(...)`, `select(...)`, `coalesce()`;
- metrics pipelines (`rate()`, `count_over_time()`, `*_over_time(x)`,
  `quantile_over_time(x, q...)`, `histogram_over_time(x)`, `compare({...})`, `by (...)`),
  second stages (`topk(n)`, `bottomk(n)`), filters on series, arithmetic between
  parenthesised metrics queries, and `with(...)` hints.

Beyond the grammar it applies Tempo's validation (ast_validate.go, which runs on the parsed
query before Tempo executes it; errors from it carry `stage="validate"`) where it is certain from
the text: operand types where both are known (statics and intrinsics; an attribute's type is
only known at run time, so anything involving one passes), a filter that must be a condition,
`= nil`, the unsupported `parent` scope, aggregates of numbers that reference the span, scalar
filters of one aggregate against a value, Go (RE2) regex validity, `by` needing a span field,
`topk`/`bottomk` counts, and what `compare()` cannot be followed by.

Grafana template variables (`$var`, `${var}`, `${var:fmt}`, `[[var]]`) stand for values and
are accepted wherever a value may be; a query that is only a trace id or a variable is a trace
lookup, not TraceQL (see `is_trace_lookup`). Parsing backtracks between the grammar's
alternatives; the error reported is the one that got furthest into the query.
"""

from __future__ import annotations

import re
from typing import Callable, NoReturn

from ..go_regex import go_regex_error
from .tokens import TOO_DEEP, Tok, TokenCursor, tokenize

__all__ = ["TraceQLError", "check", "is_trace_lookup"]

_VARIABLE = r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\[\[[^\]]*\]\]"
_TRACE_LOOKUP = re.compile(rf"\s*(?:[0-9a-fA-F]{{16,32}}|{_VARIABLE})\s*")
_VARIABLE_IN_STRING = re.compile(_VARIABLE)

# a character that may be part of an unquoted attribute name (Tempo's lexer: isAttributeRune)
_ATTR_RUNE = r"[^\s{}()=~!<>&|^,\"]"
_DURATION_UNIT = r"(?:ns|us|µs|ms|s|m|h)"
_TOKEN = re.compile(rf"""
  (?P<ws>\s+)
| (?P<var>{_VARIABLE})
| (?P<str>"(?:[^"\\]|\\.)*"|`[^`]*`)
| (?P<badstr>["`])
| (?P<dur>(?:\d+(?:\.\d*)?|\.\d+){_DURATION_UNIT}(?:(?:\d+(?:\.\d*)?){_DURATION_UNIT})*(?![A-Za-z0-9_]))
| (?P<float>(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.])|\d+[eE][+-]?\d+(?![A-Za-z0-9_]))
| (?P<int>\d+(?![A-Za-z0-9_.]))
| (?P<sintr>(?:span|trace|event|link|instrumentation):[A-Za-z]+)
| (?P<attr>(?:(?:parent\.)?(?:span|resource)\.|(?:parent|event|link|instrumentation)\.|\.)
           (?:"(?:[^"\\]|\\.)*"|{_ATTR_RUNE})+)
| (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
| (?P<op>&>>|&<<|!>>|!<<|&&|\|\||>>|<<|>=|<=|!=|=~|!~|&>|&<|&~|!>|!<|==|[{{}}()\[\],|=<>!~+\-*/%^:.&])
| (?P<other>.)
""", re.VERBOSE | re.DOTALL)

STATICS = {"true": "bool", "false": "bool", "nil": "nil", "ok": "status", "error": "status",
           "unset": "status", "unspecified": "kind", "internal": "kind", "server": "kind",
           "client": "kind", "producer": "kind", "consumer": "kind",
           # Tempo's lexer reads these as the extreme int64 values
           "maxInt": "int", "minInt": "int"}
# intrinsic → its type; None where Tempo resolves it at run time
INTRINSICS: dict[str, str | None] = {
    "duration": "duration", "childCount": "int", "name": "string", "status": "status",
    "statusMessage": "string", "kind": "kind", "parent": None, "rootName": "string",
    "rootServiceName": "string", "traceDuration": "duration", "nestedSetLeft": "int",
    "nestedSetRight": "int", "nestedSetParent": "int",
}
SCOPED_INTRINSICS: dict[str, str | None] = {
    "trace:duration": "duration", "trace:rootName": "string", "trace:rootService": "string",
    "trace:id": "string", "span:duration": "duration", "span:kind": "kind", "span:name": "string",
    "span:status": "status", "span:statusMessage": "string", "span:id": "string",
    "span:parentID": "string", "span:childCount": "int", "event:name": "string",
    "event:timeSinceStart": "duration", "link:traceID": "string", "link:spanID": "string",
    "instrumentation:name": "string", "instrumentation:version": "string",
}
# the shapes of a scalar filter's sides (see _Parser.scalar_expression)
_AGGREGATE, _STATIC, _MIXED = "aggregate", "static", "mixed"
AGGREGATES = frozenset({"count", "avg", "max", "min", "sum"})
METRICS_FUNCTIONS = frozenset({"rate", "count_over_time", "min_over_time", "max_over_time", "avg_over_time",
                               "sum_over_time", "quantile_over_time", "histogram_over_time", "compare"})
SECOND_STAGES = frozenset({"topk", "bottomk"})
SPANSET_OPS = frozenset({"&&", "||", ">", "<", ">>", "<<", "~", "!>", "!<", "!>>", "!<<", "!~",
                         "&>", "&<", "&>>", "&<<", "&~"})
COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})
NUMERIC = frozenset({"int", "float", "duration"})
# field-expression binary operators by precedence, lowest first (Tempo's expr.y)
_FIELD_LEVELS = ({"&&", "||"}, {"=", "!=", "<", "<=", ">", ">=", "=~", "!~"}, {"+", "-"}, {"*", "/", "%"}, {"^"})
#: the operators whose result is a boolean: logic and comparisons
_BOOLEAN_OPS = frozenset(_FIELD_LEVELS[0] | _FIELD_LEVELS[1])



class TraceQLError(Exception):
    """A query Tempo refuses: `message` says why, `offset` is the character where it goes wrong,
    `stage` which of Tempo's steps refuses it: "parse" (pkg/traceql/parse.go, the grammar) or
    "validate" (ast_validate.go, run on the parsed query before Tempo executes it)."""

    def __init__(self, message: str, offset: int, stage: str = "parse"):
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset
        self.stage = stage


class _Fail(Exception):
    """Internal: one alternative of the grammar did not match."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.message = message
        self.index = index


def is_trace_lookup(text: str) -> bool:
    """A bare trace id (16 to 32 hex digits) or a lone Grafana variable such as `${traceId}`:
    Grafana's Tempo data source looks the trace up instead of running TraceQL."""
    return bool(_TRACE_LOOKUP.fullmatch(text))


def check(text: str) -> TraceQLError | None:
    """The first error Tempo would report for `text`, or None when it accepts the query
    (a trace lookup is accepted: it is not TraceQL)."""
    if is_trace_lookup(text):
        return None
    try:
        toks = _tokens(text)
    except TraceQLError as exc:
        return exc
    try:
        return _Parser(text, toks).parse()
    except RecursionError:
        return TraceQLError(TOO_DEEP, 0)


def _tokens(text: str) -> list[Tok]:
    return tokenize(_TOKEN, text, _problem, TraceQLError)


def _problem(kind: str, text: str) -> str | None:
    """What Tempo's lexer refuses in one token."""
    if kind == "badstr":
        return "unterminated string"
    if kind == "other":
        return f"unexpected character {text!r}"
    if kind == "str" and text.startswith('"') and _bad_escape(text[1:-1]):
        return f"invalid escape sequence in string {text}"
    if kind == "int" and int(text) >= 2 ** 63:
        return f"integer {text} is out of range"
    return None


def _bad_escape(body: str) -> bool:
    """Whether a double-quoted string has an escape Go's strconv.Unquote refuses."""
    return bool(re.search(r"\\(?![abfnrtv\\'\"]|[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})",
                          body.replace("\\\\", "")))


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text[1:-1])


def _article(kind: str | None) -> str:
    return f"an {kind}" if kind and kind[0] in "aeiou" else f"a {kind}"


def _is_numeric(kind: str | None) -> bool:
    return kind is None or kind in NUMERIC


class _Parser(TokenCursor):
    def __init__(self, text: str, toks: list[Tok]):
        super().__init__(text, toks)
        self.furthest = _Fail("unexpected input", 0)

    # -- machinery ----------------------------------------------------------------------
    def fail(self, expected: str, index: int | None = None) -> NoReturn:
        index = self.i if index is None else index
        tok = self.toks[index]
        found = "end of query" if tok.kind == "eof" else repr(tok.text)
        raise self.record(_Fail(f"unexpected {found}, expected {expected}", index))

    def invalid(self, message: str, tok: Tok) -> NoReturn:
        """A validation error: the construct parsed but Tempo's validation refuses it. It is
        raised at once, ending the parse: the alternatives of the grammar all read the
        construct the same way, so none of them could accept it."""
        raise TraceQLError(message, tok.start, "validate")

    def record(self, fail: _Fail) -> _Fail:
        if fail.index >= self.furthest.index:
            self.furthest = fail
        return fail

    def expect(self, text: str) -> Tok:
        if self.tok.text != text or self.tok.kind in ("str", "attr"):
            self.fail(repr(text))
        return self.take()

    def attempt(self, *alternatives: Callable[[], None]) -> None:
        """The first alternative that parses; the position is restored between tries."""
        start = self.i
        for alternative in alternatives:
            try:
                alternative()
                return
            except _Fail:
                self.i = start
        raise self.furthest

    # -- root -----------------------------------------------------------------------------
    def parse(self) -> TraceQLError | None:
        if self.tok.kind == "eof":
            return TraceQLError("empty query: a TraceQL query starts with a spanset filter such as { }", 0)
        try:
            self.attempt(self.metrics_root, self.spanset_root, self.scalar_pipeline_filter_root)
        except _Fail as fail:
            return TraceQLError(fail.message, self.toks[fail.index].start)
        except TraceQLError as exc:
            return exc
        return None

    def end(self) -> None:
        self.hints()
        if self.tok.kind != "eof":
            self.fail("end of query")

    def hints(self) -> None:
        if self.tok.text != "with":
            return
        self.take()
        self.expect("(")
        while True:
            if self.tok.kind != "ident":
                self.fail("a hint name")
            self.take()
            self.expect("=")
            if self.tok.text == "-":
                self.take()
            if self.tok.kind not in ("str", "int", "float", "dur", "var") and self.tok.text not in ("true", "false"):
                self.fail("a hint value")
            self.take()
            if self.tok.text != ",":
                break
            self.take()
        self.expect(")")

    def spanset_root(self) -> None:
        self.attempt(self.spanset_pipeline_expression_then_end, self.spanset_pipeline_then_end)

    def spanset_pipeline_then_end(self) -> None:
        self.spanset_pipeline()
        self.end()

    def spanset_pipeline_expression_then_end(self) -> None:
        self.spanset_pipeline_expression()
        self.end()

    # -- spanset pipelines --------------------------------------------------------------
    def spanset_pipeline_expression(self) -> None:
        """Wrapped pipelines joined by spanset operators: `({..} | {..}) >> ({..})`."""
        self.spanset_pipeline_operand()
        while self.tok.text in SPANSET_OPS and self.tok.kind == "op":
            self.take()
            self.spanset_pipeline_operand()

    def spanset_pipeline_operand(self) -> None:
        self.expect("(")
        self.attempt(self.wrapped_pipeline_tail, self.nested_pipeline_expression_tail)

    def wrapped_pipeline_tail(self) -> None:
        self.spanset_pipeline()
        self.expect(")")

    def nested_pipeline_expression_tail(self) -> None:
        self.spanset_pipeline_expression()
        self.expect(")")

    def spanset_pipeline(self) -> None:
        """First element, then `| element`s; stops before a `|` whose element is not a
        spanset stage (an aggregate or a metrics function belongs to the caller)."""
        self.attempt(self.scalar_filter, self.group_operation, self.select_operation, self.spanset_expression)
        while self.tok.text == "|":
            start = self.i
            self.take()
            try:
                self.attempt(self.scalar_filter, self.group_operation, self.select_operation,
                             self.coalesce_operation, self.spanset_expression)
            except _Fail:
                self.i = start
                return

    def group_operation(self) -> None:
        self.expect("by")
        self.expect("(")
        at = self.tok
        kind, references_span = self.field_expression()
        if not references_span:
            self.invalid("by(...) must group by a span field: an attribute or an intrinsic, not a constant", at)
        del kind
        self.expect(")")

    def select_operation(self) -> None:
        self.expect("select")
        self.expect("(")
        while True:
            self.field_reference("an attribute or intrinsic to select")
            if self.tok.text != ",":
                break
            self.take()
        self.expect(")")

    def coalesce_operation(self) -> None:
        self.expect("coalesce")
        self.expect("(")
        self.expect(")")

    def spanset_expression(self) -> None:
        self.spanset_atom()
        while self.tok.text in SPANSET_OPS and self.tok.kind == "op":
            self.take()
            self.spanset_atom()

    def spanset_atom(self) -> None:
        if self.tok.text == "(":
            self.take()
            self.spanset_expression()
            self.expect(")")
            return
        self.spanset_filter()

    def spanset_filter(self) -> None:
        self.expect("{")
        if self.tok.text == "}":
            self.take()
            return
        at = self.tok
        kind, _ = self.field_expression()
        self.expect("}")
        if kind not in (None, "bool"):
            # SpansetFilter.validate: the expression must resolve to a boolean (or an attribute)
            self.invalid(f"a spanset filter needs a condition that is true or false for each span, "
                         f"not {_article(kind)} value", at)

    # -- scalar filters ---------------------------------------------------------------------
    def scalar_filter(self) -> None:
        """`count() > 2`, `avg(duration) > 1s`: aggregates and numbers compared; at least
        one side needs an aggregate (`3 > 2` filters nothing and Tempo refuses it). Tempo's
        ScalarFilter.validate then runs only one aggregate compared with a value (its
        rewriter folds arithmetic of numbers into one value first)."""
        start = self.i
        left = self.scalar_expression()
        if self.tok.text not in COMPARISONS:
            self.fail("a comparison (=, !=, <, <=, >, >=) after the aggregate")
        op = self.take()
        right = self.scalar_expression()
        if _STATIC == left == right:
            self.fail("an aggregate such as count() or avg(duration)", start)
        if left != _AGGREGATE or right != _STATIC:
            self.invalid(f"Tempo only runs one aggregate compared with a value (such as count() > 2 or "
                         f"avg(duration) {op.text} 1s), not arithmetic on aggregates or two aggregates", op)

    def scalar_expression(self, level: int = 0) -> str:
        """Arithmetic over aggregates and numbers; returns its shape: _AGGREGATE (one
        aggregate alone), _STATIC (numbers only) or _MIXED."""
        ops = ({"+", "-"}, {"*", "/", "%"}, {"^"})
        if level == len(ops):
            return self.scalar_operand()
        shape = self.scalar_expression(level + 1)
        while self.tok.text in ops[level] and self.tok.kind == "op":
            self.take()
            right = self.scalar_expression(level + (1 if level < 2 else 0))
            shape = _STATIC if _STATIC == shape == right else _MIXED
        return shape

    def scalar_operand(self) -> str:
        tok = self.tok
        if tok.text == "(":
            self.take()
            shape = self.scalar_expression()
            self.expect(")")
            return shape
        if tok.text == "-" and self.peek().kind in ("int", "float", "dur"):
            self.take()
            self.take()
        elif tok.kind in ("int", "float", "dur", "var"):
            self.take()
        elif tok.text in AGGREGATES and tok.kind == "ident":
            self.aggregate()
            return _AGGREGATE
        else:
            self.fail("an aggregate such as count() or avg(duration), or a number")
        return _STATIC

    def aggregate(self) -> None:
        name = self.take().text
        if self.tok.text != "(":
            self.fail(f"'(' after {name}")
        self.take()
        if name == "count":
            self.expect(")")
            return
        if self.tok.text == ")":
            self.fail(f"a field to aggregate in {name}(...)")
        at = self.tok
        kind, references_span = self.field_expression()
        self.expect(")")
        # Aggregate.validate: a number (or an attribute) that depends on the span
        if not _is_numeric(kind):
            self.invalid(f"{name}(...) aggregates numbers or durations, not {_article(kind)}", at)
        if not references_span:
            self.invalid(f"{name}(...) must aggregate a span field such as duration or .http.response_size, "
                         f"not a constant", at)

    def scalar_pipeline_filter_root(self) -> None:
        """`({..} | count()) > ({..} | count())`: compared results of pipelines. It parses,
        but ScalarFilter.validate runs only an aggregate on the left, so Tempo refuses it."""
        at = self.tok
        self.scalar_pipeline_expression()
        if self.tok.text not in COMPARISONS:
            self.fail("a comparison after the pipeline's aggregate")
        self.take()
        start = self.i
        try:
            self.scalar_pipeline_expression()
        except _Fail:
            self.i = start
            if self.tok.text == "-" and self.peek().kind in ("int", "float", "dur"):
                self.take()
            if not (self.tok.kind in ("str", "int", "float", "dur", "var") or self.tok.text in STATICS):
                self.fail("a value or a parenthesised pipeline")
            self.take()
        self.end()
        self.invalid("Tempo does not run comparisons of whole pipelines; put the aggregate in the pipeline "
                     "instead, such as { .a } | count() > 2", at)

    def scalar_pipeline_expression(self, level: int = 0) -> bool:
        """Returns whether the expression is arithmetic between pipelines (Tempo cannot run it)."""
        ops = ({"+", "-"}, {"*", "/", "%"}, {"^"})
        if level == len(ops):
            return self.scalar_pipeline_operand()
        at = self.tok
        arithmetic = self.scalar_pipeline_expression(level + 1)
        while self.tok.text in ops[level] and self.tok.kind == "op":
            self.take()
            self.scalar_pipeline_expression(level + (1 if level < 2 else 0))
            arithmetic = True
        if arithmetic and level == 0:
            self.invalid("arithmetic between the results of pipelines is not supported by Tempo", at)
        return arithmetic

    def scalar_pipeline_operand(self) -> bool:
        self.expect("(")
        start = self.i
        try:
            self.spanset_pipeline()
            self.expect("|")
            if not (self.tok.text in AGGREGATES and self.tok.kind == "ident"):
                self.fail("an aggregate such as count()")
            self.aggregate()
            self.expect(")")
            return False
        except _Fail:
            self.i = start
        arithmetic = self.scalar_pipeline_expression()
        self.expect(")")
        return arithmetic

    # -- field expressions (inside { }) ---------------------------------------------------
    def field_expression(self, level: int = 0) -> tuple[str | None, bool]:
        """Returns the expression's type (None when only known at run time) and whether it
        refers to the span (an attribute or an intrinsic)."""
        if level == len(_FIELD_LEVELS):
            return self.field_unary()
        kind, refs = self.field_expression(level + 1)
        while self.tok.text in _FIELD_LEVELS[level] and self.tok.kind == "op":
            op_tok = self.take()
            right_start = self.tok
            # ^ is right-associative; the others are left-associative
            rkind, rrefs = self.field_expression(level + (0 if op_tok.text == "^" else 1))
            kind = self.binary_type(op_tok, kind, rkind, right_start)
            refs = refs or rrefs
        return kind, refs

    def field_unary(self) -> tuple[str | None, bool]:
        tok = self.tok
        if tok.text in ("-", "!") and tok.kind == "op":
            self.take()
            # unary operators bind tighter than + and comparisons, looser than * and ^
            kind, refs = self.field_expression(3)
            if tok.text == "-" and not _is_numeric(kind):
                self.invalid(f"unary - needs a number or a duration, not {_article(kind)}", tok)
            if tok.text == "!" and kind not in (None, "bool"):
                self.invalid(f"! needs a boolean, not {_article(kind)}", tok)
            return (kind if tok.text == "-" else "bool" if kind else None), refs
        return self.field_operand()

    def field_operand(self) -> tuple[str | None, bool]:
        tok = self.tok
        if tok.text == "(" and tok.kind == "op":
            self.take()
            result = self.field_expression()
            self.expect(")")
            return result
        self.take()
        if tok.kind == "str":
            return "string", False
        if tok.kind in ("int", "float"):
            return tok.kind, False
        if tok.kind == "dur":
            return "duration", False
        if tok.kind == "var":
            return None, False
        if tok.kind == "attr":
            self.check_attribute(tok)
            return None, True
        if tok.kind == "sintr":
            if tok.text not in SCOPED_INTRINSICS:
                self.i -= 1
                self.fail("a known intrinsic (span:name, trace:duration, event:name, ...)")
            return SCOPED_INTRINSICS[tok.text], True
        if tok.kind == "ident" and tok.text in STATICS:
            return STATICS[tok.text], False
        if tok.kind == "ident" and tok.text in INTRINSICS:
            if tok.text == "parent":
                self.invalid("the parent intrinsic is not supported by Tempo yet", tok)
            return INTRINSICS[tok.text], True
        self.i -= 1
        self.fail("a value, an intrinsic such as duration, or an attribute such as .http.method")

    def field_reference(self, what: str) -> None:
        """An attribute or an intrinsic, as select() and the *_over_time functions take."""
        tok = self.tok
        if tok.kind == "attr":
            self.check_attribute(tok)
        elif not ((tok.kind == "sintr" and tok.text in SCOPED_INTRINSICS)
                  or (tok.kind == "ident" and tok.text in INTRINSICS) or tok.kind == "var"):
            self.fail(what)
        self.take()

    def check_attribute(self, tok: Tok) -> None:
        # a scope keyword followed by a dot and nothing is a name-less attribute
        if tok.text.endswith(".") and not tok.text.endswith('".'):
            name = tok.text.rstrip(".")
            if name in ("", "span", "resource", "parent", "event", "link", "instrumentation",
                        "parent.span", "parent.resource"):
                raise self.record(_Fail("an attribute name after the dot", self.toks.index(tok)))
        if tok.text.startswith("parent."):
            # Attribute.validate refuses the parent scope
            self.invalid(f"{tok.text}: parent. attributes are not supported by Tempo yet", tok)

    def binary_type(self, op: Tok, left: str | None, right: str | None, right_tok: Tok) -> str | None:
        """Tempo's operand rules, applied where both types are known."""
        text = op.text
        if text in ("=~", "!~") and right == "string":
            pattern = _VARIABLE_IN_STRING.sub("x", _unquote(right_tok.text)) if right_tok.kind == "str" else ""
            error = go_regex_error(pattern) if right_tok.kind == "str" else None
            if error:
                self.invalid(f"invalid regular expression: {error}", right_tok)
        if text == "=" and "nil" in (left, right):
            # BinaryOperation.validate: `= nil` is unsupported (the rewriter puts nil on the right)
            self.invalid("Tempo does not support = nil; != nil (the attribute exists) is the only nil test", op)
        if left is None or right is None or "nil" in (left, right):
            # BinaryOperation.impliedType: a comparison is a boolean whatever its operands;
            # arithmetic takes the first operand type known before run time
            return "bool" if text in _BOOLEAN_OPS else left if left not in (None, "nil") else right if right != "nil" \
                else None
        if text in ("+", "-", "*", "/", "%", "^"):
            if not (left in NUMERIC and right in NUMERIC):
                self.invalid(f"{text} needs numbers or durations, not {left} and {right}", op)
            return "float" if "float" in (left, right) else left if left == right else "float"
        if text in ("&&", "||"):
            if left != "bool" or right != "bool":
                self.invalid(f"{text} needs booleans, not {left} and {right}", op)
            return "bool"
        if text in ("=~", "!~"):
            if left != "string" or right != "string":
                self.invalid(f"{text} matches strings against a regex, not {left} and {right}", op)
            return "bool"
        same = left == right or (left in NUMERIC and right in NUMERIC)
        if not same:
            self.invalid(f"{text} compares values of one type, not {left} and {right}", op)
        if text not in ("=", "!=") and left in ("bool", "status", "kind"):
            self.invalid(f"{text} does not order {left} values; use = or !=", op)
        return "bool"

    # -- metrics ----------------------------------------------------------------------------
    def metrics_root(self) -> None:
        """A metrics pipeline, or arithmetic between parenthesised ones, then filters and
        second stages (`| topk(n)`)."""
        start = self.i
        try:
            compare = self.metrics_pipeline()
        except _Fail:
            self.i = start
            has_pipeline, compare = self.metrics_math()
            if not has_pipeline:
                self.fail("a metrics query such as { } | rate()", start)
            self.metrics_tail(compare)
        self.end()

    def metrics_pipeline(self) -> bool:
        """`{..} | rate() by (..)` and what may follow it; returns whether it uses compare()."""
        self.spanset_pipeline()
        self.expect("|")
        compare = self.metrics_function()
        self.metrics_tail(compare)
        return compare

    def metrics_tail(self, compare: bool) -> None:
        if self.tok.text in COMPARISONS and self.tok.kind == "op":
            self.metrics_filter(compare)
        while self.tok.text == "|" and self.peek().text in SECOND_STAGES:
            self.take()
            tok = self.take()
            if compare:
                self.invalid(f"{tok.text} cannot follow compare(): it returns a comparison, not series", tok)
            self.expect("(")
            count = self.tok
            if count.kind not in ("int", "var"):
                self.fail(f"a whole number of series for {tok.text}")
            if count.kind == "int" and int(count.text) <= 0:
                self.invalid(f"{tok.text} needs a number of series greater than 0", count)
            self.take()
            self.expect(")")
            if self.tok.text in COMPARISONS and self.tok.kind == "op":
                self.metrics_filter(compare)

    def metrics_filter(self, compare: bool) -> None:
        op = self.take()
        if compare:
            self.invalid(f"compare() results cannot be filtered with {op.text}", op)
        if self.tok.text == "-" and self.peek().kind == "dur":
            self.take()
        if self.tok.kind == "dur":
            self.take()
            return
        self.static_math()

    def static_math(self, level: int = 0) -> None:
        """Arithmetic of plain numbers, as the right side of a series filter."""
        if level == 2:
            tok = self.tok
            if tok.text == "(":
                self.take()
                self.static_math()
                self.expect(")")
            elif tok.text == "-" and self.peek().kind in ("int", "float"):
                self.take()
                self.take()
            elif tok.kind in ("int", "float", "var"):
                self.take()
            else:
                self.fail("a number")
            return
        self.static_math(level + 1)
        while self.tok.text in ({"+", "-"}, {"*", "/"})[level] and self.tok.kind == "op":
            self.take()
            self.static_math(level + 1)

    def metrics_math(self, level: int = 0) -> tuple[bool, bool]:
        """+ - * / between parenthesised metrics queries and numbers; returns whether a
        metrics query is part of it and whether one uses compare()."""
        if level == 2:
            return self.metrics_operand()
        has, compare = self.metrics_math(level + 1)
        while self.tok.text in ({"+", "-"}, {"*", "/"})[level] and self.tok.kind == "op":
            op = self.take()
            rhas, rcompare = self.metrics_math(level + 1)
            if compare or rcompare:
                self.invalid("compare() results cannot be combined with arithmetic", op)
            has, compare = has or rhas, compare or rcompare
        return has, compare

    def metrics_operand(self) -> tuple[bool, bool]:
        tok = self.tok
        if tok.text == "-" and self.peek().kind in ("int", "float"):
            self.take()
            self.take()
            return False, False
        if tok.kind in ("int", "float", "var"):
            self.take()
            return False, False
        self.expect("(")
        start = self.i
        try:
            compare = self.metrics_pipeline()
            self.expect(")")
            return True, compare
        except _Fail:
            self.i = start
        result = self.metrics_math()
        self.expect(")")
        return result

    def metrics_function(self) -> bool:
        tok = self.tok
        if tok.kind != "ident" or tok.text not in METRICS_FUNCTIONS:
            self.fail("a metrics function such as rate() or count_over_time()")
        name = self.take().text
        self.expect("(")
        if name in ("rate", "count_over_time"):
            pass
        elif name == "compare":
            self.spanset_filter()
            for _ in range(3):
                if self.tok.text != ",":
                    break
                self.take()
                if self.tok.kind not in ("int", "var"):
                    self.fail("a whole number")
                self.take()
        else:
            self.field_reference(f"an attribute or intrinsic for {name}")
            if name == "quantile_over_time":
                if self.tok.text != ",":
                    self.fail("at least one quantile such as 0.99")
                while self.tok.text == ",":
                    self.take()
                    if self.tok.kind not in ("int", "float", "var"):
                        self.fail("a quantile between 0 and 1")
                    self.take()
        self.expect(")")
        if self.tok.text == "by" and name != "compare":
            self.take()
            self.expect("(")
            while True:
                self.field_reference("an attribute or intrinsic to group by")
                if self.tok.text != ",":
                    break
                self.take()
            self.expect(")")
        return name == "compare"
