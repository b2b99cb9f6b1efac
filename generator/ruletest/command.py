"""`gac test`: thin click command over `generator.ruletest` (which never prints)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .project import project_rules, require_rules
from .report import FORMATS, render
from .runner import load_project_cases, run_tests
from ..option_group import FiniteFloatRange, root_option


@click.command("test")
@root_option("Repository root holding alerts/ and alerts/tests/.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--coverage", is_flag=True, help="List rules without tests and rules not testable offline.")
@click.option("--min-coverage", type=FiniteFloatRange(0, 100), default=None,
              help="Fail (exit 1) when fewer than N% of the rules have a passing test.")
@click.option("--rule", "rules", multiple=True, metavar="UID", help="Run only the tests of this rule. Repeatable.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the tests that did not pass, and the summary line.")
def test_command(root: Path, fmt: str, coverage: bool, min_coverage: float | None, rules: tuple[str, ...],
                 quiet: bool) -> None:
    """Run the alert rules' unit tests (alerts/tests/, subfolders included) with Prometheus's promtool.

    Exit 0 when all pass, 1 on a failure, a test of a rule not testable offline, or coverage
    below --min-coverage; 2 on a bad test file or definition, or without promtool.
    """
    infos = project_rules(root)
    require_rules(rules, infos)
    cases = [c for c in load_project_cases(root) if not rules or c.rule_uid in rules]
    report = run_tests(infos, cases)
    # a lone surrogate (YAML's "\ud800" in a name or label) has no UTF-8: written as its escape
    click.echo(render(report, fmt, coverage or min_coverage is not None, quiet).encode("utf-8", "backslashreplace")
               .decode("utf-8"))
    if report.failed:
        sys.exit(1)
    if min_coverage is not None and report.coverage < min_coverage:
        click.echo(f"error: rule coverage {report.coverage:.0f}% is below --min-coverage {min_coverage:g}%", err=True)
        sys.exit(1)
