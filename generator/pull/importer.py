"""Live dashboards → files in the repository, in the form the build reads back unchanged.

For each selected dashboard: the JSON as `normalize_dashboard` writes it (no ids, no
version, no managed tag, no sync stamp), and -- unless the uid is already defined -- a
module exposing it as a `JsonDashboard` in its folder (an existing Folder definition is
imported; a folder the repository does not define gets a module of its own). A uid
already defined keeps its definition: a JSON definition gets its file updated; a
grafanalib one gets the live JSON written beside it for a person to port, never a second
definition (the build refuses duplicate uids). Nothing is written when a dashboard uses a
data source the repository does not define: the message names each one.

`plan_pull` decides everything and returns the files; `write_files` writes them. Library
code: it returns data and never prints.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..datasource_index import DatasourceIndex, DatasourceInfo
from ..handlers.dashboard import definition_body, without_managed_tag
from ..handlers.dashboard_form import comparison_form
from ..errors import DefinitionError, GacError
from ..handlers import HANDLERS
from ..handlers.live import Calls, LiveObject, LiveRef, SyncContext, same_json
from ..output import render
from ..diff import DiffEntry, semantic_diff
from ..templates import environment
from .project import FolderRef, Project, read_project
from .references import datasource_refs

IMPORT_DIR = "dashboards/imported"
NEW, UPDATED, RECONCILE, UNCHANGED, SKIPPED = "new", "updated", "reconcile", "unchanged", "skipped"


class PullError(GacError):
    """Nothing can be pulled as asked (unknown uid or folder, undefined data sources): exit 2."""

    exit_code = 2


@dataclass(frozen=True)
class Selection:
    uids: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    everything: bool = False

    @property
    def explicit(self) -> set[str]:
        return set(self.uids)


@dataclass
class Pulled:
    """One dashboard (or folder definition) and what pull does with it."""

    kind: str
    uid: str
    title: str
    folder_uid: str | None
    action: str
    files: list[str] = field(default_factory=list)
    detail: str = ""
    #: definition → Grafana
    changes: list[DiffEntry] = field(default_factory=list)


@dataclass
class PullResult:
    items: list[Pulled]
    #: absolute path → content
    writes: dict[Path, bytes]
    notes: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for i in self.items if i.kind == "dashboard" and i.action == action)


def plan_pull(calls: Calls, ctx: SyncContext, root: Path, selection: Selection, *, workers: int = 8) -> PullResult:
    root = root.resolve()
    project = read_project(root)
    lives = _read_selected(calls, ctx, selection, workers)
    index = _index(calls, project)
    planner = _Planner(calls, ctx, root, project, index)
    lives = planner.without_unconvertible(lives)
    pulled = {live.resource.uid: planner.normalized(live) for live in lives}
    _check_datasources(pulled, project, index)
    for live in lives:
        planner.plan_dashboard(live, pulled[live.resource.uid], selection)
    return PullResult(planner.items, planner.writes, planner.notes)


def write_files(writes: dict[Path, bytes]) -> None:
    """Every file, or none (a PullError naming the path that cannot be written, and what to do).

    The destinations are checked first (a file where a directory is needed, a directory that
    cannot be written); then each file is written beside its destination and, only when all are
    written, renamed into place: a pull that failed half-way left a folder module written and its
    dashboard not, and the next build failing on it. mkstemp creates its file 0600; a pulled
    definition is an ordinary file of the checkout, so it gets the mode the umask gives any new file.
    """
    mask = os.umask(0)
    os.umask(mask)
    ordered = sorted(writes.items())
    try:
        for path, _ in ordered:
            _check_destination(path)
    except OSError as exc:
        raise PullError(_cannot_write(exc)) from None
    created: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in ordered:
            _make_directories(path.parent, created)
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            staged.append((Path(name), path))
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.chmod(name, 0o666 & ~mask)
    except BaseException as exc:
        _discard([temp for temp, _ in staged], created)
        if isinstance(exc, OSError):
            raise PullError(_cannot_write(exc)) from None
        raise
    for done, (temp, path) in enumerate(staged):
        try:
            os.replace(temp, path)
        except OSError as exc:  # beside its destination, a rename fails only if the directory changed meanwhile
            _discard([t for t, _ in staged[done:]], [])
            written = ", ".join(str(p) for _, p in staged[:done]) or "nothing"
            raise PullError(f"{_cannot_write(exc)}, after writing {written}") from None


def _check_destination(path: Path) -> None:
    """Raise the OSError writing `path` would meet: a file where one of its directories belongs, a
    directory where it belongs, or a directory that cannot be written into (checked here, where the
    process's access is known; as root the staging finds it, with nothing renamed yet)."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a directory is in the way of the file", str(path))
    existing = path.parent
    while not existing.is_dir():
        if existing.exists() or existing.is_symlink():
            raise NotADirectoryError(errno.ENOTDIR, "a file is in the way of the directory", str(existing))
        existing = existing.parent
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(existing))


