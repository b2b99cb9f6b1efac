"""promtool's notation for input series values, checked before promtool runs.

promtool reports a bad value as `1:17: parse error: unexpected "x"`: a column in a string it
builds itself, naming neither the series nor the test, and gac would show it as a failing test
(exit 1). Checking the notation here makes it a test-file error (exit 2) naming the series and
the sample at fault. The grammar is Prometheus's (promql/parser: `lexValueSequence` and
`scanNumber` in lex.go, `series_item` in generated_parser.y); the native-histogram form
`{{...}}` of Prometheus 3 is accepted whole and its inside left to promtool.

`parse_values` also says where the samples end, so a test checking after its data has run out
can be told so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NOTATION = ("promtool notation: samples separated by spaces, one per interval: a number (1, -2.5, 1e3, "
            "Inf, NaN), `_` (no sample), `stale` (the series ends), `axN` (a, then N more: N+1 samples), "
            "`a+bxN` / `a-bxN` (N+1 samples from a, stepping by b), `_xN` (N missed samples)")

_SPACE = " \t"  # Prometheus's isSpace also has line breaks, which promtool 2 refuses in values
_NUMBER = re.compile(r"(?:\d[\d_]*)?(?:\.[\d_]*)?(?:[eE][+-]?[\d_]*)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_:]*")
_SPECIAL_NUMBERS = ("inf", "nan")  # case-insensitive, as Prometheus's lexer reads them


class NotationError(ValueError):
    """Values promtool would refuse; the message says which sample and what to write."""


@dataclass(frozen=True)
class Values:
    """What a values string expands to."""

    samples: int  # every position: values, `_`, stale markers
    last: int | None  # index of the last value (not `_`, not `stale`); None when there is none


@dataclass(frozen=True)
class _Token:
    kind: str  # num | word | hist | + | - | x | _
    text: str


def parse_values(text: str) -> Values:
    """The expansion of `text`, or NotationError naming the first sample promtool would refuse."""
    samples, last = 0, None
    for item in _items(text):
        count, real = _item(item)
        if real and count:
            last = samples + count - 1
        samples += count
    return Values(samples, last)


def _items(text: str) -> list[list[_Token]]:
    """Space-separated items, each a list of tokens (Prometheus's lexer, series-description mode)."""
    items: list[list[_Token]] = [[]]
    i = 0
    while i < len(text):
        c = text[i]
        if c in _SPACE:
            if items[-1]:
                items.append([])
            i += 1
        elif text.startswith("{{", i):
            end = text.find("}}", i)
            if end < 0:
                raise NotationError(f"a histogram sample {text[i:]!r} has no closing `}}}}`")
            items[-1].append(_Token("hist", text[i:end + 2]))
            i = end + 2
        elif c in "+-x_":
            items[-1].append(_Token(c, c))
            i += 1
        elif c.isascii() and (c.isdigit() or (c == "." and text[i + 1:i + 2].isdigit())):
            i = _number(text, i, items[-1])
        elif c.isascii() and c.isalpha():
            word = _WORD.match(text, i)
            assert word is not None
            items[-1].append(_Token("word", word.group()))
            i = word.end()
        else:
            hint = ": separate samples with spaces" if c in ",;" else \
                ": write the samples on one line" if c in "\n\r" else ""
            raise NotationError(f"{c!r} is not part of the notation{hint}")
    return [item for item in items if item]


def _number(text: str, i: int, item: list[_Token]) -> int:
    match = _NUMBER.match(text, i)
    assert match is not None
    word, end = match.group(), match.end()
    follower = text[end:end + 1]
    if not _valid_number(word) or (follower not in ("", "x") and (follower.isalnum() or follower == "_")):
        bad = re.match(r"[^ \t\n\r]*", text[i:])
        raise NotationError(f"{bad.group() if bad else word!r} is not a number")
    item.append(_Token("num", word))
    return end


def _valid_number(word: str) -> bool:
    """Go's ParseInt(word, 0) or ParseFloat(word), which Prometheus tries in turn."""
    if re.fullmatch(r"\d+(?:_\d+)*", word):
        return True
    if "_" in word:
        return False
    try:
        float(word)
    except ValueError:
        return False
    return True


def _item(tokens: list[_Token]) -> tuple[int, bool]:
    """(samples, whether they are values) of one item, or NotationError."""
    shown = "".join(t.text for t in tokens)
    kinds = [t.kind for t in tokens]
    if kinds[0] == "x":
        example = f"0{shown}" if shown[1:].isdigit() else "0x5"
        raise NotationError(f"{shown!r} repeats nothing: write the value right before the x, as in {example} "
                            "(0, then that many more)")
    if kinds[0] == "_":
        if kinds == ["_"]:
            return 1, False
        if kinds[1:2] == ["x"]:
            return _count(tokens[2:], shown), False
        raise NotationError(f"{shown!r}: `_` (no sample) stands alone or as `_xN`")
    if kinds[0] == "hist":
        rest = tokens[1:]
        if rest and rest[0].kind in "+-" and len(rest) > 1 and rest[1].kind == "hist":
            rest = rest[2:]
            if not rest:
                raise NotationError(f"{shown!r} has a start and a step but no count: add xN")
        if not rest:
            return 1, True
        if rest[0].kind != "x":
            raise NotationError(f"{shown!r} is not a histogram sample, `{{{{...}}}}xN` or `{{{{...}}}}+{{{{...}}}}xN`")
        return _count(rest[1:], shown) + 1, True
    start, rest = _value(tokens, shown)
    if not rest:
        return 1, start != "stale"
    if rest[0].kind in "+-":
        step, rest = _value(rest, shown)
        if not rest:
            raise NotationError(f"{shown!r} has a start and a step but no count: write {shown}xN "
                                f"(N+1 samples from {start}, stepping by {step})")
    if rest[0].kind != "x":
        raise NotationError(f"{shown!r} is not one sample: separate samples with spaces")
    return _count(rest[1:], shown) + 1, start != "stale"


def _value(tokens: list[_Token], shown: str) -> tuple[str, list[_Token]]:
    """A number (optionally signed) or `stale` at the head of `tokens`, and what follows it."""
    head = tokens[0]
    if head.kind in "+-":
        if len(tokens) < 2 or tokens[1].kind not in ("num", "word") or \
                (tokens[1].kind == "word" and tokens[1].text.lower() not in _SPECIAL_NUMBERS):
            raise NotationError(f"{shown!r}: a sign must be followed by a number")
        return head.text + tokens[1].text, tokens[2:]
    if head.kind == "num":
        return head.text, tokens[1:]
    if head.kind == "word" and (head.text.lower() in _SPECIAL_NUMBERS or head.text == "stale"):
        return head.text, tokens[1:]
    if head.kind == "word":
        raise NotationError(f"{head.text!r} is not a number, `_` or `stale`{_word_hint(head.text)}")
    raise NotationError(f"{shown!r} is not a sample")


def _word_hint(word: str) -> str:
    if word.lower() == "stale":
        return " (write it in lower case: stale)"
    for special in ("NaN", "Inf"):
        if word.lower().startswith(special.lower() + "x"):
            return f" (promtool reads it as one word: write {special}+0x{word[len(special) + 1:]})"
    return ""


def _count(tokens: list[_Token], shown: str) -> int:
    if len(tokens) != 1 or tokens[0].kind != "num" or not tokens[0].text.isdigit():
        raise NotationError(f"in {shown!r}, the count after x must be a whole number, as in 0x5")
    return int(tokens[0].text)
