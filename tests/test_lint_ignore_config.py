"""grafana.yaml's `lint.ignore`, `lint.catalog.metrics_files` and `collector.version`, through the real
command: an ignore entry without a rule hid every finding (a query that does not parse was built and
synced), an unknown rule in one silenced nothing without a word, a metrics file that could not be
read was named without its key, and an unquoted version was refused without saying to quote it.
Each refusal names grafana.yaml and the key, exits 2 and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.project import copy_project
from tests.test_user_trials import assert_usage_error, gac


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The repository's definitions with one query that does not parse (`promql-syntax`, an error)."""
    root = copy_project(tmp_path / "repo")
    apm = root / "dashboards/apm.py"
    source = apm.read_text()
    assert source.count('stat("Throughput", f"sum(rate(') == 1
    apm.write_text(source.replace('stat("Throughput", f"sum(rate(', 'stat("Throughput", f"sum(rate((', 1))
    return root


def with_lint(root: Path, section: str) -> None:
    """grafana.yaml's `lint:` replaced by `section`, YAML as a person writes it."""
    text = (root / "grafana.yaml").read_text()
    (root / "grafana.yaml").write_text(text[:text.index("\nlint:")] + "\nlint:\n" + section)


def lint_json(root: Path) -> tuple[int, list[dict]]:
    result = gac("lint", "--root", str(root), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def test_the_broken_query_is_an_error_to_begin_with(project: Path) -> None:
    code, findings = lint_json(project)
    assert code == 1 and [f["rule"] for f in findings if f["severity"] == "error"] == ["promql-syntax"]


@pytest.mark.parametrize("entry, example", [
    ("[{}]", "{rule: RULE-ID}"),
    ("\n    - {dashboard: otel-apm}", "{rule: RULE-ID, dashboard: otel-apm}"),
    ("\n    - {rule: promql-syntax, dashboard: x}\n    - {rule: '', file: 'dashboards/*'}",
     "{rule: RULE-ID, file: dashboards/*}"),
    ("\n    - {rule: null, panel: Throughput}", "{rule: RULE-ID, panel: Throughput}"),
], ids=["empty", "dashboard-only", "empty-rule-second", "null-rule"])
@pytest.mark.parametrize("command", ["lint", "build"])
def test_an_ignore_entry_without_a_rule_is_refused_instead_of_hiding_every_finding(
        project: Path, command: str, entry: str, example: str) -> None:
    with_lint(project, f"  ignore: {entry}\n")
    index = entry.count("- {") - 1 if "- {" in entry else 0
    result = gac(command, "--root", str(project))
    assert_usage_error(result, f"error: {project / 'grafana.yaml'}: lint.ignore[{index}]: names no rule, "
                               "so it would hide the findings of every rule",
                       f"say which rule it silences, e.g. {example}")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert not (project / "generated").exists()


@pytest.mark.parametrize("rule, hint", [("promql-syntx", "; did you mean 'promql-syntax'?"),
                                        ("no-such-rule", " (gac lint --list-rules lists them)")])
@pytest.mark.parametrize("command", ["lint", "build"])
def test_an_unknown_rule_in_an_ignore_entry_is_refused_as_in_lint_rules(
        project: Path, command: str, rule: str, hint: str) -> None:
    with_lint(project, f"  ignore:\n    - {{rule: panel-unit-missing}}\n    - {{rule: {rule}, dashboard: otel-apm}}\n")
    result = gac(command, "--root", str(project))
    assert_usage_error(result, f"error: {project / 'grafana.yaml'}: lint.ignore[1].rule: unknown rule {rule!r}{hint}")
    assert not (project / "generated").exists()


@pytest.mark.parametrize("entry", [
    "{rule: promql-syntax}",
    "{rule: promql-syntax, dashboard: otel-apm}",
    "{rule: promql-syntax, dashboard: otel-apm, panel: Throughput}",
    "{rule: promql-syntax, file: '*dashboards/apm.py'}",
])
def test_an_entry_naming_its_rule_hides_that_rules_matching_findings(project: Path, entry: str) -> None:
    with_lint(project, f"  ignore:\n    - {entry}\n")
    code, findings = lint_json(project)
    assert code == 0 and "promql-syntax" not in {f["rule"] for f in findings}
    assert gac("build", "--root", str(project)).exit_code == 0


@pytest.mark.parametrize("entry", [
    "{rule: panel-unit-missing}",  # another rule
    "{rule: promql-syntax, dashboard: otel-collector}",  # another dashboard
    "{rule: promql-syntax, file: 'alerts/*'}",
    "{rule: promql-syntax, dashboard: otel-apm, panel: Latency}",
])
def test_an_entry_hides_nothing_it_does_not_match(project: Path, entry: str) -> None:
    with_lint(project, f"  ignore:\n    - {entry}\n")
    code, findings = lint_json(project)
    assert code == 1 and "promql-syntax" in {f["rule"] for f in findings}


@pytest.mark.parametrize("setting, key", [("[ops/nope.prom]", "lint.catalog.metrics_files[0]"),
                                          ("ops/nope.prom", "lint.catalog.metrics_files")])
@pytest.mark.parametrize("command", ["lint", "build"])
def test_a_metrics_file_that_cannot_be_read_is_named_with_its_key_and_resolved_path(
        project: Path, command: str, setting: str, key: str) -> None:
    with_lint(project, f"  catalog:\n    metrics_files: {setting}\n")
    result = gac(command, "--root", str(project))
    assert_usage_error(result, f"error: {project / 'grafana.yaml'}: {key}: cannot read metrics file "
                               f"{project / 'ops/nope.prom'}: No such file or directory",
                       "a relative path is taken from grafana.yaml's directory", "fix the path")
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_a_metrics_file_that_is_a_directory_is_named_with_its_key(project: Path) -> None:
    (project / "ops.prom").mkdir()
    with_lint(project, "  catalog:\n    metrics_files: [ops.prom]\n")
    assert_usage_error(gac("lint", "--root", str(project)),
                       f"{project / 'grafana.yaml'}: lint.catalog.metrics_files[0]: {project / 'ops.prom'} "
                       "is not a regular file")


def test_a_metrics_file_relative_to_grafana_yaml_is_read(project: Path) -> None:
    (project / "ops").mkdir()
    (project / "ops/collector.prom").write_text("# TYPE up gauge\nup 1\n")
    with_lint(project, "  catalog:\n    metrics_files: [ops/collector.prom]\n")
    code, _ = lint_json(project)
    assert code == 1  # the broken query, and no error about the file


@pytest.mark.parametrize("where, yaml_text", [
    ("collector.version", 'collector:\n  version: 0.146\n'),
    ("environments.prod.collector.version", '  prod:\n    collector:\n      version: 0.153\n'),
], ids=["top-level", "environment"])
def test_an_unquoted_collector_version_says_to_quote_it(project: Path, where: str, yaml_text: str) -> None:
    text = (project / "grafana.yaml").read_text()
    if where == "collector.version":
        text = text.replace('collector:\n  version: "0.146"\n', yaml_text)
    else:
        text = text.replace("  prod:\n", yaml_text, 1)
    (project / "grafana.yaml").write_text(text)
    for command in ("lint", "build"):
        assert_usage_error(gac(command, "--root", str(project)), f"{project / 'grafana.yaml'}: 1 problem(s)",
                           f'{where}: expected a string, found a number: quote it (version: "0.146"), '
                           "as YAML reads an unquoted 0.10 as the number 0.1")
