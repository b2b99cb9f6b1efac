"""Is generated/ what the definitions build to? Asked before plan, sync or drift reads Grafana.

plan, sync and drift compare Grafana with generated/, not with the definitions: a definition
changed without `gac build` would otherwise sync as "unchanged", and a hand edit to a file
under generated/ would be pushed to Grafana without review. `generator.build.check`
(compile and compare, no lint: about a tenth of a second) answers it.

A deployment that carries generated/ without the definitions (the Docker image) opts out
with --skip-build-check or GAC_SKIP_BUILD_CHECK=1; without the opt-out, absent definition
folders are an error that says so, rather than a guess that generated/ is current.
"""

from __future__ import annotations

from pathlib import Path

from ..build import check
from ..discover import DEFINITION_DIRS
from ..output import GENERATED
from ..sync.errors import SyncError

#: how the opt-out is spelled in messages
OPT_OUT = "--skip-build-check (or GAC_SKIP_BUILD_CHECK=1)"
#: stale files named in the message; the rest are counted
SHOWN = 5


class StaleGenerated(SyncError):
    """generated/ is not what the definitions build to, or cannot be checked: exit 2, nothing read or written."""


def check_build(root: Path) -> None:
    """Raise `StaleGenerated` unless generated/ under `root` is exactly what `gac build` writes."""
    folders = ", ".join(f"{name}/" for name in DEFINITION_DIRS)
    if not any((root / name).is_dir() for name in DEFINITION_DIRS):
        raise StaleGenerated(
            f"no definition folders ({folders}) under {root.resolve()}, so gac cannot check that {GENERATED}/ is "
            f"what they build to: run from the repository root (or pass --root); a deployment that carries only "
            f"{GENERATED}/ passes {OPT_OUT}")
    diff = check(root)
    if diff.clean:
        return
    lines = ([f"{GENERATED}/{p} (missing)" for p in diff.added] + [f"{GENERATED}/{p} (differs)" for p in diff.changed]
             + [f"{GENERATED}/{p} (no definition builds it)" for p in diff.removed])
    shown = ", ".join(lines[:SHOWN]) + (f" and {len(lines) - SHOWN} more" if len(lines) > SHOWN else "")
    raise StaleGenerated(
        f"{GENERATED}/ is not what the definitions build to ({len(lines)} stale file(s): {shown}): run `gac build` "
        f"(or `make build`), review and commit {GENERATED}/, then run this again; to use {GENERATED}/ as it is, "
        f"pass {OPT_OUT}")
