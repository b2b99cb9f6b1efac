"""Policy regex matchers mean what Alertmanager makes of them: `^(?:value)$` compiled by Go's
regexp and matched with MatchString, not Python's re. Each case below was a difference found by
testing `gac routes` against `amtool config routes test` (amtool was right each time); they are
Go's answers, and tests/test_routing_go_regexp_amtool.py holds them against amtool itself.

gac has one model of Go's regexp, generator/go_regex.py: which patterns Go refuses (in Go's
words; lint's checks of PromQL, LogQL and TraceQL regexes use it too) and a translation of what
Go takes into a Python pattern that matches the same texts. These tests need no amtool.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import go_regex
from generator.cli import main
from generator.routing import matchers as m
from tests.lint_cases import notifications as nt
from tests.lint_cases.builders import lint_project, only

# (pattern, label value, whether Alertmanager's matcher a=~pattern matches it)
MATCHES = [
    # 1. flags after the start, and scoped: Python's re refused them (a traceback in `gac routes`)
    ("(?i)critical", "CRITICAL", True), ("(?i)critical", "critical", True), ("(?i)critical", "warn", False),
    ("(?i)crit.*|warn", "WARN", True), ("(?s)new.l", "new\nl", True), ("new.l", "new\nl", False),
    ("(?m)^a$", "a", True), ("a\n(?m)^b", "a\nb", True), ("a\n^b", "a\nb", False),
    ("(?-i)a", "a", True), ("a(?i)b", "aB", True), ("a(?i)b", "AB", False), ("(?i:a)b", "Ab", True),
    ("(?i:a)b", "AB", False), ("(?i)a(?-i)b", "Ab", True), ("(?i)a(?-i)b", "AB", False),
    ("(?U)a+", "aa", True), ("(?U)a+?", "aa", True), ("(?Ui)A*?b", "aab", True),
    # 2. Go's \d \w \s \b are ASCII (Python's Unicode); \s leaves \v out; Python's \B misses ""
    ("\\w+", "école", False), ("\\w+", "ecole_1", True), ("\\W", "é", True), ("\\d", "٣", False),
    ("\\D", "٣", True), ("\\s", "\x0b", False), ("\\s", "\u00a0", False), ("[\\s]", "\t", True),
    ("\\bé", "é", False), ("x\\b", "x", True), ("é\\B", "é", True), ("\\B", "", True),
    # 2. a `{` that starts no valid repeat is a literal
    ("x{,2}", "x{,2}", True), ("x{,2}", "xx", False), ("a{,}", "a{,}", True), ("x{2,1", "x{2,1", True),
    # 2. POSIX classes, negated ones too
    ("[[:alpha:]]+", "abc", True), ("[[:alpha:]]+", "é", False), ("[[:^alpha:]]+", "12", True),
    ("[[:digit:][:upper:]]+", "A1", True), ("[[:space:]]", "\x0b", True), ("[[:^space:]]", "\x0b", False),
    # 2. Go's simple case folding: K and the Kelvin sign, s and ſ, ß and ẞ, but ı and İ fold with nothing
    ("(?i)i", "ı", False), ("(?i)i", "İ", False), ("(?i)ı", "I", False), ("(?i)İ", "i", False),
    ("(?i)k", "\u212a", True), ("(?i)s", "ſ", True), ("(?i)ſ", "S", True), ("(?i)ß", "ẞ", True),
    ("(?i)µ", "Μ", True), ("(?i)σ", "ς", True), ("(?i)straße", "STRASSE", False), ("(?i)[a-z]", "\u212a", True),
    ("(?i)[^k]", "\u212a", False), ("(?i)\\w", "ſ", True), ("(?i)\\W", "ſ", False), ("(?i)[[:upper:]]", "k", True),
    # 2. `$` without (?m) is the end of the text, not before a final newline
    ("a$\n?", "a\n", False), ("a$", "a\n", False), ("a\\z", "a", True),
    # 3. what Python's re refused and Go takes
    ("\\pL+", "é", True), ("\\pL+", "1", False), ("\\p{Lu}", "É", True), ("\\PL", "1", True),
    ("\\p{^L}", "1", True), ("\\P{^L}", "é", True), ("[\\pL]", "é", True), ("[^\\pL]", "é", False),
    ("\\pN", "٣", True), ("\\p{Nd}+", "٣3", True), ("(?i)\\p{Lu}", "é", True), ("\\p{Any}", "\n", True),
    ("\\p{Greek}", "a", False), ("\\p{Latin}+", "abc", True), ("\\P{Greek}+", "abc", True),
    ("\\Qa.b\\E", "a.b", True), ("\\Qa.b\\E", "axb", False), ("\\Q(?i)\\E", "(?i)", True),
    ("\\x{41}", "A", True), ("\\x41", "A", True), ("\\x{1F600}", "\U0001F600", True),
    ("[\\d-z]", "-", True), ("[\\d-z]", "5", True), ("[\\d-z]", "y", False), ("[a-]", "-", True),
    ("\\101", "A", True), ("\\12", "\n", True), ("\\0", "\x00", True), ("\\_", "_", True),
    ("(?P<n>a)", "a", True), ("(?<n>a)", "a", True), ("(a)|b", "b", True), ("a*(?i)*", "aa", True),
    # the anchoring group can be closed from inside: `^(?:a)|(b)$`
    ("a)|(b", "xb", True), ("a)|(b", "ax", True), ("a)|(b", "xa", False),
]

# (pattern, Go's refusal): Python's re took each (or refused it otherwise)
REFUSED = [
    # 4. Go refuses what Python takes
    ("a{1001}", "invalid repeat count: `{1001}`"), ("\\u00e9", "invalid escape sequence: `\\u`"),
    ("\\N{LATIN SMALL LETTER E WITH ACUTE}", "invalid escape sequence: `\\N`"),
    ("(?#c)a", "invalid or unsupported Perl syntax: `(?#`"),
    # 1. flags Go does not know (Python's re crashed on them past the start)
    ("(?x)a b", "invalid or unsupported Perl syntax: `(?x`"), ("(?a)\\w", "invalid or unsupported Perl syntax: `(?a`"),
    ("(?L)a", "invalid or unsupported Perl syntax: `(?L`"), ("a(?u)", "invalid or unsupported Perl syntax: `(?u`"),
    ("(?i-)a", "invalid or unsupported Perl syntax: `(?i-)`"),
    ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"), ("x*+", "invalid nested repetition operator: `*+`"),
    ("a**?", "invalid nested repetition operator: `**?`"),
    ("(a{10}){101}", "invalid repeat count: `{101}`"), ("\\Z", "invalid escape sequence: `\\Z`"),
    ("\\C", "invalid escape sequence: `\\C`"), ("\\G", "invalid escape sequence: `\\G`"),
    ("\\8", "invalid escape sequence: `\\8`"), ("\\1", "invalid escape sequence: `\\1`"),
    ("[\\b]", "invalid escape sequence: `\\b`"), ("\\x{110000}", "invalid escape sequence: `\\x{110000`"),
    ("a|*", "missing argument to repetition operator: `*`"), ("(?i)*", "missing argument to repetition operator: `*`"),
    ("{1}", "missing argument to repetition operator: `{1}`"),
    ("(?=x)", "invalid or unsupported Perl syntax: `(?=`"), ("(?!x)", "invalid or unsupported Perl syntax: `(?!`"),
    ("(?<!x)y", "invalid named capture: `(?<!x)y)$`"), ("(?P<a.b>x)", "invalid named capture: `(?P<a.b>`"),
    ("(?P=n)", "invalid or unsupported Perl syntax: `(?P`"), ("(?>a)", "invalid or unsupported Perl syntax: `(?>`"),
    ("\\pz", "invalid character class range: `\\pz`"), ("\\p{Letter}", "invalid character class range: `\\p{Letter}`"),
    ("\\p{greek}", "invalid character class range: `\\p{greek}`"), ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
    ("[z-a]", "invalid character class range: `z-a`"),
    # the anchoring Alertmanager adds is part of what Go parses
    ("(a", "missing closing ): `^(?:(a)$`"), ("[a", "missing closing ]: `[a)$`"), ("\\", "missing closing ): `^(?:\\)$`"),
    ("\\Qa", "missing closing ): `^(?:\\Qa)$`"),
]


def _matches(pattern: str, value: str) -> bool:
    return m.Matcher("a", "=~", pattern).matches({"a": value} if value else {})


@pytest.mark.parametrize(("pattern", "value", "expected"), MATCHES)
def test_a_regex_matcher_matches_as_alertmanager_does(pattern: str, value: str, expected: bool) -> None:
    assert _matches(pattern, value) is expected
    assert m.Matcher("a", "!~", pattern).matches({"a": value}) is not expected


@pytest.mark.parametrize(("pattern", "message"), REFUSED)
def test_a_regex_alertmanager_refuses_is_refused_in_gos_words(pattern: str, message: str) -> None:
    with pytest.raises(m.MatcherError) as refused:
        m.Matcher("a", "=~", pattern)
    assert str(refused.value).endswith(f"error parsing regexp: {message}"), str(refused.value)


def test_match_re_is_anchored_twice() -> None:
    """Alertmanager compiles a `match_re` value anchored when it loads the configuration, then
    anchors that source again for the route's matcher (dispatch.NewRoute): both must compile."""
    [matcher] = m.of_route({"match_re": {"a": "a)|(b"}})
    assert matcher.text() == 'a=~"^(?:a)|(b)$"'
    assert [matcher.matches({"a": v}) for v in ("a", "b", "xb", "ax")] == [True, True, False, False]
    assert [_matches("a)|(b", v) for v in ("a", "b", "xb", "ax")] == [True, True, True, True]
    with pytest.raises(m.MatcherError, match=r"match_re a: '\(a': error parsing regexp: missing closing \)"):
        m.of_route({"match_re": {"a": "(a"}})   # anchored twice it would compile
    with pytest.raises(m.MatcherError, match="missing closing"):
        m.of_route({"match_re": {"a": "a)s\\Q"}})   # anchored once it compiles


