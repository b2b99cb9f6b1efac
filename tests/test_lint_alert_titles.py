"""Lint rule alert-title-duplicate: alert rules of one folder should not share a title (Grafana 11
refuses it; later versions group their alerts into one notification). Within a rule group, and
across the groups of one folder in an alerting provisioning file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.lint_cases.builders import alert_group, alert_rule, group_resource, lint_docs, lint_project, only

RULE = "alert-title-duplicate"


def _provisioning(*groups: tuple[str, str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"apiVersion": 1, "groups": [{"orgId": 1, "name": name, "folder": folder, "interval": "1m",
                                         "rules": rules} for name, folder, rules in groups]}


def test_a_title_twice_in_one_group_is_a_warning(tmp_path: Path) -> None:
    """Compared as written: titles apart in case alone are two alertnames from Grafana 12 on
    (`gac sync` judges them against a Grafana 11, whose MySQL counts them as one)."""
    group = alert_group(alert_rule(uid="warn", title="Checkout latency high"),
                        alert_rule(uid="crit", title="Checkout latency high"),
                        alert_rule(uid="case", title="Checkout Latency High"),
                        alert_rule(uid="other", title="Checkout errors"))
    found = only(lint_docs(tmp_path, group), RULE)
    assert [(f.severity, f.path, f.alert) for f in found] == [("warning", ("rules", 1, "title"),
                                                                "Checkout latency high")]
    assert "'Checkout latency high' is used twice in this group" in found[0].message
    assert "Grafana 11 refuses" in found[0].message


def test_distinct_titles_are_clean(tmp_path: Path) -> None:
    group = alert_group(alert_rule(uid="warn", title="Checkout latency high"),
                        alert_rule(uid="crit", title="Checkout latency very high"))
    assert only(lint_docs(tmp_path, group), RULE) == []


def test_project_groups_are_linted_in_every_build() -> None:
    body = {**alert_group(alert_rule(uid="a", title="Queue full"), alert_rule(uid="b", title="Queue full")),
            "title": "exporters"}
    found = only(lint_project(group_resource(body)), RULE)
    assert len(found) == 1 and found[0].group == "exporters" and found[0].alert == "Queue full"


def test_provisioning_file_groups_of_one_folder(tmp_path: Path) -> None:
    doc = _provisioning(("collector", "Platform", [alert_rule(uid="a", title="Queue full")]),
                        ("exporters", "Platform", [alert_rule(uid="b", title="Queue full"),
                                                   alert_rule(uid="c", title="Exporter failing")]),
                        ("apps", "Applications", [alert_rule(uid="d", title="Queue full")]))
    doc["groups"].append({"orgId": 2, "name": "other-org", "folder": "Platform", "interval": "1m",
                          "rules": [alert_rule(uid="e", title="Queue full")]})  # another organisation's folder
    found = only(lint_docs(tmp_path, doc, yaml_docs=True), RULE)
    assert [(f.path, f.alert, f.group) for f in found] == [(("groups", 1, "rules", 0, "title"), "Queue full",
                                                             "exporters")]
    assert "used by another group of folder 'Platform' too" in found[0].message


def test_provisioning_file_repeat_inside_a_group_is_reported_once(tmp_path: Path) -> None:
    doc = _provisioning(("collector", "Platform", [alert_rule(uid="a", title="Queue full"),
                                                   alert_rule(uid="b", title="Queue full")]))
    found = only(lint_docs(tmp_path, doc, yaml_docs=True), RULE)
    assert [f.path for f in found] == [("groups", 0, "rules", 1, "title")]


def test_project_groups_of_one_folder_are_judged_together() -> None:
    """The build sees every group of the project: a title another group of the same folder uses
    is reported on the later group (in the build's order), one of another folder is not."""
    collector = {**alert_group(alert_rule(uid="a", title="Queue full")), "title": "collector"}
    exporters = {**alert_group(alert_rule(uid="b", title="Exporter failing"), alert_rule(uid="c", title="Queue full")),
                 "title": "exporters"}
    apps = {**alert_group(alert_rule(uid="d", title="Queue full")), "title": "apps", "folderUid": "apps"}
    found = only(lint_project(*(group_resource(g) for g in (collector, exporters, apps))), RULE)
    assert [(f.group, f.alert, f.file) for f in found] == [("exporters", "Queue full", "alerts/test.py")]
    assert "used by group 'collector' of this folder too" in found[0].message