def _cannot_write(exc: OSError) -> str:
    """One line: the path, why it cannot be written, what to do; and that nothing was written."""
    where = exc.filename or "the destination"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return (f"{where}: a file (or a broken link) is in the way of the directory gac pull writes into: move it "
                "away or remove it, then pull again; nothing was written")
    if exc.errno == errno.EISDIR:
        return f"{where}: a directory is in the way of the file gac pull writes: move it away, then pull again; " \
               "nothing was written"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"{where}: cannot write there ({exc.strerror}): make it writable (chmod u+w) or pull into a "
                "checkout you can write, then pull again; nothing was written")
    return f"{where}: cannot write: {exc.strerror or exc}; nothing was written"


def _make_directories(directory: Path, created: list[Path]) -> None:
    """Create `directory` and its missing parents, each added to `created` once made (outermost first)."""
    missing = []
    while not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for folder in reversed(missing):
        folder.mkdir()
        created.append(folder)


def _discard(temps: list[Path], directories: list[Path]) -> None:
    """Undo staging: the temporary files, then the directories made for them (innermost first)."""
    for temp in temps:
        temp.unlink(missing_ok=True)
    for folder in reversed(directories):
        try:
            folder.rmdir()
        except OSError:
            pass


# --- selecting and reading ---------------------------------------------------------------------

def _read_selected(calls: Calls, ctx: SyncContext, selection: Selection, workers: int) -> list[LiveObject]:
    handler = HANDLERS["dashboard"]
    refs = handler.list_live(calls, ctx)
    by_uid = {ref.uid: ref for ref in refs}
    chosen: dict[str, LiveRef] = {}
    if selection.everything:
        chosen.update(by_uid)
    missing = [uid for uid in selection.uids if uid not in by_uid]
    if missing:
        raise PullError(f"no dashboard with uid {', '.join(repr(u) for u in missing)} in Grafana")
    chosen.update({uid: by_uid[uid] for uid in selection.uids})
    if selection.folders:
        folders = {ref.uid for ref in HANDLERS["folder"].list_live(calls, ctx)}
        unknown = [uid for uid in selection.folders if uid not in folders]
        if unknown:
            raise PullError(f"no folder with uid {', '.join(repr(u) for u in unknown)} in Grafana")
        chosen.update({ref.uid: ref for ref in refs if ref.folder_uid in selection.folders})
    ordered = [chosen[uid] for uid in sorted(chosen)]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="gac-pull") as pool:
        lives = list(pool.map(lambda ref: handler.read_live(calls, ref, ctx), ordered))
    return [live for live in lives if live is not None]


def _index(calls: Calls, project: Project) -> DatasourceIndex:
    """The repository's data sources, plus Grafana's (for by-name references and types)."""
    rows = calls.read("list data sources", lambda g: g.datasource.list_datasources()) or []
    return project.datasources.extended(
        DatasourceInfo(str(r["uid"]), str(r.get("type", "")), str(r["name"]) if r.get("name") else None,
                       origin="grafana") for r in rows if r.get("uid"))


