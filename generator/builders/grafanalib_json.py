"""grafanalib objects → plain JSON values, without a trip through JSON text.

grafanalib's `to_json_data()` returns dicts that still hold grafanalib objects (panels,
targets, thresholds...), which its `DashboardEncoder` converts while writing text. Writing
that text and parsing it back (`json.loads(json.dumps(obj, cls=DashboardEncoder))`) was the
build's way to get plain values: two passes over every dashboard, one of them allocating the
whole document twice. `plain` walks the objects once and builds the plain values directly.

It gives exactly what the round trip gives. Anything the walk does not handle the way the
JSON round trip would (non-string keys, which json converts; subclasses of str, int or float,
which json writes as their base type; enums and objects without `to_json_data`, which json
rejects; cycles) makes it fall back to the round trip for the whole value, so results and
errors stay json's own.
"""

from __future__ import annotations

import json
from typing import Any

from grafanalib._gen import DashboardEncoder

from ..indented_json import JSON_SCALARS


class _Fallback(Exception):
    """A value json converts its own way: let the round trip do it."""


def plain(value: Any) -> Any:
    """`json.loads(json.dumps(value, cls=DashboardEncoder))`: fresh dicts and lists, tuples as lists."""
    try:
        return _plain(value)
    except (_Fallback, RecursionError):
        return json.loads(json.dumps(value, cls=DashboardEncoder))


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _Fallback
            out[key] = item if type(item) in JSON_SCALARS else _plain(item)
        return out
    if kind is list or kind is tuple:
        return [item if type(item) in JSON_SCALARS else _plain(item) for item in value]
    if kind in JSON_SCALARS:
        return value
    to_json_data = getattr(value, "to_json_data", None)
    if not to_json_data:
        raise _Fallback  # json.dumps raises its TypeError naming the type
    return _plain(to_json_data())
