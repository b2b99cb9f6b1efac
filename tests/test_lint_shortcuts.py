"""The linter's shortcuts give the verdicts the long way gives (lint performance, issues 12 and 15).

Each shortcut avoids work on the hot path (a second parse, a regex compiled per query, a
tokenizer run, a regular expression tried at every character, decoding a whole file to find
one line) and is only worth having if nothing it answers differs: each test compares it with
the long way on generated inputs, and checks that the work it saves is saved.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from generator.lint import loaders, promql_analysis, promql_parse
from generator.lint.grafana_values import dashboard_values
from generator.lint.locate import JsonLocator
from generator.lint.promql_analysis import analysis_of, analyze, nesting
from generator.lint.promql_errors import tokenize
from generator.lint.promql_expand import GRAFANA, expand
from generator.lint.rules.dashboard_rules import _find_names
from tests.lint_cases.builders import dashboard, lint_docs, panel, prom_target, variable
from tests.paths import SHARED

# -- Grafana's values that parse as their placeholders ------------------------------------

POSITIONS = ["topk($v, x)", "sum by ($v) (x)", "x > $v", "x[$v]", "rate(x[$v])", "x offset $v", "x @ $v", "$v",
             "$v{a=\"b\"}", "x * on ($v) group_left ($v) y", "x * on (job) group_left ($v) y",
             "sum by (job, $v) (x)", "sum without ($v) (x)", "{$v=\"a\"}", "x{job=$v}", "histogram_quantile($v, x)",
             "rate(x[$v:$v])", "$v + $v", "round(x, $v)", "count by ($v) (x) > $v", "-$v", "vector($v)",
             "x unless on ($v) y", "max_over_time(x[$v]) offset $v", "x and $v", "x{$v=~\".+\"}", "time() - $v",
             "$v[5m]", "rate($v[5m])", "x * ignoring ($v) y", "x == bool $v", "limitk($v, x)"]
VALUES = ["job", "instance", "x", "le", "Foo", "sum", "by", "on", "bool", "1", "5", "0", "10", "123456789", "5m",
          "0s", "1h", "100ms", "1e3", "foo:bar", "Inf", "nan", "start", "offset", "group_left", "rate", "__name__",
          "step", "and", "1.5", "-1", "2d", "999999m"]


def _values(value: str) -> Any:
    return dashboard_values({"v": {"name": "v", "type": "custom", "query": value.replace(",", "\\,"),
                                   "current": {"value": value}}})


@pytest.mark.parametrize("position", POSITIONS)
def test_values_called_alike_parse_as_their_placeholders_do(position: str) -> None:
    """`valued_alike` lets the engine skip parsing Grafana's values: it must never be claimed
    where the values parse differently (a name used twice, a keyword, `__name__`, a number for a
    name, a zero duration)."""
    claimed = 0
    for value in VALUES:
        for text in (position, position.replace("x", 'x{job="a"}')):
            e = expand(text, GRAFANA, frozenset(), _values(value))
            if e.valued is None or not e.valued_alike:
                continue
            claimed += 1
            assert analyze(e.text).ok == analyze(e.valued.text).ok, (text, value, e.text, e.valued.text)
    if position in ("topk($v, x)", "sum by ($v) (x)"):
        assert claimed, "plain numbers and names are alike"


def test_values_of_other_kinds_are_not_alike() -> None:
    def alike(text: str, value: str) -> bool:
        e = expand(text, GRAFANA, frozenset(), _values(value))
        assert e.valued is not None
        return e.valued_alike

    assert alike("topk($v, x)", "5") and alike("sum by ($v) (x)", "job")
    assert not alike("x > $v", "0")                             # a number where the placeholder is a name
    assert expand("x > $v", GRAFANA, frozenset(), _values("0")).valued_numbers  # ... as a binary operand
    assert not alike("x * on ($v) group_left ($v) y", "job")    # one name twice: an error distinct ones are not
    assert not alike("$v{a=\"b\"}", "sum")                      # a keyword
    assert not alike("x{$v=~\".+\"}", "__name__")                # the metric name, which the parser checks
    assert not alike("rate(x[$v])", "0s")                       # a zero range


#: numbers where identifier placeholders stand as operands, in every kind of place
NUMBER_POSITIONS = ["x > $v", "x > bool $v", "$v > x", "x * $v + y", "x > $v ^ 2", "x > on (job) $v",
                    "x > ignoring (job) group_left $v", "x and $v", "x or $v", "x unless $v", "x atan2 $v",
                    "scalar(x) > $v", "x > $v offset 5m", "x > $v @ 5", "x / $v[5m]", "x / $v[5m:1m]",
                    "x == $v{a=\"b\"}", "$v > $v", "x > -$v", "vector(1) > $v", "time() > $v", "sum(x) == $v",
                    "x > $v > $v", "x % $v and x", "(x) <= ($v)", "x >= $v\n# > $v", "x # c\n> $v",
                    "rate(x[5m]) / $v", "x[5m] > $v", "x != $v unless y", "sum by (job) (x) * $v",
                    "x > $v $v", "topk(3, x) < $v", "x * $v * $v", "histogram_quantile(0.9, x) > $v",
                    "x > bool $v + 1", "1 > $v", "x + $v * 2 > 3", "{job=\"a\"} > $v"]


@pytest.mark.parametrize("position", NUMBER_POSITIONS)
def test_numbers_for_placeholder_operands_parse_as_the_placeholders_do(position: str) -> None:
    """`valued_numbers`, with the analysis's `numbers_fit`, lets the engine skip parsing Grafana's
    values: it must never be claimed where the values parse differently (a number as both
    operands, beside a set operator or vector matching, in a selector's place, under a sign,
    beside a scalar)."""
    for value in VALUES:
        for text in (position, position.replace("x", 'x{job="a"}')):
            e = expand(text, GRAFANA, frozenset(), _values(value))
            placeheld = analyze(e.text)
            if e.valued is None or not e.valued_numbers or not placeheld.ok or not placeheld.numbers_fit:
                continue
            assert analyze(e.valued.text).ok, (text, value, e.text, e.valued.text)


def test_numbers_fit_only_where_a_number_takes_the_placeholder_place() -> None:
    def fits(text: str, value: str = "0") -> bool:
        e = expand(text, GRAFANA, frozenset(), _values(value))
        assert e.valued is not None
        return e.valued_numbers and analyze(e.text).numbers_fit

    assert fits("sum(rate(x[5m])) > $v") and fits("x > bool $v") and fits("x * $v + y", "1.5")
    assert not fits("scalar(x) > $v")      # two scalars compared need `bool`
    assert not fits("x and $v")            # set operators take series only
    assert not fits("x > on (job) $v")     # vector matching: series only
    assert not fits("$v > x")              # nothing before it: a number could be the whole query's
    assert not fits("x > -$v")             # a sign may be the operation: sum(-$v)
    assert not fits("x > $v[5m]")          # a selector's place
    assert not fits("x > $v", "1e3")       # not a plain number
    assert not fits("x > $v", "job")       # a name (alike, when it is one)


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    parse = promql_parser.parse

    def counting(text: str) -> Any:
        seen.append(text)
        return parse(text)

    monkeypatch.setattr(promql_analysis.pp, "parse", counting)
    promql_analysis.forget_analyses()
    return seen


def test_alike_values_are_not_parsed_a_second_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _parsed(monkeypatch)
    k = variable("k", query="5,10")
    t = variable("t", type="constant", query="0")
    lint_docs(tmp_path, dashboard(panel(prom_target("topk($k, rate(x_total[5m]))"),
                                        prom_target("sum(rate(y_total[5m])) > $t", ref="B"),
                                        prom_target("scalar(sum(rate(z_total[5m]))) > $t", ref="C")),
                                  variables=[k, t]))
    assert not [s for s in seen if "topk(5," in s]               # alike: only the placeholder text is parsed
    assert not [s for s in seen if "y_total" in s and s.endswith("> 0")]  # a number fits a series operand
    assert [s for s in seen if "z_total" in s and s.endswith("> 0")]  # not beside a scalar: parsed too


# -- regex matchers checked once -------------------------------------------------------------

LITERALS = ['".*"', '".+"', '"("', '"a|b"', '""', "'x'", "`\\d+`", '"\\\\d"', '"\\d"', '"x{2}"', '"x{b}"', '"[a-"',
            '"(?i)foo"', '"^$"', '"a\\"b"', "`(`"]
SELECTORS = ["x{a=~R}", "{a=~R}", "{a!~R}", "x{a!~R, b=\"c\"}", "{a=~R, b=~R}", "{a=~R or b=\"\"}",
             "rate(x{a=~R}[5m]) / on (a) y{b!~R}", "x{a =~ R} # c=~\"(\"", "{__name__=~R}", "x{__name__=~R}",
             "label_replace(x{a=~R}, \"d\", \"=~\\\"(\", \"a\", \"(.*)\")", "x{a!=~R}", "x{a=~ y}", "{\"a.b\"=~R}"]


def _verdict(text: str) -> str | None:
    try:
        promql_parser.parse(text)
    except (ValueError, RuntimeError, OverflowError) as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("selector", SELECTORS)
def test_regex_matchers_keep_the_parsers_verdict_and_message(selector: str) -> None:
    for a in LITERALS:
        for b in LITERALS[::3]:
            text = selector.replace("R", a, 1).replace("R", b)
            try:
                promql_parse.parse(text)
                ours = None
            except (ValueError, RuntimeError, OverflowError) as exc:
                ours = str(exc)
            assert ours == _verdict(text), text
            assert promql_parse.parses(text) == (ours is None), text


def test_each_regex_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _parsed(monkeypatch)
    promql_parse._EQUALITY.clear()
    analyze('sum(rate(a_total{job=~"api|web"}[5m]))')
    analyze('sum(rate(b_total{job=~"api|web", code!~"5.."}[5m]))')
    probes = [s for s in seen if s.startswith("{__gacv_probe__")]
    # "api|web" once, "5.." once: each parsed alone (its emptiness), then beside an equality (the
    # pattern as the parser decodes it, for Go's rules: promql_parse.GO_REFUSED)
    assert len(probes) == 4 and len({p.rsplit("~", 1)[1] for p in probes}) == 2, probes
    assert not [s for s in seen if "=~" in s and not s.startswith("{__gacv_probe__")]


def test_splitting_on_quotes_finds_the_regex_matchers_the_lexer_finds() -> None:
    """The split on `"` that most queries take agrees with the lexer on every text: what it
    cannot lex alike (other quotes, escapes, comments, strings left open, stray `~`) it leaves
    to the lexer."""
    texts = _random_texts(4, 'ab=~!"\n {},(\t\x1c\u00a0', 20_000, 30)
    texts += _random_texts(5, 'a=~!"\n {}\'`#\\', 20_000, 25)
    texts += [s.replace("R", lit) for s in SELECTORS for lit in LITERALS]
    for text in texts + _conformance_inputs():
        assert promql_parse.plain_matchers(text) == promql_parse._plain_matchers_lexed(text), repr(text)


def test_error_positions_are_searched_with_regexes_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a parse error is, is found by parsing prefixes with candidate endings: dozens of
    parses of one failing query, each with the query's regexes."""
    seen = _parsed(monkeypatch)
    a = analyze('rate(x{job=~"a|b", code!~"5.."}[5m] y)')
    assert not a.ok and a.error_offset == a.text.index("y)")   # where no continuation helps
    with_regexes = [s for s in seen if "=~" in s and not s.startswith("{__gacv_probe__")]
    assert len(seen) > 20 and with_regexes == [a.text]          # the one parse for the parser's own message


