"""Which test files `gac test` reads: alerts/tests/ and its subfolders, in the order of their
paths, hidden ones passed over; a tests "folder" that is a file, or a subfolder that cannot be
read, is an error (exit 2), never a green run that checked fewer tests."""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.project import copy_project, write
from tests.test_ruletest import gac, needs_promtool

#: a passing case of the project's rule otelcol-down, under the given name
CASE = """
    tests:
      - name: {name}
        rule: otelcol-down
        input_series: {{'up{{job="otel-collector", instance="a"}}': '0 0 0'}}
        expect: [{{at: 2m, alerts: [{{labels: {{__name__: up, job: otel-collector, instance: a}}}}]}}]
"""


def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path)
    shutil.rmtree(root / "alerts" / "tests")
    return root


@needs_promtool
def test_tests_in_subfolders_are_run_and_counted(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root, "alerts/tests/top.yaml", CASE.format(name="top"))
    write(root, "alerts/tests/collector/down.yaml", CASE.format(name="in a subfolder"))
    write(root, "alerts/tests/collector/deeper/more.yml", CASE.format(name="two levels down"))
    proc = gac(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok   alerts/tests/collector/down.yaml:2: in a subfolder" in proc.stdout
    assert "ok   alerts/tests/collector/deeper/more.yml:2: two levels down" in proc.stdout
    assert "3 test(s): 3 passed" in proc.stdout


@needs_promtool
def test_a_linked_folder_of_tests_is_read_once_and_a_loop_ends(tmp_path: Path) -> None:
    root = project(tmp_path)
    shared = tmp_path / "shared-tests"
    write(shared, "down.yaml", CASE.format(name="shared"))
    write(root, "alerts/tests/top.yaml", CASE.format(name="top"))
    (root / "alerts" / "tests" / "linked").symlink_to(shared, target_is_directory=True)
    (shared / "back").symlink_to(root / "alerts" / "tests", target_is_directory=True)  # a loop
    proc = gac(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok   alerts/tests/linked/down.yaml:2: shared" in proc.stdout
    assert "2 test(s): 2 passed" in proc.stdout


@needs_promtool
def test_files_are_read_in_the_order_of_their_paths_hidden_ones_passed_over(tmp_path: Path) -> None:
    root = project(tmp_path)
    # written out of order; the hidden ones would stop the run (exit 2) if they were read
    for relpath in ("z.yaml", "b/y.yml", "a.yaml", "b/a/x.YAML", "a/z.yaml", "b.yml"):
        write(root, f"alerts/tests/{relpath}", CASE.format(name=relpath))
    write(root, "alerts/tests/.draft.yaml", "tests: [")
    write(root, "alerts/tests/.old/x.yaml", "tests: [")
    write(root, "alerts/tests/b/notes.txt", "not a test file")
    proc = gac(root, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = [r["file"] for r in json.loads(proc.stdout)["results"]]
    assert files == ["alerts/tests/a/z.yaml", "alerts/tests/a.yaml", "alerts/tests/b/a/x.YAML",
                     "alerts/tests/b/y.yml", "alerts/tests/b.yml", "alerts/tests/z.yaml"]


def test_a_bad_test_file_in_a_subfolder_is_read_and_refused(tmp_path: Path) -> None:
    """Without promtool too: skipped, the file would leave 0 tests and exit 0."""
    root = project(tmp_path)
    write(root, "alerts/tests/payments/bad.yaml", "tests: 3")
    proc = gac(root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "alerts/tests/payments/bad.yaml:1: expected a mapping with a `tests:` list" in proc.stderr


def test_alerts_tests_as_a_file_exits_2_naming_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root, "alerts/tests", CASE.format(name="a file where the folder should be"))
    proc = gac(root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("error: alerts/tests: not a directory"), proc.stderr
    assert "make it a folder and move the tests into it" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and "0 test(s)" not in proc.stdout


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Folders listed here cannot be listed: chmod 000, and a refusing os.scandir for root, whom
    permissions do not stop."""
    folders: list[Path] = []
    scandir = os.scandir

    def refusing(path: Any = ".") -> Any:
        if isinstance(path, (str, os.PathLike)) and Path(path).resolve() in folders:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    yield folders
    for folder in folders:
        folder.chmod(0o755)


def test_an_unreadable_subfolder_exits_2_naming_it(tmp_path: Path, unreadable: list[Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    write(root, "alerts/tests/top.yaml", CASE.format(name="top"))
    locked = write(root, "alerts/tests/payments/down.yaml", CASE.format(name="locked away")).parent
    locked.chmod(0)
    unreadable.append(locked.resolve())
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: alerts/tests/payments: cannot read this folder of tests "
                                    "(Permission denied)"), result.output
    assert "Traceback" not in result.output


def test_no_tests_folder_is_still_zero_tests(tmp_path: Path) -> None:
    root = project(tmp_path)
    proc = gac(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 test(s)" in proc.stdout
