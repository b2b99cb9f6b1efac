"""The sync's managed markers, taken out of a comparison form.

A marker is bookkeeping, not content: the dashboard tag `managed-by-gac` (added by the
builder) and the rule label `managed_by=gac` (added when the sync prepares a rule group).
An object adopted from Grafana (`gac pull`, then build) differs from its live copy by
exactly that marker until the sync first writes it; drift must not call that a change,
but must still see a marker removed from an object the sync did write.

Kind-specific, so it belongs with the handlers (a `without_marker(form)` method); it
lives here until they have one.
"""

from __future__ import annotations

import copy
from typing import Any

from ..builders.dashboards import MANAGED_TAG
from ..handlers.alert_rule_group import MANAGED_LABEL


def without_marker(kind: str, form: dict[str, Any]) -> dict[str, Any]:
    """A copy of a comparison form (`{"body": ..., ...}`) without the managed marker."""
    out = copy.deepcopy(form)
    body = out.get("body")
    if not isinstance(body, dict):
        return out
    if kind == "dashboard" and isinstance(body.get("tags"), list):
        body["tags"] = [t for t in body["tags"] if t != MANAGED_TAG]
        if not body["tags"]:
            del body["tags"]
    elif kind == "alert-rule-group":
        key, value = MANAGED_LABEL
        for rule in body.get("rules") or []:
            labels = rule.get("labels") if isinstance(rule, dict) else None
            if isinstance(labels, dict) and labels.get(key) == value:
                del labels[key]
                if not labels:
                    del rule["labels"]
    return out
