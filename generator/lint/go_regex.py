"""Go regular expressions (RE2), as Loki, Tempo, Prometheus and Alertmanager compile them.

Python's `re` is close but not equal: RE2 rejects lookarounds, backreferences, possessive and
stacked quantifiers and repeat counts over 1000, while Python rejects \\p{..}, \\Q..\\E, \\z
and (?<name>..) which RE2 accepts. `re2_refusal` applies Go's own rules where they decide, in
Go's words; `go_regex_error` translates the rest for Python and compiles it there.

Prometheus compiles a label matcher's regex with Go's regexp, where promql-parser, which gac
parses PromQL with, uses Rust's regex crate: `re2_refusal` is also what Prometheus refuses of
what promql-parser takes in (promql_parse.GO_REFUSED).
"""

from __future__ import annotations

import re
import warnings


def go_regex_error(pattern: str) -> str | None:
    """Why Go's regexp package would refuse `pattern`, or None when it compiles."""
    error = re2_refusal(pattern)
    if error:
        return error
    try:
        _python_compiled(pattern)
    except re.error as exc:
        # RE2 allows flags anywhere; what repetitions repeat re2_refusal has judged by Go's rules
        if any(said in str(exc) for said in ("global flags not at the start", "nothing to repeat",
                                               "multiple repeat")):
            return None
        return str(exc)
    return None


def matches_empty(pattern: str) -> bool | None:
    """Whether `pattern`, which Go's regexp takes (`go_regex_error` is None), matches the empty
    string as Prometheus anchors it (`^(?s:pattern)$`), by Python's re on the same pattern in
    its spellings; None where Python cannot compile it all the same."""
    try:
        return _python_compiled(pattern, re.DOTALL).fullmatch("") is not None
    except re.error:
        return None


def _python_compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`pattern` in Python's spellings (`_python_equivalent`), compiled by Python's re without
    its warnings (a nested set, `[[`, is a FutureWarning there); raises re.error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile(_python_equivalent(pattern), flags)


#: `{min}`, `{min,}`, `{min,max}`, each number without a leading zero (Go's parseInt); any other
#: `{` is a literal
_REPEAT = re.compile(r"\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}")
#: Go's parseInt gives up past this (n >= 1e8 → -1), which the size check then refuses
_TOO_BIG = 10**8
_GO_FLAGS = "imsU"
#: the letters and digits Go reads after a backslash (octal digits apart)
_GO_ESCAPES = frozenset("aftnrvxAbBdDsSwWzpPQEC0")
#: a capture group's name (Go's isValidCaptureName; Rust also takes `.`, `[` and `]`)
_CAPTURE_NAME = re.compile(r"[A-Za-z0-9_]+")
#: a group of flags alone, `(?i)`, `(?-s)`, `(?i-m)`: it opens no group
_SET_FLAGS = re.compile(r"\(\?[imsU]*(?:-[imsU]*)?\)")


