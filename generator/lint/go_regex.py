"""Go regular expressions (RE2), as Loki, Tempo, Prometheus and Alertmanager compile them.

Python's `re` is close but not equal: RE2 rejects lookarounds, backreferences, possessive
quantifiers and repeat counts over 1000, while Python rejects \\p{..}, \\Q..\\E, \\z and
(?<name>..) which RE2 accepts. The scan below catches RE2's own refusals; the rest is
translated for Python and compiled there.
"""

from __future__ import annotations

import re

_GO_ESCAPES = frozenset("aftnrvxAbBdDsSwWzpPQEC0")
_GO_FLAGS = frozenset("imsU-")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


def go_regex_error(pattern: str) -> str | None:
    """Why Go's regexp package would refuse `pattern`, or None when it compiles."""
    error = _go_only_error(pattern)
    if error:
        return error
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re.compile(_python_equivalent(pattern))
    except re.error as exc:
        if "global flags not at the start" in str(exc):  # RE2 allows flags anywhere
            return None
        return str(exc)
    return None


def _go_only_error(pattern: str) -> str | None:
    """Constructs Python accepts but RE2 refuses."""
    i, n = 0, len(pattern)
    in_class = False
    after_repeat = lazy = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return "trailing backslash at end of expression"
            e = pattern[i + 1]
            if e.isalnum() and e not in _GO_ESCAPES and not (e.isdigit() and _is_octal(pattern, i + 1)):
                return f"invalid escape sequence: \\{e}"
            if e == "Q":
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
                after_repeat = False
                continue
            i += 2
            after_repeat = False
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                i = i + 1 if end < 0 else end + 2
                continue
            in_class = c != "]"
            i += 1
            continue
        if c == "[":
            in_class = True
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            continue
        if c == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2:]
            if rest[:1] in ("=", "!", "#") or rest[:2] in ("<=", "<!"):
                return "invalid or unsupported Perl syntax: lookarounds and comments are not supported"
            if not (rest.startswith("P<") or rest.startswith("<") or rest.startswith(":")):
                m = re.match(r"([^:)]*)[:)]", rest)
                if m and not set(m.group(1)) <= _GO_FLAGS:
                    return f"invalid or unsupported Perl syntax: (?{m.group(1)}"
        if c in "*+?":
            if after_repeat:
                if c != "?" or lazy:
                    return f"invalid nested repetition operator: {pattern[i - 1]}{c}"
                lazy = True  # x*? and friends: the non-greedy form
            else:
                after_repeat, lazy = True, False
            i += 1
            continue
        if c == "{":
            m = _REPEAT.match(pattern, i)
            if m:
                low, high = int(m.group(1)), m.group(3)
                if low > 1000 or (high and int(high) > 1000) or (high and int(high) < low):
                    return f"invalid repeat count: {m.group()}"
                if after_repeat:
                    return f"invalid nested repetition operator: {m.group()}"
                after_repeat, lazy = True, False
                i = m.end()
                continue
        after_repeat = False
        i += 1
    return None


def _is_octal(pattern: str, at: int) -> bool:
    """RE2 reads \\0.. and two- or three-digit \\NN as octal; a single \\1-\\9 is a backreference."""
    digits = re.match(r"[0-7]{1,3}", pattern[at:])
    return bool(digits) and (pattern[at] == "0" or len(digits.group()) > 1) if digits else False


def _python_equivalent(pattern: str) -> str:
    """Rewrite the RE2 spellings Python lacks into ones it has (same validity)."""
    pattern = re.sub(r"\\Q(.*?)(\\E|$)", lambda m: re.escape(m.group(1)), pattern, flags=re.S)
    pattern = re.sub(r"\\[pP](\{\^?[A-Za-z_]+\}|[A-Za-z])", r"\\w", pattern)
    pattern = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\([1-7][0-7]{1,2})",
                     lambda m: m.group(1) + "\\u%04x" % int(m.group(2), 8), pattern)
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", pattern)
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\C", r"\1.", pattern)
    return pattern
