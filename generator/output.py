"""The `generated/` tree: deterministic rendering, atomic replacement, staleness check.

Rendering is the single place that decides bytes on disk (sorted keys, 2-space indent, a
trailing newline, UTF-8), so two builds anywhere produce identical files.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, Mapping

from . import indented_json
from .errors import GRAFANA_JSON, DefinitionError, GacError, unreadable
from .handlers import BY_DIRECTORY, HANDLERS
from .resource import Resource

GENERATED = "generated"


def render(body: Any) -> bytes:
    """`json.dumps(body, sort_keys=True, indent=2, ensure_ascii=False)` + newline, as UTF-8."""
    return (indented_json.dumps(body) + "\n").encode("utf-8")


class RenderedResource(Resource):
    """A Resource kept as its generated/ file: the rendered bytes, not the body.

    A compiled dashboard's body takes about twice the memory of its file, and the build
    needs the file anyway; holding every body at once made the build's peak memory nearly
    three times what the definitions themselves take. `body` is decoded from the file each time it is read: equal
    to the body it was rendered from (the file is its exact JSON), and a fresh copy, so
    changing it changes nothing; assigning a body renders it again.
    """

    content: bytes

    @classmethod
    def of(cls, resource: Resource) -> RenderedResource:
        content = _render_object(resource, resource.body)  # rendered where its source is known to errors
        made = cls(resource.kind, resource.uid, {}, resource.folder_uid, resource.source, resource.extra)
        made.content = content
        return made

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.content)

    @body.setter
    def body(self, value: dict[str, Any]) -> None:
        self.content = _render_object(self, value)


def rendered(resource: Resource) -> bytes:
    """The generated/ file of `resource`."""
    return resource.content if isinstance(resource, RenderedResource) else _render_object(resource, resource.body)


def _render_object(resource: Resource, body: Any) -> bytes:
    """`render(body)`, the body of `resource`; a value JSON cannot hold (NaN, an infinity: a grafanalib
    field, a JsonDashboard file; a dict inside itself; a set) is a DefinitionError that says where it
    stands."""
    try:
        return render(body)
    except (TypeError, ValueError, RecursionError) as exc:
        found = indented_json.unwritable(body)
        if found is None:
            raise DefinitionError.at(resource.source, f"{resource.describe()}: cannot be written as JSON: "
                                     f"{type(exc).__name__}: {exc}") from None
        path, problem = found
        raise DefinitionError.at(resource.source, f"{resource.describe()}: {path or 'the body'} {problem}") from None


def render_tree(resources: Iterable[Resource]) -> dict[PurePosixPath, bytes]:
    """Relative path → file content for every resource; two resources on one path is an error."""
    files: dict[PurePosixPath, bytes] = {}
    owners: dict[PurePosixPath, Resource] = {}
    for resource in resources:
        handler = HANDLERS[resource.kind]
        path = handler.path(resource)
        if path.parts[0] != handler.directory or any(part in ("", ".", "..") for part in path.parts) \
                or "\x00" in str(path):
            raise DefinitionError.at(resource.source, f"{resource.describe()}: its uid or name would be written as "
                                     f"generated/{path}, outside its own file; drop '/' and '..' from it")
        if path in files:
            other = owners[path]
            raise GacError(f"{resource.describe()} ({resource.source}) and {other.describe()} ({other.source}) "
                           f"would both be written to generated/{path}; rename one")
        files[path] = rendered(resource)
        owners[path] = resource
    return dict(sorted(files.items()))


def _tree_files(directory: Path) -> dict[PurePosixPath, Path]:
    """Every file under `directory` by its relative path, in order ({} when there is no such
    directory). A directory that cannot be listed is an error naming it: read as empty, its
    objects would be missing, and a sync with --prune would delete them from Grafana."""
    if not directory.is_dir():
        return {}

    def refused(exc: OSError) -> None:
        raise GacError(f"{exc.filename}: cannot read: {exc.strerror or exc}; give gac read access to everything "
                       f"under {directory}")

    files = {}
    for root, dirs, names in os.walk(directory, onerror=refused):
        dirs.sort()
        for name in names:
            path = Path(root) / name
            if path.is_file():
                files[PurePosixPath(path.relative_to(directory).as_posix())] = path
    return dict(sorted(files.items()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GacError(f"{path}: cannot read: {exc.strerror or exc}; give gac read access to it") from None


def read_tree(directory: Path) -> dict[PurePosixPath, bytes]:
    """Every file under `directory` (relative paths), or {} when it does not exist."""
    return {relpath: _read(path) for relpath, path in _tree_files(directory).items()}


def object_files(files: Mapping[PurePosixPath, bytes], where: object) -> Iterator[tuple[PurePosixPath, bytes]]:
    """The files of a tree (`where`: its directory, as errors name it) that hold objects: the
    JSON files under a kind's directory; other files are not objects. A file where a kind's
    directory belongs is an error: read past, it would stand for every object of the kind gone."""
    for relpath, content in sorted(files.items()):
        handler = BY_DIRECTORY.get(relpath.parts[0]) if relpath.parts else None
        if handler is not None and len(relpath.parts) == 1:
            raise GacError(f"{where}/{relpath}: a file where gac writes a directory of {relpath} objects; "
                           "remove it and run `gac build`")
        if handler is not None and relpath.suffix == ".json":
            yield relpath, content


def load_resources(directory: Path) -> list[Resource]:
    """Resources from a written tree, through each kind's handler (for plan, sync, diff)."""
    resources = [load_file(relpath, content, directory / relpath)
                 for relpath, content in object_files(read_tree(directory), directory)]
    return sorted(resources, key=lambda r: (HANDLERS[r.kind].level, r.key))


