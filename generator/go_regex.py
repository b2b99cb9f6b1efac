"""Go's regular expressions (regexp/syntax, RE2's syntax), as Alertmanager, Grafana, Prometheus,
Loki and Tempo compile them: what Go refuses, in Go's words, and what a pattern Go takes
matches, written as a Python `re` pattern that matches the same texts.

One model for both uses. Lint asks whether Go takes a pattern (`re2_refusal`, `go_regex_error`)
and whether it matches the empty string (`matches_empty`); routing asks what a policy's regex
matcher matches (`compiled(...).search(text)`, Go's MatchString: Alertmanager compiles the value
as `^(?:value)$`, routing/matchers.py says so).

The parser follows Go's (src/regexp/syntax/parse.go, Go 1.22 to 1.24, `regexp.Compile`'s Perl
flags): the same parse stack, so the same refusals with the same messages, and the same tree,
with every flag resolved where Go resolves it. (Go 1.22 added `(?<name>..)`; Go 1.25 also takes
`\\p{Letter}`, `\\p{Cn}` and names in any case, which older Go, and this model, refuse.) The tree
is then written in Python's syntax without any of Python's own flags, because they do not mean
what Go's mean:

- `(?i)` is Go's simple case folding (unicode.SimpleFold orbits, CaseFolding.txt C and S): a
  letter matches its orbit, written out as a class. K folds with k and the Kelvin sign, s with
  ſ, but İ and ı fold with nothing (Python's IGNORECASE folds them with i); the orbits are
  built from unicodedata (`_orbit_table`) and the tests hold them against Go's caseOrbit and
  FoldCategory tables;
- flags anywhere and scoped (`a(?i)b`, `(?i:b)`, `(?-s)`, `(?U)`, which swaps greediness);
- `\\d \\w \\s \\b` and their negations, and the POSIX classes, are ASCII (perl_groups.go; `\\s`
  is `[\\t\\n\\f\\r ]`, without `\\v`); `\\b` is an ASCII word boundary written with look-arounds
  (Python's `\\B` does not match the empty text);
- `$` without `(?m)` is the end of the text (Python's also matches before a final newline),
  `^`/`$` with it a line's start/end, `.` without `(?s)` anything but a newline;
- `{` that starts no valid repeat is a literal (`x{,2}`), `\\Q..\\E`, `\\z`, `\\x{..}`, octal
  escapes, `\\pL`/`\\p{Lu}`/`\\PN` (Go's category tables, from unicodedata: Go's C is Cc, Cf, Co
  and Cs, never the unassigned Cn), POSIX classes `[[:^alpha:]]`.

Where Python cannot know what Go decides, `Regexp.search` says so (`Unevaluable`) rather than
guess: a Unicode script class (`\\p{Greek}`; Python has no script data, so only the scripts of
ASCII characters, ſ and the Kelvin sign are known) that decides the match, or a character
Python's Unicode database does not know as Go's (Unicode 15.0.0 in Go 1.21 to 1.24) in a match
that depends on Go's category tables (or, with a Python whose Unicode is newer than Go's, on
case folding). Both are bounds: the class is known to hold some characters and to lack others,
the pattern is matched with the smallest and the largest class, and only where those two
disagree is the answer refused.

Known limits: Go's size limit ("expression too large") is computed on this parser's tree,
which does not factor common prefixes out of alternations as Go's does, so a pattern of
thousands of characters inside a `{1000}` could be refused here and not by Go; Python's
backtracking can be slow where Go's automaton is linear (`(a+)+b` on a long run of `a`).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field

#: Go's error codes (regexp/syntax/parse.go ErrorCode), the words Go's messages start with
_MISSING_BRACKET = "missing closing ]"
_MISSING_PAREN = "missing closing )"
_UNEXPECTED_PAREN = "unexpected )"
_CHAR_RANGE = "invalid character class range"
_ESCAPE = "invalid escape sequence"
_NAMED_CAPTURE = "invalid named capture"
_PERL_OP = "invalid or unsupported Perl syntax"
_REPEAT_OP = "invalid nested repetition operator"
_REPEAT_SIZE = "invalid repeat count"
_MISSING_ARGUMENT = "missing argument to repetition operator"
_TRAILING_BACKSLASH = "trailing backslash at end of expression"
_NESTING = "expression nests too deeply"
_LARGE = "expression too large"

#: Go's limits (parse.go maxRepeat, maxHeight, maxSize, maxRunes)
_MAX_REPEAT = 1000
_MAX_HEIGHT = 1000
_MAX_SIZE = (128 << 20) // 40
_MAX_RUNES = (128 << 20) // 4
_MAX_RUNE = 0x10FFFF

#: the Unicode edition of Go 1.21 to 1.24's tables (unicode.Version), which Grafana is built with
GO_UNICODE = "15.0.0"


class GoRegexError(ValueError):
    """Go's refusal, as syntax.Error holds it: `str()` is what Go's message says after
    "error parsing regexp: " (the code, then the offending part in backquotes)."""

    def __init__(self, code: str, expr: str) -> None:
        super().__init__(f"{code}: `{expr}`")
        self.code = code
        self.expr = expr


class Unevaluable(ValueError):
    """A match Go decides with Unicode data Python does not have; the message says which."""


# -- what lint asks -------------------------------------------------------------------------------

def re2_refusal(pattern: str) -> str | None:
    """Go's refusal of `pattern` in Go's words (the code, then the expression in backquotes, as
    Go's error puts them after "error parsing regexp: "), or None when Go compiles it. Prometheus,
    Loki and Tempo compile a query's regex alone first, so this is their verdict too; promql-parser
    (Rust's regex) takes in much of what Go refuses: stacked repetition operators (`a**`), repeat
    counts over 1000, flags Go does not know (`(?x)`), brackets that balance only once wrapped
    (`a)|(b`), class ranges Rust reads as set operations (`[U--]`)."""
    if not any(c in pattern for c in "*+?{()[\\"):
        return None   # nothing Go could refuse
    found = _parsed(pattern)
    return str(found) if isinstance(found, GoRegexError) else None


#: the same verdict, under the name LogQL's and TraceQL's checks use
go_regex_error = re2_refusal


def matches_empty(pattern: str) -> bool | None:
    """Whether `pattern`, which Go takes (`go_regex_error` is None), matches the empty string as
    Prometheus anchors it (`^(?s:pattern)$`); None where that cannot be told."""
    found = _parsed("^(?s:" + pattern + ")$")
    if isinstance(found, GoRegexError):
        return None
    try:
        return found.search("")
    except Unevaluable:
        return None


# -- what routing asks ----------------------------------------------------------------------------

def compiled(expression: str) -> Regexp:
    """`expression` as Go's regexp.Compile takes it; GoRegexError where Go refuses it. Cached."""
    found = _parsed(expression)
    if isinstance(found, GoRegexError):
        raise found
    return found


@functools.lru_cache(maxsize=8192)
def _parsed(expression: str) -> Regexp | GoRegexError:
    try:
        return _Parser(expression).parse()
    except GoRegexError as exc:
        return exc


class Regexp:
    """An expression Go compiles, matched as Go matches it. `python` is its Python spelling (the
    certain one: each class at its smallest where Python's data leaves the class open)."""

    def __init__(self, expression: str, root: _Node, tables: bool, scripts: tuple[str, ...]) -> None:
        self.expression = expression
        self._root = root
        #: a class was built from Unicode tables (categories, case folding): characters Python's
        #: database does not know as Go's leave it open
        self._tables = tables
        #: the script classes written, `\p{Greek}`: open beyond ASCII
        self.scripts = scripts
        self._python: dict[tuple[bool, bool], re.Pattern[str]] = {}

    @property
    def python(self) -> str:
        return _Writer(upper=False, widen=None).pattern(self._root)

    def search(self, text: str) -> bool:
        """Go's MatchString: whether the expression matches anywhere in `text` (Alertmanager's
        matchers anchor themselves). Unevaluable where Python's data cannot decide it."""
        widen = self._tables and _has_unknown(text)
        found = self._pattern(False, widen).search(text) is not None
        if found or not (self.scripts or widen):
            return found
        if self._pattern(True, widen).search(text) is None:
            return False
        raise Unevaluable(self._why(text, widen))

    def _pattern(self, upper: bool, widen: bool) -> re.Pattern[str]:
        """The expression in Python, each open class at its smallest (`upper` False) or largest,
        widened by the characters Python's Unicode database does not know as Go's."""
        key = (upper, widen)
        if key not in self._python:
            writer = _Writer(upper, _unknown_ranges() if widen else None)
            try:
                self._python[key] = re.compile(writer.pattern(self._root))
            except (re.error, RecursionError, OverflowError) as exc:
                raise Unevaluable(f"gac cannot evaluate `{self.expression}`: Python's re does not take its "
                                  f"translation ({exc})") from None
        return self._python[key]

    def _why(self, text: str, widen: bool) -> str:
        if self.scripts:
            return (f"gac cannot evaluate {', '.join(dict.fromkeys(self.scripts))} exactly for {text!r}: Python has "
                    "no Unicode script data (gac knows only the scripts of ASCII characters)")
        unknown = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(text) if _is_unknown(c))
        return (f"gac cannot evaluate `{self.expression}` exactly for {text!r}: Python's Unicode database "
                f"({unicodedata.unidata_version}) does not know {unknown} as Go's ({GO_UNICODE}) does")


# -- Go's parse tree ------------------------------------------------------------------------------

_LITERAL, _CLASS, _ANY_NOT_NL, _ANY, _BEGIN_LINE, _END_LINE, _BEGIN_TEXT, _END_TEXT = range(1, 9)
_WORD_BOUNDARY, _NO_WORD_BOUNDARY, _CAPTURE, _STAR, _PLUS, _QUEST, _REPEAT = range(9, 16)
_CONCAT, _ALTERNATE, _EMPTY, _NO_MATCH = range(16, 20)
#: parse-stack markers, never in a finished tree (Go's opPseudo and above)
_PSEUDO = _LEFT_PAREN = 100
_VERTICAL_BAR = 101

#: parser flags (Go's FoldCase, DotNL, OneLine, NonGreedy; PerlX, UnicodeGroups and ClassNL are
#: always on, as regexp.Compile's syntax.Perl sets them)
_FOLD, _DOT_NL, _ONE_LINE, _NON_GREEDY = 1, 2, 4, 8
_ALL_FLAGS = 15

Ranges = list[tuple[int, int]]


@dataclass(eq=False, slots=True)
class _Node:
    op: int
    subs: list[_Node] = field(default_factory=list)
    rune: int = 0            # _LITERAL
    fold: bool = False       # _LITERAL: matches its case-folding orbit
    lo: Ranges = field(default_factory=list)   # _CLASS: what it certainly holds
    hi: Ranges | None = None                   # _CLASS: what it may hold, where more than `lo`
    tables: bool = False     # _CLASS: built from Unicode tables
    min: int = 0             # _REPEAT
    max: int = 0             # _REPEAT; -1: no maximum
    greedy: bool = True      # _STAR, _PLUS, _QUEST, _REPEAT
    flags: int = 0           # _LEFT_PAREN: the flags its `)` restores
    cap: bool = False        # _LEFT_PAREN: a capture


#: Go's Perl classes and POSIX classes (perl_groups.go): sign and ranges, all ASCII
_D = [(0x30, 0x39)]
_S = [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)]
_W = [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]
_PERL_GROUPS: dict[str, tuple[int, Ranges]] = {
    "\\d": (1, _D), "\\D": (-1, _D), "\\s": (1, _S), "\\S": (-1, _S), "\\w": (1, _W), "\\W": (-1, _W)}
