"""`gac test`: unit tests for Grafana-managed alert rules, evaluated by Prometheus's rule engine.

A rule whose chain gac can mirror exactly (one Prometheus query → reduce → threshold or math
comparison) is translated into a Prometheus alerting rule; test files beside the rules
(`alerts/tests/<group>.yaml`, or in subfolders of alerts/tests/) become promtool test files;
`promtool test rules` runs them and its failures are mapped back to the test file and the rule's
definition line. Rules that use Grafana-only behaviour are refused with the reason, never
reported as passing.

* `translate_rule(rule, context)`: a `Translation` or a `Refusal` (see `translate.py`).
* `run_tests(root, ...)`: the project's rules, test files and promtool → a `Report`.
"""

from .model import CaseResult, Refusal, Report, RuleInfo, Translation
from .translate import RuleContext, translate_rule

__all__ = ["CaseResult", "Refusal", "Report", "RuleContext", "RuleInfo", "Translation", "translate_rule"]
