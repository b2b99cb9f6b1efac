"""Output formats: text, json, sarif, github, markdown.

No package on the reachable registries ships the SARIF 2.1.0 JSON schema (sarif-om, sarif-tools
and sarif-pydantic were checked: none includes it), so the SARIF log is validated against the
subset of the OASIS SARIF 2.1.0 schema that GitHub code scanning requires, written out below
from the specification (sections 3.13 sarifLog, 3.14 run, 3.18 tool, 3.19 toolComponent,
3.27 result, 3.28 location, 3.29 physicalLocation, 3.30 region, 3.49 reportingDescriptor).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.lint import RULES, Finding
from generator.lint.formats import format_findings, to_sarif

SARIF_SUBSET = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "semanticVersion": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"],
                            "properties": {
                                "id": {"type": "string"},
                                "shortDescription": {"$ref": "#/definitions/message"},
                                "fullDescription": {"$ref": "#/definitions/message"},
                                "help": {"$ref": "#/definitions/message"},
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": {"enum": ["none", "note", "warning", "error"]}}},
                            }}},
                    }}}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "invocations": {"type": "array", "items": {   # 3.20 invocation, 3.58 notification
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {
                        "executionSuccessful": {"type": "boolean"},
                        "toolExecutionNotifications": {"type": "array", "items": {
                            "type": "object", "required": ["message"],
                            "properties": {"message": {"$ref": "#/definitions/message"},
                                           "level": {"enum": ["none", "note", "warning", "error"]}}}},
                    }}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"$ref": "#/definitions/message"},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object",
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation"],
                                "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"],
                                                         "properties": {"uri": {"type": "string"}}},
                                    "region": {"type": "object", "properties": {
                                        "startLine": {"type": "integer", "minimum": 1},
                                        "startColumn": {"type": "integer", "minimum": 1}}},
                                }}}}},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                    }}},
            }}},
    },
    "definitions": {"message": {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
                                "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}}}},
}

FINDINGS = [
    Finding("promql-syntax", "error", file="dashboards/b.json", dashboard="b", panel="Rate", panel_id=2,
            ref_id="A", message="PromQL does not parse: unclosed left parenthesis", line=12, column=30,
            fix="fix the expression"),
    Finding("panel-unit-missing", "warning", file="dashboards/a.json", dashboard="a", panel="Latency, p95",
            panel_id=1, message="panel shows numbers but sets no unit", line=3, column=5, fix="set the unit"),
    Finding("alert-missing-annotation", "warning", file="alerts/x.yaml", group="g", alert="HighErrors",
            message="alert has no summary annotation: 50% of\nreaders"),
    Finding("promql-rate-unsuffixed", "info", file="rules.yaml", message="rate() on x"),
]


def test_json_is_a_list_with_the_promised_keys() -> None:
    items = json.loads(format_findings(FINDINGS, "json"))
    assert len(items) == 4
    for item in items:
        for key in ("rule", "severity", "file", "dashboard", "panel", "panel_id", "ref_id", "message"):
            assert key in item
    # sorted by file, then position
    assert [i["file"] for i in items] == ["alerts/x.yaml", "dashboards/a.json", "dashboards/b.json", "rules.yaml"]


def test_text_groups_by_file_and_object_and_ends_with_a_summary() -> None:
    text = format_findings(FINDINGS, "text")
    lines = text.splitlines()
    assert lines[-1] == "1 error, 2 warnings, 1 info in 4 files"
    b = lines.index("dashboards/b.json")
    assert lines[b + 1].strip() == "dashboard b › panel 'Rate' › #2"
    assert "12:30" in lines[b + 2] and "promql-syntax" in lines[b + 2] and "[A]" in lines[b + 2]
    assert "fix: fix the expression" in lines[b + 3]
    assert "group g › rule HighErrors" in text
    assert format_findings([], "text") == "no findings"


def test_sarif_validates_and_carries_rules_and_locations() -> None:
    log = json.loads(format_findings(FINDINGS, "sarif"))
    jsonschema.validate(log, SARIF_SUBSET)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert set(RULES) <= set(rule_ids)
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"promql-syntax": "error", "panel-unit-missing": "warning",
                      "alert-missing-annotation": "warning", "promql-rate-unsuffixed": "note"}
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    syntax = next(r for r in run["results"] if r["ruleId"] == "promql-syntax")
    loc = syntax["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "dashboards/b.json"
    assert loc["region"] == {"startLine": 12, "startColumn": 30}
    fingerprints = [r["partialFingerprints"]["gacFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_of_no_findings_is_valid() -> None:
    log = to_sarif([], RULES)
    jsonschema.validate(log, SARIF_SUBSET)
    assert log["runs"][0]["results"] == []


def test_github_annotations_escape_data_and_properties() -> None:
    lines = format_findings(FINDINGS, "github").splitlines()
    assert lines[-1] == "1 error, 2 warnings, 1 info in 4 files"
    err = next(line for line in lines if line.startswith("::error "))
    assert err.startswith("::error file=dashboards/b.json,line=12,col=30,title=promql-syntax::")
    warn = next(line for line in lines if "alert-missing-annotation" in line)
    assert warn.startswith("::warning file=alerts/x.yaml,title=alert-missing-annotation::")
    assert "50%25 of%0Areaders" in warn and "\n" not in warn
    assert any(line.startswith("::notice ") for line in lines)
    unit = next(line for line in lines if "panel-unit-missing" in line)
    assert "panel 'Latency, p95'" in unit  # commas are fine in the message part


def test_markdown_table_escapes_pipes() -> None:
    f = Finding("promql-syntax", "error", file="d.json", message="a | b")
    md = format_findings([f], "markdown")
    assert "| error | `promql-syntax` |" in md and "a \\| b" in md
    assert format_findings([], "markdown") == "**gac lint**: no findings"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "markdown"])
def test_output_is_deterministic(fmt: str) -> None:
    assert format_findings(FINDINGS, fmt) == format_findings(list(reversed(FINDINGS)), fmt)


def test_unknown_format() -> None:
    with pytest.raises(ValueError):
        format_findings(FINDINGS, "xml")


def test_files_that_could_not_be_read_are_said_where_a_reader_sees_only_the_output(tmp_path: Path) -> None:
    """A job summary, a pull-request comment or a code-scanning upload is read without the
    command's error lines: "no findings" there, with a file left unread, would say the tree is
    clean. Each such format says which files were not linted; the JSON array keeps to findings
    (DESIGN.md) and the errors go to stderr, exit 2, in every format."""
    (tmp_path / "good.json").write_text(json.dumps({"uid": "g", "title": "G", "panels": [
        {"id": 1, "type": "timeseries", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
         "targets": [{"refId": "A", "expr": "rate(x_total[5m])"}]}]}))
    (tmp_path / "bad.json").write_text('{"uid": "b", "panels": [{"max": NaN}]}')
    said = "bad.json: cannot read: line 1: NaN is not JSON"
    outputs = {}
    for fmt in ("text", "markdown", "github", "sarif", "json"):
        result = CliRunner().invoke(main, ["lint", str(tmp_path), "--format", fmt])
        assert result.exit_code == 2 and f"error: {tmp_path / said}" in result.stderr, result.output
        outputs[fmt] = result.stdout
    assert outputs["text"].splitlines()[-1].endswith("in 1 file; 1 path could not be linted")
    markdown = outputs["markdown"].splitlines()
    assert markdown[0].startswith("**gac lint**: ") and markdown[0].endswith("; 1 path could not be linted")
    assert markdown[2] == "Not linted:" and said in markdown[3]
    assert f"::error title=gac lint::{tmp_path / said}" in outputs["github"]
    log = json.loads(outputs["sarif"])
    jsonschema.validate(log, SARIF_SUBSET)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert said in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert all(item["file"].endswith("good.json") for item in json.loads(outputs["json"]))
    (tmp_path / "good.json").unlink()
    result = CliRunner().invoke(main, ["lint", str(tmp_path), "--format", "markdown"])
    assert result.stdout.splitlines()[0] == ("**gac lint**: no findings in the files that could be read; "
                                             "1 path could not be linted")
    assert format_findings([], "markdown") == "**gac lint**: no findings"
    assert "invocations" not in json.loads(format_findings([], "sarif"))["runs"][0]
