"""Files gac reads that Python's JSON and YAML readers fail on with neither a JSONDecodeError nor a
YAMLError: a number of more than 4,300 digits (a ValueError: Python refuses to convert it), a
date with no such day, a document nested deeper than the recursion limit (a RecursionError). And
`NaN` or `Infinity`, which Python's json reads but Grafana's refuses. Every reader names the file,
where each raised a traceback before (or, for NaN, read on: the build wrote NaN into generated/)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import GacError
from generator.lint import LintConfig, lint_paths
from generator.output import load_resources
from tests.paths import REPO
from tests.project import copy_project, write

HUGE = "7" * (sys.get_int_max_str_digits() + 1)
SAYS = "a number of more than 4,300 digits"


def gac(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError), result.output
    return result.exit_code, result.output


def test_lint_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "dash.json"
    path.write_text('{"uid": "a",\n "panels": [],\n "version": %s}' % HUGE)
    code, output = gac("lint", str(path))
    assert code == 2
    assert f"{path}: cannot read: line 3: {SAYS}" in output
    problems: list[str] = []
    assert lint_paths([path], LintConfig(), problems=problems) == []
    assert problems == [f"{path}: cannot read: line 3: {SAYS}"]


def test_a_yaml_number_beyond_64_bits_is_the_text_it_spells_as_go_yaml_reads_it(tmp_path: Path) -> None:
    """yaml.v3 reads a plain number that neither int64, uint64 nor float64 holds as a string:
    the rule file reads, and its query, a number literal out of range, is what fails (promtool
    says the same, at the same line and column)."""
    path = tmp_path / "rules.yaml"
    path.write_text("groups:\n- name: g\n  rules:\n  - record: r\n    expr: %s\n" % HUGE)
    problems: list[str] = []
    findings = lint_paths([path], LintConfig(), problems=problems)
    assert problems == []
    assert [(f.rule, f.line, f.column) for f in findings] == [("promql-syntax", 5, 11)]
    assert "out of range" in findings[0].message
    if shutil.which("promtool"):  # the reference reader agrees (CI installs it)
        checked = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True)
        assert checked.returncode == 1 and f"{path}: 5:11: " in checked.stderr and "out of range" in checked.stderr


def test_generated_trees_name_the_file(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(REPO / "generated", old)
    shutil.copytree(REPO / "generated", new)
    broken = new / "datasources" / "loki.json"
    body = json.loads(broken.read_text())
    broken.write_text(json.dumps(body)[:-1] + ', "x": %s}' % HUGE)
    code, output = gac("diff", str(old), str(new))
    assert code == 2 and f"{new}/datasources/loki.json: not valid JSON (line 1: {SAYS})" in output
    with pytest.raises(GacError, match="loki.json: not valid JSON \\(line 1: a number of more than 4,300 digits\\)"):
        load_resources(new)


def test_build_names_grafana_yaml_and_the_imported_dashboard(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    config = root / "grafana.yaml"
    saved = config.read_text()
    config.write_text(saved + f"\nx_huge: {HUGE}\n")
    code, output = gac("build", "--root", str(root))
    line = saved.count("\n") + 2
    assert code == 2 and f"grafana.yaml: cannot read: line {line}: {SAYS}" in output
    config.write_text(saved)
    (root / "dashboards" / "imported").mkdir()
    (root / "dashboards" / "imported" / "huge.json").write_text('{"uid": "huge", "title": "H", "version": %s}' % HUGE)
    write(root, "dashboards/imported_huge.py", """
        from generator.builders import JsonDashboard

        from dashboards.folders import platform

        imported = JsonDashboard("imported/huge.json", folder=platform)
        """)
    code, output = gac("build", "--root", str(root))
    assert code == 2
    assert f"dashboards/imported_huge.py:5: cannot read dashboard JSON imported/huge.json: line 1: {SAYS}" in output


def test_a_date_with_no_such_day_is_read_as_go_yaml_reads_it(tmp_path: Path) -> None:
    """PyYAML takes `2023-02-30` for a date and fails to make it (a plain ValueError); the Go YAML
    Prometheus and Grafana read files with takes it for the string it spells (promtool passes
    the file). The linter reads it so, where it refused the file; grafana.yaml, gac's own, still
    refuses it, naming the file and line."""
    path = tmp_path / "rules.yaml"
    path.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n"
                    "    labels: {severity: page, when: 2023-02-30}\n    annotations: {summary: s}\n")
    code, output = gac("lint", str(path))
    assert code == 0 and "cannot read" not in output
    assert lint_paths([path], LintConfig()) == []
    if shutil.which("promtool"):  # the reference reader agrees (CI installs it)
        assert subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True).returncode == 0
    root = copy_project(tmp_path / "project")
    line = (root / "grafana.yaml").read_text().count("\n") + 2
    (root / "grafana.yaml").write_text((root / "grafana.yaml").read_text() + "\nx_when: 2023-02-30\n")
    code, output = gac("build", "--root", str(root))
    assert code == 2 and f"grafana.yaml:{line}:9: not valid YAML: not a valid timestamp: write one, or make it a string" \
        in output


def test_yaml_scalars_are_read_as_go_yaml_reads_them(tmp_path: Path) -> None:
    """Prometheus and Grafana read YAML with gopkg.in/yaml.v3, whose `resolve` is not YAML 1.1's:
    `yes`, `no`, `on`, `off` are strings there (PyYAML made `off:` the key False and a label
    `no` the value False), `1.0e+400` is the string it spells (PyYAML: infinity), `0o17` is 15
    and `1:30` a string (PyYAML: a string and 90). A required label whose value is no string
    (`priority: 0`) is present: Go reads it as its text."""
    from generator.lint.loaders import load

    path = tmp_path / "rules.yaml"
    path.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n"
                    "    labels: {severity: no, priority: 0, page: yes, big: 1.0e+400, mode: 0o17, at: 1:30,\n"
                    "             off: x, t: true, n: ~, f: 1.50, u: 1_000}\n    annotations: {summary: s}\n")
    labels = load(path)[0].data["groups"][0]["rules"][0]["labels"]
    assert labels == {"severity": "no", "priority": 0, "page": "yes", "big": "1.0e+400", "mode": 15, "at": "1:30",
                      "off": "x", "t": True, "n": None, "f": 1.5, "u": 1000}
    config = LintConfig(required_labels=("severity", "priority", "n"))
    missing = [f.message for f in lint_paths([path], config) if f.rule == "alert-missing-label"]
    assert missing == ["alert has no n label"]
    if shutil.which("promtool"):  # the reference reader takes the file (CI installs it)
        assert subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("value", ["!!int", "!!float", "!!bool", "!!timestamp x", "!!int not-a-number"])
def test_a_tagged_value_that_is_none_of_its_tag_is_said_with_its_line(tmp_path: Path, value: str) -> None:
    """PyYAML's safe constructors fail on `!!int` with nothing after it, `!!bool`, `!!timestamp x`
    with an IndexError, KeyError or AttributeError: a traceback. The linter and grafana.yaml's
    reader say it at the value's line, without quoting the value (it may be a secret)."""
    name = value.split()[0][2:]
    says = f"not valid YAML: not a valid {name}: write one, or make it a string (quoted, with no !!{name} tag)"
    path = tmp_path / "rules.yaml"
    path.write_text(f"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels:\n      x: {value}\n")
    code, output = gac("lint", str(path))
    assert code == 2 and f"{path}:7:10: {says}" in output
    root = copy_project(tmp_path / "project")
    config = root / "grafana.yaml"
    line = config.read_text().count("\n") + 2
    config.write_text(config.read_text() + f"\nx_tagged: {value}\n")
    code, output = gac("build", "--root", str(root))
    assert code == 2 and f"grafana.yaml:{line}:11: {says}" in output
    assert "not-a-number" not in output


