"""Ctrl-C during `gac sync`: stop cleanly, say what was applied, exit 130, and converge on re-run.
SIGTERM (a cancelled CI job, a Kubernetes pod stopped) is the same interruption.

The sync runs as a process (a signal goes to a process) against the emulator, whose
dashboard saves are slowed so that the interrupt arrives while writes are in flight, after
folders and data sources have been written.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.gac_process import start_gac
from tests.grafana_emulator.testing import emulator_only
from tests.test_sync import Gac, gac, project  # noqa: F401  (fixtures)

pytestmark = emulator_only


SIGNALS = pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])


@SIGNALS
def test_ctrl_c_stops_cleanly_and_a_rerun_converges(gac: Gac, project: Path, signum: int) -> None:  # noqa: F811
    emu = gac.emu
    emu.slow("POST", "/api/dashboards/db$", delay=2.0)
    run = start_gac(project, emu, "sync", "--workers", "2")
    deadline = time.monotonic() + 60
    while len(emu.writes) < 6 and time.monotonic() < deadline:  # 3 folders, 3 data sources
        time.sleep(0.05)
    assert len(emu.writes) >= 6, [r.path for r in emu.writes]
    time.sleep(0.5)  # the first dashboard saves are in flight now
    run.send_signal(signum)
    out = run.communicate(timeout=60)[0]
    emu.clear_faults()

    assert run.returncode == 130, out
    assert "Aborted!" not in out and "Traceback" not in out, out
    assert emu.token not in out
    assert "Interrupted:" in out and "Fix the cause" not in out, out
    applied = [r.path for r in emu.writes]
    dashboards = [p for p in applied if p.startswith("/api/dashboards")]
    # the saves in flight were finished, nothing was started after the interrupt
    assert dashboards and len(emu.requests_matching("POST", "/api/dashboards/db$")) <= 2, applied
    assert not [p for p in applied if "rule-groups" in p], applied
    assert "alert-rule-group genai in otel-apps: not attempted: interrupted" in out, out
    assert f"Interrupted: {len(applied)} write(s) were applied" in out, out

    rerun = gac("sync")
    assert rerun.exit_code == 0, rerun.output
    assert f"{len(applied)} unchanged" in rerun.output, rerun.output
    emu.clear_log()
    assert gac("sync").exit_code == 0 and emu.writes == []


@SIGNALS
def test_ctrl_c_while_reading_grafana_is_130_for_every_remote_command(gac: Gac, project: Path,  # noqa: F811
                                                                     signum: int) -> None:
    """Exit 1 means changes, conflicts or drift: an interrupted read must not look like one."""
    emu = gac.emu
    emu.slow("GET", "/api/", delay=5.0)
    try:
        for command in ("plan", "drift", "sync"):
            emu.clear_log()
            run = start_gac(project, emu, command)
            deadline = time.monotonic() + 30
            while not emu.requests_matching("GET", "/api/") and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            run.send_signal(signum)
            out = run.communicate(timeout=60)[0]
            assert run.returncode == 130, (command, out)
            assert "Aborted!" not in out and "Traceback" not in out, (command, out)
            assert "Interrupted" in out, (command, out)
            assert emu.writes == [], command
    finally:
        emu.clear_faults()


def test_the_signal_handlers_are_given_back_as_they_were() -> None:
    """A sync run from Python (not the command line) must leave SIGTERM as it found it: the
    default was read as false (SIG_DFL is 0) and Python's Ctrl-C handler installed in its place."""
    from generator.sync.run import stop_on_interrupt
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with stop_on_interrupt():
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) == before[signal.SIGINT]
    finally:
        signal.signal(signal.SIGTERM, previous)
