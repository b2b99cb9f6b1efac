"""Rules about dashboards, panels, targets and template variables."""

from __future__ import annotations

import datetime
import json
import re
from functools import partial
from typing import Any, Callable, Iterator, Mapping, Sequence

from .. import logql
from ..alert_model import is_expression
from ..contexts import AlertRuleContext, DashboardContext, PanelContext, TargetContext, VariableContext
from ...datasource_index import Resolved
from ..dashboard_model import listed, variables
from ..finding import Location
from ..locate import JsonLocator
from ..grafana_units import is_known_unit, spelled_unit
from ..grafana_values import Values
from ..promql_expand import ALERT, GRAFANA, VARIABLE_RE, Expansion, expand
from ..registry import Issue, rule

#: the names VARIABLE_RE captures ($name, ${name...}, [[name...]]), in two patterns: one that
#: starts with a literal is searched for at C speed, where an alternation (`(?:\$\{?|\[\[)(\w+)`)
#: is tried at every character; their matches never overlap
_DOLLAR_NAME_RE = re.compile(r"\$\{?(\w+)", re.ASCII)
_BRACKET_NAME_RE = re.compile(r"\[\[(\w+)", re.ASCII)


def _find_names(text: str) -> list[str]:
    """Every name the two patterns capture in `text`, in any order. (The regex's own search for
    its leading `[[` is several times quicker than `"[[" in text` asking first.)"""
    names = _DOLLAR_NAME_RE.findall(text) if "$" in text else []
    names += _BRACKET_NAME_RE.findall(text)
    return names


#: built-in variables that are not spelled with a leading "__"
BUILTIN_VARIABLES = frozenset({"timeFilter"})

DEPRECATED_PANELS = {
    "graph": "timeseries", "singlestat": "stat", "table-old": "table",
    "grafana-singlestat-panel": "stat", "grafana-piechart-panel": "piechart",
    "grafana-worldmap-panel": "geomap",
}
#: panel types that show numbers, so the number needs a unit
NUMERIC_PANELS = frozenset({"timeseries", "stat", "gauge", "bargauge", "table", "barchart", "histogram",
                            "trend", "graph", "singlestat", "table-old"})
#: Grafana's panel types that show what their queries return (its core panels, whose plugin.json
#: does not set skipDataQuery, and the Angular ones gac knows): without a query they show "No
#: data". A plugin's panel may fetch its data itself (Percona's pmm-check-panel): not judged
DATA_PANELS = NUMERIC_PANELS | frozenset({"heatmap", "piechart", "state-timeline", "status-history", "xychart",
                                          "geomap", "candlestick", "logs", "traces", "nodeGraph", "flamegraph",
                                          "datagrid", *DEPRECATED_PANELS})
#: panel types that run no query (plugin.json `skipDataQuery`: text, news, the lists of
#: dashboards, alerts, annotations and plugins, the welcome panels) and rows: Grafana never reads
#: their `datasource`, which a panel converted from a data panel often keeps
_QUERYLESS_PANELS = frozenset({"row", "text", "news", "dashlist", "alertlist", "annolist", "welcome",
                               "gettingstarted", "pluginlist"})
#: variable types that run no query, so never read a `datasource` (query, ad hoc and group-by
#: variables do; a data-source variable names its plugin in `query`)
_QUERYLESS_VARIABLES = frozenset({"interval", "custom", "constant", "textbox", "datasource"})
#: keys whose values Grafana never interpolates
_NOT_INTERPOLATED = frozenset({"__inputs", "__requires", "__elements", "gridPos", "id", "version", "scopedVars",
                               "aliasColors", "iteration", "schemaVersion"})
#: in a variable definition: the saved selection and options, not interpolated
_VARIABLE_STATE = frozenset({"current", "options"})
#: what is never interpolated inside a variable definition
_NOT_IN_VARIABLE = _NOT_INTERPOLATED | _VARIABLE_STATE
#: a query variable's `definition` is the editor's display copy of its `query`
_DEFINITION = frozenset({"definition"})
#: the target fields the Prometheus and Loki data sources interpolate (applyTemplateVariables in
#: public/app/plugins/datasource/prometheus and loki): other keys of their targets (a legacy
#: InfluxDB `groupBy` left behind by a data source switch) never reach a query
_INTERPOLATED_TARGET_KEYS = {
    "promql": frozenset({"expr", "legendFormat", "interval", "datasource"}),
    "logql": frozenset({"expr", "legendFormat", "interval", "step", "datasource"}),
}

#: names a data source's backend replaces in its own targets, where Grafana's interpolation leaves
#: them alone (it keeps an undefined `$name` as written): per type, the names it replaces in any
#: member of a target, and those it replaces in one member. InfluxQL: `$interval` beside its
#: `$timeFilter` (a built-in everywhere; pkg/tsdb/influxdb/influxql Query.Build), and the alias
#: patterns `$m`, `$measurement`, `$col`, `$tag_<key>` (influxql/util FormatFrameName)
_BACKEND_NAMES: dict[str, tuple[re.Pattern[str], Mapping[str, re.Pattern[str]]]] = {
    "influxdb": (re.compile(r"interval\Z"),
                 {"alias": re.compile(r"(?:m|measurement|col|tag_\w+)\Z")}),
}


def _replaced_by_backend(ctx: DashboardContext, name: str, path: tuple[Any, ...]) -> bool:
    """Is `$name` at `path` one that the data source of the target holding it replaces itself?"""
    for panel in ctx.panels:
        for target in panel.targets:
            n = len(target.path)
            if path[:n] != target.path or len(path) == n:
                continue
            names = _BACKEND_NAMES.get(target.ds.type or "") if target.ds is not None else None
            if names is None:
                return False
            anywhere, in_member = names
            member = in_member.get(str(path[n]))
            return bool(anywhere.match(name) or member is not None and member.match(name))
    return False


def is_builtin_variable(name: str) -> bool:
    return name.startswith("__") or name in BUILTIN_VARIABLES


def _strings(value: Any, path: tuple[Any, ...],
             skip: frozenset[str] = _NOT_INTERPOLATED) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every interpolated string holding a `$` or `[[` in a JSON value, with its path.

    Iterative and typed by `type() is` rather than isinstance(…, dict): this walks every
    value of every dashboard, and abstract-class checks would dominate the lint's run time.
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, path)]
    while stack:
        node, at = stack.pop()
        t = type(node)
        if t is str:
            if "$" in node or "[[" in node:
                yield node, at
        elif t is dict:
            for k, v in node.items():
                tv = type(v)
                if tv is str:
                    if ("$" in v or "[[" in v) and k not in skip:
                        yield v, (*at, k)
                elif (tv is dict or tv is list) and k not in skip:
                    stack.append((v, (*at, k)))
        elif t is list:
            for i, v in enumerate(node):
                tv = type(v)
                if tv is str:
                    if "$" in v or "[[" in v:
                        yield v, (*at, i)
                elif tv is dict or tv is list:
                    stack.append((v, (*at, i)))


