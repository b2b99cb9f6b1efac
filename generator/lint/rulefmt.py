"""A Prometheus rule file as Prometheus reads it, before any rule in it is judged.

Prometheus (and promtool, Mimir's ruler, Thanos) decodes a rule file with gopkg.in/yaml.v3
into rulefmt's structs with unknown fields refused (rulefmt.Parse: `decoder.KnownFields(true)`),
then checks the groups (RuleGroups.Validate). A file that fails either is not loaded at all:
every group in it stops being evaluated, and a running Prometheus keeps its old rules and logs
the error on reload. The rule checks of gac read the decoded values leniently (a `for: 5`, a
group that is a string); this module says where the file itself is refused.

yaml.v3's decoding, as it applies to these structs (decode.go):
- a string field takes any scalar's text (`alert: 5` is the name "5"), a null leaves it empty,
  and a map or sequence is an error ("cannot unmarshal !!seq into string");
- a duration (model.Duration) is a string parsed by model.ParseDuration: a number without a unit
  is refused, except `0`; a null leaves it zero (its unmarshaler is not called for a null);
- an int takes an integer or a float (truncated), and refuses strings and booleans;
- a map of strings (labels, annotations) takes a map whose values are scalars;
- record, alert and expr are yaml.Node: any value decodes; Validate reads their text.

The fields are those of Prometheus 2.x and 3.x together (3.x added a group's `labels`, 2.53
`query_offset`): a field one of them knows is not reported, the version question is left to
the query rules. Prometheus Operator's PrometheusRule objects are checked by the Kubernetes API
server against their own schema, not by this decoder: prometheusrule_schema judges them.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping, NamedTuple

from .durations import prometheus_duration_error, prometheus_duration_is_zero


class Problem(NamedTuple):
    """What the program that loads a file refuses (Prometheus here; Grafana, alerting_provisioning;
    the Kubernetes API server, prometheusrule_schema) or ignores in it: where in the document,
    what, and what to do; the name of the group and of the rule it is in, where it is in one."""
    path: tuple[Any, ...]
    message: str
    fix: str
    group: str | None = None
    rule: str | None = None


#: what every problem's message ends with
_REFUSED = "Prometheus refuses to load the whole file"


#: what each kind of field decodes into, in Go's words and in a reader's
_STRING, _DURATION, _INT, _STRINGS, _NODE, _GROUPS, _RULES = (
    "string", "duration", "int", "map of strings", "node", "list of groups", "list of rules")
_FILE_FIELDS = {"groups": _GROUPS}
_GROUP_FIELDS = {"name": _STRING, "interval": _DURATION, "query_offset": _DURATION, "limit": _INT,
                 "rules": _RULES, "labels": _STRINGS}
_RULE_FIELDS = {"record": _NODE, "alert": _NODE, "expr": _NODE, "for": _DURATION, "keep_firing_for": _DURATION,
                "labels": _STRINGS, "annotations": _STRINGS}
#: how each kind is written, for the fix
_WRITE = {_STRING: "write it as a plain string", _DURATION: "write a number with a unit, e.g. 5m or 1h30m",
          _INT: "write a whole number, e.g. 100", _STRINGS: "write it as `name: value` pairs",
          _GROUPS: "write the groups as a list: `groups:` then `- name: ...` items",
          _RULES: "write the rules as a list: `rules:` then `- alert: ...` or `- record: ...` items"}


def text_of(value: Any) -> str:
    """A decoded scalar's text as yaml.v3 gives it to a string field (`true`, `5`, `` for null,
    `0x10` as written: the loader keeps a number's spelling, loaders.SpeltInt)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else getattr(value, "text", None) or str(value)


def node_text(value: Any) -> str:
    """The text rulefmt's validation reads of a yaml.Node field (record, alert, expr): a scalar's,
    none of a map or list."""
    return "" if isinstance(value, (dict, list)) else text_of(value)


def shown(value: Any) -> str:
    """A value as a message quotes it: a string in quotes, a scalar as YAML writes it, a map or
    list by its kind (never Python's repr)."""
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return text_of(value) or "null"


def problems(doc: Mapping[str, Any]) -> Iterator[Problem]:
    """Why Prometheus refuses the rule file `doc` (its top-level map), in document order."""
    for problem in _problems(doc):
        yield problem._replace(message=f"{problem.message}: {_REFUSED}")