_POSIX = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)], "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)], "blank": [(0x09, 0x09), (0x20, 0x20)], "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": _D, "graph": [(0x21, 0x7E)], "lower": [(0x61, 0x7A)], "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)], "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)], "word": _W, "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)]}
_POSIX_GROUPS = {f"[:{neg}{name}:]": (-1 if neg else 1, ranges) for name, ranges in _POSIX.items() for neg in ("", "^")}

#: a capture group's name (parse.go isValidCaptureName)
_CAPTURE_NAME = re.compile(r"[A-Za-z0-9_]+")
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}

#: unicode.Categories's names (Go 1.24 and before; 1.25 adds Cn, LC, aliases and loose spelling)
_CATEGORIES = frozenset("C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps "
                        "S Sc Sk Sm So Z Zl Zp Zs".split())
#: unicode.Scripts's names (Unicode 15.0.0, src/unicode/tables.go)
_SCRIPTS = frozenset("""
Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali
Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma
Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari
Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic
Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana
Imperial_Aramaic Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada
Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu
Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen
Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi
Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu
Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian Old_Permic
Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong
Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada
Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Syriac Tagalog
Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh
Tirhuta Toto Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square
""".split())
#: the scripts gac knows (Scripts.txt): ASCII's letters are Latin, the rest Common; so are the
#: two characters that fold with ASCII letters, ſ and the Kelvin sign (so `(?i)` keeps ASCII known)
_KNOWN_LATIN = [(0x41, 0x5A), (0x61, 0x7A), (0x17F, 0x17F), (0x212A, 0x212A)]
_KNOWN_COMMON = [(0x00, 0x40), (0x5B, 0x60), (0x7B, 0x7F)]
_KNOWN_SCRIPT = _KNOWN_LATIN + _KNOWN_COMMON


