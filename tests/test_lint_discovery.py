"""`gac lint DIR`: a directory given that holds nothing to lint, and a symbolic link in one that
cannot be followed, are errors (exit 2) naming them, as a missing file given on its own is; the
other paths' files are still linted. Suffixes are matched in any case, as `load` reads them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.lint.command import lint_command

CASES = Path(__file__).resolve().parent / "lint_cases"
NO_FILES = "no JSON or YAML files found"


def run(*args: str | Path) -> tuple[int, str, str]:
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    result = runner.invoke(lint_command, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def linted(stdout: str) -> set[str]:
    """The files a `--format json` run has findings in, by name."""
    return {Path(f["file"]).name for f in json.loads(stdout)}


def legacy(path: Path) -> Path:
    """A dashboard with findings at error severity, at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CASES / "dashboard_legacy.json", path)
    return path


def test_a_directory_with_nothing_to_lint_exits_2_naming_it(tmp_path):
    """Pointed at the wrong folder, a CI step printed "no findings" and passed."""
    (tmp_path / "a.txt").write_text("{}")
    code, out, err = run(tmp_path)
    assert code == 2
    assert errors(err) == [f"error: {tmp_path}: {NO_FILES} (dashboards, alert rule files, provisioning files, "
                           "data sources: *.json, *.yaml, *.yml): check the path"]
    assert out.strip() != "no findings"


def test_an_empty_directory_and_one_with_only_skipped_folders_are_errors_too(tmp_path):
    (tmp_path / "empty").mkdir()
    for name in ("skipped/node_modules/n.json", "skipped/.git/g.yaml"):
        legacy(tmp_path / name)
    code, _, err = run(tmp_path / "empty", tmp_path / "skipped")
    assert code == 2
    assert [e.split(": ")[1] for e in errors(err)] == [str(tmp_path / "empty"), str(tmp_path / "skipped")]
    assert all(NO_FILES in e for e in errors(err))


def test_a_directory_with_nothing_to_lint_beside_others_is_named_and_the_others_are_linted(tmp_path):
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "notes.txt").write_text("")
    legacy(tmp_path / "right" / "d.json")
    code, out, err = run(tmp_path / "right", tmp_path / "wrong", "--format", "json")
    assert code == 2
    assert linted(out) == {"d.json"}
    assert [e.split(": ")[1] for e in errors(err)] == [str(tmp_path / "wrong")] and NO_FILES in err
    # a directory whose files were all met before (overlapping arguments) is not empty
    code, _, err = run(tmp_path / "right", tmp_path / "right", tmp_path / "right" / "d.json")
    assert code == 1 and errors(err) == []


def test_suffixes_in_any_case_are_linted_in_a_directory_as_when_named(tmp_path):
    """discover matches suffixes as `load` reads them: lower-cased (b.JSON is JSON)."""
    for name in ("b.JSON", "c.Json", "sub/x.YAML", "sub/y.Yml"):
        legacy(tmp_path / name)
    code, out, err = run(tmp_path, "--format", "json")
    assert (code, errors(err)) == (1, [])
    assert linted(out) == {"b.JSON", "c.Json", "x.YAML", "y.Yml"}
    code, out, _ = run(tmp_path / "b.JSON", tmp_path / "sub" / "x.YAML", "--format", "json")
    assert code == 1 and linted(out) == {"b.JSON", "x.YAML"}


def test_a_broken_link_or_a_link_loop_in_a_directory_exits_2_naming_it_and_the_rest_is_linted(tmp_path):
    legacy(tmp_path / "d.json")
    (tmp_path / "c.json").symlink_to("/nonexistent/c.json")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop.YML").symlink_to("loop.YML")
    code, out, err = run(tmp_path, "--format", "json")
    assert code == 2
    assert linted(out) == {"d.json"}
    assert errors(err) == [
        f"error: {tmp_path / 'c.json'}: cannot read: No such file or directory (a symbolic link to "
        "/nonexistent/c.json): fix or remove the link",
        f"error: {tmp_path / 'sub' / 'loop.YML'}: cannot read: Too many levels of symbolic links (a symbolic link "
        "to loop.YML): fix or remove the link"]
    # the text summary counts them, and a second run says the same
    code, text, err_text = run(tmp_path)
    assert code == 2 and text.splitlines()[-1].endswith("2 paths could not be linted")
    assert run(tmp_path) == (code, text, err_text)


