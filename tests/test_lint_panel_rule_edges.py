"""Panel rules at the edges of their shortcuts: each rule lets the usual panel go after a cheap
test (a title, one known unit, panels laid out top to bottom); these panels are the unusual
ones, which must still be reported, where and as before."""

from __future__ import annotations

from pathlib import Path

from tests.lint_cases.builders import dashboard, lint_docs, only, panel, prom_target, variable


def test_grid_overlap_found_when_panels_are_not_laid_out_top_to_bottom(tmp_path: Path) -> None:
    # the third panel starts above the lowest bottom placed and overlaps the first two: the
    # first one placed is named
    panels = [panel(prom_target("up"), id=1, title="low", grid=(0, 8, 12, 8)),
              panel(prom_target("up"), id=2, title="high", grid=(12, 0, 12, 8)),
              panel(prom_target("up"), id=3, title="wide", grid=(6, 6, 12, 4)),
              panel(prom_target("up"), id=4, title="below", grid=(0, 16, 24, 8))]
    found = only(lint_docs(tmp_path, dashboard(*panels)), "panel-grid-overlap")
    assert [(f.panel, f.path[-2:], f.message.split(" (")[0]) for f in found] == [
        ("wide", (2, "gridPos"), "panel overlaps panel 'low'")]


def test_grid_overlap_with_negative_positions(tmp_path: Path) -> None:
    panels = [panel(prom_target("up"), id=1, title="a", grid=(0, -10, 12, 4)),
              panel(prom_target("up"), id=2, title="b", grid=(0, -8, 12, 4))]
    found = only(lint_docs(tmp_path, dashboard(*panels)), "panel-grid-overlap")
    assert [f.panel for f in found] == ["b"]


def test_unknown_units_in_every_place_a_panel_sets_one(tmp_path: Path) -> None:
    p = panel(prom_target("up"), type="singlestat", unit="secs", format="Seconds", yaxes=[{"format": "s"},
                                                                                         {"format": "MB"}])
    p["fieldConfig"]["overrides"] = [{"matcher": {}, "properties": [{"id": "color", "value": "x"},
                                                                  {"id": "unit", "value": "req / s"}]}]
    found = only(lint_docs(tmp_path, dashboard(p)), "panel-unit-unknown")
    assert sorted(((f.path[f.path.index("panels") + 2:], f.message.split("'")[1]) for f in found), key=str) == sorted([
        (("fieldConfig", "defaults", "unit"), "secs"),
        (("fieldConfig", "overrides", 0, "properties", 1, "value"), "req / s"),
        (("yaxes", 1, "format"), "MB"),
        (("format",), "Seconds")], key=str)

    assert [f.fix for f in found if f.path[-1] == "format" and "yaxes" in f.path] == ["use 'decmbytes'"]


def test_a_unit_of_its_own_is_a_custom_unit(tmp_path: Path) -> None:
    """What Grafana's unit picker saves for "Custom unit: connections" is not reported; a unit it
    has an id for, spelled otherwise, is."""
    panels = [panel(prom_target("up"), id=i, unit=unit, grid=(0, 8 * i, 12, 8))
              for i, unit in enumerate(["connections", "items/sec", "kJ", "Percentage", "mins", "percentunits",
                                        "bytes/sec", "bps ", "kbps"])]
    found = only(lint_docs(tmp_path, dashboard(*panels)), "panel-unit-unknown")
    assert [(f.message.split("'")[1], f.fix) for f in found] == [
        ("Percentage", "use 'percent'"), ("mins", "use 'm'"), ("percentunits", "use 'percentunit'"),
        ("bytes/sec", "use 'Bps'"), ("bps ", "use 'bps'"), ("kbps", "use 'Kbits'")]


def test_title_missing_keeps_its_exemptions(tmp_path: Path) -> None:
    panels = [panel(prom_target("up"), id=1, title="  "),
              panel(id=2, title="", type="row"),
              panel(id=3, title="", type="text"),
              panel(prom_target("up"), id=4, title="", libraryPanel={"uid": "lib"}),
              panel(prom_target("up"), id=5, title="", type=""),
              panel(prom_target("up"), id=6, title=0)]
    found = only(lint_docs(tmp_path, dashboard(*panels)), "panel-title-missing")
    assert [(f.path[-1], f.message) for f in found] == [
        (0, "timeseries panel has no title"), (4, "panel has no title"), (5, "timeseries panel has no title")]


def test_data_source_references_of_variables_and_annotations_are_placed(tmp_path: Path) -> None:
    # only reported references get their place prepared: these must still get theirs
    doc = dashboard(panel(prom_target("up")),
                    variables=[variable("job", type="query", query="label_values(up, job)", datasource="Prometheus"),
                               variable("env", type="query", query="label_values(up, env)",
                                        datasource={"type": "prometheus", "uid": "prom"})],
                    annotations={"list": [{"name": "deploys", "expr": "changes(up[5m])",
                                           "datasource": {"type": "prometheus", "uid": "nope"}}]})
    found = lint_docs(tmp_path, doc)
    placed = sorted((f.rule, f.panel, f.path[-3:]) for f in found
                    if f.rule in ("datasource-legacy-name", "datasource-ref-unresolved"))
    assert placed == [("datasource-legacy-name", "variable job", ("list", 0, "datasource")),
                      ("datasource-ref-unresolved", "annotation deploys", ("list", 0, "datasource")),
                      ("datasource-ref-unresolved", "variable job", ("list", 0, "datasource"))]


