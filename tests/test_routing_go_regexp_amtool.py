"""Regex matchers held against Alertmanager's own: amtool compiles each pattern as Alertmanager
does (`^(?:value)$` with Go's regexp) and routes label values through it. gac's verdicts (refused
or not, in the same words) and answers must be amtool's, on the cases of
tests/test_routing_go_regexp.py and on random patterns, Unicode classes and case folding.

Debian's amtool 0.25 is built with Go 1.19 (Unicode 13.0.0); gac models Go 1.22 to 1.24 (Unicode
15.0.0), which Grafana is built with. The patterns leave out what changed between them (named
groups spelled `(?<name>`, Go 1.22), and the characters are ones every edition since classes
alike. Skipped where amtool is not installed.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from generator import go_regex
from generator.routing import matchers as m
from tests.test_routing_go_regexp import MATCHES, REFUSED

AMTOOL = shutil.which("amtool")
pytestmark = pytest.mark.skipif(AMTOOL is None,
                                reason="amtool is not installed (apt-get install prometheus-alertmanager)")


def _quoted(value: str) -> str:
    """A label value as amtool's classic matcher parser reads it back (pkg/labels.ParseMatcher)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _write_config(path: Path, patterns: list[str], match_re: bool = False) -> Path:
    """Routes matching `a` with each pattern: as a `matchers` string (anchored once, as Grafana's
    object_matchers are) or as a `match_re` entry (anchored twice)."""
    routes = [{"receiver": f"r{i}", "continue": True} | ({"match_re": {"a": p}} if match_re else
                                                          {"matchers": [f"a=~{_quoted(p)}"]})
              for i, p in enumerate(patterns)]
    receivers = [{"name": "none"}] + [{"name": f"r{i}"} for i in range(len(patterns))]
    path.write_text(yaml.safe_dump({"route": {"receiver": "none", "routes": routes}, "receivers": receivers},
                                   allow_unicode=True))
    return path


def _amtool(config: Path, value: str) -> subprocess.CompletedProcess[str]:
    labels = ["b=x"] + ([f"a={_quoted(value)}"] if value else [])
    return subprocess.run([AMTOOL or "amtool", "config", "routes", "test", f"--config.file={config}", *labels],
                          capture_output=True, text=True, timeout=60)


def _amtool_refusal(tmp_path: Path, index: int, pattern: str, match_re: bool = False) -> str | None:
    """What amtool says of `pattern`: None when it loads, else Go's message (after "error parsing regexp: ")."""
    done = _amtool(_write_config(tmp_path / f"check-{index}.yml", [pattern], match_re), "x")
    if done.returncode == 0:
        return None
    said = (done.stdout + done.stderr).strip().splitlines()[-1]
    return said.split("error parsing regexp: ", 1)[1] if "error parsing regexp: " in said else said


def _amtool_refusals(tmp_path: Path, patterns: list[str], match_re: bool = False) -> dict[str, str | None]:
    with ThreadPoolExecutor(8) as pool:
        return dict(zip(patterns, pool.map(lambda ip: _amtool_refusal(tmp_path, *ip, match_re), enumerate(patterns))))


def _amtool_matches(tmp_path: Path, patterns: list[str], values: list[str],
                    match_re: bool = False) -> dict[str, set[str]]:
    """For each value, the patterns amtool matches it with (all routes `continue`)."""
    config = _write_config(tmp_path / "routes.yml", patterns, match_re)

    def reached(value: str) -> set[str]:
        done = _amtool(config, value)
        assert done.returncode == 0, done.stderr
        return {patterns[int(r[1:])] for r in done.stdout.strip().split(",") if r != "none"}

    with ThreadPoolExecutor(8) as pool:
        return dict(zip(values, pool.map(reached, values)))


def _gac_refusal(pattern: str) -> str | None:
    try:
        m.Matcher("a", "=~", pattern)
    except m.MatcherError as exc:
        return str(exc).split("error parsing regexp: ", 1)[1]
    return None


def _gac_matches(pattern: str, value: str) -> bool | None:
    """gac's answer; None where gac says it cannot tell (a script class on other than ASCII)."""
    try:
        return m.Matcher("a", "=~", pattern).matches({"a": value})
    except m.UnevaluableMatcher:
        return None


def _agree(tmp_path: Path, patterns: list[str], values: list[str]) -> int:
    """Assert gac's verdicts and answers are amtool's; how many answers gac gave."""
    patterns = sorted(set(patterns))
    refusals = _amtool_refusals(tmp_path, patterns)
    for pattern in patterns:
        assert _gac_refusal(pattern) == refusals[pattern], pattern
    taken = [p for p in patterns if refusals[p] is None]
    answered = 0
    for value, reached in _amtool_matches(tmp_path, taken, sorted(set(values))).items():
        for pattern in taken:
            ours = _gac_matches(pattern, value)
            if ours is not None:
                answered += 1
                assert ours == (pattern in reached), (pattern, value)
    return answered


def test_the_cases_are_what_alertmanager_says(tmp_path: Path) -> None:
    """Every case of the unit tests, as amtool decides it (`(?<` is Go 1.22's: Go 1.19 reads no
    named group there, so it refuses `(?<!x)` otherwise and `(?<n>a)` at all)."""
    refused = {p: said for p, said in REFUSED if "(?<" not in p}
    refusals = _amtool_refusals(tmp_path, sorted(refused))
    assert refusals == refused
    cases = [(p, v, e) for p, v, e in MATCHES if "(?<" not in p and "\x00" not in v]   # no NUL in an argv
    reached = _amtool_matches(tmp_path, sorted({p for p, _, _ in cases}), sorted({v for _, v, _ in cases}))
    assert [(p, v, p in reached[v]) for p, v, _ in cases] == cases


