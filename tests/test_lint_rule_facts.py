"""A query rule's declared fact (registry.FACTS, `rule(..., needs=...)`): the engine does not call a
rule whose fact a query lacks, so a rule that could report without its fact would lose findings.

The contract is checked on real queries: every query of tests/lint_cases, of ../shared/corpus
and corpus-wild where present, and of every query rule's Bad example, with every rule called
directly (its own guards only) and through the engine (which reads the fact first); the two
must agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from generator.lint import LintConfig, lint_paths, registry
from generator.lint import engine as lint_engine
from generator.lint.contexts import QueryContext, TargetContext
from generator.lint.engine import Engine, make_env
from generator.lint.examples import lint_example
from generator.lint.finding import Location
from generator.lint.registry import FACTS, RULES, Issue, rule, rules_in_scope
from tests.lint_cases.builders import recorded_targets
from tests.paths import REPO, SHARED

TREES = [REPO / "tests" / "lint_cases"] + [SHARED / name for name in ("corpus", "corpus-wild")
                                            if (SHARED / name).is_dir()]


def _queries(monkeypatch: pytest.MonkeyPatch, roots: list[Path]) -> tuple[Engine, list[QueryContext]]:
    """Every query context the engine builds while linting `roots`, and the engine."""
    seen: list[QueryContext] = []
    engines: list[Engine] = []
    queries = Engine.queries

    def recording(self: Engine, batch: list[QueryContext]) -> None:
        queries(self, batch)
        seen.extend(batch)
        engines.append(self)

    monkeypatch.setattr(Engine, "queries", recording)
    lint_paths(roots, LintConfig(), problems=[])
    engine = engines[0]
    for r in rules_in_scope("query"):  # and every query rule's Bad example, as a panel's query
        if r.example == "query":
            engine.promql(r.bad, "panel", Location("example.json", ("expr",)), range_query=True)
        elif r.example == "target":  # target fields: the query with its legend
            fields = json.loads(r.bad)
            engine.promql(fields["expr"], "panel", Location("example.json", ("expr",)), range_query=True,
                          legend=fields.get("legendFormat"))
    return engine, seen


def _pairs(issues: Any) -> list[tuple[str, str, str | None, Location | None]]:
    return [(r.id, i.message, i.fix, i.at) for r, _, i in issues]


def test_rules_report_nothing_without_their_fact_and_the_engine_agrees_with_direct_calls(
        monkeypatch: pytest.MonkeyPatch) -> None:
    engine, contexts = _queries(monkeypatch, TREES)
    active = [r for r, _ in engine.active["query"]]
    assert [r for r in active if r.needs], "no query rule declares a fact: nothing is tested"
    reported: set[str] = set()
    absent: set[str] = set()
    for ctx in contexts:
        direct = [(r, s, i) for r, s in engine.active["query"] for i in r.check(ctx)]
        for r, _, issue in direct:
            reported.add(r.id)
            if r.needs is not None:
                assert r.present is not None and r.present(ctx), \
                    f"{r.id} needs {r.needs} but reported {issue.message!r} on {ctx.text!r}, which lacks it"
        absent.update(r.id for r in active if r.present is not None and not r.present(ctx))
        assert _pairs(engine.check("query", ctx)) == _pairs(direct), ctx.text
    # not vacuous: each rule that declares a fact reported somewhere and was skipped somewhere
    for r in active:
        if r.needs is not None:
            assert r.id in absent, f"no query lacks {r.needs}: the skip of {r.id} is untested"
            assert r.id in reported, f"{r.id} reported nothing on the corpus and its Bad example"


def _boom(ctx: Any) -> Iterator[Issue]:
    """A rule that must not be called where its fact is absent.

    Bad:
        rate(x_total[5m])
    Good:
        x
    """
    raise AssertionError("called")


def _engine(monkeypatch: pytest.MonkeyPatch, needs: str | None) -> Engine:
    """An engine whose registry has one more query rule, `_boom`, needing `needs`."""
    monkeypatch.setattr(registry, "RULES", dict(RULES))
    rule("test-boom", "info", "fails when called", "query", needs=needs)(_boom)
    assert registry.RULES["test-boom"].needs == needs
    assert any(r.id == "test-boom" for r in rules_in_scope("query"))
    monkeypatch.setattr(lint_engine, "RULES", registry.RULES)
    monkeypatch.setattr(lint_engine, "rules_in_scope", registry.rules_in_scope)
    return Engine(make_env(LintConfig(), [], authoritative=False))


def _failures(engine: Engine, text: str) -> list[str]:
    engine.promql(text, "panel", Location("x.json", ("expr",)))
    return [f.message for f in engine.findings if f.rule == "lint-internal-error"]


@pytest.mark.parametrize("needs", ["analysis.rated", "analysis.error"])
def test_the_engine_does_not_call_a_rule_whose_fact_is_absent(monkeypatch: pytest.MonkeyPatch, needs: str) -> None:
    engine = _engine(monkeypatch, needs)
    assert _failures(engine, "sum(x)") == []                      # parses, rates nothing
    present = "rate(x_total[5m])" if needs == "analysis.rated" else "sum(x"
    assert ["test-boom" in m for m in _failures(engine, present)] == [True]


def test_a_rule_without_a_fact_is_called_on_every_query(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(monkeypatch, None)
    assert len(_failures(engine, "sum(x)")) == 1


def test_a_fact_must_be_known() -> None:
    with pytest.raises(ValueError, match="not one of"):
        rule("test-unknown-fact", "info", "s", "query", needs="analysis.nothing")(_boom)
    assert "test-unknown-fact" not in RULES
    assert "analysis.rated" in FACTS


# -- target rules of one query language (`rule(..., language=...)`) ----------------------------

def _targets(monkeypatch: pytest.MonkeyPatch) -> list[TargetContext]:
    """Every target context the engine builds on the trees and on the Bad examples of the target
    rules of one language (examples.py lints each as a dashboard)."""
    seen = recorded_targets(monkeypatch)
    lint_paths(TREES, LintConfig(), problems=[])
    for r in rules_in_scope("target"):
        if r.language is not None:
            lint_example(r, r.bad)
    return seen


def test_a_target_rule_of_one_language_reports_nothing_on_targets_in_another(
        monkeypatch: pytest.MonkeyPatch) -> None:
    typed = [r for r in rules_in_scope("target") if r.language is not None]
    assert typed, "no target rule declares a language: nothing is tested"
    targets = _targets(monkeypatch)
    for r in typed:
        reported = [ctx for ctx in targets if list(r.check(ctx))]
        assert reported, f"{r.id} reported nothing on the trees and its Bad example"
        assert {ctx.language for ctx in reported} == {r.language}, r.id
        assert any(ctx.language != r.language for ctx in targets), f"no target is not {r.language}: untested"


def _dashboard(datasource: str, expr: str) -> dict[str, Any]:
    return {"uid": "d", "panels": [{"id": 1, "type": "timeseries", "title": "t",
                                    "targets": [{"refId": "A", "datasource": {"type": datasource, "uid": datasource},
                                                 "expr": expr}]}]}


def test_the_engine_calls_a_target_rule_of_one_language_on_targets_in_that_language_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "RULES", dict(RULES))
    rule("test-boom", "info", "fails when called", "target", language="logql")(_boom)
    monkeypatch.setattr(lint_engine, "RULES", registry.RULES)
    monkeypatch.setattr(lint_engine, "rules_in_scope", registry.rules_in_scope)
    engine = Engine(make_env(LintConfig(), [], authoritative=False))
    for datasource, expr, calls in (("prometheus", "up", 0), ("tempo", "{}", 0), ("loki", '{job="a"}', 1)):
        engine.findings.clear()
        engine.dashboard(_dashboard(datasource, expr), Location("x.json"))
        assert len([f for f in engine.findings if "test-boom" in f.message]) == calls, datasource


def test_a_language_must_be_known() -> None:
    with pytest.raises(ValueError, match="not one of"):
        rule("test-unknown-language", "info", "s", "target", language="sql")(_boom)
    assert "test-unknown-language" not in RULES
