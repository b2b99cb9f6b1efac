"""The place of a PromQL parse error: `error_offset` must give the offset it gave before its
search was made cheaper, for every query. The reference below is that earlier search: the
module's own, with its earlier `_viable` kept verbatim (it tries every completion of every prefix
it probes), the one part the change touched; the queries are the ones that
fail in the corpus, the conformance cases that fail, and thousands of random mutations of valid
queries (a token deleted, duplicated, or swapped with another)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

import generator.lint.promql_analysis as promql_analysis
import generator.lint.promql_errors as promql_errors
from generator.lint import LintConfig, lint_paths
from generator.lint.promql_errors import Token, closer_options, error_offset, tokenize
from generator.lint.promql_parse import PARSE_ERRORS, parse, parses
from tests.paths import REPO, SHARED

# --- the reference: error_offset as it was before the search was made cheaper -----------------
# Only `_viable` changed: the placing by the message and the binary search are the module's own,
# run with the earlier `_viable` below, which tries every completion of every prefix it probes
# (the brackets left open closed as the module closes them, `closer_options`).

_MIDS, _TAILS = promql_errors._MIDS, promql_errors._TAILS


def _reference_error_offset(text: str, message: str) -> int | None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(promql_errors, "_viable", _reference_viable)
        return error_offset(text, message)


def _reference_viable(text: str, tokens: list[Token], k: int) -> bool:
    prefix = text[:tokens[k].end]
    for mid in _MIDS:
        for closers in closer_options(tokens, k):
            for tail in _TAILS:
                if parses(prefix + mid + closers + tail):
                    return True
    return False


# --- the queries --------------------------------------------------------------------------------

#: valid queries to mutate where ../shared is absent (with it, every query of the corpus is used)
_VALID = [
    'sum by (job) (rate(http_requests_total{job=~"api|web", code!="500"}[5m]))',
    'histogram_quantile(0.99, sum by (le) (rate(x_bucket{a="b"}[5m]))) > 0.5',
    'topk(5, avg_over_time(node_load1{instance=~".+"}[1h] offset 1d))',
    'a * on(instance) group_left(node) b{c=~"d", e!~"f"} unless c',
    'quantile_over_time(0.9, x{a="b"}[10m:1m]) - ignoring(x) y @ 1609746000',
    'label_replace(up{job="x"}, "a", "$1", "b", "(.*)") or vector(1)',
    'max without (a, b) (rate(x[5m])) / scalar(sum(y)) >= bool 3',
    'count_values("v", z) + -sum(rate({__name__=~"x.*", j="k"}[2m])) ^ 2',
]


def _lint_recording(roots: list[Path]) -> tuple[list[tuple[str, str]], list[str]]:
    """The (text, message) pairs the lint asks error_offset about, and every text it parses."""
    failing: dict[tuple[str, str], None] = {}
    texts: dict[str, None] = {}

    def record_offset(text: str, message: str) -> int | None:
        failing[(text, message)] = None
        return error_offset(text, message)

    def record_parse(text: str, plain: str | None = None, quiet: bool | None = None) -> object:
        texts[text] = None
        return parse(text, plain, quiet)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(promql_analysis, "error_offset", record_offset)
        patch.setattr(promql_analysis, "parse", record_parse)
        promql_analysis.forget_analyses()   # texts analysed before are asked about again
        lint_paths(roots, LintConfig(), problems=[])
    promql_analysis.forget_analyses()
    return list(failing), list(texts)


@pytest.fixture(scope="module")
def linted() -> tuple[list[tuple[str, str]], list[str]]:
    roots = [REPO / "tests" / "lint_cases"]
    roots += [path for path in (SHARED / "corpus-wild", SHARED / "corpus") if path.is_dir()]
    return _lint_recording(roots)


def _message(text: str) -> str | None:
    """The parser's message on `text` as the analysis passes it on, None if it parses."""
    try:
        parse(text)
    except PARSE_ERRORS as exc:
        return str(exc).strip() or "invalid promql query"
    return None


