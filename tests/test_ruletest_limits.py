"""`gac test` cannot be made to eat the machine, nor to misread a broken promtool: a test file
asking too much (samples, evaluations, YAML values) is refused with exit 2 before promtool runs;
promtool output that is not its test report is exit 2, never a failed or passed test; the JUnit
report is well-formed XML whatever the test names and failures hold."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.ruletest import limits
from generator.ruletest.limits import MAX_EVALUATIONS, MAX_SAMPLES, MAX_YAML_VALUES, LimitExceeded
from generator.ruletest.model import Check, CaseResult, Failure, Report, RuleInfo, TestCase, Translation
from generator.ruletest.report import junit
from generator.ruletest.testfile import load_cases
from tests.project import copy_project, write

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                                    reason="promtool is not on PATH (apt-get install prometheus)")

UP_A = "'up{job=\"otel-collector\", instance=\"a\"}'"
SHOWN = "alerts/tests/t.yaml"


def one_test(values: str, at: str = "2m", name: str = "big") -> str:
    return (f"tests:\n  - name: {name}\n    rule: otelcol-down\n    input_series: {{{UP_A}: '{values}'}}\n"
            f"    expect: [{{at: {at}, alerts: []}}]\n")


def fake_promtool(folder: Path, script: str) -> Path:
    """A `promtool` in `folder` running `script` (sh); it leaves `ran` beside it when run."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "promtool"
    path.write_text(f"#!/bin/sh\ntouch '{folder / 'ran'}'\n{script}\n")
    path.chmod(0o755)
    return path


