"""`gac drift`: parse options, run the check, print the report, exit 0 (none) / 1 (drift) / 2 (error)."""

from __future__ import annotations

import os
import sys

import click

from ..remote.cli_options import connection_options
from ..remote.options import Options
from ..remote.session import open_session
from ..sync.progress import ProgressBar
from .detect import detect_drift
from .render import json_report, markdown_report, text_report


@click.command("drift")
@connection_options(writes=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line (text format); no progress bar.")
def drift_command(options: Options, fmt: str, quiet: bool) -> None:
    """Compare the live Grafana with generated/: changed, missing, no longer defined, unmanaged.

    Changes are shown from generated/ to Grafana, i.e. what was changed there. Exit 0 when
    Grafana matches, 1 on drift, 2 on usage, configuration, authentication or connection
    errors.
    """
    session = open_session(options, os.environ, for_write=False)
    bar = ProgressBar(enabled=None if fmt == "text" and not quiet else False)
    try:
        report = detect_drift(session, progress=bar.update)
    finally:
        bar.clear()
        session.close()
    if fmt == "json":
        click.echo(json_report(report))
    elif fmt == "markdown":
        click.echo(markdown_report(report), nl=False)
    else:
        click.echo(text_report(report, quiet=quiet))
    if report.drift:
        sys.exit(1)