class _Parser:
    """Go's parser (parse.go `parse`) on one expression: a stack of finished pieces and markers
    (`(`, `|`), reduced at `|`, `)` and the end, each piece built with the flags in force."""

    def __init__(self, expression: str) -> None:
        self.s = expression
        self.flags = _ONE_LINE
        self.stack: list[_Node] = []
        self.runes = 0
        self.nodes = 0
        self.tables = False
        self.scripts: list[str] = []

    def parse(self) -> Regexp:
        s, n = self.s, len(self.s)
        i = 0
        last_repeat = -1   # where the repetition operator just before began
        while i < n:
            repeat = -1
            c = s[i]
            if c == "(":
                if s.startswith("(?", i):
                    i = self.perl_flags(i)
                else:
                    self.push(_Node(_LEFT_PAREN, flags=self.flags, cap=True))
                    i += 1
            elif c == "|":
                self.vertical_bar()
                i += 1
            elif c == ")":
                self.right_paren()
                i += 1
            elif c == "^":
                self.push(_Node(_BEGIN_TEXT if self.flags & _ONE_LINE else _BEGIN_LINE))
                i += 1
            elif c == "$":
                self.push(_Node(_END_TEXT if self.flags & _ONE_LINE else _END_LINE))
                i += 1
            elif c == ".":
                self.push(_Node(_ANY if self.flags & _DOT_NL else _ANY_NOT_NL))
                i += 1
            elif c == "[":
                i = self.parse_class(i)
            elif c in "*+?":
                op = _STAR if c == "*" else _PLUS if c == "+" else _QUEST
                repeat, i = i, self.repeat(op, 0, 0, i, i + 1, last_repeat)
            elif c == "{":
                found = self.parse_repeat(i)
                if found is None:   # no repeat: `{` is a literal
                    self.literal(ord(c))
                    i += 1
                else:
                    low, high, after = found
                    if low < 0 or low > _MAX_REPEAT or high > _MAX_REPEAT or 0 <= high < low:
                        raise GoRegexError(_REPEAT_SIZE, s[i:after])
                    repeat, i = i, self.repeat(_REPEAT, low, high, i, after, last_repeat)
            elif c == "\\":
                i = self.backslash(i)
            else:
                self.literal(ord(c))
                i += 1
            last_repeat = repeat
        self.concat()
        if self.swap_vertical_bar():
            self.stack.pop()
        self.alternate()
        if len(self.stack) != 1:
            raise GoRegexError(_MISSING_PAREN, s)
        root = self.stack[0]
        self.check_limits(root)
        return Regexp(s, root, self.tables, tuple(self.scripts))

    # -- the stack (parse.go push, concat, alternate, collapse, swapVerticalBar, parseRightParen)

    def push(self, node: _Node) -> None:
        self.runes += 1 if node.op == _LITERAL else 2 * len(node.lo)
        if self.runes > _MAX_RUNES:
            raise GoRegexError(_LARGE, self.s)
        self.stack.append(node)
        self.nodes += 1

    def literal(self, rune: int) -> None:
        fold = bool(self.flags & _FOLD)
        self.tables |= fold and _FOLDING_MAY_DIFFER
        self.push(_Node(_LITERAL, rune=rune, fold=fold))

    def _top_pieces(self) -> list[_Node]:
        i = len(self.stack)
        while i > 0 and self.stack[i - 1].op < _PSEUDO:
            i -= 1
        pieces = self.stack[i:]
        del self.stack[i:]
        return pieces

    def concat(self) -> None:
        pieces = self._top_pieces()
        self.push(_collapse(pieces, _CONCAT) if pieces else _Node(_EMPTY))

    def alternate(self) -> None:
        pieces = self._top_pieces()
        self.push(_collapse(pieces, _ALTERNATE) if pieces else _Node(_NO_MATCH))

    def vertical_bar(self) -> None:
        self.concat()
        if not self.swap_vertical_bar():
            self.push(_Node(_VERTICAL_BAR))

    def swap_vertical_bar(self) -> bool:
        """A piece above a `|`: put it below (what lies below a `|` are the alternatives)."""
        if len(self.stack) >= 2 and self.stack[-2].op == _VERTICAL_BAR:
            self.stack[-1], self.stack[-2] = self.stack[-2], self.stack[-1]
            return True
        return False

    def right_paren(self) -> None:
        self.concat()
        if self.swap_vertical_bar():
            self.stack.pop()
        self.alternate()
        if len(self.stack) < 2 or self.stack[-2].op != _LEFT_PAREN:
            raise GoRegexError(_UNEXPECTED_PAREN, self.s)
        inner = self.stack.pop()
        paren = self.stack.pop()
        self.flags = paren.flags
        self.push(_Node(_CAPTURE, subs=[inner]) if paren.cap else inner)

    # -- repetition (parse.go repeat, parseRepeat, parseInt, repeatIsValid)

    def repeat(self, op: int, low: int, high: int, before: int, after: int, last_repeat: int) -> int:
        s = self.s
        greedy = not self.flags & _NON_GREEDY
        if after < len(s) and s[after] == "?":
            after += 1
            greedy = not greedy
        if last_repeat >= 0:   # Perl refuses to stack them: a** is no doubled star
            raise GoRegexError(_REPEAT_OP, s[last_repeat:after])
        if not self.stack or self.stack[-1].op >= _PSEUDO:
            raise GoRegexError(_MISSING_ARGUMENT, s[before:after])
        node = _Node(op, subs=[self.stack[-1]], min=low, max=high, greedy=greedy)
        self.stack[-1] = node
        self.nodes += 1
        if op == _REPEAT and (low >= 2 or high >= 2) and not _repeat_is_valid(node):
            raise GoRegexError(_REPEAT_SIZE, s[before:after])
        return after

    def parse_repeat(self, i: int) -> tuple[int, int, int] | None:
        """`{min}`, `{min,}` (max -1) or `{min,max}` at `i`, and where it ends; None where the text
        is no repeat (then `{` is a literal). A number too big is -1 (min then -1)."""
        s = self.s
        low, j = _parse_int(s, i + 1)
        if low is None or j >= len(s):
            return None
        high = low
        if s[j] == ",":
            j += 1
            if j >= len(s):
                return None
            if s[j] == "}":
                high = -1
            else:
                number, j = _parse_int(s, j)
                if number is None:
                    return None
                high = number
                if high < 0:
                    low = -1
        if j >= len(s) or s[j] != "}":
            return None
        return low, high, j + 1

    # -- groups and flags (parse.go parsePerlFlags)

    def perl_flags(self, i: int) -> int:
        s = self.s
        t = s[i:]
        if len(t) > 4 and t[2] == "P" and t[3] == "<" or len(t) > 3 and t[2] == "<":
            end = t.find(">")
            if end < 0:
                raise GoRegexError(_NAMED_CAPTURE, t)
            if not _CAPTURE_NAME.fullmatch(t, 4 if t[2] == "P" else 3, end):
                raise GoRegexError(_NAMED_CAPTURE, t[:end + 1])
            self.push(_Node(_LEFT_PAREN, flags=self.flags, cap=True))
            return i + end + 1
        flags, negated, saw_flag = self.flags, False, False
        j = i + 2
        while j < len(s):
            c = s[j]
            j += 1
            if c in "imsU":
                bit = {"i": _FOLD, "m": _ONE_LINE, "s": _DOT_NL, "U": _NON_GREEDY}[c]
                flags = flags & ~bit if c == "m" else flags | bit   # m turns OneLine off
                saw_flag = True
            elif c == "-":
                if negated:
                    break
                negated, saw_flag, flags = True, False, ~flags   # inverted: | clears, & sets
            elif c in ":)":
                if negated:
                    if not saw_flag:
                        break
                    flags = ~flags
                if c == ":":
                    self.push(_Node(_LEFT_PAREN, flags=self.flags))
                self.flags = flags & _ALL_FLAGS
                return j
            else:
                break
        raise GoRegexError(_PERL_OP, s[i:j])

    # -- escapes (parse.go parse's `\\` case, parseEscape, parsePerlClassEscape, parseUnicodeClass)

    def backslash(self, i: int) -> int:
        s = self.s
        kind = s[i + 1:i + 2]
        if kind in ("A", "b", "B", "z"):
            self.push(_Node({"A": _BEGIN_TEXT, "b": _WORD_BOUNDARY, "B": _NO_WORD_BOUNDARY, "z": _END_TEXT}[kind]))
            return i + 2
        if kind == "C":   # any byte: Go does not support it
            raise GoRegexError(_ESCAPE, s[i:i + 2])
        if kind == "Q":   # \Q...\E: literals, to \E or the end
            end = s.find("\\E", i + 2)
            text = s[i + 2:] if end < 0 else s[i + 2:end]
            for c in text:
                self.literal(ord(c))
            return len(s) if end < 0 else end + 2
        if kind in ("p", "P"):
            lo, hi, tables, end = self.unicode_class(i)
            self.push(_class_node(lo, hi, tables))
            return end
        group = _PERL_GROUPS.get(s[i:i + 2])
        if group is not None:
            self.push(_class_node(self.group(group), None, False))
            return i + 2
        rune, end = self.escape(i)
        self.literal(rune)
        return end

    def escape(self, i: int) -> tuple[int, int]:
        """The character the escape at `i` stands for, and where it ends."""
        s = self.s
        j = i + 1
        if j >= len(s):
            raise GoRegexError(_TRAILING_BACKSLASH, "")
        c = s[j]
        j += 1
        if c < "\x80" and not _isalnum(c):   # escaped punctuation is itself (\_ included)
            return ord(c), j
        if c in "1234567" and (j >= len(s) or not "0" <= s[j] <= "7"):
            raise GoRegexError(_ESCAPE, s[i:j])   # \1 alone: a backreference, which Go lacks
        if "0" <= c <= "7":   # octal: up to three digits
            rune = ord(c) - 0x30
            for _ in range(2):
                if j >= len(s) or not "0" <= s[j] <= "7":
                    break
                rune = rune * 8 + ord(s[j]) - 0x30
                j += 1
            return rune, j
        if c == "x":
            return self.hex_escape(i, j)
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c], j
        raise GoRegexError(_ESCAPE, s[i:j])

    def hex_escape(self, i: int, j: int) -> tuple[int, int]:
        """`\\xHH` or `\\x{H...}` (at most U+10FFFF), the `x` read: `j` is past it."""
        s = self.s
        if j >= len(s):
            raise GoRegexError(_ESCAPE, s[i:j])
        c = s[j]
        j += 1
        if c == "{":
            rune = digits = 0
            while True:
                if j >= len(s):
                    raise GoRegexError(_ESCAPE, s[i:j])
                c = s[j]
                j += 1
                if c == "}":
                    break
                value = _unhex(c)
                rune = rune * 16 + value
                if value < 0 or rune > _MAX_RUNE:
                    raise GoRegexError(_ESCAPE, s[i:j])
                digits += 1
            if not digits:
                raise GoRegexError(_ESCAPE, s[i:j])
            return rune, j
        high = _unhex(c)
        low = _unhex(s[j]) if j < len(s) else -1
        j = min(j + 1, len(s))
        if high < 0 or low < 0:
            raise GoRegexError(_ESCAPE, s[i:j])
        return high * 16 + low, j

    def unicode_class(self, i: int) -> tuple[Ranges, Ranges, bool, int]:
        """`\\pL`, `\\p{Greek}`, `\\PN`, `\\p{^Lu}` at `i`: the class at its smallest and largest
        (they differ for a script), whether it came from Unicode tables, and where it ends."""
        s = self.s
        sign = -1 if s[i + 1] == "P" else 1
        if s.startswith("{", i + 2):
            end = s.find("}", i)
            if end < 0:
                raise GoRegexError(_CHAR_RANGE, s[i:])
            seq, name, after = s[i:end + 1], s[i + 3:end], end + 1
        else:
            after = min(i + 3, len(s))
            seq = s[i:after]
            name = seq[2:]
        if name.startswith("^"):
            sign, name = -sign, name[1:]
        fold = bool(self.flags & _FOLD)
        if name == "Any":
            lo = hi = [(0, _MAX_RUNE)]
            tables = False
        elif name in _CATEGORIES:
            lo = hi = _folded(_category(name)) if fold else _category(name)
            tables = True
        elif name in _SCRIPTS:
            self.scripts.append(seq)
            lo, hi = _script_bounds(name)
            if fold:
                lo, hi = _folded(lo), _folded(hi)
            tables = True
        else:
            raise GoRegexError(_CHAR_RANGE, seq)
        self.tables |= tables
        return (lo, hi, tables, after) if sign > 0 else (_negated(hi), _negated(lo), tables, after)

    def group(self, group: tuple[int, Ranges]) -> Ranges:
        """A Perl or POSIX class (parse.go appendGroup): folded under (?i) before it is negated."""
        sign, ranges = group
        if self.flags & _FOLD:
            ranges = _folded(ranges)
        return _negated(ranges) if sign < 0 else ranges

    # -- classes (parse.go parseClass, parseNamedClass, parseClassChar)

    def parse_class(self, i: int) -> int:
        s, n = self.s, len(self.s)
        whole = s[i:]
        j = i + 1
        negated = j < n and s[j] == "^"
        j += negated
        lo: Ranges = []
        hi: Ranges = []
        tables = False
        first = True   # `]` first is a literal
        while j >= n or s[j] != "]" or first:
            first = False
            if n - j > 2 and s[j] == "[" and s[j + 1] == ":":
                named = self.named_class(j)
                if named is not None:
                    ranges, j = named
                    lo += ranges
                    hi += ranges
                    continue
            if s.startswith(("\\p", "\\P"), j):
                low_part, high_part, from_tables, j = self.unicode_class(j)
                lo += low_part
                hi += high_part
                tables |= from_tables
                continue
            group = _PERL_GROUPS.get(s[j:j + 2])
            if group is not None:
                ranges = self.group(group)
                lo += ranges
                hi += ranges
                j += 2
                continue
            start = j
            low, j = self.class_char(j, whole)
            high = low
            if n - j >= 2 and s[j] == "-" and s[j + 1] != "]":   # [a-] is a and -
                high, j = self.class_char(j + 1, whole)
                if high < low:
                    raise GoRegexError(_CHAR_RANGE, s[start:j])
            ranges = [(low, high)]
            if self.flags & _FOLD:
                ranges = _folded(ranges)
                tables |= _FOLDING_MAY_DIFFER
            lo += ranges
            hi += ranges
        lo, hi = _clean(lo), _clean(hi)
        if negated:
            lo, hi = _negated(hi), _negated(lo)
        self.tables |= tables
        self.push(_class_node(lo, hi, tables))
        return j + 1

    def named_class(self, j: int) -> tuple[Ranges, int] | None:
        """`[:alpha:]`, `[:^space:]` at `j`; None where no `:]` follows (then `[` is a literal)."""
        end = self.s.find(":]", j + 2)
        if end < 0:
            return None
        name = self.s[j:end + 2]
        group = _POSIX_GROUPS.get(name)
        if group is None:
            raise GoRegexError(_CHAR_RANGE, name)
        return self.group(group), end + 2

    def class_char(self, j: int, whole: str) -> tuple[int, int]:
        if j >= len(self.s):
            raise GoRegexError(_MISSING_BRACKET, whole)
        if self.s[j] == "\\":
            return self.escape(j)
        return ord(self.s[j]), j + 1

    # -- Go's limits (parse.go checkLimits: checkSize, checkHeight)

    def check_limits(self, root: _Node) -> None:
        """A tree nesting deeper than 1000 or whose program would pass 128 MB, checked on the
        finished tree (Go checks as it goes). Shorter expressions cannot reach either."""
        if len(self.s) >= _MAX_HEIGHT and self.nodes >= _MAX_HEIGHT and _height(root) > _MAX_HEIGHT:
            raise GoRegexError(_NESTING, self.s)
        if len(self.s) >= 500 and _size(root) > _MAX_SIZE:
            raise GoRegexError(_LARGE, self.s)