def re2_refusal(pattern: str) -> str | None:
    """Go's refusal of `pattern` where Go's own rules tell it (regexp/syntax parse.go: `repeat`,
    `parseRepeat`, `parseInt`, `parsePerlFlags`, `parseEscape`, `parseClass`), in Go's words
    (the code, then the expression in backquotes, which Go's error puts after "error parsing
    regexp: "); None where they do not (`go_regex_error` asks Python's re about the rest). Rust's
    regex, promql-parser's, takes in each of these but invalid escapes:

    - a repetition operator right after another (`a**`, `.*+`, `a{2}*`, `a???`): Go refuses to
      stack them ("invalid nested repetition operator"), Rust repeats the repetition; one with
      nothing before it (`*a`, `(+a)`, `a|?`): "missing argument to repetition operator", where
      Go repeats an assertion (`^*`, `$+`) that Python's re does not;
    - a repeat count above 1000 (`a{1001}`): "invalid repeat count";
    - a flag Go does not know (`(?x)`, `(?u)`, `(?R)`), a lookahead: "invalid or unsupported
      Perl syntax"; a capture name with other than letters, digits and `_`, a lookbehind:
      "invalid named capture";
    - brackets that balance only once the pattern is wrapped (`a)|(b`): Prometheus parses the
      pattern alone first ("unexpected )", "missing closing )"), promql-parser only wrapped;
    - a class range Rust reads as a set operation (`[U--]`), or a one-letter Unicode class that
      is no category (`\\pz`, which Rust reads as `\\pZ`): "invalid character class range";
    - an escape Go does not know (`\\q`, `\\Z`, a lone `\\1`): "invalid escape sequence"; a class
      left open: "missing closing ]".
    """
    if not any(c in pattern for c in "*+?{()[\\"):
        return None
    n = len(pattern)
    i = depth = 0
    last_repeat: int | None = None   # where the repetition operator just before began, if any
    operand = False                  # whether something repeatable stands before (Go's stack top)
    while i < n:
        c = pattern[i]
        repeat: int | None = None
        follows = True               # what this item leaves for a repetition to repeat
        m = _REPEAT.match(pattern, i) if c == "{" else None
        if c in "*+?" or m is not None:
            end = i + 1
            if m is not None:
                low = int(m.group(1)) if len(m.group(1)) < 9 else _TOO_BIG
                high = None if m.group(2) else low
                if m.group(3) is not None:
                    high = int(m.group(3)) if len(m.group(3)) < 9 else _TOO_BIG
                if low > 1000 or high is not None and (high > 1000 or low > high):
                    return _message("invalid repeat count", m.group())
                end = m.end()
            if end < n and pattern[end] == "?":   # non-greedy
                end += 1
            if last_repeat is not None:
                return _message("invalid nested repetition operator", pattern[last_repeat:end])
            if not operand:   # at the start, after `(` or `|`
                return _message("missing argument to repetition operator", pattern[i:end])
            repeat, i = i, end
        elif c == "\\":
            bad = _escape_error(pattern, i) or _letter_class_error(pattern, i)
            if bad is not None:
                return bad
            i = _past_escape(pattern, i)
        elif c == "[":
            i, bad = _past_class(pattern, i)
            if bad is not None:
                return bad
        elif c == "(":
            if pattern.startswith("(?", i):
                bad = _flags_error(pattern, i)
                if bad is not None:
                    return bad
                flags = _SET_FLAGS.match(pattern, i)
                if flags is not None:  # `(?i)` only sets flags
                    i, follows = flags.end(), operand
                else:  # `(?i:`, `(?P<name>`, `(?<name>` open a group
                    head = pattern.find(">" if pattern.startswith(("(?P<", "(?<"), i) else ":", i)
                    i = n if head < 0 else head + 1
                    depth, follows = depth + 1, False
            else:
                i += 1
                depth, follows = depth + 1, False
        elif c == ")":
            if depth == 0:
                return _message("unexpected )", pattern)
            depth -= 1
            i += 1
        else:
            i += 1
            follows = c != "|"
        last_repeat, operand = repeat, follows
    return _message("missing closing )", pattern) if depth else None


def _message(code: str, expr: str) -> str:
    return f"{code}: `{expr}`"


def _escape_error(pattern: str, i: int) -> str | None:
    """Go's refusal of the escape at `i`: a trailing backslash, or a letter or digit Go gives no
    meaning (`\\q`, `\\Z`; `\\1` alone is a backreference, `\\12` octal)."""
    if i + 1 >= len(pattern):
        return _message("trailing backslash at end of expression", "")
    e = pattern[i + 1]
    if e.isalnum() and e not in _GO_ESCAPES and not (e.isdigit() and _is_octal(pattern, i + 1)):
        return _message("invalid escape sequence", "\\" + e)
    return None


def _past_escape(pattern: str, i: int) -> int:
    """Past the escape at `i` (a backslash): `\\Q...\\E` whole, `\\x{..}` and `\\p{..}` with their
    braces (which are no repeat count), else the backslash and one character."""
    kind = pattern[i + 1:i + 2]
    if kind == "Q":
        end = pattern.find("\\E", i + 2)
        return len(pattern) if end < 0 else end + 2
    braced = _braced_end(pattern, i)
    return i + 2 if braced is None else braced


def _braced_end(pattern: str, i: int) -> int | None:
    """Where the escape at `i` ends when it is `\\x{..}`, `\\p{..}` or `\\P{..}` (to the closing brace,
    or the end of the pattern); None for any other escape."""
    if pattern[i + 1:i + 2] not in ("x", "p", "P") or not pattern.startswith("{", i + 2):
        return None
    end = pattern.find("}", i + 3)
    return len(pattern) if end < 0 else end + 1


