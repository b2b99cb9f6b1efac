"""Small typed builders for what grafanalib does not model in the provisioning-API shape.

Definition modules import from here: `from generator.builders import Folder, Dashboard, ...`.
The names are imported on first use (PEP 562): code that needs one builder module (lint's
rules read `builders.durations`) does not pay for grafanalib, which `dashboards` imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .alerts import AlertRule, Expression, PromQuery, RuleGroup, math, reduce, threshold
    from .dashboards import DashboardDef, JsonDashboard
    from .datasources import DataSource, Loki, Prometheus, Tempo
    from .folders import Folder
    from .notifications import (ContactPoint, MuteTiming, NotificationSettings, NotificationTemplate, Policy,
                                PolicyTree, email, pagerduty, slack, teams, time_range, webhook)

#: public name → the module of this package that defines it
_MODULES = {
    **dict.fromkeys(["AlertRule", "Expression", "PromQuery", "RuleGroup", "math", "reduce", "threshold"], "alerts"),
    **dict.fromkeys(["DashboardDef", "JsonDashboard"], "dashboards"),
    **dict.fromkeys(["DataSource", "Loki", "Prometheus", "Tempo"], "datasources"),
    "Folder": "folders",
    **dict.fromkeys(["ContactPoint", "MuteTiming", "NotificationSettings", "NotificationTemplate", "Policy",
                     "PolicyTree", "email", "pagerduty", "slack", "teams", "time_range", "webhook"], "notifications"),
}

__all__ = [
    "AlertRule", "ContactPoint", "DashboardDef", "DataSource", "Expression", "Folder", "JsonDashboard", "Loki",
    "MuteTiming", "NotificationSettings", "NotificationTemplate", "Policy", "PolicyTree", "PromQuery", "Prometheus",
    "RuleGroup", "Tempo", "email", "math", "pagerduty", "reduce", "slack", "teams", "threshold", "time_range",
    "webhook",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