def _class_node(lo: Ranges, hi: Ranges | None, tables: bool) -> _Node:
    return _Node(_CLASS, lo=lo, hi=None if hi is None or hi == lo else hi, tables=tables)


def _collapse(pieces: list[_Node], op: int) -> _Node:
    """`op` over the pieces, flattening nested ones of the same op; in an alternation, runs of
    single characters and classes become one class (parse.go collapse and factor's round 3)."""
    if len(pieces) == 1:
        return pieces[0]
    subs: list[_Node] = []
    for piece in pieces:
        subs += piece.subs if piece.op == op else [piece]
    if op == _ALTERNATE:
        merged: list[_Node] = []
        for sub in subs:
            if merged and _char_like(sub) and _char_like(merged[-1]):
                merged[-1] = _merged(merged[-1], sub)
            else:
                merged.append(sub)
        if len(merged) == 1:
            return merged[0]
        subs = merged
    return _Node(op, subs=subs)


def _char_like(node: _Node) -> bool:
    return node.op in (_LITERAL, _CLASS, _ANY, _ANY_NOT_NL)


def _class_of(node: _Node) -> tuple[Ranges, Ranges, bool]:
    if node.op == _LITERAL:
        ranges = _literal_ranges(node)
        return ranges, ranges, node.fold and _FOLDING_MAY_DIFFER
    if node.op == _ANY:
        return [(0, _MAX_RUNE)], [(0, _MAX_RUNE)], False
    if node.op == _ANY_NOT_NL:
        return [(0, 9), (11, _MAX_RUNE)], [(0, 9), (11, _MAX_RUNE)], False
    return node.lo, node.hi if node.hi is not None else node.lo, node.tables


