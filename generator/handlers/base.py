"""The small interface every resource kind implements (as grizzly's handlers do).

A handler knows everything kind-specific: where the kind lives under `generated/`, how to
read it back from there, how to normalize a body for comparison, and -- for sync, drift
and pull -- how to list and read it live, create, update and delete it, which
concurrency token a write carries, and how the sync marks what it manages. Adding a kind
means adding a handler, not editing every stage.

The live half is written against `live.Calls` (grafana-client calls with retries), so
the sync engine orchestrates handlers without knowing a single endpoint.
"""

from __future__ import annotations

import copy
import re
from pathlib import PurePosixPath
from typing import Any, Iterable, Iterator, Mapping

from ..diff.parts import Part, Parts
from ..resource import Resource, Source
from ..secret_fingerprint import SECRETS_CURRENT
from .live import ApiError, Calls, LiveObject, LiveRef, SyncContext, WriteResult, content_hash, same_json


def slug(text: str) -> str:
    """A file-name-safe, stable spelling of a title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


#: the plan's reason for writing an object gac never wrote that matches its definition
ADOPTED = "adopted: matches its definition, gac's marker is added"


class Handler:
    """Base class for one resource kind."""

    kind: str = ""
    directory: str = ""
    #: apply order: lower levels are written first (folders before what they contain)
    level: int = 0
    #: writes carry write-only secrets from the environment (`gac sync --rotate-secrets` re-sends them)
    carries_secrets: bool = False
    #: gac's marker is written by a second request after the object itself (kinds whose API
    #: keeps no field for it: the stamp goes to gac's stamps template), so for a moment another
    #: reader sees the object without it
    marker_follows_object: bool = False

    def path(self, resource: Resource) -> PurePosixPath:
        """Where the resource is written, relative to `generated/`."""
        return PurePosixPath(self.directory, f"{resource.uid}.json")

    def load(self, relpath: PurePosixPath, body: dict[str, Any]) -> Resource:
        """Rebuild a Resource from a file written by `path()`."""
        return Resource(self.kind, str(body["uid"]), body, body.get("folderUid") or None,
                        Source(f"generated/{relpath}"))

    def normalize(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body with everything Grafana sets itself removed, for comparison."""
        return {k: v for k, v in body.items() if k not in self.server_fields}

    #: top-level keys that Grafana sets and a definition never should
    server_fields: frozenset[str] = frozenset()

    # --- identity and order (plan, apply) ---------------------------------------------------

    def identity(self, resource: Resource) -> tuple[str, ...]:
        """What names one object in Grafana, whatever folder it sits in (uids are global)."""
        return (self.kind, resource.uid)

    def wave(self, resource: Resource, desired: dict[tuple[str, ...], Resource]) -> int:
        """Order within the level: writes of one wave run in parallel (folders: their depth)."""
        return 0

    def dependencies(self, resource: Resource,
                     desired: Mapping[tuple[str, ...], Resource]) -> list[tuple[str, ...]]:
        """Identities that must be written before this object can be (its folder); `desired`
        is every object of the sync, for kinds that refer to others by name. When one of
        them was not written, this object is not attempted."""
        return [("folder", resource.folder_uid)] if resource.folder_uid else []

    def takes_over(self, desired: Resource, live: LiveObject) -> bool:
        """Does writing `desired` carry over content `live` holds now (rules Grafana moves from
        one group to another by uid)? Then `live`'s delete waits for that write to succeed."""
        return False

    # --- names Grafana keeps unique (plan, apply) ----------------------------------------------

    def unique_name(self, body: dict[str, Any]) -> str | None:
        """The name Grafana allows only once among the kind's objects of an organisation, from a
        body as generated/ holds it or a listing shows it; None for kinds whose names may repeat.

        Such a name is a second identity besides the uid: a write that gives an object the name
        another one holds is refused whatever the versions say, so neither a re-run nor --force
        gets past it, and the plan finds it before the first write (sync/name_clashes.py).
        """
        return None

    def name_refused(self, exc: ApiError) -> bool:
        """Was a write refused because another object of the kind holds its `unique_name`?"""
        return False

    # --- desired state for one environment ----------------------------------------------------

    def resolve(self, resource: Resource, environment: dict[str, Any]) -> Resource:
        """The resource with environment-specific values filled in (data-source URLs)."""
        return resource

    def secrets_needed(self, resource: Resource, environment: dict[str, Any]) -> dict[str, str]:
        """secureJsonData key → environment variable that must hold its value."""
        return {}

    def prepare(self, resource: Resource, ctx: SyncContext) -> Resource:
        """The body as the sync writes it: the definition plus the kind's managed marker."""
        return resource

    # --- comparison ------------------------------------------------------------------------

    def comparable(self, resource: Resource, ctx: SyncContext) -> dict[str, Any]:
        """What decides "unchanged": the normalized body (plus placement, where it is not in it)."""
        return {"body": self.normalize(resource.body)}

    def compare_forms(self, desired: Resource, live: LiveObject, ctx: SyncContext) -> tuple[dict[str, Any], dict[str, Any]]:
        """(live form, desired form) for equality and the semantic diff."""
        return self.comparable(live.resource, ctx), self.comparable(desired, ctx)

    def diff_parts(self) -> Parts:
        """How the semantic diff names the places of `comparable()`'s form (diff/parts.py).

        The body is the object itself: its changes read `title: …`, not `body › title: …`;
        kinds that carry secrets add the two places `with_secret_forms` fills.
        """
        parts: dict[tuple[str, ...], Part] = {("body",): Part(label="")}
        if self.carries_secrets:
            parts |= {("secrets",): Part(label="secrets set in Grafana"), ("secretValues",): Part(label="secret values")}
        return parts

    def stamp_hash(self, resource: Resource, ctx: SyncContext) -> str:
        return content_hash(self.comparable(resource, ctx))

    #: the stamp's hash covers everything `compare_forms` compares, so `unchanged_by_stamp` may
    #: decide without building forms (kinds whose forms hold more -- secret fingerprints, marks
    #: kept elsewhere -- leave it off and are always compared in full)
    stamp_covers_forms: bool = False

    def unchanged_by_stamp(self, desired: Resource, live: LiveObject, ctx: SyncContext,
                           desired_hash: str | None = None) -> bool:
        """True when the stamp alone proves `live` equals `desired`, with no comparison form built.

        The stamp gac wrote holds the hash of what it wrote. When the definition still
        hashes to it, and nobody saved since (the live version is the one the stamp names)
        or whatever was saved since still hashes to it, Grafana holds the definition. Any
        other answer is "not known": the caller compares the forms, so a UI edit is still a
        conflict and a no-op UI save is still no change. Building the forms of a large
        dashboard and encoding them twice is what made a no-op plan CPU-bound.
        `desired_hash`: `stamp_hash(desired)` when the caller computed it already.
        """
        stamp = live.stamp
        if not self.stamp_covers_forms or stamp is None or live.incompatible or live.unknown_owner:
            return False
        if stamp.hash != (desired_hash or self.stamp_hash(desired, ctx)):
            return False
        if stamp.version is not None and live.version is not None and stamp.version == live.version:
            return True
        return stamp.hash == self.stamp_hash(live.resource, ctx)

    def without_marker(self, form: dict[str, Any]) -> dict[str, Any]:
        """A comparison form without the managed marker (kinds that carry one in the body override)."""
        return copy.deepcopy(form)

    def adoption(self, live_form: dict[str, Any], desired_form: dict[str, Any], live: LiveObject) -> str | None:
        """Why writing an object gac never wrote loses nothing (an adoption, not a conflict), as
        the plan says it; None where it would. Here: it matches its definition but for gac's
        marker, as what `gac pull` imports does until the first sync."""
        if (live.stamp is None and not live.managed
                and same_json(self.without_marker(live_form), self.without_marker(desired_form))):
            return ADOPTED
        return None

    def untouched(self, live: LiveObject, ctx: SyncContext) -> bool:
        """True when nobody but the sync changed the object since the sync last wrote it.

        The stamp the sync wrote says which version it expected and what content it wrote:
        the same version means no save since; the same content means whatever save
        happened (a no-op save in the UI) lost nothing. No stamp: we never wrote it.
        """
        stamp = live.stamp
        if stamp is None:
            return False
        if stamp.version is not None and live.version is not None and stamp.version == live.version:
            return True
        return stamp.hash == self.stamp_hash(live.resource, ctx)

    def describe_live(self, live: LiveObject) -> str:
        """Who/when for a conflict message, from what Grafana tells."""
        who = f"last saved by {live.last_writer}" if live.last_writer else "last saved"
        if live.updated:
            who += f" at {live.updated}"
        if live.version is not None:
            who += f", version {live.version}"
        return who

    # --- which API, who may write, what can be owned (preflight, plan header) ----------------

    #: RBAC actions a write needs, per plan action (create/update/delete): any one of each tuple
    #: (Grafana's access-control API tells a token its own; empty = not checked before writing)
    write_actions: dict[str, tuple[str, ...]] = {}
    #: RBAC actions listing and reading the kind needs (any one); empty = not checked
    read_actions: tuple[str, ...] = ()

    def api(self, ctx: SyncContext) -> str:
        """Which Grafana API the kind goes through on this Grafana (for the plan header)."""
        return "/api"

    def takeover(self, live: LiveObject, ctx: SyncContext) -> str | None:
        """Why `--force` writes an object that equals its definition (to mark it gac's), as the
        plan says it; None where it leaves it alone (here: always)."""
        return None

    def ownership_note(self, ctx: SyncContext, live: Iterable[LiveObject] = ()) -> str | None:
        """Why objects of the kind can never be pruned on this Grafana (None: they can), judged
        from the target and from `live`, the objects the run read in full (those defined in code)."""
        return None

    # --- live operations -------------------------------------------------------------------

    def list_live(self, calls: Calls, ctx: SyncContext) -> list[LiveRef]:
        """Every object of the kind, from listings only (no per-object reads)."""
        raise NotImplementedError

    def read_live(self, calls: Calls, ref: LiveRef, ctx: SyncContext) -> LiveObject | None:
        """One object in full (None when it vanished since the listing)."""
        raise NotImplementedError

    def create(self, calls: Calls, desired: Resource, ctx: SyncContext) -> WriteResult:
        raise NotImplementedError

    def update(self, calls: Calls, desired: Resource, live: LiveObject, ctx: SyncContext) -> WriteResult:
        """Overwrite `live` with `desired`, carrying `live.token`, so a racing save fails."""
        raise NotImplementedError

    def delete(self, calls: Calls, live: LiveObject, ctx: SyncContext) -> WriteResult:
        raise NotImplementedError


