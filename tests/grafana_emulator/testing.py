"""Helpers for tests that run against the emulator or, when configured, a real Grafana.

A real Grafana is the target only when ``GAC_TEST_REAL_GRAFANA=1`` opts in and
``GRAFANA_URL`` is set together with credentials: ``GRAFANA_TOKEN`` (service-account
token) or ``GRAFANA_USER``/``GRAFANA_PASSWORD`` -- variables exported for `make sync` alone
never send test objects to that Grafana (tests/conftest.py removes them).  Then the shared end-to-end tests run
against it, emulator-only tests skip with the reason, and tests that need a
real Grafana run; otherwise the latter skip with the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from .paths import openapi_spec_path


@dataclass(frozen=True)
class Target:
    """Where a shared end-to-end test sends its requests."""

    url: str
    token: str | None = None
    user: str | None = None
    password: str | None = None
    is_emulator: bool = True

    @property
    def credential(self) -> str | tuple[str, str]:
        """What ``GrafanaApi.from_url(url, credential=...)`` takes."""
        if self.token:
            return self.token
        assert self.user is not None and self.password is not None
        return (self.user, self.password)


def real_grafana() -> Target | None:
    """The configured real Grafana, or None (always None without GAC_TEST_REAL_GRAFANA=1)."""
    if os.environ.get("GAC_TEST_REAL_GRAFANA") != "1":
        return None
    url = os.environ.get("GRAFANA_URL", "").rstrip("/")
    token = os.environ.get("GRAFANA_TOKEN")
    user, password = os.environ.get("GRAFANA_USER"), os.environ.get("GRAFANA_PASSWORD")
    if not url or not (token or (user and password)):
        return None
    return Target(url=url, token=token, user=user, password=password, is_emulator=False)


emulator_only = pytest.mark.skipif(
    real_grafana() is not None,
    reason="GAC_TEST_REAL_GRAFANA=1: this test drives the emulator's own controls/state "
           "and is skipped against a real Grafana",
)

requires_real_grafana = pytest.mark.skipif(
    real_grafana() is None,
    reason="needs a real Grafana: set GAC_TEST_REAL_GRAFANA=1, GRAFANA_URL and GRAFANA_TOKEN (or "
           "GRAFANA_USER/GRAFANA_PASSWORD)",
)

requires_openapi = pytest.mark.skipif(
    openapi_spec_path() is None,
    reason="shared/grafana/openapi/api-merged.json is absent (expected at <repo>/../shared); "
           "the emulator runs without request validation",
)