def _references(ctx: DashboardContext) -> list[tuple[str, tuple[Any, ...], int | None, str | None]]:
    """(variable name, path, offset, owning variable) for every reference in the dashboard."""
    if ctx.references is not None:
        return ctx.references
    refs: list[tuple[str, tuple[Any, ...], int | None, str | None]] = []
    ignored = {(*t.path, key) for p in ctx.panels for t in p.targets
               if t.language in _INTERPOLATED_TARGET_KEYS
               for key in t.target if key not in _INTERPOLATED_TARGET_KEYS[t.language]}
    for key, value in ctx.dashboard.items():
        if key == "templating" or key in _NOT_INTERPOLATED:
            continue
        for text, path in _strings(value, (*ctx.path, key)):
            if ignored and any(path[:n] in ignored for n in range(len(ctx.path) + 4, len(path) + 1)):
                continue
            refs.extend((name, path, offset, None) for name, offset in _names(text))
    for name, var in ctx.variables.items():
        skip = (_NOT_IN_VARIABLE | _DEFINITION) if var.get("query") else _NOT_IN_VARIABLE
        for text, path in _strings(var, ctx.variable_paths[name], skip):
            refs.extend((ref, path, offset, name) for ref, offset in _names(text))
    for panel in ctx.panels:
        for key in ("repeat", "repeatBy"):
            value = panel.panel.get(key)
            if isinstance(value, str) and value:
                refs.append((value.lstrip("$").strip("{}"), (*panel.path, key), None, None))
    for i, row in enumerate(listed(ctx.dashboard.get("rows"))):
        if isinstance(row, dict) and isinstance(row.get("repeat"), str) and row["repeat"]:
            refs.append((row["repeat"], (*ctx.path, "rows", i, "repeat"), None, None))
    ctx.references = refs
    return refs


def _names(text: str) -> Iterator[tuple[str, int]]:
    """The variables a string refers to, with their offsets. A digit-only name (`$1` of
    label_replace) is none, and neither is an escaped `\\$name`: a regex's literal dollar."""
    for m in VARIABLE_RE.finditer(text):
        name = m.group(1) or m.group(2) or m.group(4)
        if not name.isdigit() and not (m.start() and text[m.start() - 1] == "\\"):
            yield name, m.start()


def _location(ctx: DashboardContext, path: tuple[Any, ...], offset: int | None) -> Location:
    """A path inside the dashboard, named by the panel and target (or variable) holding it."""
    best = None
    for panel in ctx.panels:
        if path[:len(panel.path)] == panel.path and (best is None or len(panel.path) > len(best.path)):
            best = panel
    if best is None:
        for name, vpath in ctx.variable_paths.items():
            if path[:len(vpath)] == vpath:
                return ctx.location.moved(path=path, offset=offset, panel=f"variable {name}")
        return ctx.location.moved(path=path, offset=offset)
    holder = next((t.location for t in best.targets if path[:len(t.path)] == t.path), best.location)
    return holder.moved(path=path, offset=offset)


def _text_of(dashboard: Mapping[str, Any], skip: str) -> str:
    """Every dict key and string of `dashboard` but its `skip` member, one a line.

    What the names of the variable rules' fast path are read from: any key or string anywhere,
    interpolated or not (the exact walk, `_strings`, knows which are). A Python pass that only
    collects (a dashboard holds a few hundred strings: testing each for a `$` costs more than
    the C-speed regex scan of the joined text spends on them), then one regex scan
    (`_find_names`), cost less than dumping the dashboard to JSON to scan it. A line break ends
    every string, as a JSON quote did: no name runs from one string into the next. Each distinct
    key is joined once: the dicts repeat a few keys, and only which names occur matters.
    """
    texts: list[str] = []
    keys: set[Any] = set(dashboard)
    nodes: list[Any] = [[v for k, v in dashboard.items() if k != skip]]
    add, add_keys, push = texts.append, keys.update, nodes.append
    for node in nodes:  # breadth first: the loop reaches the containers it appends
        if type(node) is dict:
            add_keys(node)
            node = node.values()
        for v in node:
            tv = type(v)
            if tv is str:
                add(v)
            elif tv is dict or tv is list:
                push(v)
    # a dashboard built in Python may have int keys: they hold no `$`
    texts.extend(k for k in keys if type(k) is str)
    return "\n".join(texts)


#: a JSON `\\u` escape that may spell a `$`, a bracket or a name's letter or digit: of `$` or of
#: the characters from `@` to DEL (an escape of any other character, Go's `\\u003c` for `<`
#: among them, spells none, and ends a name as what it stands for would). A regex finds it in
#: a third of the time `in` takes to find `\\u`: JSON texts are full of backslashes
_NAME_ESCAPE = re.compile(r"\\u00(?:24|3[0-9]|[4-7][0-9a-fA-F])")
#: what a name `_BRACKET_NAME_RE` finds in a JSON text may be, where the `[[` is no string's:
#: a number or literal (the text is then read the long way)
_JSON_SYNTAX = re.compile(r"[0-9]|(?:true|false|null)\Z")


def _names_outside_variables(ctx: DashboardContext) -> set[str]:
    """Every name spelled in the dashboard outside its variables (`templating`): read from the
    JSON text the dashboard was decoded from when that can tell (`_names_in_source`), else from
    its decoded keys and strings (`_text_of`)."""
    source = ctx.source
    names = _names_in_source(ctx.dashboard, source) if source is not None else None
    return set(_find_names(_text_of(ctx.dashboard, "templating"))) if names is None else names


