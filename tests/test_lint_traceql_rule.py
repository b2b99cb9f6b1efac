"""`traceql-syntax`: where TraceQL is checked, and that its position is the query's as written."""

from __future__ import annotations

from pathlib import Path

from tests.lint_cases.builders import (alert_group, alert_rule, dashboard, expression, lint_docs, only, panel,
                                       tempo_target)


def test_the_error_points_at_the_character_in_the_file(tmp_path: Path) -> None:
    query = '{ span.http.status_code = 500 } | coun() > 2'
    found = only(lint_docs(tmp_path, dashboard(panel(tempo_target(query), type="traces"))), "traceql-syntax")
    assert len(found) == 1
    text = (tmp_path / "doc0.json").read_text().splitlines()[found[0].line - 1]
    assert text[found[0].column - 1:].startswith("coun() > 2")
    assert "column 35 of the query" in found[0].message


def test_trace_lookups_and_the_search_builder_are_not_traceql(tmp_path: Path) -> None:
    lookup = tempo_target("4bf92f3577b34da6a3ce929d0e0e4736")
    builder = tempo_target("{ unclosed", ref="B", queryType="traceqlSearch")
    assert not only(lint_docs(tmp_path, dashboard(panel(lookup, builder, type="traces"))), "traceql-syntax")


def test_tempo_alert_queries_are_checked(tmp_path: Path) -> None:
    query = {"refId": "A", "datasourceUid": "tempo", "relativeTimeRange": {"from": 600, "to": 0},
             "model": {"refId": "A", "datasource": {"type": "tempo", "uid": "tempo"}, "queryType": "traceql",
                       "query": "{ status = error } | rate( by (resource.service.name)"}}
    rule = alert_rule(data=[query, expression("B", type="reduce", expression="A", reducer="last"),
                            expression("C", type="threshold", expression="B",
                                       conditions=[{"evaluator": {"type": "gt", "params": [0]}}])])
    found = only(lint_docs(tmp_path, alert_group(rule)), "traceql-syntax")
    assert len(found) == 1 and found[0].ref_id == "A"


def test_a_query_tempo_refuses_at_validation_says_so(tmp_path: Path) -> None:
    """It parses, but Tempo's validation refuses it: the finding must not claim a syntax error."""
    found = only(lint_docs(tmp_path, dashboard(panel(tempo_target("{ span.db.statement = nil }"), type="traces"))),
                 "traceql-syntax")
    assert len(found) == 1
    assert found[0].message.startswith("Tempo refuses this TraceQL before running it: ")
    assert "!= nil" in found[0].message
