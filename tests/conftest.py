"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.grafana_emulator import GrafanaEmulator


@pytest.fixture
def grafana_emulator() -> Iterator[GrafanaEmulator]:
    """A fresh Grafana API emulator on 127.0.0.1 (see tests/grafana_emulator/__init__.py)."""
    emulator = GrafanaEmulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()
