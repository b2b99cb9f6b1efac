"""Grafana's published JSON schemas (../shared/grafana/schemas), with the known gaps relaxed.

The schemas are stricter than Grafana in places their README lists ("Known gaps"). Each
relaxation below names the gap it answers and touches exactly that spot, so everything else
is checked as published.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from tests.paths import SHARED

SCHEMAS = SHARED / "grafana" / "schemas" / "foundation-sdk-main" / "jsonschema"
NEXT_SCHEMAS = SHARED / "grafana" / "schemas" / "foundation-sdk-next" / "jsonschema"

#: panel type → schema file; `traces` and `row` have no options schema (README)
PANEL_SCHEMA = {"timeseries": "timeseries", "stat": "stat", "gauge": "gauge", "table": "table", "logs": "logs",
                "text": "text", "nodeGraph": "nodegraph", "bargauge": "bargauge", "piechart": "piechart",
                "heatmap": "heatmap", "state-timeline": "statetimeline", "barchart": "barchart"}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema)


@lru_cache(maxsize=None)
def dashboard_validator() -> jsonschema.Draft7Validator:
    schema = copy.deepcopy(_load(SCHEMAS / "dashboard.jsonschema.json"))
    defs = schema["definitions"]
    # Known gap 2: CUE `_` (any) became {"type": "object"} for override matcher options and
    # property values, so {"id": "byName", "options": "Latency"} / {"id": "unit", "value": "s"} fail.
    defs["MatcherConfig"]["properties"]["options"] = {}
    defs["DynamicConfigValue"]["properties"]["value"] = {}
    # Known gap 3: defaulted CUE fields emitted as required; Grafana fills these in.
    defs["DashboardLink"]["required"] = ["title", "type"]
    # Panel links are data links ({title, url, targetBlank}) in Grafana; the CUE types them as
    # DashboardLink, whose `type` is only meaningful for dashboard-level links (gap 3).
    defs["PanelLink"] = dict(defs["DashboardLink"], required=["title", "url"])
    defs["Panel"]["properties"]["links"]["items"] = {"$ref": "#/definitions/PanelLink"}
    return _validator(schema)


@lru_cache(maxsize=None)
def panel_validators(panel_type: str) -> tuple[jsonschema.Draft7Validator | None, jsonschema.Draft7Validator | None]:
    """(options validator, fieldConfig.defaults.custom validator) for a panel type."""
    name = PANEL_SCHEMA.get(panel_type)
    if name is None:
        return None, None
    doc = _load(SCHEMAS / f"{name}.jsonschema.json")
    defs = copy.deepcopy(doc["definitions"])
    options = _validator({"definitions": defs, "$ref": "#/definitions/Options"}) if "Options" in defs else None
    custom = _validator({"definitions": defs, "$ref": "#/definitions/FieldConfig"}) if "FieldConfig" in defs else None
    return options, custom


@lru_cache(maxsize=None)
def rule_group_validator() -> jsonschema.Draft7Validator:
    # `next` matches the provisioning API's wire format (README, known gap 6).
    schema = copy.deepcopy(_load(NEXT_SCHEMAS / "alerting.jsonschema.json"))
    rule = schema["definitions"]["Rule"]
    # `orgID` is required by the spec but set by Grafana from the request's organisation
    # (the provisioning handler overwrites it); the body in generated/ is org-independent and
    # sync adds the target org.
    rule["required"] = [r for r in rule["required"] if r != "orgID"]
    return _validator({"definitions": schema["definitions"], "$ref": "#/definitions/RuleGroup"})


def errors(validator: jsonschema.Draft7Validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def dashboard_errors(dashboard: dict[str, Any]) -> list[str]:
    """Schema violations of a dashboard and of each panel's options and custom field config."""
    from generator.normalize import iter_panels

    found = errors(dashboard_validator(), dashboard)
    for panel in iter_panels(dashboard.get("panels", [])):
        options, custom = panel_validators(panel.get("type", ""))
        where = f"panel {panel.get('id')} {panel.get('title')!r}"
        if options is not None:
            found += [f"{where} options/{e}" for e in errors(options, panel.get("options", {}))]
        field_custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
        if custom is not None and field_custom is not None:
            found += [f"{where} fieldConfig.defaults.custom/{e}" for e in errors(custom, field_custom)]
    return found
