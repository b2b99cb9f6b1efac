"""A Grafana alerting provisioning file as Grafana reads it, before any rule in it is judged.

Grafana reads every file in provisioning/alerting with gopkg.in/yaml.v3 into AlertingFileV1
(pkg/services/provisioning/alerting: config_reader.go, types.go, rules_types.go,
contact_point_types.go, notification_policy_types.go, mute_times_types.go,
text_templates_types.go), then maps each section to its model (MapToModel). A value that does
not decode, or an object the mapping refuses (a group without a name or folder, a rule without a
title or uid, a receiver without a uid, type or settings), fails the whole file, and with it the
alerting provisioning at startup. The rule checks of gac read the decoded values leniently; this
module says where the file itself is wrong.

How the values decode (provisioning/values, through yaml.v3's obsolete Unmarshaler interface):
- a string field (StringValue) takes any scalar's text and refuses a map or a list;
- an integer (Int64Value) is a scalar whose text strconv.ParseInt reads in base 10 (an empty
  text leaves it unset), a boolean (BoolValue) one strconv.ParseBool reads;
- a map of strings (StringMapValue: labels, annotations) takes a map of scalars, and a JSON
  value (JSONValue: a query's model, a receiver's settings, a policy) any map;
- a null leaves any of them unset (yaml.v3 calls no unmarshaler for a null);
- text with a `$` is expanded from the environment first: such a value is not judged here.

yaml.Unmarshal is not strict: a key Grafana does not know is ignored without a word, so a
misspelt section (`contactpoint:`) or field (`keep_firing_for:` for `keepFiringFor:`)
provisions nothing. Those are reported too, as ignored rather than refused.

What other rules already report is left to them: a group's missing or unreadable interval
(alert-group-interval), a rule's unreadable `for` (alert-duration-invalid), its condition
(alert-condition-unknown), its noDataState and execErrState (alert-state-invalid).
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, NamedTuple

from .durations import prometheus_duration_error, seconds
from .rulefmt import Problem, shown, text_of


#: how each problem's message ends: Grafana refuses the file, or reads it without the value
REFUSED = "Grafana refuses the file and alerting provisioning fails"
IGNORED = "Grafana ignores it"

# -- the kinds of value, as Grafana decodes them ---------------------------------------------
_STR, _INT, _BOOL, _STRINGS, _JSON, _ANY = "string", "integer", "boolean", "map of strings", "map", "any"
#: a value of a policy, which Grafana decodes from JSON (encoding/json): no number for a string
_JSTR, _JBOOL = "JSON string", "JSON boolean"


class _List(NamedTuple):
    """A list of `item` (a kind or an object's fields), described as `what`."""
    item: Any
    what: str


class _Object(NamedTuple):
    fields: Mapping[str, Any]
    what: str


_NOTIFICATION_SETTINGS = _Object({
    "receiver": _STR, "group_by": _List(_STR, "list of label names"), "group_wait": _STR, "group_interval": _STR,
    "repeat_interval": _STR, "mute_time_intervals": _List(_STR, "list of names"),
    "active_time_intervals": _List(_STR, "list of names")}, "notification settings")
_RECORD = _Object({"metric": _STR, "from": _STR, "targetDatasourceUid": _STR}, "a record")
_QUERY = _Object({"refId": _STR, "queryType": _STR, "relativeTimeRange": _ANY, "datasourceUid": _STR,
                  "model": _JSON}, "a query")
_RULE = _Object({
    "uid": _STR, "title": _STR, "condition": _STR, "data": _List(_QUERY, "list of queries"),
    "dasboardUid": _STR, "dashboardUid": _STR, "panelId": _INT, "noDataState": _STR, "execErrState": _STR,
    "for": _STR, "keepFiringFor": _STR, "missing_series_evals_to_resolve": _INT, "annotations": _STRINGS,
    "labels": _STRINGS, "isPaused": _BOOL, "notification_settings": _NOTIFICATION_SETTINGS, "record": _RECORD},
    "a rule")
_GROUP = _Object({"orgId": _INT, "name": _STR, "folder": _STR, "interval": _STR,
                  "rules": _List(_RULE, "list of rules")}, "a rule group")
_RECEIVER = _Object({"uid": _STR, "type": _STR, "settings": _JSON, "disableResolveMessage": _BOOL}, "a receiver")
_CONTACT_POINT = _Object({"orgId": _INT, "name": _STR, "receivers": _List(_RECEIVER, "list of receivers")},
                         "a contact point")
#: a notification policy's route (alertmanager's definition.Route, read from JSON)
_ROUTE_FIELDS: dict[str, Any] = {
    "receiver": _JSTR, "group_by": _List(_JSTR, "list of label names"), "continue": _JBOOL,
    "object_matchers": _ANY, "matchers": _ANY, "match": _ANY, "match_re": _ANY,
    "mute_time_intervals": _List(_JSTR, "list of names"), "active_time_intervals": _List(_JSTR, "list of names"),
    "group_wait": _JSTR, "group_interval": _JSTR, "repeat_interval": _JSTR, "provenance": _ANY}
_ROUTE = _Object(_ROUTE_FIELDS, "a route")
_ROUTE_FIELDS["routes"] = _List(_ROUTE, "list of routes")
_POLICY = _Object({"orgId": _INT, **_ROUTE_FIELDS}, "a policy")
_MUTE_TIME = _Object({"orgId": _INT, "name": _STR, "time_intervals": _List(_ANY, "list of time intervals")},
                     "a mute timing")
_TEMPLATE = _Object({"orgId": _INT, "name": _STR, "template": _STR, "provenance": _ANY}, "a template")
_BY_UID = _Object({"orgId": _INT, "uid": _STR}, "a deletion")
_BY_NAME = _Object({"orgId": _INT, "name": _STR}, "a deletion")
FILE = _Object({
    "apiVersion": _INT, "groups": _List(_GROUP, "list of rule groups"),
    "deleteRules": _List(_BY_UID, "list of rules to delete"),
    "contactPoints": _List(_CONTACT_POINT, "list of contact points"),
    "deleteContactPoints": _List(_BY_UID, "list of contact points to delete"),
    "policies": _List(_POLICY, "list of notification policies"),
    "resetPolicies": _List(_INT, "list of organization ids"),
    "muteTimes": _List(_MUTE_TIME, "list of mute timings"),
    "deleteMuteTimes": _List(_BY_NAME, "list of mute timings to delete"),
    "templates": _List(_TEMPLATE, "list of templates"),
    "deleteTemplates": _List(_BY_NAME, "list of templates to delete")}, "the file")

#: strconv.ParseBool's words
_GO_BOOLS = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
#: what each kind is written as, for a message's "Grafana expects ..."
_EXPECTED = {_STR: "a string", _INT: "a whole number", _BOOL: "true or false", _STRINGS: "a map of strings",
             _JSON: "a map", _JSTR: "a string", _JBOOL: "true or false"}


def problems(doc: Mapping[str, Any]) -> Iterator[Problem]:
    """What Grafana refuses or ignores in the alerting provisioning file `doc` (its top-level
    map), in document order of the sections."""
    version = doc.get("apiVersion")
    yield from _fields(doc, (), FILE)
    if version is not None and _decodes(_INT, version) is None and not _expanded(version) and \
            text_of(version).strip() and int(text_of(version)) != 1:
        yield Problem(("apiVersion",), f"apiVersion: {shown(version)} where Grafana expects 1, the only version of "
                      f"alerting provisioning files: {IGNORED} and reads the file as version 1",
                      "write `apiVersion: 1`")
    for gi, group in _items(doc, "groups"):
        yield from _group(group, ("groups", gi))
    for ci, point in _items(doc, "contactPoints"):
        yield from _contact_point(point, ("contactPoints", ci))
    for pi, policy in _items(doc, "policies"):
        yield from _policy(policy, ("policies", pi))
    for section, key, consequence in (("muteTimes", "name", REFUSED), ("templates", "name", REFUSED),
                                      ("templates", "template", REFUSED),
                                      ("deleteMuteTimes", "name", REFUSED), ("deleteTemplates", "name", REFUSED),
                                      ("deleteRules", "uid", f"{IGNORED}: it deletes nothing"),
                                      ("deleteContactPoints", "uid", f"{IGNORED}: it deletes nothing")):
        what = FILE.fields[section].item.what
        for i, item in _items(doc, section):
            if _empty(item.get(key)):
                yield Problem((section, i), f"{key}: missing from {what} in {section}, where Grafana expects "
                              f"{'the template text' if key == 'template' else 'a ' + key}: {consequence}",
                              f"set `{key}:`")


def _items(doc: Mapping[str, Any], key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The items of a list of objects that decode as objects (a null one is an empty object)."""
    items = doc.get(key)
    for i, item in enumerate(items if isinstance(items, list) else ()):
        if item is None or isinstance(item, dict):
            yield i, item or {}


def _expanded(value: Any) -> bool:
    """Whether Grafana reads the value from the environment (`$NAME`, `${NAME}`): unknown here."""
    return isinstance(value, str) and "$" in value


def _empty(value: Any, trim: bool = True) -> bool:
    """Whether a string field decodes to an empty string (as trimmed, where Grafana trims it)."""
    if isinstance(value, (dict, list)) or _expanded(value):
        return False  # a decoding problem, or the environment's: said elsewhere, or not known
    text = text_of(value)
    return not (text.strip() if trim else text)


def _group(group: Mapping[str, Any], path: tuple[Any, ...]) -> Iterator[Problem]:
    name = group.get("name")
    gname = text_of(name) if not isinstance(name, (dict, list)) and name is not None else None
    found: list[Problem] = []
    for key, what in (("name", "a group name"), ("folder", "the title of the folder of the group")):
        if _empty(group.get(key)):
            found.append(Problem(path, f"{key}: missing from the rule group, where Grafana expects {what}: {REFUSED}",
                                 f"set `{key}:`"))
    interval = group.get("interval")
    if interval is not None and not isinstance(interval, (dict, list)) and seconds(interval) is not None:
        # alert-group-interval reports a missing or unreadable interval; a number of seconds it
        # reads, as the API takes it, is no duration to file provisioning (model.ParseDuration)
        error = prometheus_duration_error(text_of(interval))
        if error is not None and not _expanded(interval):
            found.append(Problem((*path, "interval"), f"interval: {shown(interval)} where Grafana expects a "
                                 f"duration with a unit ({error}): {REFUSED}", "write e.g. 1m or 5m"))
    rules = group.get("rules")
    for ri, rule in enumerate(rules if isinstance(rules, list) else ()):
        if rule is None or isinstance(rule, dict):
            title = (rule or {}).get("title")
            rname = text_of(title) if title is not None and not isinstance(title, (dict, list)) else None
            for problem in _rule(rule or {}, (*path, "rules", ri)):
                found.append(problem._replace(rule=rname))
    for problem in found:
        yield problem._replace(group=gname)


def _rule(rule: Mapping[str, Any], path: tuple[Any, ...]) -> Iterator[Problem]:
    for key, what in (("title", "the rule's title"), ("uid", "the rule's uid")):
        if _empty(rule.get(key), trim=False):
            yield Problem(path, f"{key}: missing from the rule, where Grafana expects {what}: {REFUSED}",
                          f"set `{key}:`")
    data = rule.get("data")
    if data is None or data == []:
        yield Problem(path, f"data: missing from the rule, where Grafana expects a list of queries: {REFUSED}",
                      "add the rule's queries and expressions under `data:`")
    for key in ("for", "keepFiringFor"):
        value = rule.get(key)
        if value is None or isinstance(value, (dict, list)) or _expanded(value) or text_of(value) == "":
            continue
        if key == "for" and seconds(value) is None:
            continue  # alert-duration-invalid's
        error = prometheus_duration_error(text_of(value))
        if error is not None:
            yield Problem((*path, key), f"{key}: {shown(value)} where Grafana expects a duration with a unit "
                          f"({error}): {REFUSED}", "write e.g. 5m or 1h30m")
    evals = rule.get("missing_series_evals_to_resolve")
    if isinstance(evals, int) and not isinstance(evals, bool) and evals < 0:
        yield Problem((*path, "missing_series_evals_to_resolve"),
                      f"missing_series_evals_to_resolve: {evals} where Grafana expects a number of evaluations, "
                      f"0 or more: {REFUSED}", "write a whole number, 0 or more")
    settings = rule.get("notification_settings")
    if isinstance(settings, dict):
        spath = (*path, "notification_settings")
        if _empty(settings.get("receiver"), trim=False):
            yield Problem(spath, f"receiver: missing from notification_settings, where Grafana expects the name of "
                          f"a contact point: {REFUSED}", "set `receiver:`")
        for key in ("group_wait", "group_interval", "repeat_interval"):
            yield from _duration(settings, spath, key)


def _duration(obj: Mapping[str, Any], path: tuple[Any, ...], key: str) -> Iterator[Problem]:
    """A duration Grafana parses when set (model.ParseDuration)."""
    value = obj.get(key)
    if value is None or isinstance(value, (dict, list)) or _expanded(value) or text_of(value) == "":
        return
    error = prometheus_duration_error(text_of(value))
    if error is not None:
        yield Problem((*path, key), f"{key}: {shown(value)} where Grafana expects a duration with a unit "
                      f"({error}): {REFUSED}", "write e.g. 30s, 5m or 4h")


def _contact_point(point: Mapping[str, Any], path: tuple[Any, ...]) -> Iterator[Problem]:
    if _empty(point.get("name")):
        yield Problem(path, f"name: missing from the contact point, where Grafana expects its name: {REFUSED}",
                      "set `name:`")
    receivers = point.get("receivers")
    if receivers is None or receivers == []:
        yield Problem(path, "receivers: missing from the contact point, where Grafana expects a list of "
                      f"receivers (integrations): {IGNORED}, and provisions nothing for this contact point",
                      "add its integrations under `receivers:` (each with uid, type and settings)")
    for ri, receiver in enumerate(receivers if isinstance(receivers, list) else ()):
        if receiver is not None and not isinstance(receiver, dict):
            continue
        receiver = receiver or {}
        rpath = (*path, "receivers", ri)
        for key, what in (("uid", "a uid of its own"), ("type", "its integration type (email, slack, webhook...)")):
            if _empty(receiver.get(key)):
                yield Problem(rpath, f"{key}: missing from the receiver, where Grafana expects {what}: {REFUSED}",
                              f"set `{key}:`")
        settings = receiver.get("settings")
        if settings is None or settings == {}:
            yield Problem(rpath, "settings: missing from the receiver, where Grafana expects the integration's "
                          f"settings (a map): {REFUSED}", "set `settings:` (an email's addresses, a webhook's url...)")


def _policy(policy: Mapping[str, Any], path: tuple[Any, ...]) -> Iterator[Problem]:
    if _empty(policy.get("receiver"), trim=False):
        yield Problem(path, "receiver: missing from the policy, where Grafana expects the contact point its root "
                      f"sends to: {REFUSED}", "set `receiver:` to a contact point's name")
    yield from _route_durations(policy, path)


def _route_durations(route: Mapping[str, Any], path: tuple[Any, ...]) -> Iterator[Problem]:
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if isinstance(route.get(key), str):  # a number is a decoding problem (_fields)
            yield from _duration(route, path, key)
    routes = route.get("routes")
    for i, child in enumerate(routes if isinstance(routes, list) else ()):
        if isinstance(child, dict):
            yield from _route_durations(child, (*path, "routes", i))


# -- decoding ---------------------------------------------------------------------------------

def _fields(obj: Mapping[str, Any], path: tuple[Any, ...], spec: _Object) -> Iterator[Problem]:
    """Keys of `obj` Grafana does not know, and values that do not decode into their field,
    down through the objects and lists of `spec`."""
    for key, value in obj.items():
        kind = spec.fields.get(key) if isinstance(key, str) else None
        where = (*path, key)
        if kind is None:
            yield Problem(where, f"{shown(key)} is not a key of {spec.what}, where Grafana expects one of "
                          f"{', '.join(sorted(spec.fields))}: {IGNORED}",
                          "remove it, or correct its spelling")
            continue
        yield from _value(value, where, str(key), kind)


def _value(value: Any, where: tuple[Any, ...], name: str, kind: Any) -> Iterator[Problem]:
    if value is None or kind == _ANY:
        return
    if isinstance(kind, _Object):
        if not isinstance(value, dict):
            yield Problem(where, f"{name}: {shown(value)} where Grafana expects {kind.what} (a map): {REFUSED}",
                          f"write {name} as `key: value` pairs")
        else:
            yield from _fields(value, where, kind)
        return
    if isinstance(kind, _List):
        if not isinstance(value, list):
            yield Problem(where, f"{name}: {shown(value)} where Grafana expects a {kind.what}: {REFUSED}",
                          f"write {name} as a list: one `- ` item a line")
            return
        for i, item in enumerate(value):
            yield from _value(item, (*where, i), f"{name}[{i}]", kind.item)
        return
    wrong = _decodes(kind, value)
    if wrong is not None:
        yield Problem(where, f"{name}: {shown(value)} where Grafana expects {_EXPECTED[kind]}{wrong}: {REFUSED}",
                      f"write {_EXPECTED[kind]}")
    elif kind == _STRINGS:
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                yield Problem((*where, key), f"{name}.{text_of(key)}: {shown(item)} where Grafana expects a "
                              f"string: {REFUSED}", "write the value as a plain string")


def _decodes(kind: str, value: Any) -> str | None:
    """Why `value` does not decode into a field of `kind` ("" when no more is to be said); None
    where it does."""
    if kind in (_STRINGS, _JSON):
        return None if isinstance(value, dict) else ""
    if isinstance(value, (dict, list)):
        return ""
    if kind == _JSTR:
        return None if isinstance(value, str) else " (JSON reads no other scalar as one)"
    if kind == _JBOOL:
        return None if isinstance(value, bool) else ""
    if _expanded(value):
        return None
    text = text_of(value)
    if kind == _INT:
        try:
            if text:
                int(text, 10)
        except ValueError:
            return ""
        return None if "_" not in text and text.strip() == text else ""
    if kind == _BOOL:
        return None if text in _GO_BOOLS else ""
    return None
