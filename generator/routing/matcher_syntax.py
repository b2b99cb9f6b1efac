"""Matcher text (`severity="critical"`) as Alertmanager's two parsers read it.

Grafana embeds Alertmanager's `compat` package in fallback mode (pkg/services/ngalert/
ngalert.go: `compat.InitFromFlags(..., featurecontrol.NoopFlags{})`): a matcher is read
with the UTF-8 parser (matcher/parse: `{}!=~,\\"'` and backquote are reserved outside
double quotes; quoted text takes Go's escapes), and only where that parser refuses the
text does the classic one (pkg/labels.ParseMatcher: `name op rest-of-line`) read it.

The fallback is where typos hide: the classic parser reads `severity==critical` as
`severity="=critical"`, which matches no alert, and nobody is told. So gac reads text as
the UTF-8 parser does, and where only the classic parser would accept it, it refuses the
text and shows both what the classic parser would make of it and how to write that on
purpose (quoted). amtool 0.25 (Debian's) has only the classic parser: `amtool config
routes show` prints its reading, `{severity="=critical"}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: characters the UTF-8 parser takes only inside double quotes (matcher/parse/lexer.go isReserved)
RESERVED = frozenset('{}!=~,\\"\'`')
OPERATORS = ("=", "!=", "=~", "!~")
#: pkg/labels.ParseMatcher's pattern: the operator is the first one after the name, the value the rest
_CLASSIC = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.S)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
                   '"': '"'}


def quoted_for_people(text: str) -> str:
    """`text` in single quotes as written (repr would double every backslash of a regex)."""
    return "'" + text.replace("\n", "\\n") + "'"


class MatcherSyntaxError(ValueError):
    """Text the UTF-8 parser refuses; the message says where and what it expected."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "{", "}", ",", "op", "quoted", "text"
    text: str
    column: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "{},":
            out.append(_Token(c, c, i + 1))
            i += 1
        elif c in "=!~":
            op = text[i:i + 2] if text[i:i + 2] in ("=~", "!=", "!~") else c
            if op not in OPERATORS:
                raise MatcherSyntaxError(f"{op!r} at column {i + 1} is not an operator (use =, !=, =~ or !~)")
            out.append(_Token("op", op, i + 1))
            i += len(op)
        elif c == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise MatcherSyntaxError(f"the quote at column {i + 1} is not closed")
            out.append(_Token("quoted", text[i:end + 1], i + 1))
            i = end + 1
        elif c in RESERVED:
            what = {"'": "a single quote", "`": "a backquote", "\\": "a backslash"}.get(c, quoted_for_people(c))
            raise MatcherSyntaxError(f"{what} (column {i + 1}) is only allowed inside double quotes")
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in RESERVED:
                end += 1
            out.append(_Token("text", text[i:end], i + 1))
            i = end
    return out


def unquote(quoted: str) -> str:
    """A double-quoted token's value, with Go's escapes (strconv.Unquote, as the UTF-8 parser)."""
    body, out, i = quoted[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c == "\n":
            raise MatcherSyntaxError(f"{quoted_for_people(quoted)}: a line break inside quotes must be written \\n")
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        code, used = _escape(quoted, body[i + 1:i + 10])
        out += code
        i += 1 + used
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise MatcherSyntaxError(f"{quoted_for_people(quoted)}: its escapes do not spell UTF-8 text") from None


_QUOTE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
                  "\\": "\\\\", '"': '\\"'}


def quote(text: str) -> str:
    """`text` double-quoted with Go's escapes (strconv.Quote, which Alertmanager prints a quoted
    label name with): printable characters as they are, others escaped; `unquote` reads it back."""
    out = []
    for c in text:
        if c in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[c])
        elif c.isprintable():
            out.append(c)
        elif c < " " or c == "\x7f":
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def _escape(quoted: str, after: str) -> tuple[bytes, int]:
    """The bytes one escape stands for, and how many characters after the backslash it takes."""
    esc = after[:1]
    if esc in _SIMPLE_ESCAPES and esc:
        return _SIMPLE_ESCAPES[esc].encode("utf-8"), 1
    if esc in ("x", "u", "U") and esc:
        width = {"x": 2, "u": 4, "U": 8}[esc]
        digits = after[1:1 + width]
        if re.fullmatch(f"[0-9a-fA-F]{{{width}}}", digits):
            value = int(digits, 16)
            if esc == "x":
                return bytes([value]), 1 + width
            if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
                return chr(value).encode("utf-8"), 1 + width
    elif re.fullmatch("[0-7]{3}", after[:3]) and int(after[:3], 8) <= 0xFF:
        return bytes([int(after[:3], 8)]), 3
    raise MatcherSyntaxError(f"{quoted_for_people(quoted)}: \\{after[:1]} is not an escape sequence Alertmanager reads (a literal "
                             "backslash is written \\\\, e.g. the regex digit class \\\\d)")