def _problems(doc: Mapping[str, Any]) -> Iterator[Problem]:
    yield from _fields(doc, (), _FILE_FIELDS, "the file")
    groups = doc.get("groups")
    if not isinstance(groups, list):
        return
    names: dict[str, int] = {}
    for gi, group in enumerate(groups):
        if group is None:
            continue  # yaml.v3 leaves a null item a zero group, which Validate never sees
        gpath = ("groups", gi)
        if not isinstance(group, dict):
            yield Problem(gpath, f"group {gi + 1} is {shown(group)}, not a map",
                          "write each group as a map with `name:` and `rules:`")
            continue
        name = group.get("name")
        gname = text_of(name) if not isinstance(name, (dict, list)) else None
        for problem in _fields(group, gpath, _GROUP_FIELDS, "a group"):
            yield problem._replace(group=gname)
        if gname == "":
            yield Problem(gpath, "the group has no name", "name the group")
        elif gname is not None and gname in names:
            yield Problem((*gpath, "name"), f"group name {shown(gname)} is also group {names[gname] + 1}'s",
                          "give each group its own name", gname)
        elif gname is not None:
            names[gname] = gi
        rules = group.get("rules")
        for ri, rule in enumerate(rules if isinstance(rules, list) else ()):
            rpath = (*gpath, "rules", ri)
            if rule is None:
                continue
            if not isinstance(rule, dict):
                yield Problem(rpath, f"rule {ri + 1} is {shown(rule)}, not a map",
                              "write each rule as a map with `alert:` or `record:` and `expr:`", gname)
                continue
            rname = node_text(rule.get("alert")) or node_text(rule.get("record")) or None
            for problem in _fields(rule, rpath, _RULE_FIELDS, "a rule"):
                yield problem._replace(group=gname, rule=rname)
            if node_text(rule.get("record")):
                for problem in _recording_only(rule, rpath):
                    yield problem._replace(group=gname, rule=rname)


def _recording_only(rule: Mapping[str, Any], path: tuple[Any, ...]) -> Iterator[Problem]:
    """What Validate refuses in a recording rule: annotations, and a `for` or `keep_firing_for`
    other than zero (alerting fields, which a recording rule would silently not have)."""
    annotations = rule.get("annotations")
    if isinstance(annotations, dict) and annotations:
        yield Problem((*path, "annotations"), "a recording rule has annotations",
                      "remove them, or make the rule an alerting rule")
    for key in ("for", "keep_firing_for"):
        value = rule.get(key)
        text = text_of(value) if not isinstance(value, (dict, list)) else ""
        if text and prometheus_duration_error(text) is None and not prometheus_duration_is_zero(text):
            yield Problem((*path, key), f"a recording rule has `{key}: {text}`",
                          f"remove `{key}`, or make the rule an alerting rule")


def _fields(obj: Mapping[str, Any], path: tuple[Any, ...], known: Mapping[str, str],
            what: str) -> Iterator[Problem]:
    """Unknown fields of `obj`, and fields whose value does not decode into their type."""
    for key, value in obj.items():
        kind = known.get(key) if isinstance(key, str) else None
        if kind is None:
            yield Problem((*path, key), f"{shown(key)} is not a field of {what}",
                          f"remove it, or correct its spelling (fields: {', '.join(sorted(known))})")
            continue
        problem = _decode_problem(kind, value)
        if problem is not None:
            yield Problem((*path, key), f"{key}: {problem}", _WRITE[kind])
        elif kind == _STRINGS and isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, (dict, list)):
                    yield Problem((*path, key, name), f"{key}.{text_of(name)} is {shown(item)} where Prometheus "
                                  "reads a string", "write the value as a plain string")


def _decode_problem(kind: str, value: Any) -> str | None:
    """Why yaml.v3 cannot decode `value` into a field of `kind`; None where it can."""
    if value is None or kind == _NODE:
        return None
    if kind in (_GROUPS, _RULES):
        return None if isinstance(value, list) else f"{shown(value)} where Prometheus reads a {kind}"
    if kind == _STRINGS:
        return None if isinstance(value, dict) else f"{shown(value)} where Prometheus reads a {kind}"
    if isinstance(value, (dict, list)):
        return f"{shown(value)} where Prometheus reads a {'duration' if kind == _DURATION else kind}"
    if kind == _INT:
        if isinstance(value, bool) or isinstance(value, str):
            return f"{shown(value)} where Prometheus reads a whole number"
        return None if -2 ** 63 <= value < 2 ** 63 else f"{shown(value)} is beyond a 64-bit integer"
    if kind == _DURATION:
        error = prometheus_duration_error(text_of(value))
        return None if error is None else f"{shown(value)} is not a duration ({error})"
    return None
