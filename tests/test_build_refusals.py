"""Definitions Grafana would refuse, or that would write outside generated/, are build errors
naming the definition: caught at sync, they failed there with some objects already applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import GacError
from tests.project import copy_project


def gac(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("module, old, new, line", [
    ("dashboards/apm.py", 'uid="otel-apm"', 'uid="../../../pwned"', 102),
    ("dashboards/apm.py", 'uid="otel-apm"', 'uid="x/../otel-genai"', 102),
    ("dashboards/apm.py", 'uid="otel-apm"', 'uid="' + "a" * 41 + '"', 102),
    ("dashboards/folders.py", 'uid="otel-apps"', 'uid="../../x"', 7),
    ("alerts/collector.py", 'uid="otelcol-down"', 'uid="svc error ratio!"', 10),
])
def test_a_uid_grafana_refuses_is_a_build_error_and_never_a_path(tmp_path: Path, module: str, old: str, new: str,
                                                                 line: int) -> None:
    """A uid is the file name of its object in generated/: `../../../pwned` was written outside
    generated/, `x/../otel-genai` over another dashboard's file, and uids Grafana refuses (more
    than 40 characters, spaces) failed only at sync, half-applied. The build refuses each,
    naming the definition, and writes nothing."""
    root = copy_project(tmp_path / "project")
    path = root / module
    path.write_text(path.read_text().replace(old, new, 1))
    code, output = gac("build", "--root", str(root))
    assert code == 2 and "must be 1-40 letters, digits, '-' or '_' (Grafana's rule)" in output, output
    assert f"{module}:{line}: " in output
    assert not (root / "generated").exists() and not (tmp_path / "pwned.json").exists()
    assert not list(tmp_path.rglob("pwned*")) and not list(tmp_path.rglob("x.json"))


def test_no_object_is_rendered_outside_its_own_file_whatever_made_it() -> None:
    """The build's last guard, behind the builders' uid checks: a uid with `..` never becomes a
    path out of the object's directory."""
    from generator.output import render_tree
    from generator.resource import Resource

    for kind, uid, folder in (("folder", "../x", None), ("dashboard", "../../x", "f"), ("datasource", "a/../../b", None)):
        with pytest.raises(GacError, match="outside its own file; drop '/' and '..' from it"):
            render_tree([Resource(kind, uid, {"uid": uid, "title": "t"}, folder, None)])


@pytest.mark.parametrize("module, old, new, says", [
    ("dashboards/apm.py", 'title="APM: services and routes"', 'title=""', "title is empty"),
    ("dashboards/apm.py", 'title="APM: services and routes"', 'title=123', "title is int 123, not a string"),
    ("dashboards/folders.py", 'applications = Folder(uid="otel-apps", title="Applications", parent=observability)',
     'applications = Folder(uid="otel-apps", title="Applications", parent=observability)\n'
     'observability.parent = applications', "is its own ancestor"),
    ("dashboards/folders.py", 'observability = Folder(uid="observability", title="Observability")',
     'observability = Folder(uid="observability", title="Observability")\nobservability.parent = observability',
     "is its own ancestor"),
])
def test_what_grafana_refuses_at_sync_is_refused_by_the_build(tmp_path: Path, module: str, old: str, new: str,
                                                              says: str) -> None:
    root = copy_project(tmp_path / "project")
    path = root / module
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    code, output = gac("build", "--root", str(root))
    assert code == 2 and says in output and f"{module}:" in output, output
    assert not (root / "generated").exists()


def test_a_rule_group_without_rules_is_refused(tmp_path: Path) -> None:
    """Grafana keeps no group without rules: every sync created it again and drift always found
    it missing."""
    from tests.project import write

    root = copy_project(tmp_path / "project")
    write(root, "alerts/empty.py", """
        from generator.builders import RuleGroup
        from dashboards.folders import platform

        empty = RuleGroup(title="empty", folder=platform, interval="1m", rules=[])
        """)
    code, output = gac("build", "--root", str(root))
    assert code == 2 and "alerts/empty.py:4: " in output and "rules is empty" in output, output


@pytest.mark.parametrize("name, says", [
    ("Loki", "data source name 'Loki' is given to two data sources"),
    ("LOKI", "data source names 'Loki' and 'LOKI', one name for Grafana on MySQL (it compares them without case), "
             "are given to two data sources"),
])
def test_two_data_sources_with_one_name_are_refused(tmp_path: Path, name: str, says: str) -> None:
    """Grafana keeps one data source per name in an organisation (409 ErrDataSourceNameExists): the
    second one's sync failed, after the objects beside it were written. The build (and the lint of
    the project) refuses the pair, naming both definitions, and writes nothing."""
    from tests.project import write

    root = copy_project(tmp_path / "project")
    write(root, "datasources/loki2.py", f"""
        from generator.builders import Loki

        loki2 = Loki(uid="loki2", name="{name}", url="http://loki2:3100")
        """)
    for command in ("build", "lint"):
        code, output = gac(command, "--root", str(root))
        assert code == 2 and says in output, output
        assert "datasources/loki.py:5) and 'loki2' (" in output and "datasources/loki2.py:3); " in output
        assert "datasources/loki2.py:3: data source" in output and "give one of them another name=" in output
        assert len(output.strip().splitlines()) == 1 and "Traceback" not in output
    assert not (root / "generated").exists()


def test_one_data_source_defined_twice_is_still_a_duplicate_uid(tmp_path: Path) -> None:
    from tests.project import write

    root = copy_project(tmp_path / "project")
    write(root, "datasources/loki2.py", """
        from generator.builders import Loki

        loki2 = Loki(uid="loki", name="Loki", url="http://loki2:3100")
        """)
    code, output = gac("build", "--root", str(root))
    assert code == 2 and "datasource uid 'loki' is defined twice" in output, output
