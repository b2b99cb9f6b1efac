"""Pull round trip for every dashboard in shared/corpus: what people built in Grafana, adopted.

Each corpus dashboard is saved into Grafana by a person (alice), pulled, built, and must
come out of the build as the normalized dashboard -- and drift must then find nothing
but dashboards waiting to be adopted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from generator.build import build
from generator.builders.dashboards import MANAGED_TAG
from generator.cli import main
from generator.handlers.live import same_json
from generator.normalize import normalize_dashboard, unwrap
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.paths import needs_shared
from tests.project import copy_project
from tests.test_drift_noop_save import add_corpus_datasources, build_unlinted, corpus_files

pytestmark = [emulator_only, needs_shared]


def gac(root: Path, emu: GrafanaEmulator, *args: str) -> Any:
    env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token, "GRAFANA_USER": None, "GRAFANA_PASSWORD": None,
           "GAC_ENV": None, "GRAFANA_ORG_ID": None}
    return CliRunner().invoke(main, [args[0], "--root", str(root), "--env", "local", *args[1:]], env=env,
                              catch_exceptions=False)


def test_every_corpus_dashboard_round_trips(tmp_path: Path, grafana_emulator: GrafanaEmulator) -> None:
    emu = grafana_emulator
    root = copy_project(tmp_path / "repo")
    raws = {path: unwrap(json.loads(path.read_text())) for path in corpus_files()}
    assert len(raws) == 36
    add_corpus_datasources(root, list(raws.values()))
    build_unlinted(root)
    assert gac(root, emu, "sync").exit_code == 0

    alice = emu.as_user("alice")
    assert alice.post("/api/folders", json={"uid": "corpus", "title": "Corpus"}).ok
    uids: dict[Path, str] = {}
    for path, raw in raws.items():
        body = {k: v for k, v in raw.items() if k not in ("id", "version")}
        saved = alice.post("/api/dashboards/db", json={"dashboard": body, "folderUid": "corpus"})
        assert saved.status_code == 200, (path, saved.text)
        uids[path] = saved.json()["uid"]  # Grafana gives the three without one a uid

    pulled = gac(root, emu, "pull", "--folder", "corpus")
    assert pulled.exit_code == 0, pulled.output
    assert pulled.output.rstrip().endswith("Pull: 36 new, 0 updated, 0 to reconcile, 0 unchanged, 0 skipped; "
                                           "wrote 73 file(s). Next: `gac build`, review, commit.")
    built = build(root, write=False)
    assert not [f for f in built.findings if f.severity == "error"], "lint is switched off for what it rejects"
    build_unlinted(root)

    for path, uid in sorted(uids.items()):
        generated = json.loads((root / f"generated/dashboards/corpus/{uid}.json").read_text())
        expected = normalize_dashboard({**raws[path], "uid": uid})
        expected["tags"] = sorted(set(expected.get("tags") or []) | {MANAGED_TAG})
        assert same_json(generated, expected), path

    drift = gac(root, emu, "drift", "--format", "json")
    doc = json.loads(drift.output)
    assert drift.exit_code == 0, [(i["uid"], i.get("changes", [])[:2]) for i in doc["items"]]
    assert sorted(i["uid"] for i in doc["unadopted"]) == sorted(uids.values())
