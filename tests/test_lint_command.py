"""`gac lint` through click's CliRunner: exit codes, options, and locations in real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.lint import RULES
from generator.lint.command import lint_command

CASES = Path(__file__).resolve().parent / "lint_cases"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    result = runner.invoke(lint_command, list(args), catch_exceptions=False)
    stderr = result.stderr if hasattr(result, "stderr") else ""
    return result.exit_code, result.stdout, stderr


def findings(*args: str) -> tuple[int, list[dict]]:
    code, out, _ = run(*args, "--format", "json")
    return code, json.loads(out)


def test_clean_files_exit_0() -> None:
    code, out, _ = run(str(CASES / "clean"))
    assert code == 0
    assert out.strip().endswith("no findings")


def test_errors_exit_1() -> None:
    code, items = findings(str(CASES / "dashboard_legacy.json"), "--datasource", "prom=prometheus")
    assert code == 1
    assert any(f["severity"] == "error" for f in items)


def test_warnings_only_exit_0_and_1_with_strict() -> None:
    path = str(CASES / "datasources.yaml")
    code, items = findings(path)
    assert code == 0
    assert [f["rule"] for f in items] == ["datasource-wrong-port"]
    code, _ = findings(path, "--strict")
    assert code == 1


def test_missing_path_exits_2_naming_it() -> None:
    code, _, err = run(str(CASES / "no-such-file.json"))
    assert code == 2
    assert "no-such-file.json" in err and "Traceback" not in err


@pytest.mark.parametrize("name,where", [("broken.json", "broken.json:2:"), ("broken.yaml", "broken.yaml:")])
def test_unreadable_files_exit_2_naming_file_and_place(name: str, where: str) -> None:
    code, _, err = run(str(CASES / name))
    assert code == 2
    assert where in err and "not valid" in err


def test_non_json_yaml_file_is_a_usage_error() -> None:
    code, _, err = run(str(CASES / "collector.prom"))
    assert code == 2
    assert "--metrics-file" in err


def test_directory_is_linted_recursively_but_skips_other_files(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "d.json").write_text((CASES / "dashboard_legacy.json").read_text())
    (nested / "notes.txt").write_text("not linted")
    code, items = findings(str(tmp_path))
    assert code == 1
    assert {Path(f["file"]).name for f in items} == {"d.json"}


def test_every_panel_is_linted_legacy_rows_and_collapsed_rows() -> None:
    _, items = findings(str(CASES / "dashboard_legacy.json"))
    syntax = sorted((f["panel"], f["ref_id"]) for f in items if f["rule"] == "promql-syntax")
    assert syntax == [("Hidden in a collapsed row", "B"), ("Old graph", "A")]
    assert any(f["rule"] == "panel-type-deprecated" and f["panel"] == "Old graph" for f in items)


def test_json_locations_point_at_the_character() -> None:
    _, items = findings(str(CASES / "dashboard_legacy.json"))
    lines = (CASES / "dashboard_legacy.json").read_text().splitlines()
    for f in (f for f in items if f["rule"] == "promql-syntax"):
        # the unclosed parenthesis of the expression, in the file as written
        assert lines[f["line"] - 1][f["column"] - 1] == "(", f


def test_yaml_block_scalar_locations() -> None:
    _, items = findings(str(CASES / "rules.yaml"))
    (f,) = [f for f in items if f["rule"] == "promql-syntax"]
    line = (CASES / "rules.yaml").read_text().splitlines()[f["line"] - 1]
    assert line.strip().startswith("sum by (receiver)")
    assert line[f["column"] - 1] == "("
    assert f["alert"] == "CollectorRefusingSpans" and f["group"] == "collector"


def test_provisioning_yaml_with_bare_equals_is_read() -> None:
    """The PyYAML gotcha of corpus/MANIFEST.md: `[[monitor, =, testdata]]` must not fail the load."""
    code, items = findings(str(CASES / "alerts_provisioning.yaml"))
    assert code == 1
    assert [f["rule"] for f in items] == ["alert-condition-unknown"]


def test_prometheus_rule_crd_is_linted(tmp_path: Path) -> None:
    text = (CASES / "prometheusrule.yaml").read_text().replace("otelcol_exporter_queue_capacity > 0.9",
                                                                 "otelcol_exporter_queue_capacity >")
    (tmp_path / "crd.yaml").write_text(text)
    code, items = findings(str(tmp_path / "crd.yaml"))
    assert code == 1 and [f["rule"] for f in items] == ["promql-syntax"]


def test_list_rules() -> None:
    code, out, _ = run("--list-rules")
    assert code == 0
    for rule_id in RULES:
        assert rule_id in out
    assert "Bad:" in out and "Good:" in out
    code, out, _ = run("--list-rules", "--format", "json")
    assert {r["id"] for r in json.loads(out)} == set(RULES)


def test_declared_datasource_option_and_bad_value() -> None:
    code, items = findings(str(CASES / "dashboard_legacy.json"), "--datasource", "prom=prometheus")
    assert any(f["rule"] == "datasource-ref-unresolved" for f in items)  # "Prometheus" names nothing declared
    code, _, err = run(str(CASES / "clean"), "--datasource", "nonsense")
    assert code == 2 and "UID=TYPE" in err


def test_metrics_file_checks_every_name(tmp_path: Path) -> None:
    dash = json.loads((CASES / "clean" / "dashboard.json").read_text())
    dash["panels"][1]["targets"][0]["expr"] = "sum(app_queue_dept)"
    (tmp_path / "d.json").write_text(json.dumps(dash))
    _, items = findings(str(tmp_path / "d.json"))
    assert not [f for f in items if f["rule"] == "promql-unknown-metric"]  # no catalog for app_* names
    _, items = findings(str(tmp_path / "d.json"), "--metrics-file", str(CASES / "collector.prom"))
    unknown = [f for f in items if f["rule"] == "promql-unknown-metric"]
    assert len(unknown) == 1 and "app_queue_depth" in unknown[0]["message"]


def test_metrics_file_types_decide_rate_rules(tmp_path: Path) -> None:
    dash = json.loads((CASES / "clean" / "dashboard.json").read_text())
    dash["panels"][1]["targets"][0]["expr"] = "sum(rate(app_queue_depth[5m]))"
    (tmp_path / "d.json").write_text(json.dumps(dash))
    _, items = findings(str(tmp_path / "d.json"), "--metrics-file", str(CASES / "collector.prom"))
    assert [f["rule"] for f in items if f["rule"].startswith("promql-rate")] == ["promql-rate-non-counter"]


def test_config_disables_rules_and_changes_severity(tmp_path: Path) -> None:
    (tmp_path / "grafana.yaml").write_text(
        "lint:\n  rules:\n    promql-syntax: off\n    panel-type-deprecated: error\n"
        "  datasources:\n    prom: prometheus\n")
    code, items = findings(str(CASES / "dashboard_legacy.json"), "--config", str(tmp_path / "grafana.yaml"))
    assert not [f for f in items if f["rule"] == "promql-syntax"]
    assert [f["severity"] for f in items if f["rule"] == "panel-type-deprecated"] == ["error"]


def test_config_with_unknown_rule_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "grafana.yaml").write_text("lint:\n  rules:\n    promql-sintax: off\n")
    code, _, err = run(str(CASES / "clean"), "--config", str(tmp_path / "grafana.yaml"))
    assert code == 2 and "promql-syntax" in err  # the suggestion


def test_quiet_prints_only_failing_findings() -> None:
    code, out, _ = run(str(CASES / "datasources.yaml"), "--quiet")
    assert code == 0 and out == ""
    code, out, _ = run(str(CASES / "dashboard_legacy.json"), "--quiet")
    assert code == 1 and "panel-type-deprecated" not in out and "promql-syntax" in out


def test_project_mode_uses_compile_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without paths the command lints what generator.compile.compile_project returns."""
    from generator import compile as compile_module
    from generator.resource import Resource, Source

    body = json.loads((CASES / "dashboard_legacy.json").read_text())["dashboard"]
    body["uid"] = "legacy"
    resource = Resource("dashboard", "legacy", body, "otel", Source("dashboards/legacy.py", 7))
    monkeypatch.setattr(compile_module, "compile_project", lambda root: [resource])
    (tmp_path / "grafana.yaml").write_text("environments: {}\n")
    code, items = findings("--root", str(tmp_path))
    assert code == 1
    assert {f["file"] for f in items} == {"dashboards/legacy.py"}
    assert {f["line"] for f in items} == {7}