#: regex strings holding variables: accepted, matching the empty string, refused, left open
VARIABLE_LITERALS = ['"$v"', '"${v:regex}|b"', '".*$v"', '"($v"', "'$v'", '"[[v]]"', '"$v\\\\d"', '"$__interval"',
                     '"$v', '`$v`']


def _outcome(parse: Any, *args: Any) -> str | None:
    try:
        parse(*args)
    except (ValueError, RuntimeError, OverflowError) as exc:
        return str(exc)
    return None


def _regex_queries() -> list[str]:
    """Queries with regex matchers, as written: with and without variables in their strings."""
    queries = [s.replace("R", lit) for s in SELECTORS for lit in LITERALS + VARIABLE_LITERALS]
    return queries + _random_texts(6, 'av=~!"\n {}\'`#\\$', 20_000, 30)


def test_the_expander_writes_the_regex_matchers_plain_matchers_writes() -> None:
    """Expansion.plain, written in the expansion's own pass over the query, is the text
    plain_matchers makes of the expanded text wherever it makes one (every regex accepted, no
    `__name__`); elsewhere, parsing with it gives the parser's verdict and message on the text."""
    written = 0
    for text in _regex_queries():
        e = expand(text, GRAFANA)
        plain = promql_parse.plain_matchers(e.text) if "__name__" not in e.text else None
        if e.plain is not None and plain is not None:
            assert e.plain == plain, (text, e.text)
            written += 1
        elif "$" in text or "[[" in text:  # a query the expander cuts: it writes one wherever plain_matchers does
            assert plain is None or plain == e.text, (text, e.text, e.plain)
        assert _outcome(promql_parse.parse, e.text, e.plain) == _outcome(promql_parser.parse, e.text), (text, e.text)
    assert written > 100


