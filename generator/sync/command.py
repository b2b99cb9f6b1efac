"""`gac plan` and `gac sync`: parse options, call the library, format, choose the exit code."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

import click

from ..errors import INTERRUPTED_EXIT
from ..option_group import Decorator
from ..remote.cli_options import connection_options
from ..remote.options import Options
from ..remote.session import Session, open_session
from ..secret_fingerprint import PEPPER_ENV
from .apply import Outcome
from .plan import Plan
from .progress import ProgressBar
from .report import header, outcome_line, plan_json, plan_text, sync_json, sync_text
from .run import apply, make_plan

_FORCE = click.option("--force", is_flag=True, help="Overwrite objects changed in Grafana since the last sync, after "
                                                   "backing each one up under backups/.")


def _common(*, force: bool) -> Decorator:
    """plan's and sync's options; only sync overwrites, so only it takes --force."""
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
            click.option("--prune", is_flag=True,
                         help="Also delete managed objects no longer defined (never anything else)."),
            *([_FORCE] if force else []),
            click.option("-v", "--verbose", is_flag=True, help="Also list unchanged objects."),
            click.option("--quiet", "-q", is_flag=True, help="Only problems and the summary; no progress bar."),
        ]
        for option in reversed(options):
            fn = option(fn)
        return connection_options(writes=True)(fn)
    return decorate


def _plan(session: Session, prune: bool, force: bool, quiet: bool, fmt: str,
          rotate: list[str] | None = None) -> Plan:
    bar = ProgressBar(enabled=None if not quiet and fmt == "text" else False)
    try:
        return make_plan(session, prune=prune, force=force, progress=bar.update, rotate=rotate)
    finally:
        bar.clear()


def _show_plan(session: Session, plan: Plan, fmt: str, verbose: bool, quiet: bool) -> None:
    requests = session.conn.stats.snapshot()
    if fmt == "json":
        click.echo(plan_json(plan, session.target, session.env_name, requests))
    elif quiet:
        click.echo(plan_text(plan, session.target, session.env_name, verbose=False).splitlines()[-1])
    else:
        click.echo(plan_text(plan, session.target, session.env_name, verbose=verbose, requests=requests))


@click.command("plan")
@_common(force=False)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when changes (or conflicts) are pending, 0 when none.")
def plan_command(options: Options, fmt: str, prune: bool, verbose: bool, quiet: bool,
                 detailed_exitcode: bool) -> None:
    """Show what `gac sync` would do: + create, ~ update, - delete (--prune), ! conflict, = unchanged (-v)."""
    session = open_session(options, os.environ, for_write=False)
    try:
        plan = _plan(session, prune, False, quiet, fmt)
    finally:
        session.close()
    _show_plan(session, plan, fmt, verbose, quiet)
    if detailed_exitcode and plan.pending:
        sys.exit(2)


@click.command("sync")
@_common(force=True)
@click.option("--dry-run", is_flag=True, help="Only plan (same as `gac plan`).")
@click.option("--rotate-secrets", is_flag=True,
              help="Re-send the configured secrets of the data sources and contact points named by UID (all with "
                   "secrets when none): "
                   f"after changing one, when {PEPPER_ENV} is not set to detect it.")
@click.argument("uids", nargs=-1, metavar="[ROTATE_UID...]")
def sync_command(options: Options, fmt: str, prune: bool, force: bool, verbose: bool, quiet: bool,
                 dry_run: bool, rotate_secrets: bool, uids: tuple[str, ...]) -> None:
    """Push generated/ to Grafana: only what changed, in dependency order, never losing a UI edit.

    Exit 0 when everything was applied; 1 on conflicts or failed writes (the report says
    what was and was not applied; re-running converges), when the run stopped after something
    was written (a Retry-After past --max-retry-after, credentials refused); 2 on usage,
    authentication or connection errors, missing secrets, lint errors and alert rule titles Grafana 11
    would refuse (nothing written); 130 when interrupted (Ctrl-C: requests in flight finish, nothing
    new starts, the report says what was applied).
    """
    if uids and not rotate_secrets:
        raise click.UsageError(f"unexpected argument(s) {' '.join(uids)}: uids of data sources or contact points go with --rotate-secrets")
    session = open_session(options, os.environ, for_write=not dry_run)
    try:
        try:
            plan = _plan(session, prune, force, quiet, fmt, list(uids) if rotate_secrets else None)
        except KeyboardInterrupt:
            click.echo("Interrupted while reading Grafana: nothing was written.", err=True)
            sys.exit(INTERRUPTED_EXIT)
        if dry_run:
            _show_plan(session, plan, fmt, verbose, quiet)
            return
        writes = sum(1 for c in plan.changes if c.writes)
        bar = ProgressBar(enabled=None if not quiet and fmt == "text" else False)
        live_lines = fmt == "text" and not quiet and not (bar.enabled and writes >= bar.min_total)
        if fmt == "text" and not quiet:
            click.echo(header(session.target, session.env_name))
            for note in plan.notes:
                click.echo(f"Note: {note}")
        done = [0]

        def on_outcome(outcome: Outcome) -> None:
            if outcome.change.writes:
                done[0] += 1
                bar.update("write", done[0], writes)
            if live_lines and (verbose or outcome.status != "unchanged"):
                click.echo(outcome_line(outcome))

        try:
            result, backups = apply(session, plan, on_outcome=on_outcome)
        except KeyboardInterrupt:  # a second Ctrl-C: not waiting for requests in flight
            bar.clear()
            click.echo("Interrupted again: stopped without waiting for requests in flight; what was applied is "
                       "not known. Run `gac sync` again to converge.", err=True)
            sys.exit(INTERRUPTED_EXIT)
        finally:
            bar.clear()
        requests = session.conn.stats.snapshot()
    finally:
        session.close()
    if fmt == "json":
        click.echo(sync_json(result, session.target, session.env_name, requests,
                             [str(p) for p in backups.saved]))
    else:
        click.echo(sync_text(result, requests, verbose=verbose, quiet=quiet, lines_printed=live_lines))
    if result.interrupted:
        sys.exit(INTERRUPTED_EXIT)
    if result.fatal:
        sys.exit(1 if result.stopped_part_way else 2)
    if not result.ok:
        sys.exit(1)