def _names_in_source(dashboard: Mapping[str, Any], source: JsonLocator) -> set[str] | None:
    """The names spelled outside `templating` in the JSON text `dashboard` is the whole of, or
    None where the text cannot tell.

    Two C-speed scans, one on either side of `templating`, where collecting the keys and strings
    of the decoded dashboard (`_text_of`) is a Python step per value (three times the cost). The
    text spells each name as the decoded strings do: an escape (`\\n`, `\\"`, `\\u00e9`) begins
    with a backslash, which no name holds, so it ends a name as the character it stands for
    would, and a quote ends every string and key. The text cannot tell where an escape may
    spell a `$` or a name's letters (`_NAME_ESCAPE`), or where a `[[` may open an array in an
    array (`[[17, 2]]`, `[[true]]`: `_JSON_SYNTAX`). (A member that a later duplicate key
    overrides is in the text but not in the dashboard: its names count, as a reader of the file
    sees them.)"""
    text = source.text
    if _NAME_ESCAPE.search(text) is not None:
        return None
    spans = [(0, len(text))]
    if "templating" in dashboard:
        templating = source.span(("templating",))
        if templating is None:
            return None
        spans = [(0, templating[0]), (templating[1], len(text))]
    names: set[str] = set()
    for start, end in spans:
        bracketed = _BRACKET_NAME_RE.findall(text, start, end)
        if any(map(_JSON_SYNTAX.match, bracketed)):
            return None
        names.update(bracketed, _DOLLAR_NAME_RE.findall(text, start, end))
    return names


def _referenced_names(ctx: DashboardContext) -> tuple[set[str], dict[str, set[str]]]:
    """Names referenced by the dashboard outside its variables, and by each variable.

    The fast path of the variable rules: a name counts wherever it is spelled outside the
    variables (`_names_outside_variables`), so the exact walk (`_references`) runs only when an
    undefined name turns up and its places are needed.
    """
    if ctx.referenced_names is not None:
        return ctx.referenced_names
    names = _names_outside_variables(ctx)
    for panel in ctx.panels:
        for key in ("repeat", "repeatBy"):
            value = panel.panel.get(key)
            if isinstance(value, str) and value:
                names.add(value.lstrip("$").strip("{}"))
    for row in listed(ctx.dashboard.get("rows")):
        if isinstance(row, dict) and isinstance(row.get("repeat"), str) and row["repeat"]:
            names.add(row["repeat"])
    per_variable: dict[str, set[str]] = {}
    for name, var in ctx.variables.items():
        found: set[str] = set()
        for text, _ in _strings(var, ctx.variable_paths[name], _NOT_IN_VARIABLE):
            found.update(m.group(1) or m.group(2) or m.group(4) for m in VARIABLE_RE.finditer(text))
        per_variable[name] = found
    ctx.referenced_names = ({n for n in names if not n.isdigit()}, per_variable)
    return ctx.referenced_names


@rule("dashboard-uid-missing", "error", "Dashboards need a stable uid", "dashboard", example="dashboard")
def dashboard_uid_missing(ctx: DashboardContext) -> Iterator[Issue]:
    """Without a uid Grafana invents one on import: links and bookmarks break on every
    re-import, provisioning creates duplicates, and `gac sync` cannot match the dashboard.

    A uid that is no string (`"uid": 17`) is no uid to Grafana, which reads it only as a string
    (the dashboard model's `Get("uid").String()`, shared/grafana/API.md) and invents one.

    Bad:
        {"uid": null, "title": "Collector"}
    Good:
        {"uid": "otel-collector", "title": "Collector"}
    """
    if not ctx.uid:
        yield Issue("dashboard has no uid", "set a short, stable uid (letters, digits, - and _)")
        return
    raw = ctx.dashboard.get("uid")
    if not isinstance(raw, str):  # a number or boolean: an object or array is no uid at all (Engine)
        if isinstance(raw, int) and not isinstance(raw, bool) or isinstance(raw, float) and raw.is_integer():
            fix = f'write it as a string: "uid": "{int(raw)}"'
        else:
            fix = "set a short, stable uid string (letters, digits, - and _)"
        yield Issue(f"dashboard uid {json.dumps(raw)} is a JSON {_json_kind(raw)}, not a string: "
                    "Grafana ignores it and gives the dashboard a new uid on every import", fix,
                    at=ctx.location.child("uid"))


@rule("panel-id-duplicate", "error", "Panel ids must be unique within a dashboard", "dashboard", example="dashboard")
def panel_id_duplicate(ctx: DashboardContext) -> Iterator[Issue]:
    """Grafana addresses panels by id (`viewPanel=`, panel links, library panels, alert
    annotations). When it loads a dashboard it gives every panel after the first with an id
    another has a new one (DashboardModel.ensurePanelsHaveUniqueIds): a link or an alert made for
    that panel by its id in the file reaches the other panel, and the next save changes the id.

    Bad:
        "panels": [{"id": 2, "title": "Rate"}, {"id": 2, "title": "Errors"}]
    Good:
        "panels": [{"id": 2, "title": "Rate"}, {"id": 3, "title": "Errors"}]
    """
    first: dict[int, PanelContext] = {}
    for panel in ctx.panels:
        pid = panel.id
        if pid is None:
            continue
        if pid in first:
            other = first[pid].title or "untitled"
            yield Issue(f"panel id {pid} is also used by panel {other!r}: Grafana gives this one a new id when it "
                        "loads the dashboard, so what addresses it by this id reaches the other",
                        "give every panel its own id", at=panel.location.child("id"))
        else:
            first[pid] = panel


def _rect(panel: Mapping[str, Any]) -> tuple[int, int, int, int] | None:
    pos = panel.get("gridPos")
    if not isinstance(pos, dict):
        return None
    get = pos.get
    try:
        x, y, w, h = int(get("x", 0)), int(get("y", 0)), int(get("w", 0)), int(get("h", 0))
    except (TypeError, ValueError):
        return None
    if panel.get("type") == "row":
        x, w, h = 0, 24, 1
    return (x, y, w, h) if w > 0 and h > 0 else None


@rule("panel-grid-overlap", "warning", "Panels must not overlap on the grid", "dashboard", example="dashboard")
def panel_grid_overlap(ctx: DashboardContext) -> Iterator[Issue]:
    """Overlapping `gridPos` rectangles hide one panel under another; Grafana moves panels on
    load to resolve it, so the saved layout and the shown layout differ and every save makes
    a diff. Panels inside a collapsed row are compared with each other.

    Bad:
        panels:
          - {"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}}
          - {"id": 2, "gridPos": {"x": 6, "y": 4, "w": 12, "h": 8}}
    Good:
        panels:
          - {"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}}
          - {"id": 2, "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8}}
    """
    layers: dict[int, list[PanelContext]] = {}
    for panel in ctx.panels:
        if panel.legacy_row:
            continue
        key = id(panel.row) if panel.collapsed and panel.row is not None else 0
        layer = layers.get(key)
        if layer is None:
            layer = layers[key] = []
        layer.append(panel)
    for panels in layers.values():
        placed: list[tuple[int, int, int, int, PanelContext]] = []   # left, top, right, bottom
        lowest = 0  # the lowest bottom placed: a panel whose top is there or below overlaps none of them
        for panel in panels:
            rect = _rect(panel.panel)
            if rect is None:
                continue
            x, y, w, h = rect
            right, bottom = x + w, y + h
            if y < lowest:  # panels laid out top to bottom skip this at the first of each row
                for left, top, oright, obottom, other in placed:
                    if x < oright and left < right and y < obottom and top < bottom:
                        yield Issue(f"panel overlaps panel {other.title or other.id!r} "
                                    f"(gridPos x={x} y={y} w={w} h={h} vs x={left} y={top} w={oright - left} "
                                    f"h={obottom - top})", "move or resize one of them",
                                    at=panel.location.child("gridPos"))
                        break
            placed.append((x, y, right, bottom, panel))
            if bottom > lowest:
                lowest = bottom


