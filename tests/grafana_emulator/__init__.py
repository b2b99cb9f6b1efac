"""A faithful emulator of Grafana's HTTP API, for tests that cannot reach a Grafana server.

Written from shared/grafana/API.md (which cites Grafana's source) and the
OpenAPI spec in shared/grafana/openapi/, not from what our client sends.
``GrafanaEmulator`` is the entry point; the ``grafana_emulator`` pytest
fixture (tests/conftest.py) starts one per test.  Run it on its own with
``python -m tests.grafana_emulator --port PORT --token TOKEN``.
"""

from __future__ import annotations

from .control import UserClient
from .faults import Fault, RequestRecord
from .openapi import Finding
from .server import EmulatorConfig, GrafanaEmulator

__all__ = ["EmulatorConfig", "Fault", "Finding", "GrafanaEmulator", "RequestRecord", "UserClient"]
