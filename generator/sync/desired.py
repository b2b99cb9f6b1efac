"""The desired state: `generated/` read back through the handlers, resolved for one environment.

Resolution fills in what `generated/` deliberately leaves out (data-source URLs and auth
settings from grafana.yaml); preparation adds what the sync itself writes (managed
markers). Secrets are not part of it: they join a body only when a write is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..handlers import HANDLERS
from ..handlers.live import SyncContext, canonicalized
from ..output import GENERATED, load_resources
from ..resource import Resource
from .errors import SyncError
from ..collector import collector_paused

Identity = tuple[str, ...]


@dataclass
class Desired:
    """Resolved, prepared resources by identity, plus the raw ones (what lint checks)."""

    raw: list[Resource]
    resources: dict[Identity, Resource]
    #: each object's stamp hash, where its kind lets the stamp decide "unchanged" (`make_comparable`)
    hashes: dict[Identity, str] = field(default_factory=dict, repr=False)
    #: identities whose body holds canonical numbers (`for_comparing`)
    _canonical: set[Identity] = field(default_factory=set, repr=False)

    def __len__(self) -> int:
        return len(self.resources)

    def make_comparable(self, ctx: SyncContext) -> None:
        """The stamp hash of every object whose kind lets the stamp decide "unchanged"; canonical
        numbers for the others. Once: later calls cost nothing.

        Encoding a thousand dashboards is most of a no-op plan's own CPU. Nothing needs it
        before the judging, so the plan runs this while the live state is being read
        (`read_state(meanwhile=...)`), where it hides behind the network instead of delaying
        the first request. An object the stamp proves unchanged is never compared, so its
        body is not canonicalized at all (`for_comparing` does it for those that are).
        """
        for identity, resource in self.resources.items():
            handler = HANDLERS[resource.kind]
            if not handler.stamp_covers_forms:
                self.for_comparing(identity)
            elif identity not in self.hashes:
                self.hashes[identity] = handler.stamp_hash(resource, ctx)  # canonical numbers or not: one hash

    def for_comparing(self, identity: Identity) -> Resource:
        """The resource with numbers as Grafana answers them (8.0 → 8), so that its comparison with
        the live object can stay textual (`same_json`): before its comparison forms are built."""
        resource = self.resources[identity]
        if identity not in self._canonical:
            resource.body = canonicalized(resource.body)
            self._canonical.add(identity)
        return resource


def load_generated(root: Path) -> list[Resource]:
    with collector_paused(keep=True):
        resources = load_resources(root / GENERATED)
    if not resources:
        raise SyncError(f"{root / GENERATED} holds no definitions: run `gac build` (or `make build`) first")
    return resources


def resolve(raw: list[Resource], environment: dict[str, Any], ctx: SyncContext) -> Desired:
    """Each resource resolved for the environment and prepared for writing, keyed by identity
    (`Desired.make_comparable` finishes them for comparing)."""
    resources: dict[Identity, Resource] = {}
    with collector_paused(keep=True):
        _resolve_each(raw, environment, ctx, resources)
    return Desired(raw, resources)


def _resolve_each(raw: list[Resource], environment: dict[str, Any], ctx: SyncContext,
                  resources: dict[Identity, Resource]) -> None:
    for resource in raw:
        handler = HANDLERS[resource.kind]
        prepared = handler.prepare(handler.resolve(resource, environment), ctx)
        identity = handler.identity(prepared)
        if identity in resources:
            raise SyncError(f"{resource.describe()} is defined twice ({resources[identity].source} and "
                            f"{resource.source}); run `gac build`")
        resources[identity] = prepared
