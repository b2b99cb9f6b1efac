"""A git revision checked out beside the working tree, for building it with the current tool.

`git worktree add --detach` gives a clean checkout without touching the user's working
tree, index or branches; the checkout is removed again however the build ends.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import GacError


class GitError(GacError):
    """git refused (not a repository, unknown revision): exit 2."""


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed; `gac diff --base` needs it (or compare two trees: gac diff OLD NEW)") from None
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def uncommitted(root: Path, paths: list[Path]) -> list[Path] | None:
    """Which of `paths` (files in `root`'s work tree) hold changes git has not committed:
    modified, added, untracked. None where git cannot tell (not installed, not a work tree)."""
    if not paths:
        return []
    # their folders, not each file: a pull of thousands of dashboards would not fit on one command line
    folders = sorted({str(path.parent) for path in paths})
    try:
        done = subprocess.run(["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--untracked-files=all",
                               "--", *folders], capture_output=True, check=False)
    except OSError:  # no git, or the folders still too many to name
        return None
    if done.returncode != 0:
        return None
    top = Path(_git(root, "rev-parse", "--show-toplevel")).resolve()
    changed = set()
    entries = iter(done.stdout.decode("utf-8", "surrogateescape").split("\0"))
    for entry in entries:  # "XY path"; a rename or copy is followed by the path it came from
        if len(entry) > 3:
            changed.add((top / entry[3:]).resolve())
            if entry[0] in "RC":
                next(entries, None)
    return [p for p in paths if p.resolve() in changed]


@contextmanager
def checkout(root: Path, rev: str) -> Iterator[Path]:
    """`root` as it is at `rev`, in a temporary worktree (the same subdirectory of the repository)."""
    root = root.resolve()
    top = Path(_git(root, "rev-parse", "--show-toplevel")).resolve()
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}") if rev else ""
    except GitError:
        commit = ""
    if not commit:
        raise GitError(f"{rev!r} is not a revision of {top} (for a pull request's base, fetch it first: "
                       "actions/checkout with fetch-depth: 0)")
    holder = Path(tempfile.mkdtemp(prefix="gac-diff-"))
    tree = holder / "base"
    try:
        _git(top, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        yield tree / root.relative_to(top)
    finally:
        try:
            _git(top, "worktree", "remove", "--force", str(tree))
        except GitError:
            pass
        shutil.rmtree(holder, ignore_errors=True)
        try:
            _git(top, "worktree", "prune")
        except GitError:
            pass
