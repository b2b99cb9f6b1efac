"""Which `.Labels` of an alert template are the alert's (generator/lint/gotemplate.py) and what
alert-template-label-dropped says about them.

Go templates rebind the dot inside `range` and `with`: in `{{ range query "..." }}{{ .Labels.x
}}{{ end }}` the dot is a sample of that inner query (the ceph mixin lists the monitors that
are down this way), so `.Labels.x` there is not a label of the alert expression. `$labels` and
`$` are variables and keep meaning the alert; the block's own pipeline runs before the dot moves.
"""

from __future__ import annotations

from pathlib import Path

from generator.lint import LintConfig, gotemplate, lint_paths
from tests.lint_cases.builders import only

RULE = "alert-template-label-dropped"


def _labels(text: str) -> list[str]:
    result = gotemplate.check(text)
    assert result.ok, result.error
    return [name for name, _ in result.labels]


def test_the_body_of_range_reads_the_element_not_the_alert() -> None:
    text = ('{{- range printf "up{cluster=\'%s\'} == 0" .Labels.cluster | query }} - {{ .Labels.daemon }} on '
            '{{ index .Labels "hostname" }} of {{ $labels.cluster }} {{ $.Labels.job }}{{- end }} {{ .Labels.after }}')
    # the pipeline's .Labels.cluster is read before the dot moves; $labels and $ stay the alert's
    assert _labels(text) == ["cluster", "cluster", "job", "after"]


def test_with_rebinds_the_dot_and_its_else_branch_does_not() -> None:
    assert _labels("{{ with .Labels.a }}{{ .Labels.b }}{{ else }}{{ .Labels.c }}{{ end }}") == ["a", "c"]
    assert _labels('{{ if .Labels.a }}{{ .Labels.b }}{{ else with query "up" }}{{ .Labels.c }}'
                   "{{ else }}{{ .Labels.d }}{{ end }}") == ["a", "b", "d"]
    # an if inside a range is still inside the range
    assert _labels('{{ range query "up" }}{{ if .Labels.a }}{{ .Labels.b }}{{ end }}{{ end }}') == []
    assert _labels('{{ range $i, $s := query "up" }}{{ .Labels.a }}{{ $s.Labels.b }}{{ end }}') == []


def test_values_inside_range_are_not_the_alerts_refids_either() -> None:
    result = gotemplate.check('{{ range query "up" }}{{ .Values.A }}{{ end }}{{ $values.B }}')
    assert [ref for ref, _ in result.ref_ids] == ["B"]


def test_the_reference_is_quoted_as_written() -> None:
    result = gotemplate.check('{{ .Labels.a }} {{ $labels.b }} {{ index .Labels "c" }}')
    assert [result.written[at] for _, at in result.labels] == [".Labels.a", "$labels.b", 'index .Labels "c"']


RULES = """\
groups:
- name: mon
  rules:
  - alert: MonitorsDown
    expr: count by (cluster) (ceph_mon_quorum_status == 0) > 0
    annotations:
      description: 'Down in {{ .Labels.cluster }}:{{- range printf "ceph_mon_quorum_status{cluster=''%s''} == 0" .Labels.cluster | query }} {{ .Labels.ceph_daemon }} on {{ .Labels.hostname }}{{- end }}'
      summary: '{{ .Labels.instance }} and {{ $labels.job }}'
"""


def test_ceph_style_range_is_not_judged_and_dot_labels_are_named_as_written(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(RULES)
    found = only(lint_paths([path], LintConfig()), RULE)
    assert [f.message for f in found] == [
        "annotations.summary: .Labels.instance is not in the query result (it keeps cluster)",
        "annotations.summary: $labels.job is not in the query result (it keeps cluster)"]
    line = RULES.splitlines()[7]
    assert [(f.line, f.column) for f in found] == [(8, line.index(".Labels") + 1), (8, line.index("$labels") + 1)]
