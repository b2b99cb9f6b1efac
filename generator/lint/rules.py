"""Import every rule module so that the registry is complete (`gac lint --list-rules`)."""

from . import alert_rules, dashboard_rules, datasource_rules, promql_rules  # noqa: F401