@rule("template-variable-undefined", "error", "Template variables must be defined before use", "dashboard",
      example="dashboard")
def template_variable_undefined(ctx: DashboardContext) -> Iterator[Issue]:
    """Grafana leaves an undefined `$name` in the query as it is, so Prometheus or Loki gets a
    literal `$name` and fails, or a regex silently matches nothing. Built-ins (`$__interval`,
    `$__range`, `$__rate_interval`, `$__from`, `$__dashboard`, `$__user`, `$timeFilter`, ...),
    `__inputs` placeholders of exported dashboards, and what a data source replaces in its own
    targets (InfluxDB's `$interval`, and `$tag_host` or `$col` in its alias) are defined.

    Bad:
        panels:
          - targets: [{expr: 'up{job="$job"}'}]
    Good:
        templating: {list: [{name: job, type: custom, query: otelcol}]}
        panels:
          - targets: [{expr: 'up{job="$job"}'}]
    """
    defined = set(ctx.variables) | set(ctx.inputs)
    outside, per_variable = _referenced_names(ctx)
    candidates = outside.union(*per_variable.values()) if per_variable else outside
    if all(n.isdigit() or is_builtin_variable(n) for n in candidates - defined):
        return
    reported: set[tuple[str, tuple[Any, ...]]] = set()
    for name, path, offset, _owner in _references(ctx):
        if name in defined or is_builtin_variable(name) or (name, path) in reported \
                or _replaced_by_backend(ctx, name, path):
            continue
        reported.add((name, path))
        yield Issue(f"variable ${name} is used but not defined", f"add a template variable named {name} "
                    "or fix the reference", at=_location(ctx, path, offset))


@rule("template-variable-unused", "warning", "Template variables should be used", "dashboard", example="dashboard")
def template_variable_unused(ctx: DashboardContext) -> Iterator[Issue]:
    """A variable nothing refers to still runs its query on every load and shows a drop-down
    that changes nothing, which misleads readers. A use in a query, another variable, a
    title, a link or a panel repeat counts; ad hoc filters and group-by variables apply
    implicitly (scenes' SceneQueryRunner sends them with every query of their data source) and
    always count. A link that carries every variable uses them all: `${__all_variables}` in a
    URL, or a dashboard or panel link with `includeVars` (Grafana adds each variable's `var-`
    parameter: templateSrv's `__all_variables` macro and the link service's includeVars), but
    for the variables with `skipUrlSync`, which no URL carries.

    Bad:
        templating: {list: [{name: job, type: custom, query: otelcol}, {name: instance, type: custom, query: a}]}
        panels:
          - targets: [{expr: 'up{job="$job"}'}]
    Good:
        templating: {list: [{name: job, type: custom, query: otelcol}]}
        panels:
          - targets: [{expr: 'up{job="$job"}'}]
    """
    outside, per_variable = _referenced_names(ctx)
    used = set(outside)
    if "__all_variables" in outside or _links_include_variables(ctx):
        # every variable the URL carries: not those kept out of it (getVariablesUrlParams skips skipUrlSync)
        used.update(name for name, var in ctx.variables.items() if var.get("skipUrlSync") is not True)
    for owner, names in per_variable.items():
        used.update(n for n in names if n != owner)
    for name, var in ctx.variables.items():
        if var.get("type") in ("adhoc", "groupby") or name in used:
            continue
        yield Issue(f"variable ${name} is defined but never used", "use it or remove it",
                    at=ctx.location.moved(path=ctx.variable_paths[name], panel=f"variable {name}"))


def _queryless(variable_type: Any) -> bool:
    """Whether a variable of this `type` (as written: any JSON value) runs no query."""
    return isinstance(variable_type, str) and variable_type in _QUERYLESS_VARIABLES


def _links_include_variables(ctx: DashboardContext) -> bool:
    """Whether a dashboard link or a panel's link passes every variable on (`includeVars`)."""
    links = [*listed(ctx.dashboard.get("links"))]
    for panel in ctx.panels:
        links.extend(listed(panel.panel.get("links")))
    return any(isinstance(link, dict) and link.get("includeVars") is True for link in links)


def _datasource_refs(ctx: DashboardContext) -> list[tuple[Any, Resolved | None, Callable[[], Location]]]:
    """The dashboard's `datasource` values the two data-source rules may report (those that do
    not resolve, or resolve through a data source's name: Resolved.doubtful), resolved, with how
    to say where each is. Computed once for both rules; the panels' and targets' were noted by
    the engine as it resolved them (DashboardContext.doubtful_refs): a dashboard holds one
    reference per panel, target and query variable, nearly all of them sound, and only the few
    kept have their place prepared."""
    if ctx.datasource_refs is not None:
        return ctx.datasource_refs
    resolve = ctx.resolve
    kept: list[tuple[Any, Resolved | None, Callable[[], Location]]] = []
    for name, var in ctx.variables.items():
        if "datasource" in var and not _queryless(var.get("type")):
            ref = var.get("datasource")
            resolved = resolve(ref)
            if resolved is not None and resolved.doubtful:
                kept.append((ref, resolved, partial(ctx.location.moved, path=(*ctx.variable_paths[name], "datasource"),
                                                    panel=f"variable {name}")))
    annotations = ctx.dashboard.get("annotations")
    for i, ann in enumerate(listed(annotations.get("list")) if isinstance(annotations, dict) else ()):
        if isinstance(ann, dict) and "datasource" in ann:
            ref = ann.get("datasource")
            resolved = resolve(ref)
            if resolved is not None and resolved.doubtful:
                kept.append((ref, resolved, partial(ctx.location.moved,
                                                    path=(*ctx.path, "annotations", "list", i, "datasource"),
                                                    panel=f"annotation {ann.get('name') or i}")))
    for owner, resolved in ctx.doubtful_refs:
        if (owner.panel if isinstance(owner, TargetContext) else owner).type in _QUERYLESS_PANELS:
            continue  # never queried
        ref = (owner.target if isinstance(owner, TargetContext) else owner.panel).get("datasource")
        kept.append((ref, resolved, partial(owner.location.child, "datasource")))
    ctx.datasource_refs = kept
    return kept


