"""`json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)`, byte for byte, faster.

With `indent`, the standard library encodes in pure Python (its C encoder has no indentation),
one generator per container: for the build that was as much time as compiling the
dashboards. Here every container whose values are all scalars (most of a dashboard: targets,
gridPos, thresholds, options) is encoded by the C encoder in one call, with the newline and
indentation of its level as item separator; only containers holding containers are walked in
Python, dispatching on exact types. Anything this walk does not handle exactly like
`json.dumps` (non-string keys, subclasses and types json would reject or convert, cycles,
nesting deeper than `_DEPTH`) falls back to `json.dumps` for the whole value, so the bytes
never differ.
"""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from math import isfinite
from typing import Any, Callable

INDENT = "  "
#: the exact types JSON writes as scalars and reads back as themselves (subclasses, such as an
#: IntEnum, take the general paths): shared by the encoder, normalize and the grafanalib conversion
JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR = {str}
#: levels with a precomputed newline and flat encoder; deeper values go to json.dumps whole
_DEPTH = 64


class _Fallback(Exception):
    """Something json.dumps encodes its own way: let it."""


def dumps(value: Any) -> str:
    """Exactly `json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)`:
    NaN and the infinities raise ValueError, as JSON has no spelling for them that Grafana reads."""
    out: list[str] = []
    try:
        _encode(value, 0, out)
    except (_Fallback, RecursionError):
        return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return "".join(out)


def _flat_encoder(level: int) -> Callable[[Any, int], Any]:
    """The C encoder for a scalar-only container at `level`: items separated by a newline and
    the indentation of `level + 1`, the way the indented encoder separates them."""
    return c_make_encoder(None, _reject, encode_basestring, None, ": ", ",\n" + INDENT * (level + 1),
                          True, False, False)


def _reject(value: Any) -> Any:
    raise _Fallback


_NEWLINES = ["\n" + INDENT * level for level in range(_DEPTH + 1)]
_FLAT = [_flat_encoder(level) for level in range(_DEPTH)]


def _encode(value: Any, level: int, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        _dict(value, level, out)
    elif kind is list or kind is tuple:
        _list(value, level, out)
    elif kind is str:
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(_float(value))
    else:
        raise _Fallback  # subclasses, objects json rejects: json.dumps's own behaviour


def _float(value: float) -> str:
    """As json writes a float; NaN and the infinities raise its own error (allow_nan=False)."""
    if not isfinite(value):
        raise ValueError("Out of range float values are not JSON compliant")
    return float.__repr__(value)


def _dict(value: dict[Any, Any], level: int, out: list[str]) -> None:
    if not value:
        out.append("{}")
        return
    if level >= _DEPTH - 1 or set(map(type, value)) != _STR:
        raise _Fallback  # json converts and sorts non-string keys in its own way
    inner = _NEWLINES[level + 1]
    if set(map(type, value.values())) <= JSON_SCALARS:
        flat = "".join(_FLAT[level](value, 0))  # "{" + items + "}" with the separators of this level
        out.append("{" + inner + flat[1:-1] + _NEWLINES[level] + "}")
        return
    separator = "{" + inner
    deeper = level + 1
    for key in sorted(value):
        item = value[key]
        kind = type(item)
        if kind is str:  # the commonest value, encoded without a call
            out.append(separator + encode_basestring(key) + ": " + encode_basestring(item))
        else:
            out.append(separator + encode_basestring(key) + ": ")
            if kind is dict:
                _dict(item, deeper, out)
            elif kind is list:
                _list(item, deeper, out)
            else:
                _encode(item, deeper, out)
        separator = "," + inner
    out.append(_NEWLINES[level] + "}")


def _list(value: list[Any] | tuple[Any, ...], level: int, out: list[str]) -> None:
    if not value:
        out.append("[]")
        return
    if level >= _DEPTH - 1:
        raise _Fallback
    inner = _NEWLINES[level + 1]
    if set(map(type, value)) <= JSON_SCALARS:
        flat = "".join(_FLAT[level](value, 0))
        out.append("[" + inner + flat[1:-1] + _NEWLINES[level] + "]")
        return
    separator = "[" + inner
    deeper = level + 1
    for item in value:
        out.append(separator)
        if type(item) is dict:
            _dict(item, deeper, out)
        else:
            _encode(item, deeper, out)
        separator = "," + inner
    out.append(_NEWLINES[level] + "]")


def unwritable(value: Any, convert: Callable[[Any], Any] | None = None) -> tuple[str, str] | None:
    """Where in `value` (`panels[0].targets[1].x`; "" for `value` itself) and why JSON cannot hold
    it: a dict or list inside itself (json says "Circular reference detected", or recurses until
    Python stops it), NaN or an infinity, a value or key of a type JSON has no form for. `convert`
    turns any other object into what stands for it (grafanalib's `to_json_data`), or gives None
    where nothing does. None when nothing is found: the failure was another.

    For error messages only, after `dumps` (or a conversion) has failed: it remembers the
    containers above each value, which the encoders do not spend time on.
    """
    return _unwritable(value, "", set(), convert)


#: how deep `unwritable` looks: far below Python's recursion limit, far above any dashboard
_DEEPEST = 200


def _unwritable(value: Any, path: str, above: set[int], convert: Callable[[Any], Any] | None) -> tuple[str, str] | None:
    if isinstance(value, float):
        return None if isfinite(value) else (path, f"is {value}, which JSON cannot hold (Grafana refuses the file); "
                                                   "use a finite number or null")
    if value is None or isinstance(value, (str, int)):
        return None
    if id(value) in above:
        return path, ("holds itself (a dict or list inside itself), which JSON cannot write: give it a copy, or "
                      "build the value without the loop")
    if len(above) >= _DEEPEST:
        return path, f"is nested more than {_DEEPEST} levels deep, which is no dashboard or setting gac can write"
    items: Any
    if isinstance(value, dict):
        for key in value:
            if key is not None and not isinstance(key, (str, int, float)):
                return path, f"has a key of type {type(key).__name__}; JSON keys are strings"
        items = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    else:
        converted = convert(value) if convert is not None else None
        if converted is None:
            return path, f"is a {type(value).__name__}, which JSON has no form for: use a string, number, list or dict"
        items = ((path, converted),)
    above.add(id(value))
    try:
        for where, item in items:
            found = _unwritable(item, where, above, convert)
            if found is not None:
                return found if len(found[0]) <= 120 else (f"{found[0][:60]}...{found[0][-50:]}", found[1])
    finally:
        above.discard(id(value))
    return None