def test_a_uid_that_is_no_string_is_reported_as_grafana_ignores_it(tmp_path: Path) -> None:
    """Grafana reads a dashboard's uid only as a string (shared/grafana/API.md) and invents one
    otherwise: a number or boolean is reported at the uid, an object or array as no uid at all."""
    uids: list[object] = [17, 17.0, 17.5, True, {"a": 1}, [], "", "svc-1"]
    found = only(lint_docs(tmp_path, *({**dashboard(), "uid": uid} for uid in uids)), "dashboard-uid-missing")
    assert sorted((Path(f.file or "").name, f.message.split(":")[0], f.fix, f.path) for f in found) == [
        ("doc0.json", "dashboard uid 17 is a JSON number, not a string", 'write it as a string: "uid": "17"', ("uid",)),
        ("doc1.json", "dashboard uid 17.0 is a JSON number, not a string", 'write it as a string: "uid": "17"',
         ("uid",)),
        ("doc2.json", "dashboard uid 17.5 is a JSON number, not a string",
         "set a short, stable uid string (letters, digits, - and _)", ("uid",)),
        ("doc3.json", "dashboard uid true is a JSON boolean, not a string",
         "set a short, stable uid string (letters, digits, - and _)", ("uid",)),
        ("doc4.json", "dashboard has no uid", "set a short, stable uid (letters, digits, - and _)", ()),
        ("doc5.json", "dashboard has no uid", "set a short, stable uid (letters, digits, - and _)", ()),
        ("doc6.json", "dashboard has no uid", "set a short, stable uid (letters, digits, - and _)", ())]
    for f in found:  # a uid that is there is pointed at: its value, on its line
        if f.path:
            line = Path(f.file or "").read_text().splitlines()[(f.line or 0) - 1]
            assert line.lstrip().startswith('"uid": ') and f.column == line.index(":") + 3


def _states(*mappings: dict) -> dict:
    p = panel(prom_target("up"), type="stat", unit=None)
    p["fieldConfig"] = {"defaults": {"mappings": list(mappings)}, "overrides": []}
    return p


def test_a_panel_that_maps_its_values_to_states_needs_no_unit(tmp_path: Path) -> None:
    up_down = {"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}
    ok_range = [{"type": "value", "options": {"0": {"text": "OK"}}},
                {"type": "range", "options": {"from": 1, "to": 9999, "result": {"text": "NOT OK"}}}]
    null_only = {"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}
    colour_only = {"type": "value", "options": {"0": {"color": "red"}, "1": {"color": "green"}}}
    legacy = panel(prom_target("up"), type="singlestat", unit=None,
                   valueMaps=[{"op": "=", "value": "0", "text": "DOWN"}, {"op": "=", "value": "1", "text": "UP"}])
    for p, reported in ((_states(up_down), False), (_states(*ok_range), False), (legacy, False),
                        (_states(null_only), True), (_states(colour_only), True),
                        (_states({"type": "value", "options": {"0": {"text": "none"}}}), True)):
        found = only(lint_docs(tmp_path, dashboard(p)), "panel-unit-missing")
        assert bool(found) is reported, p["fieldConfig"] if "fieldConfig" in p else p


def test_panels_and_variables_that_run_no_query_keep_their_data_source_unjudged(tmp_path: Path) -> None:
    """Grafana never reads the `datasource` of a row, a text panel or an interval variable: a
    name there breaks nothing (datasource-legacy-name), nor does one that resolves to nothing."""
    quiet = [panel(id=1, type="row", unit=None, datasource="Metrics"),
             panel(id=2, type="text", unit=None, datasource="Gone")]
    loud = panel(prom_target("up"), id=3, datasource="Metrics")
    variables = [variable("interval", type="interval", query="1m,5m", datasource="Metrics"),
                 variable("job", type="query", query="label_values(up, job)", datasource="Metrics")]
    found = lint_docs(tmp_path, dashboard(*quiet, loud, variables=variables))
    named = only(found, "datasource-legacy-name") + only(found, "datasource-ref-unresolved")
    # the data panel (panels[2]) and the query variable (templating.list[1]), each by both rules
    assert sorted({f.path[-3:-1] for f in named}) == [("list", 1), ("panels", 2)], named


def test_only_data_panels_need_a_query(tmp_path: Path) -> None:
    panels = [panel(id=1, type="timeseries"), panel(id=2, type="graph"), panel(id=3, type="logs", unit=None),
              panel(id=4, type="pmm-check-panel", unit=None), panel(id=5, type="text", unit=None)]
    found = only(lint_docs(tmp_path, dashboard(*panels)), "panel-no-targets")
    assert [f.message for f in found] == ["timeseries panel has no queries", "graph panel has no queries",
                                          "logs panel has no queries"]


def test_a_link_that_carries_every_variable_uses_them_all(tmp_path: Path) -> None:
    variables = [variable("cluster"), variable("job")]
    plain = dashboard(panel(prom_target("up")), variables=variables)
    assert [f.message for f in only(lint_docs(tmp_path, plain), "template-variable-unused")] == [
        "variable $cluster is defined but never used", "variable $job is defined but never used"]
    all_vars = panel(prom_target("up"), links=[{"title": "more", "url": "/d/x?$__url_time_range&${__all_variables}"}])
    include = {"links": [{"type": "dashboards", "tags": ["ops"], "includeVars": True}]}
    for doc in (dashboard(all_vars, variables=variables), dashboard(panel(prom_target("up")), variables=variables,
                                                                    **include)):
        assert only(lint_docs(tmp_path, doc), "template-variable-unused") == []
    # a variable kept out of URLs (skipUrlSync) is not carried by them: still unused
    hidden = [*variables, variable("hidden", skipUrlSync=True)]
    for doc in (dashboard(all_vars, variables=hidden), dashboard(panel(prom_target("up")), variables=hidden,
                                                                 **include)):
        assert [f.message for f in only(lint_docs(tmp_path, doc), "template-variable-unused")] == [
            "variable $hidden is defined but never used"]
