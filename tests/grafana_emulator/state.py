"""In-memory Grafana state, one ``OrgState`` per organisation.

Only data and small pure helpers live here; the behaviour (validation, status
codes) lives in the handler modules, one per API area.  Everything is guarded
by the single ``Store.lock``: the server takes it around every request, so
handlers never need their own locking and concurrent saves serialise the way
Grafana's database transactions do (one wins, the other sees the new version).
"""

from __future__ import annotations

import copy
import datetime as _dt
import random
import re
import string
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

#: Grafana's uid rule (``util.IsValidShortUID``) and length limit.
UID_PATTERN = re.compile(r"^[a-zA-Z0-9\-_]*$")
MAX_UID_LENGTH = 40


def now_ms() -> int:
    return int(time.time() * 1000)


def now_rfc3339() -> str:
    """Current UTC time as Go's ``time.Time`` JSON (seconds precision, as stored in SQL)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_uid() -> str:
    """A new short uid in the style of ``util.GenerateShortUID`` (14 chars, starts with a letter)."""
    alphabet = string.ascii_lowercase + string.digits
    return random.choice(string.ascii_lowercase) + "".join(random.choice(alphabet) for _ in range(13))


def slugify(title: str) -> str:
    """Grafana's ``slugify.Slugify`` for ASCII titles: lower-case, runs of other chars -> '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug


