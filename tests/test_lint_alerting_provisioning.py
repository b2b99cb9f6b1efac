"""Grafana's alerting provisioning files that hold notification objects only (contact points,
policies, mute timings, templates, deletions) are provisioning files: `gac lint` takes them
as such rather than refusing them as "nothing to lint" (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

SECTIONS = {
    "contactPoints": "contactPoints:\n  - orgId: 1\n    name: oncall\n    receivers:\n      - uid: oncall-webhook\n"
                     "        type: webhook\n        settings: {url: 'http://alerts.example:9000'}\n",
    "policies": "policies:\n  - orgId: 1\n    receiver: oncall\n    group_by: [alertname]\n",
    "muteTimes": "muteTimes:\n  - orgId: 1\n    name: weekends\n    time_intervals: [{weekdays: [saturday, sunday]}]\n",
    "templates": "templates:\n  - orgId: 1\n    name: page\n    template: '{{ define \"page\" }}{{ .CommonLabels.alertname }}{{ end }}'\n",
    "deleteContactPoints": "deleteContactPoints:\n  - orgId: 1\n    uid: old\n",
}


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_a_provisioning_file_of_notification_objects_is_no_error(tmp_path: Path, section: str) -> None:
    path = tmp_path / "alerting.yaml"
    path.write_text("apiVersion: 1\n" + SECTIONS[section])
    result = CliRunner().invoke(main, ["lint", str(path)])
    assert result.exit_code == 0, result.output
    assert "nothing in it to lint" not in result.output


def test_a_file_with_none_of_them_is_still_nothing_to_lint(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("apiVersion: 1\nsomething: else\n")
    result = CliRunner().invoke(main, ["lint", str(path)])
    assert result.exit_code == 2 and "nothing in it to lint" in result.output
