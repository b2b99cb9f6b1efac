"""Panel helpers for the common shapes of an OpenTelemetry dashboard.

A dashboard module should read like a list of questions ("request rate per route", "p95
latency"), not like panel JSON: these helpers choose the panel type, the unit, the legend
and the query shape (rate windows with `$__rate_interval`, `le` kept in histogram
aggregations), so the definitions stay short and consistent.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence, TypeVar

from grafanalib import core as g

from .builders.checks import Checks
from .resource import Source, caller_source

DEFAULT_HEIGHT = 8
GRID_WIDTH = 24
SOURCE_ATTR = "gac_source"

P = TypeVar("P", bound=Callable[..., g.Panel])


def located(helper: P) -> P:
    """Remember the definition line that made a panel, so lint findings can point at it."""

    @functools.wraps(helper)
    def wrapper(*args: Any, **kwargs: Any) -> g.Panel:
        panel = helper(*args, **kwargs)
        if getattr(panel, SOURCE_ATTR, None) is None:
            setattr(panel, SOURCE_ATTR, caller_source())
        return panel

    return wrapper  # type: ignore[return-value]


def panel_source(panel: object) -> Source | None:
    return getattr(panel, SOURCE_ATTR, None)


def _checks(title: Any, unit: Any = "", **queries: Any) -> Checks:
    """A wrong argument fails at the definition line, naming the panel, not inside grafanalib or
    normalization (a query string where a target list belongs was a traceback there)."""
    check = Checks(f"panel {title!r}" if isinstance(title, str) else "panel", caller_source())
    check.text("title", title, "give the panel a title people can read", empty=True)
    check.text("unit", unit, "use a Grafana unit id such as 'short', 'reqps', 's', 'percentunit'", empty=True)
    for name, value in queries.items():
        check.text(name, value, f"pass {name} as a string")
    return check


def _targets(check: Checks, targets: Any) -> None:
    check.items("targets", targets, g.Target, "a target",
                "wrap each query: [prom('sum(rate(x_total[$__rate_interval]))')]", empty=False)


def _labels(check: Checks, by: Any) -> None:
    check.items("by", by, str, "a label name", "pass a list such as ['service_name'] -- a bare string is not a list")


def _check_thresholds(check: Checks, steps: Any) -> None:
    hint = "pass (color, value) pairs with None for the base: [('green', None), ('red', 80)]"
    check.items("thresholds", steps, (tuple, list), "a (color, value) pair", hint, empty=False)
    for i, step in enumerate(steps):
        if len(step) != 2 or not isinstance(step[0], str) or \
                not (step[1] is None or isinstance(step[1], (int, float)) and not isinstance(step[1], bool)):
            check.fail(f"thresholds[{i}] is {step!r}; {hint}")


def prom(expr: str, legend: str = "", ref_id: str = "", instant: bool = False, fmt: str = "time_series",
         datasource: str = "prometheus") -> g.Target:
    """A PromQL target on the given Prometheus/Mimir data source."""
    return g.Target(expr=expr, legendFormat=legend, refId=ref_id, instant=instant, format=fmt,
                    datasource=datasource)


@located
def timeseries(title: str, targets: Sequence[g.Target], unit: str, description: str = "",
               stacked: bool = False, fill: int = 10, min_value: float | None = None,
               **extra: Any) -> g.TimeSeries:
    check = _checks(title, unit)
    _targets(check, targets)
    check.instance("fill", fill, int, "a whole number (0-100)", "e.g. fill=0 for lines only")
    return g.TimeSeries(
        title=title, description=description or None, targets=list(targets), unit=unit, fillOpacity=fill,
        stacking={"mode": "normal", "group": "A"} if stacked else {"mode": "none"},
        legendDisplayMode="table", legendPlacement="bottom", legendCalcs=["mean", "max", "lastNotNull"],
        tooltipMode="multi", tooltipSort="desc", valueMin=min_value, **extra,
    )


@located
def rate(title: str, counter: str, selector: str, by: Sequence[str], unit: str, legend: str = "",
         description: str = "", scale: str = "", **extra: Any) -> g.TimeSeries:
    """Per-second rate of a counter, summed by the given labels."""
    _labels(_checks(title, unit, counter=counter), by)
    expr = f"sum by ({', '.join(by)}) (rate({counter}{{{selector}}}[$__rate_interval])){scale}"
    return timeseries(title, [prom(expr, legend or _legend(by))], unit, description, **extra)


@located
def quantiles(title: str, bucket: str, selector: str, by: Sequence[str], unit: str,
              qs: Sequence[float] = (0.5, 0.95, 0.99), description: str = "", scale: str = "") -> g.TimeSeries:
    """Histogram quantiles; the inner sum keeps `le`, without which the quantile is meaningless."""
    check = _checks(title, unit, bucket=bucket)
    _labels(check, by)
    check.items("qs", qs, (int, float), "a quantile", "pass quantiles between 0 and 1, e.g. (0.5, 0.95)", empty=False)
    if not all(0 <= q <= 1 for q in qs):
        check.fail(f"qs {list(qs)!r}: quantiles are between 0 and 1 (0.95, not 95)")
    keep = ", ".join(["le", *by])
    targets = [
        prom(f"histogram_quantile({q}, sum by ({keep}) (rate({bucket}{{{selector}}}[$__rate_interval]))){scale}",
             f"p{_pct(q)} {_legend(by)}".strip())
        for q in qs
    ]
    return timeseries(title, targets, unit, description, fill=0)


@located
def stat(title: str, expr: str, unit: str, thresholds: Sequence[tuple[str, float | None]] = (("green", None),),
         description: str = "", legend: str = "", mappings: list[dict[str, Any]] | None = None,
         calc: str = "lastNotNull") -> g.Stat:
    _check_thresholds(_checks(title, unit, expr=expr), thresholds)
    return g.Stat(
        title=title, description=description or None, targets=[prom(expr, legend, instant=True)], format=unit,
        reduceCalc=calc, graphMode="none", colorMode="background", textMode="value_and_name",
        thresholds=_thresholds(thresholds), mappings=mappings or [],
    )


@located
def gauge(title: str, expr: str, unit: str, max_value: float, thresholds: Sequence[tuple[str, float | None]],
          description: str = "") -> g.GaugePanel:
    _check_thresholds(_checks(title, unit, expr=expr), thresholds)
    return g.GaugePanel(
        title=title, description=description or None, targets=[prom(expr, instant=True)], format=unit,
        min=0, max=max_value, calc="lastNotNull", thresholds=_thresholds(thresholds),
    )


@located
def table(title: str, targets: Sequence[g.Target], unit: str, description: str = "",
          transformations: list[dict[str, Any]] | None = None, sort_by: str | None = None) -> g.Table:
    _targets(_checks(title, unit), targets)
    return g.Table(title=title, description=description or None, targets=list(targets), unit=unit,
                   transformations=transformations or [],
                   sortBy=[g.TableSortByField(displayName=sort_by, desc=True)] if sort_by else [])


@located
def logs(title: str, expr: str, datasource: str = "loki", description: str = "") -> g.Logs:
    _checks(title, expr=expr, datasource=datasource)
    return g.Logs(title=title, description=description or None, dataSource=datasource,
                  targets=[g.Target(expr=expr, refId="A", datasource=datasource)],
                  showTime=True, wrapLogMessages=True, enableLogDetails=True, prettifyLogMessage=False)


class Traces(g.Panel):
    """Grafana's `traces` panel (grafanalib has none): shows one trace or a TraceQL search.

    It adds no attributes, so it inherits g.Panel's attrs fields and constructor as they are.
    """

    def to_json_data(self) -> dict[str, Any]:
        return self.panel_json({"type": "traces", "options": {}})


@located
def traces(title: str, query: str, datasource: str = "tempo", description: str = "") -> Traces:
    _checks(title, query=query, datasource=datasource)
    target = {"refId": "A", "datasource": {"type": "tempo", "uid": datasource}, "queryType": "traceql",
              "query": query, "limit": 20, "tableType": "traces"}
    return Traces(title=title, description=description or None, dataSource=datasource, targets=[target])


@located
def row(title: str) -> g.RowPanel:
    _checks(title)
    return g.RowPanel(title=title)


def layout(*rows: Sequence[g.Panel] | g.RowPanel, height: int = DEFAULT_HEIGHT) -> list[g.Panel]:
    """Grid positions for panels given row by row: each inner sequence shares the width.

    Positions are derived from order, so inserting a panel never leaves overlaps behind.
    """
    check = Checks("layout", caller_source())
    check.instance("height", height, int, "a whole number of grid rows", "e.g. height=8")
    if height < 1:
        check.fail(f"height is {height}: a panel is at least one grid row high (Grafana's schema: h > 0); e.g. height=8")
    for i, item in enumerate(rows):
        if not isinstance(item, g.RowPanel):
            check.items(f"row {i + 1}", item, g.Panel, "a panel",
                        "give each row as a list of panels, e.g. layout(row('Latency'), [stat(...), stat(...)])",
                        empty=False)
            if len(item) > GRID_WIDTH:
                check.fail(f"row {i + 1} holds {len(item)} panels: the grid is {GRID_WIDTH} columns wide, so each "
                           f"would be 0 wide (Grafana's schema: w > 0); split it into rows of at most {GRID_WIDTH}")
    placed: list[g.Panel] = []
    y = 0
    for item in rows:
        if isinstance(item, g.RowPanel):
            item.gridPos = g.GridPos(h=1, w=GRID_WIDTH, x=0, y=y)
            placed.append(item)
            y += 1
            continue
        width = GRID_WIDTH // len(item)
        for i, panel in enumerate(item):
            panel.gridPos = g.GridPos(h=height, w=width, x=i * width, y=y)
            placed.append(panel)
        y += height
    return placed


def _thresholds(steps: Sequence[tuple[str, float | None]]) -> list[g.Threshold]:
    """grafanalib needs a number on every step; the base step (-∞) becomes null when normalized."""
    return [g.Threshold(color, i, 0.0 if value is None else float(value)) for i, (color, value) in enumerate(steps)]


def _legend(by: Sequence[str]) -> str:
    return " ".join("{{%s}}" % label for label in by)


def _pct(q: float) -> str:
    return f"{q * 100:g}"
