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
    #: each object's stamp hash, where its kind lets the stamp decide "unchanged" (`hash_all`)
    hashes: dict[Identity, str] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.resources)

    def hash_all(self, ctx: SyncContext) -> None:
        """Hash every object whose kind compares by stamp first (`Handler.unchanged_by_stamp`).

        Encoding a thousand dashboards is most of a no-op plan's own CPU; done while the
        live state is being read (`read_state(meanwhile=...)`), it hides behind the network.
        """
        for identity, resource in self.resources.items():
            handler = HANDLERS[resource.kind]
            if handler.stamp_covers_forms and identity not in self.hashes:
                self.hashes[identity] = handler.stamp_hash(resource, ctx)


def load_generated(root: Path) -> list[Resource]:
    with collector_paused():
        resources = load_resources(root / GENERATED)
    if not resources:
        raise SyncError(f"{root / GENERATED} holds no definitions: run `gac build` (or `make build`) first")
    return resources


def resolve(raw: list[Resource], environment: dict[str, Any], ctx: SyncContext) -> Desired:
    """Each resource resolved for the environment and prepared for writing, keyed by identity."""
    resources: dict[Identity, Resource] = {}
    with collector_paused():
        _resolve_each(raw, environment, ctx, resources)
    return Desired(raw, resources)


def _resolve_each(raw: list[Resource], environment: dict[str, Any], ctx: SyncContext,
                  resources: dict[Identity, Resource]) -> None:
    for resource in raw:
        handler = HANDLERS[resource.kind]
        prepared = handler.prepare(handler.resolve(resource, environment), ctx)
        # numbers as Grafana will answer them (8.0 → 8), once, so comparisons can stay textual
        prepared.body = canonicalized(prepared.body)
        identity = handler.identity(prepared)
        if identity in resources:
            raise SyncError(f"{resource.describe()} is defined twice ({resources[identity].source} and "
                            f"{resource.source}); run `gac build`")
        resources[identity] = prepared