def test_locations_inside_strings_for_variables_and_legends(tmp_path: Path) -> None:
    dash = json.loads((CASES / "clean" / "dashboard.json").read_text())
    target = dash["panels"][1]["targets"][0]
    target["expr"] = 'sum by (receiver) (rate(otelcol_receiver_accepted_spans_total{pod="$pod"}[5m]))'
    target["legendFormat"] = "{{receiver}} on {{instance}}"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dash, indent=1))
    _, items = findings(str(path))
    lines = path.read_text().splitlines()
    at = {f["rule"]: lines[f["line"] - 1][f["column"] - 1:] for f in items}
    assert at["template-variable-undefined"].startswith("$pod")
    assert at["promql-legend-label"].startswith("{{instance}}")


def test_env_option_selects_one_environment(tmp_path: Path) -> None:
    (tmp_path / "grafana.yaml").write_text(
        "environments:\n  local:\n    datasources: {prom: {url: 'http://prometheus:9090'}}\n"
        "  broken:\n    datasources: {prom: {url: 'http://collector:8889'}}\n")
    ds = tmp_path / "prom.json"
    ds.write_text(json.dumps({"uid": "prom", "name": "P", "type": "prometheus", "access": "proxy",
                              "url": "${datasources.prom.url}"}))
    cfg = str(tmp_path / "grafana.yaml")
    code, items = findings(str(ds), "--config", cfg)
    assert code == 1 and [f["rule"] for f in items] == ["datasource-exposition-endpoint"]
    code, items = findings(str(ds), "--config", cfg, "--env", "local")
    assert code == 0 and items == []
    code, _, err = run(str(ds), "--config", cfg, "--env", "nope")
    assert code == 2 and "nope" in err


