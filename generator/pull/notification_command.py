"""The `--notifications` half of `gac pull`: thin, over pull/notifications.py."""

from __future__ import annotations

import click

from ..compile import compile_project
from ..remote.options import Options
from .command import keep_local_edits, read_live
from .importer import write_files
from .notifications import plan_notifications_pull


def pull_notifications(options: Options, dry_run: bool, force: bool) -> None:
    defined = compile_project(options.root)
    _, result = read_live(options, "the notification setup", (),
                          lambda live: plan_notifications_pull(live.conn, live.ctx, options.root, defined))
    writes = {result.path: result.content.encode("utf-8")}
    if not dry_run:
        keep_local_edits(options.root, writes, force)
        write_files(writes)
    counts = ", ".join(f"{n} {kind}" for kind, n in result.counts.items()) or "nothing"
    verb = "would write" if dry_run else "wrote"
    click.echo(f"{verb} {result.path.relative_to(options.root)}: {counts}")
    for note in result.notes:
        click.echo(f"  add to {note}")
    if not dry_run:
        click.echo("Then run `gac build`.")