def _mutations(queries: list[str], count: int, seed: int) -> Iterator[tuple[str, str]]:
    """`count` distinct failing queries, each a valid query with one token deleted, duplicated,
    or swapped with another."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        query = rng.choice(queries)
        tokens = tokenize(query)
        if len(tokens) < 2:
            continue
        a, b = sorted(rng.sample(tokens, 2), key=lambda t: t.start)
        how = rng.randrange(3)
        if how == 0:
            mutated = query[:a.start] + query[a.end:]
        elif how == 1:
            mutated = query[:a.end] + " " + a.text + query[a.end:]
        else:
            mutated = query[:a.start] + b.text + query[a.end:b.start] + a.text + query[b.end:]
        message = _message(mutated)
        if message is not None and mutated not in seen:
            seen.add(mutated)
            yield mutated, message


def _disagreements(queries: list[tuple[str, str]]) -> list[tuple[str, str, int | None, int | None]]:
    out = []
    for text, message in queries:
        expected, got = _reference_error_offset(text, message), error_offset(text, message)
        if expected != got:
            out.append((text, message, expected, got))
    return out


def test_offsets_as_before_on_the_corpus_failures(linted: tuple[list[tuple[str, str]], list[str]]) -> None:
    if not (SHARED / "corpus-wild").is_dir():
        pytest.skip(f"{SHARED / 'corpus-wild'} is absent: the corpus's failing queries are not at hand")
    failing, _ = linted
    assert len(failing) > 100   # corpus-wild alone has 156 distinct failing queries
    assert _disagreements(failing) == []


def test_offsets_as_before_on_the_conformance_failures() -> None:
    cases = SHARED / "conformance" / "promql" / "parse_cases.json"
    if not cases.is_file():
        pytest.skip(f"{cases} is absent: ../shared/conformance is not at hand")
    failing = [(case["input"], message) for case in json.loads(cases.read_text(encoding="utf-8"))
               if (message := _message(case["input"])) is not None]
    assert len(failing) > 100
    assert _disagreements(failing) == []


def test_offsets_as_before_on_mutated_queries(linted: tuple[list[tuple[str, str]], list[str]]) -> None:
    _, texts = linted
    valid = [text for text in texts if _message(text) is None] + _VALID
    mutated = list(_mutations(valid, 2000, seed=20261130))
    assert _disagreements(mutated) == []


# --- the shortcuts themselves ---------------------------------------------------------------------

def _counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    texts: list[str] = []
    real = promql_errors.parse_as_written

    def counting(text: str) -> object:
        texts.append(text)
        return real(text)

    monkeypatch.setattr(promql_errors, "parse_as_written", counting)
    promql_errors._completes.cache_clear()   # prefixes probed by earlier tests are probed again
    return texts


def test_a_character_the_lexer_refuses_inside_the_prefix_ends_the_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """`x{a="b" 1` cannot be completed: the lexer refuses the `1` inside the braces whatever
    follows, so one parse proves it (the earlier search tried all 56 completions)."""
    text = 'sum(x{a="b" 1'
    tokens = tokenize(text)
    parsed = _counting_parses(monkeypatch)
    assert not promql_errors._viable(text, tokens, len(tokens) - 1)
    assert len(parsed) == 1
    assert not _reference_viable(text, tokens, len(tokens) - 1)


def test_a_middle_the_lexer_refuses_is_tried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a selector's braces, a middle such as " 1" or " (x)" is refused by the lexer
    before any closing bracket: one completion per middle, not one per closer and tail."""
    text = 'topk(x{a="b"'   # dead: topk needs two arguments
    tokens = tokenize(text)
    parsed = _counting_parses(monkeypatch)
    assert not promql_errors._viable(text, tokens, len(tokens) - 1)
    assert not _reference_viable(text, tokens, len(tokens) - 1)
    for middle in (" 1", " (x)", ":1m", "[5m]"):   # two closers ("})", "}[5m])") and three tails each
        assert sum(p.startswith(text + middle + "}") for p in parsed) == 1


def test_the_bare_operand_tail_is_tried_only_right_after_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "sum(rate(x[5m]) y"   # dead: every completion fails
    tokens = tokenize(text)
    parsed = _counting_parses(monkeypatch)
    assert not promql_errors._viable(text, tokens, len(tokens) - 1)
    assert not _reference_viable(text, tokens, len(tokens) - 1)
    with_x_tail = [p for p in parsed if p.endswith(" x") and not p.endswith("(x) x")]
    assert with_x_tail == []   # the prefix ends inside "(": no completion is the prefix plus " x"
    assert len(set(parsed)) == len(parsed)


def test_after_group_left_the_bare_operand_is_still_tried() -> None:
    """`a * on(b) group_left` + " x" parses where + " (x)" does not (a label list)."""
    text = "a * on(b) group_left"
    tokens = tokenize(text)
    assert promql_errors._viable(text, tokens, len(tokens) - 1)
    assert _reference_viable(text, tokens, len(tokens) - 1)


def test_a_prefix_is_probed_once_for_queries_that_share_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies of one broken panel query probe the same prefixes: their completions are parsed
    for the first copy only, and the offsets stay the reference's."""
    queries = ['topk by (job) (x, sum by (job) (rate(a{b="c"}[5m])))',
               'topk by (job) (x, sum by (job) (rate(d{e="f"}[5m])))']
    parsed = _counting_parses(monkeypatch)
    costs = []
    for query in queries:
        before = len(parsed)
        assert error_offset(query, _message(query) or "") == _reference_error_offset(query, _message(query) or "")
        costs.append(len(parsed) - before)
    assert costs[1] < costs[0] / 2
