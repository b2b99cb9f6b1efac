"""A Python file where definitions belong that nothing reads is said at build: discovery reads
the modules directly in datasources/, dashboards/ and alerts/, so a dashboard in a subfolder,
or contact points in a notifications/ folder, were in neither generated/ nor Grafana, silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from tests.project import copy_project, write

ALERTS = "datasources/, dashboards/ and alerts/"


def _build(root: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def test_the_project_itself_has_nothing_unread(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "repo")
    assert build(root).unread == []
    code, _, err = _build(root)
    assert code == 0 and "not read" not in err


def test_a_module_in_a_subfolder_is_said_unread_with_where_it_belongs(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "repo")
    apm = (root / "dashboards" / "apm.py").read_text()
    write(root, "dashboards/team_a/apm_copy.py", apm.replace('uid="otel-apm"', 'uid="team-a-apm"'))
    code, out, err = _build(root)
    assert code == 0
    assert "warning: dashboards/team_a/apm_copy.py is not read: gac reads the modules directly in dashboards/" in err
    assert "team-a-apm" not in out  # it really was not built: the warning is the only trace of it


def test_a_folder_named_like_a_definition_folder_is_said_unread(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "repo")
    write(root, "notifications/contacts.py", "from generator.builders import ContactPoint\n")
    write(root, "dashboard/board.py", "x = 1\n")
    result = build(root)
    said = {u.path: u.message() for u in result.unread}
    assert set(said) == {"notifications/contacts.py", "dashboard/board.py"}
    assert f"gac reads definitions from {ALERTS} only: move it into alerts/" in said["notifications/contacts.py"]
    assert "contact points, policies" in said["notifications/contacts.py"]
    assert said["dashboard/board.py"].endswith("move it into dashboards/")


def test_a_helper_module_a_definition_imports_is_read(tmp_path: Path) -> None:
    """`dashboards/lib/colors.py`, imported by a dashboard module, is read: no warning."""
    root = copy_project(tmp_path / "repo")
    write(root, "dashboards/lib/__init__.py", "")
    write(root, "dashboards/lib/colors.py", "RED = 'red'\n")
    apm = root / "dashboards" / "apm.py"
    apm.write_text("from dashboards.lib.colors import RED  # noqa: F401\n" + apm.read_text())
    write(root, "dashboards/lib/unused.py", "X = 1\n")
    assert [u.path for u in build(root).unread] == ["dashboards/lib/unused.py"]


def test_private_files_other_files_and_other_folders_are_not_said(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "repo")
    write(root, "dashboards/_scratch.py", "X = 1\n")                 # private, as discovery skips it
    write(root, "dashboards/team/_wip.py", "X = 1\n")
    write(root, "rules/recording.yaml", "groups: []\n")                # no Python
    write(root, "scripts/export.py", "print('hi')\n")                 # not a definition folder's name
    write(root, "dashboards/.hidden/old.py", "X = 1\n")
    write(root, "dashboards/__pycache__/x.py", "X = 1\n")
    assert build(root).unread == []


def test_quiet_says_nothing_but_errors(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "repo")
    write(root, "alerting/rules.py", "X = 1\n")
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--quiet"])
    assert result.exit_code == 0 and result.output == ""


def test_the_look_stops_after_so_many_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A virtualenv left inside a definition folder is not walked to its end: the look stops at
    `_MOST_FILES` Python files, the project's own modules counted."""
    import generator.discover as discover

    root = copy_project(tmp_path / "repo")
    for i in range(6):
        write(root, f"dashboards/venv/lib/m{i}.py", "X = 1\n")
    everything = [u.path for u in build(root).unread]
    assert len(everything) == 6
    before = [*(root / "datasources").glob("*.py"), *(root / "dashboards").glob("*.py")]  # looked at first
    monkeypatch.setattr(discover, "_MOST_FILES", len(before) + 2)
    assert [u.path for u in build(root).unread] == everything[:2]
