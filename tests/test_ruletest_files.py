"""`gac test` on the test files a person writes: every mistake in a test file is exit 2 naming
the file, line, test and what to write (never a traceback, never a test that passes while
checking nothing); data running out before a checked time is said plainly; promtool's series
notation is checked as promtool checks it."""

from __future__ import annotations

import random
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.ruletest.model import Check, Probe, RuleInfo, TestCase, Translation
from generator.ruletest.promtool import PromtoolFailure, yaml_text
from generator.ruletest.runner import _result, promtool_files, run_case
from generator.ruletest.series import NotationError, parse_values
from generator.ruletest.testfile import TestFileError, load_cases
from tests.project import copy_project, write

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                                    reason="promtool is not on PATH (apt-get install prometheus)")

UP_A = "'up{job=\"otel-collector\", instance=\"a\"}'"
FIRING = "{labels: {__name__: up, job: otel-collector, instance: a}}"


def one_test(name: str, values: str, expect: str, series: str = UP_A) -> str:
    """A test file of one otelcol-down test, `expect` in YAML flow style."""
    return (f"tests:\n  - name: {name}\n    rule: otelcol-down\n    input_series: {{{series}: '{values}'}}\n"
            f"    expect: {expect}\n")


def load(tmp_path: Path, content: str) -> list[TestCase]:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(content).lstrip())
    return load_cases(path, "alerts/tests/t.yaml")


def refused(tmp_path: Path, content: str) -> str:
    with pytest.raises(TestFileError) as err:
        load(tmp_path, content)
    return str(err.value)


def gac_test(tmp_path: Path, content: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / "alerts" / "tests", ignore_errors=True)
    write(root, "alerts/tests/t.yaml", content)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["test"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# -- unknown keys, at every level -------------------------------------------------------------

@pytest.mark.parametrize(("content", "line", "key", "closest"), [
    (f"""
     tests:
       - name: t
         rule: otelcol-down
         input_series: {{{UP_A}: '0 0 0'}}
         expect:
           - at: 2m
             alert: [{FIRING}]
     """, 7, "alert", "alerts"),
    (f"""
     tests:
       - name: t
         rule: otelcol-down
         input_series: {{{UP_A}: '0 0 0'}}
         expect:
           - at: 2m
             alerts:
               - label: {{job: otel-collector}}
     """, 8, "label", "labels"),
    (f"""
     tests:
       - name: t
         rule: otelcol-down
         input_serie: {{{UP_A}: '0 0 0'}}
         expect: [{{at: 2m, alerts: []}}]
     """, 4, "input_serie", "input_series"),
    (f"""
     tests:
       - name: t
         rule: otelcol-down
         input_series: {{{UP_A}: '0 0 0'}}
         expect:
           - eval_time: 2m
             alerts: []
     """, 6, "eval_time", "at"),
    (f"""
     test:
       - name: t
     tests:
       - name: t
         rule: otelcol-down
         input_series: {{{UP_A}: '0 0 0'}}
         expect: [{{at: 2m, alerts: []}}]
     """, 1, "test", "tests"),
])
def test_an_unknown_key_names_file_line_test_key_and_the_closest_valid_key(
        tmp_path: Path, content: str, line: int, key: str, closest: str) -> None:
    message = refused(tmp_path, content)
    assert message.startswith(f"alerts/tests/t.yaml:{line}: ")
    assert f"unknown key {key!r}" in message and f"did you mean {closest!r}?" in message
    if line > 1:
        assert "test 't'" in message


def test_a_misspelled_alerts_key_is_exit_2_not_a_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = one_test("down fires", "0 0 0 0", f"[{{at: 3m, alert: [{FIRING}]}}]")
    code, output = gac_test(tmp_path, content, monkeypatch)
    assert code == 2, output
    assert "alerts/tests/t.yaml:5: test 'down fires': unknown key 'alert'" in output
    assert "did you mean 'alerts'?" in output


def test_an_expect_entry_without_alerts_is_refused_not_read_as_none(tmp_path: Path) -> None:
    message = refused(tmp_path, f"""
        tests:
          - name: t
            rule: otelcol-down
            input_series: {{{UP_A}: '0 0 0'}}
            expect:
              - at: 2m
    """)
    assert "alerts/tests/t.yaml:6: test 't': at 2m: has no `alerts:`" in message and "alerts: []" in message


# -- values of the wrong kind -------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    ("", "the file is empty"),
    ("# nothing yet\n", "the file is empty"),
    ("- a\n", "expected a mapping with a `tests:` list"),
    ("tests:\n  - name: t\n    expect: [{at: 1m, alerts: []}]\n", "`rule:` must name the alert rule by uid"),
    ("tests:\n  - {name: {a: b}, rule: r, expect: [{at: 1m, alerts: []}]}\n", "test #1: `name:` must be a string"),
    ("tests:\n  - {name: t, rule: [a, b], expect: [{at: 1m, alerts: []}]}\n", "`rule:` must name the alert rule"),
    ("tests:\n  - {name: t, rule: r, expect: {at: 1m}}\n", "`expect:` must list at least one"),
    ("tests:\n  - {name: t, rule: r, input_series: ['up 1'], expect: [{at: 1m, alerts: []}]}\n",
     "`input_series:` maps a series to its values"),
    ("tests:\n  - {name: t, rule: r, input_series: {up: }, expect: [{at: 1m, alerts: []}]}\n",
     "input series 'up' has no values"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: 5, alerts: []}]}\n", "'5' is not a duration"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: soon, alerts: []}]}\n", "'soon' is not a duration"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: [1m], alerts: []}]}\n", "is not a duration"),
    ("tests:\n  - {name: t, rule: r, expect: [{alerts: []}]}\n", "has no `at:`"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: 1m, alerts: {job: x}}]}\n", "`alerts:` is not a list"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: 1m, alerts: }]}\n", "`alerts:` is not a list"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: 1m, alerts: [{labels: [job, x]}]}]}\n",
     "its `labels:` is not a mapping"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: 1m, alerts: [{labels: {job: {a: b}}}]}]}\n",
     "label 'job' must be a string"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: 1m, alerts: [{labels: {job: }}]}]}\n",
     "label 'job' must be a string, got nothing"),
    ("tests:\n  - {name: t, rule: r, interval: 0s, expect: [{at: 1m, alerts: []}]}\n", "must be longer than 0s"),
    ("tests:\n  - {name: t, rule: r, expect: [{at: 1m, alerts: []}], rule: s}\n", "key 'rule' is given twice"),
    ("tests:\n  - {name: t, rule: r, input_series: {'up{a=\"1\", b=\"2\"}': '1', 'up{b=\"2\", a=\"1\"}': '2'},"
     " expect: [{at: 1m, alerts: []}]}\n", "is 'up{a=\"1\", b=\"2\"}' again"),
    ("tests:\n  - {name: t, rule: r, input_series: {'up{job=~\"a.*\"}': '1'}, expect: [{at: 1m, alerts: []}]}\n",
     "no =~, != or offset"),
    ("rule_files: [rules.yaml]\ntests: []\n", "gac writes the rule file from the definitions"),
])
def test_values_of_the_wrong_kind_are_refused_with_the_place(tmp_path: Path, content: str, message: str) -> None:
    error = refused(tmp_path, content)
    assert error.startswith("alerts/tests/t.yaml") and message in error, error


