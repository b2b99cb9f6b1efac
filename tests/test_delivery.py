"""Delivery: the Dockerfile, the workflows and the CronJob, checked without a container engine.

No Docker engine runs here, so the image cannot be built. What can be checked is: the
commands the Dockerfile runs, run the same way in a clean virtual environment, and the
image's command working from what the image holds (generated/ and grafana.yaml, read-only,
no definitions); the workflows parse, use only real actions with inputs those actions
have, and call `gac` only with commands and options it has.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from generator.cli import main
from tests.paths import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))

#: actions the workflows may use, at the major version they pin, with the inputs each has
#: (from each action's action.yml at that major version)
KNOWN_ACTIONS: dict[str, set[str]] = {
    "actions/checkout@v4": {"repository", "ref", "token", "fetch-depth", "path", "persist-credentials"},
    "actions/setup-python@v5": {"python-version", "python-version-file", "cache", "architecture"},
    "actions/upload-artifact@v4": {"name", "path", "if-no-files-found", "retention-days"},
    "github/codeql-action/upload-sarif@v3": {"sarif_file", "category", "checkout_path"},
    "marocchino/sticky-pull-request-comment@v2": {"header", "path", "message", "recreate", "hide"},
    "docker/setup-buildx-action@v3": {"version", "driver", "platforms"},
    "docker/login-action@v3": {"registry", "username", "password", "logout"},
    "docker/metadata-action@v5": {"images", "tags", "flavor", "labels"},
    "docker/build-push-action@v6": {"context", "file", "push", "tags", "labels", "platforms", "build-args"},
}


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_use_only_real_actions_and_inputs(path):
    for step in _steps(_load(path)):
        if "uses" not in step:
            continue
        assert step["uses"] in KNOWN_ACTIONS, f"{path.name}: unknown action {step['uses']}"
        unknown = set(step.get("with") or {}) - KNOWN_ACTIONS[step["uses"]]
        assert not unknown, f"{path.name}: {step['uses']} has no input(s) {sorted(unknown)}"


def _gac_invocations(script: str) -> list[list[str]]:
    """Each `gac …` command line in a shell script, as arguments (shell syntax after it cut off)."""
    out = []
    for line in script.replace("\\\n", " ").splitlines():
        match = re.match(r"\s*(?:\.venv/bin/)?gac\s+([^|>&;]*)", line)
        if match:
            words = shlex.split(match.group(1), posix=True)
            out.append([w for w in words if not w.startswith("${") and "$" not in w])
    return out


def _command(name: str) -> click.Command | None:
    """gac's command `name` as the CLI resolves it (commands are imported on first use)."""
    return main.get_command(click.Context(main), name)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_call_gac_with_real_commands_and_options(path):
    calls = [args for step in _steps(_load(path)) for args in _gac_invocations(step.get("run", ""))]
    for args in calls:
        command = _command(args[0])
        assert command is not None, f"{path.name}: gac has no command {args[0]!r}"
        # click parses the words as gac would: an unknown option or a missing value fails here
        ctx = command.make_context(args[0], [a for a in args[1:] if not a.startswith("origin/")],
                                   resilient_parsing=False)
        ctx.close()


