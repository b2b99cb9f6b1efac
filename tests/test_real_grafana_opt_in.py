"""The suite reaches a real Grafana only when GAC_TEST_REAL_GRAFANA=1 says so.

GRAFANA_URL/GRAFANA_TOKEN exported for `make sync` used to make `make test` write test
objects into that Grafana. tests/conftest.py now removes them (and GAC_ENV,
GAC_SKIP_BUILD_CHECK) before any test runs, unless the opt-in is set.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import GAC_VARIABLES, GRAFANA_VARIABLES, REAL_GRAFANA_OPT_IN, _guard_environment
from tests.grafana_emulator.testing import real_grafana
from tests.paths import REPO

#: nothing listens there: a test that used it would fail at once
UNREACHABLE = "http://127.0.0.1:9"


def test_without_the_opt_in_no_grafana_variable_reaches_a_test() -> None:
    if os.environ.get(REAL_GRAFANA_OPT_IN) == "1":
        pytest.skip(f"{REAL_GRAFANA_OPT_IN}=1: the real Grafana's variables are kept on purpose")
    assert [name for name in GRAFANA_VARIABLES + GAC_VARIABLES if name in os.environ] == []
    assert real_grafana() is None


def test_the_guard_keeps_the_connection_only_with_the_opt_in() -> None:
    exported = {"GRAFANA_URL": UNREACHABLE, "GRAFANA_TOKEN": "glsa_exported", "GRAFANA_ORG_ID": "3",
                "GAC_ENV": "prod", "GAC_SKIP_BUILD_CHECK": "1", "HOME": "/home/someone"}
    plain = dict(exported)
    _guard_environment(plain)  # type: ignore[arg-type]
    assert plain == {"HOME": "/home/someone"}
    opted = {**exported, REAL_GRAFANA_OPT_IN: "1"}
    _guard_environment(opted)  # type: ignore[arg-type]
    assert opted == {"GRAFANA_URL": UNREACHABLE, "GRAFANA_TOKEN": "glsa_exported", "GRAFANA_ORG_ID": "3",
                     "HOME": "/home/someone", REAL_GRAFANA_OPT_IN: "1"}


def test_real_grafana_needs_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAFANA_URL", UNREACHABLE)
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_exported")
    monkeypatch.delenv(REAL_GRAFANA_OPT_IN, raising=False)
    assert real_grafana() is None
    monkeypatch.setenv(REAL_GRAFANA_OPT_IN, "1")
    target = real_grafana()
    assert target is not None and target.url == UNREACHABLE and not target.is_emulator


def test_exported_grafana_variables_leave_the_roundtrip_on_the_emulator() -> None:
    """The case that wrote into someone's Grafana: a separate pytest run with the variables exported
    (pointing nowhere), no opt-in. The round trip must pass on the emulator, and the check above
    must find the variables gone."""
    env = {k: v for k, v in os.environ.items() if k != REAL_GRAFANA_OPT_IN}
    env.update({"GRAFANA_URL": UNREACHABLE, "GRAFANA_TOKEN": "glsa_exported", "GAC_SKIP_BUILD_CHECK": "1"})
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/test_emulator_roundtrip.py",
         f"{__file__}::test_without_the_opt_in_no_grafana_variable_reaches_a_test"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert "2 passed" in summary and "1 skipped" in summary, run.stdout[-2000:]
    assert "needs a real Grafana: set GAC_TEST_REAL_GRAFANA=1" in run.stdout