@rule("datasource-ref-unresolved", "error", "Data source references must resolve", ("dashboard", "alert-rule"),
      example="panel")
def datasource_ref_unresolved(ctx: DashboardContext | AlertRuleContext) -> Iterator[Issue]:
    """A panel, target, variable, annotation or alert query whose data source does not exist
    shows "Data source not found" (or the alert goes to its error state). References resolve
    against the project's data sources, the ones declared in grafana.yaml's `lint.datasources`
    or with --datasource, the dashboard's data-source variables, and Grafana's built-ins
    (`-- Mixed --`, `-- Grafana --`, `-- Dashboard --`, `__expr__`). For third-party files
    linted without any known data sources, only variables are checked.

    Bad:
        "datasource": {"type": "prometheus", "uid": "promethues"}
    Good:
        "datasource": {"type": "prometheus", "uid": "prometheus"}
    """
    if isinstance(ctx, AlertRuleContext):
        index = ctx.env.index
        for ref, (item, path) in ctx.data.items():
            if is_expression(item):
                continue
            uid = item.get("datasourceUid")
            if uid in (None, ""):
                yield Issue(f"query {ref} has no datasourceUid", "set datasourceUid",
                            at=ctx.location.moved(path=path, ref_id=ref or None))
            elif index.authoritative and str(uid) not in index.by_uid:
                known = ", ".join(sorted(index.by_uid)) or "none"
                yield Issue(f"query {ref} uses data source {uid!r}, which does not exist (known: {known})",
                            "use the uid of a defined data source",
                            at=ctx.location.moved(path=(*path, "datasourceUid"), ref_id=ref or None))
        return
    for ref, resolved, where in _datasource_refs(ctx):
        if resolved is not None and resolved.problem:
            yield Issue(resolved.problem, "reference an existing data source by uid, or a data-source variable",
                        at=where())


@rule("datasource-legacy-name", "warning", "Reference data sources by {type, uid}, not by name", "dashboard",
      example="panel")
def datasource_legacy_name(ctx: DashboardContext) -> Iterator[Issue]:
    """Before Grafana 8.3 panels named their data source by its display name. Grafana still
    migrates such strings by looking the name up, so a renamed data source, or another
    Grafana where it is called differently, breaks the panel. A uid is stable.

    Bad:
        "datasource": "Prometheus"
    Good:
        "datasource": {"type": "prometheus", "uid": "prometheus"}
    """
    for ref, resolved, where in _datasource_refs(ctx):
        if isinstance(ref, str):
            if resolved is not None and resolved.legacy_name:
                hint = f'{{"type": "{resolved.type}", "uid": "{resolved.uid}"}}' if resolved.uid else \
                    '{"type": ..., "uid": ...}'
                yield Issue(f"data source given by its name {ref!r}", f"use {hint}", at=where())


@rule("panel-type-deprecated", "warning", "Deprecated (Angular) panel types", "panel", example="panel")
def panel_type_deprecated(ctx: PanelContext) -> Sequence[Issue]:
    """`graph`, `singlestat`, `table-old` and the old Angular plugins are removed from Grafana
    12 (Angular support ended); Grafana migrates some on load, so what is saved and what is
    shown differ, and options without an equivalent are lost.

    Bad:
        {"type": "graph", ...}
    Good:
        {"type": "timeseries", ...}
    """
    panel_type = ctx.type
    replacement = DEPRECATED_PANELS.get(panel_type)
    if not replacement:
        return ()
    return [Issue(f"panel type {panel_type!r} is deprecated (Angular, removed in Grafana 12)",
                  f"use {replacement!r}", at=ctx.location.child("type"))]


def _has_unit(panel: Mapping[str, Any]) -> bool:
    fc = panel.get("fieldConfig")
    if isinstance(fc, dict):
        defaults = fc.get("defaults")
        if isinstance(defaults, dict) and defaults.get("unit"):
            return True
        for override in listed(fc.get("overrides")):
            for prop in (override or {}).get("properties") or [] if isinstance(override, dict) else []:
                if isinstance(prop, dict) and prop.get("id") == "unit" and prop.get("value"):
                    return True
    if panel.get("format"):
        return True  # singlestat
    for axis in listed(panel.get("yaxes")):
        if isinstance(axis, dict) and axis.get("format"):
            return True
    for style in listed(panel.get("styles")):
        if isinstance(style, dict) and style.get("unit"):
            return True
    return False



@rule("panel-unit-missing", "warning", "Panels that show numbers need a unit", "panel", example="panel")
def panel_unit_missing(ctx: PanelContext) -> Sequence[Issue]:
    """A number without a unit is ambiguous: 0.25 of what? seconds, ratio, requests per
    second? Setting the unit also lets Grafana scale it (250 ms, 1.2 MB/s). Applies to
    panels that show numbers from metric queries; `none` is a deliberate choice and passes, and
    so does a panel whose value mappings turn values into two or more texts (0 → DOWN,
    1 → UP; a range to NOT OK): it shows states. A mapping of null alone still leaves numbers.

    Bad:
        {"type": "timeseries", "fieldConfig": {"defaults": {}}}
    Good:
        {"type": "timeseries", "fieldConfig": {"defaults": {"unit": "s"}}}
    """
    targets = ctx.targets
    if not targets:
        return ()
    panel_type = ctx.type
    if panel_type not in NUMERIC_PANELS or _has_unit(ctx.panel):
        return ()
    if not any(t.language == "promql" or (t.language == "logql" and _logql_metric(t)) for t in targets):
        return ()
    if panel_type in ("table", "table-old") and all(_label_table(t) for t in targets):
        return ()  # a table of labels (target_info, group by (...)) shows no numbers
    if _mapped_states(ctx.panel) >= 2:
        return ()  # its values show as the states they map to (0 → DOWN, 1 → UP)
    return [Issue("panel shows numbers but sets no unit", "set fieldConfig.defaults.unit (e.g. s, bytes, reqps, "
                  "percentunit, or none)", at=ctx.location.child("fieldConfig") if "fieldConfig" in ctx.panel else None)]


