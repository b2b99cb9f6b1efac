"""Durations read and written by Prometheus's own rules (promql-parser), issue 9 item 8."""

from __future__ import annotations

import pytest

from generator.builders.durations import seconds
from generator.handlers.alert_rule_group import duration


@pytest.mark.parametrize("text, expected", [("90s", 90), ("5m", 300), ("1h30m", 5400), (" 10m ", 600),
                                            ("1d", 86400), ("1w", 604800), (60, 60)])
def test_seconds_of_a_prometheus_duration(text, expected):
    assert seconds(text) == expected


@pytest.mark.parametrize("text", ["5x", "", "1.5h", "-5m", "30s5m", "1s1s", "0s", None, True])
def test_what_prometheus_rejects_is_rejected_with_the_text(text):
    with pytest.raises(ValueError, match="not a duration") as error:
        seconds(text)
    assert repr(text) in str(error.value) and "'5m'" in str(error.value)


@pytest.mark.parametrize("value, shown", [
    ("300s", "5m"), ("90s", "1m30s"), ("1h", "1h"), (90, "1m30s"), ("1h0m", "1h"),
    ("", "0s"), ("0", "0s"), ("0s", "0s"), ("0m0s", "0s"), (0, "0s"), (-5, "0s"),
    ("8d", "8d"),            # Prometheus writes weeks only when exact: not "1w1d"
    ("14d", "2w"),
    ("500ms", "500ms"),      # sub-second durations are not rounded away
])
def test_duration_is_written_as_grafana_answers_it(value, shown):
    assert duration(value) == shown


@pytest.mark.parametrize("value", ["5x", "30s5m", None, True, ["5m"]])
def test_a_value_that_is_no_duration_is_kept_for_the_comparison_to_show(value):
    assert duration(value) == value