def go_number_normalise(value: Any) -> Any:
    """What Go's JSON round trip does to a map: keys sorted, integral floats written as ints."""
    if isinstance(value, dict):
        return {k: go_number_normalise(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [go_number_normalise(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


@dataclass
class Folder:
    id: int
    uid: str
    title: str
    parent_uid: str = ""
    description: str = ""
    version: int = 1
    created: str = field(default_factory=now_rfc3339)
    updated: str = field(default_factory=now_rfc3339)
    created_by: str = ""
    updated_by: str = ""
    #: Typed writer references (``user:<uid>``/``service-account:<uid>``, "" = none); identities.py renders them.
    created_by_ref: str = ""
    updated_by_ref: str = ""
    #: The ``/apis`` view of the same object (one store, two APIs).
    resource_version: int = 0
    k8s_uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    annotations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    updated_ms: int = 0


@dataclass
class DashboardVersion:
    id: int
    dashboard_id: int
    dashboard_uid: str
    version: int
    parent_version: int
    restored_from: int
    created: str
    created_by: str
    message: str
    data: JSON
    created_by_ref: str = ""
    #: The stored apiVersion of this history row ("" = v0/v1 JSON in ``data``) and, for v2, its spec.
    api_version: str = ""
    spec_v2: JSON | None = None


@dataclass
class Dashboard:
    id: int
    uid: str
    title: str
    data: JSON
    folder_uid: str = ""
    version: int = 1
    created: str = field(default_factory=now_rfc3339)
    updated: str = field(default_factory=now_rfc3339)
    created_by: str = ""
    updated_by: str = ""
    plugin_id: str = ""
    #: File provisioning: external id (path), and whether the UI may save it.
    provisioned_external_id: str | None = None
    allow_ui_updates: bool = False
    versions: list[DashboardVersion] = field(default_factory=list)
    created_by_ref: str = ""
    updated_by_ref: str = ""
    #: ``/apis`` metadata of the same object.
    resource_version: int = 0
    k8s_uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    annotations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    updated_ms: int = 0
    #: The apiVersion the dashboard was last written with, e.g. "v1beta1" or "v2beta1"; a v2 dashboard
    #: keeps its v2 spec in ``spec_v2`` and a lossy v1 rendering in ``data`` (conversion.py).
    api_version: str = "v0alpha1"
    spec_v2: JSON | None = None

    @property
    def is_v2(self) -> bool:
        return self.api_version.startswith("v2")

    @property
    def tags(self) -> list[str]:
        tags = self.data.get("tags")
        return sorted(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else []


@dataclass
class DataSource:
    id: int
    uid: str
    name: str
    type: str
    access: str
    url: str = ""
    user: str = ""
    database: str = ""
    basic_auth: bool = False
    basic_auth_user: str = ""
    with_credentials: bool = False
    is_default: bool = False
    json_data: JSON = field(default_factory=dict)
    secure_json_data: dict[str, str] = field(default_factory=dict)
    version: int = 1
    read_only: bool = False
    api_version: str = ""


@dataclass
class AlertRule:
    """A rule as the provisioning API speaks it (``ProvisionedAlertRule``) plus bookkeeping."""

    id: int
    uid: str
    folder_uid: str
    rule_group: str
    body: JSON  # title, condition, data, noDataState, ... (client-settable fields)
    interval_seconds: int
    provenance: str = ""
    updated: str = field(default_factory=now_rfc3339)
    group_index: int = 0


@dataclass
class ContactPoint:
    uid: str
    name: str
    type: str
    settings: JSON
    disable_resolve_message: bool = False
    provenance: str = ""
    #: secure settings, stored apart and answered as "[REDACTED]"
    secure_settings: dict[str, str] = field(default_factory=dict)


@dataclass
class NotificationTemplate:
    name: str
    template: str
    provenance: str = ""


@dataclass
class MuteTiming:
    name: str
    time_intervals: list[JSON]
    provenance: str = ""


def default_policy_tree() -> JSON:
    """The notification policy tree of a fresh Grafana org."""
    return {
        "receiver": "grafana-default-email",
        "group_by": ["grafana_folder", "alertname"],
    }


def default_contact_point() -> ContactPoint:
    return ContactPoint(
        uid=generate_uid(),
        name="grafana-default-email",
        type="email",
        settings={"addresses": "<example@email.com>"},
    )


@dataclass
class OrgState:
    id: int
    name: str
    folders: dict[str, Folder] = field(default_factory=dict)
    dashboards: dict[str, Dashboard] = field(default_factory=dict)
    datasources: dict[str, DataSource] = field(default_factory=dict)
    rules: dict[str, AlertRule] = field(default_factory=dict)
    contact_points: dict[str, ContactPoint] = field(default_factory=dict)
    policy_tree: JSON = field(default_factory=default_policy_tree)
    policy_provenance: str = ""
    templates: dict[str, NotificationTemplate] = field(default_factory=dict)
    mute_timings: dict[str, MuteTiming] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.contact_points:
            cp = default_contact_point()
            self.contact_points[cp.uid] = cp

    def folder_by_id(self, folder_id: int) -> Folder | None:
        return next((f for f in self.folders.values() if f.id == folder_id), None)

    def dashboard_by_id(self, dash_id: int) -> Dashboard | None:
        return next((d for d in self.dashboards.values() if d.id == dash_id), None)

    def ancestors(self, folder_uid: str) -> list[Folder]:
        """Ancestors of a folder, root first (not including the folder itself)."""
        chain: list[Folder] = []
        current = self.folders.get(folder_uid)
        seen: set[str] = set()
        while current is not None and current.parent_uid and current.parent_uid not in seen:
            seen.add(current.parent_uid)
            parent = self.folders.get(current.parent_uid)
            if parent is None:
                break
            chain.insert(0, parent)
            current = parent
        return chain

    def descendants(self, folder_uid: str) -> list[Folder]:
        """All folders below ``folder_uid`` (any depth)."""
        out: list[Folder] = []
        frontier = [folder_uid]
        while frontier:
            uid = frontier.pop()
            children = [f for f in self.folders.values() if f.parent_uid == uid]
            out.extend(children)
            frontier.extend(c.uid for c in children)
        return out

    def group_rules(self, folder_uid: str, group: str) -> list[AlertRule]:
        rules = [r for r in self.rules.values() if r.folder_uid == folder_uid and r.rule_group == group]
        return sorted(rules, key=lambda r: (r.group_index, r.id))


class Store:
    """All orgs plus the id counters (ids are global, like SQL auto-increment)."""

    def __init__(self, org_names: dict[int, str] | None = None) -> None:
        self.lock = threading.RLock()
        self._org_names = dict(org_names or {1: "Main Org."})
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.orgs: dict[int, OrgState] = {
                oid: OrgState(id=oid, name=name) for oid, name in self._org_names.items()
            }
            self._next_id: dict[str, int] = {}

    def next_rv(self) -> int:
        """A new ``metadata.resourceVersion`` (one counter for every object, like unified storage's)."""
        self._rv = getattr(self, "_rv", int(time.time() * 1000) * 1000) + 1
        return self._rv

    def next_id(self, kind: str) -> int:
        value = self._next_id.get(kind, 0) + 1
        self._next_id[kind] = value
        return value

    def org(self, org_id: int) -> OrgState:
        return self.orgs[org_id]

    def snapshot(self) -> dict[int, OrgState]:
        """A deep copy, for assertions that must not race with the server."""
        with self.lock:
            return copy.deepcopy(self.orgs)
