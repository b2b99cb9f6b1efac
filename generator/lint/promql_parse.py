"""Parse PromQL with promql-parser, checking each distinct regex matcher once per run.

promql-parser compiles the regex of every `=~`/`!~` matcher it parses; on dashboard queries
(`job=~"$job"` in each) that is most of its time, though a few hundred distinct regexes
recur across thousands of queries. `parse` gives what `promql_parser.parse` gives (the tree,
or the parser's own error), and `parses` whether it parses, at the cost of one parse of the
query with its regex matchers written as equalities, plus one of each regex the first time.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import Any

import promql_parser as pp

from ..go_regex import go_regex_error, matches_empty, re2_refusal
from .promql_names import STRING_LITERAL

#: what promql_parser.parse raises for a query it refuses (as `parse_as_written` and `parse`
#: raise them: a panic included)
PARSE_ERRORS = (ValueError, RuntimeError, OverflowError)


class ParserPanic(ValueError):
    """promql-parser panicked on the query: a Rust panic, raised as a BaseException that no
    `except Exception` catches, where it meets a number beyond what a duration holds
    (`x[1e50]`, `x offset NaN`, `x[5m:2e19]`) rather than refusing it."""


#: what may break one of Prometheus' limits: `@`, `offset`, and what a number as large as the
#: least of them (2**63 ns, about 9.2e9 s) is written with (promql_analysis._BIG_NUMBER): an
#: exponent, ten digits, a hexadecimal number, three digits before a unit longer than a second
#: (`293y`); a point counts as a digit. A duration of several units needs one such part to reach
#: 292 years: with two digits at most before each of those units and fewer than ten before
#: `s`, `99y99w99d99h99m999999999s99ms` is 133 years
_LIMITS_HINT = re.compile(r"@|offset|[\d.][eE]|[\d.]{10}|[\d.]x|[\d.]{3}[mhdwy]", re.IGNORECASE)


def _hint_table() -> bytes:
    table = bytearray(b" " * 256)
    for char in b"0123456789.":
        table[char] = ord("0")
    for char in b"ofsetxOFSETX@":
        table[char] = ord(chr(char).lower())
    for char in b"mhdwyMHDWY":
        table[char] = ord("u")
    return bytes(table)


#: ASCII text → what the limits hint looks for, in one pass: digits and points as 0, the
#: letters of `offset` (`e` included, for exponents) and `x` in lower case, the units longer
#: than a second as `u`, `@`, and a blank for anything else
_HINT_TABLE = _hint_table()
_TEN_DIGITS = "0" * 10


def limits_hint(text: str) -> bool:
    """`_LIMITS_HINT.search(text)`, twice as fast on ASCII text: a search tries each digit and
    (case-insensitive) each letter of the text in turn, where translating the text once lets
    `in` find each hint at C speed. Other text is searched (`\\d` takes non-ASCII digits, and
    a case-insensitive `s` the long `ſ`).

    promql_analysis checks the limits of a text with a hint. Every text promql-parser panics on
    has one (`offset NaN`, `x[1e50]`, twenty digits): such texts are parsed with the panic's
    message unprinted (`parse`)."""
    if not text.isascii():
        return _LIMITS_HINT.search(text) is not None
    marks = text.encode().translate(_HINT_TABLE).decode()
    return ("@" in marks or "0e" in marks or "offset" in marks or _TEN_DIGITS in marks or "0x" in marks
            or "000u" in marks)


def _parse_unprinted(text: str, call: Any = None) -> Any:
    """`pp.parse(text)` (or `call(text)`, another promql-parser function) with file descriptor 2
    on the null device: a Rust panic prints its message there (and, where RUST_BACKTRACE is set,
    a backtrace of forty lines) before promql-parser raises it, and gac reports the query as a
    finding of its own. Python's own writes to stderr are flushed first.

    One call at a time (`_UNPRINTED`): the sync's worker threads read durations too, and two
    calls interleaved would leave the second one "restoring" the null device it saved, so that
    every later error of the run went nowhere. Callers keep texts that cannot panic away from
    here (`parse_duration`, `limits_hint`): another thread's write to stderr while the device is
    swapped would be lost."""
    global _NULL
    call = pp.parse if call is None else call
    with _UNPRINTED:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):
            return call(text)  # no standard error to keep, or none to write to
        try:
            if _NULL is None:
                _NULL = os.open(os.devnull, os.O_WRONLY)
            os.dup2(_NULL, 2)
            return call(text)
        finally:
            os.dup2(saved, 2)
            os.close(saved)


_UNPRINTED = threading.Lock()
#: a duration promql-parser reads unit by unit, as integers: it never panics on one (it panics
#: only where it reads a bare number as float seconds: `-1`, `1e300`, `inf`)
_UNIT_DURATION = re.compile(r"(?:\d+(?:ms|[smhdwy]))+")


def parse_duration(text: str) -> Any:
    """`pp.parse_duration(text)` (a timedelta), refusing with a ValueError, its panic unprinted, a
    text promql-parser panics on rather than refuses (`-1`, `1e300`, `inf`): every reader of a
    duration a person wrote (definitions, rule groups, test files) parses it here."""
    try:
        if _UNIT_DURATION.fullmatch(text):
            return pp.parse_duration(text)
        return _parse_unprinted(text, pp.parse_duration)
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":
            raise ValueError(str(exc)) from None
        raise


#: the null device, opened for the first query that may panic
_NULL: int | None = None


def _refusal(exc: BaseException) -> BaseException:
    """A panic of promql-parser as the ValueError of a query it refuses; anything else as it is."""
    if type(exc).__name__ == "PanicException":
        return ParserPanic(f"promql-parser failed on this query: {exc}")
    return exc


def parse_as_written(text: str) -> Any:
    """`pp.parse(text)`, refusing the query with one of PARSE_ERRORS where promql-parser panics."""
    try:
        return _parse_unprinted(text) if limits_hint(text) else pp.parse(text)
    except BaseException as exc:
        raise _refusal(exc) from None


def parse(text: str, plain: str | None = None, quiet: bool | None = None) -> Any:
    """`pp.parse(text)`, with each distinct regex matcher checked once per run.

    The text is parsed with each regex matcher written as the
    equality matcher that behaves alike where the parser looks: `="x"` if the regex matcher
    does not match the empty string, `=""` if it does (the "at least one non-empty matcher"
    rule is all the parser asks of a matcher's value), once promql-parser itself has accepted
    that regex in a one-matcher selector. Any other outcome parses the text as written, so
    errors and their messages are the parser's own; the tree differs only in those matchers'
    operators and values, which the analysis never reads (`__name__`, whose value it reads
    and whose matchers the parser checks more closely, keeps the text as written).

    `plain`, where given, is the text with regex matchers written so already, some or all of
    them (promql_expand.Expansion.plain): each as `regex_equality` writes it, or as written.
    `quiet`: whether promql-parser may panic on the text (`limits_hint`, worked out where None).
    """
    call = _parse_unprinted if (limits_hint(text) if quiet is None else quiet) else pp.parse
    try:
        if "__name__" not in text:
            if plain is None and ("=~" in text or "!~" in text):
                plain = plain_matchers(text)
            if plain is not None:
                try:
                    return call(plain)
                except PARSE_ERRORS:
                    pass  # the text as written has the error to report
        elif "=~" in text or "!~" in text:
            plain_matchers(text)  # each regex judged once (GO_REFUSED), though the text is parsed as written
        return call(text)
    except BaseException as exc:  # a panic (parse_as_written): the try costs nothing until it is met
        raise _refusal(exc) from None


_STRING_OR_COMMENT = STRING_LITERAL + r"|\#[^\n]*"
#: everything up to a regex operator outside strings and comments (skipped in C), then the
#: operator with its string, or the end of the text: one match per regex matcher
_REGEX_MATCHER = re.compile(r"(?:[^\"'`#=!]++|[=!](?!~)|" + _STRING_OR_COMMENT + r""")*+
                                (?:(?P<op>=~|!~)\s*(?P<lit>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)?|\Z)""",
                            re.VERBOSE)
#: operator and regex string as written → the equality that stands for it ("" if the parser refuses it)
_EQUALITY: dict[str, str] = {}


def plain_matchers(text: str) -> str | None:
    """`text` with every regex matcher replaced by its equality (`parse`), None if one is refused.

    Nearly every query's only strings are double-quoted, without escapes, each closed on its
    line: split on `"`, the text alternates between code and string bodies, and each regex
    operator ends a piece of code, its string the piece after. That split runs in C; any other
    text (quotes of another kind, escapes, comments, a string left open, a `~` that is not a
    regex operator ending its piece) is lexed by `_REGEX_MATCHER`."""
    if "'" in text or "`" in text or "#" in text or "\\" in text:
        return _plain_matchers_lexed(text)
    pieces = text.split('"')
    last = len(pieces) - 1
    # a line break in a string body (the bodies joined: one search in C, where a generator
    # over them costs a Python step per string) is a string left open
    if last & 1 or "\n" in text and "\n" in "".join(pieces[1::2]):
        return _plain_matchers_lexed(text)  # a string left open
    for i in range(0, last + 1, 2):
        code = pieces[i]
        if "~" not in code:
            continue
        code = code.rstrip()
        op = code[-2:]
        if i == last or op not in ("=~", "!~") or code.find("~") < len(code) - 1:
            return _plain_matchers_lexed(text)
        body = pieces[i + 1]
        # keyed by operator and body: no key of the lexer's, whose strings keep their quotes
        found = _EQUALITY.get(op + body) or _equality_of(op + body, op, '"' + body + '"')
        if not found:
            return None
        pieces[i] = code[:-2] + found[:2]    # found is ' ="x"' or ' =""'
        pieces[i + 1] = found[3:-1]
    return '"'.join(pieces)


def _plain_matchers_lexed(text: str) -> str | None:
    """`plain_matchers` of any text, lexed by a regular expression."""
    out: list[str] = []
    pos = 0
    for m in _REGEX_MATCHER.finditer(text):
        op = m.group("op")
        if op is None:
            break  # the end
        literal = m.group("lit")
        if literal is None:
            return None  # no string after the operator: the text as written has the error
        found = _equality_of(op + literal, op, literal)
        if not found:
            return None
        out.append(text[pos:m.start("op")])
        out.append(found)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def regex_equality(op: str, literal: str) -> str:
    """The equality `plain_matchers` writes for the regex matcher `op literal` (a regex operator
    and its string literal as written): `' ="x"'`, `' =""'`, or "" where the parser refuses it."""
    return _equality_of(op + literal, op, literal)


def _equality_of(key: str, op: str, literal: str) -> str:
    """`_equality(op, literal)`, worked out once per run (`key` stands for both)."""
    found = _EQUALITY.get(key)
    if found is None:
        if len(_EQUALITY) > 100_000:
            _EQUALITY.clear()
        found = _EQUALITY[key] = _equality(op, literal)
    return found


def _equality(op: str, literal: str) -> str:
    """What the parser makes of `{label OP literal}`: an equality matcher that matches the empty
    string exactly when this one does, or "" when it refuses it (a bad regex or string), or when
    Prometheus would (GO_REFUSED). The leading blank keeps a character before the operator from
    joining the `=` (`a!=~` must not become `a!=`)."""
    try:
        pp.parse("{__gacv_probe__" + op + literal + "}")
    except PARSE_ERRORS as exc:
        if str(exc).startswith("illegal regex"):
            return _rust_refusal_overruled(literal)
        if "non-empty matcher" not in str(exc):
            return ""
        found = ' =""'
    else:
        found = ' ="x"'
    refusal = re2_refusal(_decoded(op, literal))  # the regex, judged by Go's rules
    if refusal is not None:
        GO_REFUSED[op + literal] = f"error parsing regexp: {refusal}"
        return ""
    return found


def _rust_refusal_overruled(literal: str) -> str:
    """`_equality` of a regex Rust's regex refuses: its equality where Go's takes it (a `[`
    inside a class, which Rust reads as a nested class: `[0-9[]`; `\\Q..\\E`), as Prometheus
    does, else "" (refused)."""
    pattern = _decoded("=", literal)  # Rust refuses it as a regex: read as an equality
    empty = matches_empty(pattern) if go_regex_error(pattern) is None else None
    return "" if empty is None else ' =""' if empty else ' ="x"'


def _decoded(op: str, literal: str) -> str:
    """The string literal (valid: the parser took it in a matcher) as the parser decodes it, its
    escapes read: the value of a matcher `op literal`, written beside a name so the selector is
    valid whatever the value."""
    probe: Any = pp.parse('{__gacv_probe__="x", __gacv_regex__' + op + literal + "}")
    return str(probe.matchers.matchers[1].value)


#: regex matchers (operator and string literal as written) that Go's regexp, Prometheus's,
#: refuses though promql-parser's Rust regex takes them in, with Prometheus's message: filled as
#: each distinct matcher is first met (`_equality`), and never emptied (a few entries at most)
GO_REFUSED: dict[str, str] = {}


def go_refusal(text: str) -> tuple[str, int] | None:
    """Prometheus's message on the first regex matcher of `text` it refuses and promql-parser
    took in (GO_REFUSED), and the offset of its label name, where Prometheus places the error.
    Only matchers already met are known: `parse` meets every one of the text it parses."""
    for m in _REGEX_MATCHER.finditer(text):
        op, literal = m.group("op"), m.group("lit")
        if op is None:
            break
        refusal = GO_REFUSED.get(op + literal) if literal is not None else None
        if refusal is not None:
            return refusal, _label_start(text, m.start("op"))
    return None


def _label_start(text: str, op_start: int) -> int:
    """Where the label name before the operator at `op_start` begins (the operator's place for
    a quoted name)."""
    end = len(text[:op_start].rstrip())
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start if start < end else op_start


def parses(text: str) -> bool:
    """Whether `pp.parse(text)` succeeds: the text with equalities parses exactly when the text
    as written does (the same tokens, the same emptiness, every regex valid)."""
    plain = plain_matchers(text) if ("=~" in text or "!~" in text) and "__name__" not in text else text
    try:
        parse_as_written(text if plain is None else plain)
    except PARSE_ERRORS:
        return False
    return True
