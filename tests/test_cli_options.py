"""The command line's shared options: one `Options` value per run, the help each command
shows, and the dashboard handler's way of telling the sync identity from its stamps."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import click
from click.testing import CliRunner

from generator.cli import main
from generator.handlers.dashboard import sync_login_from_stamps
from generator.handlers.live import STAMP_KEY, ApiError, Stamp
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


class FakeCalls:
    """`Calls` over canned answers: search hits and dashboards by uid."""

    def __init__(self, dashboards: dict[str, dict[str, Any]], fail: bool = False) -> None:
        hits = [{"uid": uid} for uid in dashboards]

        def search(**kw: Any) -> list[dict[str, Any]]:
            if fail:
                raise ApiError(403, "forbidden", "search")
            return hits

        self.api = SimpleNamespace(search=SimpleNamespace(search_dashboards=search),
                                   dashboard=SimpleNamespace(get_dashboard=lambda uid: dashboards[uid]))

    def read(self, what: str, fn: Callable[[Any], Any]) -> Any:
        return fn(self.api)

    def write(self, what: str, fn: Callable[[Any], Any]) -> Any:
        raise AssertionError("reads only")


def _dashboard(version: int, stamp_version: int | None, updated_by: str) -> dict[str, Any]:
    body: dict[str, Any] = {"uid": "d", "tags": ["managed-by-gac"]}
    if stamp_version is not None:
        body[STAMP_KEY] = Stamp("h", stamp_version).to_json()
    return {"dashboard": body, "meta": {"version": version, "updatedBy": updated_by}}


def test_sync_login_is_who_saved_a_dashboard_whose_stamp_still_holds() -> None:
    calls = FakeCalls({"edited": _dashboard(4, 3, "alice"), "unstamped": _dashboard(2, None, "bob"),
                       "ours": _dashboard(7, 7, "sa-gac")})
    assert sync_login_from_stamps(calls) == "sa-gac"
    assert sync_login_from_stamps(FakeCalls({"edited": _dashboard(4, 3, "alice")})) is None
    assert sync_login_from_stamps(FakeCalls({"ours": _dashboard(7, 7, "sa-gac")}, fail=True)) is None
