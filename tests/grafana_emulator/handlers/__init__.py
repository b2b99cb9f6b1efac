"""Handlers, one module per Grafana API area; ``register_all`` builds the route table."""

from __future__ import annotations

from ..routing import Router
from . import alerting, apis, dashboards, datasources, folders, health, notifications, search, user


def register_all(router: Router) -> None:
    """Register every area's routes (order matters: literal paths before parameters)."""
    for module in (health, user, search, folders, dashboards, datasources, alerting, notifications, apis):
        module.register(router)
