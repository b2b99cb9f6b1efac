"""Sync stamps for the kinds Grafana gives no free-form field: mute timings and the policy tree.

A dashboard carries its stamp in its JSON, a data source in `jsonData`, a contact point in
its settings, a template in a Go comment. A mute timing is only intervals and the policy
tree only routes, and a stamp inside a route would be a policy. So their stamps live in
one notification template of gac's own, `gac-sync-stamps`, whose whole content is a Go
comment (it renders nothing and no contact point calls it):

    {{/* gac-sync-stamps {"mute-timing/weekly-maintenance": "<hash>", "policy-tree": "<hash>"} */}}

The template is written with its `version` (optimistic concurrency); writers in one run
take a lock. Without the template (deleted in the UI) every stamp is lost, and the objects
read as "not written by gac": a conflict, never a silent overwrite.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import quote

from .live import ApiError, Calls

TEMPLATE_NAME = "gac-sync-stamps"
_PATH = f"/v1/provisioning/templates/{quote(TEMPLATE_NAME, safe='')}"
_COMMENT = re.compile(r"\{\{/\*\s*gac-sync-stamps\s+(\{.*\})\s*\*/\}\}", re.S)
_LOCK = threading.Lock()


def read(calls: Calls) -> tuple[dict[str, str], str | None]:
    """(stamps by key, the template's version); ({}, None) when the template does not exist."""
    try:
        dto = calls.read("read gac sync stamps", lambda g: g.client.GET(_PATH))
    except ApiError as exc:
        if exc.not_found:
            return {}, None
        raise
    found = _COMMENT.search(str((dto or {}).get("template") or ""))
    try:
        stamps = json.loads(found.group(1)) if found else {}
    except ValueError:
        stamps = {}
    stamps = {str(k): str(v) for k, v in stamps.items()} if isinstance(stamps, dict) else {}
    return stamps, (dto or {}).get("version")


def render(stamps: dict[str, str]) -> str:
    return "{{/* gac-sync-stamps " + json.dumps(stamps, sort_keys=True, separators=(",", ":")) + " */}}"


def put(calls: Calls, key: str, value: str | None) -> None:
    """Set (or with None, remove) one stamp: read, change, write with the version."""
    with _LOCK:
        stamps, version = read(calls)
        if value is None:
            if key not in stamps:
                return
            stamps.pop(key)
        else:
            stamps[key] = value
        body: dict[str, Any] = {"template": render(stamps)}
        if version:
            body["version"] = version
        # always without provenance: one environment may switch alerts_editable, and the stamps
        # template must stay writable across the switch (it holds no alerting behaviour)
        headers = {"X-Disable-Provenance": "true"}
        calls.write(f"write gac sync stamp {key}", lambda g: g.client.PUT(_PATH, json=body, headers=headers))