def _merged(a: _Node, b: _Node) -> _Node:
    a_lo, a_hi, a_tables = _class_of(a)
    b_lo, b_hi, b_tables = _class_of(b)
    return _class_node(_clean(a_lo + b_lo), _clean(a_hi + b_hi), a_tables or b_tables)


def _literal_ranges(node: _Node) -> Ranges:
    if not node.fold:
        return [(node.rune, node.rune)]
    return _clean([(c, c) for c in _orbit(node.rune)])


def _parse_int(s: str, j: int) -> tuple[int | None, int]:
    """A decimal number at `j` without a leading zero (parse.go parseInt): its value (-1 past
    10^8) and where it ends; None where there is none."""
    if j >= len(s) or not "0" <= s[j] <= "9" or s[j] == "0" and j + 1 < len(s) and "0" <= s[j + 1] <= "9":
        return None, j
    end = j
    while end < len(s) and "0" <= s[end] <= "9":
        end += 1
    value = 0
    for digit in s[j:end]:
        if value >= 10**8:
            return -1, end
        value = value * 10 + ord(digit) - 0x30
    return value, end


def _repeat_is_valid(root: _Node) -> bool:
    """Nested repeats multiply: at most 1000 copies of the innermost thing (parse.go repeatIsValid)."""
    todo = [(root, _MAX_REPEAT)]
    while todo:
        node, n = todo.pop()
        if node.op == _REPEAT:
            m = node.max
            if m == 0:
                continue
            if m < 0:
                m = node.min
            if m > n:
                return False
            if m > 0:
                n //= m
        todo += [(sub, n) for sub in node.subs]
    return True


