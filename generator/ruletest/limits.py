"""How much one test file may ask of promtool, checked before promtool runs.

promtool holds every input sample in memory and evaluates the rule group at every interval up
to the last checked time, with no limit of its own: `0x100000000` in a test file is four
characters and 100 million samples, and `at: 10y` on a 1m group is five million evaluations.
Such a file would take the machine (a CI runner, a laptop) down with it before any timeout
stops it, so it is refused with exit 2 naming the file, the test and what to do, before
promtool runs. The limits are far above what a rule test needs (the project's tests use a few
hundred samples and evaluations) and far below what hurts.

The counts come from the notation and from the YAML as it is read, never from expanding it:
`1+1x100000000` is counted as 100,000,001 samples without building them, and a YAML alias is
counted as the values it stands for (an alias used twice counts twice, as the loader copies it),
so a "billion laughs" file is refused while its first few thousand values are read.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import GacError
from .model import TestCase
from .series import parse_values
from .translate import duration, seconds_of

#: input samples of one test, over all its series (each case runs in its own promtool): promtool
#: keeps each sample as a Go value with its series, ~100 bytes, so this is ~200 MB at most, and
#: still 23 days of one series scraped every second
MAX_SAMPLES = 2_000_000
#: evaluations of the rule group in one test (last `at:` / group interval, plus the one at 0s):
#: gac asserts its probes at each (see translate.py), and promtool evaluates the rule over every
#: series at each; 50,000 is a month of a 1m group (`at: 30d` is 43,201), about a minute of promtool
MAX_EVALUATIONS = 50_000
#: values (scalars, lists, mappings) of one test file as read, aliases counted each time they are
#: used: a test is a few dozen; each value costs ~1 KB as gac holds it with its line, so this
#: is ~200 MB at most, and a file of thousands of tests still fits
MAX_YAML_VALUES = 200_000

_SPLIT = "split the file into several (one per rule group is the convention)"


class LimitExceeded(GacError):
    """A test asks more of promtool than `gac test` allows (exit 2): the message says what to do."""


def check_samples(case: TestCase) -> None:
    """Refuse a test whose input series expand to more than MAX_SAMPLES samples in all."""
    counts = {series: parse_values(values).samples for series, values in case.input_series.items()}
    total = sum(counts.values())
    if total <= MAX_SAMPLES:
        return
    largest = max(counts, key=lambda s: counts[s])
    raise LimitExceeded(f"{case.file}:{case.line}: test {case.name!r}: its input series expand to {total:,} samples "
                        f"(series {largest!r} alone to {counts[largest]:,}); gac test allows {MAX_SAMPLES:,} per "
                        "test: give fewer samples (a longer `interval:` between them, or an earlier last `at:`), "
                        "or split the test into several")


def evaluations(case: TestCase, interval_s: int) -> int:
    """The group evaluations promtool makes for `case`: one every interval from 0s to the last `at:`."""
    return max(seconds_of(c.eval_time) for c in case.checks) // interval_s + 1


def check_evaluations(case: TestCase, interval_s: int) -> None:
    """Refuse a test whose last `at:` needs more than MAX_EVALUATIONS evaluations of the group."""
    count = evaluations(case, interval_s)
    if count <= MAX_EVALUATIONS:
        return
    last = max(case.checks, key=lambda c: seconds_of(c.eval_time)).eval_time
    raise LimitExceeded(f"{case.file}:{case.line}: test {case.name!r}: its last `at:` ({last}) needs "
                        f"{count:,} evaluations of the rule group (one every {duration(interval_s)}); gac test "
                        f"allows {MAX_EVALUATIONS:,} per test: check at {duration((MAX_EVALUATIONS - 1) * interval_s)} "
                        "at the latest, or split the test into several over shorter spans")


def counting_loader(shown: str) -> type[yaml.SafeLoader]:
    """A SafeLoader that stops with LimitExceeded once the document holds more than
    MAX_YAML_VALUES values, naming the test (`tests:` entry) being read at that point."""

    class CountingLoader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.count = 0
            #: values of each anchored node, to count an alias as what it stands for
            self.sizes: dict[int, int] = {}
            #: (parent, index) of each node being read, outermost first: where the limit is met
            self.path: list[tuple[Any, Any]] = []

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                line = self.peek_event().start_mark.line + 1
                node = super().compose_node(parent, index)
                self._add(self.sizes.get(id(node), 1), line)  # 1: an alias of a node being read (a cycle, refused later)
                return node
            event = self.peek_event()
            before = self.count
            self._add(1, event.start_mark.line + 1)
            self.path.append((parent, index))
            try:
                node = super().compose_node(parent, index)
            finally:
                self.path.pop()
            if event.anchor is not None:
                self.sizes[id(node)] = self.count - before
            return node

        def _add(self, n: int, line: int) -> None:
            self.count += n
            if self.count > MAX_YAML_VALUES:
                raise LimitExceeded(_too_many_values(shown, self.path, line))

    return CountingLoader


def _too_many_values(shown: str, path: list[tuple[Any, Any]], line: int) -> str:
    said = (f"the file holds more than {MAX_YAML_VALUES:,} YAML values (each use of an alias counts the values it "
            "stands for); gac test allows that many per file")
    test = _test_at(path, line)
    if test is None:
        return f"{shown}:{line}: {said}: {_SPLIT}, and write the data out rather than through aliases"
    at, name = test
    return (f"{shown}:{at}: {name}: {said}, reached in this test: {_SPLIT}, or shorten the test (fewer `expect:` "
            "entries, series or labels)")


def _test_at(path: list[tuple[Any, Any]], line: int) -> tuple[int, str] | None:
    """(line, `test 'name'` or `test #N`) of the `tests:` entry being read, from the composer's path:
    the root mapping, its `tests` key, the list, the entry. The name is known when written before
    the point reached (as `- name:` usually is)."""
    if len(path) < 3:
        return None
    _, key = path[1]
    tests, index = path[2]
    if not isinstance(key, yaml.ScalarNode) or key.value != "tests" or not isinstance(index, int) \
            or not isinstance(tests, yaml.SequenceNode):
        return None
    label = f"test #{index + 1}"
    # the entry is read (its first pairs are in) when the limit is met inside it; when at its
    # start, it is not there yet and `line` is its line
    item = path[3][0] if len(path) > 3 else None
    if isinstance(item, yaml.MappingNode):
        line = item.start_mark.line + 1
        for k, v in item.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "name" and isinstance(v, yaml.ScalarNode) and v.value:
                label = f"test {v.value!r}"
    return line, label
