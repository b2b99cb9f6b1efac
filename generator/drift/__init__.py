"""Drift: the live Grafana compared with `generated/` (`gac drift`).

`detect` reads Grafana through the sync's session and handlers and judges every object
(changed in Grafana, not yet synced, missing, managed but no longer defined, unmanaged in
managed folders), comparing through each handler's comparison forms (for dashboards, the
form that absorbs what a save in Grafana's UI rewrites, `handlers.dashboard_form`);
`render` formats the report as text, JSON or Markdown.
"""

from .detect import detect_drift, judge
from .model import DriftItem, DriftReport

__all__ = ["DriftItem", "DriftReport", "detect_drift", "judge"]