def _mapped_states(panel: Mapping[str, Any]) -> int:
    """How many values or ranges of values the panel's value mappings show as a text: Grafana's
    `fieldConfig.defaults.mappings` (a `value` mapping per value it lists, each `range` and
    `regex` mapping; `special` ones match null, NaN or booleans, not numbers), the pre-8 form of
    those mappings (type 1: a value, 2: a range) and singlestat's `valueMaps` and `rangeMaps`."""
    fc = panel.get("fieldConfig")
    defaults = fc.get("defaults") if isinstance(fc, dict) else None
    mappings = defaults.get("mappings") if isinstance(defaults, dict) else None
    count = 0
    for mapping in listed(mappings):
        if not isinstance(mapping, dict):
            continue
        kind, options = mapping.get("type"), mapping.get("options")
        if kind == "value" and isinstance(options, dict):
            count += sum(1 for result in options.values() if isinstance(result, dict) and result.get("text"))
        elif kind in ("range", "regex") and isinstance(options, dict):
            result = options.get("result")
            count += bool(isinstance(result, dict) and result.get("text"))
        elif kind in (1, 2) and mapping.get("text"):
            count += 1
    for legacy in ("valueMaps", "rangeMaps"):
        count += sum(1 for m in listed(panel.get(legacy)) if isinstance(m, dict) and m.get("text"))
    return count


