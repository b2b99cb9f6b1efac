"""Definitions held in module-level containers: a dict of them (`{service: DashboardDef(...)}`)
or a list of lists was passed over without a word, so the dashboards were in neither
generated/ nor Grafana (and `sync --prune` would delete them there). Discovery reads the values
of dicts and nested lists and tuples, in their order."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from tests.project import copy_project, write

_HEAD = """\
from generator.builders import DashboardDef
from dashboards.common import dashboard
from dashboards.folders import applications


def board(uid):
    return DashboardDef(dashboard(title=f"Board {uid}", uid=uid, description="d", tags=[], variables=[], panels=[]),
                        folder=applications)


"""


def _build(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _built(root: Path) -> set[str]:
    return {p.stem for p in (root / "generated" / "dashboards").rglob("*.json")}


def test_dashboards_in_a_dict_and_in_nested_lists_are_built(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "repo")
    write(root, "dashboards/many.py", _HEAD + """\
BY_SERVICE = {s: board(f"svc-{s}") for s in ("checkout", "cart")}
NESTED = [[board("nested-a")], (board("nested-b"),)]
BY_TEAM = [{"team": [board("team-deep")]}]
FOUR_DEEP = {"pay": {"api": {"prod": [board("pay-api-prod")]}}}
""")
    code, output = _build(root)
    assert code == 0, output
    assert {"svc-checkout", "svc-cart", "nested-a", "nested-b", "team-deep", "pay-api-prod"} <= _built(root)


def test_the_same_definitions_build_the_same_files_whatever_container_holds_them(tmp_path: Path) -> None:
    listed = copy_project(tmp_path / "listed")
    write(listed, "dashboards/many.py", _HEAD + 'ALL = [board("svc-a"), board("svc-b")]\n')
    keyed = copy_project(tmp_path / "keyed")
    write(keyed, "dashboards/many.py", _HEAD + 'ALL = {"a": board("svc-a"), "b": board("svc-b")}\n')
    assert _build(listed)[0] == 0 and _build(keyed)[0] == 0
    files = {p.relative_to(listed / "generated"): p.read_bytes() for p in (listed / "generated").rglob("*.json")}
    assert files == {p.relative_to(keyed / "generated"): p.read_bytes()
                     for p in (keyed / "generated").rglob("*.json")}


def test_a_dict_of_template_dashboards_is_no_definition(tmp_path: Path) -> None:
    """Bare grafanalib dashboards in a dict are templates the definitions copy, as before dicts
    were read: not refused as dashboards missing their folder, and not built."""
    root = copy_project(tmp_path / "repo")
    write(root, "dashboards/many.py", _HEAD + """\
import copy
from grafanalib import core as g

TEMPLATES = {"base": g.Dashboard(title="Base template", uid="base-tpl", panels=[])}


def made(uid):
    d = copy.deepcopy(TEMPLATES["base"])
    d.uid, d.title = uid, f"Made {uid}"
    return DashboardDef(d, folder=applications)


svc_a = made("svc-a")
""")
    code, output = _build(root)
    assert code == 0, output
    assert "svc-a" in _built(root) and "base-tpl" not in _built(root)


def test_a_bare_dashboard_at_module_level_is_still_refused_with_the_way_out(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "repo")
    write(root, "dashboards/many.py", _HEAD + """\
from grafanalib import core as g

BASE = g.Dashboard(title="Base template", uid="base-tpl", panels=[])
""")
    code, output = _build(root)
    assert code == 2, output
    assert "module-level grafanalib Dashboard 'Base template' is not placed in a folder" in output
    assert "give its name a leading `_`" in output
