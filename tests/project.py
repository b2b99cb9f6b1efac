"""Throw-away copies of this repository's definitions, for tests that break or change them."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from tests.paths import REPO

DEFINITION_DIRS = ("datasources", "dashboards", "alerts")


def copy_project(dest: Path) -> Path:
    """The repository's definitions and grafana.yaml under `dest` (no generated/)."""
    for name in DEFINITION_DIRS:
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "grafana.yaml", dest / "grafana.yaml")
    return dest


def write(root: Path, relpath: str, source: str) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def edit(root: Path, relpath: str, old: str, new: str) -> None:
    """`relpath` under `root` with its first `old` replaced by `new` (which it must hold)."""
    path = root / relpath
    text = path.read_text()
    assert old in text, f"{relpath} no longer holds {old!r}"
    path.write_text(text.replace(old, new, 1))


def build_clean(root: Path) -> None:
    """`gac build` of `root`, which must write generated/ without lint errors."""
    from generator.build import build
    result = build(root)
    assert result.written, [str(f) for f in result.lint_errors]
