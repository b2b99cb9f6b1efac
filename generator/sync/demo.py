"""`make demo`: the whole flow against a local Grafana emulator, no Grafana needed.

    python -m generator.sync.demo [--root .] [--keep]

Starts the emulator from tests/ (`python -m tests.grafana_emulator --port PORT --token
TOKEN`) on a free port, copies the definitions to a scratch directory (your working tree
is not touched), then runs, showing each command and its output:

1. `gac build`                       compile and lint into generated/
2. `gac plan`                        everything is to be created
3. `gac sync`                        folders, data sources, dashboards, rule groups
4. `gac plan`                        nothing to do: the second run is a no-op
5. a UI edit by another user         alice changes a panel title and a threshold
6. `gac plan`                        the edit shows as a conflict, with a semantic diff
7. `gac sync`                        refuses to overwrite it (exit 1)

and stops the emulator. The token is random and never printed. The secrets the local
environment of grafana.yaml names (contact points' keys and webhooks, data-source passwords)
get random stand-ins where the variable is unset: the emulator never calls a receiver. A step
that ends otherwise than expected stops the demo there, naming it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests

from ..config import environment, load_config
from ..errors import ConfigError

DEFINITIONS = ("datasources", "dashboards", "alerts")
EDITOR = ("alice", "alice-password")  # a user of the emulator (see tests/grafana_emulator/server.py)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(repo: Path, port: int, token: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.grafana_emulator", "--port", str(port), "--token", token],
                            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening"):
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line.strip() or 'no output'}")
    return proc


def scratch_copy(repo: Path, dest: Path) -> Path:
    for name in DEFINITIONS:
        shutil.copytree(repo / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo / "grafana.yaml", dest / "grafana.yaml")
    return dest


def step(title: str) -> None:
    print(f"\n=== {title} ", "=" * max(3, 76 - len(title)), sep="", flush=True)


def gac(root: Path, env: dict[str, str], *args: str) -> int:
    shown = " ".join(args)
    print(f"$ gac {shown}", flush=True)
    done = subprocess.run([sys.executable, "-m", "generator", *args, "--root", str(root)], env=env, cwd=root,
                          text=True, capture_output=True)
    output = (done.stdout + done.stderr).rstrip()
    token = env.get("GRAFANA_TOKEN", "")
    print(output.replace(token, "[token]") if token else output)
    print(f"(exit {done.returncode})", flush=True)
    return done.returncode


def demo_secrets(repo: Path, env: dict[str, str]) -> list[str]:
    """Random stand-ins for the local environment's unset secret variables; their names."""
    local = environment(load_config(repo), "local")
    names = {name for group in ("datasources", "contact_points") for obj in (local.get(group) or {}).values()
             for name in ((obj or {}).get("secrets") or {}).values()}
    missing = sorted(name for name in names if not env.get(name))
    for name in missing:
        env[name] = "demo-" + secrets.token_hex(8)
    return missing


def ui_edit(url: str) -> str:
    """What a person does in Grafana's UI: open a dashboard, change it, save (as themselves)."""
    session = requests.Session()
    session.auth = EDITOR
    current: dict[str, Any] = session.get(f"{url}/api/dashboards/uid/otel-apm", timeout=10).json()
    dashboard = current["dashboard"]
    panel = next(p for p in dashboard["panels"] if p.get("type") != "row")
    panel["title"] += " (edited in the UI)"
    saved = session.post(f"{url}/api/dashboards/db", timeout=10, json={
        "dashboard": dashboard, "folderUid": current["meta"]["folderUid"], "overwrite": False,
        "message": "tweak from the UI"})
    saved.raise_for_status()
    return f'{EDITOR[0]} renamed panel "{panel["title"]}" in dashboard otel-apm (now version {saved.json()["version"]})'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The gac flow against a local Grafana emulator.")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (definitions, tests/)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    repo = args.root.resolve()
    port, token = free_port(), "glsa_demo_" + secrets.token_hex(16)
    scratch = Path(tempfile.mkdtemp(prefix="gac-demo-"))
    root = scratch_copy(repo, scratch / "repo")
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GRAFANA_URL": url, "GRAFANA_TOKEN": token, "PYTHONPATH": str(repo)}
    env.pop("GRAFANA_USER", None)
    env.pop("GRAFANA_PASSWORD", None)
    try:
        stand_ins = demo_secrets(repo, env)
    except ConfigError as exc:
        print(f"The demo needs a valid grafana.yaml with a local environment: {exc}", file=sys.stderr)
        return 2
    emulator = start_emulator(repo, port, token)
    steps = [
        ("1. build: definitions → generated/", ("build",), 0),
        ("2. plan: what would change in Grafana", ("plan", "--env", "local"), 0),
        ("3. sync: apply it (parents first, parallel within a level)", ("sync", "--env", "local"), 0),
        ("4. plan again: a second run has nothing to do", ("plan", "--env", "local", "--detailed-exitcode"), 0),
        ("5. someone edits a dashboard in Grafana's UI", (), 0),
        ("6. plan: the UI edit is a conflict, shown as a semantic diff", ("plan", "--env", "local"), 0),
        ("7. sync: refuses to overwrite the UI edit (exit 1); --force would back it up first",
         ("sync", "--env", "local"), 1),
    ]
    try:
        print(f"Grafana emulator at {url}; definitions copied to {root}")
        if stand_ins:
            print(f"Random stand-ins for the unset secret variables {', '.join(stand_ins)} (the emulator sends "
                  "nothing to receivers)")
        for title, args_, expected in steps:
            step(title)
            code = gac(root, env, *args_) if args_ else 0
            if not args_:
                print(ui_edit(url))
            if code != expected:
                print(f"\nThe demo stopped at step {title.split('.')[0]}: exit {code}, expected {expected}",
                      file=sys.stderr)
                return 1
    finally:
        emulator.terminate()
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print("\nDone: build → plan → sync → no-op plan → UI edit → conflict, refused. Emulator stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
