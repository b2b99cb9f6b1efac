"""The normalizer: grafanalib's legacy output and old exports → current Grafana JSON."""

from __future__ import annotations

import json

import pytest
from grafanalib import core as g
from grafanalib._gen import DashboardEncoder

from tests.paths import needs_shared
from generator.datasource_index import DatasourceIndex, DatasourceInfo
from generator.normalize import (SCHEMA_VERSION, UnknownDatasource, fix_grafanalib, iter_panels,
                                 normalize_dashboard)

INDEX = DatasourceIndex.build([DatasourceInfo("prometheus", "prometheus", "Prometheus"), DatasourceInfo("loki", "loki")],
                              authoritative=True)


def grafanalib_json(dashboard: g.Dashboard) -> dict:
    return json.loads(json.dumps(dashboard.to_json_data(), cls=DashboardEncoder))


def contains_null(value) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(contains_null(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_null(v) for v in value)
    return False


@pytest.fixture
def raw() -> dict:
    return grafanalib_json(g.Dashboard(
        title="T", uid="t",
        templating=g.Templating([g.Template(name="job", query="label_values(up, job)", dataSource="prometheus")]),
        panels=[
            g.RowPanel(title="r", gridPos=g.GridPos(h=1, w=24, x=0, y=0)),
            g.TimeSeries(title="a", dataSource="prometheus", targets=[g.Target(expr="up")], unit="s",
                         gridPos=g.GridPos(h=8, w=12, x=0, y=1)),
            g.Stat(title="s", targets=[g.Target(expr="up", datasource="Prometheus")], format="short",
                   gridPos=g.GridPos(h=8, w=12, x=12, y=1)),
            g.GaugePanel(title="g", dataSource="prometheus", targets=[g.Target(expr="up")], format="percent",
                         gridPos=g.GridPos(h=8, w=12, x=0, y=9)),
        ],
    ))


def test_grafanalib_legacy_output_is_modernised(raw):
    assert raw["schemaVersion"] < 39 and "rows" in raw and contains_null(raw)  # the premise
    dash = normalize_dashboard(fix_grafanalib(raw), INDEX)
    assert dash["schemaVersion"] == SCHEMA_VERSION
    for key in ("rows", "hideControls", "sharedCrosshair", "style", "gnetId", "id", "version", "__inputs"):
        assert key not in dash
    panels = list(iter_panels(dash["panels"]))
    for panel in panels:
        for key in ("span", "height", "error", "minSpan", "editable", "cacheTimeout"):
            assert key not in panel
        assert "maxDataPoints" not in panel  # grafanalib's 100-point cap
        for target in panel.get("targets", []):
            assert target["datasource"] == {"type": "prometheus", "uid": "prometheus"}
            for key in ("step", "intervalFactor", "metric", "query"):
                assert key not in target
    assert [p["id"] for p in panels] == [1, 2, 3, 4]
    assert dash["templating"]["list"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert "useTags" not in dash["templating"]["list"][0]


def test_no_nulls_except_the_base_threshold_step(raw):
    dash = normalize_dashboard(fix_grafanalib(raw), INDEX)
    for panel in iter_panels(dash["panels"]):
        steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps")
        if steps:
            assert steps[0]["value"] is None
            panel["fieldConfig"]["defaults"]["thresholds"]["steps"] = steps[1:]
    assert not contains_null(dash)


def test_grafanalib_stat_and_gauge_bugs_are_fixed(raw):
    dash = normalize_dashboard(fix_grafanalib(raw), INDEX)
    by_type = {p["type"]: p for p in iter_panels(dash["panels"])}
    stat = by_type["stat"]
    assert stat["fieldConfig"]["defaults"]["thresholds"]["steps"] == [{"color": "green", "value": None}]
    assert "noValue" not in stat["fieldConfig"]["defaults"]
    gauge = by_type["gauge"]
    defaults = gauge["fieldConfig"]["defaults"]
    assert "calcs" not in defaults and "override" not in defaults
    assert gauge["options"]["reduceOptions"]["calcs"] == ["mean"]
    for step in defaults["thresholds"]["steps"]:
        assert set(step) == {"color", "value"} and step["value"] != "null"


def test_unknown_datasource_is_reported_where_it_is_used(raw):
    raw["panels"][1]["targets"][0]["datasource"] = "mimir"
    with pytest.raises(UnknownDatasource) as exc:
        normalize_dashboard(raw, INDEX)
    assert exc.value.ref == "mimir" and "panel 'a'" in str(exc.value)


def test_variables_and_pseudo_datasources_resolve():
    dash = normalize_dashboard({
        "uid": "v", "title": "v",
        "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]},
        "panels": [
            {"type": "timeseries", "title": "a", "datasource": "${ds}", "targets": [{"expr": "up"}]},
            {"type": "timeseries", "title": "b", "datasource": "-- Mixed --",
             "targets": [{"expr": "up", "datasource": "$ds"}, {"expr": "{a=\"b\"}", "datasource": "loki"}]},
        ],
    }, INDEX)
    a, b = dash["panels"]
    assert a["datasource"] == {"type": "prometheus", "uid": "${ds}"}
    assert b["datasource"] == {"type": "datasource", "uid": "-- Mixed --"}
    assert [t["datasource"]["uid"] for t in b["targets"]] == ["$ds", "loki"]
    assert [t["refId"] for t in b["targets"]] == ["A", "B"]


def test_legacy_rows_become_grid_positioned_panels():
    dash = normalize_dashboard({"uid": "r", "title": "r", "rows": [
        {"title": "one", "height": "300px", "panels": [{"type": "graph", "span": 6, "id": 1},
                                                      {"type": "graph", "span": 6, "id": 2}]},
        {"title": "two", "collapse": True, "panels": [{"type": "singlestat", "span": 12, "id": 3}]},
    ]})
    panels = dash["panels"]
    assert [p["type"] for p in panels] == ["row", "graph", "graph", "row"]
    assert panels[1]["gridPos"] == {"h": 10, "w": 12, "x": 0, "y": 1}
    assert panels[2]["gridPos"] == {"h": 10, "w": 12, "x": 12, "y": 1}
    assert panels[3]["collapsed"] is True and panels[3]["panels"][0]["id"] == 3
    ids = [p["id"] for p in iter_panels(panels)]
    assert len(ids) == len(set(ids))


def test_normalization_is_idempotent_and_unwraps_exports(raw):
    once = normalize_dashboard(fix_grafanalib(raw), INDEX)
    assert normalize_dashboard({"dashboard": once, "meta": {"version": 3}}, INDEX) == once


def test_builtin_annotation_is_added_once(raw):
    dash = normalize_dashboard(raw, INDEX)
    again = normalize_dashboard(dash, INDEX)
    assert [a.get("builtIn") for a in again["annotations"]["list"]] == [1]


def _corpus_dashboards():
    from tests.paths import SHARED

    return sorted((SHARED / "corpus" / "dashboards").rglob("*.json"))


@needs_shared
@pytest.mark.parametrize("path", _corpus_dashboards(), ids=lambda p: p.name)
def test_corpus_dashboards_normalize_idempotently(path):
    """Every real-world dashboard normalizes without error, to a fixed point, with no legacy keys."""
    dash = normalize_dashboard(json.loads(path.read_text()))
    assert normalize_dashboard(dash) == dash
    assert "rows" not in dash and dash["schemaVersion"] >= SCHEMA_VERSION
    for panel in iter_panels(dash["panels"]):
        assert "span" not in panel
        ref = panel.get("datasource")
        assert ref is None or isinstance(ref, dict)


def test_object_reference_to_an_undefined_uid_is_reported():
    """`{"type", "uid"}` is checked too, not only the legacy string form."""
    dash = {"uid": "o", "title": "o", "panels": [
        {"type": "timeseries", "title": "ok", "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "up", "datasource": {"type": "datasource", "uid": "-- Mixed --"}}]},
        {"type": "timeseries", "title": "bad", "targets": [{"expr": "up",
                                                             "datasource": {"type": "prometheus", "uid": "mimir"}}]},
    ]}
    with pytest.raises(UnknownDatasource) as exc:
        normalize_dashboard(dash, INDEX)
    assert exc.value.ref == "mimir" and "panel 'bad'" in str(exc.value)
    del dash["panels"][1]
    assert normalize_dashboard(dash, INDEX)["panels"][0]["datasource"]["uid"] == "prometheus"


def _containers(value, found=None):
    """Ids of every dict, list and tuple inside `value`."""
    found = set() if found is None else found
    if isinstance(value, (dict, list, tuple)):
        found.add(id(value))
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, found)
    return found


def test_normalizing_leaves_the_input_alone_and_shares_nothing_with_it(raw):
    """The build changes the normalized body in place (tags, sources); the definition's JSON,
    a pulled document or a file's content must not change with it."""
    raw["panels"][1]["targets"][0]["extra"] = ({"kept": [1, None]},)  # a tuple: not JSON, still copied
    raw = fix_grafanalib(raw)  # grafanalib's fixes are made on the build's own copy, in place
    before = json.dumps(raw, sort_keys=True)
    dash = normalize_dashboard(raw, INDEX)
    assert json.dumps(raw, sort_keys=True) == before
    assert not _containers(dash) & _containers(raw)
    dash["panels"][1]["targets"][0]["extra"][0]["kept"].append(2)
    assert json.dumps(raw, sort_keys=True) == before


def test_an_owned_document_is_normalized_in_place_to_the_same_result(raw):
    """The build hands over its own copy: no second copy, and the same canonical form."""
    copied = normalize_dashboard(fix_grafanalib(json.loads(json.dumps(raw))), INDEX)
    document = fix_grafanalib(raw)
    in_place = normalize_dashboard(document, INDEX, owned=True)
    assert in_place is document
    assert json.dumps(in_place, sort_keys=True) == json.dumps(copied, sort_keys=True)


@needs_shared
def test_owned_and_copied_normalization_agree_on_the_corpus():
    for path in _corpus_dashboards():
        text = path.read_text()
        assert normalize_dashboard(json.loads(text), owned=True) == normalize_dashboard(json.loads(text)), path.name


def test_a_document_not_owned_is_left_as_it_was(raw):
    before = json.dumps(raw, sort_keys=True)
    normalize_dashboard(raw, INDEX)
    assert json.dumps(raw, sort_keys=True) == before
