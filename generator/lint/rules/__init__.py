"""The rules, one module per kind of object they check. Importing this package registers
every rule, so whoever imports it (the engine) sees the complete registry."""

from . import (alert_rules, dashboard_rules, datasource_rules, notification_rules, promql_rules,  # noqa: F401
               traceql_rules)
