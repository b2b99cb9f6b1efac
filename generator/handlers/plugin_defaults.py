"""What Grafana's panel plugins fill into a panel when it loads, and so write back on a save.

When a panel's plugin loads, the frontend merges the plugin's option defaults under the
panel's `options` and its field-config defaults under `fieldConfig.defaults`
(`getPanelOptionsWithDefaults` in public/app/features/dashboard/state/, lodash `mergeWith`:
objects merged deeply, arrays replaced whole). A person who opens a dashboard and saves it
without touching anything therefore writes every default below into the JSON. Absent and
default mean the same to Grafana, so the comparison fills them in on both sides.

Sources: each plugin's option builder (`public/app/plugins/panel/<type>/module.tsx`,
`timeseries/config.ts` `defaultGraphConfig`, `@grafana/ui` `commonOptionsBuilder`), the
`panelcfg.cue` defaults in grafana-foundation-sdk's JSON schemas (shared/grafana/schemas),
and, as a check, what the dashboards exported from Grafana in shared/corpus hold. Only
plugins whose defaults were confirmed that way are listed: a wrong default would make two
different settings compare equal, so an unlisted plugin is compared as it is.
"""

from __future__ import annotations

from typing import Any

_REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}

#: panel type → option defaults (`plugin.defaults`)
OPTIONS: dict[str, dict[str, Any]] = {
    "timeseries": {
        "legend": {"calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": True},
        "tooltip": {"hideZeros": False, "mode": "single", "sort": "none"},
    },
    "stat": {
        "colorMode": "value", "graphMode": "area", "justifyMode": "auto", "orientation": "auto",
        "percentChangeColorMode": "standard", "reduceOptions": _REDUCE, "showPercentChange": False,
        "textMode": "auto", "wideLayout": True,
    },
    "gauge": {
        "minVizHeight": 75, "minVizWidth": 75, "orientation": "auto", "reduceOptions": _REDUCE,
        "showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto",
    },
    "table": {
        "cellHeight": "sm", "showHeader": True,
        "footer": {"countRows": False, "fields": "", "reducer": ["sum"], "show": False},
    },
    "logs": {
        "dedupStrategy": "none", "enableLogDetails": True, "prettifyLogMessage": False, "showCommonLabels": False,
        "showLabels": False, "showTime": False, "sortOrder": "Descending", "wrapLogMessage": False,
    },
    "text": {
        "code": {"language": "plaintext", "showLineNumbers": False, "showMiniMap": False},
        "content": "# Title\n\nFor markdown syntax help: [commonmark.org/help](https://commonmark.org/help/)",
        "mode": "markdown",
    },
}

#: panel type → `fieldConfig.defaults.custom` defaults (the plugin's custom field config)
CUSTOM: dict[str, dict[str, Any]] = {
    "timeseries": {
        "axisBorderShow": False, "axisCenteredZero": False, "axisColorMode": "text", "axisLabel": "",
        "axisPlacement": "auto", "barAlignment": 0, "barWidthFactor": 0.6, "drawStyle": "line", "fillOpacity": 0,
        "gradientMode": "none", "hideFrom": {"legend": False, "tooltip": False, "viz": False},
        "insertNulls": False, "lineInterpolation": "linear", "lineWidth": 1, "pointSize": 5,
        "scaleDistribution": {"type": "linear"}, "showPoints": "auto", "spanNulls": False,
        "stacking": {"group": "A", "mode": "none"}, "thresholdsStyle": {"mode": "off"},
    },
    "table": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False},
}

#: the default color mode of each plugin's standard `color` option
COLOR: dict[str, dict[str, Any]] = {
    "timeseries": {"mode": "palette-classic"},
    "stat": {"mode": "thresholds"},
    "gauge": {"mode": "thresholds"},
    "table": {"mode": "thresholds"},
}

#: the standard options' own defaults (thresholds, value mappings), for plugins with field config
STANDARD: dict[str, Any] = {
    "mappings": [],
    "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]},
}
#: plugins that use the standard field options (others have no `fieldConfig` registry defaults)
WITH_FIELD_CONFIG = frozenset(COLOR)