_SELECTED = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{")


def _label_table(target: TargetContext) -> bool:
    """An instant query whose value is meaningless and whose labels are the content."""
    expr = target.target.get("expr")
    if not isinstance(expr, str):
        return True
    text = expr.strip()
    if text.startswith("group"):
        return True
    names = _SELECTED.findall(text)
    return bool(names) and "[" not in text and all(n.endswith("_info") for n in names)


def _logql_metric(target: TargetContext) -> bool:
    expr = target.target.get("expr")
    return isinstance(expr, str) and ("_over_time(" in expr or "rate(" in expr)


def _unknown_units(panel: Mapping[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """The units a panel sets that Grafana does not know, with their paths below the panel: field
    defaults, overrides, and the legacy graph's y axes and singlestat format. A list, built as
    they are found: called on every panel, most of which set one known unit and get an empty one
    (without an enumerate() made over their empty overrides or absent y axes)."""
    unknown: list[tuple[str, tuple[Any, ...]]] = []
    fc = panel.get("fieldConfig")
    if isinstance(fc, dict):
        defaults = fc.get("defaults")
        unit = defaults.get("unit") if isinstance(defaults, dict) else None
        if isinstance(unit, str) and unit and not is_known_unit(unit):
            unknown.append((unit, ("fieldConfig", "defaults", "unit")))
        overrides = fc.get("overrides")
        for i, override in enumerate(overrides) if overrides and isinstance(overrides, list) else ():
            props = override.get("properties") if isinstance(override, dict) else None
            for j, prop in enumerate(props if isinstance(props, list) else []):
                if isinstance(prop, dict) and prop.get("id") == "unit":
                    unit = prop.get("value")
                    if isinstance(unit, str) and unit and not is_known_unit(unit):
                        unknown.append((unit, ("fieldConfig", "overrides", i, "properties", j, "value")))
    axes = panel.get("yaxes")
    for i, axis in enumerate(axes) if axes and isinstance(axes, list) else ():
        unit = axis.get("format") if isinstance(axis, dict) else None
        if isinstance(unit, str) and unit and not is_known_unit(unit):
            unknown.append((unit, ("yaxes", i, "format")))
    if panel.get("type") == "singlestat":
        unit = panel.get("format")
        if isinstance(unit, str) and unit and not is_known_unit(unit):
            unknown.append((unit, ("format",)))
    return unknown


@rule("panel-unit-unknown", "warning", "Units must be ids Grafana knows", "panel", example="panel")
def panel_unit_unknown(ctx: PanelContext) -> Sequence[Issue]:
    """Grafana shows a unit id it does not know as a literal suffix: `"secs"` displays 0.25 as
    "0.25 secs" instead of "250 ms", and never scales. Reported where the unit spells one of
    Grafana's ids (valueFormats/categories.ts): a time, a size, a percentage, a rate, a known
    id in another case or a typo of one (`secs`, `megabytes`, `req/s`, `Bytes`, `percentunits`). A unit of its own (`connections`,
    `items/sec`) is what Grafana's unit picker saves for "Custom unit: connections" and passes,
    as do the prefixed custom units (`suffix:req`, `currency:CHF`, `si:B`, ...) and variables.

    Bad:
        {"fieldConfig": {"defaults": {"unit": "secs"}}}
    Good:
        {"fieldConfig": {"defaults": {"unit": "s"}}}
    """
    unknown = _unknown_units(ctx.panel)
    if not unknown:
        return ()
    return [Issue(f"unit {unit!r} is not one of Grafana's unit ids: Grafana shows it as a literal suffix, not "
                  f"formatted as its unit {meant!r} is", f"use {meant!r}", at=ctx.location.child(*path))
            for unit, path in unknown for meant in [spelled_unit(unit)] if meant is not None]


#: what Grafana's dashboard schema (grafana/grafana kinds/dashboard/dashboard_kind.cue) types
#: a member as, where it types it plainly: (JSON types accepted, what to say it should be)
_SHAPE_OBJECT = ((dict,), "an object")
_SHAPE_ARRAY = ((list,), "an array")
#: a YAML date or timestamp is a string to every YAML-to-JSON conversion (a dashboard kept as YAML)
_SHAPE_STRING = ((str, datetime.date, datetime.datetime), "a string")
_SHAPE_NUMBER = ((int, float), "a number")
_DASHBOARD_SHAPE = {"title": _SHAPE_STRING, "panels": _SHAPE_ARRAY, "rows": _SHAPE_ARRAY,
                    "templating": _SHAPE_OBJECT, "annotations": _SHAPE_OBJECT, "tags": _SHAPE_ARRAY}
_PANEL_SHAPE = {"type": _SHAPE_STRING, "title": _SHAPE_STRING, "id": _SHAPE_NUMBER, "gridPos": _SHAPE_OBJECT,
                "targets": _SHAPE_ARRAY, "panels": _SHAPE_ARRAY}
_GRID_SHAPE = {key: _SHAPE_NUMBER for key in ("x", "y", "w", "h")}
_TARGET_SHAPE = {"refId": _SHAPE_STRING, "expr": _SHAPE_STRING}
_VARIABLE_SHAPE = {"name": _SHAPE_STRING, "type": _SHAPE_STRING}


_JSON_KINDS: dict[type, str] = {dict: "object", list: "array", str: "string", datetime.date: "string",
                                 datetime.datetime: "string"}


def _json_kind(value: Any) -> str:
    """A value's type in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return _JSON_KINDS.get(type(value), "number")


def _misshapen(value: Mapping[str, Any], shape: Mapping[str, tuple[tuple[type, ...], str]],
               at: Callable[[str], Location], what: str) -> list[Issue]:
    """An issue for each member of `value` that `shape` types otherwise (absent or null: not judged);
    `what`: the path the message gives before the member's key. Exact types: JSON's true is no number."""
    issues = []
    for key, (types, wanted) in shape.items():
        member = value.get(key)
        if member is not None and type(member) not in types:
            issues.append(Issue(f"`{what}{key}` is a JSON {_json_kind(member)}, not {wanted} as Grafana's dashboard "
                                f"schema has it", f"write it as {wanted}", at=at(key)))
    return issues


_NUMBERS = (int, float)
_NO_GRID: dict[str, Any] = {}


def _panel_fits(panel: Mapping[str, Any], pctx: PanelContext) -> bool:
    """Whether the panel's members are all of the types `_PANEL_SHAPE` and `_GRID_SHAPE` give
    them, or absent, and its targets all objects (each one met is a context): the common case,
    told in one expression where the checks that name what is wrong take a call per member."""
    grid = panel.get("gridPos", _NO_GRID)
    targets = panel.get("targets", ())
    return (type(panel.get("type", "")) is str and type(panel.get("title", "")) is str
            and type(panel.get("id", 0)) in _NUMBERS and type(grid) is dict
            and type(grid.get("x", 0)) in _NUMBERS and type(grid.get("y", 0)) in _NUMBERS
            and type(grid.get("w", 0)) in _NUMBERS and type(grid.get("h", 0)) in _NUMBERS
            and type(targets) in (list, tuple) and len(targets) == len(pctx.targets) and "panels" not in panel)


def _items_not_objects(items: Any, at: Callable[[int], Location], what: str) -> Iterator[Issue]:
    for i, item in enumerate(listed(items)):
        if not isinstance(item, dict):
            yield Issue(f"{what} {i} is a JSON {_json_kind(item)}, not an object", "make it an object, or remove it",
                        at=at(i))


@rule("dashboard-json-invalid", "error", "Dashboard JSON must have the types Grafana's dashboard schema gives it",
      "dashboard", example="dashboard")
def dashboard_json_invalid(ctx: DashboardContext) -> Iterator[Issue]:
    """Grafana's dashboard schema (kinds/dashboard in grafana/grafana) types what it reads: an
    array of panels, each an object whose `gridPos` holds four numbers, targets whose `refId`
    and `expr` are strings. A dashboard edited by hand that holds an object where an array
    goes, or a number where a string goes, is saved as it is, and then loads with panels out
    of place or missing and queries that do not run. gac reads such a dashboard as far as it
    can, so the rest of it is linted too.

    Bad:
        "panels": [{"id": 1, "type": "timeseries", "title": "Rate", "gridPos": {"x": "0", "y": 0, "w": 12, "h": 8}}]
    Good:
        "panels": [{"id": 1, "type": "timeseries", "title": "Rate", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}}]
    """
    dash, location = ctx.dashboard, ctx.location
    yield from _misshapen(dash, _DASHBOARD_SHAPE, location.child, "")
    for key in ("templating", "annotations"):
        section = dash.get(key)
        if isinstance(section, dict):
            yield from _misshapen(section, {"list": _SHAPE_ARRAY}, partial(location.child, key), f"{key}.")
            yield from _items_not_objects(section.get("list"), partial(location.child, key, "list"),
                                          f"{key}.list item")
    yield from _items_not_objects(dash.get("panels"), partial(location.child, "panels"), "panel")
    yield from _items_not_objects(dash.get("rows"), partial(location.child, "rows"), "row")
    for i, row in enumerate(listed(dash.get("rows"))):
        if isinstance(row, dict):
            yield from _misshapen(row, {"panels": _SHAPE_ARRAY}, partial(location.child, "rows", i), f"rows[{i}].")
            yield from _items_not_objects(row.get("panels"), partial(location.child, "rows", i, "panels"), "panel")
    for pctx in ctx.panels:
        panel = pctx.panel
        if not _panel_fits(panel, pctx):
            at = pctx.location.child
            yield from _misshapen(panel, _PANEL_SHAPE, at, "")
            grid = panel.get("gridPos")
            if isinstance(grid, dict):
                yield from _misshapen(grid, _GRID_SHAPE, partial(at, "gridPos"), "gridPos.")
            yield from _items_not_objects(panel.get("targets"), partial(at, "targets"), "target")
            yield from _items_not_objects(panel.get("panels"), partial(at, "panels"), "panel")
        for tctx in pctx.targets:  # the most numerous: both members read in place
            target = tctx.target
            if type(target.get("expr", "")) is not str or type(target.get("refId", "")) is not str:
                yield from _misshapen(target, _TARGET_SHAPE, tctx.location.child, "")
    for var, i in variables(dash):
        yield from _misshapen(var, _VARIABLE_SHAPE, partial(location.child, "templating", "list", i),
                              f"templating.list[{i}].")


@rule("panel-title-missing", "warning", "Panels need a title", "panel", example="panel")
def panel_title_missing(ctx: PanelContext) -> Sequence[Issue]:
    """A panel without a title cannot be told apart in the dashboard, in a shared link, in
    an alert's panel reference or in search; readers must guess what it shows. Text panels
    (headings, notes) and rows are exempt.

    Bad:
        {"title": ""}
    Good:
        {"title": "Spans sent"}
    """
    panel = ctx.panel
    # the title first: most panels have one, and then neither their type nor a library panel matters
    if str(panel.get("title") or "").strip() or "libraryPanel" in panel:
        return ()
    panel_type = ctx.type
    if panel_type in ("row", "text"):
        return ()
    return [Issue(f"{panel_type} panel has no title" if panel_type else "panel has no title",
                  "give the panel a title saying what it shows")]


@rule("template-variable-refresh", "warning", "Query variables should refresh on time-range change", "variable",
      example="dashboard")
def template_variable_refresh(ctx: VariableContext) -> Iterator[Issue]:
    """A query variable with `refresh` 0 (never) or 1 (on dashboard load) keeps the options it
    found when the dashboard opened: pods, instances or jobs that appear after, or only in
    another time range, cannot be selected until the page is reloaded. `refresh: 2` queries
    the options again whenever the time range changes.

    Bad:
        templating: {list: [{name: job, type: query, refresh: 1, query: "label_values(up, job)",
                             datasource: {type: prometheus, uid: prometheus}}]}
        panels:
          - targets: [{expr: 'up{job="$job"}'}]
    Good:
        templating: {list: [{name: job, type: query, refresh: 2, query: "label_values(up, job)",
                             datasource: {type: prometheus, uid: prometheus}}]}
        panels:
          - targets: [{expr: 'up{job="$job"}'}]
    """
    if ctx.type != "query":
        return
    refresh = ctx.variable.get("refresh")
    if refresh != 2 and refresh != "onTimeRangeChanged":
        on_load = refresh in (1, "onDashboardLoad")
        when = "only when the dashboard loads" if on_load else "never"
        yield Issue(f"variable ${ctx.name} refreshes its options {when}", "set refresh: 2 (on time range change)",
                    at=ctx.location.child("refresh") if "refresh" in ctx.variable else None)


@rule("template-variable-duplicate", "error", "Variable names must be unique", "dashboard", example="dashboard")
def template_variable_duplicate(ctx: DashboardContext) -> Iterator[Issue]:
    """Two variables with one name: Grafana shows both drop-downs but every `$name` takes the
    value of one of them, so the other changes nothing (or the wrong thing) and its options
    still run their query on every load.

    Bad:
        templating: {list: [{name: job, type: custom, query: a}, {name: job, type: custom, query: b}]}
        panels:
          - targets: [{expr: 'up{job="$job"}'}]
    Good:
        templating: {list: [{name: job, type: custom, query: a}, {name: instance, type: custom, query: b}]}
        panels:
          - targets: [{expr: 'up{job="$job", instance="$instance"}'}]
    """
    seen: set[str] = set()
    for var, i in variables(ctx.dashboard):
        name = str(var.get("name") or "")
        if not name:
            continue
        if name in seen:
            yield Issue(f"variable ${name} is defined more than once", "rename or remove the duplicate",
                        at=ctx.location.moved(path=(*ctx.path, "templating", "list", i, "name"),
                                              panel=f"variable {name}"))
        seen.add(name)


@rule("panel-no-targets", "warning", "Data panels need at least one query", "panel", example="panel")
def panel_no_targets(ctx: PanelContext) -> Sequence[Issue]:
    """A data panel without queries renders "No data" forever; it is usually a leftover of an
    edit. Library panels keep their queries elsewhere and are skipped, and so are plugins' panels,
    which may fetch their data themselves.

    Bad:
        {"type": "timeseries", "title": "Latency", "targets": []}
    Good:
        {"type": "timeseries", "title": "Latency", "targets": [{"refId": "A", "expr": "..."}]}
    """
    if ctx.targets:
        return ()
    panel_type = ctx.type
    if panel_type not in DATA_PANELS or "libraryPanel" in ctx.panel:
        return ()
    return [Issue(f"{panel_type} panel has no queries", "add a query or remove the panel")]


@rule("logql-syntax", "error", "LogQL in Loki targets and alert queries must parse", ("target", "alert-rule"),
      example="logql", language="logql")
def logql_syntax(ctx: TargetContext | AlertRuleContext) -> Iterator[Issue]:
    """Loki rejects a query without a stream selector, with a selector that can match the
    empty string only, with unquoted values, malformed line filters or parser stages, a range
    aggregation without a range, or `sum_over_time` without `unwrap`, and the panel shows
    the error instead of logs. Checked after Grafana's macro and variable expansion.

    Bad:
        {app="checkout"} |= error | json | status >= "500"
    Good:
        {app="checkout"} |= "error" | json | status >= 500
    """
    for expansion, result, where in _logql_queries(ctx):
        if not result.ok:
            offset = expansion.to_original(result.offset or 0)
            yield Issue(f"LogQL does not parse: {result.error} (at column {offset + 1} of the query)",
                        "fix the query; check it in Grafana's Explore", at=where.moved(offset=offset))


@rule("logql-line-filter-regex", "error", "A LogQL regex line filter must be a regular expression Go compiles",
      ("target", "alert-rule"), example="logql", language="logql")
def logql_line_filter_regex(ctx: TargetContext | AlertRuleContext) -> Iterator[Issue]:
    """Loki's parser accepts any string after `|~` and `!~`; the query compiles it with Go's
    regexp package when it runs, and fails there (`error parsing regexp: ...`) on an unclosed
    group, a trailing backslash or Perl's lookarounds, which Go does not have. Grafana shows
    the error instead of logs, and an alert rule on it errors at every evaluation.

    Bad:
        {app="checkout"} |~ "timeout(?!s)"
    Good:
        {app="checkout"} |~ "timeout" !~ "timeouts"
    """
    for expansion, result, where in _logql_queries(ctx):
        for problem, at in result.line_regex_errors:
            offset = expansion.to_original(at)
            yield Issue(f"LogQL line filter: {problem} (at column {offset + 1} of the query); Loki fails the "
                        "query when it runs", "write the filter in Go's RE2 syntax (no lookarounds or "
                        "backreferences), or use |= for a plain string", at=where.moved(offset=offset))


def _logql_queries(ctx: TargetContext | AlertRuleContext) -> Iterator[tuple[Expansion, logql.LogQLResult, Location]]:
    """Each LogQL query of a target or an alert rule, expanded as Grafana expands it, its check,
    and where it sits."""
    if isinstance(ctx, AlertRuleContext):
        for ref, language in ctx.languages.items():
            item, path = ctx.data[ref]
            expr = item.get("model", {}).get("expr")
            if language == "logql" and isinstance(expr, str) and expr.strip():
                yield (*_logql_checked(expr, ALERT, frozenset()),
                       ctx.location.moved(path=(*path, "model", "expr"), ref_id=ref or None))
        return
    if ctx.language != "logql":
        return
    expr = ctx.target.get("expr")
    if isinstance(expr, str) and expr.strip():
        dash = ctx.panel.dash
        yield (*_logql_checked(expr, GRAFANA, dash.interval_vars, dash.values), ctx.location.child("expr"))


def _logql_checked(expr: str, mode: str, interval_vars: frozenset[str],
                   values: Values | None = None) -> tuple[Expansion, logql.LogQLResult]:
    expansion = expand(expr, mode, interval_vars, values)
    result = logql.check(expansion.text)
    if expansion.valued is not None:
        # as for PromQL: Grafana's values decide, where the saved model knows them
        valued = logql.check(expansion.valued.text)
        if not valued.ok or not result.ok:
            expansion, result = expansion.valued, valued
    return expansion, result
