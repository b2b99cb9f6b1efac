"""Tokens and the cursor the hand-written query parsers (LogQL, TraceQL) walk them with.

Both parsers tokenize the whole query first and always end the list with an `eof` token,
so the cursor never runs off the end: `peek` past it and `take` at it stay on `eof`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


#: what the LogQL and TraceQL checks say of a query nested deeper than their parsers (which recurse
#: once or more per bracket) can follow: Loki's and Tempo's own parsers have no such limit
TOO_DEEP = ("the query nests brackets too deeply for gac to check (more than a few hundred levels); "
            "split it into smaller queries")


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    start: int


def tokenize(pattern: re.Pattern[str], text: str, problem: Callable[[str, str], str | None],
             error: Callable[[str, int], Exception]) -> list[Tok]:
    """`text` as the tokens of `pattern`'s named groups, `ws` dropped, ending with `eof`.

    `problem(kind, text)` names what the language refuses in a token (an unterminated string,
    a stray character...); the first one raises `error(message, offset)`, so each parser
    keeps its own error type while the loop is written once.
    """
    out = []
    for m in pattern.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "ws":
            continue
        message = problem(kind, m.group())
        if message:
            raise error(message, m.start())
        out.append(Tok(kind, m.group(), m.start()))
    out.append(Tok("eof", "", len(text)))
    return out


class TokenCursor:
    """A position in a token list that ends with an `eof` token."""

    def __init__(self, text: str, toks: list[Tok]) -> None:
        self.text = text
        self.toks = toks
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def peek(self, n: int = 1) -> Tok:
        return self.toks[min(self.i + n, len(self.toks) - 1)]

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return tok
