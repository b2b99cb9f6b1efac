"""An alerting provisioning file Grafana refuses (or reads without a part of it) is an error of
`gac lint`, at the line of the key at fault: alert-provisioning-file-invalid,
generator/lint/alerting_provisioning.py, from Grafana's pkg/services/provisioning/alerting.
What the rule checks of groups and rules already report is theirs alone, and the real files of
the corpus, which Grafana loads, give no finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.lint import LintConfig, lint_paths
from tests import paths

RULE = "alert-provisioning-file-invalid"

QUERY = """\
        data:
          - refId: A
            datasourceUid: prometheus
            model: {expr: up, instant: true}
          - refId: C
            datasourceUid: __expr__
            model: {type: threshold, expression: A}
"""

#: a file Grafana loads: a group with one rule, a contact point, a policy
GOOD = f"""\
apiVersion: 1
groups:
  - orgId: 1
    name: collector
    folder: OTel
    interval: 1m
    rules:
      - uid: collector-down
        title: CollectorDown
        condition: C
{QUERY}        for: 5m
        keepFiringFor: 1m
        isPaused: false
        labels: {{severity: page}}
        annotations: {{summary: collector down}}
contactPoints:
  - orgId: 1
    name: team
    receivers:
      - uid: team-email
        type: email
        settings: {{addresses: team@example.com}}
policies:
  - orgId: 1
    receiver: team
    group_by: [alertname]