def _postorder(root: _Node) -> list[_Node]:
    out: list[_Node] = []
    todo = [root]
    while todo:
        node = todo.pop()
        out.append(node)
        todo += node.subs
    return out[::-1]


def _height(root: _Node) -> int:
    heights: dict[int, int] = {}
    for node in _postorder(root):
        heights[id(node)] = 1 + max((heights[id(sub)] for sub in node.subs), default=0)
    return heights[id(root)]


def _size(root: _Node) -> int:
    """The program's size in instructions, as parse.go calcSize counts it."""
    sizes: dict[int, int] = {}
    for node in _postorder(root):
        subs = [sizes[id(sub)] for sub in node.subs]
        op = node.op
        if op in (_CAPTURE, _STAR):
            size = 2 + subs[0]
        elif op in (_PLUS, _QUEST):
            size = 1 + subs[0]
        elif op == _CONCAT:
            size = sum(subs)
        elif op == _ALTERNATE:
            size = sum(subs) + len(subs) - 1
        elif op == _REPEAT and node.max == -1:
            size = 2 + subs[0] if node.min == 0 else 1 + node.min * subs[0]
        elif op == _REPEAT:
            size = node.max * subs[0] + node.max - node.min
        else:
            size = 1
        sizes[id(node)] = max(1, size)
    return sizes[id(root)]


