"""Small typed builders for what grafanalib does not model in the provisioning-API shape.

Definition modules import from here: `from generator.builders import Folder, Dashboard, ...`.
"""

from .alerts import AlertRule, Expression, PromQuery, RuleGroup, math, reduce, threshold
from .dashboards import DashboardDef, JsonDashboard
from .datasources import DataSource, Loki, Prometheus, Tempo
from .folders import Folder
from .notifications import (ContactPoint, MuteTiming, NotificationSettings, NotificationTemplate, Policy,
                            PolicyTree, email, pagerduty, slack, teams, time_range, webhook)

__all__ = [
    "AlertRule", "DashboardDef", "JsonDashboard", "DataSource", "Expression", "Folder", "Loki", "Prometheus", "PromQuery",
    "RuleGroup", "Tempo", "math", "reduce", "threshold",
    "ContactPoint", "MuteTiming", "NotificationSettings", "NotificationTemplate", "Policy", "PolicyTree", "email",
    "pagerduty", "slack", "teams", "time_range", "webhook",
]