def load_file(relpath: PurePosixPath, content: bytes, shown: object) -> Resource:
    """The object in the generated/ file at `relpath` (under a kind's directory), read by that
    directory's handler; a file that is no UTF-8 JSON (too long a number, too deep, NaN among the
    ways) is an error naming it as `shown`."""
    text = None
    try:
        text = content.decode("utf-8")
        body = GRAFANA_JSON.decode(text)
    except UnicodeDecodeError:
        raise GacError(f"{shown}: not UTF-8 text; run `gac build` to write it again") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError among them
        raise GacError(f"{shown}: not valid JSON ({unreadable(exc, text)}); run `gac build` to write it again") \
            from None
    rebuild = f"{shown}: not a file `gac build` writes ({{}}); run `gac build` to write it again"
    if not isinstance(body, dict):
        raise GacError(rebuild.format(f"a JSON {type(body).__name__ if body is not None else 'null'}, not an object"))
    try:
        return BY_DIRECTORY[relpath.parts[0]].load(relpath, body)
    except KeyError as exc:
        raise GacError(rebuild.format(f"it has no {exc.args[0]!r}")) from None
    except (TypeError, AttributeError, ValueError):
        raise GacError(rebuild.format("its fields are not of the types gac writes")) from None


@dataclass
class TreeDiff:
    added: list[PurePosixPath] = field(default_factory=list)
    changed: list[PurePosixPath] = field(default_factory=list)
    removed: list[PurePosixPath] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def lines(self, prefix: str = GENERATED) -> list[str]:
        return ([f"+ {prefix}/{p}" for p in self.added] + [f"~ {prefix}/{p}" for p in self.changed]
                + [f"- {prefix}/{p}" for p in self.removed])


def compare(current: dict[PurePosixPath, bytes], wanted: dict[PurePosixPath, bytes]) -> TreeDiff:
    return TreeDiff(
        added=sorted(p for p in wanted if p not in current),
        changed=sorted(p for p in wanted if p in current and current[p] != wanted[p]),
        removed=sorted(p for p in current if p not in wanted),
    )


def compare_tree(directory: Path, wanted: dict[PurePosixPath, bytes]) -> TreeDiff:
    """`compare(read_tree(directory), wanted)` without holding the old tree in memory.

    A file whose size differs is changed without being read; the others are read one at a
    time. For a large project the old tree is as big as the new one, and the build would
    otherwise keep both (twice, when writing) at its peak.
    """
    current = _tree_files(directory)
    changed = []
    for relpath, content in wanted.items():
        path = current.get(relpath)
        if path is not None and (path.stat().st_size != len(content) or _read(path) != content):
            changed.append(relpath)
    return TreeDiff(added=sorted(p for p in wanted if p not in current), changed=sorted(changed),
                    removed=sorted(p for p in current if p not in wanted))


def write_tree(directory: Path, files: dict[PurePosixPath, bytes], diff: TreeDiff | None = None) -> TreeDiff:
    """Replace `directory` with exactly `files`, all at once.

    The new tree is written beside the old one and swapped in with renames, so a failure
    while writing leaves the previous tree as it was, and stale files disappear with it.
    When the tree cannot be replaced (a read-only checkout, a file where the directory
    should be) nothing is changed and the GacError names the path and the OS error.
    `diff` is `compare_tree(directory, files)` when the caller has just computed it.
    """
    diff = compare_tree(directory, files) if diff is None else diff
    if diff.clean and directory.is_dir():
        return diff
    try:
        _replace(directory, files)
    except OSError as exc:
        raise GacError(f"cannot write {directory}: {exc}; make it (and its parent) writable, "
                       "then run `gac build` again") from None
    return diff


def _replace(directory: Path, files: dict[PurePosixPath, bytes]) -> None:
    _check_replaceable(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = _new_directory(directory.parent, f".{directory.name}-new-")
    try:
        for relpath, content in files.items():
            target = staging / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        old = directory.with_name(f".{directory.name}-old-{os.getpid()}-{secrets.token_hex(4)}")
        moved = directory.exists() or directory.is_symlink()
        if moved:
            os.replace(directory, old)
        try:
            os.replace(staging, directory)
        except OSError:
            if moved:
                os.replace(old, directory)
            raise
        if moved:
            _remove(old, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_replaceable(directory: Path) -> None:
    """Refuse before writing anything when the old tree could be moved but not removed.

    Renaming a read-only `generated/` succeeds, deleting its files does not: without this
    check the build would swap the tree in and leave the old one behind as a stray
    `.generated-old-*` directory. A file in place of the directory is refused too: it is
    not ours to delete.
    """
    if not directory.exists() and not directory.is_symlink():
        return
    if not directory.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{os.strerror(errno.ENOTDIR)} (a file is in the way)", str(directory))
    for folder in [directory, *(p for p in sorted(directory.rglob("*")) if p.is_dir() and not p.is_symlink())]:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))


def _new_directory(parent: Path, prefix: str) -> Path:
    """A fresh directory named `prefix` + random text, with the umask's permissions.

    Not tempfile.mkdtemp: its directory is always mode 0700, and this one becomes
    `generated/` itself, which should be as readable as any other directory of the checkout.
    """
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _remove(old: Path, replaced: Path) -> None:
    """Delete the previous tree; one that resists is named with the OS error, never left silently.

    The new tree is already in place here, so this is its own message, not "cannot write".
    """
    try:
        if old.is_symlink():
            old.unlink()  # a symlinked generated/ is replaced by a directory; its target is kept
        else:
            shutil.rmtree(old)
    except OSError as exc:
        raise GacError(f"{replaced} was written, but the previous "
                       f"tree, moved to {old}, could not be removed: {exc}; delete it by hand") from None