def test_a_merge_key_where_it_merges_nothing_is_a_string(tmp_path: Path) -> None:
    """yaml.v3 reads a plain `<<` that is no key as the string it spells; PyYAML had no
    constructor for it, and the linter refused the file as no YAML."""
    from generator.lint.loaders import load

    path = tmp_path / "rules.yaml"
    path.write_text("base: &b {severity: page}\ngroups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n"
                    "    labels:\n      <<: *b\n      arrow: <<\n    annotations: {summary: [<<]}\n")
    rule = load(path)[0].data["groups"][0]["rules"][0]
    assert rule["labels"] == {"severity": "page", "arrow": "<<"} and rule["annotations"] == {"summary": ["<<"]}


def test_a_document_nested_too_deeply_is_said_by_every_reader(tmp_path: Path) -> None:
    """json's and PyYAML's readers recurse: a document nested deeper than Python's recursion limit
    raised a RecursionError (a traceback); each reader names the file instead."""
    deep = "[" * 100_000 + "]" * 100_000
    says = f"nested too deeply (more than about {sys.getrecursionlimit():,} levels)"
    path = tmp_path / "dash.json"
    path.write_text('{"uid": "a", "panels": %s}' % deep)
    code, output = gac("lint", str(path))
    assert code == 2 and f"{path}: cannot read: {says}" in output
    root = copy_project(tmp_path / "project")
    test_file = root / "alerts" / "tests" / "deep.yaml"
    test_file.write_text(f"tests: {deep}\n")
    code, output = gac("test", "--root", str(root))
    assert code == 2 and f"alerts/tests/deep.yaml: cannot read test file: {says}" in output
    test_file.unlink()
    (root / "grafana.yaml").write_text((root / "grafana.yaml").read_text() + f"\nx_deep: {deep}\n")
    code, output = gac("build", "--root", str(root))
    assert code == 2 and f"grafana.yaml: cannot read: {says}" in output


