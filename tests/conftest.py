"""Shared pytest fixtures, and the guard that keeps the suite off a Grafana nobody chose for it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

#: the one way to let tests reach a real Grafana (with GRAFANA_URL and its credentials)
REAL_GRAFANA_OPT_IN = "GAC_TEST_REAL_GRAFANA"
#: where gac (and the shared end-to-end tests) would send requests
GRAFANA_VARIABLES = ("GRAFANA_URL", "GRAFANA_TOKEN", "GRAFANA_USER", "GRAFANA_PASSWORD", "GRAFANA_ORG_ID")
#: how gac would run otherwise than the tests expect (an environment, generated/ unchecked)
GAC_VARIABLES = ("GAC_ENV", "GAC_SKIP_BUILD_CHECK")


def _guard_environment(environ: "os._Environ[str]") -> None:
    """Someone who runs `make sync` has GRAFANA_URL/GRAFANA_TOKEN exported; `make test` must not write
    test objects into that Grafana. Unless GAC_TEST_REAL_GRAFANA=1 says otherwise, the variables are
    removed before any test module (or gac subprocess) can read them."""
    keep = environ.get(REAL_GRAFANA_OPT_IN) == "1"
    for name in (() if keep else GRAFANA_VARIABLES) + GAC_VARIABLES:
        environ.pop(name, None)


_guard_environment(os.environ)  # at import: before test modules evaluate their skip markers

from tests.grafana_emulator import EmulatorConfig, GrafanaEmulator  # noqa: E402 - after the guard

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


@pytest.fixture
def grafana_folder_marks() -> Iterator[GrafanaEmulator]:
    """A release whose folders keep the annotations a client writes (13.x, unified storage; 12.x
    keeps folders in legacy SQL, which drops them: versions.py `folders_in_legacy_sql`)."""
    yield from _run(EmulatorConfig(grafana_version="13.x"))


#: the project's contact-point secrets (grafana.yaml names these variables); test values only
CONTACT_POINT_SECRETS = {"PAGERDUTY_INTEGRATION_KEY": "test-pagerduty-key-0000",
                         "TEAMS_WEBHOOK_URL": "https://example.invalid/teams/test-webhook"}


@pytest.fixture(autouse=True)
def _contact_point_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sync of the project needs its contact points' secrets, as a real run does."""
    for name, value in CONTACT_POINT_SECRETS.items():
        monkeypatch.setenv(name, value)
