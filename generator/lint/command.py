"""`gac lint [PATH...]`: a thin click command over the lint library.

Without paths it compiles the project (definitions under --root) and lints the resulting
resources together with grafana.yaml's environments; with paths it lints those files and
directories. Exit codes follow DESIGN.md: 0 clean, 1 error findings (warnings too with
--strict), 2 usage or I/O problems (missing file, invalid JSON/YAML, bad configuration).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..errors import ConfigError, GacError
from ..option_group import option_group, root_option
from .formats import FORMATS, format_findings, rules_json, rules_markdown, rules_text


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An option given an empty value (`--prometheus-url ''`, an unset variable in a script) is
    refused: taken for "not given", the check it asks for would silently not run."""
    if value is not None and not value.strip():
        raise click.BadParameter("is empty: give the URL, or leave the option out", param=param)
    return value


def _read_config(path: Path) -> dict[str, Any]:
    """grafana.yaml given with --config (a file, or the directory holding it), checked as every
    command checks it."""
    from ..config import load_config, load_config_file

    if path.is_dir():
        if not (path / "grafana.yaml").exists():
            raise ConfigError(f"{path}: no grafana.yaml in this directory (--config takes the file or the directory "
                              "holding it)")
        return load_config(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such file (--config)")
    return load_config_file(path)


def _declared(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        uid, sep, ds_type = value.partition("=")
        if not sep or not uid.strip() or not ds_type.strip():
            raise click.BadParameter(f"{value!r}: expected UID=TYPE, e.g. loki-ops=loki", param_hint="--datasource")
        out[uid.strip()] = ds_type.strip()
    return out


def _environments(config: dict[str, Any], env: str | None) -> dict[str, Any]:
    envs = config.get("environments") or {}
    if env is None:
        return envs
    from ..config import environment

    return {env: environment(config, env)}


@dataclass(frozen=True)
class LintOptions:
    """What `gac lint` was asked to do, as one value (the flags below, by destination)."""

    paths: tuple[Path, ...]
    fmt: str
    strict: bool
    list_rules: bool
    prometheus_url: str | None
    metrics_files: tuple[Path, ...]
    env: str | None
    config_path: Path | None
    root: Path
    quiet: bool
    datasources: tuple[str, ...]
    jobs: int | None


lint_options = option_group("options", LintOptions, [
    click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
    click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                 help="Output format (sarif for GitHub code scanning, github for workflow annotations)."),
    click.option("--strict", is_flag=True, help="Exit 1 on warnings too."),
    click.option("--list-rules", is_flag=True, help="Print the rules with their documentation and exit."),
    click.option("--prometheus-url", metavar="URL", callback=_not_empty,
                 help="Check metric names against a live Prometheus/Mimir."),
    click.option("--metrics-file", "metrics_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
                 help="Check metric names against an exposition file (curl collector:8889/metrics). Repeatable."),
    click.option("--env", help="Check data source URLs of this environment of grafana.yaml only."),
    click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="GRAFANA_YAML",
                 help="grafana.yaml to read the lint: section and environments from (default: ROOT/grafana.yaml)."),
    root_option("Repository root holding the definitions (used when no PATH is given)."),
    click.option("--quiet", "-q", is_flag=True, help="Print only findings that fail the run, and nothing when clean."),
    click.option("--datasource", "datasources", multiple=True, metavar="UID=TYPE",
                 help="Declare a data source that exists outside this repository. Repeatable."),
    click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
                 help="Lint the files given as PATHs in N processes (default: one per CPU; output is the same)."),
])


@click.command("lint")
@lint_options
@click.pass_context
def lint_command(ctx: click.Context, options: LintOptions) -> None:
    """Lint the project's definitions, or Grafana dashboard / alert / rule files and directories."""
    try:
        code = _run(options)
    except GacError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(exc.exit_code)
        return
    ctx.exit(code)


def _run(options: LintOptions) -> int:
    from . import RULES, LintConfig, lint_paths, lint_resources
    from ..config import load_config, naming_file
    from .workers import available_cpus

    if options.list_rules:
        fmt = options.fmt
        text = rules_json(RULES) if fmt == "json" else rules_markdown(RULES) if fmt == "markdown" else rules_text(RULES)
        click.echo(text)
        return 0
    config_file = options.config_path if options.config_path is not None else options.root / "grafana.yaml"
    config: dict[str, Any] = _read_config(config_file) if options.config_path is not None else load_config(options.root)
    lint_section = config.get("lint") or {}
    if not isinstance(lint_section, dict):
        raise ConfigError(f"{config_file}: 'lint' must be a mapping")
    base_dir = config_file.parent if config_file.is_file() else config_file
    with naming_file(config_file):
        project_config = LintConfig.for_project(config, base_dir=base_dir, env=options.env)
        project_config.check_rule_ids(RULES)
        project_config.check_metrics_files()
    lint_config = project_config.with_options(
        datasources=_declared(options.datasources), metrics_files=tuple(options.metrics_files),
        prometheus_url=options.prometheus_url)
    environments = _environments(config, options.env)
    problems: list[str] = []
    if options.paths:
        jobs = options.jobs if options.jobs is not None else available_cpus()
        findings = lint_paths(list(options.paths), lint_config, environments=environments, problems=problems,
                              jobs=jobs)
    else:
        from ..compile import compile_project, require_definitions

        findings = lint_resources(require_definitions(compile_project(options.root), options.root), lint_config,
                                  environments)
    failing = {"error", "warning"} if options.strict else {"error"}
    shown = [f for f in findings if f.severity in failing] if options.quiet else findings
    if shown or not options.quiet:
        output = format_findings(shown, options.fmt, unread=problems)
        click.echo(output)
    for problem in problems:  # files that could not be linted: the others' findings came first
        click.echo(f"error: {problem}", err=True)
    if problems:
        return 2
    return 1 if any(f.severity in failing for f in findings) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(lint_command())
