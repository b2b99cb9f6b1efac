"""A Prometheus Operator PrometheusRule object as the Kubernetes API server judges it.

The operator installs the PrometheusRule kind as a custom resource whose schema the API server
applies to every object written (prometheus-operator
example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml, operator 0.82.2:
apiextensions.k8s.io/v1, version v1, the only one served). Before the operator ever renders a
rule file from the object, the API server, with a structural schema:
- refuses the whole object (422 Invalid, nothing of it stored or applied) for a value of the
  wrong type, a string that does not match the field's pattern or is shorter than its
  minLength, a required field missing (`spec`, a group's `name`, a rule's `expr`) and two
  groups with the same name (`groups` is a list keyed by name: x-kubernetes-list-type map);
- drops (prunes) a field the schema does not know, anywhere: a misspelt `anotations:` is
  stored without a word, and has no effect. kubectl (1.25 and later, --validate=strict by
  default) refuses the object for it; Helm and Argo CD get a warning at most. It is reported
  too, as dropped rather than refused;
- drops a null where a field is (defaulting.PruneNonNullableNullsWithoutDefaults): a null
  field is no field, and only a missing required one is then refused. A null item of a list
  stays, and is refused as of the wrong type.

The types are JSON's, of the YAML as a client converts it (sigs.k8s.io/yaml: a YAML number
becomes a JSON number, so `1.0` is the integer 1): a string field takes only a string (`for: 5`,
`severity: 1`, `alert: true` are refused: quote them), an integer field a whole number, and
`expr` (x-kubernetes-int-or-string) either. The durations' pattern (D below) is not
Prometheus's model.ParseDuration: units in the order y, w, d, h, m, s, ms, each once, no
fraction, and the empty string matches (keep_firing_for alone has a minLength of 1).

What the rule checks of the rules already report for PrometheusRule objects is theirs: a rule
without an expr, or with a map or a list for one (prom-rule-invalid says "rule has no expr"),
and a rule with both or neither of alert and record. The object's metadata is ObjectMeta,
which the API server judges by rules of its own, not this schema: only its type is judged here.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any, Iterator, Mapping, NamedTuple

from .rulefmt import Problem, shown, text_of

#: how each problem's message ends: the API server refuses the object, or stores it without the key
REFUSED = "the Kubernetes API server refuses the PrometheusRule (422 Invalid) and applies none of it"
DROPPED = ("the Kubernetes API server drops it (an unknown field is pruned), and kubectl refuses the object "
           "(--validate=strict, its default since 1.25)")

#: the only group and version the CRD serves
API_VERSION = "monitoring.coreos.com/v1"

#: D of the CRD: a duration as the operator's monitoringv1.Duration pattern spells it
_DURATION = re.compile(r"0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?")
#: `^(?i)(abort|warn)?$`, matched whole (Go's `$` is the end of the text, Python's `$` not)
_STRATEGY = re.compile(r"(abort|warn)?", re.IGNORECASE)


class _Scalar(NamedTuple):
    """A string, an integer, or either (int-or-string), with the string's pattern and minLength."""
    type: str
    pattern: re.Pattern[str] | None = None
    min_length: int = 0
    #: what the string is (a type error says it), the pattern in a reader's words, and how to
    #: write a value that matches both
    what: str = ""
    means: str = ""
    fix: str = ""


class _Strings(NamedTuple):
    """A map of strings (additionalProperties: string): labels, annotations."""


class _Object(NamedTuple):
    fields: Mapping[str, Any]
    required: tuple[str, ...]
    what: str


class _Array(NamedTuple):
    item: Any
    what: str
    #: x-kubernetes-list-map-keys: the key of each item, unique in the list
    key: str | None = None


_STRING, _INTEGER, _INT_OR_STRING = "string", "integer", "int-or-string"
_DURATION_FIX = "write a duration with a unit, e.g. 30s, 5m or 1h30m (0 for none)"
_DURATION_MEANS = ("a duration as the CRD's pattern reads one: whole numbers, each with a unit, in the order y, "
                   "w, d, h, m, s, ms (no fraction, no space)")


