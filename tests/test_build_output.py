"""Replacing generated/: the umask's permissions, clear failures, nothing left behind (issue 11 item 12).

Permission tests need a user whom chmod binds: as root they run in a forked child that drops to
`nobody` (the parent has already imported everything the build needs, so the child reads only
the project copy, which it owns).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.output import read_tree
from tests.project import copy_project

NOBODY = 65534


def gac(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def as_user(run: Callable[[], tuple[int, str]]) -> tuple[int, str]:
    """`run()` as an unprivileged user: directly when we are one, in a child as `nobody` under root."""
    if os.geteuid() != 0:
        return run()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            payload = json.dumps(run()).encode()
            os.write(write_end, payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and data, "the unprivileged child failed"
    exit_code, output = json.loads(data)
    return exit_code, output


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A built project copy; under root it is handed to `nobody` in a directory nobody can reach."""
    if os.geteuid() == 0:
        base = Path("/tmp") / f"gac-unprivileged-{os.getpid()}-{tmp_path.name}"
        base.mkdir(mode=0o755)
        root = copy_project(base / "repo")
        assert gac("build", "--root", str(root))[0] == 0  # also imports everything the child needs
        for path in [root, *root.rglob("*")]:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
        try:
            yield root
        finally:
            for path in [base, *base.rglob("*")]:
                if path.is_dir() and not path.is_symlink():
                    path.chmod(0o755)
            import shutil

            shutil.rmtree(base)
    else:
        root = copy_project(tmp_path / "repo")
        assert gac("build", "--root", str(root))[0] == 0
        yield root
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


def change_a_definition(root: Path) -> None:
    path = root / "datasources/loki.py"
    path.write_text(path.read_text().replace('name="Loki"', 'name="Loki logs"'))
    assert 'name="Loki logs"' in path.read_text()


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".generated-"))


def test_read_only_generated_is_refused_and_left_as_it_was(project):
    before = read_tree(project / "generated")
    change_a_definition(project)
    (project / "generated").chmod(0o555)
    code, output = as_user(lambda: gac("build", "--root", str(project)))
    assert code == 2, output
    assert f"{project / 'generated'}" in output and "Permission denied" in output and "Traceback" not in output
    assert read_tree(project / "generated") == before
    assert leftovers(project) == []


def test_read_only_subdirectory_is_refused_too(project):
    before = read_tree(project / "generated")
    change_a_definition(project)
    (project / "generated/datasources").chmod(0o555)
    code, output = as_user(lambda: gac("build", "--root", str(project)))
    assert code == 2 and f"{project / 'generated/datasources'}" in output, output
    assert read_tree(project / "generated") == before and leftovers(project) == []


def test_read_only_checkout_names_the_directory_it_could_not_create(project):
    change_a_definition(project)
    project.chmod(0o555)
    code, output = as_user(lambda: gac("build", "--root", str(project)))
    assert code == 2, output
    assert "Permission denied" in output and ".generated-new-" in output and "Traceback" not in output
    assert leftovers(project) == []


# --- root-proof: no permissions involved --------------------------------------------------------

@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o002, 0o775), (0o077, 0o700)])
def test_generated_follows_the_umask(fresh, umask, mode):
    previous = os.umask(umask)
    try:
        assert gac("build", "--root", str(fresh))[0] == 0
        change_a_definition(fresh)
        assert gac("build", "--root", str(fresh))[0] == 0  # the replacing build, not only the first
    finally:
        os.umask(previous)
    assert stat.S_IMODE((fresh / "generated").stat().st_mode) == mode
    assert stat.S_IMODE((fresh / "generated/datasources").stat().st_mode) == mode


def test_a_file_where_generated_should_be_is_refused(fresh):
    (fresh / "generated").write_text("not a directory\n")
    code, output = gac("build", "--root", str(fresh))
    assert code == 2, output
    assert f"{fresh / 'generated'}" in output and "Not a directory" in output and "Traceback" not in output
    assert (fresh / "generated").read_text() == "not a directory\n"
    assert leftovers(fresh) == []


def test_a_failed_swap_puts_the_old_tree_back(fresh, monkeypatch):
    assert gac("build", "--root", str(fresh))[0] == 0
    before = read_tree(fresh / "generated")
    change_a_definition(fresh)
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(src).name.startswith(".generated-new-"):
            raise OSError(28, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    code, output = gac("build", "--root", str(fresh))
    assert code == 2 and "No space left on device" in output and "Traceback" not in output, output
    assert read_tree(fresh / "generated") == before
    assert leftovers(fresh) == []


def test_temporary_directories_are_ignored_by_git():
    from tests.paths import REPO

    patterns = (REPO / ".gitignore").read_text().split()
    assert ".generated-*/" in patterns


def test_no_definitions_is_an_error_that_says_where_it_looked(tmp_path):
    # lint and test too: run from the wrong directory (a CI step's working directory), they
    # would check nothing and pass
    for command in ("build", "check", "lint", "test"):
        code, output = gac(command, "--root", str(tmp_path))
        assert code == 2, output
        assert "no definitions found in datasources/, dashboards/, alerts/" in output and str(tmp_path) in output
        assert "--root" in output
    assert not (tmp_path / "generated").exists()


def test_an_old_tree_that_resists_removal_is_named(fresh, monkeypatch):
    import shutil

    assert gac("build", "--root", str(fresh))[0] == 0
    change_a_definition(fresh)
    real_rmtree = shutil.rmtree

    def failing_rmtree(path, *args, **kwargs):
        if Path(path).name.startswith(".generated-old-") and not kwargs.get("ignore_errors"):
            raise PermissionError(13, "Permission denied", str(Path(path) / "datasources"))
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", failing_rmtree)
    code, output = gac("build", "--root", str(fresh))
    assert code == 2 and "Traceback" not in output, output
    [old] = leftovers(fresh)
    assert f"{fresh / 'generated'} was written" in output and str(fresh / old) in output
    assert "Permission denied" in output and "delete it by hand" in output
    assert b"Loki logs" in (fresh / "generated/datasources/loki.json").read_bytes()


def test_compare_tree_reports_what_comparing_the_read_tree_reports(tmp_path):
    """The build compares against generated/ file by file instead of reading it whole first."""
    from pathlib import PurePosixPath

    from generator.output import compare, compare_tree

    old = tmp_path / "generated"
    for name, content in {"a/same.json": b"{}\n", "a/longer.json": b"1\n", "b/same-size.json": b"ab\n",
                          "gone.json": b"x\n"}.items():
        (old / name).parent.mkdir(parents=True, exist_ok=True)
        (old / name).write_bytes(content)
    wanted = {PurePosixPath("a/same.json"): b"{}\n", PurePosixPath("a/longer.json"): b"12\n",
              PurePosixPath("b/same-size.json"): b"cd\n", PurePosixPath("c/new.json"): b"n\n"}
    diff = compare_tree(old, wanted)
    assert diff == compare(read_tree(old), wanted)
    assert [str(p) for p in diff.changed] == ["a/longer.json", "b/same-size.json"]
    assert [str(p) for p in diff.added] == ["c/new.json"] and [str(p) for p in diff.removed] == ["gone.json"]
    assert compare_tree(tmp_path / "absent", wanted).added == sorted(wanted)