def _tree_root(tmp_path: Path, tree: dict[str, object]) -> Path:
    policies = tmp_path / "generated" / "notification-policies"
    policies.mkdir(parents=True)
    (policies / "policy-tree.json").write_text(json.dumps(tree, ensure_ascii=False))
    return tmp_path


def _routes(root: Path, *labels: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["routes", "--root", str(root), "--quiet", *labels])
    assert not result.exception or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


TREE = {"receiver": "team", "routes": [
    {"receiver": "oncall", "object_matchers": [["severity", "=~", "(?i)critical|(?s)page.*"]]},
    {"receiver": "greek", "object_matchers": [["team", "=~", "\\p{Greek}+"]]}]}


def test_gac_routes_follows_flags_after_the_start(tmp_path: Path) -> None:
    root = _tree_root(tmp_path, TREE)
    assert _routes(root, "severity=CRITICAL") == (0, "oncall\n")
    assert _routes(root, 'severity="page\\nnow"') == (0, "oncall\n")
    assert _routes(root, "severity=warning") == (0, "team\n")


def test_gac_routes_refuses_to_guess_a_script(tmp_path: Path) -> None:
    """Python has no Unicode script data: where the answer depends on it, `gac routes` says so;
    ASCII characters' scripts are known (letters are Latin, the rest Common)."""
    root = _tree_root(tmp_path, TREE)
    assert _routes(root, "team=abc") == (0, "team\n")
    code, output = _routes(root, "team=αβ")
    assert code == 2
    assert "gac cannot evaluate \\p{Greek} exactly for 'αβ'" in output and "team=~" in output


