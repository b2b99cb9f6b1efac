"""One handler per resource kind; `HANDLERS` is the registry every stage looks kinds up in."""

from __future__ import annotations

from .alert_rule_group import AlertRuleGroupHandler
from .base import Handler
from .dashboard import DashboardHandler
from .datasource import DatasourceHandler
from .folder import FolderHandler
from .contact_point import ContactPointHandler
from .mute_timing import MuteTimingHandler
from .notification_template import NotificationTemplateHandler
from .policy_tree import PolicyTreeHandler

HANDLERS: dict[str, Handler] = {
    h.kind: h for h in (FolderHandler(), DatasourceHandler(), DashboardHandler(), AlertRuleGroupHandler(),
                        NotificationTemplateHandler(), ContactPointHandler(), MuteTimingHandler(), PolicyTreeHandler())
}
BY_DIRECTORY: dict[str, Handler] = {h.directory: h for h in HANDLERS.values()}


__all__ = ["HANDLERS", "BY_DIRECTORY", "Handler"]