def gac_test(tmp_path: Path, content: str, monkeypatch: pytest.MonkeyPatch, promtool_script: str | None = None,
             *args: str) -> tuple[int, str]:
    """`gac test` on the project with `content` as its only test file; with `promtool_script`,
    a fake promtool running it comes first on PATH."""
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / "alerts" / "tests", ignore_errors=True)
    write(root, "alerts/tests/t.yaml", content)
    monkeypatch.chdir(root)
    if promtool_script is not None:
        fake_promtool(tmp_path / "bin", promtool_script)
        monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    result = CliRunner().invoke(main, ["test", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def load(tmp_path: Path, content: str) -> list[TestCase]:
    path = tmp_path / "t.yaml"
    path.write_text(content)
    return load_cases(path, SHOWN)


def case(values: dict[str, str], at: str = "1m") -> TestCase:
    return TestCase(SHOWN, 2, "t", "r", None, values, (Check(at, ()),))


# -- input samples ---------------------------------------------------------------------------

def test_samples_are_counted_from_the_notation_across_series_without_expanding() -> None:
    limits.check_samples(case({"a": f"1+1x{MAX_SAMPLES - 1}"}))  # exactly the limit
    limits.check_samples(case({"a": f"0x{MAX_SAMPLES // 2 - 1}", "b": f"_x{MAX_SAMPLES // 2 - 1}"}))
    with pytest.raises(LimitExceeded) as err:
        limits.check_samples(case({"a": f"0x{MAX_SAMPLES // 2}", "b": f"1 2 3 _x{MAX_SAMPLES // 2}"}))
    assert str(err.value).startswith(f"{SHOWN}:2: test 't': its input series expand to 2,000,004 samples "
                                     "(series 'b' alone to 1,000,003)")
    started = time.monotonic()
    with pytest.raises(LimitExceeded):  # a count no machine could expand
        limits.check_samples(case({"a": "1+1x" + "9" * 40}))
    assert time.monotonic() - started < 1


def test_too_many_samples_is_exit_2_naming_file_test_and_what_to_do_and_promtool_is_not_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = gac_test(tmp_path, one_test(f"1 1+1x{MAX_SAMPLES}"), monkeypatch, "exit 0")
    assert code == 2, output
    assert "alerts/tests/t.yaml:2: test 'big': its input series expand to 2,000,002 samples" in output
    assert "gac test allows 2,000,000 per test" in output and "give fewer samples" in output
    assert not (tmp_path / "bin" / "ran").exists()


# -- evaluations -----------------------------------------------------------------------------

def test_evaluations_are_the_last_at_over_the_group_interval() -> None:
    assert limits.evaluations(case({}, "30d"), 60) == 43_201
    limits.check_evaluations(case({}, f"{MAX_EVALUATIONS - 1}m"), 60)  # 0s and then 49,999 more: the limit
    with pytest.raises(LimitExceeded) as err:
        limits.check_evaluations(case({}, f"{MAX_EVALUATIONS}m"), 60)
    assert str(err.value) == (f"{SHOWN}:2: test 't': its last `at:` (50000m) needs 50,001 evaluations of the rule group "
                              "(one every 1m); gac test allows 50,000 per test: check at 34d17h19m at the latest, or "
                              "split the test into several over shorter spans")
    limits.check_evaluations(case({}, f"{MAX_EVALUATIONS}m"), 120)  # the same time on a 2m group


def test_too_many_evaluations_is_exit_2_before_any_promtool_run(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    content = one_test("0 0 0", name="first") + one_test("0 0", at="100y", name="long").removeprefix("tests:\n")
    code, output = gac_test(tmp_path, content, monkeypatch, "exit 0")
    assert code == 2, output
    assert "alerts/tests/t.yaml:6: test 'long': its last `at:` (100y) needs 52,560,001 evaluations" in output
    assert not (tmp_path / "bin" / "ran").exists()  # not even for the first test


# -- YAML values -----------------------------------------------------------------------------

def test_a_billion_laughs_file_is_refused_while_being_read(tmp_path: Path) -> None:
    lines = ["a: &a ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x']"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    laughs = "\n".join("      " + line for line in lines)  # 10^9 values once expanded
    content = (f"tests:\n  - name: fine\n    rule: otelcol-down\n    input_series: {{{UP_A}: '0'}}\n"
               f"    expect: [{{at: 0s, alerts: []}}]\n"
               f"  - name: laughs\n    rule: otelcol-down\n    input_series:\n{laughs}\n")
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as err:
        load(tmp_path, content)
    assert time.monotonic() - started < 10
    message = str(err.value)
    assert message.startswith(f"{SHOWN}:6: test 'laughs': the file holds more than {MAX_YAML_VALUES:,} YAML values "
                              "(each use of an alias counts the values it stands for)")
    assert "split the file into several" in message


def test_too_many_values_names_the_test_by_name_or_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_YAML_VALUES", 60)
    test = "  - {name: %s, rule: otelcol-down, expect: [{at: 1m, alerts: []}]}\n"  # 12 values
    named = "tests:\n" + "".join(test % f"t{i}" for i in range(6))  # 3 + 6 * 12 values: the 5th test passes 60
    with pytest.raises(LimitExceeded) as err:
        load(tmp_path, named)
    assert str(err.value).startswith(f"{SHOWN}:6: test 't4': the file holds more than 60 YAML values")
    unnamed = "tests:\n" + "".join("  - {rule: otelcol-down, expect: [{at: 1m, alerts: []}]}\n" for _ in range(8))
    with pytest.raises(LimitExceeded) as err:
        load(tmp_path, unnamed)
    assert str(err.value).startswith(f"{SHOWN}:7: test #6: the file holds more than 60 YAML values")
    outside = "other: [" + ", ".join(["1"] * 70) + "]\ntests: []\n"
    with pytest.raises(LimitExceeded) as err:
        load(tmp_path, outside)
    assert str(err.value).startswith(f"{SHOWN}:1: the file holds more than 60 YAML values")
    assert "write the data out rather than through aliases" in str(err.value)


def test_a_file_within_the_limits_loads_with_aliases_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_YAML_VALUES", 40)
    content = ("tests:\n  - &t {name: t, rule: otelcol-down, expect: [{at: 1m, alerts: []}]}\n"
               "  - *t\n  - *t\n")  # 3 + 3 * 12 values = 39
    assert [c.name for c in load(tmp_path, content)] == ["t", "t", "t"]
    with pytest.raises(LimitExceeded):
        load(tmp_path, content + "  - *t\n")  # 51


def test_too_many_yaml_values_is_exit_2_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_YAML_VALUES", 10)
    code, output = gac_test(tmp_path, one_test("0 0 0"), monkeypatch, "exit 0")
    assert code == 2, output
    assert "error: alerts/tests/t.yaml:2: test 'big': the file holds more than 10 YAML values" in output
    assert not (tmp_path / "bin" / "ran").exists()


# -- promtool's output is its report, or gac says promtool failed -------------------------------

PANIC = ("echo 'Unit Testing:  test.yaml'\n"
         "echo 'panic: runtime error: invalid memory address or nil pointer dereference' >&2\n"
         "echo '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1]' >&2\n"
         "echo '' >&2\necho 'goroutine 1 [running]:' >&2\nexit 2")


@pytest.mark.parametrize(("script", "said"), [
    (PANIC, "(exit 2): panic: runtime error: invalid memory address or nil pointer dereference;"),
    ("echo 'Unit Testing:  test.yaml'\nkill -9 $$", "(killed by SIGKILL): Unit Testing:  test.yaml;"),
    ("echo 'promtool: error: unknown command \"test\"' >&2\nexit 1",
     "(exit 1): promtool: error: unknown command \"test\";"),
    ("echo 'Unit Testing:  test.yaml'\necho '  FAILED:' >&2\nexit 3", "(exit 3): FAILED:;"),
    ("echo 'Unit Testing:  test.yaml'\necho '  FAILED:'\necho 'panic: oops' >&2\nexit 1", "(exit 1): panic: oops;"),
    ("exit 0", "(exit 0): it printed nothing;"),  # not a pass: nothing was tested
    ("printf 'bad\\001line\\n' >&2\nexit 7", "(exit 7): bad\\x01line;"),
])
def test_promtool_output_that_is_not_its_report_is_exit_2_not_a_test_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, said: str) -> None:
    code, output = gac_test(tmp_path, one_test("0 0 0"), monkeypatch, script)
    assert code == 2, output
    promtool = tmp_path / "bin" / "promtool"
    assert f"error: alerts/tests/t.yaml:2: test 'big': promtool ({promtool}) failed unexpectedly {said}" in output
    assert "this is not a test result: check that `promtool --version` runs" in output
    assert "FAIL " not in output and "passed" not in output


def test_a_promtool_that_cannot_be_executed_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / "alerts" / "tests", ignore_errors=True)
    write(root, "alerts/tests/t.yaml", one_test("0 0 0"))
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "promtool").write_text("not a program\n")  # no #!: exec refuses it
    (tmp_path / "bin" / "promtool").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 2, result.output
    assert f"promtool ({tmp_path / 'bin' / 'promtool'}) cannot be run: Exec format error" in result.output


def test_promtools_own_failure_report_is_still_a_failed_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """promtool 2's layout: the header on stdout, FAILED: and the mismatch on stderr, exit 1."""
    report = ("echo 'Unit Testing:  test.yaml'\n"
              "printf '  FAILED:\\n    alertname: OTel collector down, time: 2m, \\n        exp:[], \\n"
              "        got:[ 0: Labels:{job=\"x\"} ]\\n' >&2\nexit 1")
    code, output = gac_test(tmp_path, one_test("0 0 0"), monkeypatch, report)
    assert code == 1, output
    assert "FAIL alerts/tests/t.yaml:2: big" in output and "alerts at 2m differ" in output


@needs_promtool
def test_the_real_promtool_passes_and_fails_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = gac_test(tmp_path / "pass", one_test("1 1 1"), monkeypatch)
    assert code == 0, output
    code, output = gac_test(tmp_path / "fail", one_test("0 0 0 0", at="3m"), monkeypatch)
    assert code == 1, output
    assert "alerts at 3m differ" in output and "unexpectedly" not in output


# -- JUnit XML ---------------------------------------------------------------------------------

def test_junit_is_well_formed_with_characters_xml_forbids() -> None:
    tr = Translation({"alert": "A", "expr": "up == 0"}, (), 60, {"alertname": "A"})
    rule = RuleInfo("r", "A", "g", "f", "alerts/x.py", 3, tr)
    name = "nul\x00 bell\x07 vt\x0b ff\x0c esc\x1b <&> \"quoted\" tab\tok"
    failure = Failure("1m", "A: alerts at 1m differ\x01", "[]", "[ 0: Labels:{x=\"\x02\ud800\uffff\"} ]")
    report = Report([CaseResult(TestCase("alerts/tests/\x03t.yaml", 2, name, "r", None, {}, (Check("1m", ()),)),
                                rule, "failed", [failure]),
                     CaseResult(TestCase("alerts/tests/t.yaml", 9, "ok\x1f", "r", None, {}, (Check("1m", ()),)),
                                rule, "passed")], [rule])
    suite = ET.fromstring(junit(report))
    cases = suite.findall("testcase")
    assert cases[0].get("name") == "nul\\x00 bell\\x07 vt\\x0b ff\\x0c esc\\x1b <&> \"quoted\" tab\tok"
    assert cases[0].get("classname") == cases[0].get("file") == "alerts/tests/\\x03t.yaml"
    assert cases[1].get("name") == "ok\\x1f"
    text = cases[0].findtext("failure") or ""
    assert "alerts at 1m differ\\x01" in text and "x=\"\\x02\\ud800\\uffff\"" in text


@needs_promtool
def test_junit_of_a_test_named_with_control_characters_parses(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    content = one_test("0 0 0 0", at="3m", name='"down\\x01 \\x1b[31mred\\x0c"')
    code, output = gac_test(tmp_path, content, monkeypatch, None, "--format", "junit")
    assert code == 1, output
    suite = ET.fromstring(output)
    case_ = suite.find("testcase")
    assert case_ is not None and case_.get("name") == "down\\x01 \\x1b[31mred\\x0c"
    assert "alerts at 3m differ" in (case_.findtext("failure") or "")


@needs_promtool
@pytest.mark.parametrize("fmt", ["text", "junit", "json"])
def test_a_lone_surrogate_in_a_test_name_is_written_escaped_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    code, output = gac_test(tmp_path, one_test("1 1 1", name='"a\\ud800b"'), monkeypatch, None, "--format", fmt)
    assert code == 0, output
    assert "a\\ud800b" in output
    output.encode("utf-8")  # what a terminal or file receives