def _past_class(pattern: str, i: int) -> tuple[int, str | None]:
    """Past the character class opening at `i`, and Go's refusal of a range in it whose ends are
    out of order (`[z-a]`, or `[U--]`, which Rust reads as a set difference): a `]` first (after
    `^`) is a literal, `[:name:]` a POSIX class, a backslash escapes the next character."""
    n = len(pattern)
    j = i + 1
    if j < n and pattern[j] == "^":
        j += 1
    first = True
    while j < n and (pattern[j] != "]" or first):
        first = False
        if pattern.startswith("[:", j) and (close := pattern.find(":]", j + 2)) >= 0:
            j = close + 2
            continue
        bad = _letter_class_error(pattern, j)
        if bad is not None:
            return j, bad
        start = j
        low, j = _class_char(pattern, j)
        if j + 1 < n and pattern[j] == "-" and pattern[j + 1] != "]":
            high, j = _class_char(pattern, j + 1)
            if low is not None and high is not None and high < low:
                return j, _message("invalid character class range", pattern[start:j])
    if j >= n:
        return j, _message("missing closing ]", pattern[i:])
    return j + 1, None


#: escapes that stand for one character, as Go's parseEscape reads them
_CHAR_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _class_char(pattern: str, j: int) -> tuple[str | None, int]:
    """The character at `j` in a class and where it ends; None for an escape that is a class
    (`\\d`, `\\pL`) or that gac does not read (it is then no range end judged here)."""
    if pattern[j] != "\\":
        return pattern[j], j + 1
    braced = _braced_end(pattern, j)
    if braced is not None:
        return None, braced
    kind = pattern[j + 1:j + 2]
    if kind and not kind.isalnum():
        return kind, j + 2
    return _CHAR_ESCAPES.get(kind), j + 2


def _letter_class_error(pattern: str, j: int) -> str | None:
    """Go's refusal of the escape at `j` where it is a Unicode class named by one letter that is
    no general category (`\\pz`: Go reads names as written, Rust in any case). Classes named in
    braces are left alone (Go's list of scripts is not kept here)."""
    if pattern[j] != "\\" or pattern[j + 1:j + 2] not in ("p", "P") or j + 2 >= len(pattern) \
            or pattern[j + 2] in "{CLMNPSZ":
        return None
    return _message("invalid character class range", pattern[j:j + 3])


def _flags_error(pattern: str, i: int) -> str | None:
    """Go's parsePerlFlags on the group opening `(?` at `i`: a named group, or flags of `imsU`
    with one `-` before some of them, ended by `:` or `)`; anything else is refused."""
    rest = pattern[i + 2:]
    if rest.startswith(("P<", "<")):   # a named group: letters, digits and `_` up to `>`
        end = pattern.find(">", i)
        if end < 0:
            return _message("invalid named capture", pattern[i:])   # a lookbehind, `(?<!x)` among them
        if not _CAPTURE_NAME.fullmatch(pattern, i + (4 if rest[0] == "P" else 3), end):
            return _message("invalid named capture", pattern[i:end + 1])
        return None
    negated = saw_flag = False
    for k, c in enumerate(rest):
        if c in _GO_FLAGS:
            saw_flag = True
            continue
        if c == "-" and not negated:
            negated, saw_flag = True, False
            continue
        if c in ":)" and not (negated and not saw_flag):
            return None
        return _message("invalid or unsupported Perl syntax", pattern[i:i + 3 + k])
    return None   # unclosed: both refuse it


def _is_octal(pattern: str, at: int) -> bool:
    """RE2 reads \\0.. and two- or three-digit \\NN as octal; a single \\1-\\9 is a backreference."""
    digits = re.match(r"[0-7]{1,3}", pattern[at:])
    return bool(digits) and (pattern[at] == "0" or len(digits.group()) > 1) if digits else False


def _python_equivalent(pattern: str) -> str:
    """Rewrite the RE2 spellings Python lacks into ones it has (same validity)."""
    pattern = re.sub(r"\\Q(.*?)(\\E|$)", lambda m: re.escape(m.group(1)), pattern, flags=re.S)
    pattern = re.sub(r"\\[pP](\{\^?[A-Za-z_]+\}|[A-Za-z])", r"\\w", pattern)
    pattern = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
    pattern = pattern.replace("(?)", "")   # no flags: nothing to Go, unknown to Python
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\([1-7][0-7]{1,2})",
                     lambda m: m.group(1) + "\\u%04x" % int(m.group(2), 8), pattern)
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", pattern)
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\C", r"\1.", pattern)
    return pattern