def test_lint_follows_a_tree_with_flags_and_reports_gos_refusals() -> None:
    """notification-unrouted follows the tree (it raised an internal error on `(?i)`), and
    notification-syntax reports what Go refuses, in Go's words."""
    tree = {"receiver": "", "routes": [{"receiver": "oncall", "object_matchers": [["severity", "=~", "(?i)WARNING"]]}]}
    findings = lint_project(*nt.setup(tree=tree))
    assert not only(findings, "lint-internal-error") and not only(findings, "notification-unrouted")
    tree = {"receiver": "", "routes": [{"receiver": "oncall", "object_matchers": [["severity", "=~", "warn{1001}"]]}]}
    syntax = only(lint_project(*nt.setup(tree=tree)), "notification-syntax")
    assert len(syntax) == 1 and "invalid repeat count: `{1001}`" in syntax[0].message


# -- the translation ------------------------------------------------------------------------------

def _python(pattern: str) -> str:
    return m.alertmanager_regexp(pattern).python


#: Python's inline flags other than the scoped `(?m:^)`, `(?m:$)` and `(?s:.)`, which say one thing each
_PYTHON_FLAGS = re.compile(r"\(\?(?!m:[\^$]\)|s:\.\))[aiLmsux-]*[:)]")


@pytest.mark.parametrize("pattern", [p for p, _, _ in MATCHES])
def test_the_python_spelling_leaves_no_flag_to_pythons_reading(pattern: str) -> None:
    """Every flag is resolved in the tree, so Python's IGNORECASE, MULTILINE, DOTALL and Unicode
    classes never decide anything: classes are written out, `\\w` as `[0-9A-Za-z_]`."""
    python = _python(pattern)
    assert not _PYTHON_FLAGS.search(python.replace("(?:", "")), python
    assert not re.search(r"(?<!\\)\\[wWdDsSbB]", python), python