def test_a_directory_of_broken_links_only_names_the_links_not_an_empty_directory(tmp_path):
    (tmp_path / "c.yaml").symlink_to(tmp_path / "missing.yaml")
    code, _, err = run(tmp_path)
    assert code == 2
    assert len(errors(err)) == 1 and "c.yaml: cannot read" in err and NO_FILES not in err


def test_links_discovery_skips_on_purpose_stay_skipped(tmp_path):
    """Only a link named as a JSON or YAML file the search would lint is a problem: not one with
    another suffix, nor a name that is only a suffix, nor one below node_modules or .git; a
    link into node_modules is not followed."""
    legacy(tmp_path / "d.json")
    (tmp_path / "notes.txt").symlink_to("/nonexistent")
    (tmp_path / ".json").symlink_to("/nonexistent")
    for skipped in ("node_modules", ".git"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.json").symlink_to("/nonexistent")
    (tmp_path / "elsewhere.json").symlink_to(tmp_path / "node_modules")
    code, out, err = run(tmp_path, "--format", "json")
    assert (code, errors(err), linted(out)) == (1, [], {"d.json"})


def test_a_link_to_a_folder_is_followed_once_and_a_loop_ends(tmp_path):
    """Dashboards shared between repositories by a link to their folder are linted (as gac test
    follows a linked folder of tests); a link back up the tree, or a second link to a folder read
    already, reads nothing again."""
    shared = tmp_path / "shared"
    legacy(shared / "team" / "d.json")
    repo = tmp_path / "repo"
    legacy(repo / "own.json")
    (repo / "shared").symlink_to(shared)
    (repo / "again").symlink_to(shared / "team")
    (shared / "team" / "up").symlink_to(tmp_path)  # a loop through the repository and back
    code, out, err = run(repo, "--format", "json")
    assert code == 1 and errors(err) == []
    files = sorted(f["file"] for f in json.loads(out))
    assert set(files) == {str(repo / "own.json"), str(repo / "again" / "d.json")}
    # the link given as the path: its files, and the loop's way back to the repository, each once
    code, out, err = run(repo / "shared", "--format", "json")
    assert code == 1 and NO_FILES not in err and sorted({f["file"] for f in json.loads(out)}) == [
        str(repo / "shared" / "team" / "d.json"), str(repo / "shared" / "team" / "up" / "repo" / "own.json")]


def test_a_broken_link_is_named_once_when_a_data_source_found_late_lints_the_tree_again(tmp_path):
    """A data source with only a `url` is found in the second pass and the tree is linted again
    (engine._lint_paths): the directory's problems are described once, not once per pass."""
    legacy(tmp_path / "d.json")
    ds = {"name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "http://prometheus:9090"}
    (tmp_path / "zz-ds.json").write_text(json.dumps(ds))
    (tmp_path / "c.json").symlink_to("/nonexistent")
    code, _, err = run(tmp_path)
    assert code == 2
    assert [e.split(": ")[1] for e in errors(err)] == [str(tmp_path / "c.json")]


def test_a_directory_whose_files_hold_nothing_to_lint_is_named_and_exits_2(tmp_path):
    """Pointed at a folder of package.json and tool settings, a CI step linted nothing and passed;
    a folder holding one dashboard among such files is linted as before, and so is the other
    directory given beside the wrong one."""
    wrong = tmp_path / "config"
    wrong.mkdir()
    (wrong / "package.json").write_text('{"name": "site", "version": "1.0.0"}')
    (wrong / "settings.yaml").write_text("a: 1\n")
    code, out, err = run(wrong, "--format", "json")
    assert code == 2 and json.loads(out) == []
    assert errors(err) == [f"error: {wrong}: none of its 2 JSON or YAML file(s) is a Grafana dashboard, alert rule "
                           "group, provisioning file, data source or Prometheus rule file: nothing to lint; check "
                           "the path"]
    right = tmp_path / "dashboards"
    legacy(right / "d.json")
    (right / "package.json").write_text('{"name": "site"}')
    code, out, err = run(right, "--format", "json")
    assert (code, errors(err), linted(out)) == (1, [], {"d.json"})
    code, out, err = run(right, wrong, "--format", "json")
    assert code == 2 and linted(out) == {"d.json"} and [e.split(": ")[1] for e in errors(err)] == [str(wrong)]
