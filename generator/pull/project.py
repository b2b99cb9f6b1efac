"""What the repository already defines, as pull needs it: folders it can import by name,
dashboards by uid (and how: grafanalib or JSON), data sources.

Read through discovery, the same way the build reads the definitions, so pull and build
never disagree about what is defined.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ..builders import DashboardDef, Folder, JsonDashboard
from ..compile import project_datasources
from ..config import project_declared_datasources
from ..datasource_index import DatasourceIndex
from ..discover import DEFINITION_DIRS, discover
from ..errors import DefinitionError
from ..normalize import unwrap


@dataclass(frozen=True)
class FolderRef:
    """A folder definition importable as `from <module> import <name>`."""

    uid: str
    title: str
    module: str
    name: str


@dataclass(frozen=True)
class DashboardDefinition:
    uid: str
    folder_uid: str
    #: "grafanalib" or "json"
    style: str
    #: where it is defined (module file:line), relative to the repository root
    where: str
    #: the JSON file of a JsonDashboard
    json_file: Path | None
    definition: DashboardDef | JsonDashboard


@dataclass
class Project:
    root: Path
    folders: dict[str, FolderRef]
    unnamed_folders: set[str]
    dashboards: dict[str, DashboardDefinition]
    #: defined in datasources/, then declared in grafana.yaml as managed elsewhere (`lint.datasources`);
    #: not authoritative: pulled dashboards may name others, which pull reports itself
    datasources: DatasourceIndex

    def knows(self, uid: str) -> bool:
        return uid in self.datasources.by_uid


def read_project(root: Path) -> Project:
    root = root.resolve()
    defs = discover(root)
    folders: dict[str, FolderRef] = {}
    unnamed: set[str] = set()
    for folder in defs.folders:
        ref = _folder_ref(folder, root)
        if ref is None:
            unnamed.add(folder.uid)
        else:
            folders[folder.uid] = ref
    dashboards: dict[str, DashboardDefinition] = {}
    for item in defs.dashboards:
        if isinstance(item, DashboardDef):
            uid, style, json_file = str(item.dashboard.uid or ""), "grafanalib", None
        else:
            json_file = item.file().resolve()
            uid, style = str(unwrap(item.raw_json()).get("uid") or ""), "json"
        if uid:
            dashboards[uid] = DashboardDefinition(uid, item.folder.uid, style, _where(item.source, root), json_file, item)
    index = project_datasources(defs, project_declared_datasources(root), authoritative=False)
    return Project(root, folders, unnamed, dashboards, index)


def _where(source: object, root: Path) -> str:
    file = getattr(source, "file", None)
    if not file:
        return "an unknown module"
    path = Path(file).resolve()
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    line = getattr(source, "line", None)
    return f"{shown}:{line}" if line else shown


def _folder_ref(folder: Folder, root: Path) -> FolderRef | None:
    """The module-level name a Folder is bound to, from the assignment on its source line."""
    if folder.source is None:
        return None
    path = Path(folder.source.file).resolve()
    if not path.is_relative_to(root):
        return None
    parts = path.relative_to(root).with_suffix("").parts
    if len(parts) != 2 or parts[0] not in DEFINITION_DIRS:
        return None
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError) as exc:
        raise DefinitionError(f"cannot read {path}: {exc}") from None
    line = folder.source.line or 0
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if (len(targets) == 1 and isinstance(targets[0], ast.Name) and node.lineno <= line <= (node.end_lineno or line)):
            return FolderRef(folder.uid, folder.title, ".".join(parts), targets[0].id)
    return None
