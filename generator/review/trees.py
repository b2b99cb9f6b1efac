"""The two sides of a review: `generated/` trees read from disk or built from definitions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from ..compile import compile_project
from ..errors import GacError
from ..handlers import BY_DIRECTORY, HANDLERS
from ..output import GENERATED, load_file, object_files, read_tree, render_tree
from ..resource import Resource

Files = dict[PurePosixPath, bytes]
Identity = tuple[str, ...]


class Tree(NamedTuple):
    """A side of a review: its files, and where they are, as errors name them (the directory
    given, or what was built)."""
    files: Files
    where: str


@dataclass(frozen=True)
class Entry:
    """One object of a tree: the file it was read from. Its body is decoded to tell which object
    it is, then let go: a tree's decoded bodies take several times the room of its files, and
    only the objects that changed are looked into again (`resource`)."""

    path: PurePosixPath
    content: bytes
    where: str

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def resource(self) -> Resource:
        """The object, decoded anew from the file (`entries` let its first decoding go)."""
        return load_file(self.path, self.content, f"{self.where}/{self.path}")


def read_generated(path: Path) -> Tree:
    """A `generated/` tree: `path` itself, or `path/generated` when `path` is a repository root."""
    if not path.is_dir():
        raise GacError(f"{path} is not a directory: give two generated/ trees (or repository roots holding one)")
    if (path / GENERATED).is_dir():  # a generated/ tree never holds a generated/ of its own
        path = path / GENERATED
    files = read_tree(path)
    if files and not any(rel.parts and rel.parts[0] in BY_DIRECTORY for rel in files):
        # e.g. a definitions folder: read as a tree it would show every object as added or removed
        raise GacError(f"{path} holds files but none of gac's objects (no {', '.join(sorted(BY_DIRECTORY))}/ "
                       "directories): give two generated/ trees, or repository roots holding one")
    return Tree(files, str(path))


def build_generated(root: Path, label: str = "") -> Tree:
    """What `gac build` would write for the definitions under `root` (compiled, not linted)."""
    try:
        return Tree(render_tree(compile_project(root)), f"{GENERATED} (built from {label or root})")
    except GacError as exc:
        raise type(exc)(f"building {label or root}: {exc}") from None


def entries(tree: Tree) -> dict[Identity, Entry]:
    """Objects by identity, through each kind's handler; other files are not objects and are skipped."""
    out: dict[Identity, Entry] = {}
    for relpath, content in object_files(tree.files, tree.where):
        resource = load_file(relpath, content, f"{tree.where}/{relpath}")
        out[HANDLERS[resource.kind].identity(resource)] = Entry(relpath, content, tree.where)
    return out