def _found(token: _Token | None) -> str:
    return f"{quoted_for_people(token.text)} at column {token.column}" if token else "the end"


def _value(token: _Token) -> str:
    return unquote(token.text) if token.kind == "quoted" else token.text


def parse_utf8(text: str) -> list[tuple[str, str, str]]:
    """(name, operator, value) of every matcher in `text` (`a="b"`, `{a="b", c=~"d"}`), as
    Alertmanager's UTF-8 parser reads it; MatcherSyntaxError says where it stops."""
    toks = _tokens(text)
    braced = bool(toks) and toks[0].kind == "{"
    i = int(braced)
    out: list[tuple[str, str, str]] = []
    while i < len(toks):
        if toks[i].kind == "}":
            if not braced:
                raise MatcherSyntaxError(f"'}}' at column {toks[i].column} closes no '{{'")
            if i + 1 < len(toks):
                raise MatcherSyntaxError(f"{_found(toks[i + 1])} follows the closing '}}'")
            return out
        name, op, value = (toks[j] if j < len(toks) else None for j in (i, i + 1, i + 2))
        if name is None or name.kind not in ("quoted", "text"):
            raise MatcherSyntaxError(f"expected a label name, found {_found(name)}")
        if op is None or op.kind != "op":
            raise MatcherSyntaxError(f"expected an operator (=, !=, =~ or !~) after {name.text}, found {_found(op)}")
        if value is None or value.kind not in ("quoted", "text"):
            raise MatcherSyntaxError(f"expected a value after {name.text}{op.text}, found {_found(value)}")
        out.append((_value(name), op.text, _value(value)))
        i += 3
        if i < len(toks) and toks[i].kind == ",":
            i += 1
        elif i < len(toks) and toks[i].kind != "}":
            raise MatcherSyntaxError(f"expected ',' or the end after {value.text}, found {_found(toks[i])}")
    if braced:
        raise MatcherSyntaxError("the '{' is not closed")
    return out


def parse_classic(text: str) -> list[tuple[str, str, str]] | None:
    """What pkg/labels.ParseMatchers makes of `text` -- Alertmanager's classic reading of one of
    a route's `matchers` strings (None where it refuses it too): one '{' and one '}' trimmed
    from the ends, split at commas outside quotes, each piece read by ParseMatcher."""
    body = text.removeprefix("{").removesuffix("}")
    pieces, piece, inside, escaped = [], "", False, False
    for c in body:
        if c == "," and not inside:
            pieces.append(piece)
            piece = ""
            continue
        if c == '"':
            inside = inside if escaped else not inside
            escaped = False
        elif c == "\\":
            escaped = not escaped
        else:
            escaped = False
        piece += c
    if piece.strip():
        pieces.append(piece.strip())
    out = [_classic_one(p) for p in pieces]
    return None if any(m is None for m in out) else [m for m in out if m is not None]


def _classic_one(text: str) -> tuple[str, str, str] | None:
    """pkg/labels.ParseMatcher: the first operator after the name, then the rest of the text as the value."""
    found = _CLASSIC.match(text)
    if not found:
        return None
    name, op, raw = found.groups()
    quoted = raw.startswith('"')
    raw = raw[1:] if quoted else raw
    value, i = [], 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i < len(raw) - 1:
            nxt = raw[i + 1]
            value.append({"n": "\n", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
            continue
        if c == '"':
            if not quoted or i < len(raw) - 1:
                return None  # "matcher value contains unescaped double quote"
            quoted = False
        else:
            value.append(c)
        i += 1
    return None if quoted else (name, op, "".join(value))
