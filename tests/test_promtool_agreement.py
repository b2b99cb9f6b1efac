"""The promtool agreement tool itself (tests/promtool_agreement.py): one promtool run judges many
queries, and each verdict lands on its own query."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.lint_cases.builders import dashboard, panel, prom_target, variable
from tests.promtool_agreement import agreement, promtool_verdicts

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None,
                                reason="promtool is not installed (Debian package prometheus)")


def test_one_run_many_verdicts() -> None:
    verdicts = promtool_verdicts(["up", "up{a=b}", "sum(rate(x[5m]))", "topk(x, up)"])
    assert verdicts["up"] is None and verdicts["sum(rate(x[5m]))"] is None
    assert verdicts["up{a=b}"] and verdicts["topk(x, up)"]


def test_verdicts_follow_grafanas_expansion(tmp_path: Path) -> None:
    k = variable("k", query="5", current={"text": "5", "value": "5"})
    doc = dashboard(panel(prom_target("topk by (job) ($k, up)"), prom_target("sum(up", ref="B")), variables=[k])
    (tmp_path / "d.json").write_text(json.dumps(doc))
    result = agreement([tmp_path])
    sent = sorted(q.sent or "" for q, _ in result.compared)
    assert sent == ["sum(up", "topk by (job) (5, up)"]
    assert not result.disagreements
