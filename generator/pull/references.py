"""The data sources a dashboard uses by uid, minus Grafana's built-in ones and variables.

A dashboard that names a data source the repository does not define still builds (a
`{"type", "uid"}` reference is taken as it is) and syncs -- then shows "data source not
found" on every panel. Pull checks these before writing anything.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..datasource_index import BUILTIN_TYPES, builtin, is_templated
from ..normalize import iter_panels


def _refs(dash: dict[str, Any]) -> Iterator[Any]:
    for panel in iter_panels(dash.get("panels") or []):
        yield panel.get("datasource")
        for target in panel.get("targets") or []:
            if isinstance(target, dict):
                yield target.get("datasource")
    for variable in (dash.get("templating") or {}).get("list") or []:
        if isinstance(variable, dict):
            yield variable.get("datasource")
    for annotation in (dash.get("annotations") or {}).get("list") or []:
        if isinstance(annotation, dict):
            yield annotation.get("datasource")


def datasource_refs(dash: dict[str, Any]) -> dict[str, str]:
    """uid → type (may be "") of every concrete data source a normalized dashboard references."""
    out: dict[str, str] = {}
    for ref in _refs(dash):
        if not isinstance(ref, dict) or not isinstance(ref.get("uid"), str):
            continue
        uid, kind = ref["uid"], str(ref.get("type") or "")
        if builtin(uid) is not None or kind in BUILTIN_TYPES or is_templated(uid):
            continue
        out.setdefault(uid, kind)
    return dict(sorted(out.items()))
