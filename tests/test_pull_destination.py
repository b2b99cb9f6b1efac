"""`gac pull` into a destination it cannot write -- a file where dashboards/imported belongs, a
read-only directory -- is one error line naming the path and what to do, exit 2, with nothing
written: it raised FileExistsError or PermissionError with a traceback, after writing the folder
module of the dashboard it then failed to write (and the next build failed on that module)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from generator.errors import GacError
from generator.pull.importer import write_files
from tests.grafana_emulator.testing import emulator_only
from tests.test_pull import Gac, gac, save_as_alice, team_dashboard  # noqa: F401 - gac is the fixture

#: what `gac pull --folder team` writes for a dashboard in a folder the repository lacks
PULLED = ("dashboards/folder_team.py", "dashboards/imported/team-overview.json", "dashboards/imported_team_overview.py")


def a_new_dashboard_in_a_new_folder(gac: Gac) -> None:
    alice = gac.emu.as_user("alice")
    assert alice.post("/api/folders", json={"uid": "team", "title": "Team"}).ok
    save_as_alice(gac.emu, team_dashboard(), "team")


def refusing(original: Any, directory: Path) -> Any:
    """`tempfile.mkstemp` refusing to create a file in `directory`, as its mode would refuse anyone
    but root (as whom the tests may run)."""
    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if Path(kwargs.get("dir") or "") == directory:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(directory))
        return original(*args, **kwargs)
    return mkstemp


def strays(root: Path) -> list[str]:
    """Temporary files a write left behind (`.name.XXXX` beside its destination)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*") if ".venv" not in p.parts)


@emulator_only
def test_a_file_where_dashboards_imported_belongs_stops_the_pull_before_anything_is_written(gac: Gac) -> None:
    a_new_dashboard_in_a_new_folder(gac)
    (gac.root / "dashboards/imported").write_text("notes\n")
    before = gac.files()
    result = gac("pull", "--folder", "team")
    assert result.exit_code == 2, result.output
    assert result.output == (f"error: {gac.root / 'dashboards/imported'}: a file (or a broken link) is in the way "
                             "of the directory gac pull writes into: move it away or remove it, then pull again; "
                             "nothing was written\n")
    assert gac.files() == before and not strays(gac.root)
    (gac.root / "dashboards/imported").unlink()
    assert gac("pull", "--folder", "team").exit_code == 0
    assert all((gac.root / path).is_file() for path in PULLED)


@emulator_only
def test_a_read_only_dashboards_imported_stops_the_pull_with_nothing_written(
        gac: Gac, monkeypatch: pytest.MonkeyPatch) -> None:
    a_new_dashboard_in_a_new_folder(gac)
    imported = gac.root / "dashboards/imported"
    imported.mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", refusing(tempfile.mkstemp, imported))
    before = gac.files()
    imported.chmod(0o555)
    try:
        result = gac("pull", "--folder", "team")
    finally:
        imported.chmod(0o755)
    assert result.exit_code == 2, result.output
    assert result.output == (f"error: {imported}: cannot write there (Permission denied): make it writable "
                             "(chmod u+w) or pull into a checkout you can write, then pull again; "
                             "nothing was written\n")
    # the folder module sorts first: it was written before the dashboard's JSON failed
    assert gac.files() == before and not strays(gac.root)


def test_write_files_writes_every_file_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = tmp_path / "a/new/one.py", tmp_path / "b/two.json"
    monkeypatch.setattr(tempfile, "mkstemp", refusing(tempfile.mkstemp, tmp_path / "b"))
    (tmp_path / "b").mkdir()
    with pytest.raises(GacError, match=f"^{tmp_path / 'b'}: cannot write there"):
        write_files({one: b"1\n", two: b"2\n"})
    # one.py was staged, and the directories made for it: all undone
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["b"]
    monkeypatch.undo()
    write_files({one: b"1\n", two: b"2\n"})
    assert one.read_bytes() == b"1\n" and two.read_bytes() == b"2\n" and not strays(tmp_path)


@pytest.mark.parametrize("obstacle, says", [
    ("a", r"a file \(or a broken link\) is in the way of the directory gac pull writes into"),
    ("a/b", r"a file \(or a broken link\) is in the way of the directory gac pull writes into"),
    ("a/b/x.json", "a directory is in the way of the file gac pull writes"),
])
def test_what_is_in_the_way_is_named_before_any_file_is_written(tmp_path: Path, obstacle: str, says: str) -> None:
    (tmp_path / obstacle).parent.mkdir(parents=True, exist_ok=True)
    if obstacle.endswith(".json"):
        (tmp_path / obstacle).mkdir()
    elif obstacle == "a/b":
        (tmp_path / obstacle).symlink_to(tmp_path / "nowhere")
    else:
        (tmp_path / obstacle).write_text("")
    first = tmp_path / "0.py"
    with pytest.raises(GacError, match=f"^{tmp_path / obstacle}: {says}"):
        write_files({first: b"0\n", tmp_path / "a/b/x.json": b"{}\n"})
    assert not first.exists() and not strays(tmp_path)
