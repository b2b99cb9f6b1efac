"""The marks gac leaves on the objects it writes, so that ownership and "changed since the last
sync" can be read back from Grafana itself, with no state kept anywhere else.

Builders add the managed marks when they build a body; handlers look for them when they read
live objects, compare forms without them, and write the sync stamp. Both sides import them
from here, so neither depends on the other for a string.
"""

from __future__ import annotations

#: tag that marks a dashboard as managed by this tool (sync prunes only these)
MANAGED_TAG = "managed-by-gac"
#: label (key, value) that marks an alert rule as managed by this tool
MANAGED_LABEL = ("managed_by", "gac")
#: key of the sync stamp `{hash, version}` (dashboards: top level; data sources: `jsonData`;
#: alert rules: an annotation holding the hash)
STAMP_KEY = "gacSync"
