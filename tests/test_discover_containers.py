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


_FACTORY = """\
from generator.builders import AlertRule, DashboardDef, Folder, RuleGroup
from dashboards.common import dashboard
from dashboards.folders import applications


def service_dashboard(name):
    return DashboardDef(dashboard(title=f"Service {name}", uid=f"svc-{name}", description="d", tags=[], variables=[],
                                  panels=[]), folder=applications)


def team_folder(team):
    return Folder(uid=f"team-{team}", title=f"Team {team}")


def latency_group(service):
    rule = AlertRule.when(uid=f"lat-{service}", title=f"{service} latency", expr="up == 0", op=">", value=0,
                          summary="s", description="d", runbook_url="")
    return RuleGroup(title=f"lat-{service}", folder=applications, interval="1m", rules=[rule])
"""


def test_definitions_a_helper_in_another_module_makes_are_the_exposing_modules(tmp_path: Path) -> None:
    """A factory in a private helper module (or a public one, or a subfolder's) made objects
    whose source was the factory: discovery kept only objects created by the module exposing
    them, so these were dropped without a word, and a dashboard moved into a factory was removed
    from generated/ (and `sync --prune` would delete it from Grafana)."""
    root = copy_project(tmp_path / "repo")
    write(root, "dashboards/svc.py", _HEAD + 'checkout = board("svc-checkout")\n')
    assert _build(root)[0] == 0 and "svc-checkout" in _built(root)
    for helper in ("dashboards/_factory.py", "dashboards/lib/factory.py"):
        write(root, helper, _FACTORY)
        module = helper.removesuffix(".py").replace("/", ".")
        write(root, "dashboards/svc.py", f"from {module} import latency_group, service_dashboard, team_folder\n\n"
                                         'checkout = service_dashboard("checkout")\ncart = service_dashboard("cart")\n'
                                         'payments = team_folder("payments")\nalerts = latency_group("checkout")\n')
        code, output = _build(root)
        assert code == 0 and "- generated/" not in output, output  # nothing removed
        assert {"svc-checkout", "svc-cart"} <= _built(root)
        assert (root / "generated" / "folders" / "team-payments.json").is_file()
        assert [p.name for p in (root / "generated").rglob("lat-checkout*.json")], output
        (root / helper).unlink()
