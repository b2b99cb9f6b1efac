"""Command-line options shared by every command that talks to a live Grafana.

plan, sync, drift and pull take the same connection options with the same names and
defaults, so one environment's settings work for every command; each command receives
them as one `Options` value (`options`).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..option_group import Decorator, FiniteFloatRange, option_group, root_option
from ..sync.progress import note
from .connection import DEFAULT_TIMEOUT
from .options import Options
from .retry import DEFAULT_MAX_RETRY_AFTER, RetryPolicy, RetryWait

#: waits shorter than this pass without a word (a jittered backoff of a fraction of a second)
ANNOUNCE_WAITS_FROM = 1.0


#: the opt-out of the build check, for deployments that carry generated/ without the definitions
SKIP_BUILD_CHECK = click.option(
    "--skip-build-check", is_flag=True, envvar="GAC_SKIP_BUILD_CHECK", show_envvar=True,
    help="Use generated/ as is, without checking it is what the definitions build to (for a deployment "
         "that carries only generated/, e.g. the Docker image).")

#: --workers' help: a writing command parallelises within a dependency level, a reading one freely
WORKERS_WHEN_WRITING = "Parallel requests (within a dependency level when writing)."
WORKERS_WHEN_READING = "Parallel requests while reading Grafana."


def connection_options(*, writes: bool, build_check: bool = True) -> Decorator:
    """--root, --env, TLS, timeout, workers and retries, passed to the command as `options`.

    `build_check`: the command compares generated/ with the live Grafana, so it offers
    --skip-build-check (pull does not read generated/).
    """
    options = [
        root_option("Repository root (generated/, grafana.yaml, definitions)."),
        click.option("--env", "env", default=None,
                     help="Environment from grafana.yaml (default: GAC_ENV, or the only one)."),
        click.option("--ca-cert", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="CA bundle to verify Grafana's TLS certificate with."),
        click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (prints a warning)."),
        click.option("--timeout", type=FiniteFloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
                     metavar="SECONDS", show_default=True,
                     help="Seconds a request may take in all: connecting, sending and reading the whole answer "
                          "(longer while a large one keeps moving at 64 KiB/s or more)."),
        click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
                     help=WORKERS_WHEN_WRITING if writes else WORKERS_WHEN_READING),
        click.option("--retries", type=click.IntRange(1, 20), default=5, show_default=True,
                     help="Tries per request on 429, 502/503/504, timeouts and dropped connections."),
        click.option("--max-retry-after", type=FiniteFloatRange(min=0), default=DEFAULT_MAX_RETRY_AFTER,
                     show_default=True, metavar="SECONDS",
                     help="Longest wait a 429's Retry-After may ask for; a longer one stops the run with an error."),
    ]
    build = _options if build_check else _options_without_build_check
    return option_group("options", build, [*options, *([SKIP_BUILD_CHECK] if build_check else [])])


def _options(root: Path, env: str | None, ca_cert: str | None, insecure: bool, timeout: float, workers: int,
             retries: int, max_retry_after: float, skip_build_check: bool) -> Options:
    """The options for those flags; warns (on stderr) when TLS verification is off."""
    if insecure:
        click.echo("warning: TLS certificate verification is off (--insecure): anyone on the network path can "
                   "read the token", err=True)
    return Options(root=root, env=env, ca_cert=ca_cert, insecure=insecure, timeout=timeout, workers=workers,
                   policy=RetryPolicy(attempts=retries, max_retry_after=max_retry_after),
                   skip_build_check=skip_build_check, on_wait=_announce_wait)


def _options_without_build_check(root: Path, env: str | None, ca_cert: str | None, insecure: bool, timeout: float,
                                 workers: int, retries: int, max_retry_after: float) -> Options:
    return _options(root, env, ca_cert, insecure, timeout, workers, retries, max_retry_after, False)


def _announce_wait(wait: RetryWait) -> None:
    """A noticeable pause is said on stderr (above any progress bar), so a run never waits in silence."""
    if wait.seconds >= ANNOUNCE_WAITS_FROM:
        note(wait.describe())