def test_nan_and_the_infinities_are_no_json_to_any_reader_nor_to_the_build(tmp_path: Path) -> None:
    """Python's json reads and writes `NaN` and `Infinity`; Grafana (Go's encoding/json) refuses a
    document holding them. Each reader says so naming the file, and the build refuses to write
    one, naming the definition and where the value stands in it."""
    says = "NaN is not JSON (Grafana refuses it): write a number or null"
    path = tmp_path / "dash.json"
    path.write_text('{"uid": "a", "title": "NaN",\n "panels": [{"type": "stat", "fieldConfig": {"min": NaN}}]}')
    code, output = gac("lint", str(path))
    assert code == 2 and f"{path}: cannot read: line 2: {says}" in output  # not the title's NaN

    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(REPO / "generated", old)
    shutil.copytree(REPO / "generated", new)
    loki = new / "datasources" / "loki.json"
    loki.write_text(loki.read_text().replace('"maxLines": ', '"maxLines": NaN, "was": '))
    code, output = gac("diff", str(old), str(new))
    line = loki.read_text().count("\n", 0, loki.read_text().index("NaN")) + 1
    assert code == 2 and f"{new}/datasources/loki.json: not valid JSON (line {line}: {says})" in output
    with pytest.raises(GacError, match=f"loki.json: not valid JSON \\(line {line}: NaN is not JSON"):
        load_resources(new)

    root = copy_project(tmp_path / "project")
    write(root, "dashboards/nan_dash.py", """
        from grafanalib import core as g

        from generator.builders import DashboardDef

        from dashboards.folders import platform

        nan_dash = DashboardDef(g.Dashboard(title="NaN", uid="nan-dash", panels=[
            g.TimeSeries(title="x", gridPos=g.GridPos(h=8, w=12, x=0, y=0),
                         extraJson={"fieldConfig": {"defaults": {"max": float("inf")}}})]), folder=platform)
        """)
    code, output = gac("build", "--root", str(root))
    assert code == 2 and "dashboards/nan_dash.py:7: dashboard 'nan-dash': panels[0].fieldConfig.defaults.max is " \
        "inf, which JSON cannot hold (Grafana refuses the file); use a finite number or null" in output
    assert not (root / "generated").exists()
    (root / "dashboards" / "nan_dash.py").unlink()
    (root / "dashboards" / "imported").mkdir()
    (root / "dashboards" / "imported" / "nan.json").write_text('{"uid": "n", "title": "N", "x": -Infinity}')
    write(root, "dashboards/imported_nan.py", """
        from generator.builders import JsonDashboard

        from dashboards.folders import platform

        imported = JsonDashboard("imported/nan.json", folder=platform)
        """)
    code, output = gac("build", "--root", str(root))
    assert code == 2 and "dashboards/imported_nan.py:5: cannot read dashboard JSON imported/nan.json: line 1: " \
        "-Infinity is not JSON" in output