def test_a_broken_file_in_a_directory_does_not_hide_the_others_findings(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.yaml").write_text("a: [\n")
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "legacy.json").write_text((CASES / "dashboard_legacy.json").read_text())
    code, out, err = run(str(tmp_path), "--datasource", "prom=prometheus", "--format", "sarif")
    assert code == 2
    results = json.loads(out)["runs"][0]["results"]
    assert results and all("legacy.json" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                           for r in results)
    assert "bad.yaml:2:1: not valid YAML" in err
    assert "empty.json: the file is empty" in err


@pytest.mark.parametrize("content", ["[]", "null", '{"foo": 1}'])
def test_a_named_file_with_nothing_to_lint_says_so(tmp_path: Path, content: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(content)
    code, _, err = run(str(path))
    assert code == 2
    assert f"{path}: not a Grafana dashboard" in err and "nothing in it to lint" in err


def test_contact_points_declared_in_lint_notifications_count_as_defined(tmp_path: Path) -> None:
    """`lint.notifications` (README, the schema) was refused as an unknown key of `lint`: a
    policy routing to a contact point managed elsewhere could not be declared."""

    from generator.cli import main
    from tests.project import copy_project

    root = copy_project(tmp_path / "project")
    policies = root / "alerts" / "notifications.py"
    policies.write_text(policies.read_text().replace('receiver=oncall, repeat_interval="1h"',
                                                     'receiver="external-oncall", repeat_interval="1h"'))
    result = CliRunner().invoke(main, ["lint", "--root", str(root)])
    assert result.exit_code == 1 and "contact point 'external-oncall', which is not defined" in result.output
    config = root / "grafana.yaml"
    config.write_text(config.read_text().replace("lint:\n", "lint:\n  notifications: {contact_points: [external-oncall]}\n", 1))
    result = CliRunner().invoke(main, ["lint", "--root", str(root)])
    assert result.exit_code == 0 and "external-oncall" not in result.output, result.output


@pytest.mark.parametrize("command", ["lint", "test", "build", "check"])
def test_a_root_that_does_not_exist_is_a_usage_error(tmp_path: Path, command: str) -> None:
    """`gac lint --root nodir` said "no findings" and `gac test --root nodir` passed 0 of 0 tests."""
    from generator.cli import main

    result = CliRunner().invoke(main, [command, "--root", str(tmp_path / "nodir")])
    assert result.exit_code == 2 and "does not exist" in result.output, result.output


@pytest.mark.parametrize("args, says", [(["lint", "--prometheus-url", ""], "Invalid value for '--prometheus-url': is empty"),
                                        (["test", "--min-coverage", "nan"], "Invalid value for '--min-coverage': is not a number")])
def test_an_option_given_nothing_or_nan_is_a_usage_error(args: list[str], says: str) -> None:
    """`--prometheus-url ''` ran without the check it asks for, and `--min-coverage nan` was a floor
    no coverage is below."""
    from generator.cli import main

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and says in result.output, result.output
