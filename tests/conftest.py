"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.grafana_emulator import EmulatorConfig, GrafanaEmulator

#: The Grafana releases the emulator models faithfully (tests/grafana_emulator/versions.py).
GRAFANA_VERSIONS = ("11.6", "12.x", "13.x")


def _run(config: EmulatorConfig) -> Iterator[GrafanaEmulator]:
    emulator = GrafanaEmulator(config=config).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def grafana_emulator() -> Iterator[GrafanaEmulator]:
    """A fresh Grafana API emulator on 127.0.0.1 (see tests/grafana_emulator/__init__.py).

    Legacy, unfaithful behaviour (``grafana_version=None``: createdBy equals the
    writer's login, every save bumps the version, no /apis): kept until gac
    handles Grafana 11/12/13, then to be removed in favour of ``grafana_any_version``.
    """
    yield from _run(EmulatorConfig())


@pytest.fixture(params=GRAFANA_VERSIONS, ids=[f"grafana-{v}" for v in GRAFANA_VERSIONS])
def grafana_any_version(request: pytest.FixtureRequest) -> Iterator[GrafanaEmulator]:
    """A fresh emulator of each modelled Grafana release in turn (11.6, 12.x, 13.x)."""
    yield from _run(EmulatorConfig(grafana_version=request.param))


@pytest.fixture(params=("12.x", "13.x"), ids=["grafana-12.x", "grafana-13.x"])
def grafana_12_plus(request: pytest.FixtureRequest) -> Iterator[GrafanaEmulator]:
    """The releases with unified storage and the /apis resource APIs."""
    yield from _run(EmulatorConfig(grafana_version=request.param))


#: the project's contact-point secrets (grafana.yaml names these variables); test values only
CONTACT_POINT_SECRETS = {"PAGERDUTY_INTEGRATION_KEY": "test-pagerduty-key-0000",
                         "TEAMS_WEBHOOK_URL": "https://example.invalid/teams/test-webhook"}


@pytest.fixture(autouse=True)
def _contact_point_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sync of the project needs its contact points' secrets, as a real run does."""
    for name, value in CONTACT_POINT_SECRETS.items():
        monkeypatch.setenv(name, value)
