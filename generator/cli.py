"""The `gac` command line: thin click commands over the library (which never prints)."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import INTERRUPTED_EXIT, GacError
from .option_group import root_option

ROOT_OPTION = root_option()


#: commands imported only when run (or listed by --help): name → "module:attribute" under generator.
#: Importing every command up front (sync's HTTP client, lint's rule registry, pull, routing...)
#: cost `gac build` as much CPU as a tenth of its work on a thousand dashboards.
LAZY_COMMANDS = {
    "lint": "lint.command:lint_command",
    "plan": "sync.command:plan_command",
    "sync": "sync.command:sync_command",
    "drift": "drift.command:drift_command",
    "diff": "review.command:diff_command",
    "pull": "pull.command:pull_command",
    "test": "ruletest.command:test_command",
    "routes": "routing.command:routes_command",
}


class GacGroup(click.Group):
    """Turns GacError into a one-line message and its exit code: never a traceback.

    Commands named in LAZY_COMMANDS are imported on first use (click's documented lazy-group
    pattern), so each run pays only for the modules of the command it runs.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            module, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(f".{module}", __package__), attribute)
            self.add_command(command, cmd_name)  # resolved once per process
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GacError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            # click would print "Aborted!" and exit 1, which plan, sync and drift use for
            # "changes/conflicts/drift found"; 130 (128 + SIGINT) is what a shell expects.
            # Commands that write say themselves what was applied before they get here.
            click.echo("Interrupted (Ctrl-C or SIGTERM).", err=True)
            sys.exit(INTERRUPTED_EXIT)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _terminate_as_interrupt() -> None:
    """SIGTERM (a cancelled CI job, a stopped pod) interrupts a run as Ctrl-C does: what a sync
    applied is reported, output is flushed, and the exit is 130, where Python's default ends the
    process at once and silently (143, the report and buffered lines lost). Only where nothing
    else chose how SIGTERM is handled, and from the main thread, the only one that may."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupt)


@click.group(cls=GacGroup)
@click.version_option(__version__, prog_name="gac")
def main() -> None:
    """grafana-as-code: Grafana data sources, dashboards and alert rules as code."""
    _terminate_as_interrupt()
    try:
        os.getcwd()
    except FileNotFoundError:
        # every path a definition or an error names is relative to it: it failed deep in an import, a traceback
        raise GacError("the current directory no longer exists (removed, or replaced by a new checkout): cd into "
                       "the repository again and rerun") from None


@main.command()
@ROOT_OPTION
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def build(root: Path, quiet: bool) -> None:
    """Compile and lint the definitions into generated/ (atomic; stale files removed)."""
    from .build import build as run_build
    from .lint.formats import format_findings

    result = run_build(root)
    if not quiet:
        for unread in result.unread:
            click.echo(f"warning: {unread.message()}", err=True)
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
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when generated/ is up to date.")
def check(root: Path, quiet: bool) -> None:
    """Exit 1 when generated/ is not what `gac build` would write, naming the files."""
    from .build import check as run_check

    diff = run_check(root)
    if diff.clean:
        if not quiet:
            click.echo("generated/ is up to date")
        return
    for line in diff.lines():
        click.echo(line)
    click.echo("generated/ is stale: run `make build` and commit the result", err=True)
    sys.exit(1)
