"""TraceQL: Tempo targets of dashboards, Tempo alert queries, and the TraceQL that data-source
links run on a Tempo (Loki derived fields, Elasticsearch data links with an internal link)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from .. import traceql
from ..contexts import AlertRuleContext, DatasourceContext, TargetContext
from ..finding import Location
from ..registry import Issue, rule

#: Tempo query types whose `query` is TraceQL as written (the search builder's is generated)
_TRACEQL_TYPES = (None, "", "traceql")


def _issue(text: str, where: Location) -> Issue | None:
    error = traceql.check(text)
    if error is None:
        return None
    offset = max(0, min(error.offset, len(text)))
    what = "TraceQL does not parse" if error.stage == "parse" else "Tempo refuses this TraceQL before running it"
    return Issue(f"{what}: {error.message} (at column {offset + 1} of the query)",
                 "fix the query; check it in Grafana's Explore", at=where.moved(offset=offset))


def _query(model: Mapping[str, Any]) -> str | None:
    query = model.get("query")
    if model.get("queryType") not in _TRACEQL_TYPES or not isinstance(query, str) or not query.strip():
        return None
    return query


def _tempo_links(ctx: DatasourceContext) -> Iterator[tuple[str, Location]]:
    """(query, where) of each derived field or data link that runs a query on a Tempo."""
    data = ctx.body.get("jsonData")
    if not isinstance(data, dict):
        return
    for key in ("derivedFields", "dataLinks"):
        links = data.get(key)
        for i, link in enumerate(links if isinstance(links, list) else []):
            if not isinstance(link, dict):
                continue
            target = ctx.env.index.by_uid.get(str(link.get("datasourceUid")))
            url = link.get("url")
            if target is not None and target.type == "tempo" and isinstance(url, str) and url.strip():
                yield url, ctx.location.child("jsonData", key, i, "url")


@rule("traceql-syntax", "error", "TraceQL in Tempo targets, alert queries and links to Tempo must parse",
      ("target", "alert-rule", "datasource"), example="traceql", language="traceql")
def traceql_syntax(ctx: TargetContext | AlertRuleContext | DatasourceContext) -> Iterator[Issue]:
    """Tempo refuses a query with an unclosed spanset, an attribute without its scope or dot
    (`{ .service.name = "x" }` and `{ resource.service.name = "x" }` are fine, `{ service.name
    = "x" }` is not), comparisons between types that cannot match (`duration > "1s"`), bad
    regexes, a `by()` without a span field, a filter that is not a condition (`{ span:name }`),
    `= nil`, or aggregates Tempo cannot run (`min(.a) < max(duration)`); the panel (or the trace
    link) shows the error
    instead of traces. Grafana variables stand for values;
    a query that is only a trace id or a variable is a trace lookup, not TraceQL.

    Bad:
        { resource.service.name = "checkout" && duration > 500ms
    Good:
        { resource.service.name = "checkout" && duration > 500ms }
    """
    for query, where in _queries(ctx):
        issue = _issue(query, where)
        if issue is not None:
            yield issue


def _queries(ctx: TargetContext | AlertRuleContext | DatasourceContext) -> Iterator[tuple[str, Location]]:
    """The TraceQL each kind of object holds, with where it is."""
    if isinstance(ctx, DatasourceContext):
        yield from _tempo_links(ctx)
    elif isinstance(ctx, AlertRuleContext):
        for ref, language in ctx.languages.items():
            item, path = ctx.data[ref]
            model = item.get("model")
            query = _query(model) if language == "traceql" and isinstance(model, dict) else None
            if query is not None:
                yield query, ctx.location.moved(path=(*path, "model", "query"), ref_id=ref or None)
    elif ctx.language == "traceql":
        query = _query(ctx.target)
        if query is not None:
            yield query, ctx.location.child("query")
