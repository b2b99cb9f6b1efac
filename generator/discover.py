"""Import the definition folders and collect the objects their modules expose.

Definition modules are ordinary Python: they may import each other (a shared folder, a data
source uid), so an object is attributed to the module whose file created it, and collected
once. Import problems become DefinitionErrors that point at the user's file and line.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from grafanalib import core as g

from .builders import AlertRule, DashboardDef, DataSource, Folder, JsonDashboard, RuleGroup
from .builders.notifications import ContactPoint, MuteTiming, NotificationTemplate, PolicyTree
from .errors import DefinitionError

DEFINITION_DIRS = ("datasources", "dashboards", "alerts")
#: who gets the alerts (alerts/): each builds its own Resource
NOTIFICATION_TYPES = (NotificationTemplate, ContactPoint, MuteTiming, PolicyTree)
DEFINITION_TYPES = (Folder, DataSource, DashboardDef, JsonDashboard, RuleGroup) + NOTIFICATION_TYPES


@dataclass
class Definitions:
    folders: list[Folder]
    datasources: list[DataSource]
    dashboards: list[DashboardDef | JsonDashboard]
    rule_groups: list[RuleGroup]
    notifications: list[NotificationTemplate | ContactPoint | MuteTiming | PolicyTree] = field(default_factory=list)
    #: Python files that look like definitions but that nothing read (`unread_modules`)
    unread: list[UnreadModule] = field(default_factory=list)


@dataclass(frozen=True)
class UnreadModule:
    """A Python file where definitions are looked for, or in a folder named like one of those,
    that discovery did not import and no definition module imported: its objects are in neither
    generated/ nor Grafana, without a word. `hint` says where it belongs."""
    path: str
    hint: str

    def message(self) -> str:
        return f"{self.path} is not read: {self.hint}"


def discover(root: Path) -> Definitions:
    """Every definition object the modules under `root`'s definition folders expose, each once
    (a module exposing one it imported, its folder or a shared data source, exposes the same
    object), in a stable order. Where an object was created does not matter: a helper that
    makes dashboards or rule groups (`service_dashboard("checkout")` in `dashboards/common.py`)
    creates them for the module that exposes them."""
    root = root.resolve()
    found: dict[int, Any] = {}
    resolved = _Resolver()
    rules: dict[int, AlertRule] = {}
    with _project_on_path(root):
        for module_name, path in _modules(root):
            module = _import(module_name, path, root)
            exposed = list(_exposed(module))
            for value, direct in exposed:
                if isinstance(value, AlertRule):
                    rules.setdefault(id(value), value)
                if isinstance(value, g.Dashboard):
                    if direct and not any(isinstance(v, DashboardDef) and v.dashboard is value for v, _ in exposed):
                        raise DefinitionError(
                            f"module-level grafanalib Dashboard {value.title!r} is not placed in a folder: wrap it "
                            "as DashboardDef(dashboard, folder=...) so the compiler knows where it goes (a template "
                            "kept at module level: give its name a leading `_`)",
                            _rel(path, root))
                    continue
                if isinstance(value, DEFINITION_TYPES):
                    found.setdefault(id(value), value)
        unread = unread_modules(root, resolved)
    objects = list(found.values())
    _check_rules_grouped(rules.values(), [o for o in objects if isinstance(o, RuleGroup)])
    return Definitions(
        folders=[o for o in objects if isinstance(o, Folder)],
        datasources=[o for o in objects if isinstance(o, DataSource)],
        dashboards=[o for o in objects if isinstance(o, (DashboardDef, JsonDashboard))],
        rule_groups=[o for o in objects if isinstance(o, RuleGroup)],
        notifications=[o for o in objects if isinstance(o, NOTIFICATION_TYPES)],
        unread=unread,
    )


#: folders named like a definition folder, and the one their modules belong in
_LOOKALIKES = {
    "dashboard": "dashboards", "boards": "dashboards",
    "datasource": "datasources", "data_sources": "datasources", "data-sources": "datasources",
    "alert": "alerts", "alerting": "alerts", "alert_rules": "alerts", "alert-rules": "alerts", "rules": "alerts",
    "notifications": "alerts", "notification": "alerts", "contact_points": "alerts", "contact-points": "alerts",
    "contactpoints": "alerts", "policies": "alerts", "mute_timings": "alerts", "receivers": "alerts",
}
_FOLDERS = ", ".join(f"{d}/" for d in DEFINITION_DIRS[:-1]) + f" and {DEFINITION_DIRS[-1]}/"
#: how many Python files `unread_modules` looks at, at most: a virtualenv inside a definition folder is no project
_MOST_FILES = 5000


def unread_modules(root: Path, resolved: _Resolver | None = None) -> list[UnreadModule]:
    """Python files under the definition folders (in subfolders: discovery reads only the modules
    directly inside), and in folders named like one (`notifications/`, `dashboard/`), that no
    import read. Called while the project's modules are imported (`discover`): a helper module a
    definition imports (`dashboards/lib/panels.py`) is read. Files named `_*.py` are private by
    the same convention as discovery's."""
    resolved = resolved or _Resolver()
    inside = str(root)  # the project's modules are imported from `root`, first on sys.path
    imported = {resolved(Path(file)) for module in list(sys.modules.values())
                if isinstance(file := getattr(module, "__file__", None), str) and file.startswith(inside)}
    found: list[UnreadModule] = []
    folders = [(folder, folder) for folder in DEFINITION_DIRS] + sorted(_LOOKALIKES.items())
    left = _MOST_FILES
    for folder, home in folders:
        directory = root / folder
        if not directory.is_dir() or directory.is_symlink() and folder != home:
            continue
        paths = sorted(islice(_python_files(directory), left))
        left -= len(paths)
        for path in paths:
            if path.name.startswith("_") or resolved(path) in imported:
                continue
            if folder != home:
                hint = (f"gac reads definitions from {_FOLDERS} only: move it "
                        f"into {home}/" + (" (contact points, policies, mute timings and templates are defined "
                                           "there too)" if home == "alerts" else ""))
            else:
                hint = (f"gac reads the modules directly in {folder}/ (and what they import): move it into "
                        f"{folder}/, or import it from a module there")
            found.append(UnreadModule(_rel(path, root), hint))
        if not left:
            break
    return found


