"""The build pipeline: discover → compile and render → lint → write (or compare for `check`).

Each resource is rendered as soon as it is compiled and kept as its file (`RenderedResource`):
a large project's bodies never all sit in memory at once, only the files, which are what
the build writes anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .collector import collector_paused
from .compile import compile_project, require_definitions
from .config import CONFIG_FILE, load_config, naming_file
from .discover import UnreadModule, discover
from .errors import ConfigError
from .handlers.datasource import environment_problems
from .output import GENERATED, TreeDiff, compare_tree, render_tree, write_tree
from .resource import Resource


@dataclass
class BuildResult:
    resources: list[Resource]
    files: dict[PurePosixPath, bytes]
    diff: TreeDiff
    findings: list[Any] = field(default_factory=list)
    written: bool = False
    #: CPU seconds per phase (compile+render, lint, compare+write): the build's account of where its time goes
    timings: dict[str, float] = field(default_factory=dict)
    #: Python files that look like definitions and were not read (discover.unread_modules)
    unread: list[UnreadModule] = field(default_factory=list)

    @property
    def lint_errors(self) -> list[Any]:
        return [f for f in self.findings if f.severity == "error"]


def lint(resources: list[Resource], config: dict[str, Any], root: Path | None = None) -> list[Any]:
    """Lint findings for compiled resources, with grafana.yaml's `lint:` settings."""
    from .lint import RULES, LintConfig, lint_resources

    with naming_file((root or Path(".")) / CONFIG_FILE):
        settings = LintConfig.for_project(config, base_dir=root)
        settings.check_rule_ids(RULES)
        settings.check_metrics_files()
    return lint_resources(resources, settings, config.get("environments") or {})


def build(root: Path, write: bool = True) -> BuildResult:
    """Compile and lint; write `generated/` only when lint finds no errors."""
    with collector_paused():
        return _build(root, write)


def _build(root: Path, write: bool) -> BuildResult:
    clock = _Clock()
    config = load_config(root)
    # each resource is rendered as soon as it is compiled and kept as its file, not its body
    # (RenderedResource): lint decodes each body when it reads it, the files are written as kept
    definitions = discover(root)
    unread = definitions.unread  # compiling consumes the definitions
    resources = require_definitions(compile_project(root, rendered=True, definitions=definitions), root)
    check_environments(resources, config)
    clock.lap("compile+render")
    findings = lint(resources, config, root)
    clock.lap("lint")
    files = render_tree(resources)
    result = BuildResult(resources, files, compare_tree(root / GENERATED, files), findings, unread=unread)
    if write and not result.lint_errors:
        write_tree(root / GENERATED, files, result.diff)
        result.written = True
    clock.lap("compare+write")
    result.timings = clock.laps
    return result


class _Clock:
    """CPU seconds per phase (process time: what a loaded machine's other work does not inflate)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.process_time()

    def lap(self, name: str) -> None:
        now = time.process_time()
        self.laps[name] = now - self._last
        self._last = now


def check_environments(resources: list[Resource], config: dict[str, Any]) -> None:
    """grafana.yaml's per-environment data-source settings must fit the definitions (exit 2)."""
    problems = environment_problems(resources, config.get("environments") or {})
    if problems:
        raise ConfigError(f"{CONFIG_FILE}: " + "; ".join(problems))


def check(root: Path) -> TreeDiff:
    """How `generated/` differs from what `build` would write (clean when up to date)."""
    with collector_paused():
        files = render_tree(require_definitions(compile_project(root, rendered=True), root))
        return compare_tree(root / GENERATED, files)