BEYOND = "is beyond what a JSON number holds in Grafana (float64, up to about 1.8e308): write a smaller number"


@pytest.mark.parametrize("number, shown", [
    ("1E400", "1E400"), ("-1.5e+309", "-1.5e+309"), ("9" * 400 + ".5", "9" * 37 + "..."),
])
def test_a_number_beyond_float64_is_no_json_to_any_reader(tmp_path: Path, number: str, shown: str) -> None:
    """Python reads `1E400` as infinity; Go's encoding/json refuses it ("cannot unmarshal number
    1E400 into Go value of type float64"), so Grafana refuses the document. Every reader says so,
    naming the file and the number's line (not the line of a string that spells it)."""
    path = tmp_path / "dash.json"
    path.write_text('{"uid": "a", "title": "%s",\n "panels": [{"type": "stat", "fieldConfig": {"max": %s}}]}'
                    % (number, number))
    code, output = gac("lint", str(path))
    assert code == 2 and f"{path}: cannot read: line 2: {shown} {BEYOND}" in output

    new = tmp_path / "new"
    shutil.copytree(REPO / "generated", new)
    loki = new / "datasources" / "loki.json"
    loki.write_text(loki.read_text().replace('"maxLines": ', '"was": %s, "maxLines": ' % number))
    with pytest.raises(GacError, match="loki.json: not valid JSON \\(line [0-9]+: .*is beyond what a JSON number"):
        load_resources(new)

    root = copy_project(tmp_path / "project")
    (root / "dashboards" / "imported").mkdir()
    (root / "dashboards" / "imported" / "big.json").write_text('{"uid": "n", "title": "N", "x": %s}' % number)
    write(root, "dashboards/imported_big.py", """
        from generator.builders import JsonDashboard

        from dashboards.folders import platform

        imported = JsonDashboard("imported/big.json", folder=platform)
        """)
    code, output = gac("build", "--root", str(root))
    assert code == 2 and f"imported/big.json: line 1: {shown} {BEYOND}" in output
    assert not (root / "generated").exists()


def test_large_and_small_numbers_within_float64_still_read(tmp_path: Path) -> None:
    """The largest float64, a number that rounds to it, and one that underflows to zero are numbers
    to Go's encoding/json as to Python's: no error."""
    path = tmp_path / "dash.json"
    path.write_text('{"uid": "a", "title": "t", "version": 1, "panels": [{"type": "stat", "title": "s", "id": 1,'
                    ' "gridPos": {"x": 0, "y": 0, "w": 4, "h": 4}, "fieldConfig": {"defaults": {"unit": "s",'
                    ' "max": 1.7976931348623157e308, "min": -1e-400, "decimals": 1.0}}}]}')
    code, output = gac("lint", str(path))
    assert code in (0, 1) and "cannot read" not in output


WEIRD: list[object] = [None, 1, True, "s", [], {}, [1], [None], {"a": 1}, {"list": 1}, {"list": [1]}]