def test_scalars_are_read_as_written_as_promtool_reads_them(tmp_path: Path) -> None:
    """YAML 1.1 would read 010 as 8, 0x3 as 3 and true as True: promtool's Go strings keep the text."""
    (case,) = load(tmp_path, """
        tests:
          - name: t
            rule: r
            input_series: {'up{code="010"}': 0x3}
            expect: [{at: 1m, alerts: [{labels: {code: 010, ok: true, n: 1.50}}]}]
    """)
    assert case.input_series == {'up{code="010"}': "0x3"}
    assert case.checks[0].alerts[0].labels == {"code": "010", "ok": "true", "n": "1.50"}


def test_yaml_anchors_and_merge_keys_work(tmp_path: Path) -> None:
    cases = load(tmp_path, f"""
        tests:
          - &base
            name: a
            rule: otelcol-down
            input_series: {{{UP_A}: '0 0 0'}}
            expect: [{{at: 2m, alerts: []}}]
          - <<: *base
            name: b
    """)
    assert [c.name for c in cases] == ["a", "b"] and cases[0].input_series == cases[1].input_series


# -- series values notation ---------------------------------------------------------------------

NOTATIONS = ["1 2 3", "0x14", "1+2x3", "-1-1x5", "+1+1x2", "_", "_x3 1", "stale", "Inf", "-Inf", "inf", "NaN",
             "NaN+0x3", "1e3", "1E5", "1.5e+3", ".5", "5.", "010", "09", "1x0", "_x0", "  1\t2  ", "1\n2",
             "stale+1x2", "1 +2x3",
             "0 0 x5 0", "1,2,3", "x", "1x", "0x", "1x2.5", "1x-1", "1+2", "1e", "Infinity", "NaNx3", "Stale",
             ".", "-", "1--1x2", "1+-1x2", "1 # c", "0x1F", "1_000.5", "5m", "1 2 three", "{{", "1x2x3"]