def _isalnum(c: str) -> bool:
    return "0" <= c <= "9" or "A" <= c <= "Z" or "a" <= c <= "z"


def _unhex(c: str) -> int:
    return int(c, 16) if c in "0123456789abcdefABCDEF" and c else -1


# -- classes as ranges ----------------------------------------------------------------------------

def _clean(ranges: Ranges) -> Ranges:
    """Sorted, merged, abutting ranges joined (parse.go cleanClass)."""
    out: Ranges = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _negated(ranges: Ranges) -> Ranges:
    """Every character the clean `ranges` leave out (parse.go negateClass)."""
    out: Ranges = []
    next_lo = 0
    for lo, hi in ranges:
        if next_lo <= lo - 1:
            out.append((next_lo, lo - 1))
        next_lo = hi + 1
    if next_lo <= _MAX_RUNE:
        out.append((next_lo, _MAX_RUNE))
    return out


def _union(a: Ranges, b: Ranges) -> Ranges:
    return _clean(a + b)


def _minus(a: Ranges, b: Ranges) -> Ranges:
    return _negated(_union(_negated(a), b))


# -- Unicode tables -------------------------------------------------------------------------------

_PY_UNICODE = tuple(int(part) for part in unicodedata.unidata_version.split("."))
_GO_UNICODE = tuple(int(part) for part in GO_UNICODE.split("."))


