"""Two `gac sync` runs at once against one Grafana (two CI jobs, a retried pipeline).

Both plan the same creates; whichever write lands second finds the object already there
(or its token stale). That object holds exactly what the second run wanted, written and
stamped by gac: convergence, not a conflict -- both runs succeed and nobody is told to
`--force` over a colleague's work.
"""

from __future__ import annotations

from pathlib import Path

from tests.gac_process import start_gac
from tests.grafana_emulator.testing import emulator_only
from tests.test_sync import Gac, gac, project  # noqa: F401  (fixtures)

pytestmark = emulator_only


def test_two_syncs_at_once_both_succeed(gac: Gac, project: Path) -> None:  # noqa: F811
    emu = gac.emu
    # every create waits a while before Grafana handles it, so both runs have planned
    # their creates before the first one lands
    emu.slow("POST", "/api/(folders|datasources|dashboards/db)$", delay=1.5)
    runs = [start_gac(project, emu, "sync", "--retries", "2") for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    emu.clear_faults()
    for run, out in zip(runs, outputs):
        assert emu.token not in out
        assert run.returncode == 0, out
        assert "--force" not in out and "0 conflicts" in out, out
    assert any("converged" in out for out in outputs), outputs

    emu.clear_log()
    again = gac("sync")
    assert again.exit_code == 0 and emu.writes == [], again.output
    assert len(emu.store.org(1).dashboards) == 3


def test_a_different_object_in_the_way_is_still_a_conflict(gac: Gac) -> None:  # noqa: F811
    """Created meanwhile by a person, with other content: a conflict, as before."""
    emu = gac.emu
    emu.as_user("alice").post("/api/datasources", json={"name": "Loki", "uid": "loki", "type": "loki",
                                                         "access": "proxy", "url": "http://elsewhere:3100"})
    result = gac("sync")
    assert result.exit_code == 1, result.output
    assert "! datasource loki" in result.output and "converged" not in result.output
