"""A command imports only what it runs: the other commands' modules stay unloaded.

Importing every command up front cost each `gac build` about 0.3 s of CPU (the HTTP client,
sync, pull, routing...). Checked in a fresh interpreter, where sys.modules is the command's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from generator.cli import LAZY_COMMANDS, main
from tests.project import copy_project

#: what only other commands need
FOREIGN = ("generator.sync", "generator.remote", "generator.drift", "generator.review", "generator.pull",
           "generator.ruletest", "generator.routing.command", "niquests")

PROBE = """
import json, sys
from generator.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(*args: str, cwd: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _foreign(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in FOREIGN)]


def test_build_and_check_import_no_other_command(tmp_path):
    root = copy_project(tmp_path / "repo")
    assert _foreign(_modules_after("build", "--quiet", "--root", str(root), cwd=tmp_path)) == []
    assert _foreign(_modules_after("check", "--root", str(root), cwd=tmp_path)) == []


def test_every_command_is_listed_and_runs_its_own_help():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("build", "check", *LAZY_COMMANDS):
        assert f"  {name} " in result.output
        sub = CliRunner().invoke(main, [name, "--help"])
        assert sub.exit_code == 0 and "Usage: " in sub.output, (name, sub.output)


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["nosuch"])
    assert result.exit_code == 2 and "No such command" in result.output


def test_lint_of_files_imports_neither_grafanalib_nor_the_definition_builders(tmp_path):
    """`gac lint FILE` (a pre-commit hook on each commit) needs the rules, not the builders
    that definitions use: grafanalib alone cost a tenth of a second to import."""
    dashboard = tmp_path / "d.json"
    dashboard.write_text(json.dumps({"uid": "d", "title": "D", "schemaVersion": 39, "panels": []}))
    modules = _modules_after("lint", str(dashboard), cwd=tmp_path)
    assert "generator.lint.engine" in modules
    assert [m for m in modules if m.split(".")[0] == "grafanalib" or m == "generator.builders.dashboards"] == []


def test_every_builder_name_is_exported_and_resolves():
    import generator.builders as builders

    assert sorted(builders.__all__) == sorted(builders._MODULES)
    for name in builders.__all__:
        assert getattr(builders, name).__name__ == name


#: Ctrl-C while the command line is still being imported: a hook raises KeyboardInterrupt
#: when click is imported, where the signal most often lands in the first tenth of a second
INTERRUPTED_IMPORT = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "click":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["gac", "build", "--help"]
from generator.entry import main
main()
"""


def test_ctrl_c_while_the_command_line_is_imported_is_130_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "Interrupted (Ctrl-C).\n" and done.stdout == ""


def test_the_console_script_runs_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "generator", "--version"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("gac, version "), (done.stdout, done.stderr)