def _duration(min_length: int = 0) -> _Scalar:
    return _Scalar(_STRING, _DURATION, min_length, "a duration such as 5m", _DURATION_MEANS, _DURATION_FIX)


_RULE = _Object({
    "alert": _Scalar(_STRING), "record": _Scalar(_STRING), "expr": _Scalar(_INT_OR_STRING), "for": _duration(),
    "keep_firing_for": _duration(min_length=1), "labels": _Strings(), "annotations": _Strings()},
    (), "a rule")  # expr is required too: its absence is prom-rule-invalid's ("rule has no expr")
_GROUP = _Object({
    "name": _Scalar(_STRING, min_length=1, fix="name the group"), "interval": _duration(), "query_offset": _duration(),
    "labels": _Strings(), "limit": _Scalar(_INTEGER),
    "partial_response_strategy": _Scalar(_STRING, _STRATEGY, 0, "abort or warn",
                                          "abort or warn (in any case), or nothing", "write abort or warn"),
    "rules": _Array(_RULE, "rules")}, ("name",), "a rule group")
_SPEC = _Object({"groups": _Array(_GROUP, "rule groups", key="name")}, (), "the spec")
_METADATA = _Object({}, (), "the object's metadata")
OBJECT = _Object({"apiVersion": _Scalar(_STRING), "kind": _Scalar(_STRING), "metadata": _METADATA, "spec": _SPEC},
                 ("spec",), "a PrometheusRule")


def problems(doc: Mapping[str, Any]) -> Iterator[Problem]:
    """What the Kubernetes API server (or kubectl) refuses or drops in the PrometheusRule `doc`
    (the object's map), in document order."""
    version = doc.get("apiVersion")
    if version is None:
        yield Problem((), f"apiVersion: missing from the PrometheusRule, where Kubernetes expects {API_VERSION}: "
                      "kubectl refuses the object (apiVersion not set)", f"write `apiVersion: {API_VERSION}`")
    elif isinstance(version, str) and version != API_VERSION:
        yield Problem(("apiVersion",), f"apiVersion: {shown(version)} where Kubernetes serves PrometheusRule only "
                      f"as {API_VERSION}: kubectl and the API server refuse the object (no matches for kind "
                      "PrometheusRule in that version)", f"write `apiVersion: {API_VERSION}`")
    yield from _object(doc, (), OBJECT, None, None)


def _object(obj: Mapping[str, Any], path: tuple[Any, ...], spec: _Object, group: str | None,
            rule: str | None) -> Iterator[Problem]:
    if spec is _GROUP:
        group = _name(obj.get("name"))
    elif spec is _RULE:
        rule = _name(obj.get("alert")) or _name(obj.get("record"))
    for key in spec.required:
        if obj.get(key) is None:
            yield Problem(path, f"{_dotted((*path, key))}: missing from {spec.what}, where Kubernetes requires "
                          f"it: {REFUSED}", f"set `{key}:`", group, rule)
    for key, value in obj.items():
        where = (*path, key)
        kind = spec.fields.get(key) if isinstance(key, str) else None
        if kind is None:
            known = ", ".join(sorted(spec.fields))
            yield Problem(where, f"{_dotted(where)}: not a field of {spec.what}, where Kubernetes knows {known}: "
                          f"{DROPPED}", "remove it, or correct its spelling", group, rule)
            continue
        if value is None:
            continue  # a null field is dropped: no field
        if spec is _RULE and key == "expr" and isinstance(value, (dict, list)):
            continue  # prom-rule-invalid reads no text in it: "rule has no expr"
        yield from _value(value, where, kind, group, rule)


