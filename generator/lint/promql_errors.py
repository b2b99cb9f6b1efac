"""Point at the place a PromQL parse error is about.

promql-parser reports a message without a position ("unclosed left parenthesis", "invalid
promql query"). A reviewer needs the place, so we find it: messages that name a token or a
bracket are located directly with a small lexer; for the rest we search for the shortest
prefix of the query that no continuation can turn into a valid query (prefixes are monotone:
once no continuation exists, none exists for any longer prefix, so a binary search works).
Only failing queries pay for this.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .promql_parse import PARSE_ERRORS, plain_matchers, parse_as_written, parses

#: a number or duration, as the lexer below reads one
NUMBER_TOKEN = r"0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])?(?:\d+(?:ms|[smhdwy]))*"
_LEX = re.compile(r"""
  (?P<ws>\s+|\#[^\n]*)
| (?P<str>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`[^`]*`?)
| (?P<num>""" + NUMBER_TOKEN + r""")
| (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
| (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^=<>,@:!~])
| (?P<open>[(\[{])
| (?P<close>[)\]}])
| (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_PAIRS = {"(": ")", "[": "]", "{": "}"}
_MIDS = ("", " x", " 1", ' "x"', "m", " 5m", ' ="x"', " (x)", " 1, x", " (x) x", ":1m", "[5m]", " x[5m]",
         " 1, x[5m]")
_X_TAIL = " x"
_TAILS = ("", " (x)", _X_TAIL)


class Token(NamedTuple):
    """A named tuple: a frozen dataclass takes three times as long to build, and queries with
    large numbers are tokenized whole (promql_analysis._beyond_limits)."""

    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    return [Token(m.lastgroup or "other", m.group(), m.start(), m.end())
            for m in _LEX.finditer(text) if m.lastgroup != "ws"]


def error_offset(text: str, message: str) -> int | None:
    """The offset in `text` that the parser's `message` is about (None if unknown)."""
    tokens = tokenize(text)
    if not tokens:
        return 0
    msg = message.lower()
    unmatched_open, unmatched_close = _brackets(tokens)
    if "unclosed left parenthesis" in msg or "unexpected end of input inside" in msg or msg.startswith("unclosed"):
        want = "(" if "parenthes" in msg else "{" if "brace" in msg else "[" if "bracket" in msg else None
        for tok in reversed(unmatched_open):
            if want is None or tok.text == want:
                return tok.start
    if "unexpected right" in msg and unmatched_close:
        return unmatched_close[0].start
    if "unterminated" in msg:
        for tok in tokens:
            if tok.kind == "str" and (len(tok.text) < 2 or tok.text[-1] != tok.text[0]):
                return tok.start
    for pattern in (r"function with name '([^']+)'", r"call to function '([^']+)'"):
        m = re.search(pattern, message)
        if m:
            for i, tok in enumerate(tokens[:-1]):
                if tok.text == m.group(1) and tokens[i + 1].text == "(":
                    return tok.start
    for pattern in (r"syntax: (\S+)$", r"duration string: (\S+)$", r"illegal regex for (.+)$"):
        m = re.search(pattern, message)
        if m:
            found = text.find(m.group(1))
            if found >= 0:
                return found
    quoted = re.findall(r"'([^']+)'", message)
    if quoted and "unexpected" in msg:
        for tok in tokens:
            if tok.text == quoted[-1] or (tok.kind == "other" and tok.text == quoted[-1][:1]):
                return tok.start
    return _first_dead_prefix(text, tokens)


def _brackets(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    stack: list[Token] = []
    unmatched_close: list[Token] = []
    for tok in tokens:
        if tok.kind == "open":
            stack.append(tok)
        elif tok.kind == "close":
            if stack and _PAIRS[stack[-1].text] == tok.text:
                stack.pop()
            else:
                unmatched_close.append(tok)
    return stack, unmatched_close


def _viable(text: str, tokens: list[Token], k: int) -> bool:
    """Whether the prefix made of tokens[:k+1] can still be completed to a valid query: whether
    one of the completions (a middle of `_MIDS`, the brackets left open closed, a tail of
    `_TAILS`) parses. Only that yes or no matters, so completions that cannot parse are skipped
    where a parse already proved it (`_lexer_stop`)."""
    return _completes(text[:tokens[k].end], tuple(closer_options(tokens, k)))


def closer_options(tokens: list[Token], k: int) -> list[str]:
    """The ways to close the brackets tokens[:k+1] leave open, innermost first: closing a
    selector's "}" may need a range after it (rate(x{a="b"} → rate(x{a="b"}[5m]))."""
    stack: list[str] = []
    for tok in tokens[:k + 1]:
        if tok.kind == "open":
            stack.append(tok.text)
        elif tok.kind == "close" and stack and _PAIRS[stack[-1]] == tok.text:
            stack.pop()
    options = [""]
    for c in reversed(stack):
        closer = _PAIRS[c]
        options = [o + closer + extra for o in options for extra in (("", "[5m]") if closer == "}" else ("",))]
    return options


@lru_cache(maxsize=4096)
def _completes(prefix: str, closer_options: tuple[str, ...]) -> bool:
    """Whether a completion of `prefix` parses (`_viable`); cached by text, as failing queries
    written alike (copies of one panel) have their search probe the same prefixes."""
    base = _plain_prefix(prefix)
    if base is None:  # the rare prefix whose regex matchers the completions could change
        return any(parses(prefix + completion) for completion in _completions(closer_options))
    tried: set[str] = set()
    for mid in _MIDS:
        for closers in closer_options:
            for tail in _TAILS:
                completion = mid + closers + tail
                if completion in tried:  # " x" + "" + "" is "" + "" + " x"
                    continue
                tried.add(completion)
                if tail and not _tail_may_parse(tail, mid, closers):
                    continue
                stop = _lexer_stop(base + completion)
                if stop is None:
                    return True
                if stop not in completion:
                    return False  # the lexer stops inside the prefix: no completion parses
                if stop not in closers + tail:
                    break  # it stops inside prefix + mid: no completion with this mid parses
            else:
                continue
            break
    return False


def forget_completions() -> None:
    """Empty the cache of probed prefixes (engine._forget_queries)."""
    _completes.cache_clear()


def _tail_may_parse(tail: str, mid: str, closers: str) -> bool:
    """Whether prefix + mid + closers + tail (a tail other than "") can parse, given that the
    same with " (x)" does not: the tails are tried in order, after every bracket the prefix left
    open is closed, and each one ruled out here fails.

    " (x)" cannot follow a `]` or a `}`: a selector or a range is never followed by an opening
    parenthesis. " x" ends a query only where an operand may follow, and there " (x)", the same
    operand in parentheses, parses as well (the type is the same, and nothing follows that could
    ask for a selector), except right after `group_left`/`group_right`, whose parentheses are a
    label list: a middle or a closing bracket never ends in those keywords, so only the prefix
    itself followed by " x" is worth a parse."""
    if tail == _X_TAIL:
        return not (mid or closers)
    return not (closers or mid).endswith(("]", "}"))


def _completions(closer_options: tuple[str, ...]) -> dict[str, None]:
    """Every completion `_viable` tries, each once, in its order."""
    return dict.fromkeys(mid + closers + tail for mid in _MIDS for closers in closer_options for tail in _TAILS)


#: the lexer's refusals of a character (promql-parser lexes the whole text, left to right,
#: before it parses, and stops at the first character it refuses, the one these messages name:
#: what it read before that character decided the refusal, so every text that starts with the
#: same characters up to it is refused too); any other message proves nothing
_LEXER_REFUSAL = re.compile(r"unexpected (?:character(?: inside braces| inside brackets| after '[!.=]'"
                            r"(?: inside braces)?)?: |left brace |right parenthesis |right brace |right bracket )"
                            r"'(.)'(?: inside braces| inside brackets)?", re.DOTALL)


def _lexer_stop(text: str) -> str | None:
    """None if `text` parses (as `parses` says), else the character the lexer refused ("" if
    the parser failed otherwise: its message names no character of the text)."""
    try:
        parse_as_written(text)
    except PARSE_ERRORS as exc:
        m = _LEXER_REFUSAL.fullmatch(str(exc))
        return m.group(1) if m else ""
    return None


def _plain_prefix(prefix: str) -> str | None:
    """`prefix` with its regex matchers written as equalities (`promql_parse.parses` does the
    same to each text it parses: the regexes are checked once, not in every completion), or
    `prefix` itself where `parses` would parse the text as written; None where a completion could
    change which matchers the prefix holds (a string left open, quotes of another kind, escapes,
    comments, a regex operator still waiting for its string) or a regex is refused.

    A completion adds no quote but whole `"x"` strings, no `~`, no `#`, no backslash and no
    `__name__`, so a prefix whose strings are all closed double-quoted strings without escapes
    keeps its matchers in prefix + completion: that text written with equalities is this
    prefix written with equalities followed by the completion, and parses exactly when the text
    as written does."""
    if ("=~" not in prefix and "!~" not in prefix) or "__name__" in prefix:
        return prefix
    if "'" in prefix or "`" in prefix or "#" in prefix or "\\" in prefix:
        return None
    pieces = prefix.split('"')
    if not len(pieces) & 1 or "~" in pieces[-1] or "\n" in "".join(pieces[1::2]):
        return None
    return plain_matchers(prefix)


def _first_dead_prefix(text: str, tokens: list[Token]) -> int:
    lo, hi = 0, len(tokens) - 1
    if _viable(text, tokens, hi):
        return len(text.rstrip())
    while lo < hi:
        mid = (lo + hi) // 2
        if _viable(text, tokens, mid):
            lo = mid + 1
        else:
            hi = mid
    return tokens[lo].start


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset in a (possibly multi-line) text."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
