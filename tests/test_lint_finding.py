"""Findings built by Location.finding and Finding.located (which fill the frozen dataclass without
its __init__, for speed) are the same findings the dataclass builds, and sort_findings (which reads
each finding's sort key once) orders and dedupes as the sort keys say."""

from __future__ import annotations

import dataclasses
import pickle
import sys

import pytest

from generator.lint.finding import Finding, Location, sort_findings


def _location() -> Location:
    return Location("d.json", ("panels", 0, "targets", 1, "expr"), 7, None, "uid", None, None, "Panel", 3, "B")


def test_a_finding_made_at_a_location_is_the_dataclass_s_own() -> None:
    made = _location().finding("promql-syntax", "error", "does not parse", "close it")
    built = Finding("promql-syntax", "error", "d.json", "uid", "Panel", 3, "B", "does not parse", None, None,
                    "close it", None, None, ("panels", 0, "targets", 1, "expr"), 7)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert [getattr(made, f.name) for f in dataclasses.fields(Finding)] == \
        [getattr(built, f.name) for f in dataclasses.fields(Finding)]
    assert pickle.loads(pickle.dumps(made)) == made  # workers send findings back
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 3  # type: ignore[misc]
    located = made.located(12, 5)
    assert (located.line, located.column) == (12, 5)
    assert located == dataclasses.replace(built, line=12, column=5)
    assert (located.path, located.offset) == (built.path, built.offset)
    # no field missing or extra, named as the dataclass names them
    assert vars(made) == vars(built) and vars(located) == vars(dataclasses.replace(built, line=12, column=5))
    assert made.line is None and located.line == 12  # the copy is its own
    # a located finding is kept to the end of the run: its dict shares its keys with the other
    # instances', as one the dataclass's own __init__ fills does, smaller than a dict of its own
    assert sys.getsizeof(vars(located)) < sys.getsizeof(dict(vars(located)))


def test_findings_are_sorted_by_their_keys_and_deduplicated() -> None:
    at = _location()
    findings = [at.finding("r2", "error", "m"), at._replace(ref_id="A").finding("r1", "error", "m"),
                at.finding("r1", "warning", "m"), at.finding("r2", "error", "m"), at.finding("r1", "warning", "m")]
    out = sort_findings(findings)
    assert out == sorted(set(findings), key=Finding.sort_key)
    assert [(f.ref_id, f.rule) for f in out] == [("A", "r1"), ("B", "r1"), ("B", "r2")]


def test_a_moved_location_is_the_named_tuple_s_replace() -> None:
    at = _location()
    moved = at.moved(path=("panels", 1), ref_id=None, offset=None)
    assert moved == at._replace(path=("panels", 1), ref_id=None, offset=None) and type(moved) is Location
    assert at.moved() == at
    with pytest.raises(ValueError, match="no field 'panel_title'"):
        at.moved(panel_title="x")
