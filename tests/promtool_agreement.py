"""Compare gac's `promql-syntax` verdicts with Prometheus' own parser (promtool) on real files.

For every PromQL query gac lints (panel targets, annotations, query variables, Grafana alert
queries, rule files), this computes the text Grafana would send to Prometheus, independently
of gac's expander (grafana_values.interpolate: macros at Grafana's values, variables at their
saved values, undefined names left alone), and asks promtool whether it parses. All queries go
to one `promtool check rules` run on a generated rules file (one record rule per query), whose
errors name the failing rule: one process, not one per query.

Run it as a script for the figures: `.venv/bin/python -m tests.promtool_agreement ../shared/corpus-wild`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.lint import LintConfig
from generator.lint.engine import Engine, _lint_paths
from generator.lint.grafana_values import Values, interpolate
from generator.lint.promql_expand import ALERT, GRAFANA
from generator.lint import engine as engine_module

PROMTOOL = shutil.which("promtool")


@dataclass(frozen=True)
class Query:
    file: str
    text: str               # as written
    sent: str | None        # as Grafana (or the rule evaluator) sends it; None: a variable's value is unknown
    gac_error: str | None   # gac's promql-syntax verdict (None: parses)


def collect(paths: list[Path]) -> list[Query]:
    """Lint `paths` and record every PromQL query with gac's verdict and Grafana's expansion."""
    found: list[Query] = []
    original = Engine.queries

    def queries(self: Engine, batch: list[Any]) -> None:
        original(self, batch)
        for q in batch:
            values: Values | None = q.dash.values if q.dash is not None else None
            if q.mode == GRAFANA:
                sent = interpolate(q.text, values)
            elif q.mode == ALERT:
                sent = interpolate(q.text, None, backend_only=True)
            else:
                sent = q.text
            found.append(Query(str(q.location.file), q.text, sent, q.analysis.error))

    Engine.queries = queries  # type: ignore[method-assign,assignment]
    try:
        _lint_paths(paths, LintConfig(), None, None, None, 1)
    finally:
        Engine.queries = original  # type: ignore[method-assign]
    assert engine_module.Engine.queries is original
    return found


def promtool_verdicts(texts: list[str]) -> dict[str, str | None]:
    """promtool's error (None: parses) for each distinct text, in one `promtool check rules` run."""
    distinct = sorted(set(texts))
    rules = [{"record": f"gac_q{i}", "expr": t} for i, t in enumerate(distinct)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "q", "rules": rules}]}, allow_unicode=True))
        run = subprocess.run([PROMTOOL or "promtool", "check", "rules", "--lint=none", str(path)],
                             capture_output=True, text=True, check=False)
    errors: dict[int, str] = {}
    for line in (run.stdout + run.stderr).splitlines():
        marker = ', "gac_q'
        if marker in line:
            index = int(line.split(marker, 1)[1].split('"', 1)[0])
            errors[index] = line.split("could not parse expression: ", 1)[-1]
    if run.returncode not in (0, 1) or (run.returncode == 1 and not errors):
        raise RuntimeError(f"promtool failed: {run.stderr or run.stdout}")
    return {t: errors.get(i) for i, t in enumerate(distinct)}


@dataclass
class Agreement:
    compared: list[tuple[Query, str | None]]   # (query, promtool's error)
    unknown: list[Query]                       # a variable's value is not in the saved model

    @property
    def disagreements(self) -> list[tuple[Query, str | None]]:
        return [(q, p) for q, p in self.compared if (q.gac_error is None) != (p is None)]

    @property
    def ratio(self) -> float:
        return 1 - len(self.disagreements) / max(1, len(self.compared))


def agreement(paths: list[Path]) -> Agreement:
    queries = collect(paths)
    comparable = [q for q in queries if q.sent is not None]
    verdicts = promtool_verdicts([q.sent for q in comparable if q.sent is not None])
    return Agreement([(q, verdicts[q.sent]) for q in comparable if q.sent is not None],
                     [q for q in queries if q.sent is None])


def main(argv: list[str]) -> int:
    result = agreement([Path(a) for a in argv] or [Path("../shared/corpus-wild")])
    files = {q.file for q, _ in result.compared}
    print(f"{len(result.compared)} queries from {len(files)} files compared with promtool; "
          f"{len(result.disagreements)} disagreements; agreement {result.ratio:.2%}; "
          f"{len(result.unknown)} not compared (a variable outside a string has no saved value)")
    for q, p in result.disagreements:
        print(f"- {q.file}\n  query: {q.text!r}\n  sent:  {q.sent!r}\n  gac: {q.gac_error}\n  promtool: {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
