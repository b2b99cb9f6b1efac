"""The build holds files, not bodies: compiled resources are kept as their generated/ bytes,
and each dashboard definition is let go once compiled, so a large project never holds every
grafanalib object and every body at once (the build's peak memory was three times the
definitions' own). What lint and render see must not change because of it."""

from __future__ import annotations

import dataclasses
import json
import weakref

from grafanalib import core as g

from generator.builders import DashboardDef, Folder, Prometheus
from generator.compile import compile_definitions, compile_project
from generator.discover import Definitions
from generator.output import RenderedResource, render, render_tree
from generator.resource import Resource
from tests.paths import REPO, SHARED, needs_shared

BODY = {"uid": "d", "title": "T", "panels": [{"id": 1, "targets": [{"expr": "up", "refId": "A"}]}],
        "tags": ["b", "a"], "z": None, "ratio": 0.1, "big": 2 ** 70, "text": "p95 – μs"}


def test_a_rendered_resource_keeps_the_file_and_decodes_the_same_body():
    plain = Resource("dashboard", "d", json.loads(json.dumps(BODY)), "f")
    kept = RenderedResource.of(plain)
    assert kept.content == render(BODY) and "body" not in vars(kept)
    assert kept.body == BODY
    assert [getattr(kept, f.name) for f in dataclasses.fields(Resource)] == \
        [getattr(plain, f.name) for f in dataclasses.fields(Resource)]
    assert render_tree([kept]) == render_tree([plain])


def test_a_decoded_body_is_a_copy_and_assigning_one_renders_it():
    kept = RenderedResource.of(Resource("dashboard", "d", dict(BODY), "f"))
    kept.body["title"] = "changed"
    assert kept.body["title"] == "T"
    kept.body = {**BODY, "title": "new"}
    assert kept.content == render({**BODY, "title": "new"})
    moved = dataclasses.replace(kept, folder_uid="g")
    assert isinstance(moved, RenderedResource) and moved.body == kept.body and moved.folder_uid == "g"


def test_each_dashboard_definition_is_released_once_compiled():
    folder = Folder("f", "F")
    dashboards = [DashboardDef(g.Dashboard(title=f"D{i}", uid=f"d{i}", panels=[]), folder) for i in range(4)]
    alive = [weakref.ref(d.dashboard) for d in dashboards]
    defs = Definitions(folders=[folder], datasources=[Prometheus(uid="prom", name="Prom")], dashboards=dashboards,
                       rule_groups=[])
    del dashboards
    seen: list[list[bool]] = []

    def finish(resource: Resource) -> Resource:
        if resource.kind == "dashboard":
            seen.append([ref() is not None for ref in alive])
        return resource

    resources = compile_definitions(defs, finish=finish)
    assert [r.uid for r in resources if r.kind == "dashboard"] == ["d0", "d1", "d2", "d3"]
    # when dashboard n is finished, its definition and the ones before it are gone, the later ones wait
    assert seen == [[i > n for i in range(4)] for n in range(4)]


def test_the_repository_compiles_to_the_same_files_either_way():
    kept = compile_project(REPO, rendered=True)
    assert all(isinstance(r, RenderedResource) for r in kept)
    assert render_tree(kept) == render_tree(compile_project(REPO))


@needs_shared
def test_lint_finds_the_same_on_a_decoded_body():
    """A decoded body has its keys in sorted order and only JSON types: lint must not care."""
    from generator.lint import LintConfig, lint_resources
    from generator.normalize import normalize_dashboard

    config = LintConfig.for_project({}, base_dir=None)
    compared = 0
    for path in sorted((SHARED / "corpus" / "dashboards").rglob("*.json")):
        body = normalize_dashboard(json.loads(path.read_text()))
        resource = Resource("dashboard", str(body.get("uid") or path.stem), body, "f")
        found = [str(f) for f in lint_resources([resource], config)]
        assert [str(f) for f in lint_resources([RenderedResource.of(resource)], config)] == found, path.name
        compared += bool(found)
    assert compared > 10
