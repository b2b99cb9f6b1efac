"""The `gac` command line: thin click commands over the library (which never prints)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import GacError
from .option_group import root_option

ROOT_OPTION = root_option()


class GacGroup(click.Group):
    """Turns GacError into a one-line message and its exit code: never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GacError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=GacGroup)
@click.version_option(__version__, prog_name="gac")
def main() -> None:
    """grafana-as-code: Grafana data sources, dashboards and alert rules as code."""


@main.command()
@ROOT_OPTION
@click.option("--quiet", is_flag=True, help="Print only errors.")
def build(root: Path, quiet: bool) -> None:
    """Compile and lint the definitions into generated/ (atomic; stale files removed)."""
    from .build import build as run_build
    from .lint.formats import format_findings

    result = run_build(root)
    if result.findings and (result.lint_errors or not quiet):
        click.echo(format_findings(result.findings, "text"), err=bool(result.lint_errors))
    if result.lint_errors:
        click.echo(f"error: lint found {len(result.lint_errors)} error(s); generated/ was not written", err=True)
        sys.exit(1)
    if not quiet:
        for line in result.diff.lines():
            click.echo(line)
        state = "up to date" if result.diff.clean else (
            f"{len(result.diff.added)} added, {len(result.diff.changed)} changed, {len(result.diff.removed)} removed")
        click.echo(f"generated/: {len(result.files)} files from {len(result.resources)} definitions, {state}")


@main.command()
@ROOT_OPTION
def check(root: Path) -> None:
    """Exit 1 when generated/ is not what `gac build` would write, naming the files."""
    from .build import check as run_check

    diff = run_check(root)
    if diff.clean:
        click.echo("generated/ is up to date")
        return
    for line in diff.lines():
        click.echo(line)
    click.echo("generated/ is stale: run `make build` and commit the result", err=True)
    sys.exit(1)


def _register_commands() -> None:
    from .lint.command import lint_command

    main.add_command(lint_command, "lint")
    from .sync.command import plan_command, sync_command

    main.add_command(plan_command, "plan")
    main.add_command(sync_command, "sync")
    from .drift.command import drift_command

    main.add_command(drift_command, "drift")
    from .review.command import diff_command

    main.add_command(diff_command, "diff")
    from .pull.command import pull_command

    main.add_command(pull_command, "pull")
    from .ruletest.command import test_command

    main.add_command(test_command, "test")
    from .routing.command import routes_command

    main.add_command(routes_command, "routes")


_register_commands()
