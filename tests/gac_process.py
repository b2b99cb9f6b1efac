"""`gac` as a separate process, for what CliRunner cannot do: runs at once, signals.

Two syncs in one process would share stdout (CliRunner swaps it) and a signal can only be
delivered to a process, so tests of concurrency and Ctrl-C start `python -m generator`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.grafana_emulator import GrafanaEmulator
from tests.paths import REPO


def start_gac(root: Path, emu: GrafanaEmulator, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`gac <args[0]> --root ROOT --env local <args[1:]>` against the emulator, output captured."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("GRAFANA_USER", "GRAFANA_PASSWORD", "GAC_ENV", "GRAFANA_ORG_ID")}
    environ.update({"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, "PYTHONPATH": str(REPO),
                    "PYTHONUNBUFFERED": "1", **(env or {})})
    command, rest = args[0], list(args[1:])
    return subprocess.Popen([sys.executable, "-m", "generator", command, "--root", str(root), "--env", "local",
                             *rest], env=environ, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
