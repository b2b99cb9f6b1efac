"""Command-line options shared by every command that talks to a live Grafana.

plan, sync, drift and pull take the same connection options with the same names and
defaults, so one environment's settings work for every command; each command receives
them as one `Options` value (`options`).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..option_group import Decorator, option_group
from .connection import DEFAULT_TIMEOUT
from .options import Options
from .retry import RetryPolicy

#: --workers' help: a writing command parallelises within a dependency level, a reading one freely
WORKERS_WHEN_WRITING = "Parallel requests (within a dependency level when writing)."
WORKERS_WHEN_READING = "Parallel requests while reading Grafana."


def connection_options(*, writes: bool) -> Decorator:
    """--root, --env, TLS, timeout, workers and retries, passed to the command as `options`."""
    options = [
        click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
                     help="Repository root (generated/, grafana.yaml, definitions)."),
        click.option("--env", "env", default=None,
                     help="Environment from grafana.yaml (default: GAC_ENV, or the only one)."),
        click.option("--ca-cert", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="CA bundle to verify Grafana's TLS certificate with."),
        click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (prints a warning)."),
        click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True, help="Seconds per request."),
        click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
                     help=WORKERS_WHEN_WRITING if writes else WORKERS_WHEN_READING),
        click.option("--retries", type=click.IntRange(1, 20), default=5, show_default=True,
                     help="Tries per request on 429, 502/503/504, timeouts and dropped connections."),
    ]
    return option_group("options", _options, options)


def _options(root: Path, env: str | None, ca_cert: str | None, insecure: bool, timeout: float, workers: int,
             retries: int) -> Options:
    """The options for those flags; warns (on stderr) when TLS verification is off."""
    if insecure:
        click.echo("warning: TLS certificate verification is off (--insecure): anyone on the network path can "
                   "read the token", err=True)
    return Options(root=root, env=env, ca_cert=ca_cert, insecure=insecure, timeout=timeout, workers=workers,
                   policy=RetryPolicy(attempts=retries))