def with_secret_forms(before: dict[str, Any], after: dict[str, Any], held: list[str], wanted: list[str],
                      values_state: str | None) -> None:
    """Add to both comparison forms which configured secrets Grafana holds and, where a stamp's
    fingerprint can tell (`values_state`, see secret_fingerprint.values_state), whether it holds
    the values configured now: the one form for every kind that carries secrets."""
    before["secrets"], after["secrets"] = held, wanted
    if values_state is not None:
        before["secretValues"], after["secretValues"] = values_state, SECRETS_CURRENT


def copied(resource: Resource, body: dict[str, Any] | None = None, **extra: Any) -> Resource:
    """A copy of `resource` with a new body (deep-copied) and extra fields merged."""
    return Resource(resource.kind, resource.uid, copy.deepcopy(resource.body if body is None else body),
                    resource.folder_uid, resource.source, {**resource.extra, **extra})


def search_pages(calls: Calls, type_: str, page_size: int) -> Iterator[dict[str, Any]]:
    """Every /api/search hit of one type, page by page (Grafana gives no total count)."""
    page = 1
    while True:
        def list_page(g: Any, p: int = page) -> Any:
            return g.search.search_dashboards(type_=type_, limit=page_size, page=p)

        answer = calls.read(f"list {type_} (page {page})", list_page)
        hits: list[dict[str, Any]] = answer if isinstance(answer, list) else []
        yield from hits
        if len(hits) < page_size:
            return
        page += 1
