"""What a no-op plan costs: requests O(pages) on Grafana 12+, and no comparison form built
for an object whose stamp proves it unchanged -- while a UI edit is still a conflict and a
no-op save still no change (test_sync.py, test_drift*.py, test_versions_e2e.py keep those).
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import math
import random
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from generator.build import build
from generator.handlers import HANDLERS, k8s
from generator.handlers.live import LiveObject, SyncContext, canonical, canonicalized, content_hash
from generator.output import GENERATED
from generator.resource import Resource
from generator.sync.desired import Desired
from generator.sync.plan import build_plan
from generator.sync.state import read_state
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.testing import emulator_only
from tests.project import copy_project
from tests.test_sync import Gac, actions

pytestmark = emulator_only

SKIP_CHECK = {"GAC_SKIP_BUILD_CHECK": "1"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "repo")
    assert build(root).written
    return root


def _add_dashboards(root: Path, count: int) -> int:
    """`count` copies of a project dashboard in generated/ (plan/sync then skip the build check).
    Returns how many dashboards generated/ holds in all."""
    dashboards = root / GENERATED / "dashboards"
    template_path = next(dashboards.rglob("*.json"))
    template = json.loads(template_path.read_text())
    for i in range(count):
        body = copy.deepcopy(template)
        body["uid"], body["title"] = f"cost-{i:04d}", f"Cost {i:04d}"
        (template_path.parent / f"cost-{i:04d}.json").write_text(json.dumps(body, indent=2, sort_keys=True))
    return len(list(dashboards.rglob("*.json")))


def _count_calls(monkeypatch: pytest.MonkeyPatch, kind: str) -> list[str]:
    """A spy on the kind's handler's compare_forms: the uids it was called for."""
    handler = HANDLERS[kind]
    original: Callable[..., Any] = handler.compare_forms
    calls: list[str] = []

    def spy(desired: Any, live: Any, ctx: Any) -> Any:
        calls.append(desired.uid)
        return original(desired, live, ctx)

    monkeypatch.setattr(handler, "compare_forms", spy)
    return calls


def test_noop_plan_on_12_costs_list_pages_not_a_get_per_dashboard(
        project: Path, grafana_12_plus: GrafanaEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu = grafana_12_plus
    monkeypatch.setattr(k8s, "PAGE_SIZE", 100)
    total = _add_dashboards(project, 250)
    gac = Gac(project, emu)
    assert gac("sync", env=SKIP_CHECK).exit_code == 0

    emu.clear_log()
    plan = gac("plan", "--format", "json", env=SKIP_CHECK)
    assert plan.exit_code == 0, plan.output
    doc = json.loads(plan.stdout)
    assert set(actions(doc)) == {"unchanged"}
    lists = re.compile(r"/apis/(dashboard|folder)\.grafana\.app/[^/]+/namespaces/default/(dashboards|folders)$")
    pages = [r for r in emu.requests if r.method == "GET" and lists.match(r.path) and "dashboards" in r.path]
    assert len(pages) == math.ceil(total / 100)  # 253 dashboards, 100 a page: 3 list requests
    per_object = [r.path for r in emu.requests if re.match(r"/apis/.*/(dashboards|folders)/", r.path)]
    assert per_object == []  # no GET per dashboard or folder
    assert not [r for r in emu.requests if r.path.startswith("/api/search") or r.path.startswith("/api/dashboards/")]
    # the plan tells what it cost, and that is what Grafana saw
    assert doc["requests"]["reads"] == len(emu.requests) and doc["requests"]["writes"] == 0
    assert len(emu.requests) < 30  # listings and preflight: a fixed few, not ~N

    text = gac("plan", env=SKIP_CHECK)
    assert f"Requests: {doc['requests']['reads']} ({doc['requests']['reads']} reads, 0 writes)" \
        in text.output.splitlines()[2]


def test_listed_dashboards_still_show_a_ui_edit_and_a_v2_save(
        project: Path, grafana_12_plus: GrafanaEmulator) -> None:
    """Read from the list, a dashboard keeps every safety property of the GET it replaces."""
    emu = grafana_12_plus
    gac = Gac(project, emu)
    assert gac("sync").exit_code == 0
    emu.ui_save_dashboard("otel-apm", {"title": "APM (alice)"}, user="alice")
    doc = gac.plan_json()
    assert actions(doc)["conflict"] == ["dashboard:otel-apm"]
    emu.save_dashboard_v2("otel-apm", user="alice")
    emu.clear_log()
    doc = gac.plan_json()
    assert actions(doc)["conflict"] == ["dashboard:otel-apm"]
    # the one dashboard the v1 list cannot hold as Grafana stores it is fetched as v2, alone
    gets = [r.path for r in emu.requests if r.method == "GET" and "/dashboards/" in r.path]
    assert gets and all(p.endswith("/dashboards/otel-apm") and "/v2" in p for p in gets), gets


def test_stamp_equal_objects_build_no_comparison_forms(
        gac: Gac, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged by their stamps: compare_forms is not called; a person's edit still is, and conflicts.

    Folders carry a stamp only where Grafana keeps their annotations (13's /apis); Grafana 11's
    legacy folders keep none, nor do 12's in legacy SQL, so there they are always compared (three
    small forms).
    """
    assert gac("sync").exit_code == 0
    profile = gac.emu.profile
    kinds = ("dashboard", "folder") if profile.apis and not profile.folders_in_legacy_sql else ("dashboard",)
    calls = {kind: _count_calls(monkeypatch, kind) for kind in kinds}
    nothing: dict[str, list[str]] = {kind: [] for kind in kinds}
    doc = gac.plan_json()
    assert "unchanged" in actions(doc) and set(actions(doc)) == {"unchanged"}
    assert calls == nothing
    assert gac("drift").exit_code == 0
    assert calls == nothing

    gac.emu.ui_save_dashboard("otel-collector", {"title": "Collector (alice)"}, user="alice")
    doc = gac.plan_json()
    assert actions(doc)["conflict"] == ["dashboard:otel-collector"]
    assert calls["dashboard"] == ["otel-collector"]  # the edited one alone is compared, and diffed
    assert any("Collector (alice)" in json.dumps(c["diff"]) for c in doc["changes"] if c["uid"] == "otel-collector")