@pytest.mark.parametrize(("pattern", "python"), [
    ("(?i)k", "\\A[Kk\\u212a]\\Z"), ("(?i)critical", "\\A[Cc][Rr][Ii][Tt][Ii][Cc][Aa][Ll]\\Z"),
    ("x{,2}", "\\Ax\\x7b\\x2c2\\x7d\\Z"), ("\\d", "\\A[0-9]\\Z"), ("a$", "\\Aa\\Z\\Z"),
    ("(?m)a$", "\\Aa(?m:$)\\Z"), (".", "\\A[^\\n]\\Z"), ("(?s).", "\\A(?s:.)\\Z"),
    ("(?U)a*", "\\Aa*?\\Z"), ("(?U)a*?", "\\Aa*\\Z"), ("\\Qa.b\\E", "\\Aa\\x2eb\\Z"), ("\\101", "\\AA\\Z"),
    ("a|b|c", "\\A[a-c]\\Z"), ("a)|(b", "(?:\\Aa|b\\Z)"),
])
def test_the_python_spelling(pattern: str, python: str) -> None:
    assert _python(pattern) == python


def test_a_pattern_is_compiled_once() -> None:
    """`gac routes` and lint evaluate the same matchers for many alerts: the parse and the
    Python pattern are kept (a matcher's regex is looked up, never recompiled)."""
    first = m.alertmanager_regexp("(?i)crit.*")
    assert m.alertmanager_regexp("(?i)crit.*") is first
    first.search("CRIT")
    assert first._pattern(False, False) is first._pattern(False, False)


def test_lints_verdicts_are_the_same_model() -> None:
    """Lint's checks of PromQL, LogQL and TraceQL regexes read the pattern alone, with the same
    parser: one model of what Go refuses."""
    from generator.lint import logql, promql_parse, traceql
    assert promql_parse.re2_refusal is go_regex.re2_refusal and promql_parse.go_regex_error is go_regex.go_regex_error
    assert logql.go_regex_error is traceql.go_regex_error is go_regex.go_regex_error
    assert go_regex.re2_refusal("a)|(b") == "unexpected ): `a)|(b`"   # alone, not anchored
    assert go_regex.re2_refusal("(?i)a(?s)b") is None and go_regex.matches_empty("(?i)a|") is True
    assert go_regex.matches_empty("\\p{Greek}*") is True and go_regex.matches_empty("\\p{Greek}") is False


def test_gos_limits() -> None:
    """Nesting over 1000 deep and nested repeats over 1000 copies are refused, as Go refuses them."""
    deep = "(" * 1001 + "a" + ")" * 1001
    assert go_regex.re2_refusal(deep) == f"expression nests too deeply: `{deep}`"
    assert go_regex.re2_refusal("(" * 900 + "a" + ")" * 900) is None
    assert go_regex.re2_refusal("((a{10}){10}){10}") is None
    assert go_regex.re2_refusal("((a{10}){10}){11}") == "invalid repeat count: `{11}`"
    big = "(?:" + "a" * 3400 + "){1000}"
    assert go_regex.re2_refusal(big) == f"expression too large: `{big}`"


