"""Edges of the PromQL query rules that their fast paths must keep: which function a fixed
window belongs to (`rate` or `irate`, never a word that merely ends in `rate`), and a metric name
the catalog cleared once that a recording rule's name, learnt later, must not make unknown."""

from __future__ import annotations

from pathlib import Path

from generator.lint import LintConfig
from generator.lint.catalog import COUNTER, GAUGE, Catalog, shipped_names
from generator.lint.engine import Engine, make_env
from generator.lint.finding import Location
from tests.lint_cases.builders import dashboard, lint_docs, only, panel, prom_target, variable


def _messages(text: str, rule_id: str, usage: str = "panel") -> list[str]:
    engine = Engine(make_env(LintConfig(), [], authoritative=False))
    engine.promql(text, usage, Location("x.json", ("expr",)), range_query=True)
    return [f.message for f in engine.findings if f.rule == rule_id]


def test_a_fixed_window_names_its_function_and_window() -> None:
    found = _messages('irate(a_total[5m]) + rate(b_total{x="[1m]"}[ 1h30m ]) + rate(c_total[$__rate_interval])',
                      "promql-fixed-window")
    assert [m.split(" window")[0] for m in found] == ["irate() over a fixed [5m]", "rate() over a fixed [1h30m]"]
    assert "column 15" in found[0]  # the window's first character, as written


def test_a_word_ending_in_rate_is_not_rate() -> None:
    # not functions PromQL knows (the query does not parse), but the rule reads the text
    for text in ("xirate(a_total[5m])", "my_rate(a_total[5m])", "sum(error_rate(a_total[5m]))"):
        assert _messages(text, "promql-fixed-window") == [], text
    assert _messages("sum(irate(a_total[5m]))", "promql-fixed-window")[0].startswith("irate()")
    assert _messages("rate(a_total[5m])", "promql-fixed-window", usage="alert") == []  # panels only


def test_a_name_recorded_later_stays_known() -> None:
    catalog = Catalog(user_names={"a_total"}, user_sources=["metrics.txt"])
    assert [catalog.unknown(n) for n in ("a_total", "job:b:rate5m", "c_total")] == [False, False, True]
    assert catalog.cleared >= {"a_total", "job:b:rate5m"} and "c_total" not in catalog.cleared
    catalog.add_recorded(["c_total"])
    assert catalog.unknown("c_total") is False and "c_total" in catalog.cleared


def _legend_messages(expr: str, legend: str) -> list[str]:
    engine = Engine(make_env(LintConfig(), [], authoritative=False))
    engine.promql(expr, "panel", Location("x.json", ("expr",)), range_query=True, legend=legend)
    return [f.message for f in engine.findings if f.rule == "promql-legend-label"]


def test_legend_labels_against_closed_and_open_label_sets() -> None:
    closed = "sum by (job) (rate(a_total[5m]))"
    assert _legend_messages(closed, "{{job}} {{__name__}}") == []   # __name__ is never judged
    assert ["{{instance}}" in m for m in _legend_messages(closed, "{{job}} {{instance}}")] == [True]
    dropped = "sum without (instance) (rate(a_total[5m]))"
    assert _legend_messages(dropped, "{{job}}") == []
    assert ["drops instance" in m for m in _legend_messages(dropped, "{{ instance }}")] == [True]
    assert _legend_messages('sum by ($group) (rate(a_total[5m]))', "{{instance}}") == []  # may be any label


def test_a_near_miss_shares_the_first_letter() -> None:
    names = shipped_names()
    known = next(n for n in sorted(names.spellings) if len(n) > 12 and n[5].isalpha())
    typo = known[:5] + ("x" if known[5] != "x" else "y") + known[6:]
    assert names.near_miss(typo) == known
    other = next(c for c in "abcdefghijklmnopqrstuvwxyz" if not any(n[0] == c for n in names.spellings))
    assert names.near_miss(other + known[1:]) is None  # one edit away, but at the first letter


def test_near_miss_finds_a_spelling_one_edit_away_exactly_when_there_is_one() -> None:
    from generator.lint.catalog import _one_edit
    names = shipped_names()
    spellings = sorted(names.spellings)
    probes = set()
    for known in spellings[::7]:
        probes.update({known[:4] + known[5:], known[:6] + "q" + known[6:], known[:8] + known[9] + known[8] + known[10:],
                       "n" + known[1:], known + "s", known})
    assert len(probes) > 100
    for probe in sorted(probes):
        found = names.near_miss(probe)
        expected = len(probe) >= 10 and any(k != probe and k[0] == probe[0] and _one_edit(probe, k) for k in spellings)
        assert (found is not None) == expected, probe
        assert found is None or (found[0] == probe[0] and found != probe and _one_edit(probe, found))


