"""plan, sync and drift refuse a generated/ that is not what the definitions build to.

A definition changed without `gac build` used to sync as "unchanged" (exit 0), and a hand
edit to generated/ that lints clean went to Grafana unreviewed. Now both stop before the
first request (exit 2, naming the stale files and `make build`), unless the run opts out
(--skip-build-check, GAC_SKIP_BUILD_CHECK=1) as a deployment carrying only generated/ does.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from tests.test_drift import Drift, drift  # noqa: F401 - `drift` is the fixture `gac` builds on

DASHBOARD = "generated/dashboards/otel-apps/otel-apm.json"


class Gac(Drift):
    """`gac COMMAND` on a built and synced copy of the project (`tests.test_drift.Drift`)."""

    def __call__(self, *args: str, command: str = "drift", env: dict[str, Any] | None = None) -> Any:
        return super().__call__(*args[1:], command=args[0], env=env)


@pytest.fixture
def gac(drift: Drift) -> Gac:
    """The project built and synced by test_drift's fixture; requests counted from here."""
    drift.emu.clear_log()
    return Gac(drift.root, drift.emu)


def _retitle_definition(root: Path) -> None:
    path = root / "dashboards/apm.py"
    path.write_text(path.read_text().replace('"APM: services and routes"', '"APM v2"'))


@pytest.mark.parametrize("command", ["plan", "sync", "drift"])
def test_a_definition_changed_without_build_stops_before_any_request(gac: Gac, command: str) -> None:
    _retitle_definition(gac.root)
    result = gac(command)
    assert result.exit_code == 2, result.output
    assert f"{DASHBOARD} (differs)" in result.output and "make build" in result.output
    assert "--skip-build-check" in result.output and "GAC_SKIP_BUILD_CHECK=1" in result.output
    assert "Traceback" not in result.output
    assert gac.emu.requests == []


def test_a_hand_edit_to_generated_is_not_pushed(gac: Gac) -> None:
    path = gac.root / DASHBOARD
    path.write_text(path.read_text().replace('"APM: services and routes"', '"APM (hand edit)"'))
    result = gac("sync")
    assert result.exit_code == 2 and f"{DASHBOARD} (differs)" in result.output
    assert gac.emu.writes == [] and gac.emu.store.org(1).dashboards["otel-apm"].title == "APM: services and routes"


def test_stale_files_missing_and_extra_are_named(gac: Gac) -> None:
    (gac.root / DASHBOARD).unlink()
    extra = gac.root / "generated/dashboards/otel-apps/stray.json"
    extra.write_text("{}")
    result = gac("plan")
    assert result.exit_code == 2
    assert f"{DASHBOARD} (missing)" in result.output
    assert "generated/dashboards/otel-apps/stray.json (no definition builds it)" in result.output
    assert "2 stale file(s)" in result.output


def test_after_build_the_change_syncs(gac: Gac) -> None:
    _retitle_definition(gac.root)
    assert build(gac.root).written
    result = gac("sync")
    assert result.exit_code == 0, result.output
    assert gac.emu.store.org(1).dashboards["otel-apm"].title == "APM v2"


@pytest.mark.parametrize("opt_out", [("--skip-build-check",), ("env",)], ids=["option", "variable"])
def test_the_opt_out_uses_generated_as_it_is(gac: Gac, opt_out: tuple[str, ...]) -> None:
    path = gac.root / DASHBOARD
    path.write_text(path.read_text().replace('"APM: services and routes"', '"APM (hand edit)"'))
    args, env = ((), {"GAC_SKIP_BUILD_CHECK": "1"}) if opt_out == ("env",) else (opt_out, {})
    result = gac("sync", *args, env=env)
    assert result.exit_code == 0, result.output
    assert "not checked against the definitions" in result.output
    assert gac.emu.store.org(1).dashboards["otel-apm"].title == "APM (hand edit)"
    assert gac("drift", *args, env=env).exit_code == 0


def test_a_root_without_definitions_says_so_and_names_the_opt_out(gac: Gac, tmp_path: Path) -> None:
    """The Docker image's layout: grafana.yaml and generated/ only."""
    only = tmp_path / "image"
    only.mkdir()
    shutil.copy(gac.root / "grafana.yaml", only / "grafana.yaml")
    shutil.copytree(gac.root / "generated", only / "generated")
    gac.root = only
    refused = gac("drift")
    assert refused.exit_code == 2
    assert "no definition folders (datasources/, dashboards/, alerts/)" in refused.output
    assert "--skip-build-check" in refused.output and "GAC_SKIP_BUILD_CHECK=1" in refused.output
    assert gac.emu.requests == []
    assert gac("drift", env={"GAC_SKIP_BUILD_CHECK": "1"}).exit_code == 0


def test_a_definition_error_is_reported_as_such(gac: Gac) -> None:
    (gac.root / "dashboards/broken.py").write_text("raise RuntimeError('half-written module')\n")
    result = gac("plan")
    assert result.exit_code == 2 and "dashboards/broken.py" in result.output and "Traceback" not in result.output
    assert gac.emu.requests == []


def test_pull_has_no_build_check_option() -> None:
    """pull writes definitions from Grafana; it never reads generated/, so there is nothing to opt out of."""
    assert "--skip-build-check" not in CliRunner().invoke(main, ["pull", "--help"]).output
    for command in ("plan", "sync", "drift"):
        text = CliRunner().invoke(main, [command, "--help"]).output
        assert "--skip-build-check" in text and "GAC_SKIP_BUILD_CHECK" in text, command
