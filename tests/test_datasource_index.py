"""The one data-source index compile, lint and pull share: lookups, built-ins, unknown references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.compile import project_datasources
from generator.config import DeclaredDatasource, declared_datasources
from generator.datasource_index import (BUILTIN, BUILTINS, DEFAULT, EXPR_UID, NAME, TYPE_ONLY, UID, VARIABLE,
                                        DatasourceIndex, DatasourceInfo, builtin, is_templated, resolve,
                                        variable_name)
from generator.discover import discover
from generator.lint import LintConfig, lint_paths
from generator.normalize import UnknownDatasource, reference
from generator.pull.references import datasource_refs

PROM = DatasourceInfo("prom", "prometheus", "Prometheus", is_default=True)
LOKI = DatasourceInfo("loki", "loki", "Loki")


def index(authoritative: bool = True, declared: dict[str, DeclaredDatasource] | None = None) -> DatasourceIndex:
    return DatasourceIndex.build([PROM, LOKI], declared or {}, authoritative)


def test_uid_is_looked_up_first_and_a_name_only_in_the_legacy_string_form() -> None:
    idx = index()
    by_uid = resolve("prom", idx, {}, {})
    assert by_uid is not None and (by_uid.type, by_uid.uid, by_uid.via) == ("prometheus", "prom", UID)
    by_name = resolve("Prometheus", idx, {}, {})
    assert by_name is not None and (by_name.uid, by_name.legacy_name, by_name.via) == ("prom", "Prometheus", NAME)
    in_uid_field = resolve({"uid": "Prometheus"}, idx, {}, {})
    assert in_uid_field is not None and in_uid_field.problem and "no data source with uid" in in_uid_field.problem


def test_the_first_definition_of_a_uid_or_name_wins() -> None:
    idx = DatasourceIndex.build([PROM], {"prom": DeclaredDatasource("prom", "loki", "Prometheus")}, True)
    assert idx.by_uid["prom"].type == "prometheus" and idx.by_name["Prometheus"].origin == "project"
    extended = idx.extended([DatasourceInfo("prom", "tempo"), DatasourceInfo("t", "tempo", origin="grafana")])
    assert extended.by_uid["prom"].type == "prometheus" and "t" in extended.by_uid and "t" not in idx.by_uid


@pytest.mark.parametrize("spelling", [s for b in BUILTINS for s in b.spellings])
def test_every_spelling_of_a_builtin_resolves_even_in_an_empty_authoritative_index(spelling: str) -> None:
    found = builtin(spelling)
    resolved = resolve(spelling, DatasourceIndex(authoritative=True), {}, {})
    assert found is not None and resolved is not None
    assert (resolved.type, resolved.uid, resolved.via, resolved.problem) == (found.type, found.uid, BUILTIN, None)


def test_builtins_are_written_as_grafana_writes_them() -> None:
    idx = DatasourceIndex(authoritative=True)
    assert reference("-- Grafana --", idx, "here", {}) == {"type": "grafana", "uid": "grafana"}
    assert reference("-- Mixed --", idx, "here", {}) == {"type": "datasource", "uid": "-- Mixed --"}
    assert reference({"uid": "-- Dashboard --"}, idx, "here", {}) == {"type": "datasource", "uid": "-- Dashboard --"}
    assert reference({"type": EXPR_UID, "uid": "-100"}, idx, "here", {}) == {"type": EXPR_UID, "uid": "-100"}
    assert resolve("-- Mixed --", idx, {}, {}).is_mixed  # type: ignore[union-attr]


def test_unknown_references_are_errors_only_in_an_authoritative_index() -> None:
    strict, loose = index(True), index(False)
    assert "no data source named 'mimir'" == resolve("mimir", strict, {}, {}).problem  # type: ignore[union-attr]
    assert resolve("mimir", loose, {}, {}).problem is None  # type: ignore[union-attr]
    with pytest.raises(UnknownDatasource) as exc:
        reference({"type": "prometheus", "uid": "mimir"}, strict, "panel 'x'", {})
    assert exc.value.ref == "mimir" and "panel 'x'" in str(exc.value)
    assert reference({"type": "prometheus", "uid": "mimir"}, loose, "panel 'x'", {}) == {
        "type": "prometheus", "uid": "mimir"}
    assert reference("mimir", loose, "panel 'x'", {}) == {"uid": "mimir"}


def test_default_is_the_instance_default_for_lint_but_never_written_by_the_normalizer() -> None:
    idx = index()
    resolved = resolve("default", idx, {}, {})
    assert resolved is not None and (resolved.uid, resolved.via) == ("prom", DEFAULT)
    with pytest.raises(UnknownDatasource):
        reference("default", idx, "panel", {})
    assert reference("default", index(False), "panel", {}) == {"uid": "default"}


def test_variables_resolve_through_the_dashboard_or_the_exports_inputs() -> None:
    idx = index()
    for text in ("$ds", "${ds}", "${ds:raw}", "[[ds]]", "[[ds:text]]"):
        assert variable_name(text) == "ds", text
    assert variable_name("prom") is None and variable_name("$ds-x") is None
    via_var = resolve({"uid": "${ds}"}, idx, {"ds": "loki"}, {})
    assert via_var is not None and (via_var.type, via_var.variable, via_var.via) == ("loki", "ds", VARIABLE)
    via_input = resolve("${DS_PROM}", idx, {}, {"DS_PROM": "prometheus"})
    assert via_input is not None and via_input.type == "prometheus"
    undefined = resolve("$nope", idx, {}, {})
    assert undefined is not None and undefined.problem and "$nope" in undefined.problem
    assert reference("$ds", idx, "here", {"ds": "loki"}) == {"type": "loki", "uid": "$ds"}
    assert reference("$nope", idx, "here", {}) == {"uid": "$nope"}  # checked by lint, not by the build
    assert is_templated("prom-${env}") and not is_templated("prom")


def test_type_alone_and_type_mismatch() -> None:
    idx = index()
    alone = resolve({"type": "tempo"}, idx, {}, {})
    assert alone is not None and (alone.type, alone.via) == ("tempo", TYPE_ONLY)
    mismatch = resolve({"type": "loki", "uid": "prom"}, idx, {}, {})
    assert mismatch is not None and mismatch.problem and "is a 'prometheus'" in mismatch.problem
    # the build keeps a typed reference as written: the mismatch is lint's to report
    assert reference({"type": "loki", "uid": "prom"}, idx, "here", {}) == {"type": "loki", "uid": "prom"}


def test_declared_external_datasources_count_as_defined(tmp_path: Path) -> None:
    declared = declared_datasources({"ext": {"type": "loki", "name": "Shared Loki"}, "ext2": "tempo"})
    defs = discover(tmp_path)
    idx = project_datasources(defs, declared, authoritative=True)
    assert resolve("Shared Loki", idx, {}, {}).uid == "ext"  # type: ignore[union-attr]
    assert reference({"type": "tempo", "uid": "ext2"}, idx, "here", {}) == {"type": "tempo", "uid": "ext2"}
    assert idx.by_uid["ext"].origin == "config" and idx.known() == "ext, ext2"


def test_pull_counts_only_concrete_datasources() -> None:
    dash = {"panels": [{"datasource": {"type": "datasource", "uid": "-- Mixed --"}, "targets": [
        {"datasource": {"type": "prometheus", "uid": "prom"}}, {"datasource": {"type": EXPR_UID, "uid": "-100"}},
        {"datasource": {"uid": "${ds}"}}, {"datasource": {"type": "loki", "uid": "logs-$env"}}]}],
        "annotations": {"list": [{"datasource": {"type": "grafana", "uid": "-- Grafana --"}}]}}
    assert datasource_refs(dash) == {"prom": "prometheus"}


def test_a_data_source_is_the_default_only_where_is_default_is_true(tmp_path: Path) -> None:
    """yaml.v3 reads `isDefault: no` as the string "no", which Grafana refuses for its bool and
    Python takes for true: Loki was made the default, and a dashboard's PromQL target without a
    data source of its own was linted as LogQL."""
    (tmp_path / "datasources.yaml").write_text(
        "apiVersion: 1\ndatasources:\n"
        "  - {name: Logs, type: loki, uid: logs, url: 'http://loki:3100', access: proxy, isDefault: no}\n"
        "  - {name: Metrics, type: prometheus, uid: prom, url: 'http://prom:9090', access: proxy}\n")
    (tmp_path / "dash.json").write_text(json.dumps({"uid": "d", "title": "D", "panels": [
        {"id": 1, "type": "stat", "title": "up", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
         "fieldConfig": {"defaults": {"unit": "short"}}, "targets": [{"refId": "A", "expr": "sum(up)"}]}]}))
    findings = lint_paths([tmp_path], LintConfig())
    assert not [f for f in findings if f.rule.startswith("logql")], findings