def _value(value: Any, where: tuple[Any, ...], kind: Any, group: str | None, rule: str | None) -> Iterator[Problem]:
    name = _dotted(where)
    if isinstance(kind, _Object):
        if not isinstance(value, dict):
            yield Problem(where, f"{name}: {shown(value)} where Kubernetes expects {kind.what} (a map): {REFUSED}",
                          "remove the empty item" if value is None else "write it as `key: value` pairs", group, rule)
        elif kind is not _METADATA:  # ObjectMeta: not this schema's
            yield from _object(value, where, kind, group, rule)
        return
    if isinstance(kind, _Array):
        if not isinstance(value, list):
            yield Problem(where, f"{name}: {shown(value)} where Kubernetes expects a list of {kind.what}: {REFUSED}",
                          "write it as a list: one `- ` item a line", group, rule)
            return
        seen: dict[str, int] = {}
        for i, item in enumerate(value):
            yield from _value(item, (*where, i), kind.item, group, rule)
            key = item.get(kind.key) if kind.key is not None and isinstance(item, dict) else None
            if not isinstance(key, str):
                continue
            if key in seen:
                yield Problem((*where, i, kind.key), f"{_dotted((*where, i, kind.key))}: {shown(key)} is also the "
                              f"{kind.key} of {name}[{seen[key]}], where Kubernetes keys the {kind.what} by "
                              f"{kind.key} and takes each once (Duplicate value): {REFUSED}",
                              f"give each of the {kind.what} its own {kind.key}", key, None)
            else:
                seen[key] = i
        return
    if isinstance(kind, _Strings):
        if not isinstance(value, dict):
            yield Problem(where, f"{name}: {shown(value)} where Kubernetes expects a map of strings: {REFUSED}",
                          "write it as `name: value` pairs", group, rule)
            return
        for key, item in value.items():
            if item is not None and _json_type(item) != _STRING:
                yield Problem((*where, key), f"{_dotted((*where, key))}: {shown(item)} where Kubernetes expects a "
                              f"string: {REFUSED}", _quote(item), group, rule)
        return
    yield from _scalar(value, where, kind, group, rule)


def _scalar(value: Any, where: tuple[Any, ...], kind: _Scalar, group: str | None,
            rule: str | None) -> Iterator[Problem]:
    name = _dotted(where)
    found = _json_type(value)
    allowed = {_STRING: (_STRING,), _INTEGER: (_INTEGER,), _INT_OR_STRING: (_STRING, _INTEGER)}[kind.type]
    if found not in allowed:
        expected = {_STRING: "a string", _INTEGER: "a whole number",
                    _INT_OR_STRING: "a string or a whole number"}[kind.type]
        if kind.type == _INTEGER:
            fix = "write a whole number, e.g. 100"
        elif kind.pattern is not None and found in (_INTEGER, "number") and not kind.pattern.fullmatch(text_of(value)):
            fix = kind.fix  # `for: 5`: quoting it is not enough
        else:
            fix = _quote(value)
        yield Problem(where, f"{name}: {shown(value)} where Kubernetes expects {expected}"
                      f"{' (' + kind.what + ')' if kind.what else ''}: {REFUSED}", fix, group, rule)
        return
    if found != _STRING:
        return
    if len(value) < kind.min_length:
        yield Problem(where, f"{name}: {shown(value)} where Kubernetes expects at least {kind.min_length} "
                      f"character{'s' if kind.min_length > 1 else ''}: {REFUSED}",
                      kind.fix or "write a value, or remove the key", group, rule)
    elif kind.pattern is not None and not kind.pattern.fullmatch(value):
        yield Problem(where, f"{name}: {shown(value)} where Kubernetes expects {kind.means}: {REFUSED}",
                      kind.fix, group, rule)


def _json_type(value: Any) -> str:
    """The JSON type a YAML value becomes on its way to the API server (sigs.k8s.io/yaml)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return _INTEGER
    if isinstance(value, float):
        # JSON writes an integral float without its fraction, and the API server reads it an integer
        return _INTEGER if math.isfinite(value) and value.is_integer() else "number"
    if isinstance(value, (str, datetime.date)):
        return _STRING  # a timestamp-shaped scalar stays a string (yaml.v3, sigs.k8s.io/yaml)
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else "string"


def _quote(value: Any) -> str:
    if isinstance(value, (dict, list)) or value is None:
        return "write a plain string"
    return f"quote it: {shown(text_of(value))}"


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dotted(path: tuple[Any, ...]) -> str:
    """`spec.groups[0].rules[1].for`: a path as kubectl's messages name it."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) and not isinstance(key, bool) else (f".{key}" if out else str(key))
    return out