# -- Unicode: Go's tables, built from Python's unicodedata ----------------------------------------

#: src/unicode/tables.go caseOrbit (Unicode 15.0.0): SimpleFold(from) = to, for every orbit of
#: more than two characters, and İ and ı, which fold with nothing
CASE_ORBIT = """
004B:006B 0053:0073 006B:212A 0073:017F 00B5:039C 00C5:00E5 00DF:1E9E 00E5:212B 0130:0130 0131:0131 017F:0053
01C4:01C5 01C5:01C6 01C6:01C4 01C7:01C8 01C8:01C9 01C9:01C7 01CA:01CB 01CB:01CC 01CC:01CA 01F1:01F2 01F2:01F3
01F3:01F1 0345:0399 0392:03B2 0395:03B5 0398:03B8 0399:03B9 039A:03BA 039C:03BC 03A0:03C0 03A1:03C1 03A3:03C2
03A6:03C6 03A9:03C9 03B2:03D0 03B5:03F5 03B8:03D1 03B9:1FBE 03BA:03F0 03BC:00B5 03C0:03D6 03C1:03F1 03C2:03C3
03C3:03A3 03C6:03D5 03C9:2126 03D0:0392 03D1:03F4 03D5:03A6 03D6:03A0 03F0:039A 03F1:03A1 03F4:0398 03F5:0395
0412:0432 0414:0434 041E:043E 0421:0441 0422:0442 042A:044A 0432:1C80 0434:1C81 043E:1C82 0441:1C83 0442:1C84
044A:1C86 0462:0463 0463:1C87 1C80:0412 1C81:0414 1C82:041E 1C83:0421 1C84:1C85 1C85:0422 1C86:042A 1C87:0462
1C88:A64A 1E60:1E61 1E61:1E9B 1E9B:1E60 1E9E:00DF 1FBE:0345 2126:03A9 212A:004B 212B:00C5 A64A:A64B A64B:1C88
"""

