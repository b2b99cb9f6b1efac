"""The caches of per-query work keep what they are given only while keeping pays
(generator/lint/query_cache.py): everything during a warm-up, everything while hits come, one
miss in sixteen while none come, and what they keep never changes a lint's findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.lint import LintConfig, lint_paths, query_cache
from generator.lint.query_cache import QueryCache


def lookup(cache: QueryCache[int, str], key: int) -> str:
    found = cache.get(key)
    return found if found is not None else cache.keep(key, f"v{key}")


def test_the_warm_up_keeps_every_value() -> None:
    cache: QueryCache[int, str] = QueryCache(100_000)
    for key in range(query_cache._WARM_UP):
        assert lookup(cache, key) == f"v{key}"
    assert len(cache.entries) == query_cache._WARM_UP
    assert all(cache.get(key) == f"v{key}" for key in range(query_cache._WARM_UP))


def test_distinct_keys_after_the_warm_up_are_kept_one_in_sixteen() -> None:
    cache: QueryCache[int, str] = QueryCache(100_000)
    n = 40_000
    for key in range(n):
        assert lookup(cache, key) == f"v{key}"   # the value is given back, kept or not
    kept = len(cache.entries) - query_cache._WARM_UP
    assert n // query_cache._SAMPLE // 2 < kept < n // query_cache._SAMPLE * 2
    recent = range(n - 20 * query_cache._SAMPLE, n)
    assert sum(key in cache.entries for key in recent) == 20   # one in sixteen of the latest too


def test_repeating_keys_are_all_kept_and_hit() -> None:
    cache: QueryCache[int, str] = QueryCache(100_000)
    shapes = 3_000   # more than the warm-up: kept because they come back
    for _ in range(10):
        for key in range(shapes):
            lookup(cache, key)
    hits_before = cache._hits
    for key in range(shapes):
        lookup(cache, key)
    assert cache._hits - hits_before == shapes


def test_keys_that_start_repeating_after_distinct_ones_open_the_cache_again() -> None:
    cache: QueryCache[int, str] = QueryCache(100_000)
    for key in range(50_000):   # distinct: the cache closes
        lookup(cache, -key - 1)
    for _ in range(40):   # then 500 shapes over and over: the sampled ones hit, the rate rises
        for key in range(500):
            lookup(cache, key)
    hits_before = cache._hits
    for key in range(500):
        lookup(cache, key)
    assert cache._hits - hits_before == 500


def test_a_full_cache_is_emptied_and_filled_again() -> None:
    cache: QueryCache[int, str] = QueryCache(10)
    for key in range(25):
        lookup(cache, key)
    assert len(cache.entries) == 5 and cache.get(24) == "v24" and cache.get(3) is None
    cache.clear()
    assert not cache.entries and cache._hits == cache._misses == 0


def test_what_is_kept_never_changes_the_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tree of distinct queries, some repeated: linted with the caches closing as they do, and
    with every value kept (a warm-up longer than the run), it gives the same findings."""
    for d in range(12):
        panels = []
        for p in range(30):
            expr = (f'sum by (job) (rate(app{p}_requests_total{{job=~"$job", d="{d}"}}[5m]))' if p % 10
                    else f'rate(http_server_duration_milliseconds_bucket{{job="$job"}}[$__interval])')
            panels.append({"id": p + 1, "type": "timeseries", "title": f"p{p}",
                           "gridPos": {"x": 0, "y": p * 8, "w": 12, "h": 8},
                           "datasource": {"type": "prometheus", "uid": "prom"},
                           "targets": [{"refId": "A", "expr": expr, "legendFormat": "{{instance}}"}]})
        (tmp_path / f"d{d}.json").write_text(json.dumps({
            "uid": f"d{d}", "title": f"D{d}", "panels": panels,
            "templating": {"list": [{"name": "job", "type": "custom", "query": "a,b"}]}}, indent=2))
    dropped: list[object] = []
    keep = QueryCache.keep

    def counting(self: QueryCache[object, object], key: object, value: object) -> object:
        keep(self, key, value)
        if key not in self.entries:
            dropped.append(key)
        return value

    monkeypatch.setattr(QueryCache, "keep", counting)
    monkeypatch.setattr(query_cache, "_WARM_UP", 40)
    monkeypatch.setattr(query_cache, "_SAMPLE", 1 << 30)   # past the warm-up, kept only while hits come
    gated = lint_paths([tmp_path], LintConfig())
    assert len(dropped) > 200   # the caches closed
    monkeypatch.setattr(query_cache, "_WARM_UP", 1 << 30)
    dropped.clear()
    kept = lint_paths([tmp_path], LintConfig())
    assert not dropped
    assert gated == kept and {f.rule for f in kept} >= {"promql-fixed-window", "promql-interval-rate-window"}