def _python_files(directory: Path) -> Iterator[Path]:
    """The .py files below `directory`, outside hidden folders and __pycache__, in a stable order
    (each folder's files, then its subfolders, by name): a capped look sees the same files each time."""
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath) / name


def _check_rules_grouped(rules: Iterable[AlertRule], groups: list[RuleGroup]) -> None:
    """A rule reaches Grafana only inside a rule group: one left out would build and never be
    deployed, silently (as a dashboard outside a DashboardDef would, which is refused too)."""
    grouped = {id(rule) for group in groups for rule in group.rules}
    for rule in rules:
        if id(rule) not in grouped:
            listed = ", ".join(sorted(repr(g.title) for g in groups)) or "none yet"
            raise DefinitionError.at(rule.source, f"alert rule {rule.uid!r} is not in any RuleGroup, so it would never "
                                     f"be deployed: add it to a RuleGroup's rules (groups: {listed}), e.g. "
                                     f"RuleGroup(title=..., folder=..., interval='1m', rules=[...])")


def _modules(root: Path) -> Iterator[tuple[str, Path]]:
    for folder in DEFINITION_DIRS:
        directory = root / folder
        if not directory.is_dir():
            if directory.exists() or directory.is_symlink():
                # skipped, its objects would vanish from generated/ (and, with --prune, from Grafana)
                raise DefinitionError("not a directory (a file or a broken link is in the way): "
                                      f"make {folder}/ a folder of definition modules, or remove it", folder)
            continue
        for path in sorted(directory.glob("*.py")):
            if not path.name.startswith("_"):
                yield f"{folder}.{path.stem}", path


def _exposed(module: Any) -> Iterator[tuple[Any, bool]]:
    """Module-level names, and the items of module-level lists, tuples and dicts (their values, in
    their order), however deeply nested: `ALL = {s: DashboardDef(...) for s in services}` defines
    those dashboards as a list of them would. Each with whether it is exposed directly (a name,
    or an item of a module-level list or tuple: what discovery read before dicts) -- a bare
    grafanalib Dashboard deeper is a template, not a definition missing its folder. A container
    met again (a cycle) is not read again. (No set can hold a definition: none is hashable.)"""
    seen: set[int] = set()
    for name, value in sorted(vars(module).items()):
        if not name.startswith("_"):
            yield from _items(value, True, seen)