def test_analyses_with_the_expanders_plain_text_are_those_without() -> None:
    for text in _regex_queries()[::7]:
        e = expand(text, GRAFANA)
        assert analysis_of(e.text, e.plain) == analysis_of(e.text), (text, e.text)


def test_expanded_queries_are_not_cut_at_their_quotes_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lint of a dashboard query parses the text its expansion wrote: plain_matchers, which
    would split it again, is never called (nor its regular expression)."""
    def refuse(text: str) -> None:
        raise AssertionError(f"plain_matchers({text!r})")

    monkeypatch.setattr(promql_parse, "plain_matchers", refuse)
    seen = _parsed(monkeypatch)
    e = expand('sum(rate(x{job=~"$job", code!~"5..", a =~ \'[[b]]\'}[$__rate_interval])) / on (job) y{c=~".+"}',
               GRAFANA)
    assert analyze(e.text, e.plain).ok
    assert seen[-1] == 'sum(rate(x{job ="x", code ="", a  ="x"}[4m7ms])) / on (job) y{c ="x"}'


def test_the_offset_map_counts_a_regex_operator_before_its_string() -> None:
    e = expand('x{a=~ "$v|$w", b!~"$v"} offset $d', GRAFANA)
    assert [(u.name, e.original[u.start:u.end]) for u in e.uses] == [("v", "$v"), ("w", "$w"), ("v", "$v"), ("d", "$d")]
    assert e.text[e.segments[2][0]:e.segments[2][1]] == "gacv" and e.to_original(e.segments[2][0]) == e.uses[2].start


# -- bounds and hints computed in C -----------------------------------------------------------

def _random_texts(seed: int, alphabet: str, count: int, longest: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(count)]


def _conformance_inputs() -> list[str]:
    cases = SHARED / "conformance" / "promql" / "parse_cases.json"
    return [c["input"] for c in json.loads(cases.read_text(encoding="utf-8"))] if cases.is_file() else []


def test_the_nesting_bound_is_never_below_the_nesting() -> None:
    texts = _random_texts(1, "()[]{}+-*/%^=<>!~,@: abcANDorunlessatan2\"'`0123456789e.", 20_000, 80)
    for text in texts + _conformance_inputs():
        assert promql_analysis._nesting_bound(text) >= nesting(text), text


def test_the_nesting_bound_counts_each_level_character_and_word() -> None:
    """ASCII text is counted in one pass (deleting the other bytes), other text character by character."""
    levels = promql_analysis._LEVEL_CHARS
    for text in _random_texts(7, levels + " abANDorunlessatan2\"é٣", 5_000, 60):
        expected = sum(text.count(c) for c in levels) + sum(text.count(w) for w in promql_analysis._BINARY_WORDS)
        assert promql_analysis._nesting_bound(text) == expected, text


def test_the_limits_hint_is_the_case_insensitive_search() -> None:
    texts = _random_texts(2, "0123456789eEoOfFsStT@ſ xXabc.٣mhdwyMHDWY", 20_000, 30)
    texts += [t + tail for t, tail in zip(texts, ["offset", "OFFSET", "OffSet", "offſet", "1" * 10, "٣e", "0X", ".e",
                                                  "1.2.3.4.5."] * 50)]
    for text in texts + _conformance_inputs():
        assert promql_parse.limits_hint(text) == bool(promql_parse._LIMITS_HINT.search(text)), text


def test_only_texts_with_a_large_number_are_tokenized_for_limits() -> None:
    """Skipping the tokenizer where no number reaches 9.2e9 never hides an out-of-range value,
    and neither does the hint that lets the analysis skip the limits check altogether
    (`x[20000000000]` went unreported while `x[2e10]` was)."""
    texts = _random_texts(6, "0123456789eE.xXaF@[]: offset+-٣smhdwy", 20_000, 30)
    texts += [f"x {where} {sign}{number}" for where in ("offset", "@", "[", ":", "*", "OFFSET", "[5m:")
              for sign in ("", "-", "+ ") for number in ("9300000000", "999999999", "0x2540BE400", "0xFFFFFFFF",
                                                        "9.3e9", "5.e10", ".1e11", "9" * 19, "9" * 400, "٣" * 10,
                                                        "293y", "15251w", "106752d", "2562048h", "153722868m",
                                                        "9223372037s", "9223372036855ms", "292y52w", "9" * 20 + "d",
                                                        "1y999999999999ms")]
    found = 0
    for text in texts + _conformance_inputs():
        expected = promql_analysis._out_of_range(tokenize(text))
        assert promql_analysis._beyond_limits(text) == expected, text
        assert expected is None or promql_parse.limits_hint(text), text
        found += expected is not None
    assert found > 50   # the texts do break limits


def test_variable_names_are_those_of_the_alternation() -> None:
    alternation = re.compile(r"(?:\$\{?|\[\[)(\w+)", re.ASCII)
    for text in _random_texts(3, "$[]{}ab_1 é\"\\", 20_000, 25):
        assert sorted(_find_names(text)) == sorted(alternation.findall(text)), text


# -- locating findings -------------------------------------------------------------------------

def _reference_positions(text: str) -> dict[tuple[Any, ...], int]:
    """Every value's position, read the obvious way: a full recursive descent (the first of
    duplicate keys wins, and what is below a later one is never looked at)."""
    decoder = json.JSONDecoder()
    out: dict[tuple[Any, ...], int] = {}

    def blank(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    def after(pos: int) -> int:  # past a member's value and its comma
        pos = blank(pos)
        return blank(pos + 1) if text[pos] == "," else pos

    def value(pos: int, path: tuple[Any, ...]) -> int:
        pos = blank(pos)
        out.setdefault(path, pos)
        if text[pos] == "{":
            pos = blank(pos + 1)
            while text[pos] != "}":
                key, pos = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
                pos = blank(blank(pos) + 1)
                known = (*path, key) in out
                pos = after(decoder.raw_decode(text, pos)[1] if known else value(pos, (*path, key)))
            return pos + 1
        if text[pos] == "[":
            pos, index = blank(pos + 1), 0
            while text[pos] != "]":
                pos = after(value(pos, (*path, index)))
                index += 1
            return pos + 1
        return decoder.raw_decode(text, pos)[1]

    value(0, ())
    return out


def _document(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice([1, 'a"b', "x\\y", None, True, 2.5, "é😀", ""])
    if r < 0.65:
        return [_document(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice("abcde"): _document(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_positions_agree_with_a_full_reading() -> None:
    rng = random.Random(5)
    for _ in range(400):
        text = json.dumps(_document(rng), indent=rng.choice([None, 1, 2]), ensure_ascii=rng.random() < 0.5)
        if text.startswith("{") and text != "{}" and rng.random() < 0.3:
            text = '{"a": 7, ' + text[1:]                        # a duplicate key: the first one counts
        expected = _reference_positions(text)
        paths = list(expected) + [(*p, "zz") for p in list(expected)[:3]] + [(*p, 99) for p in list(expected)[:3]]
        rng.shuffle(paths)
        locator = JsonLocator(text)
        for path in paths:
            want = expected.get(path)
            if want is None:  # a missing member: its deepest existing ancestor
                want = expected[max((p for p in expected if path[:len(p)] == p), key=len)]
            line = text.count("\n", 0, want) + 1
            assert locator.locate(path) == (line, want - text.rfind("\n", 0, want)), (text, path)


def test_a_member_is_found_without_reading_what_follows_it() -> None:
    panels = [{"id": i, "targets": [{"expr": f"up{{i=\"{i}\"}}"}]} for i in range(2000)]
    text = json.dumps({"uid": "u", "panels": panels, "templating": {"list": []}}, indent=2)
    locator = JsonLocator(text)
    decoded = []
    skip = locator._skip_value

    def counting(pos: int) -> int:
        end = skip(pos)
        decoded.append(end - pos)
        return end

    locator._skip_value = counting  # type: ignore[method-assign]
    line, _ = locator.locate(("panels", 2, "targets", 0, "expr"))
    assert text.splitlines()[line - 1].strip().startswith('"expr"')
    assert sum(decoded) < len(text) / 100, "the panels after the third were decoded"


def test_yaml_is_read_by_libyaml_when_pyyaml_has_it() -> None:
    """The C parser is ten times faster; both keep node marks for the YAML locator."""
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    assert issubclass(loaders._Loader, yaml.CSafeLoader)
    docs = loaders.load_yaml_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n", "r.yaml")
    assert docs[0].locator.locate(("groups", 0, "rules", 0, "expr")) == (5, 11)


# -- analysis facts shared by rules -----------------------------------------------------------

def test_rated_metrics_are_first_uses_outside_histograms_and_placeholders() -> None:
    a = analyze("rate(a_total[5m]) + irate(a_total[1m]) + increase(b_total[5m]) + delta(c[5m]) "
                "+ histogram_quantile(0.9, rate(d_bucket[5m])) + rate(__gacv___total[5m])")
    assert a.rated == (("rate", "a_total"), ("increase", "b_total"))


def test_operators_written_in_capitals_are_read_as_in_lower_case() -> None:
    """The walk takes promql-parser's name of an operator as it is: lower case however written."""
    for op in ("and", "or", "unless", "atan2"):
        assert str(promql_parser.parse(f"a {op.upper()} b").op) == op
    for lower, upper in (("x - on (a) y unless z", "x - ON (a) y UNLESS z"), ("x and y or z", "x AND y OR z")):
        assert analysis_of(upper)[3:] == analysis_of(lower)[3:]
    assert analyze("rate(a_total[5m]) UNLESS b_total").selectors[1].wrapped   # the filter's side


def test_a_run_leaves_no_analyses_for_the_collector_to_traverse(tmp_path: Path) -> None:
    """Freed at the end of the run while the collector is paused, not traversed after it."""
    from generator.lint.promql_analysis import _ANALYSES
    from generator.lint.promql_expand import _EXPANSIONS, _KNOWN

    lint_docs(tmp_path, dashboard(panel(prom_target('sum(rate(x_total{job="$job"}[5m]))')),
                                  variables=[variable("job")]))
    assert not _ANALYSES.entries and not _EXPANSIONS.entries and not _KNOWN