def test_rate_rules_look_past_a_sound_first_metric() -> None:
    # each rate rule lets a query go once every rated name is sound: a sound first one is not enough
    catalog = Catalog(user_names={"a_total", "queue_size", "evictions"}, user_sources=["metrics.txt"],
                      kinds={"a_total": COUNTER, "queue_size": GAUGE})
    engine = Engine(make_env(LintConfig(), [], authoritative=False, catalog=catalog))
    engine.promql("rate(a_total[5m]) + rate(queue_size[5m]) + increase(evictions[5m]) + irate(queue_size[1m])",
                  "panel", Location("x.json", ("expr",)), range_query=True)
    found = sorted((f.rule, f.message.split(",")[0].split(":")[0]) for f in engine.findings
                   if f.rule in ("promql-rate-non-counter", "promql-rate-unsuffixed"))
    assert found == [("promql-rate-non-counter", "rate() on queue_size"),
                     ("promql-rate-unsuffixed", "increase() on evictions")]


def test_counter_raw_looks_past_bare_gauges_and_reports_a_counter_once() -> None:
    catalog = Catalog(user_names={"a_total", "queue_size", "hits", "process_uptime_seconds_total"},
                      user_sources=["metrics.txt"], kinds={"queue_size": GAUGE, "hits": COUNTER})
    engine = Engine(make_env(LintConfig(), [], authoritative=False, catalog=catalog))
    engine.promql("queue_size + process_uptime_seconds_total + a_total + hits + a_total + rate(b_total[5m])",
                  "panel", Location("x.json", ("expr",)), range_query=True)
    found = [f.message.split(" ")[0] for f in engine.findings if f.rule == "promql-counter-raw"]
    assert sorted(found) == ["a_total", "hits"]


def test_a_raw_counter_says_what_makes_it_one() -> None:
    """The catalog's word, or the name alone: then the fix says how a gauge misnamed *_total is told."""
    engine = Engine(make_env(LintConfig(), [], authoritative=False))
    engine.promql("sum(otelcol_exporter_sent_spans_total) + sum(argocd_repo_pending_request_total)", "panel",
                  Location("x.json", ("expr",)), range_query=True)
    found = {f.message.split(" ")[0]: f for f in engine.findings if f.rule == "promql-counter-raw"}
    catalogued, named = found["otelcol_exporter_sent_spans_total"], found["argocd_repo_pending_request_total"]
    assert "says so" in catalogued.message and "--metrics-file" not in (catalogued.fix or "")
    assert "a counter by its name (_total)" in named.message and "--metrics-file" in (named.fix or "")


def test_a_min_interval_of_two_scrapes_makes_interval_windows_buckets(tmp_path: Path) -> None:
    """`increase(x[$__interval])` under a min interval of 30s or more (two of Grafana's default
    15s scrapes) is a row of buckets, not a gap waiting for a short time range."""
    query = "sum(increase(a_total[$__interval]))"
    buckets = variable("agg", type="interval", query="1m,5m,1h")
    auto = variable("agg", type="interval", query="1m,5m", auto=True, auto_min="10s")
    cases = [({}, {}, None, True), ({"interval": "1m"}, {}, None, False), ({"interval": ">30s"}, {}, None, False),
             ({"interval": "15s"}, {}, None, True), ({}, {"interval": "2m"}, None, False),
             ({"interval": "15s"}, {"interval": "1m"}, None, False), ({"interval": "$agg"}, {}, buckets, False),
             ({"interval": "${agg}"}, {}, auto, True), ({"interval": "$other"}, {}, None, True),
             # the target's min step is read in place of the panel's min interval (promlib)
             ({"interval": "5m"}, {"interval": "10s"}, None, True)]
    for panel_extra, target_extra, var, reported in cases:
        doc = dashboard(panel(prom_target(query, **target_extra), **panel_extra), variables=[var] if var else None)
        found = only(lint_docs(tmp_path, doc), "promql-interval-rate-window")
        assert bool(found) is reported, (panel_extra, target_extra, var)


def test_interval_buckets_are_judged_per_dashboard_and_data_source(tmp_path: Path) -> None:
    """The same query in two dashboards whose interval variable differs: each judged with its own
    (the query rules' cache is shared across dashboards; a floor read inside the rule took the
    first dashboard's verdict for both, in file order). And the data source's scrape interval."""
    query = "sum(rate(a_total[$__interval]))"
    coarse = dashboard(panel(prom_target(query), interval="$iv"), uid="a",
                       variables=[variable("iv", type="interval", query="1m,5m")])
    fine = dashboard(panel(prom_target(query), interval="$iv"), uid="b",
                     variables=[variable("iv", type="interval", query="1s,10s")])
    for docs in ((coarse, fine), (fine, coarse)):
        found = only(lint_docs(tmp_path, *docs), "promql-interval-rate-window")
        assert [f.dashboard for f in found] == ["b"], found
    slow = {"uid": "slow", "name": "Slow", "type": "prometheus", "url": "http://p:9090",
            "jsonData": {"timeInterval": "60s"}}
    on_slow = dashboard(panel({**prom_target(query), "datasource": {"type": "prometheus", "uid": "slow"}},
                              interval="30s"))
    assert only(lint_docs(tmp_path, on_slow, slow), "promql-interval-rate-window")  # 30s is half a scrape
    assert not only(lint_docs(tmp_path, on_slow), "promql-interval-rate-window")  # 15s scrapes: two of them