"""


def _findings(tmp_path: Path, text: str) -> list[Any]:
    path = tmp_path / "alerting.yaml"
    path.write_text(text)
    return lint_paths([path], LintConfig())


def _ours(tmp_path: Path, text: str) -> list[tuple[int | None, str]]:
    return [(f.line, f.message) for f in _findings(tmp_path, text) if f.rule == RULE]


def test_a_file_grafana_loads_gives_no_finding(tmp_path: Path) -> None:
    assert [(f.rule, f.message) for f in _findings(tmp_path, GOOD) if f.severity == "error"] == []


#: (name, change to GOOD: (old, new), the line of the finding, words its message must hold). A
#: finding about a key is on the key's line, whether its value is a scalar, a flow or a block (the
#: unknown `policy:` below, `contactPoints:` as a map); a missing key's is the line of the object
#: that lacks it
REFUSALS: list[tuple[str, tuple[str, str], int, tuple[str, ...]]] = [
    ("unknown top-level key", ("policies:\n", "policy:\n"), 30,
     ('"policy" is not a key of the file', "Grafana expects one of", "policies", "Grafana ignores it")),
    ("apiVersion 2", ("apiVersion: 1\n", "apiVersion: 2\n"), 1, ("apiVersion: 2", "Grafana expects 1")),
    # Int64Value and BoolValue parse the text (base 10, strconv.ParseBool), not the number YAML reads
    ("orgId in hex", ("  - orgId: 1\n    name: collector", "  - orgId: 0x1\n    name: collector"), 3,
     ("orgId: 0x1", "Grafana expects a whole number")),
    ("orgId with an underscore", ("  - orgId: 1\n    name: collector", "  - orgId: 1_0\n    name: collector"), 3,
     ("orgId: 1_0", "Grafana expects a whole number")),
    ("isPaused a number", ("isPaused: false", "isPaused: 1_0"), 20, ("isPaused: 1_0", "Grafana expects true or false")),
    ("apiVersion not a number", ("apiVersion: 1\n", "apiVersion: one\n"), 1,
     ('apiVersion: "one"', "Grafana expects a whole number", "Grafana refuses the file")),
    ("group without name", ("    name: collector\n", ""), 3, ("name: missing from the rule group", "Grafana expects")),
    ("group without folder", ("    folder: OTel\n", ""), 3, ("folder: missing from the rule group", "Grafana expects")),
    ("group interval without unit", ("interval: 1m", "interval: 60"), 6,
     ("interval: 60", "Grafana expects a duration with a unit")),
    ("rule without uid", ("      - uid: collector-down\n        title", "      - title"), 8,
     ("uid: missing from the rule", "Grafana expects the rule's uid")),
    ("rule without title", ("        title: CollectorDown\n", ""), 8,
     ("title: missing from the rule", "Grafana expects the rule's title")),
    ("rule without data", (QUERY, ""), 8, ("data: missing from the rule", "Grafana expects a list of queries")),
    ("rule key in the API's spelling", ("keepFiringFor: 1m", "keep_firing_for: 1m"), 19,
     ('"keep_firing_for" is not a key of a rule', "keepFiringFor", "Grafana ignores it")),
    ("isPaused not a boolean", ("isPaused: false", "isPaused: no"), 20, ('isPaused: "no"', "Grafana expects true or false")),
    ("labels a list", ("labels: {severity: page}", "labels: [page]"), 21,
     ("labels: a list", "Grafana expects a map of strings")),
    ("contact point without name", ("    name: team\n", ""), 24, ("name: missing from the contact point",)),
    ("contact point without receivers", ("    receivers:\n      - uid: team-email\n        type: email\n"
                                         "        settings: {addresses: team@example.com}\n", ""), 24,
     ("receivers: missing from the contact point", "Grafana expects a list of receivers")),
    ("contact points a map", ("contactPoints:\n  - orgId: 1", "contactPoints:\n    orgId: 1"), 23,
     ("contactPoints: a map", "Grafana expects a list of contact points")),
    ("receiver without uid", ("      - uid: team-email\n        type", "      - type"), 27,
     ("uid: missing from the receiver", "Grafana expects a uid")),
    ("receiver without type", ("        type: email\n", ""), 27, ("type: missing from the receiver",)),
    ("settings a list", ("settings: {addresses: team@example.com}", "settings: [team@example.com]"), 29,
     ("settings: a list", "Grafana expects a map")),
    ("policy without receiver", ("    receiver: team\n", ""), 31,
     ("receiver: missing from the policy", "Grafana expects the contact point")),
    ("group_by a string", ("group_by: [alertname]", "group_by: alertname"), 33,
     ('group_by: "alertname"', "Grafana expects a list of label names")),
]


@pytest.mark.parametrize("change, line, words", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_each_refusal_is_reported_at_its_line(tmp_path: Path, change: tuple[str, str], line: int,
                                              words: tuple[str, ...]) -> None:
    old, new = change
    assert old in GOOD
    found = _ours(tmp_path, GOOD.replace(old, new, 1))
    assert [at for at, _ in found] == [line], found
    for word in words:
        assert word in found[0][1], found[0][1]


def test_an_org_id_is_not_required(tmp_path: Path) -> None:
    """Grafana reads a missing orgId as organization 1 everywhere in the file."""
    assert _ours(tmp_path, GOOD.replace("  - orgId: 1\n    name: team", "  - name: team")) == []


@pytest.mark.parametrize("old, new, other", [
    ("    interval: 1m\n", "", "alert-group-interval"),
    ("interval: 1m", "interval: 1x", "alert-group-interval"),
    ("for: 5m", "for: 5mins", "alert-duration-invalid"),
    ("condition: C", "condition: Z", "alert-condition-unknown"),
])
def test_what_another_rule_reports_is_left_to_it(tmp_path: Path, old: str, new: str, other: str) -> None:
    found = _findings(tmp_path, GOOD.replace(old, new, 1))
    assert [f.rule for f in found if f.rule == other]
    assert not [f.message for f in found if f.rule == RULE]


def test_a_rule_group_s_findings_name_the_group_and_rule(tmp_path: Path) -> None:
    found = [f for f in _findings(tmp_path, GOOD.replace("keepFiringFor: 1m", "keepFiringFor: 90")) if f.rule == RULE]
    assert [(f.line, f.group, f.alert) for f in found] == [(19, "collector", "CollectorDown")]
    assert found[0].message.startswith("keepFiringFor: 90 where Grafana expects a duration with a unit")


def test_values_from_the_environment_are_not_judged(tmp_path: Path) -> None:
    text = GOOD.replace("  - orgId: 1\n    name: team", "  - orgId: $ORG_ID\n    name: team") \
        .replace("isPaused: false", "isPaused: ${PAUSED}")
    assert _ours(tmp_path, text) == []


def test_deletions_need_what_they_delete(tmp_path: Path) -> None:
    text = "apiVersion: 1\ndeleteTemplates:\n  - orgId: 1\ndeleteRules:\n  - orgId: 1\n    uid: gone\n"
    found = _ours(tmp_path, text)
    assert [at for at, _ in found] == [3]
    assert found[0][1].startswith("name: missing from a deletion in deleteTemplates, where Grafana expects a name")


CORPUS = paths.SHARED / "corpus" / "rules" / "grafana-provisioning"


@paths.needs_shared
def test_the_corpus_files_grafana_loads_are_clean() -> None:
    files = sorted(CORPUS.rglob("*.y*ml"))
    assert len(files) >= 5
    found = [f for f in lint_paths(files, LintConfig()) if f.rule == RULE]
    assert not found, [(f.file, f.line, f.message) for f in found]
