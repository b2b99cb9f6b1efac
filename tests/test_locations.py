"""Definition locations: the user's file and line, found cheaply (issue 9 item 5)."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest

from generator.builders import Folder
from generator.resource import caller_source

HERE = Path(__file__).resolve()


def test_a_builder_remembers_the_line_that_made_it():
    folder = Folder(uid="x", title="X"); line = inspect.currentframe().f_lineno  # noqa: E702
    assert folder.source is not None
    assert Path(folder.source.file).resolve() == HERE and folder.source.line == line


def test_locations_do_not_read_source_for_every_frame(monkeypatch):
    """inspect.stack() reads every frame's source lines: far too slow once per panel."""
    def forbidden(*args, **kwargs):
        raise AssertionError("caller_source must not call inspect.stack()")

    monkeypatch.setattr(inspect, "stack", forbidden)
    monkeypatch.setattr(inspect, "getouterframes", forbidden)
    source = caller_source(); line = inspect.currentframe().f_lineno  # noqa: E702
    assert source is not None and source.line == line


def test_the_shown_path_follows_the_working_directory(tmp_path, monkeypatch):
    first, before = caller_source(), Path.cwd()
    monkeypatch.chdir(tmp_path)
    second = caller_source()
    assert first is not None and second is not None
    assert first.file != second.file
    assert Path(tmp_path, second.file).resolve() == HERE == Path(before, first.file).resolve()
    assert second.file == os.path.relpath(HERE, tmp_path)


@pytest.mark.parametrize("filename", ["<string>", "<frozen importlib._bootstrap>"])
def test_generated_code_is_never_the_location(filename):
    namespace: dict = {"caller_source": caller_source}
    exec(compile("result = caller_source()", filename, "exec"), namespace)
    assert namespace["result"] is not None and Path(namespace["result"].file).resolve() == HERE
