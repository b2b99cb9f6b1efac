"""Tokens and the cursor the hand-written query parsers (LogQL, TraceQL) walk them with.

Both parsers tokenize the whole query first and always end the list with an `eof` token,
so the cursor never runs off the end: `peek` past it and `take` at it stay on `eof`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    start: int


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
