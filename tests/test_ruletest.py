"""`gac test` on the project: its rule tests pass with the real promtool, a broken rule fails
with its definition line, bad input exits 2 with a message, coverage is reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.paths import REPO
from tests.project import copy_project, write

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                                    reason="promtool is not on PATH (apt-get install prometheus)")


def gac(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `gac test` in `root`, as a user would (relative source paths, real exit codes)."""
    return subprocess.run([sys.executable, "-m", "generator", "test", *args], cwd=root, capture_output=True,
                          text=True, env=os.environ | {"PYTHONPATH": str(REPO)}, check=False, timeout=300)


@needs_promtool
def test_project_rule_tests_pass_with_full_coverage() -> None:
    proc = gac(REPO, "--format", "json", "--min-coverage", "100")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["coverage"]["percent"] == 100.0 and not data["coverage"]["not_testable"]
    by_rule: dict[str, list[str]] = {}
    for result in data["results"]:
        assert result["status"] == "passed"
        by_rule.setdefault(result["rule"], []).append(result["name"])
    # every project rule has a case that fires and one that does not
    assert len(by_rule) == 7 and all(len(names) >= 2 for names in by_rule.values())


@needs_promtool
def test_a_rule_change_that_breaks_a_test_fails_with_the_definition_line(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    shutil.copytree(REPO / "alerts" / "tests", root / "alerts" / "tests", dirs_exist_ok=True)
    collector = root / "alerts" / "collector.py"
    text = collector.read_text()
    assert 'pending="2m"' in text
    collector.write_text(text.replace('pending="2m"', 'pending="1m"'))
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("collector_down = AlertRule("))
    proc = gac(root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"rule otelcol-down (alerts/collector.py:{line})" in proc.stdout
    assert "FAIL alerts/tests/otel-collector.yaml:6: collector down fires after 2 minutes" in proc.stdout
    assert "alerts at 3m differ" in proc.stdout and "expected: []" in proc.stdout
    junit = gac(root, "--format", "junit")
    assert junit.returncode == 1 and "<failure" in junit.stdout and "alerts/collector.py" in junit.stdout
    quiet = gac(root, "--quiet")  # the failure and the summary, not the tests that passed
    assert quiet.returncode == 1 and "ok  " in proc.stdout and "ok  " not in quiet.stdout
    assert quiet.stdout.splitlines() == [l for l in proc.stdout.splitlines() if not l.startswith("ok  ")]


@needs_promtool
def test_coverage_lists_untested_rules_and_min_coverage_fails(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    shutil.rmtree(root / "alerts" / "tests", ignore_errors=True)
    write(root, "alerts/tests/only.yaml", """
        tests:
          - name: down
            rule: otelcol-down
            input_series: {'up{job="otel-collector", instance="a"}': '0 0 0'}
            expect: [{at: 2m, alerts: [{labels: {__name__: up, job: otel-collector, instance: a}}]}]
    """)
    proc = gac(root, "--coverage")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no tests:      svc-error-ratio (alerts/services.py:" in proc.stdout
    assert "rule coverage 14% (1 of 7 rules)" in proc.stdout
    low = gac(root, "--min-coverage", "50")
    assert low.returncode == 1 and "below --min-coverage 50%" in low.stderr


@pytest.mark.parametrize(("content", "message"), [
    ("tests: 3", "expected a mapping with a `tests:` list"),
    ("tests: [{name: x, rule: nope, input_series: {}, expect: [{at: 1m, alerts: []}]}]",
     "names rule 'nope', which is not defined"),
    ("tests: [{name: x, rule: otelcol-down, input_series: {}, expect: [{at: 90s, alerts: []}]}]",
     "at 90s is not an evaluation of group 'otel-collector' (every 1m)"),
    ("tests: [{name: x, rule: otelcol-down, input_series: {}, expect: [{at: soon, alerts: []}]}]",
     "'soon' is not a duration"),
    ("tests: [{name: x, rule: otelcol-down, input_series: {}, expect: [{at: 1m, alerts: []}], extra: 1}]",
     "unknown key 'extra' in a test"),
    ("tests: [{name: x, rule: otelcol-down, input_series: {}, expect: [{at: 1m, alerts: [{annotations: {nope: y}}]}]}]",
     "asserts annotation(s) nope, which rule otelcol-down"),
    ("tests: [", "cannot read test file"),
])
def test_bad_test_files_exit_2_with_the_place(tmp_path: Path, content: str, message: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path)
    shutil.rmtree(root / "alerts" / "tests", ignore_errors=True)
    write(root, "alerts/tests/bad.yaml", content)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 2, result.output
    assert "alerts/tests/bad.yaml" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_a_test_file_that_is_not_yaml_is_one_line_with_its_place(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML's own message spans five lines and quotes the line (which may hold anything pasted)."""
    root = copy_project(tmp_path)
    shutil.rmtree(root / "alerts" / "tests", ignore_errors=True)
    write(root, "alerts/tests/bad.yaml", "tests: [1, 2\n# pasted-token-0123\n")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: alerts/tests/bad.yaml:3:1: cannot read test file: not valid YAML: expected ")
    assert "pasted-token" not in result.output and "^" not in result.output


def test_missing_promtool_exits_2_with_the_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 2
    assert "promtool (Prometheus's) is not on PATH" in result.output and "apt-get install -y prometheus" in result.output


def test_an_unknown_rule_uid_is_an_error_not_zero_tests_passed() -> None:
    result = CliRunner().invoke(main, ["test", "--root", str(REPO), "--rule", "otelcol-dwn"])
    assert result.exit_code == 2
    assert "--rule otelcol-dwn: no alert rule with that uid" in result.output and "otelcol-down" in result.output