def _check_datasources(pulled: dict[str, dict[str, Any]], project: Project, index: DatasourceIndex) -> None:
    users: dict[str, list[tuple[str, Any]]] = {}
    for uid, dash in sorted(pulled.items()):
        for ds_uid in datasource_refs(dash):
            if not project.knows(ds_uid):
                users.setdefault(ds_uid, []).append((uid, dash.get("title")))
    if not users:
        return
    types = {uid: kind for dash in pulled.values() for uid, kind in datasource_refs(dash).items() if kind}
    lines = []
    for ds_uid, dashboards in sorted(users.items()):
        live = index.by_uid.get(ds_uid)
        kind = (live.type if live else "") or types.get(ds_uid) or "type unknown"
        where = f"named {live.name!r} in Grafana" if live and live.name else "not in Grafana either"
        used = ", ".join(f"{uid} ({title!r})" for uid, title in dashboards)
        lines.append(f"  {ds_uid} ({kind}, {where}): used by {used}")
    raise PullError("the dashboards use data sources this repository does not define, so nothing was written:\n"
                    + "\n".join(lines) + "\nDefine each one in datasources/ with the same uid (its URL per "
                    "environment in grafana.yaml), or declare it under lint.datasources in grafana.yaml when it "
                    "is managed elsewhere; then pull again.")


# --- planning ------------------------------------------------------------------------------------