def _items(value: Any, top: bool, seen: set[int]) -> Iterator[tuple[Any, bool]]:
    """`value` (a module-level name's when `top`), or what it holds: each with whether it is
    exposed directly (a module-level name, or an item of a module-level list or tuple)."""
    if not isinstance(value, (list, tuple, dict)):
        yield value, top
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    listed = top and not isinstance(value, dict)
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, (list, tuple, dict)):
            yield from _items(item, False, seen)
        else:
            yield item, listed


class _Resolver:
    """`Path.resolve()` remembered for one discovery: a module's objects and the ones it imports
    (its folder, a shared data source) name the same few files again and again, and resolving
    takes a system call per path component."""

    def __init__(self) -> None:
        self._seen: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        found = self._seen.get(path)
        if found is None:
            found = self._seen[path] = path.resolve()
        return found


def _rel(path: Path, root: Path) -> str:
    return os.path.relpath(path, root)


def _import(module_name: str, path: Path, root: Path) -> Any:
    try:
        return importlib.import_module(module_name)
    except DefinitionError:
        raise
    except SyntaxError as exc:
        hint = "; save the file as UTF-8" if "codec can't decode" in str(exc.msg) else ""
        raise DefinitionError(f"syntax error: {exc.msg}{hint}", _rel(Path(exc.filename or path), root),
                              exc.lineno) from None
    except SystemExit as exc:  # sys.exit() in a definition would end gac silently with its code
        file, line = _user_frame(exc, path, root)
        raise DefinitionError(f"{module_name} called sys.exit({exc.code!r}) while being imported: a definition "
                              "module must only define objects; raise an exception to report a problem",
                              file, line) from None
    except KeyboardInterrupt:  # Ctrl-C while a module is imported: the run is interrupted, as anywhere
        raise
    except BaseException as exc:  # noqa: BLE001 - any error in user code becomes a located message
        # BaseException too: `raise BaseException("x")` (or GeneratorExit) went past every handler up to the
        # interpreter, a traceback
        file, line = _user_frame(exc, path, root)
        hint = _CIRCULAR_HINT if isinstance(exc, ImportError) and "circular import" in str(exc) else ""
        if not isinstance(exc, Exception):
            hint += "; raise an Exception (ValueError, RuntimeError...) to report a problem"
        raise DefinitionError(f"{module_name} raised {type(exc).__name__}: {_said(exc)}{hint}", file, line) from None


def _said(exc: BaseException) -> str:
    """An exception's message on one line (a message of several lines would read as several errors);
    "(no message)" where it has none, or its `str()` itself raises."""
    try:
        text = " ".join(str(exc).split())
    except Exception:  # noqa: BLE001 - a user-defined __str__ that fails
        text = ""
    return text or "(no message)"


_CIRCULAR_HINT = ("; two definition modules import each other: move what both need into a module that imports "
                  "neither (as dashboards/folders.py holds the folders)")


def _user_frame(exc: BaseException, path: Path, root: Path) -> tuple[str, int | None]:
    """The innermost traceback frame inside the project's definitions (else the module itself)."""
    best: tuple[str, int | None] = (_rel(path, root), None)
    for frame in traceback.extract_tb(exc.__traceback__):
        frame_path = Path(frame.filename).resolve()
        if frame_path.is_relative_to(root) and frame_path.parts[len(root.parts)] in DEFINITION_DIRS:
            best = (_rel(frame_path, root), frame.lineno)
    return best


class _project_on_path:
    """Put `root` first on sys.path and give it fresh definition packages, then clean up.

    Without the purge a second project in the same process (tests, `gac diff`) would reuse
    the first one's cached `dashboards.*` modules.
    """

    def __init__(self, root: Path):
        self.root = str(root)

    def __enter__(self) -> None:
        _purge()
        sys.path.insert(0, self.root)

    def __exit__(self, *exc: object) -> None:
        sys.path.remove(self.root)
        _purge()


def _purge() -> None:
    for name in list(sys.modules):
        if name.split(".", 1)[0] in DEFINITION_DIRS:
            del sys.modules[name]
