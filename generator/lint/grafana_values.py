"""The values Grafana gives a dashboard's template variables, and how it writes them into a query.

A placeholder that merely fits a variable's position (promql_expand.py) is right for a
variable inside a string, where any value parses. Outside strings the value itself decides
whether the query parses: `topk($k, ...)` with `k` = `5`, `a $op b` with `op` = `or`. There
Grafana's own choice is the one to judge: the variable's saved current value, the options
of a custom variable, a constant's or a text box's query. This module models Grafana's
template service (public/app/features/templating/template_srv.ts `replace`, and the
Prometheus data source's `interpolateQueryExpr`, public/app/plugins/datasource/prometheus
escaping.ts) for those values: what the saved model says, and nothing guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .promql_names import STRING_LITERAL

#: Grafana's variable syntax (public/app/features/variables/utils.ts `variableRegex`)
VARIABLE_RE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}", re.ASCII)

ALL = "$__all"

#: Grafana's custom-variable query: comma-separated, `\,` escapes a comma, `text : value` pairs
_CUSTOM_ITEM = re.compile(r"(?:\\,|[^,])+")
_CUSTOM_PAIR = re.compile(r"^\s*(.+?)\s+:\s+(.+?)\s*$")


@dataclass(frozen=True)
class VariableValue:
    """What Grafana inserts for one variable: its values (All expanded), and how it formats them."""

    values: tuple[str, ...]
    multi: bool = False        # multi-value or include-all: Prometheus' default format regex-escapes
    all_value: str | None = None  # the custom "All" value, inserted as written when All is selected


class Values:
    """The dashboard's variables by name: the defined names, and the values known of them.

    Hashable (by content, hash computed once), so expansions can be cached per dashboard.
    """

    __slots__ = ("defined", "known", "_key", "_hash")

    def __init__(self, defined: Iterable[str], known: Mapping[str, VariableValue]):
        self.defined = frozenset(defined)
        self.known = dict(known)
        self._key = (self.defined, tuple(sorted(self.known.items())))
        self._hash = hash(self._key)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or isinstance(other, Values) and self._hash == other._hash and self._key == other._key

    def __repr__(self) -> str:
        return f"Values({sorted(self.defined)}, {self.known})"

    def text(self, name: str, fmt: str | None) -> str | None:
        """The text Grafana writes for `$name` / `${name:fmt}` in a Prometheus query, if known."""
        value = self.known.get(name)
        return format_value(value, fmt) if value is not None else None


def _custom_options(query: Any) -> list[str]:
    if not isinstance(query, str):
        return []
    out = []
    for item in _CUSTOM_ITEM.findall(query):
        item = item.replace("\\,", ",")
        pair = _CUSTOM_PAIR.match(item)
        out.append(pair.group(2) if pair else item.strip())
    return [o for o in out if o]


def _option_values(variable: Mapping[str, Any]) -> list[str]:
    options = variable.get("options")
    out = []
    if isinstance(options, list):
        for option in options:
            value = option.get("value") if isinstance(option, dict) else None
            if isinstance(value, str) and value != ALL:
                out.append(value)
    if not out and variable.get("type") == "custom":
        out = _custom_options(variable.get("query"))
    return out


def _current(variable: Mapping[str, Any]) -> list[str] | None:
    current = variable.get("current")
    value = current.get("value") if isinstance(current, dict) else None
    if isinstance(value, str) and value != "":
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def variable_value(variable: Mapping[str, Any]) -> VariableValue | None:
    """The value Grafana would use for a saved variable, or None when only a live query knows it."""
    vtype = variable.get("type")
    multi = bool(variable.get("multi") or variable.get("includeAll"))
    query = variable.get("query")
    if vtype == "constant":
        return VariableValue((query,)) if isinstance(query, str) else None
    current = _current(variable)
    if vtype == "textbox":
        value = current[0] if current else query if isinstance(query, str) else ""
        return VariableValue((value,))
    if vtype in ("adhoc", "groupby", "datasource") or vtype is None:
        return None
    if current is None:
        if vtype == "custom":
            options = _option_values(variable)
            return VariableValue((options[0],), multi) if options else None
        return None
    if ALL in current:
        all_value = variable.get("allValue")
        if isinstance(all_value, str) and all_value:
            return VariableValue((all_value,), multi, all_value)
        options = _option_values(variable)
        return VariableValue(tuple(options), True) if options else None
    if vtype == "interval" and any("$" in v for v in current):
        return VariableValue(("1m",))  # `$__auto_interval_x`: Grafana computes it from the range, a duration
    if any("$" in v for v in current):
        return None  # `$__auto_interval_x` and the like: computed when the dashboard loads
    return VariableValue(tuple(current), multi)


def dashboard_values(variables: Mapping[str, Mapping[str, Any]], inputs: Iterable[str] = ()) -> Values:
    """Defined names (variables and `__inputs`) and the values known of the variables."""
    known = {}
    for name, variable in variables.items():
        value = variable_value(variable)
        if value is not None:
            known[name] = value
    values = Values([*variables, *inputs], known)
    # one object per content: expansions are cached by it, and identity is the cheap equality
    return _INTERNED.setdefault(values, values)


_INTERNED: dict[Values, Values] = {}


# -- formatting (Grafana's format registry, and the Prometheus data source's default) --------

def _regular_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def _regex_escape(value: str) -> str:
    return re.sub(r"[$^*{}\[\]+?.()|]", lambda m: "\\\\" + m.group(), value.replace("\\", "\\\\\\\\"))


def _re2_escape(value: str) -> str:
    return re.sub(r"[\\^$.|?*+()\[\]{}/]", lambda m: "\\" + m.group(), value)


def format_value(value: VariableValue, fmt: str | None) -> str:
    """`value` as Grafana writes it with format `fmt` (None: the Prometheus data source's default)."""
    values = list(value.values)
    if value.all_value is not None and not fmt:
        return value.all_value
    if fmt is None:
        if not value.multi:
            return _regular_escape(values[0]) if len(values) == 1 else ",".join(map(_regular_escape, values))
        escaped = [_regex_escape(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    fmt = fmt.split(":", 1)[0]
    if fmt == "regex":
        escaped = [_re2_escape(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    if fmt == "pipe":
        return "|".join(values)
    if fmt == "doublequote":
        return ",".join('"' + v.replace('"', '\\"') + '"' for v in values)
    if fmt == "singlequote":
        return ",".join("'" + v.replace("'", "\\'") + "'" for v in values)
    if fmt == "glob":
        return values[0] if len(values) == 1 else "{" + ",".join(values) + "}"
    if fmt == "json":
        return json.dumps(values[0] if len(values) == 1 else values)
    return ",".join(values)  # raw, csv, text, distributed and the rest: comma-joined as written


# -- the whole query, as Grafana sends it -----------------------------------------------------

#: Grafana's values of the macros for a one-hour range at a one-minute step
#: (conformance/README.md: `$__interval`, `$__rate_interval`, `$__auto` → 1m, `$__range` → 1h)
MACRO_VALUES = {
    "__interval": "1m", "__rate_interval": "1m", "__auto": "1m", "__range": "1h", "__dd_interval": "1m",
    "__large_interval": "1m", "__interval_ms": "60000", "__rate_interval_ms": "60000", "__range_s": "3600",
    "__range_ms": "3600000", "__from": "1700000000000", "__to": "1700003600000",
}
#: the macros Grafana's Prometheus backend expands in alert queries (pkg/promlib/models/query.go)
BACKEND_MACROS = frozenset({"__interval", "__rate_interval", "__range", "__interval_ms", "__rate_interval_ms",
                            "__range_s", "__range_ms"})
_STRING = re.compile(STRING_LITERAL)


def _macro(name: str, fmt: str | None) -> str:
    value = MACRO_VALUES[name]
    if name in ("__from", "__to") and fmt and fmt.startswith("date"):
        return value[:-3] if fmt == "date:seconds" else "2023-11-14T22:13:20.000Z"
    return value


def interpolate(text: str, values: Values | None, backend_only: bool = False) -> str | None:
    """`text` as Grafana sends it to Prometheus: macros and known variables replaced, undefined
    names left as written. None when a variable outside a string has no value in the saved
    model (only a live query would tell). `backend_only`: Grafana-managed alerting, where only
    the data source backend's macros are expanded."""
    strings = [(m.start(), m.end()) for m in _STRING.finditer(text)]
    out: list[str] = []
    pos = 0
    for m in VARIABLE_RE.finditer(text):
        name = m.group(1) or m.group(2) or m.group(4)
        fmt = m.group(3) or m.group(6)
        if name.isdigit():
            continue
        if name in MACRO_VALUES and (not backend_only or name in BACKEND_MACROS):
            value = _macro(name, fmt)
        elif backend_only or values is None or name not in values.defined and not name.startswith("__"):
            continue
        else:
            known = values.text(name, fmt)
            if known is None and not any(s <= m.start() < e for s, e in strings):
                return None
            value = "x" if known is None else known
        out.append(text[pos:m.start()])
        out.append(value)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)
