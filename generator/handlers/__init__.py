"""One handler per resource kind; `HANDLERS` is the registry every stage looks kinds up in."""

from __future__ import annotations

from .alert_rule_group import AlertRuleGroupHandler
from .base import Handler
from .dashboard import DashboardHandler
from .datasource import DatasourceHandler
from .folder import FolderHandler

HANDLERS: dict[str, Handler] = {
    h.kind: h for h in (FolderHandler(), DatasourceHandler(), DashboardHandler(), AlertRuleGroupHandler())
}
BY_DIRECTORY: dict[str, Handler] = {h.directory: h for h in HANDLERS.values()}


__all__ = ["HANDLERS", "BY_DIRECTORY", "Handler"]