#: src/unicode/tables.go FoldCategory (Unicode 15.0.0): the characters outside each category
#: that fold with one inside it (Go's `(?i)\pL` is L and these), as lo-hi/stride ranges
FOLD_CATEGORY = {
    "L": "0345",
    "Ll": """0041-005a 00c0-00d6 00d8-00de 0100-012e/2 0132-0136/2 0139-0147/2 014a-0178/2 0179-017d/2 0181-0182
0184-0186/2 0187-0189/2 018a-018b 018e-0191 0193-0194 0196-0198 019c-019d 019f-01a0 01a2-01a6/2
01a7-01a9/2 01ac-01ae/2 01af-01b1/2 01b2-01b3 01b5-01b7/2 01b8-01bc/4 01c4-01c5 01c7-01c8 01ca-01cb
01cd-01db/2 01de-01ee/2 01f1-01f2 01f4-01f6/2 01f7-01f8 01fa-0232/2 023a-023b 023d-023e 0241-0243/2
0244-0246 0248-024e/2 0345-0370/43 0372-0376/4 037f-0386/7 0388-038a 038c-038e/2 038f-0391/2
0392-03a1 03a3-03ab 03cf-03d8/9 03da-03ee/2 03f4-03f7/3 03f9-03fa 03fd-042f 0460-0480/2 048a-04c0/2
04c1-04cd/2 04d0-052e/2 0531-0556 10a0-10c5 10c7-10cd/6 13a0-13f5 1c90-1cba 1cbd-1cbf 1e00-1e94/2
1e9e-1efe/2 1f08-1f0f 1f18-1f1d 1f28-1f2f 1f38-1f3f 1f48-1f4d 1f59-1f5f/2 1f68-1f6f 1f88-1f8f
1f98-1f9f 1fa8-1faf 1fb8-1fbc 1fc8-1fcc 1fd8-1fdb 1fe8-1fec 1ff8-1ffc 2126-212a/4 212b-2132/7
2183-2c00/2685 2c01-2c2f 2c60-2c62/2 2c63-2c64 2c67-2c6d/2 2c6e-2c70 2c72-2c75/3 2c7e-2c80
2c82-2ce2/2 2ceb-2ced/2 2cf2-a640/31054 a642-a66c/2 a680-a69a/2 a722-a72e/2 a732-a76e/2 a779-a77d/2
a77e-a786/2 a78b-a78d/2 a790-a792/2 a796-a7aa/2 a7ab-a7ae a7b0-a7b4 a7b6-a7c4/2 a7c5-a7c7
a7c9-a7d0/7 a7d6-a7d8/2 a7f5-ff21/22316 ff22-ff3a 10400-10427 104b0-104d3 10570-1057a 1057c-1058a
1058c-10592 10594-10595 10c80-10cb2 118a0-118bf 16e40-16e5f 1e900-1e921""",
    "Lt": "01c4-01c6/2 01c7-01c9/2 01ca-01cc/2 01f1-01f3/2 1f80-1f87 1f90-1f97 1fa0-1fa7 1fb3-1fc3/16 1ff3",
    "Lu": """0061-007a 00b5-00df/42 00e0-00f6 00f8-00ff 0101-012f/2 0133-0137/2 013a-0148/2 014b-0177/2
017a-017e/2 017f-0180 0183-0185/2 0188-018c/4 0192-0195/3 0199-019a 019e-01a1/3 01a3-01a5/2
01a8-01ad/5 01b0-01b4/4 01b6-01b9/3 01bd-01bf/2 01c5-01c6 01c8-01c9 01cb-01cc 01ce-01dc/2
01dd-01ef/2 01f2-01f3 01f5-01f9/4 01fb-021f/2 0223-0233/2 023c-023f/3 0240-0242/2 0247-024f/2
0250-0254 0256-0257 0259-025b/2 025c-0260/4 0261-0265/2 0266-0268/2 0269-026c 026f-0271/2
0272-0275/3 027d-0280/3 0282-0283 0287-028c 0292-029d/11 029e-0345/167 0371-0373/2 0377-037b/4
037c-037d 03ac-03af 03b1-03ce 03d0-03d1 03d5-03d7 03d9-03ef/2 03f0-03f3 03f5-03fb/3 0430-045f
0461-0481/2 048b-04bf/2 04c2-04ce/2 04cf-052f/2 0561-0586 10d0-10fa 10fd-10ff 13f8-13fd 1c80-1c88
1d79-1d7d/4 1d8e-1e01/115 1e03-1e95/2 1e9b-1ea1/6 1ea3-1eff/2 1f00-1f07 1f10-1f15 1f20-1f27
1f30-1f37 1f40-1f45 1f51-1f57/2 1f60-1f67 1f70-1f7d 1fb0-1fb1 1fbe-1fd0/18 1fd1-1fe0/15 1fe1-1fe5/4
214e-2184/54 2c30-2c5f 2c61-2c65/4 2c66-2c6c/2 2c73-2c76/3 2c81-2ce3/2 2cec-2cee/2 2cf3-2d00/13
2d01-2d25 2d27-2d2d/6 a641-a66d/2 a681-a69b/2 a723-a72f/2 a733-a76f/2 a77a-a77c/2 a77f-a787/2
a78c-a791/5 a793-a794 a797-a7a9/2 a7b5-a7c3/2 a7c8-a7ca/2 a7d1-a7d7/6 a7d9-a7f6/29 ab53-ab70/29
ab71-abbf ff41-ff5a 10428-1044f 104d8-104fb 10597-105a1 105a3-105b1 105b3-105b9 105bb-105bc
10cc0-10cf2 118c0-118df 16e60-16e7f 1e922-1e943""",
    "M": "0399-03b9/32 1fbe",
    "Mn": "0399-03b9/32 1fbe",
}


def _go_table(text: str) -> set[int]:
    out: set[int] = set()
    for token in text.split():
        span, _, stride = token.partition("/")
        lo, _, hi = span.partition("-")
        out |= set(range(int(lo, 16), int(hi or lo, 16) + 1, int(stride or 1)))
    return out


def _chars(ranges: list[tuple[int, int]]) -> set[int]:
    return {c for lo, hi in ranges for c in range(lo, hi + 1)}


