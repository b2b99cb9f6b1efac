"""Rules about alert rules: Grafana-managed rule groups and Prometheus rule files."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from .. import alerting_provisioning, gotemplate, prometheusrule_schema, rulefmt
from ..alert_model import (EXPRESSION_TYPES, condition_query_ref, expression_refs, expression_type, group_title,
                           input_problem, is_expression)
from ..contexts import (AlertGroupContext, AlertGroupSetContext, AlertProvisioningFileContext, AlertRuleContext,
                        PrometheusRuleContext, PromRuleContext, PromRuleFileContext)
from ..dashboard_model import listed
from ..durations import format_seconds, seconds
from ..promql_analysis import MATRIX, Labels
from ..finding import Location
from ..registry import Issue, rule

NO_DATA_STATES = ("NoData", "Alerting", "OK", "KeepLast")
EXEC_ERR_STATES = ("Error", "Alerting", "OK", "KeepLast")
BASE_INTERVAL_S = 10
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_UNBUILT = "Grafana cannot build the rule's expressions, so it refuses the rule or fails each evaluation"


def _is_recording(ctx: AlertRuleContext | PromRuleContext) -> bool:
    return "record" in ctx.rule and bool(ctx.rule.get("record"))


@rule("alert-group-interval", "error", "Rule group intervals must be positive multiples of 10s", "alert-group",
      example="alert-group")
def alert_group_interval(ctx: AlertGroupContext) -> Iterator[Issue]:
    """Grafana evaluates rules on a 10-second base tick; the provisioning API rejects a group
    interval that is not a positive multiple of it, and a missing interval.

    Bad:
        {"title": "collector", "interval": 45, "rules": [...]}
    Good:
        {"title": "collector", "interval": 60, "rules": [...]}
    """
    if ctx.interval_raw is None:
        yield Issue("rule group has no interval", "set interval (seconds in the API, e.g. 1m in files)")
        return
    if ctx.interval_s is None:
        yield Issue(f"rule group interval {rulefmt.shown(ctx.interval_raw)} is not a duration", "use e.g. 60 or 1m",
                    at=ctx.location.child("interval"))
        return
    if ctx.interval_s <= 0 or ctx.interval_s % BASE_INTERVAL_S:
        yield Issue(f"rule group interval {format_seconds(ctx.interval_s)} is not a positive multiple of "
                    f"{BASE_INTERVAL_S}s", "use 10s, 30s, 1m, 5m, ...", at=ctx.location.child("interval"))


def _refs(ctx: AlertRuleContext) -> set[str]:
    return set(ctx.data)


@rule("alert-condition-unknown", "error", "An alert rule's condition must name one of its refIds", "alert-rule",
      example="alert-rule")
def alert_condition_unknown(ctx: AlertRuleContext) -> Iterator[Issue]:
    """Grafana evaluates the query or expression named by `condition`; when no `data` item
    has that refId the rule cannot be saved (or is never evaluated when provisioned).

    Bad:
        condition: C
        data:
          - {refId: A, datasourceUid: prometheus, model: {expr: "sum(otelcol_exporter_queue_size)", instant: true}}
          - {refId: B, datasourceUid: __expr__, model: {type: threshold, expression: A}}
    Good:
        condition: B
        data:
          - {refId: A, datasourceUid: prometheus, model: {expr: "sum(otelcol_exporter_queue_size)", instant: true}}
          - {refId: B, datasourceUid: __expr__, model: {type: threshold, expression: A}}
    """
    if _is_recording(ctx):
        return
    condition = ctx.rule.get("condition")
    if not condition:
        yield Issue("alert rule has no condition", "set condition to the refId of the threshold expression")
    elif str(condition) not in _refs(ctx):
        yield Issue(f"condition {rulefmt.shown(condition)} is not a refId of this rule (refIds: "
                    f"{', '.join(sorted(_refs(ctx))) or 'none'})", "name an existing refId",
                    at=ctx.location.child("condition"))


@rule("alert-refid-duplicate", "error", "refIds must be unique within an alert rule", "alert-rule",
      example="alert-rule")
def alert_refid_duplicate(ctx: AlertRuleContext) -> Iterator[Issue]:
    """Expressions and the condition refer to queries by refId; two items with one refId make
    the reference ambiguous and Grafana rejects the rule.

    Bad:
        "data": [{"refId": "A", ...}, {"refId": "A", ...}]
    Good:
        "data": [{"refId": "A", ...}, {"refId": "B", ...}]
    """
    seen: set[str] = set()
    for i, item in enumerate(listed(ctx.rule.get("data"))):
        ref = str(item.get("refId") or "") if isinstance(item, dict) else ""
        if not ref:
            yield Issue(f"data item {i} has no refId", "give every query and expression a refId",
                        at=ctx.location.child("data", i))
        elif ref in seen:
            yield Issue(f"refId {ref} is used twice", "rename one of them",
                        at=ctx.location.child("data", i, "refId").moved(ref_id=ref))
        seen.add(ref)


@rule("alert-title-duplicate", "warning", "Alert rules of one folder should not share a title",
      ("alert-group", "alert-groups", "alert-provisioning-file"), example="alert-group")
def alert_title_duplicate(ctx: AlertGroupContext | AlertGroupSetContext | AlertProvisioningFileContext
                          ) -> Iterator[Issue]:
    """Grafana 11 keeps alert rule titles unique per folder: it refuses a rule group that gives
    two rules of one folder the same title, in one group or in two ("rule title under the same
    organisation and folder should be unique"). Grafana 12 dropped that limit, but its default
    notification policy still groups alerts by alertname (the title) and folder, so the two
    rules' alerts arrive as one notification. A repository synced to several Grafanas meets the
    oldest one, so this is said in every build, whatever Grafana is the target: for the rules of
    one group, across the groups of one folder in the project, and in a provisioning file. `gac
    sync` also checks it against a Grafana 11 before it writes anything (titles apart in case
    alone included: Grafana 11 on MySQL counts them as one).

    Bad:
        rules:
          - {uid: latency-warning, title: Checkout latency high, labels: {severity: warning}}
          - {uid: latency-critical, title: Checkout latency high, labels: {severity: critical}}
    Good:
        rules:
          - {uid: latency-warning, title: Checkout latency high, labels: {severity: warning}}
          - {uid: latency-critical, title: Checkout latency very high, labels: {severity: critical}}
    """
    if isinstance(ctx, AlertGroupContext):
        seen: set[str] = set()
        for i, rule in enumerate(listed(ctx.group.get("rules"))):
            title = _title_key(rule)
            if title is None:
                continue
            if title in seen:
                yield _title_issue(rule["title"], "twice in this group", ctx.location.child("rules", i, "title"))
            seen.add(title)
        return
    if isinstance(ctx, AlertGroupSetContext):
        owners: dict[tuple[str, str], str] = {}  # (folder uid, title) -> the first group using it
        for gctx in ctx.groups:
            name, folder_uid = group_title(gctx.group) or "", str(gctx.group.get("folderUid") or "")
            for i, rule in enumerate(listed(gctx.group.get("rules"))):
                title = _title_key(rule)
                # a repeat inside one group is that group's finding
                owner = owners.setdefault((folder_uid, title), name) if title is not None else name
                if owner != name:
                    yield _title_issue(rule["title"], f"by group {owner!r} of this folder too",
                                       gctx.location.child("rules", i, "title"))
        return
    # (organisation, folder title, title) -> the first group using it: the index is per organisation
    first_group: dict[tuple[str, str, str], int] = {}
    for g, group in enumerate(listed(ctx.doc.get("groups"))):
        folder = group.get("folder") if isinstance(group, dict) else None
        if not isinstance(folder, str):
            continue
        org = str(group.get("orgId") or 1)
        for i, rule in enumerate(listed(group.get("rules"))):
            title = _title_key(rule)
            # a repeat inside one group is that group's finding
            if title is not None and first_group.setdefault((org, folder, title), g) != g:
                yield _title_issue(rule["title"], f"by another group of folder {folder!r} too",
                                   ctx.location.child("groups", g, "rules", i, "title").moved(
                                       group=str(group.get("name") or g)))


def _title_key(rule: Any) -> str | None:
    """A rule's title, None when it has none. Compared as written: Grafana 12+ groups alerts by
    their exact alertname, and only Grafana 11 on MySQL also counts titles apart in case alone as
    one (`gac sync` checks that against the Grafana it writes to)."""
    title = rule.get("title") if isinstance(rule, dict) else None
    return title if isinstance(title, str) and title else None


def _title_issue(title: str, where: str, at: Location) -> Issue:
    return Issue(f"alert rule title {title!r} is used {where} (Grafana 11 refuses two rules with one title in a "
                 "folder; later versions send their alerts as one notification)",
                 "rename one of the rules, e.g. after the severity or the threshold it alerts on",
                 at=at.moved(alert=title))


@rule("alert-expression-ref-unknown", "error", "Expressions must refer to existing refIds", "alert-rule",
      example="alert-rule")
def alert_expression_ref_unknown(ctx: AlertRuleContext) -> Iterator[Issue]:
    """A reduce, resample or threshold expression reads the refId in `expression`; a math
    expression reads `$A` / `${A}`; classic conditions read `query.params[0]`. A reference to a
    refId that does not exist fails the evaluation, and so does an expression that names no
    input at all: Grafana refuses a threshold without `expression` ("no variable specified to
    reference for refId C"), also when it carries classic-condition `query.params`, which a
    threshold never reads.

    Bad:
        condition: C
        data:
          - {refId: A, datasourceUid: prometheus, model: {expr: "sum(otelcol_exporter_queue_size)", instant: true}}
          - {refId: C, datasourceUid: __expr__, model: {type: threshold, expression: B}}
    Good:
        condition: C
        data:
          - {refId: A, datasourceUid: prometheus, model: {expr: "sum(otelcol_exporter_queue_size)", instant: true}}
          - {refId: C, datasourceUid: __expr__, model: {type: threshold, expression: A}}
    """
    refs = _refs(ctx)
    for ref, (item, path) in ctx.data.items():
        if not is_expression(item):
            continue
        etype = expression_type(item)
        if etype is not None and etype not in EXPRESSION_TYPES:
            yield Issue(f"expression {ref} has unknown type {etype!r}", "use math, reduce, resample, threshold, "
                        "classic_conditions or sql", at=ctx.location.moved(path=(*path, "model", "type"), ref_id=ref))
            continue
        problem = input_problem(item)  # Grafana's reasons: alert_model.input_problem
        if problem is not None:
            yield _no_input_issue(ref, etype or "", *problem, item, refs,
                                  ctx.location.moved(path=(*path, "model"), ref_id=ref))
            continue
        for target in expression_refs(item):
            if target == ref:
                yield Issue(f"expression {ref} refers to itself", "refer to the query it should read",
                            at=ctx.location.moved(path=(*path, "model"), ref_id=ref))
            elif target not in refs:
                yield Issue(f"expression {ref} ({etype}) reads {target!r}, which is not a refId of this rule",
                            f"use one of: {', '.join(sorted(refs - {ref}))}",
                            at=ctx.location.moved(path=(*path, "model"), ref_id=ref))


def _no_input_issue(ref: str, etype: str, problem: str, said: str | None, item: Any, refs: set[str],
                    at: Location) -> Issue:
    others = ", ".join(sorted(refs - {ref})) or "none"
    grafana = f' ("{said}")' if said else ""
    if etype == "math":
        return Issue(f"expression {ref} (math) {problem}; {_UNBUILT}",
                     f"set expression to a formula over refIds, e.g. $A > 0 (refIds: {others})", at=at)
    meant = condition_query_ref(item) if etype == "threshold" else None
    if meant is not None and meant in refs and meant != ref:
        fix = (f"add expression: {meant} to its model (the refId its conditions[0].query.params names; "
               "a threshold reads only expression)")
    else:
        fix = f"set expression to the refId it should read (one of: {others})"
    return Issue(f"expression {ref} ({etype}) {problem}, so it reads no refId; {_UNBUILT}{grafana}", fix, at=at)


def output_kind(ctx: AlertRuleContext, ref: str, seen: frozenset[str] = frozenset()) -> str | None:
    """'series' (time series), 'number' (one value per series) or None (unknown) for a refId."""
    if ref in seen or ref not in ctx.data:
        return None
    item, _ = ctx.data[ref]
    if is_expression(item):
        etype = expression_type(item)
        if etype in ("reduce", "classic_conditions"):
            return "number"
        if etype == "resample":
            return "series"
        if etype in ("math", "threshold"):
            kinds = [output_kind(ctx, r, seen | {ref}) for r in expression_refs(item)]
            if not kinds or None in kinds:
                return None
            return "series" if "series" in kinds else "number"
        return None
    query = ctx.queries.get(ref)
    if query is not None:
        if query.range_query:
            return "series"
        if query.analysis.ok and query.analysis.result_type == MATRIX:
            return "series"
        return "number"
    return None


@rule("alert-condition-not-reduced", "error", "An alert condition must evaluate to numbers, not time series",
      "alert-rule", example="alert-rule")
def alert_condition_not_reduced(ctx: AlertRuleContext) -> Iterator[Issue]:
    """Grafana alerts on one number per series. A range query (or an instant query returning
    a range vector) yields time series; without a reduce expression between it and the
    condition, evaluation fails with "looks like time series data, only reduced data can be
    alerted on". An instant query needs no reduce; a range query is fine when a reduce follows.

    Bad:
        condition: C
        data:
          - {refId: A, datasourceUid: prometheus, model: {expr: "sum(rate(app_errors_total[5m]))", range: true}}
          - {refId: C, datasourceUid: __expr__, model: {type: threshold, expression: A}}
    Good:
        condition: C
        data:
          - {refId: A, datasourceUid: prometheus, model: {expr: "sum(rate(app_errors_total[5m]))", range: true}}
          - {refId: B, datasourceUid: __expr__, model: {type: reduce, expression: A, reducer: last}}
          - {refId: C, datasourceUid: __expr__, model: {type: threshold, expression: B}}
    """
    if _is_recording(ctx):
        return
    condition = str(ctx.rule.get("condition") or "")
    if condition not in ctx.data or output_kind(ctx, condition) != "series":
        return
    series_queries = [r for r, q in ctx.queries.items() if output_kind(ctx, r) == "series"]
    detail = f" (query {', '.join(sorted(series_queries))} returns time series)" if series_queries else ""
    yield Issue(f"condition {condition} evaluates time series, not one number per series{detail}",
                "add a reduce expression (last, mean, max) before the threshold, or make the query instant",
                at=ctx.location.child("condition"))


@rule("alert-for-shorter-than-interval", "warning", "The pending period should not be shorter than the interval",
      "alert-rule", example="alert-rule")
def alert_for_shorter_than_interval(ctx: AlertRuleContext) -> Iterator[Issue]:
    """A rule is evaluated once per group interval, so a pending period (`for`) shorter than
    the interval behaves like the interval itself; the number misleads readers about how
    long a condition must hold. 0 (fire at once) is fine.

    Bad:
        {"for": "30s"}
    Good:
        {"for": "2m"}
    """
    raw = ctx.rule.get("for")
    if raw in (None, "") or ctx.interval_s in (None, 0) or _is_recording(ctx):
        return
    value = seconds(raw)  # not a duration at all: alert-duration-invalid
    if value is not None and 0 < value < (ctx.interval_s or 0):
        yield Issue(f"for {raw} is shorter than the group interval {format_seconds(ctx.interval_s or 0)}",
                    f"use 0s or at least {format_seconds(ctx.interval_s or 0)}", at=ctx.location.child("for"))


@rule("alert-duration-invalid", "error", "An alert rule's for and keep_firing_for must be durations", "alert-rule",
      example="alert-rule")
def alert_duration_invalid(ctx: AlertRuleContext) -> Iterator[Issue]:
    """Grafana reads `for` and `keep_firing_for` with Prometheus's duration parser (a number
    and a unit: ms, s, m, h, d, w, y, or 0); the provisioning API and file provisioning
    refuse anything else, and with it the whole rule group.

    Bad:
        {"for": "5mins"}
    Good:
        {"for": "5m"}
    """
    for key in ("for", "keep_firing_for"):
        raw = ctx.rule.get(key)
        if raw in (None, ""):
            continue
        if seconds(raw) is None:
            yield Issue(f"{key} {rulefmt.shown(raw)} is not a duration", "use a number and a unit, e.g. 5m or 1h30m",
                        at=ctx.location.child(key))
        elif _unitless(raw) and not ctx.provisioning_file:  # a file's is alert-provisioning-file-invalid's
            # model.ParseDuration takes "0" alone without a unit
            yield Issue(f"{key} {rulefmt.shown(raw)} has no unit: Grafana reads it as a duration, which needs one",
                        f"write it with its unit, e.g. {format_seconds(seconds(raw) or 0)}",
                        at=ctx.location.child(key))


def _unitless(raw: Any) -> bool:
    """A number, or a string of digits, other than zero: what seconds() reads, Prometheus does not."""
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return raw != 0
    return isinstance(raw, str) and raw.strip().isdigit() and int(raw.strip()) != 0


@rule("alert-state-invalid", "error", "noDataState and execErrState must be values Grafana accepts", "alert-rule",
      example="alert-rule")
def alert_state_invalid(ctx: AlertRuleContext) -> Iterator[Issue]:
    """The provisioning API accepts noDataState in NoData, Alerting, OK, KeepLast and
    execErrState in Error, Alerting, OK, KeepLast; anything else is rejected.

    Bad:
        {"noDataState": "no_data", "execErrState": "Ok"}
    Good:
        {"noDataState": "NoData", "execErrState": "Error"}
    """
    if _is_recording(ctx):
        return
    for key, allowed in (("noDataState", NO_DATA_STATES), ("execErrState", EXEC_ERR_STATES)):
        value = ctx.rule.get(key)
        if value is None:
            if not ctx.provisioning_file:
                yield Issue(f"{key} is not set", f"set it to one of {', '.join(allowed)}")
        elif value not in allowed:
            yield Issue(f"{key} {rulefmt.shown(value)} is not one of {', '.join(allowed)}",
                        f"use one of {', '.join(allowed)}", at=ctx.location.child(key))


def _required(ctx: AlertRuleContext | PromRuleContext) -> bool:
    if isinstance(ctx, PromRuleContext):
        return "alert" in ctx.rule
    return not _is_recording(ctx)


def _missing(ctx: AlertRuleContext | PromRuleContext, section: str, required: Iterable[str]) -> Iterator[Issue]:
    """Required labels and annotations are checked alike: each present and not empty. A YAML
    value that is no string (`priority: 0`, `page: false`) is present: Go reads it into the
    rule's map of strings as the text it spells; a null is the empty string."""
    if not _required(ctx):
        return
    values = ctx.rule.get(section) or {}
    for name in required:
        value = values.get(name) if isinstance(values, dict) else None
        if value is None or value == "" or value == {} or value == []:
            yield Issue(f"alert has no {name} {section[:-1]}", f"add {section}.{name}")


@rule("alert-missing-label", "warning", "Alert rules need the labels routing relies on (severity)",
      ("alert-rule", "prom-rule"), example="alert-rule")
def alert_missing_label(ctx: AlertRuleContext | PromRuleContext) -> Iterator[Issue]:
    """Notification policies route on labels; an alert without `severity` falls through to the
    default route and pages the wrong people (or nobody). The required labels are set in
    grafana.yaml's `lint.alerts.required_labels` (default: severity).

    Bad:
        "labels": {"team": "platform"}
    Good:
        "labels": {"team": "platform", "severity": "warning"}
    """
    yield from _missing(ctx, "labels", ctx.env.config.required_labels)


@rule("alert-missing-annotation", "warning", "Alert rules need a summary annotation", ("alert-rule", "prom-rule"),
      example="alert-rule")
def alert_missing_annotation(ctx: AlertRuleContext | PromRuleContext) -> Iterator[Issue]:
    """The summary is the line a notification shows; without it the receiver sees only the
    rule name. Required annotations are set in `lint.alerts.required_annotations`
    (default: summary).

    Bad:
        "annotations": {"description": "..."}
    Good:
        "annotations": {"summary": "Collector drops spans", "description": "..."}
    """
    yield from _missing(ctx, "annotations", ctx.env.config.required_annotations)


def _templates(ctx: AlertRuleContext | PromRuleContext) -> Iterator[tuple[str, str, str]]:
    for section in ("annotations", "labels"):
        values = ctx.rule.get(section)
        if isinstance(values, dict):
            for key, value in values.items():
                if isinstance(value, str) and "{{" in value:
                    yield section, str(key), value


def _variables(ctx: AlertRuleContext | PromRuleContext) -> frozenset[str]:
    return gotemplate.PROMETHEUS_VARIABLES if isinstance(ctx, PromRuleContext) else gotemplate.GRAFANA_VARIABLES


@rule("alert-template-invalid", "error", "Annotation and label templates must be valid Go templates",
      ("alert-rule", "prom-rule"), example="alert-rule")
def alert_template_invalid(ctx: AlertRuleContext | PromRuleContext) -> Iterator[Issue]:
    """Annotations and labels are Go text/templates rendered when the alert fires; an
    unclosed `{{`, an unknown function or an undefined variable turns the notification into
    a template error at the worst moment.

    Bad:
        annotations: {summary: "{{ $labels.job is down ({{ humanise $value }})"}
    Good:
        annotations: {summary: "{{ $labels.job }} is down ({{ humanize $value }})"}
    """
    for section, key, text in _templates(ctx):
        result = gotemplate.check(text, variables=_variables(ctx))
        if not result.ok:
            yield Issue(f"{section}.{key}: template error: {result.error}", "fix the template",
                        at=ctx.location.child(section, key, offset=result.offset))


@rule("alert-template-refid", "error", "$values in templates must name refIds of the rule", "alert-rule",
      example="alert-rule")
def alert_template_refid(ctx: AlertRuleContext) -> Iterator[Issue]:
    """`{{ $values.B.Value }}` reads the result of refId B; when B does not exist the
    annotation renders `<no value>` (or fails), and the reader loses the number.

    Bad:
        annotations: {summary: "queue at {{ $values.D.Value }}"}    # refIds are A, B and C
    Good:
        annotations: {summary: "queue at {{ $values.B.Value }}"}
    """
    refs = _refs(ctx)
    for section, key, text in _templates(ctx):
        result = gotemplate.check(text, variables=_variables(ctx))
        for ref, offset in result.ref_ids:
            if ref not in refs:
                yield Issue(f"{section}.{key}: $values.{ref} names no refId of this rule "
                            f"(refIds: {', '.join(sorted(refs)) or 'none'})", "use an existing refId",
                            at=ctx.location.child(section, key, offset=offset))


def _rule_labels(ctx: AlertRuleContext | PromRuleContext) -> Labels | None:
    """The labels an alert instance's series carries, when the query tells."""
    if isinstance(ctx, PromRuleContext):
        a = ctx.analysis
        return a.labels if a is not None and a.ok else None
    analyses = [q.analysis for q in ctx.queries.values() if q.analysis.ok]
    if not analyses or len(analyses) != len(ctx.queries):
        return None
    closed = [a.labels for a in analyses if a.labels.closed]
    if len(closed) != len(analyses):
        excluded = set.intersection(*[set(a.labels.names) for a in analyses if not a.labels.closed])
        return Labels(False, frozenset(excluded))
    return Labels(True, frozenset().union(*[a.labels.names for a in analyses]))


@rule("alert-template-label-dropped", "warning", "$labels in templates must name labels the query keeps",
      ("alert-rule", "prom-rule"), example="prom-rule")
def alert_template_label_dropped(ctx: AlertRuleContext | PromRuleContext) -> Iterator[Issue]:
    """`{{ $labels.instance }}` renders empty when the query aggregated `instance` away
    (`sum by (job) (...)`), so the notification loses the one detail the reader needs.
    `.Labels.x` inside a `range` or `with` body reads the element at hand (a sample of a
    `query` there), not the alert, and is not judged; `$labels.x` there still is.

    Bad:
        expr: sum by (job) (rate(otelcol_receiver_refused_spans_total[5m])) > 1
        annotations: {summary: "{{ $labels.instance }} refuses spans"}
    Good:
        expr: sum by (job, instance) (rate(otelcol_receiver_refused_spans_total[5m])) > 1
        annotations: {summary: "{{ $labels.instance }} refuses spans"}
    """
    labels = _rule_labels(ctx)
    if labels is None:
        return
    labels_set = ctx.rule.get("labels")
    own = labels_set if isinstance(labels_set, dict) else {}
    for section, key, text in _templates(ctx):
        result = gotemplate.check(text, variables=_variables(ctx))
        for name, offset in result.labels:
            if name in own or name == "__name__" or labels.may_have(name):
                continue
            kept = ", ".join(sorted(labels.names)) if labels.closed and labels.names else "no labels"
            written = result.written.get(offset, f"$labels.{name}")
            yield Issue(f"{section}.{key}: {written} is not in the query result (it keeps {kept})",
                        f"keep {name} in the query's by (...) clause, or drop it from the template",
                        at=ctx.location.child(section, key, offset=offset))


@rule("prom-rule-file-invalid", "error", "Prometheus must be able to load the rule file", "prom-rule-file",
      example="prom-rule")
def prom_rule_file_invalid(ctx: PromRuleFileContext) -> Iterator[Issue]:
    """Prometheus decodes a rule file strictly (rulefmt): a field it does not know, a value of
    the wrong type (labels as a list, a group that is a string), a `for` without a unit, a
    group without a name or with another group's name, or an alerting field in a recording
    rule makes it refuse the whole file. Every group in it then stops being evaluated, and a
    running Prometheus keeps its old rules, logging the error on reload.

    Bad:
        alert: CollectorDown
        expr: up{job="otel-collector"} == 0
        for: 5
    Good:
        alert: CollectorDown
        expr: up{job="otel-collector"} == 0
        for: 5m
    """
    return _problem_issues(rulefmt.problems(ctx.doc), ctx.location)


@rule("alert-provisioning-file-invalid", "error", "Grafana must be able to read the alerting provisioning file",
      "alert-provisioning-file", example="alert-provisioning")
def alert_provisioning_file_invalid(ctx: AlertProvisioningFileContext) -> Iterator[Issue]:
    """Grafana reads provisioning/alerting files into its provisioning types and refuses the
    whole file, and with it alerting provisioning at startup, for a value of the wrong type (a
    map where a list belongs), a rule group without a name or folder, a rule without a title,
    uid or data, a contact point without a name, a receiver without a uid, type or settings, a
    policy without a receiver. A key it does not know (`contactpoint:`, `keep_firing_for:`) it
    ignores without a word, and provisions nothing of it. (What the rule checks of groups and
    rules report, a group's interval or a rule's `for` and condition, is left to them.)

    Bad:
        apiVersion: 1
        contactPoints:
          - name: team
            receivers:
              - type: email
                settings: {addresses: team@example.com}
    Good:
        apiVersion: 1
        contactPoints:
          - name: team
            receivers:
              - uid: team-email
                type: email
                settings: {addresses: team@example.com}
    """
    return _problem_issues(alerting_provisioning.problems(ctx.doc), ctx.location)


@rule("prometheusrule-invalid", "error", "The Kubernetes API server must accept the PrometheusRule",
      "prometheusrule", example="prometheusrule")
def prometheusrule_invalid(ctx: PrometheusRuleContext) -> Iterator[Issue]:
    """The API server judges a PrometheusRule against the operator's schema of it before any
    Prometheus sees a rule: a value of the wrong type (`for: 5`, a label `severity: 1`, groups
    that are no list), a duration the schema's pattern does not match, a group without a name or
    with another group's name, and the whole object is refused: none of its rules is applied.
    A field the schema does not know (a misspelt `anotations:`) is dropped without a word, and
    kubectl refuses the object for it. (A rule without an expr, or with both or neither of alert
    and record, is prom-rule-invalid's.)

    Bad:
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: collector}
        spec:
          groups:
            - name: collector
              rules:
                - alert: CollectorDown
                  expr: up{job="otel-collector"} == 0
                  for: 5
                  anotations: {summary: "{{ $labels.instance }} is down"}
    Good:
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: collector}
        spec:
          groups:
            - name: collector
              rules:
                - alert: CollectorDown
                  expr: up{job="otel-collector"} == 0
                  for: 5m
                  annotations: {summary: "{{ $labels.instance }} is down"}
    """
    return _problem_issues(prometheusrule_schema.problems(ctx.doc), ctx.location)


def _problem_issues(problems: Iterable[rulefmt.Problem], location: Location) -> Iterator[Issue]:
    """What a file's loader refuses or ignores in it (rulefmt.Problem), each at its path, with the
    group and rule it is in."""
    for problem in problems:
        at = location.moved(group=problem.group, alert=problem.rule) \
            if problem.group is not None or problem.rule is not None else location
        yield Issue(problem.message, problem.fix, at=at.child(*problem.path))


@rule("prom-rule-invalid", "error", "Prometheus rules need a valid name and an expr",
      "prom-rule", example="prom-rules")
def prom_rule_invalid(ctx: PromRuleContext) -> Iterator[Issue]:
    """Prometheus refuses to load a rule file with a rule that is both or neither alerting and
    recording, has no expression, or records into an invalid metric name; the whole group is
    then not evaluated. (How the file decodes, durations included, is prom-rule-file-invalid's.)
    A valid name is Prometheus 2's (letters, digits, `_` and `:`), unless a collector declared in
    grafana.yaml writes UTF-8 names (translation_strategy NoUTF8EscapingWithSuffixes or
    NoTranslation): the backend that ingests them is a Prometheus 3 or a Mimir validating names
    as UTF-8, where any non-empty name is valid (model.IsValidMetricName under UTF8Validation).

    Bad:
        - record: job:http errors:rate5m
          expr: sum by (job) (rate(http_errors_total[5m]))
    Good:
        - record: job:http_errors:rate5m
          expr: sum by (job) (rate(http_errors_total[5m]))
    """
    rule_ = ctx.rule
    # validateRuleNode reads the text of each node: a map or list has none, a scalar its own
    record, alert, expr = (rulefmt.node_text(rule_.get(key)) for key in ("record", "alert", "expr"))
    if record and alert:
        yield Issue("a rule must have exactly one of alert and record", "keep one of them")
    elif not record and not alert:
        if "alert" in rule_:
            yield Issue("alert name is empty", "name the alert", at=ctx.location.child("alert"))
        else:
            yield Issue("a rule must have exactly one of alert and record", "add alert: or record:")
    if record and not _METRIC_NAME.match(record) and not any(c.utf8_names for c in ctx.env.config.collectors):
        yield Issue(f"record {rulefmt.shown(rule_.get('record'))} is not a valid metric name (Prometheus 2's "
                    "rule: letters, digits, _ and :)",
                    "use letters, digits, _ and :; on Prometheus 3, which takes UTF-8 names, declare the "
                    "collector's translation_strategy (NoUTF8EscapingWithSuffixes or NoTranslation) under "
                    "collector: in grafana.yaml", at=ctx.location.child("record"))
    if not expr.strip():
        yield Issue("rule has no expr", "add the PromQL expression")