#: pieces of patterns: Go's syntax where Python's differs, and plain text around it
ATOMS = ["a", "b", "k", "K", "s", "é", "ß", "ı", "İ", "ſ", "\u212a", "σ", "1", " ", "-", ",", ".", "\\.", "\\w", "\\W",
         "\\d", "\\D", "\\s", "\\S", "\\b", "\\B", "\\A", "\\z", "^", "$", "[a-c]", "[^a]", "[[:alpha:]]",
         "[[:^space:]]", "[\\d-z]", "[\\w,]", "[k]", "\\pL", "\\p{Lu}", "\\PN", "\\p{Greek}", "\\pZ", "(?i)", "(?-i)",
         "(?s)", "(?m)", "(?U)", "(?i:", "(?P<n>", "(", ")", "|", "*", "+", "?", "*?", "{2}", "{,2}", "{1,}", "{0}",
         "\\Q.\\E", "\\Q", "\\x{41}", "\\x41", "\\101", "\\12", "\\n", "\\", "\\q", "[", "]", "{", "}", "\\pz", "(?x)"]
VALUES = ["", "a", "b", "A", "ab", "aa", "k", "K", "\u212a", "s", "S", "ſ", "é", "É", "ß", "ẞ", "ı", "İ", "i", "I",
          "1", "12", "٣", " ", "\n", "a\n", "\t", "\x0b", "-", "_", "{", "}", "{,2}", ",", "α", "Σ", "σ", "ς", "日", ".",
          "a b", "ab1", "x", "A.", "é1"]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_patterns_are_judged_and_matched_as_alertmanager_does(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    patterns = ["".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 6))) for _ in range(250)]
    assert _agree(tmp_path, patterns, VALUES + [rng.choice(VALUES) + rng.choice(VALUES) for _ in range(20)]) > 3000


def _stable(c: int) -> bool:
    """A character every Unicode edition since 3.2 has, in the same category (so amtool's Unicode
    13.0.0 classes it as gac's 15.0.0 does)."""
    char = chr(c)
    return unicodedata.ucd_3_2_0.category(char) == unicodedata.category(char) != "Cn"


def test_unicode_categories_are_gos(tmp_path: Path) -> None:
    """Each of Go's categories (`\\pL`, `\\p{Nd}`, negated, case-folded) on characters of every kind."""
    rng = random.Random(5)
    chars = [chr(c) for c in sorted({rng.randrange(0x20, 0x30000) for _ in range(4000)}) if _stable(c)][:160]
    names = sorted(go_regex._CATEGORIES)
    patterns = [f"\\p{{{n}}}" for n in names] + [f"\\P{{{n}}}" for n in names[::3]] + \
        ["(?i)\\p{Lu}", "(?i)\\p{Ll}", "(?i)\\p{Lt}", "(?i)[^\\p{Ll}]", "\\p{Any}", "[\\pN\\p{Sc}]"]
    assert _agree(tmp_path, patterns, chars) == len(patterns) * len(chars)


#: bicameral scripts encoded after Unicode 3.2 and before 13.0, whose case pairs amtool knows
_LATER_CASES = [(0x13A0, 0x13FD), (0xAB70, 0xABBF), (0x1C90, 0x1CBF), (0x104B0, 0x104FB), (0x1E900, 0x1E943),
                (0x16E40, 0x16E7F), (0x118A0, 0x118DF), (0x10C80, 0x10CF2)]


def test_case_folding_is_gos(tmp_path: Path) -> None:
    """`(?i:c)` matches c's unicode.SimpleFold orbit: each sampled character against each
    character of the orbits sampled, in both directions."""
    orbits, folding = go_regex._orbit_table()
    later = {c for lo, hi in _LATER_CASES for c in range(lo, hi + 1)}
    known = [c for c in folding if all(_stable(o) or o in later for o in orbits[c])]
    rng = random.Random(7)
    sample = sorted(set(rng.sample(known, 120)) | {c for c in known if len(orbits[c]) > 2} | {0x49, 0x69, 0x130, 0x131})
    patterns = [f"(?i:{chr(c)})" for c in sample] + [f"(?i:[{chr(c)}-{chr(c + 3)}])" for c in sample[::4]]
    values = sorted({chr(o) for c in sample for o in orbits.get(c, (c,))} | {chr(c + 1) for c in sample[::5]})
    assert _agree(tmp_path, patterns, values) == len(patterns) * len(values)


def _gac_match_re(pattern: str) -> m.Matcher | None:
    try:
        return m.of_route({"match_re": {"a": pattern}})[0]
    except m.MatcherError:
        return None


def test_match_re_is_anchored_twice_as_alertmanager_does(tmp_path: Path) -> None:
    """A `match_re` value is compiled anchored, then that source anchored again (dispatch.NewRoute):
    what escapes the anchoring group matches otherwise than in `matchers`, and a configuration
    whose second anchoring does not compile makes amtool panic (Grafana refuses it)."""
    patterns = ["a)|(b", "a)s\\Q", "(a", "(?i)a)|b(", "x)|(?s:.)", "crit.*", "\\Q)$", "a|b)(c"]
    refusals = _amtool_refusals(tmp_path, patterns, match_re=True)
    for pattern in patterns:
        assert (_gac_match_re(pattern) is None) == (refusals[pattern] is not None), (pattern, refusals[pattern])
    taken = [p for p in patterns if refusals[p] is None]
    values = ["a", "b", "xb", "ax", "A", "crit", "c", "ac", ")$", "\n"]
    for value, reached in _amtool_matches(tmp_path, taken, values, match_re=True).items():
        for pattern in taken:
            matcher = _gac_match_re(pattern)
            assert matcher is not None and matcher.matches({"a": value}) == (pattern in reached), (pattern, value)