def test_deploy_workflow_syncs_main_behind_an_approval_one_run_at_a_time():
    deploy = _load(REPO / ".github" / "workflows" / "deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    job = deploy["jobs"]["sync"]
    assert job["environment"] == "prod"  # required reviewers are set on the GitHub environment
    scripts = [step.get("run", "") for step in job["steps"]]
    plan = next(i for i, s in enumerate(scripts) if "gac plan" in s)
    sync = next(i for i, s in enumerate(scripts) if "gac sync" in s)
    assert plan < sync and "GITHUB_STEP_SUMMARY" in scripts[plan]


def test_image_workflow_publishes_on_pushes_to_main():
    image = _load(REPO / ".github" / "workflows" / "image.yml")
    assert image["on"]["push"]["branches"] == ["main"]
    pushes = [s for s in _steps(image) if s.get("uses", "").startswith("docker/build-push-action")]
    assert pushes and pushes[0]["with"]["push"] is True


def test_cronjob_runs_the_image_non_root_on_a_read_only_root_filesystem():
    job = yaml.safe_load((REPO / "deploy" / "k8s" / "drift-cronjob.yaml").read_text())
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["command"][:2] == ["gac", "drift"]
    command = _command("drift")
    assert command is not None
    # the options as gac reads them; the repository the job mounts at --root is this one here
    args = container["command"][2:]
    root = args.index("--root") + 1
    ctx = command.make_context("drift", [*args[:root], str(REPO), *args[root + 1:]])
    ctx.close()


def _dockerfile() -> list[tuple[str, str]]:
    lines = (REPO / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    return [(ins.upper(), rest.strip()) for ins, _, rest in
            (line.strip().partition(" ") for line in lines if line.strip() and not line.startswith("#"))]


def test_dockerfile_copies_only_what_exists_and_runs_as_non_root():
    instructions = _dockerfile()
    for ins, rest in instructions:
        if ins == "COPY" and not rest.startswith("--from"):
            for source in rest.split()[:-1]:
                assert (REPO / source).exists(), f"Dockerfile copies {source}, which does not exist"
    users = [rest for ins, rest in instructions if ins == "USER"]
    assert users and not users[-1].startswith(("0", "root"))
    copied = {rest.split()[0] for ins, rest in instructions if ins == "COPY"}
    assert {"generated", "grafana.yaml"} <= copied


@pytest.mark.skipif(os.environ.get("GAC_SKIP_NETWORK_TESTS") == "1", reason="GAC_SKIP_NETWORK_TESTS=1")
def test_dockerfile_commands_work_in_a_clean_environment_from_generated_only(tmp_path):
    """The build stage's RUN, then the image's command on a read-only copy of what it holds."""
    instructions = _dockerfile()
    build_stage = instructions[1:next(i for i, (ins, _) in enumerate(instructions) if ins == "FROM" and i > 0)]
    src = tmp_path / "src"
    src.mkdir()
    for ins, rest in build_stage:  # COPY <sources...> <dest>, dest relative to WORKDIR
        if ins == "COPY":
            *sources, dest = rest.split()
            for source in sources:
                target = src / dest / source if dest.endswith("/") else src / dest
                if (REPO / source).is_dir():
                    shutil.copytree(REPO / source, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(REPO / source, target)
    prefix = tmp_path / "opt-gac"
    run = next(rest for ins, rest in build_stage if ins == "RUN")
    run = run.replace("/opt/gac", str(prefix)).replace("python -m venv", f"{sys.executable} -m venv")
    built = subprocess.run(run, shell=True, cwd=src, capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and "Could not find a version" in built.stderr + built.stdout:
        pytest.skip("no package registry reachable: " + built.stderr.strip().splitlines()[-1])
    assert built.returncode == 0, built.stderr[-2000:]

    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(REPO / "grafana.yaml", repo / "grafana.yaml")
    shutil.copytree(REPO / "generated", repo / "generated")
    for path in [repo, *repo.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    final_stage = instructions[next(i for i, (ins, _) in enumerate(instructions) if ins == "FROM" and i > 0):]
    env = {"HOME": str(tmp_path)}
    for ins, rest in final_stage:  # ENV K=V K=V, as the image sets them
        if ins == "ENV":
            env.update(word.split("=", 1) for word in shlex.split(rest))  # type: ignore[misc]
    env["PATH"] = env["PATH"].replace("/opt/gac", str(prefix)).replace("$PATH", "/usr/bin:/bin")
    try:
        help_ = subprocess.run(["gac", "drift", "--help"], env=env, cwd=repo, capture_output=True, text=True)
        assert help_.returncode == 0 and "--env" in help_.stdout
        # the image's command, against an unreachable Grafana: a clear connection error (exit 2),
        # which proves generated/ and grafana.yaml were read without writing anything
        env.update({"GRAFANA_URL": "http://127.0.0.1:9", "GRAFANA_TOKEN": "glsa_test"})
        drift = subprocess.run(["gac", "drift", "--root", str(repo), "--env", "prod", "--format", "json"],
                               env=env, cwd=repo, capture_output=True, text=True, timeout=120)
        assert drift.returncode == 2, drift.stdout + drift.stderr
        assert "Traceback" not in drift.stderr and "127.0.0.1:9" in drift.stderr
        assert not list(repo.rglob("__pycache__"))
    finally:
        for path in [repo, *repo.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_the_workflow_commands_checked_above_are_the_ones_that_matter():
    found = {args[0] for path in WORKFLOWS for step in _steps(_load(path))
             for args in _gac_invocations(step.get("run", ""))}
    assert {"check", "build", "lint", "diff", "drift", "plan", "sync"} <= found