@pytest.fixture
def gac(project: Path, grafana_any_version: GrafanaEmulator) -> Gac:
    return Gac(project, grafana_any_version)


def test_a_save_of_identical_content_is_decided_by_the_hash(gac: Gac, monkeypatch: pytest.MonkeyPatch) -> None:
    """The version moved but the content still hashes to the stamp: unchanged, no forms built."""
    emu = gac.emu
    assert gac("sync").exit_code == 0
    live = emu.client().get("/api/dashboards/uid/otel-apm").json()
    saved = emu.as_user("alice").post("/api/dashboards/db", json={
        "dashboard": live["dashboard"], "folderUid": live["meta"]["folderUid"], "overwrite": False})
    assert saved.status_code == 200, saved.text
    assert emu.client().get("/api/dashboards/uid/otel-apm").json()["meta"]["version"] > live["meta"]["version"]
    calls = _count_calls(monkeypatch, "dashboard")
    doc = gac.plan_json()
    assert "dashboard:otel-apm" in actions(doc)["unchanged"]
    assert calls == []


@pytest.mark.parametrize("value", [
    {"a": 8.0, "b": [1.0, 2.5], "c": "v1.0"},
    {"a": 1e16, "b": -3.0},
    {"a": 0.5, "b": "x.0y", "nested": {"z": [True, None, 1]}},
    {"text": "naïve", "n": 1e-05},
])
def test_content_hash_equals_the_hash_of_the_canonical_form(value: Any) -> None:
    """The fast hash (no round trip when no integral float shows) is the canonical one."""
    slow = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_hash(value) == hashlib.sha256(slow.encode("utf-8")).hexdigest()[:20]
    assert content_hash(value) == content_hash(canonical(value))


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    """JSON values whose strings look like numbers in JSON text (`:300.0,`), hold quotes and backslashes."""
    atoms = [0.0, -0.0, 300.0, 1e16, 1.5e16, 1e21, 2e22, 0.5, -3.0, 1e-05, 7, True, None, "x", ':300.0,', '"',
             "\\", '\\"', 'a\\"b', ':1e+16]', "v1.0", '\\":8.0,', '":8.0,"', "naïve :9.0}", '\\\\":2.0,"',
             ":1.2.0,", ":-.0]", float("nan"), float("inf")]
    pick = rng.random()
    if depth > 4 or pick < 0.4:
        return rng.choice(atoms)
    if pick < 0.7:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["a", ":1.0,", 'k"', "k\\", "é", '\\\\"', ":5.0]"]
    return {rng.choice(keys) + str(rng.randint(0, 3)): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_integral_floats_are_respelled_in_the_text_exactly_as_the_round_trip_spells_them() -> None:
    """`content_hash` respells `300.0` as `300` in the encoded text instead of decoding and encoding
    the value again (grafanalib writes thresholds as floats: most dashboards took the slow path).
    Strings that look like numbers in JSON text, with quotes and backslashes, are left alone."""
    from generator.handlers.live import _go_numbers

    def round_trip(value: Any) -> str:
        return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    rng = random.Random(15)
    values = [_random_json(rng) for _ in range(4000)]
    values += [json.loads(p.read_text()) for p in sorted((Path(__file__).parent.parent / GENERATED).rglob("*.json"))]
    respelled = 0
    for value in values:
        value = value if isinstance(value, (dict, list)) else [value]
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert _go_numbers(text) == round_trip(value), value
        respelled += _go_numbers(text) != text
    assert respelled > 100  # the cases are not all trivial
    assert _go_numbers("300.0") is None  # not an object or array: the caller takes the round trip


def test_canonicalized_converts_integral_floats_and_otherwise_spares_the_copy() -> None:
    with_float = {"thresholds": [{"value": 300.0}, {"value": 1e16}], "note": "x"}
    assert canonicalized(with_float) == {"thresholds": [{"value": 300}, {"value": 10**16}], "note": "x"}
    assert isinstance(canonicalized(with_float)["thresholds"][0]["value"], int)
    plain = {"value": 0.5, "title": "v1.05", "n": 3}
    assert canonicalized(plain) is plain


def test_the_cycle_collector_is_paused_while_reading_and_judging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bulk JSON decoding under the cycle collector was half a no-op plan's CPU: paused, then restored."""
    seen: list[bool] = []
    handler = HANDLERS["folder"]
    monkeypatch.setattr(handler, "list_live", lambda calls, ctx: seen.append(gc.isenabled()) or [])
    monkeypatch.setattr(handler, "unchanged_by_stamp", lambda *a, **k: seen.append(gc.isenabled()) or False)
    assert gc.isenabled()
    state = read_state(None, SyncContext(), set(), prune=False, kinds=["folder"],  # type: ignore[arg-type]
                       meanwhile=lambda: seen.append(gc.isenabled()))
    assert gc.isenabled()
    assert state.refs == {}
    folder = Resource("folder", "f", {"uid": "f", "title": "F"})
    state.objects[("folder", "f")] = LiveObject(folder, token=1, managed=True)
    build_plan(Desired([folder], {("folder", "f"): folder}), state, SyncContext())
    assert gc.isenabled()
    assert seen == [False, False, False]


def _tracked(obj: Any) -> bool:
    """Whether the cycle collector's generations hold `obj` (frozen objects are outside them)."""
    return any(o is obj for o in gc.get_objects())


def test_what_a_plan_decoded_is_kept_from_the_collector_until_the_session_closes(
        project: Path, grafana_any_version: GrafanaEmulator) -> None:
    """Re-enabled after a phase, the collector's next young collection traversed every body the phase
    decoded -- a third of a second per thousand dashboards, for no garbage; now they are set aside
    (gc.freeze) and handed back when the run ends."""
    from generator.remote.options import Options
    from generator.remote.session import open_session
    from generator.sync.run import make_plan

    emu = grafana_any_version
    env = {"GRAFANA_URL": emu.url, "GRAFANA_TOKEN": emu.token}
    assert Gac(project, emu)("sync").exit_code == 0
    session = open_session(Options(root=project, env="local"), env, for_write=False)
    try:
        make_plan(session, prune=False, force=False)
        assert session.state is not None
        live = session.state.objects[("dashboard", "otel-apm")].resource.body
        desired = session.desired.resources[("dashboard", "otel-apm")].body
        assert gc.isenabled() and gc.get_freeze_count() > 0
        assert not _tracked(live) and not _tracked(desired)
    finally:
        session.close()
    assert gc.get_freeze_count() == 0
    assert _tracked(live) and _tracked(desired)  # collected in the normal course from here on


def test_bodies_are_encoded_once_and_canonicalized_only_where_compared() -> None:
    """`resolve` encodes nothing (the first request is not delayed by it); `make_comparable`, run while
    the network is awaited, hashes each body once; canonical numbers are made only for a body whose
    comparison forms are built -- one the stamp proves unchanged is never compared."""
    from generator.handlers.live import Stamp
    from generator.sync.desired import resolve
    from generator.sync.state import LiveState

    body = {"uid": "d", "title": "D", "panels": [{"id": 1, "gridPos": {"h": 8.0, "w": 12, "x": 0, "y": 0}}]}
    ctx = SyncContext()
    handler = HANDLERS["dashboard"]
    identity = ("dashboard", "d")

    def height(desired: Desired) -> Any:
        return desired.resources[identity].body["panels"][0]["gridPos"]["h"]

    def live_with(stamp: Stamp, title: str) -> LiveState:
        live_body = {**canonical(body), "title": title, "version": 3}
        state = LiveState()
        state.objects[identity] = LiveObject(Resource("dashboard", "d", live_body), token=3, managed=True,
                                             stamp=stamp, version=3)
        return state

    desired = resolve([Resource("dashboard", "d", copy.deepcopy(body))], {}, ctx)
    assert isinstance(height(desired), float) and desired.hashes == {}
    desired.make_comparable(ctx)
    digest = handler.stamp_hash(desired.resources[identity], ctx)
    assert desired.hashes == {identity: digest} and isinstance(height(desired), float)

    # the stamp proves it unchanged: never compared, never canonicalized
    plan = build_plan(desired, live_with(Stamp(digest, 3), "D"), ctx)
    assert [c.action for c in plan.changes] == ["unchanged"] and isinstance(height(desired), float)

    # a person saved it since: compared, so canonicalized first; the diff names the title alone
    edited = resolve([Resource("dashboard", "d", copy.deepcopy(body))], {}, ctx)
    plan = build_plan(edited, live_with(Stamp(digest, 2), "D (alice)"), ctx)
    (change,) = plan.changes
    assert change.action == "conflict" and isinstance(height(edited), int) and height(edited) == 8
    assert [entry.path for entry in change.diff] == [("title",)], change.diff
