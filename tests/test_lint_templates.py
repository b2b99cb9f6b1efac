"""Go text/template checking for alert annotations (generator/lint/gotemplate.py)."""

from __future__ import annotations

import pytest

from generator.lint import gotemplate

VALID = [
    "plain text, no actions",
    "{{ $labels.job }} is down ({{ humanize $value }})",
    '{{ printf "%.2f" $values.B.Value }} requests/s',
    "{{ if gt $value 1.0 }}high{{ else if gt $value 0.5 }}medium{{ else }}low{{ end }}",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}",
    "{{- .Labels.instance -}}",
    '{{ index $values "A" }} {{ index $labels "job" }}',
    "{{ with $values.A }}{{ .Value }}{{ end }}",
    "{{/* a comment */}}text",
    "{{ $labels.x | toUpper }} {{ humanizeDuration $value }} {{ humanizePercentage $value }}",
    "{{ $x := 1 }}{{ $x }}",
    '{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}',
]

INVALID = [
    ("{{ $labels.job", "unclosed action"),
    ("{{ if gt $value 1.0 }}high", "no {{ end }}"),
    ("{{ end }}", "without a matching"),
    ("{{ else }}", "outside"),
    ("{{ humanise $value }}", "function 'humanise' not defined"),
    ("{{ $x }}", "undefined variable '$x'"),
    ('{{ "unterminated }}', "unterminated string"),
    ("{{ (humanize $value }}", "unclosed '('"),
    ("{{}}", "empty"),
]


@pytest.mark.parametrize("text", VALID)
def test_valid_templates(text: str) -> None:
    result = gotemplate.check(text)
    assert result.ok, (text, result.error)


@pytest.mark.parametrize("text,message", INVALID)
def test_invalid_templates(text: str, message: str) -> None:
    result = gotemplate.check(text)
    assert not result.ok
    assert message in (result.error or "")
    assert result.offset is not None and 0 <= result.offset < len(text)


def test_references_are_collected() -> None:
    result = gotemplate.check('{{ $labels.job }} {{ .Labels.pod }} {{ $values.B.Value }} {{ index $values "C" }}')
    assert [name for name, _ in result.labels] == ["job", "pod"]
    assert [ref for ref, _ in result.ref_ids] == ["B", "C"]


def test_prometheus_templates_have_no_values_variable() -> None:
    assert not gotemplate.check("{{ $values.A }}", variables=gotemplate.PROMETHEUS_VARIABLES).ok
    assert gotemplate.check("{{ $externalURL }}", variables=gotemplate.PROMETHEUS_VARIABLES).ok