@functools.cache
def _category_runs() -> dict[str, Ranges]:
    """Each of unicodedata's two-letter categories (Cn, the unassigned, included) as ranges."""
    codes = "".join(map(unicodedata.category, map(chr, range(_MAX_RUNE + 1))))
    out: dict[str, Ranges] = {}
    for run in re.finditer(r"(..)(?:\1)*", codes):   # two letters a character
        out.setdefault(run.group(1), []).append((run.start() // 2, run.end() // 2 - 1))
    return out


@functools.cache
def _categories() -> dict[str, Ranges]:
    """unicode.Categories from unicodedata: each two-letter category but Cn (Go has no table of
    unassigned characters), and each one-letter one as the union of its own."""
    out = {name: ranges for name, ranges in _category_runs().items() if name != "Cn"}
    for major in "CLMNPSZ":
        out[major] = [r for name, ranges in out.items() if name[0] == major for r in ranges]
    return {name: _clean(ranges) for name, ranges in out.items()}


def _category(name: str) -> Ranges:
    return _categories().get(name, [])


def _script_bounds(name: str) -> tuple[Ranges, Ranges]:
    """A script class at its smallest (the characters known to be of it) and largest (all but those
    known to be of another): Python has no script data beyond ASCII's, ſ's and the Kelvin sign's."""
    known = _KNOWN_LATIN if name == "Latin" else _KNOWN_COMMON if name == "Common" else []
    return _clean(known), _clean(known + _negated(_clean(_KNOWN_SCRIPT)))


#: whether Python's case folding may differ from Go's: Unicode 15.0 added no case pairs, so the
#: orbits of Python 3.11's Unicode 14.0 are Go's (the tests hold them against Go's caseOrbit and
#: FoldCategory tables); a newer Unicode has pairs Go lacks (16.0's Garay letters)
_FOLDING_MAY_DIFFER = _PY_UNICODE > _GO_UNICODE


def _is_unknown(c: str) -> bool:
    """Whether Python's Unicode database may class `c` otherwise than Go's: a character one of the
    two editions has and the other lacks (for an older Python, what it leaves unassigned; for a
    newer one, anything assigned after Unicode 3.2, the one older edition Python keeps).
    Noncharacters are unassigned in every edition."""
    code = ord(c)
    if c < "\x80" or _PY_UNICODE == _GO_UNICODE or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return False   # the noncharacters (_NONCHARACTERS)
    if _PY_UNICODE < _GO_UNICODE:
        return unicodedata.category(c) == "Cn"
    return unicodedata.ucd_3_2_0.category(c) == "Cn"


def _has_unknown(text: str) -> bool:
    return not text.isascii() and any(_is_unknown(c) for c in text)


#: the noncharacters, unassigned in every Unicode edition
_NONCHARACTERS = _clean([(0xFDD0, 0xFDEF)] + [(plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)])


@functools.cache
def _unknown_ranges() -> Ranges:
    """The characters `_is_unknown` holds, as ranges."""
    if _PY_UNICODE < _GO_UNICODE:
        return _minus(_category_runs().get("Cn", []), _NONCHARACTERS)
    return _clean([(c, c) for c in range(0x80, _MAX_RUNE + 1) if _is_unknown(chr(c))])


#: Go's simple case folding of ASCII letters: the two cases, and the Kelvin sign with K, ſ with S
_ASCII_ORBITS: dict[int, tuple[int, ...]] = {
    **{c: (c, c + 32) for c in range(0x41, 0x5B)}, **{c: (c - 32, c) for c in range(0x61, 0x7B)},
    0x4B: (0x4B, 0x6B, 0x212A), 0x6B: (0x4B, 0x6B, 0x212A), 0x53: (0x53, 0x73, 0x17F), 0x73: (0x53, 0x73, 0x17F)}
#: the characters simple case folding can involve (parse.go minFold, maxFold; Unicode 15.0)
_MIN_FOLD, _MAX_FOLD = 0x41, 0x1E943


@functools.cache
def _orbit_table() -> tuple[dict[int, tuple[int, ...]], list[int]]:
    """unicode.SimpleFold's orbits (each character's equivalents under simple case folding,
    CaseFolding.txt status C and S) of every character that has others, and those characters
    sorted. Python's casefold is the full folding (C and F); where that gives several characters
    the simple one (S) is the simple lowercase, where there is one (ẞ → ß, ᾈ → ᾀ); İ and ı,
    whose folding is Turkish only (T), fold with nothing, as in Go."""
    parent: dict[int, int] = {}

    def root(c: int) -> int:
        while parent.setdefault(c, c) != c:
            c = parent[c]
        return c

    for c in range(_MIN_FOLD, 0x20000):
        char = chr(c)
        folded = char.casefold()
        if len(folded) != 1:
            folded = char.lower()
            if len(folded) != 1:
                continue
        if folded != char:
            a, b = root(c), root(ord(folded))
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for c in list(parent):
        members.setdefault(root(c), []).append(c)
    orbits = {c: tuple(sorted(group)) for group in members.values() if len(group) > 1 for c in group}
    return orbits, sorted(orbits)


def _orbit(rune: int) -> tuple[int, ...]:
    if rune < 0x80:
        return _ASCII_ORBITS.get(rune, (rune,))
    if not _MIN_FOLD <= rune <= _MAX_FOLD:
        return (rune,)
    return _orbit_table()[0].get(rune, (rune,))


def _folded(ranges: Ranges) -> Ranges:
    """The ranges and every character that folds with one of theirs (parse.go appendFoldedRange)."""
    extra: Ranges = []
    if all(hi < 0x80 for _, hi in ranges):
        for lo, hi in ranges:
            extra += [(o, o) for c in range(lo, hi + 1) for o in _ASCII_ORBITS.get(c, ())]
    else:
        orbits, folding = _orbit_table()
        for lo, hi in ranges:
            for c in folding[bisect.bisect_left(folding, lo):bisect.bisect_right(folding, hi)]:
                extra += [(o, o) for o in orbits[c]]
    return _clean(list(ranges) + extra)


# -- the tree in Python's syntax ------------------------------------------------------------------

_WORD = "0-9A-Za-z_"
#: Go's \b and \B: ASCII word characters on one side and not the other (or on both or neither)
_BOUNDARY = f"(?:(?<![{_WORD}])(?=[{_WORD}])|(?<=[{_WORD}])(?![{_WORD}]))"
_NO_BOUNDARY = f"(?:(?<![{_WORD}])(?![{_WORD}])|(?<=[{_WORD}])(?=[{_WORD}]))"
_EMPTY_WIDTH = {_BEGIN_LINE: "(?m:^)", _END_LINE: "(?m:$)", _BEGIN_TEXT: r"\A", _END_TEXT: r"\Z",
                _WORD_BOUNDARY: _BOUNDARY, _NO_WORD_BOUNDARY: _NO_BOUNDARY, _EMPTY: "", _NO_MATCH: "(?!)"}
_QUANTIFIERS = {_STAR: "*", _PLUS: "+", _QUEST: "?"}


class _Writer:
    """The tree as a Python pattern with no flag of Python's in force: every class written out,
    each open class at its smallest or largest (`upper`), those built from Unicode tables widened
    or narrowed by `widen` (the characters Python's database may class otherwise than Go's)."""

    def __init__(self, upper: bool, widen: Ranges | None) -> None:
        self.upper = upper
        self.widen = widen

    def pattern(self, root: _Node) -> str:
        return self.write(root)[0]

    def write(self, node: _Node) -> tuple[str, bool]:
        """The node's Python text, and whether a quantifier can follow it as it is."""
        op = node.op
        if op == _LITERAL and not node.fold:
            return _char(node.rune), True
        if op in (_LITERAL, _CLASS):
            return self.klass(node)
        if op == _ANY_NOT_NL:
            return r"[^\n]", True
        if op == _ANY:
            return "(?s:.)", True
        if op in _EMPTY_WIDTH:
            return _EMPTY_WIDTH[op], False
        if op == _CAPTURE:
            return self.write(node.subs[0])
        if op == _CONCAT:
            return "".join(self.write(sub)[0] for sub in node.subs), False
        if op == _ALTERNATE:
            return "(?:" + "|".join(self.write(sub)[0] for sub in node.subs) + ")", True
        text, atom = self.write(node.subs[0])
        if not atom:
            text = f"(?:{text})"
        if op == _REPEAT:
            quantifier = f"{{{node.min},}}" if node.max < 0 else f"{{{node.min}}}" if node.min == node.max \
                else f"{{{node.min},{node.max}}}"
        else:
            quantifier = _QUANTIFIERS[op]
        return text + quantifier + ("" if node.greedy else "?"), False

    def klass(self, node: _Node) -> tuple[str, bool]:
        lo, hi, tables = _class_of(node)
        ranges = hi if self.upper else lo
        if self.widen is not None and tables:
            ranges = _union(ranges, self.widen) if self.upper else _minus(ranges, self.widen)
        if not ranges:
            return "(?!)", False
        if ranges == [(0, _MAX_RUNE)]:
            return "(?s:.)", True
        if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
            return _char(ranges[0][0]), True
        return "[" + "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in ranges) + "]", True


def _char(c: int) -> str:
    """One character in Python's pattern syntax, itself wherever it stands (in a class or not)."""
    if c < 0x80 and (_isalnum(chr(c)) or c == 0x5F):
        return chr(c)
    if c < 0x100:
        return f"\\x{c:02x}"
    if c < 0x10000:
        return f"\\u{c:04x}"
    return f"\\U{c:08x}"
