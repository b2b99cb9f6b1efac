"""`gac diff`: the pull-request comment for two generated/ trees, or a git revision vs the working tree."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.normalize import iter_panels
from generator.review.compare import ADDED, ObjectChange, Comparison
from generator.review.render import COMMENT_BUDGET, markdown
from tests.paths import REPO
from tests.project import copy_project

SUMMARY = """\
| | Added | Changed | Removed |
|---|---:|---:|---:|
| Data sources | 0 | 1 | 0 |
| Dashboards | 1 | 1 | 1 |
| Alert rule groups | 0 | 1 | 0 |
| Queries | 1 | 2 | 0 |
| Thresholds | 0 | 2 | 0 |
| Alert conditions | 0 | 2 | 0 |
"""


def edit_json(path: Path, change: Any) -> None:
    body = json.loads(path.read_text())
    change(body)
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")


def panel(dash: dict[str, Any], title: str) -> dict[str, Any]:
    return next(p for p in iter_panels(dash["panels"]) if p.get("title") == title)


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    """generated/ as committed, and a copy with known changes a reviewer should see."""
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(REPO / "generated", old)
    shutil.copytree(REPO / "generated", new)

    def apm(dash: dict[str, Any]) -> None:
        ratio = panel(dash, "Error ratio (5xx)")
        ratio["targets"][0]["expr"] = ratio["targets"][0]["expr"].replace('"5.."', '"5..|429"')  # query changed
        ratio["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] = 0.1  # threshold changed
        throughput = panel(dash, "Throughput")
        throughput["targets"].append({"refId": "B", "expr": "sum(up)", "datasource": throughput["targets"][0]["datasource"]})
        dash["panels"].append({"id": 99, "type": "text", "title": "Notes", "options": {"content": "hi", "mode": "markdown"},
                               "gridPos": {"x": 0, "y": 90, "w": 24, "h": 3}})

    edit_json(new / "dashboards/otel-apps/otel-apm.json", apm)
    (new / "dashboards/otel-apps/otel-genai.json").unlink()
    copy = json.loads((old / "dashboards/otel-apps/otel-apm.json").read_text())
    copy.update(uid="otel-apm-copy", title="APM copy")
    (new / "dashboards/otel-apps/otel-apm-copy.json").write_text(json.dumps(copy, indent=2, sort_keys=True) + "\n")

    def services(group: dict[str, Any]) -> None:
        first, second = group["rules"][0], group["rules"][1]
        threshold = next(q for q in first["data"] if q["model"].get("type") == "threshold")
        threshold["model"]["conditions"][0]["evaluator"]["params"] = [0.1]
        query = next(q for q in second["data"] if q["datasourceUid"] != "__expr__")
        query["model"]["expr"] = query["model"]["expr"].replace("0.95", "0.99")
        second["for"] = "15m"

    edit_json(new / "alert-rules/otel-apps/services.json", services)
    edit_json(new / "datasources/loki.json", lambda ds: ds["jsonData"].update(maxLines=500))
    return old, new


def gac(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_two_trees_with_known_changes_give_the_exact_summary(trees: tuple[Path, Path]) -> None:
    old, new = trees
    result = gac("diff", str(old), str(new))
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith(f"## Grafana changes\n\nComparing `{old}` → `{new}`.\n\n" + SUMMARY)
    assert "<sub>13 object(s) unchanged." in text
    sections = [line for line in text.splitlines() if line.startswith(("### ", "#### "))]
    assert sections == [
        "### Data sources", "#### ~ `loki` — Loki",
        "### Dashboards", "#### ~ `otel-apm` — APM: services and routes", "#### + `otel-apm-copy` — APM copy",
        "#### - `otel-genai` — GenAI: models, tokens and agent",
        "### Alert rule groups", "#### ~ `services`",
    ]
    assert "- jsonData › maxLines: `1000` → `500`" in text
    assert '- panel "Error ratio (5xx)" (id 3) › thresholds: `green, orange 0.01, red 0.05` → `green, orange 0.01, red 0.1`' in text
    assert '- panel "Throughput" (id 2) › query B: added' in text
    assert '- panel "Notes" (id 99): added' in text
    assert "› expression C (threshold) › threshold: `B > 0.05` → `B > 0.1`" in text
    assert "› pending period: `10m` → `15m`" in text
    assert "Added as `generated/dashboards/otel-apps/otel-apm-copy.json`." in text
    assert "Removed (`generated/dashboards/otel-apps/otel-genai.json`)." in text
    assert text.count("<details><summary>Raw JSON diff</summary>") == 5
    assert '-                "value": 0.05\n+                "value": 0.1' in text


def test_text_and_json_formats(trees: tuple[Path, Path]) -> None:
    old, new = trees
    plain = gac("diff", str(old), str(new), "--format", "text").output
    assert "  - dashboard otel-genai 'GenAI: models, tokens and agent' in otel-apps" in plain
    assert plain.rstrip().endswith("Diff: 1 added, 3 changed, 1 removed, 13 unchanged.")
    doc = json.loads(gac("diff", str(old), str(new), "--format", "json").output)
    assert doc["summary"][3] == {"label": "Queries", "added": 1, "changed": 2, "removed": 0}
    assert [(c["action"], c["uid"]) for c in doc["changes"]] == [
        ("changed", "loki"), ("changed", "otel-apm"), ("added", "otel-apm-copy"), ("removed", "otel-genai"),
        ("changed", "services")]


def test_identical_trees_and_repository_roots(tmp_path: Path) -> None:
    result = gac("diff", str(REPO), str(REPO / "generated"))
    assert result.exit_code == 0
    assert "No changes to `generated/` (17 objects unchanged)." in result.output
    assert gac("diff", str(tmp_path / "nope"), str(REPO)).exit_code == 2
    assert gac("diff", str(REPO)).exit_code == 2


def test_quiet_prints_nothing_for_identical_trees_and_the_diff_otherwise(trees: tuple[Path, Path]) -> None:
    old, new = trees
    for fmt in ("markdown", "text", "json"):
        same = gac("diff", str(REPO / "generated"), str(old), "--format", fmt, "-q")
        assert same.exit_code == 0 and same.output == ""
        changed = gac("diff", str(old), str(new), "--format", fmt, "--quiet")
        assert changed.exit_code == 0 and changed.output == gac("diff", str(old), str(new), "--format", fmt).output


def test_a_comment_too_large_for_github_drops_raw_diffs_first() -> None:
    changes = [ObjectChange(ADDED, ("dashboard", f"d{i}"), "dashboard", f"d{i}", f"D{i}", "f", None,
                            f"generated/dashboards/f/d{i}.json", [], "+" + "x" * 9000) for i in range(12)]
    text = markdown(Comparison(changes, 0), "a", "b")
    assert len(text) <= COMMENT_BUDGET
    assert "#### + `d11` — D11" in text and "raw JSON diff(s) left out" in text


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "repo")
    git(root, "init", "--quiet")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "base")
    return root


def test_base_revision_is_built_in_a_worktree_and_removed(repo: Path) -> None:
    apm = repo / "dashboards/apm.py"
    apm.write_text(apm.read_text().replace('("red", 0.05)', '("red", 0.1)'))
    result = gac("diff", "--base", "HEAD", "--root", str(repo))
    assert result.exit_code == 0, result.output
    assert "Comparing `HEAD` → `working tree`." in result.output
    assert ("| | Added | Changed | Removed |\n|---|---:|---:|---:|\n| Dashboards | 0 | 1 | 0 |\n"
            "| Thresholds | 0 | 1 | 0 |\n") in result.output
    assert "`green, orange 0.01, red 0.05` → `green, orange 0.01, red 0.1`" in result.output
    assert len(git(repo, "worktree", "list").splitlines()) == 1
    assert git(repo, "status", "--porcelain").strip() == "M dashboards/apm.py"


def test_a_base_that_does_not_build_or_exist_exits_2_and_leaves_no_worktree(repo: Path) -> None:
    (repo / "dashboards/broken.py").write_text("raise RuntimeError('nope')\n")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "broken")
    (repo / "dashboards/broken.py").unlink()
    broken = gac("diff", "--base", "HEAD", "--root", str(repo))
    assert broken.exit_code == 2 and "building HEAD" in broken.output and "nope" in broken.output
    unknown = gac("diff", "--base", "no-such-rev", "--root", str(repo))
    assert unknown.exit_code == 2 and "not a revision" in unknown.output
    assert len(git(repo, "worktree", "list").splitlines()) == 1



def test_a_folder_without_generated_objects_is_refused_not_shown_as_all_added() -> None:
    result = CliRunner().invoke(main, ["diff", str(REPO / "dashboards"), str(REPO / "generated")])
    assert result.exit_code == 2
    assert "holds files but none of gac's objects" in result.output and "dashboards" in result.output
    assert "Traceback" not in result.output


def test_a_moved_object_is_one_change_and_a_broken_file_is_named(tmp_path: Path) -> None:
    """Objects are matched by identity, read from their bodies, which are decoded again only for the
    objects that changed: a dashboard moved to another folder is one change, with both paths and
    its own semantic entries; a file that is no UTF-8 JSON stops the diff with its name."""
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(REPO / "generated", old)
    shutil.copytree(REPO / "generated", new)
    moved = new / "dashboards/otel-apps/otel-apm.json"
    (new / "dashboards/elsewhere").mkdir()
    edit_json(moved, lambda dash: dash.update(title="APM, moved"))
    moved.rename(new / "dashboards/elsewhere/otel-apm.json")
    doc = json.loads(gac("diff", str(old), str(new), "--format", "json").output)
    [change] = doc["changes"]
    assert (change["action"], change["uid"], change["title"]) == ("changed", "otel-apm", "APM, moved")
    assert (change["old_path"], change["new_path"]) == ("generated/dashboards/otel-apps/otel-apm.json",
                                                        "generated/dashboards/elsewhere/otel-apm.json")
    assert [(d["path"], d["before"], d["after"]) for d in change["diff"]] == [
        (["title"], "APM: services and routes", "APM, moved"), (["folder"], "otel-apps", "elsewhere")]

    for content, says in ((b'{"uid": "x", "title": "\xff"}', "not UTF-8 text"), (b"{not json", "not valid JSON")):
        (new / "dashboards/elsewhere/otel-apm.json").write_bytes(content)
        result = CliRunner().invoke(main, ["diff", str(old), str(new)])
        assert result.exit_code == 2, result.output
        # named where it is, in the tree given (not as a generated/ of this repository)
        assert f"{new}/dashboards/elsewhere/otel-apm.json" in result.output and says in result.output
        assert "Traceback" not in result.output


def test_names_cannot_turn_into_markup_and_kinds_have_their_headings(trees: tuple[Path, Path]) -> None:
    """A title holding `<details>`, `|` or `*` is shown as written: GitHub read `<details>` as HTML
    and folded the rest of the comment away. Contact points get a heading, in the summary's order."""
    old, new = trees
    edit_json(new / "dashboards/otel-apps/otel-apm.json", lambda d: (
        d.update(title="APM <details> *draft*"), panel(d, "Throughput").update(title="p95 | <b>x</b>")))
    edit_json(new / "contact-points" / "oncall-pagerduty.json",
              lambda cp: cp.update(disableResolveMessage=not cp.get("disableResolveMessage")))
    out = gac("diff", str(old), str(new), "--format", "markdown").output
    [heading] = [line for line in out.splitlines() if line.startswith("#### ") and "`otel-apm`" in line]
    assert heading.endswith("— APM &lt;details&gt; \\*draft\\*"), heading  # in a code span a value is safe
    assert [line for line in out.splitlines() if "p95 \\| &lt;b&gt;x&lt;/b&gt;" in line and line.startswith("- ")]
    assert "### Contact points" in out and "contact-point" not in out.split("###")[0]
    sections = [line.removeprefix("### ") for line in out.splitlines() if line.startswith("### ")]
    table = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ") and "Added" not in line]
    assert sections == [label for label in table if label in sections], (sections, table)  # one order
