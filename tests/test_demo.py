"""`make demo` (generator/sync/demo.py): the README promises the whole flow with no Grafana and
nothing to set up, so it must run with no secret variables exported."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_demo(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator.sync.demo", "--root", str(root)], cwd=ROOT, env=env,
                          text=True, capture_output=True, timeout=300)


def test_demo_runs_without_any_secret_variable_set() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PAGERDUTY_INTEGRATION_KEY", "TEAMS_WEBHOOK_URL")}
    done = _run_demo(ROOT, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "PAGERDUTY_INTEGRATION_KEY" in done.stdout  # it says which variables got stand-ins
    assert not re.search(r"demo-[0-9a-f]{16}", done.stdout + done.stderr)  # ... never their values
    assert "glsa_demo_" not in done.stdout + done.stderr


def test_demo_without_a_local_environment_says_so(tmp_path: Path) -> None:
    for name in ("datasources", "dashboards", "alerts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "grafana.yaml").write_text("environments:\n  prod:\n    url: https://grafana.example.com\n")
    done = _run_demo(tmp_path, dict(os.environ))
    assert done.returncode == 2
    assert "no environment 'local'" in done.stderr
    assert "Traceback" not in done.stderr