#: one document of each kind gac lints, with a value of every kind Grafana writes in it
KINDS: dict[str, dict[str, object]] = {
    "dashboard": {
        "uid": "w", "title": "t", "panels": [
            {"id": 1, "type": "graph", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
             "datasource": {"type": "prometheus", "uid": "p"},
             "targets": [{"refId": "A", "expr": "up", "legendFormat": "{{job}}", "datasource": {"type": "prometheus"}}],
             "fieldConfig": {"defaults": {"unit": "s"}, "overrides": [{"properties": [{"id": "unit", "value": "s"}]}]},
             "yaxes": [{"format": "s"}], "styles": [{"unit": "s"}]}],
        "rows": [{"repeat": "job", "panels": [{"type": "graph", "title": "r"}]}],
        "templating": {"list": [{"name": "job", "type": "query", "query": "label_values(up, job)",
                                 "datasource": {"type": "prometheus", "uid": "p"}}]},
        "annotations": {"list": [{"name": "a", "expr": "up", "datasource": {"type": "prometheus", "uid": "p"}}]},
        "__inputs": [{"name": "DS", "pluginId": "prometheus"}]},
    "prometheus-rules": {"groups": [{"name": "g", "interval": "1m", "rules": [
        {"alert": "A", "expr": "up == 0", "for": "5m", "labels": {"severity": "page"}, "annotations": {"summary": "x"}},
        {"record": "job:up:sum", "expr": "sum by (job) (up)"}]}]},
    "alert-provisioning": {"apiVersion": 1, "groups": [{"orgId": 1, "name": "g", "folder": "f", "interval": "1m", "rules": [
        {"uid": "r1", "title": "T", "condition": "C", "for": "5m", "labels": {"severity": "page"}, "annotations": {"summary": "s"},
         "data": [{"refId": "A", "datasourceUid": "p", "relativeTimeRange": {"from": 600, "to": 0},
                   "model": {"refId": "A", "expr": "up", "instant": True}},
                  {"refId": "C", "datasourceUid": "__expr__", "model": {
                      "refId": "C", "type": "threshold", "expression": "A",
                      "conditions": [{"evaluator": {"type": "gt", "params": [1]}}]}}]}]}]},
    "datasources": {"apiVersion": 1, "datasources": [
        {"name": "Prom", "type": "prometheus", "uid": "p", "url": "http://prom:9090", "access": "proxy",
         "jsonData": {"httpMethod": "POST", "exemplarTraceIdDestinations": [{"name": "trace_id", "datasourceUid": "tempo"}]}},
        {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100", "jsonData": {"derivedFields": [
            {"name": "t", "matcherRegex": "t=(\\w+)", "url": "$${__value.raw}", "datasourceUid": "tempo"}]}},
        {"name": "Tempo", "type": "tempo", "uid": "tempo", "url": "http://tempo:3200",
         "jsonData": {"tracesToLogsV2": {"datasourceUid": "loki"}}}]},
}


def _confused(base: dict[str, object]) -> list[dict[str, object]]:
    """`base` with each of its values replaced, one at a time, by each of WEIRD: a number, string
    or object where Grafana writes a list or an object, and so on: what hand-edited JSON holds."""
    paths: list[tuple[object, ...]] = []

    def walk(value: object, path: tuple[object, ...]) -> None:
        paths.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            walk(item, (*path, key))

    walk(base, ())
    out = []
    for path in paths[1:]:
        for weird in WEIRD:
            doc: Any = json.loads(json.dumps(base))
            holder = doc
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = weird
            out.append(doc)
    return out


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_values_of_the_wrong_type_are_linted_not_crashed_on(tmp_path: Path, kind: str) -> None:
    """Every such document is linted: no exception, and no rule reports a failure of its own. A
    number where `annotations.list`, `rows`, `__inputs`, `overrides`, `yaxes`, `styles`, an alert
    rule's `data` or a group's `rules` belong raised a TypeError in the engine or in the loader;
    one where `derivedFields` or `exemplarTraceIdDestinations` belong, a list as a data source's
    type, or an object as a data source uid, made rules report failures of their own."""
    docs = _confused(KINDS[kind])
    assert len(docs) > 100
    paths = []
    for i, doc in enumerate(docs):
        paths.append(tmp_path / f"d{i:04d}.json")
        paths[-1].write_text(json.dumps(doc))
    problems: list[str] = []
    findings = lint_paths(paths, LintConfig(), problems=problems)
    assert [f.message for f in findings if f.rule == "lint-internal-error"] == []


def _denied(original: Any, refused: Path) -> Any:
    """`original` (os.scandir, Path.read_bytes) refusing `refused` as a file mode would, which
    root, as the tests may run, is not refused by."""
    def call(target: Any = ".") -> Any:
        if Path(target) == refused:
            raise PermissionError(13, "Permission denied", str(target))
        return original(target)
    return call


