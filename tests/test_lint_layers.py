"""The lint package reads one way: finding → registry → config → models → contexts → rules →
engine → formats → command.

A module may import its own layer or earlier ones, never a later one, and no group of modules
may import each other in a loop. Imports inside functions count too: they are how a cycle hides
(config.py once imported the rules inside a function). The check reads the source, so it fails
on a cycle whatever order Python happens to import the modules in.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import generator.lint

PACKAGE = "generator.lint"
ROOT = Path(generator.lint.__file__).parent

LAYERS: list[tuple[str, set[str]]] = [
    ("finding", {"finding"}),
    ("registry", {"registry"}),
    ("config", {"config"}),
    ("models", {"durations", "promql_names", "promql_parse", "promql_errors", "promql_expand", "promql_analysis",
                "grafana_values", "grafana_units", "catalog", "otel_naming", "traceql", "tokens",
                "dashboard_model", "alert_model", "gotemplate", "logql", "locate", "json_origin", "loaders",
                "workers", "query_cache", "rulefmt",
                "alerting_provisioning", "prometheusrule_schema"}),
    ("contexts", {"contexts", "notifications"}),
    ("rules", {"rules", "rules.alert_rules", "rules.dashboard_rules", "rules.datasource_rules",
               "rules.promql_rules", "rules.notification_rules", "rules.traceql_rules"}),
    ("engine", {"engine"}),
    ("formats", {"formats", "examples"}),
    ("command", {"command", ""}),  # "" is the package itself (its __init__ re-exports the API)
]
LAYER_OF = {module: i for i, (_, modules) in enumerate(LAYERS) for module in modules}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _lint_imports(source: str, name: str, is_package: bool = False) -> set[str]:
    """The lint modules a module's source imports anywhere in it (names relative to the package)."""
    parts = name.split(".") if name else []
    package = parts if is_package else parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(package):
                    continue  # above generator.lint (generator.config, generator.errors, ...)
                base = package[:len(package) - (node.level - 1)]
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith(PACKAGE):
                target = [t for t in node.module[len(PACKAGE):].split(".") if t]
            else:
                continue
            for alias in node.names:  # `from . import logql` imports a module, `from .x import y` a name
                module = ".".join([*target, alias.name])
                found.add(module if module in LAYER_OF else ".".join(target))
        elif isinstance(node, ast.Import):
            found.update(alias.name[len(PACKAGE) + 1:] for alias in node.names
                         if alias.name.startswith(PACKAGE + "."))
    found.discard(name)
    return {m for m in found if m in LAYER_OF}


def _later_layer_imports(name: str, deps: set[str]) -> list[str]:
    return [f"{name or PACKAGE} ({LAYERS[LAYER_OF[name]][0]}) imports {dep} ({LAYERS[LAYER_OF[dep]][0]})"
            for dep in sorted(deps) if LAYER_OF[dep] > LAYER_OF[name]]


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _lint_imports(p.read_text(encoding="utf-8"), _module_name(p), p.name == "__init__.py")
            for p in sorted(ROOT.rglob("*.py"))}


def test_every_lint_module_has_a_layer() -> None:
    assert set(_graph()) == set(LAYER_OF)


def test_no_module_imports_a_later_layer() -> None:
    assert [line for name, deps in _graph().items() for line in _later_layer_imports(name, deps)] == []


def test_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(module: str, trail: list[str]) -> list[str] | None:
        if state.get(module) == 1:
            return [*trail[trail.index(module):], module]
        if state.get(module) == 2:
            return None
        state[module] = 1
        for dep in sorted(graph[module]):
            cycle = visit(dep, [*trail, module])
            if cycle:
                return cycle
        state[module] = 2
        return None

    cycles = [c for m in sorted(graph) for c in [visit(m, [])] if c]
    assert cycles == []


def test_the_checker_sees_an_import_hidden_in_a_function() -> None:
    """The check itself: config.py importing the rules inside a function (the old cycle) fails it."""
    source = (ROOT / "config.py").read_text(encoding="utf-8") + "\n\ndef _late():\n    from . import rules\n"
    assert _later_layer_imports("config", _lint_imports(source, "config")) == [
        "config (config) imports rules (rules)"]
    inside = "def f():\n    from ..engine import Engine\n"
    assert _lint_imports(inside, "rules.promql_rules") == {"engine"}


def test_each_module_imports_alone_in_layer_order() -> None:
    """In a fresh interpreter, every module imports on its own, earliest layer first."""
    ordered = sorted((m for m in LAYER_OF if m), key=lambda m: (LAYER_OF[m], m))
    code = "import importlib\nfor m in %r:\n    importlib.import_module('generator.lint.' + m)\n" % ordered
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
