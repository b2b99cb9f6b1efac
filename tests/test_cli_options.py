"""The command line's shared options: one `Options` value per run, the help each command
shows, and the dashboard handler's way of telling the sync identity from its stamps."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from generator.cli import main
from generator.option_group import option_group
from generator.remote.cli_options import connection_options
from generator.remote.options import Options


def test_plan_has_no_force_option() -> None:
    """--force only means something when writing: plan rejects it as a usage error."""
    result = CliRunner().invoke(main, ["plan", "--force"])
    assert result.exit_code == 2 and "--force" in result.output
    assert "--force" not in CliRunner().invoke(main, ["plan", "--help"]).output
    assert "--force" in CliRunner().invoke(main, ["sync", "--help"]).output


def test_workers_help_says_reading_for_commands_that_read() -> None:
    for command in ("drift", "pull"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
        assert "Parallel requests while reading Grafana." in text, command
        assert "when writing" not in text, command
    sync_help = " ".join(CliRunner().invoke(main, ["sync", "--help"]).output.split())
    assert "within a dependency level when writing" in sync_help


def test_connection_options_arrive_as_one_value(tmp_path: Path) -> None:
    seen: list[tuple[Options, bool]] = []

    @click.command()
    @connection_options(writes=False)
    @click.option("--flag", is_flag=True)
    def command(options: Options, flag: bool) -> None:
        seen.append((options, flag))

    args = ["--root", str(tmp_path), "--env", "prod", "--timeout", "3", "--workers", "2", "--retries", "4",
            "--insecure", "--flag"]
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, result.output
    (options, flag), = seen
    assert flag and options.root == tmp_path and options.env == "prod" and options.insecure
    assert (options.timeout, options.workers, options.policy.attempts) == (3.0, 2, 4)
    assert "TLS certificate verification is off" in result.output  # warned, on stderr


def test_option_group_passes_other_arguments_through() -> None:
    def build(a: int, b: str) -> tuple[int, str]:
        return a, b

    @click.command()
    @option_group("pair", build, [click.option("--a", type=int, default=1), click.option("--b", default="x")])
    @click.argument("rest", nargs=-1)
    def command(pair: tuple[int, str], rest: tuple[str, ...]) -> None:
        click.echo(f"{pair} {rest}")

    assert CliRunner().invoke(command, ["--a", "5", "one", "two"]).output == "(5, 'x') ('one', 'two')\n"