def test_a_generated_directory_or_file_that_cannot_be_read_is_an_error_never_an_empty_kind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read as empty, an unreadable generated/dashboards made every dashboard "missing", and a
    sync with --prune deleted them from Grafana. A directory that cannot be listed, a file that
    cannot be read, and a file where a kind's directory belongs are each an error naming it."""
    import os

    tree = tmp_path / "generated"
    shutil.copytree(REPO / "generated", tree)
    assert any(r.kind == "dashboard" for r in load_resources(tree))
    dashboards = tree / "dashboards"
    with monkeypatch.context() as patched:
        patched.setattr(os, "scandir", _denied(os.scandir, dashboards))
        with pytest.raises(GacError, match=f"^{dashboards}: cannot read: Permission denied"):
            load_resources(tree)
        code, output = gac("diff", str(REPO / "generated"), str(tree))
        assert code == 2 and f"{dashboards}: cannot read: Permission denied" in output
    one = next(dashboards.rglob("*.json"))
    with monkeypatch.context() as patched:
        patched.setattr(Path, "read_bytes", _denied(Path.read_bytes, one))
        with pytest.raises(GacError, match=f"^{one}: cannot read: Permission denied"):
            load_resources(tree)
    shutil.rmtree(tree / "folders")
    (tree / "folders").write_text("{}")
    with pytest.raises(GacError, match="folders: a file where gac writes a directory"):
        load_resources(tree)
    # gac diff reads the tree alike: not every folder gone, but the same error
    code, output = gac("diff", str(REPO / "generated"), str(tree))
    assert code == 2 and f"{tree}/folders: a file where gac writes a directory of folders objects" in output


@pytest.mark.parametrize("duration", ["-1", "1e300", "inf", "nan"])
def test_a_duration_promql_parser_panics_on_is_an_error_naming_its_place(tmp_path: Path, duration: str,
                                                                           capfd: pytest.CaptureFixture[str]) -> None:
    """promql-parser's parse_duration panics (a Rust panic, then a PanicException traceback) on
    `-1`, `1e300`, `inf` and `nan` rather than refusing them: in a test file's `at:` and in a
    definition's pending period, each is an error naming the file and line, with no panic
    message on stderr."""
    root = copy_project(tmp_path / "project")
    write(root, "alerts/tests/otel-collector.yaml", f"""
        tests:
        - name: t
          rule: otelcol-down
          input_series:
            up{{job="otel-collector", instance="a"}}: 1 1 0 0 0 0 1
          expect:
          - at: '{duration}'
            alerts: []
        """)
    code, output = gac("test", "--root", str(root))
    assert code == 2 and f"alerts/tests/otel-collector.yaml:7: test 't': at: '{duration}' is not a duration" in output
    collector = root / "alerts" / "collector.py"
    collector.write_text(collector.read_text().replace('pending="', f'pending="{duration}" or "', 1))
    code, output = gac("build", "--root", str(root))
    assert code == 2 and f"alert rule 'otelcol-down': pending: not a duration: '{duration}'" in output, output
    assert "panicked" not in capfd.readouterr().err


def test_a_promtool_that_hangs_or_writes_no_utf8_is_a_failed_run_never_a_traceback(tmp_path: Path) -> None:
    """A promtool past its timeout raised TimeoutExpired (a traceback) and left what it started
    running; one writing bytes that are no UTF-8 raised UnicodeDecodeError. The first is a failed
    run that says why, with its process group stopped; the second's output is read with
    replacement characters."""
    import time

    from generator.ruletest.promtool import run_promtool

    pidfile = tmp_path / "child.pid"
    slow = tmp_path / "slow-promtool"
    slow.write_text(f"#!/bin/sh\nsleep 30 &\necho $! > {pidfile}\nwait\n")
    slow.chmod(0o755)
    started = time.monotonic()
    run = run_promtool(str(slow), {"groups": []}, {"tests": []}, timeout=1)
    assert time.monotonic() - started < 10
    assert not run.ok and "did not finish within 1 s" in run.output
    stat = Path(f"/proc/{int(pidfile.read_text())}/stat")
    time.sleep(0.2)  # the promtool's own child is gone too (or a zombie, where nothing reaps it)
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    binary = tmp_path / "binary-promtool"
    binary.write_text("#!/bin/sh\nprintf 'FAILED:\\n\\377\\376 bad bytes\\n'\nexit 1\n")
    binary.chmod(0o755)
    run = run_promtool(str(binary), {"groups": []}, {"tests": []})
    assert not run.ok and "bad bytes" in run.output and "\ufffd" in run.output


