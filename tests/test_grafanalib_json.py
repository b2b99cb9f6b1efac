"""grafanalib objects → plain JSON values without JSON text: exactly what the round trip gave."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from grafanalib import core as g
from grafanalib._gen import DashboardEncoder

from generator.builders import DashboardDef
from generator.builders.grafanalib_json import plain
from generator.discover import discover
from tests.paths import REPO


def round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DashboardEncoder))


def exact(value: Any) -> str:
    """Text that tells 1, 1.0 and True apart (== does not)."""
    return json.dumps(value, sort_keys=True)


def test_the_repository_dashboards_convert_exactly_as_the_round_trip():
    dashboards = [d.dashboard for d in discover(REPO).dashboards if isinstance(d, DashboardDef)]
    assert dashboards
    for dashboard in dashboards:
        assert exact(plain(dashboard)) == exact(round_trip(dashboard.to_json_data()))


class Level(enum.IntEnum):
    HIGH = 2


class Name(str):
    def __str__(self) -> str:
        return "not what json writes"


@pytest.mark.parametrize("value", [
    {"tuple": (1, 2.5, "x"), "nested": [{"a": None}, ()]},
    {"enum": Level.HIGH, "sub": Name("kept")},  # json writes these as their base types
    {1: "int key", None: "null key", True: "bool key", 2.5: "float key"},  # json converts the keys
    {Name("k"): "str-subclass key"},
    {"nan": float("nan"), "inf": float("inf"), "neg": -0.0, "big": 10 ** 30},
], ids=["tuples", "subclasses", "non-string-keys", "subclass-key", "floats"])
def test_values_json_converts_its_own_way_come_out_as_json_converts_them(value):
    assert exact(plain(g.Row(panels=[g.Text(content="x", extraJson=value)]))) == \
        exact(round_trip(g.Row(panels=[g.Text(content="x", extraJson=value)]).to_json_data()))


def test_what_json_rejects_raises_what_json_raises():
    for value in ({"x": object()}, {"x": {1, 2}}):
        with pytest.raises(TypeError) as ours:
            plain(value)
        with pytest.raises(TypeError) as theirs:
            round_trip(value)
        assert str(ours.value) == str(theirs.value)
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        plain({"x": cycle})


def test_the_result_shares_nothing_with_the_definition():
    """The build normalizes the result in place: a dict two panels share must not be changed through either."""
    shared = {"legend": {"showLegend": None, "calcs": ["mean"]}}
    dashboard = g.Dashboard(title="t", uid="t", panels=[
        g.TimeSeries(title="a", gridPos=g.GridPos(h=8, w=12, x=0, y=0), extraJson={"options": shared}),
        g.TimeSeries(title="b", gridPos=g.GridPos(h=8, w=12, x=12, y=0), extraJson={"options": shared}),
    ])
    expected = round_trip(dashboard.to_json_data())
    first = plain(dashboard)
    first["panels"][0]["options"]["legend"]["calcs"].append("max")
    del first["panels"][0]["options"]["legend"]["showLegend"]
    assert shared == {"legend": {"showLegend": None, "calcs": ["mean"]}}
    assert first["panels"][1] == expected["panels"][1]
    assert plain(dashboard) == expected
