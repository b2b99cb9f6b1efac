"""`gac pull`: import live dashboards into the repository (exit 0, or 2 when nothing can be pulled)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, TypeVar

import click

from ..handlers import HANDLERS
from ..handlers.live import ApiError
from ..remote.cli_options import connection_options
from ..remote.connect import LiveConnection, connect
from ..remote.options import Options
from ..remote.preflight import check_permissions
from ..sync.errors import ConnectionFailed
from ..review.worktree import uncommitted
from .importer import PullError, Selection, plan_pull, write_files
from .render import json_report, text_report


@click.command("pull")
@connection_options(writes=False, build_check=False)
@click.option("--uid", "uids", multiple=True, metavar="UID", help="A dashboard to pull (repeatable).")
@click.option("--folder", "folders", multiple=True, metavar="UID",
              help="Every dashboard directly in a folder, not in its subfolders (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every dashboard in the organisation.")
@click.option("--notifications", is_flag=True,
              help="The notification setup (contact points, templates, mute timings, policy tree) into "
                   "alerts/pulled_notifications.py.")
@click.option("--dry-run", is_flag=True, help="Report what would be written; write nothing.")
@click.option("--force", is_flag=True,
              help="Overwrite files that hold changes not committed to git (refused without it).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--quiet", "-q", is_flag=True,
              help="Print only the dashboards to reconcile or skipped, the notes and the summary (text format).")
def pull_command(options: Options, uids: tuple[str, ...], folders: tuple[str, ...], everything: bool,
                 notifications: bool, dry_run: bool, force: bool, fmt: str, quiet: bool) -> None:
    """Write live dashboards into the repository as normalized JSON plus a JsonDashboard module.

    New dashboards go to dashboards/imported/<uid>.json with a module dashboards/imported_<uid>.py
    in their folder (an existing Folder definition is reused, else one is written). A
    dashboard defined as JSON gets its file updated; one defined with grafanalib gets the
    live JSON written beside it to reconcile by hand. Data sources the repository does not
    define stop the pull, named. A file that would change and holds changes not committed to
    git stops the pull, named, unless --force. Then run `gac build`.
    """
    if notifications:
        from .notification_command import pull_notifications
        pull_notifications(options, dry_run, force)  # already a summary and what to do: --quiet keeps all of it
        return
    if not (uids or folders or everything):
        raise click.UsageError("choose what to pull: --uid UID, --folder UID, --all or --notifications")
    selection = Selection(uids, folders, everything)
    live, result = read_live(options, "the dashboards to pull", ("dashboard", "folder", "datasource"),
                             lambda live: plan_pull(live.conn, live.ctx, options.root, selection,
                                                    workers=options.workers))
    if not dry_run:
        keep_local_edits(options.root, result.writes, force)
        write_files(result.writes)
    click.echo(json_report(result, dry_run=dry_run) if fmt == "json" else
               text_report(result, live.target, dry_run=dry_run, quiet=quiet))


T = TypeVar("T")


def read_live(options: Options, what: str, kinds: tuple[str, ...],
              read: Callable[[LiveConnection], T]) -> tuple[LiveConnection, T]:
    """Connect, stop a token that may not read `kinds` (with the actions it lacks), and `read`:
    Grafana refusing or failing a request is one line and exit 2, as for plan and drift,
    never a traceback; nothing is written before everything is read."""
    live = connect(options, os.environ)
    try:
        check_permissions(live.conn, [(kind, "read", HANDLERS[kind].read_actions) for kind in kinds
                                      if HANDLERS[kind].read_actions], doing=f"read {what}")
        return live, read(live)
    except ApiError as exc:
        raise ConnectionFailed(f"could not read {what} from {live.target.url}: {exc}") from None
    finally:
        live.close()


def keep_local_edits(root: Path, writes: dict[Path, bytes], force: bool) -> None:
    """Stop (exit 2, nothing written) where a pull would replace a file holding changes git has not
    committed: an edit made since the last pull, or a pulled file never committed, which nothing
    could bring back. Unless `force`; where git cannot tell (no work tree), files are written."""
    replaced = [path for path, content in sorted(writes.items()) if path.is_file() and path.read_bytes() != content]
    dirty = [] if force else uncommitted(root, replaced) or []
    if dirty:
        names = ", ".join(os.path.relpath(path, root) for path in dirty)
        raise PullError(f"{names}: holds changes not committed to git, which this pull would overwrite with what "
                        "Grafana holds: commit them first (then `git diff` shows what the pull changed), or pass "
                        "--force to overwrite them; nothing was written")