def test_fifos_loops_and_undecodable_metrics_files_are_errors_naming_them(tmp_path: Path) -> None:
    """A FIFO given as a file to lint, a --metrics-file or a --config was waited on for ever; a
    symbolic link in a loop was "no such file"; a metrics file that is no UTF-8 was a traceback."""
    import os

    dash = tmp_path / "d.json"
    dash.write_text('{"uid": "d", "title": "D", "panels": []}')
    fifo = tmp_path / "f.json"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    metrics = tmp_path / "m.prom"
    metrics.write_bytes(b"# TYPE up gauge\nup{job=\"\xff\"} 1\n")
    cases = [(["lint", str(fifo)], f"{fifo}: not a regular file"),
             (["lint", str(loop)], f"{loop}: cannot read: Too many levels of symbolic links"),
             (["lint", "--metrics-file", str(fifo), str(dash)], f"{fifo}: not a regular file"),
             (["lint", "--metrics-file", str(metrics), str(dash)], f"{metrics}: not UTF-8 text"),
             (["lint", "--config", str(fifo), str(dash)], f"{fifo}: not a regular file"),
             (["lint", "--config", str(tmp_path), str(dash)], f"{tmp_path}: no grafana.yaml in this directory")]
    for args, says in cases:
        code, output = gac(*args)
        assert code == 2 and says in output, (args, output)


@pytest.mark.parametrize("content, says", [("[]", "a JSON list, not an object"), ("null", "a JSON null, not an object"),
                                           ('{"title": "x"}', "it has no 'uid'")])
def test_a_generated_file_of_the_wrong_shape_is_an_error_naming_it(tmp_path: Path, content: str, says: str) -> None:
    """Valid JSON that is no object gac writes (edited by hand, a merge gone wrong) was a
    TypeError or KeyError traceback in plan and diff."""
    tree = tmp_path / "generated"
    shutil.copytree(REPO / "generated", tree)
    broken = next((tree / "dashboards").rglob("*.json"))
    broken.write_text(content)
    with pytest.raises(GacError, match="not a file `gac build` writes"):
        load_resources(tree)
    code, output = gac("diff", str(REPO / "generated"), str(tree))
    shown = broken.relative_to(tmp_path)  # the diff names the file within its generated/ tree
    assert code == 2 and f"{shown}: not a file `gac build` writes ({says}); run `gac build`" in output, output


def test_a_key_given_twice_is_refused_as_go_yaml_refuses_it(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys silently: a second `environments:` block in
    grafana.yaml dropped the first, and a rule file promtool refuses ("mapping key already
    defined") was linted. Both say the key and both lines; keys merged in with `<<` may still be
    overridden."""
    from generator.lint.loaders import load

    path = tmp_path / "rules.yaml"
    path.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    expr: up == 1\n")
    code, output = gac("lint", str(path))
    assert code == 2 and f"{path}:6:5: not valid YAML: key 'expr' is given twice (also line 5)" in output, output
    if shutil.which("promtool"):  # the reference reader refuses it too (CI installs it)
        checked = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True)
        assert checked.returncode != 0 and 'mapping key "expr" already defined' in checked.stdout + checked.stderr
    merged = tmp_path / "merged.yaml"
    merged.write_text("base: &b {severity: page, team: a}\ngroups:\n- name: g\n  rules:\n  - alert: A\n"
                      "    expr: up\n    labels: {<<: *b, team: b}\n")
    assert load(merged)[0].data["groups"][0]["rules"][0]["labels"] == {"severity": "page", "team": "b"}
    root = copy_project(tmp_path / "project")
    config = root / "grafana.yaml"
    lines = config.read_text().count("\n")
    config.write_text(config.read_text() + "\nenvironments: {}\n")
    code, output = gac("build", "--root", str(root))
    assert code == 2 and f"grafana.yaml:{lines + 2}:1: not valid YAML: key 'environments' is given twice" in output, \
        output