class _Planner:
    def __init__(self, calls: Calls, ctx: SyncContext, root: Path, project: Project, index: DatasourceIndex):
        self.calls, self.ctx, self.root, self.project, self.index = calls, ctx, root, project, index
        self.items: list[Pulled] = []
        self.writes: dict[Path, bytes] = {}
        self.notes: list[str] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)

    def without_unconvertible(self, lives: list[LiveObject]) -> list[LiveObject]:
        """Schema-v2 dashboards: Grafana's v1 conversion is imported where it offers one (said in a
        note); where it offers none (Grafana 12), the dashboard is named and skipped."""
        out = []
        for live in lives:
            uid = live.resource.uid
            if live.incompatible and not live.converted_from:
                self.items.append(Pulled("dashboard", uid, live.resource.title, live.resource.folder_uid, SKIPPED,
                                         detail="stored as schema v2 and this Grafana offers no v1 conversion: "
                                                "gac imports schema v1 only"))
                continue
            if live.converted_from:
                self.notes.append(f"dashboard {uid!r} is stored as schema v2 ({live.converted_from}); what is "
                                  "imported is Grafana's v1 conversion, which loses v2 layout (tabs, rows)")
            out.append(live)
        return out

    def normalized(self, live: LiveObject) -> dict[str, Any]:
        return definition_body(live.resource.body, self.index)

    def plan_dashboard(self, live: LiveObject, dash: dict[str, Any], selection: Selection) -> None:
        uid, folder = live.resource.uid, live.resource.folder_uid
        item = Pulled("dashboard", uid, str(dash.get("title", uid)), folder, NEW)
        if live.read_only:
            self.notes.append(f"dashboard {uid!r} is {live.read_only}: Grafana refuses API writes to it, so "
                              "`gac sync` cannot manage it until that provisioning is removed")
        definition = self.project.dashboards.get(uid)
        if definition is not None:
            self._plan_defined(item, definition, dash)
        elif folder is None:
            if uid in selection.explicit:
                raise PullError(f"dashboard {uid!r} is in Grafana's General folder; gac places every dashboard in a "
                                "folder: move it into one in Grafana, then pull it")
            item.action, item.detail = SKIPPED, "in the General folder: gac places every dashboard in a folder"
        else:
            folder_ref = self.folder(folder)
            json_path = self.root / IMPORT_DIR / f"{uid}.json"
            module = self._module_path(uid)
            self.writes[json_path] = render(dash)
            self.writes[module] = _source(environment().get_template("pull_dashboard.py.j2").render(
                uid=uid, title=item.title, json=f"imported/{uid}.json", folder=folder_ref))
            item.files = [self.rel(json_path), self.rel(module)]
        self.items.append(item)

    def _plan_defined(self, item: Pulled, definition: Any, dash: dict[str, Any]) -> None:
        code = self._code_body(definition)
        forms = [_form(definition.folder_uid, code), _form(item.folder_uid, dash)]
        item.changes = semantic_diff(HANDLERS["dashboard"], *forms)
        same = same_json(*forms)
        if item.folder_uid != definition.folder_uid:
            self.notes.append(f"dashboard {item.uid!r} is in folder {item.folder_uid or 'General'!r} in Grafana but "
                              f"{definition.where} places it in {definition.folder_uid!r}: edit the module if the "
                              "move is meant to stay")
        if definition.style == "json":
            item.detail = f"defined by {definition.where}"
            if same:
                item.action = UNCHANGED
                return
            assert definition.json_file is not None
            item.action, item.files = UPDATED, [self.rel(definition.json_file)]
            self.writes[definition.json_file] = render(dash)
            return
        if same:
            # nothing to port: a JSON copy would be a file nothing reads
            item.action, item.detail = UNCHANGED, f"matches its grafanalib definition in {definition.where}"
            return
        item.action = RECONCILE
        item.detail = (f"defined with grafanalib in {definition.where}: port the changes there, then delete the "
                       "JSON (no module was written: a second definition of the uid would fail the build)")
        json_path = self.root / IMPORT_DIR / f"{item.uid}.json"
        self.writes[json_path] = render(dash)
        item.files = [self.rel(json_path)]

    def _code_body(self, definition: Any) -> dict[str, Any]:
        # as the build compiles it: every reference must be defined (or declared in grafana.yaml)
        build_index = replace(self.project.datasources, authoritative=True)
        try:
            body = definition.definition.to_resource(build_index).body
        except DefinitionError as exc:
            raise PullError(f"dashboard {definition.uid!r}: its definition does not compile: {exc}") from None
        return without_managed_tag(body)

    def folder(self, uid: str, seen: frozenset[str] = frozenset()) -> FolderRef:
        """The folder's definition, written (with its parents) when the repository has none."""
        if uid in self.project.folders:
            return self.project.folders[uid]
        if uid in self.project.unnamed_folders:
            raise PullError(f"folder {uid!r} is defined, but not as a module-level name pull can import: bind it, "
                            "e.g. `my_folder = Folder(uid=..., title=...)`, then pull again")
        if uid in seen:
            raise PullError(f"folder {uid!r} is its own ancestor in Grafana")
        ref = LiveRef("folder", ("folder", uid), uid, uid, None, None)
        live = HANDLERS["folder"].read_live(self.calls, ref, self.ctx)
        if live is None:
            raise PullError(f"folder {uid!r} vanished from Grafana while pulling; try again")
        parent_uid = live.resource.body.get("parentUid") or None
        parent = self.folder(parent_uid, seen | {uid}) if parent_uid else None
        title = str(live.resource.body.get("title") or uid)
        name = f"folder_{_identifier(uid)}"
        path = self._free(self.root / "dashboards" / f"{name}.py")
        self.writes[path] = _source(environment().get_template("pull_folder.py.j2").render(
            uid=uid, title=title, parent=parent))
        folder_ref = FolderRef(uid, title, f"dashboards.{path.stem}", "folder")
        self.project.folders[uid] = folder_ref
        self.items.append(Pulled("folder", uid, title, parent_uid, NEW, [self.rel(path)]))
        return folder_ref

    def _module_path(self, uid: str) -> Path:
        return self._free(self.root / "dashboards" / f"imported_{_identifier(uid)}.py")

    def _free(self, path: Path) -> Path:
        """`path`, or the first `<stem>_N.py` beside it that neither exists nor is planned."""
        candidate, number = path, 1
        while candidate.exists() or candidate in self.writes:
            number += 1
            candidate = path.with_name(f"{path.stem}_{number}{path.suffix}")
        return candidate


def _form(folder: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """The drift comparison form: a dashboard pulled right after a UI no-op save matches its definition."""
    return {"folder": folder or "", "body": comparison_form(body)}


def _identifier(uid: str) -> str:
    text = re.sub(r"[^0-9a-zA-Z_]+", "_", uid).strip("_").lower() or "dashboard"
    return text


def _source(text: str) -> bytes:
    return (re.sub(r"\n{3,}", "\n\n\n", text).strip() + "\n").encode("utf-8")