@needs_promtool
@pytest.mark.parametrize("values", NOTATIONS)
def test_the_notation_check_agrees_with_promtool(tmp_path: Path, values: str) -> None:
    (tmp_path / "rules.yaml").write_text("groups: [{name: g, rules: [{alert: A, expr: up == 0}]}]\n")
    quoted = values.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    (tmp_path / "test.yaml").write_text(textwrap.dedent(f"""
        rule_files: [rules.yaml]
        tests:
          - input_series: [{{series: 'up{{job="a"}}', values: "{quoted}"}}]
            alert_rule_test: [{{eval_time: 0s, alertname: A, exp_alerts: []}}]
    """))
    proc = subprocess.run(["promtool", "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=60)
    promtool_reads = "parse error" not in proc.stdout + proc.stderr
    try:
        parse_values(values)
        gac_reads = True
    except NotationError:
        gac_reads = False
    assert gac_reads == promtool_reads, proc.stdout + proc.stderr


@pytest.mark.parametrize(("values", "samples", "last"), [
    ("0 0", 2, 1), ("0x14", 15, 14), ("1+2x3", 4, 3), ("_x3 1", 4, 3), ("1 1 _ _", 4, 1), ("1 stale", 2, 0),
    ("_ _", 2, None), ("stale", 1, None), ("{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2", 3, 2),
])
def test_values_expand_to_promtools_sample_count(values: str, samples: int, last: int | None) -> None:
    assert (parse_values(values).samples, parse_values(values).last) == (samples, last)


def test_bad_sample_values_are_exit_2_naming_the_series_not_a_failure(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = gac_test(tmp_path, f"""
        tests:
          - name: down fires
            rule: otelcol-down
            input_series:
              'up{{job="otel-collector", instance="b"}}': '1 1 1 1'
              {UP_A}: '0 0 x5 0'
            expect: [{{at: 3m, alerts: []}}]
    """, monkeypatch)
    assert code == 2, output
    assert "alerts/tests/t.yaml:6: test 'down fires': input series 'up{job=\"otel-collector\", instance=\"a\"}'" \
        in output
    assert "'x5' repeats nothing" in output and "0x5" in output and "FAIL" not in output


def test_a_series_promtool_refuses_after_all_is_mapped_back_to_the_series(tmp_path: Path) -> None:
    """A promtool newer or older than the notation check: its parse error still names the series."""
    fake = tmp_path / "promtool"
    series, values = 'up{job="a"}', "1 2 {{schema:0 bad:1}}"
    column = len(series) + 2 + values.index("{{")
    fake.write_text(f"#!/bin/sh\necho 'Unit Testing:  test.yaml'\ngrep -q 'bad:1' test.yaml || exit 0\n"
                    f"echo '  FAILED:'\necho '1:{column}: parse error: bad histogram descriptor'\nexit 1\n")
    fake.chmod(0o755)
    tr = Translation({"alert": "A", "expr": "up == 0", "for": "0s", "labels": {}}, (), 60, {"alertname": "A"})
    rule = RuleInfo("r", "A", "g", "f", "alerts/x.py", 3, tr)
    case = TestCase("alerts/tests/t.yaml", 4, "t", "r", None, {'other{job="b"}': "1 1", series: values},
                    (Check("1m", ()),))
    with pytest.raises(TestFileError) as err:
        run_case(str(fake), case, rule, tr)
    assert f"alerts/tests/t.yaml:4: test 't': promtool cannot read input series {series!r}" in str(err.value)
    assert "bad histogram descriptor at '{{schema:0 bad:1}}'" in str(err.value)


# -- data that runs out, probes firing together -------------------------------------------------

def test_probes_firing_at_the_same_time_are_all_reported(tmp_path: Path) -> None:
    probes = (Probe("gac probe: missing series", "x", "series went missing"),
              Probe("gac probe: no data", "y", "no data"))
    tr = Translation({"alert": "A"}, probes, 60, {"alertname": "A"})
    rule = RuleInfo("r", "A", "g", "f", "alerts/x.py", 3, tr)
    case = TestCase("alerts/tests/t.yaml", 4, "t", "r", None, {"up": "0 0"}, (Check("30m", ()),))
    failures = [PromtoolFailure(p.alert, t, "[]", "[ 0: Labels:{} ]") for t in ("8m", "7m") for p in reversed(probes)]
    result = _result(case, rule, tr, failures)
    assert result.status == "not-testable"
    messages = [f.message for f in result.failures]
    assert messages[:2] == ["not testable offline from 7m: series went missing; [ 0: Labels:{} ]",
                            "not testable offline from 7m: no data; [ 0: Labels:{} ]"]
    assert "the input series end at 1m" in messages[2] and "give samples up to the last `at:` (30m)" in messages[2]


@needs_promtool
def test_checking_after_the_input_series_end_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = gac_test(tmp_path, one_test("down for half an hour", "0 0", "[{at: 30m, alerts: []}]"), monkeypatch)
    assert code == 1, output
    assert "SKIP alerts/tests/t.yaml:2: down for half an hour" in output
    assert "missing series" in output and "no-data state" in output
    assert "the input series end at 1m (the last sample)" in output and "'0x30'" in output


@needs_promtool
def test_a_series_made_to_go_missing_gets_no_running_out_hint(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = gac_test(tmp_path, one_test("goes away", "0 0 0 0 _x10", "[{at: 12m, alerts: []}]"), monkeypatch)
    assert code == 1 and "missing series" in output, output
    assert "the input series end" not in output


@needs_promtool
def test_a_wrong_alertname_fails_instead_of_being_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alert = "{labels: {alertname: Collector gone, __name__: up, job: otel-collector, instance: a}}"
    content = one_test("down fires", "0 0 0 0", f"[{{at: 3m, alerts: [{alert}]}}]")
    code, output = gac_test(tmp_path, content, monkeypatch)
    assert code == 1, output
    assert "FAIL alerts/tests/t.yaml:2: down fires" in output
    assert "the test expects alertname 'Collector gone', but rule otelcol-down's alerts are named" in output


@needs_promtool
def test_label_values_are_compared_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    series = "'up{job=\"otel-collector\", instance=\"010\"}'"
    content = one_test("octal-looking instance", "0x3", "[{at: 3m, alerts: [{labels: {__name__: up, "
                       "job: otel-collector, instance: 010}}]}]", series=series)
    code, output = gac_test(tmp_path, content.replace("'0x3'", "0x3"), monkeypatch)
    assert code == 0, output


# -- the files gac writes for promtool ---------------------------------------------------------

def test_the_files_for_promtool_read_back_as_the_documents_they_were_made_of() -> None:
    """yaml_text writes JSON (which YAML reads alike) and PyYAML's YAML where JSON's escapes are
    not YAML's: any string, of any characters, reads back as it was."""
    rng = random.Random(5)
    alphabet = ['a', ' ', '"', "'", "\\", ":", "#", "\n", "\t", "\x00", "\x1f", "\x7f", "\x85", "\xa0", "é", "\u2028",
                "\ufeff", "\ufffd", "☃", "😀", "{", "}", "[", "-", "0", "1.5", "null", "true", "\u200b"]
    for _ in range(2_000):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(4)]
        doc = {"groups": [{"name": words[0], "rules": [{"alert": words[1], "expr": "up",
                                                         "labels": {words[2] or "k": words[3]}}]}]}
        assert yaml.safe_load(yaml_text(doc)) == doc, doc


@needs_promtool
def test_label_values_of_any_script_reach_promtool_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A label value beyond the BMP (😀, which JSON would write as a surrogate pair, refused by
    YAML), and others, in a firing alert that promtool compares."""
    for value in ("é ☃", "😀", 'a\\"b'):
        series = "'up{job=\"otel-collector\", instance=\"" + value + "\"}'"
        expect = ("[{at: 3m, alerts: [{labels: {__name__: up, job: otel-collector, instance: '"
                  + value.replace('\\"', '"') + "'}}]}]")
        code, output = gac_test(tmp_path / str(ord(value[0])), one_test("fires", "0x3", expect, series=series),
                                monkeypatch)
        assert code == 0, (value, output)


def test_a_long_test_is_written_as_json_and_reads_back_whole() -> None:
    """`at: 30d` on a 1m group: 43,200 evaluations, each asserting the probes."""
    probes = (Probe("gac probe: missing series", "x", "series went missing"),
              Probe("gac probe: no data", "y", "no data"))
    tr = Translation({"alert": "A", "expr": "up == 0"}, probes, 60, {"alertname": "A"})
    rule = RuleInfo("r", "A", "g", "f", "alerts/x.py", 3, tr)
    case = TestCase("alerts/tests/t.yaml", 4, "t", "r", None, {"up": "0x43200"}, (Check("30d", ()),))
    _, test_doc = promtool_files(case, rule, tr)
    checks = test_doc["tests"][0]["alert_rule_test"]
    assert len(checks) == 1 + 2 * 43_201
    text = yaml_text(test_doc)
    assert text.startswith("{") and yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == test_doc