def test_case_folding_orbits_are_gos() -> None:
    """The orbits built from unicodedata (casefold, and the simple lowercase where the full
    folding is longer) are Go's: every orbit of more than two characters is one of caseOrbit's,
    and caseOrbit's are all there; İ and ı fold with nothing."""
    following = {int(a, 16): int(b, 16) for a, b in (pair.split(":") for pair in CASE_ORBIT.split())}
    for start in following:
        orbit, c = {start}, following[start]
        while c != start:
            orbit.add(c)
            c = following[c]
        assert go_regex._orbit(start) == tuple(sorted(orbit)), hex(start)
    orbits, _ = go_regex._orbit_table()
    assert {o for o in orbits.values() if len(o) > 2} == {go_regex._orbit(c) for c in following if len(go_regex._orbit(c)) > 2}


@pytest.mark.parametrize("category", sorted(FOLD_CATEGORY))
def test_case_folded_categories_are_gos(category: str) -> None:
    """Go's `(?i)\\p{Lu}` is Lu and FoldCategory["Lu"]: the category built from unicodedata and
    closed under the orbits adds exactly Go's table (which checks both, at Unicode 15.0.0)."""
    base = go_regex._category(category)
    assert _chars(go_regex._folded(base)) - _chars(base) == _go_table(FOLD_CATEGORY[category])


def test_categories_are_gos() -> None:
    """Go's C is Cc, Cf, Co and Cs: unassigned characters are in no category (Go 1.24 and before
    have no Cn); a one-letter category is the union of its two-letter ones."""
    assert not _matches("\\pC", "\uffff") and _matches("\\PC", "\U0010ffff")   # noncharacters: never assigned
    assert _matches("\\pC", "\ue000") and _matches("\\pC", "\x00") and _matches("\\p{Cs}", "\ud800")
    rng = random.Random(3)
    for c in [rng.randrange(0x30000) for _ in range(300)] + [0x41, 0xE9, 0x663, 0x2028, 0x20AC, 0x1F600]:
        category = unicodedata.category(chr(c))
        if category != "Cn":
            assert _matches(f"\\p{{{category}}}", chr(c)) and _matches(f"\\p{category[0]}", chr(c)), hex(c)


def test_a_character_pythons_unicode_does_not_know_is_never_guessed() -> None:
    """Go's tables are Unicode 15.0.0's; Python's may be older (3.11: 14.0.0). A character Python
    does not know is answered only where no table could change the answer."""
    new = "\U00031350"   # CJK Extension H, Unicode 15.0: a letter (Lo) to Go
    for pattern, value, go in [("\\pL", new, True), ("\\PL", new, False), ("(?i)\\p{Lo}", new, True)]:
        try:
            assert _matches(pattern, value) is go
        except m.UnevaluableMatcher as exc:
            assert "U+31350" in str(exc) and unicodedata.unidata_version != go_regex.GO_UNICODE
    assert _matches("(?i)ab", "a" + new) is False and _matches("(?i)a.", "a" + new) is True
    assert _matches("[^a]", new) is True and _matches("\\w", new) is False


def test_a_script_is_known_for_ascii_only() -> None:
    """Python has no script data: a script class is known to hold the ASCII characters of its
    script and to lack the others (and ſ and the Kelvin sign, which fold with ASCII letters,
    are Latin); a match that depends on any other character is refused, never guessed."""
    for pattern, value, go in [("\\p{Latin}", "a", True), ("\\p{Common}", "1", True), ("\\p{Greek}", "1", False),
                               ("\\P{Greek}+", "a1", True), ("(?i)\\p{Greek}", "k", False), ("[^\\p{Han}]", "x", True),
                               ("\\p{Greek}|x", "x", True), ("\\p{Greek}", "", False), ("\\p{Han}+", "ab日", False),
                               ("(?i)\\p{Latin}", "\u212a", True)]:
        assert _matches(pattern, value) is go, (pattern, value)
    for pattern, value in [("\\p{Greek}", "α"), ("\\P{Latin}", "é"), ("\\p{Han}+", "日本")]:
        with pytest.raises(m.UnevaluableMatcher, match="gac cannot evaluate .* exactly"):
            _matches(pattern, value)
