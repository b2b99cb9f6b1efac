"""gac's linter: Grafana dashboards, Grafana-managed alert rules, Prometheus rule files and
data sources, with PromQL and LogQL checked after Grafana's own expansion.

Library API (returns data, never prints):

* `Finding`: one problem, with rule id, severity, location and how to fix it;
* `LintConfig.from_mapping(grafana_yaml["lint"])`: rule switches, declared data sources,
  metric catalogs;
* `lint_resources(resources, config, environments)`: the project's compiled resources;
* `lint_paths(paths, config)`: dashboard / alert / rule files and directories;
* `RULES`: the rule registry (id → Rule).

The `gac lint` command lives in `generator.lint.command`.
"""

from __future__ import annotations

from .config import LintConfig
from .engine import lint_paths, lint_resources
from .finding import Finding
from .registry import RULES, Rule

__all__ = ["Finding", "LintConfig", "RULES", "Rule", "lint_paths", "lint_resources"]
