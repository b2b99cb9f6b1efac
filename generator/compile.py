"""Definitions → Resources: build every object, then check what only the whole set can show.

Checks here are the ones that make output impossible to write correctly (duplicate uids,
references to undefined data sources or folders); style and correctness of queries is the
linter's job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

from .builders import AlertRule, PromQuery, RuleGroup
from .builders.alerts import NOT_PROMQL
from .config import DeclaredDatasource, project_declared_datasources
from .discover import DEFINITION_DIRS, Definitions, discover
from .errors import DefinitionError, GacError
from .datasource_index import EXPR_UID, DatasourceIndex, DatasourceInfo
from .handlers import HANDLERS
from .output import RenderedResource
from .resource import ALERT_RULE_GROUP, DASHBOARD, FOLDER, NOTIFICATION_POLICY_TREE, Resource, Source


def compile_project(root: Path, rendered: bool = False, definitions: Definitions | None = None) -> list[Resource]:
    """All resources defined under `root`, in apply order (folders first), deterministic.

    References may also name the data sources grafana.yaml declares under `lint.datasources`
    (those managed outside this repository). `rendered`: each resource is kept as its
    generated/ file (`RenderedResource`), rendered as soon as it is compiled: what build and
    check need, in about half the memory of the bodies. `definitions`: what `discover(root)`
    found, where the caller has it already.
    """
    declared = project_declared_datasources(root)
    return compile_definitions(definitions if definitions is not None else discover(root), declared,
                               RenderedResource.of if rendered else None)


def require_definitions(resources: list[Resource], root: Path) -> list[Resource]:
    """`resources`, unless there are none: then a wrong --root or working directory is likelier
    than an empty project. Building would write an empty generated/ that hides it until `gac
    plan`; lint and test would check nothing and pass."""
    if not resources:
        folders = ", ".join(f"{name}/" for name in DEFINITION_DIRS)
        raise GacError(f"no definitions found in {folders} under {root.resolve()}: run gac from the repository root "
                       "or pass --root, or add a definition module (e.g. datasources/prometheus.py)")
    return resources


def compile_definitions(defs: Definitions, declared: Mapping[str, DeclaredDatasource] | None = None,
                        finish: Callable[[Resource], Resource] | None = None) -> list[Resource]:
    """The resources of `defs`, each passed through `finish` as soon as it is compiled.

    Consumes `defs.dashboards`: each dashboard definition is let go once compiled, so its
    grafanalib objects can be freed while the next ones are compiled; a large project never
    holds every definition and every compiled body at once.
    """
    finish = finish or _as_is
    index = project_datasources(defs, declared, authoritative=True)
    _check_datasource_links(defs, index)
    _check_datasource_names(defs)
    _check_folders(defs)
    resources = [finish(f.to_resource()) for f in defs.folders]
    resources += [finish(ds.to_resource()) for ds in defs.datasources]
    dashboards, defs.dashboards = defs.dashboards[::-1], []
    while dashboards:
        resources.append(finish(dashboards.pop().to_resource(index)))
    resources += [finish(_rule_group(group, index)) for group in defs.rule_groups]
    resources += [finish(item.to_resource()) for item in defs.notifications]
    _check_single_tree(resources)
    _check_unique(resources)
    _check_rule_uids(defs.rule_groups)
    return sorted(resources, key=lambda r: (HANDLERS[r.kind].level, r.key))


def _check_folders(defs: Definitions) -> None:
    """Every folder something is placed in is defined (a function of its own: no loop variable
    left holding a definition while the dashboards are compiled and released)."""
    folder_uids = {f.uid for f in defs.folders}
    for item in [*defs.dashboards, *defs.rule_groups, *(f for f in defs.folders if f.parent)]:
        folder = item.parent if hasattr(item, "parent") else item.folder
        if folder is not None and folder.uid not in folder_uids:
            raise DefinitionError.at(item.source, f"folder {folder.uid!r} is not defined at module level in "
                                     "dashboards/ or alerts/: expose the Folder object so it is created")
    for folder in defs.folders:  # a parent chain that comes back (set after the Folder was made): Grafana refuses it
        seen = [folder.uid]
        parent = folder.parent
        while parent is not None:
            if parent.uid in seen:
                raise DefinitionError.at(folder.source, f"folder {folder.uid!r} is its own ancestor "
                                         f"({' → '.join([*seen, parent.uid])}): give the folders a tree of parents")
            seen.append(parent.uid)
            parent = parent.parent


def _as_is(resource: Resource) -> Resource:
    return resource


def project_datasources(defs: Definitions, declared: Mapping[str, DeclaredDatasource] | None,
                        authoritative: bool) -> DatasourceIndex:
    """The repository's data sources, then the ones grafana.yaml declares (a definition wins a clash).

    Authoritative for the build: a reference to anything else is a definition error.
    """
    return DatasourceIndex.build((DatasourceInfo(ds.uid, ds.type, ds.name) for ds in defs.datasources),
                                 declared, authoritative)


def _check_datasource_links(defs: Definitions, index: DatasourceIndex) -> None:
    for ds in defs.datasources:
        for uid in ds.references():
            if uid not in index.by_uid:
                raise DefinitionError.at(ds.source, f"data source {ds.uid!r} links to undefined data source "
                                         f"{uid!r} (defined: {index.known()})")


def _check_datasource_names(defs: Definitions) -> None:
    """Two data sources with one name: Grafana keeps one data source per name in an organisation
    (the unique index on (org_id, name); AddDataSource answers 409 ErrDataSourceNameExists), so the
    sync of the second would be refused, whatever its uid. Names that differ only in case count as
    one: Grafana on MySQL compares them so (its case-insensitive collation), as it does alert rule
    titles (sync/rule_titles.py). Definitions that share a uid as well are `_check_unique`'s."""
    seen: dict[str, tuple[str, str, Source | None]] = {}
    for ds in defs.datasources:
        first = seen.setdefault(ds.name.casefold(), (ds.uid, ds.name, ds.source))
        if first[0] == ds.uid:
            continue
        names = (f"name {ds.name!r} is" if first[1] == ds.name else f"names {first[1]!r} and {ds.name!r}, one name "
                 "for Grafana on MySQL (it compares them without case), are")
        raise DefinitionError.at(ds.source, f"data source {names} given to two data sources, "
                                 f"{first[0]!r} ({first[2]}) and {ds.uid!r} ({ds.source}); Grafana keeps one "
                                 "data source per name in an organisation and would refuse the second at sync: "
                                 "give one of them another name=")


def _rule_group(group: RuleGroup, index: DatasourceIndex) -> Resource:
    for rule in group.rules:
        for item in rule.data:
            uid = getattr(item, "datasource", EXPR_UID)
            if uid != EXPR_UID and uid not in index.by_uid:
                raise DefinitionError.at(rule.source, f"alert rule {rule.uid!r} query {item.ref_id} uses undefined "
                                         f"data source {uid!r} (defined: {index.known()})")
            if not isinstance(item, PromQuery):
                continue
            if uid == EXPR_UID:
                raise DefinitionError.at(rule.source, f"alert rule {rule.uid!r} query {item.ref_id} sends PromQL to "
                                         f"{uid!r}, Grafana's server-side expressions: give a Prometheus data source "
                                         "(expressions are reduce(), math() and threshold())")
            language = NOT_PROMQL.get(index.by_uid[uid].type)
            if language is not None:
                raise DefinitionError.at(rule.source, f"alert rule {rule.uid!r} query {item.ref_id} sends PromQL to "
                                         f"{uid!r}, a {index.by_uid[uid].type} data source, which speaks {language}: "
                                         "give a Prometheus data source")
    try:
        return group.to_resource()
    except ValueError as exc:
        raise DefinitionError.at(group.source, f"rule group {group.title!r}: {exc}") from None


def _check_unique(resources: list[Resource]) -> None:
    places: dict[tuple[str, str], list[Source | None]] = defaultdict(list)
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in resources:
        # rule groups are unique per folder; everything else by uid across the instance, folders and
        # dashboards together: Grafana 11 keeps both in its dashboard table under one unique uid
        # (and 12's legacy store too), refusing a dashboard whose uid a folder has (API.md §3)
        key = (DASHBOARD if r.kind == FOLDER else r.kind, f"{r.folder_uid}/{r.uid}" if r.kind == ALERT_RULE_GROUP
               else r.uid)
        places[key].append(r.source)
        kinds[key].add(r.kind)
    for key, sources in sorted(places.items()):
        if len(sources) > 1:
            where = " and ".join(str(s) for s in sources)
            what = " and ".join(sorted(kinds[key]))
            shared = " (a folder's and a dashboard's too, on Grafana 11)" if len(kinds[key]) > 1 else ""
            raise DefinitionError.at(sources[-1], f"{what} uid {key[1]!r} is defined twice: {where}; "
                                     f"uids must be unique{shared}, rename one")


def _check_single_tree(resources: list[Resource]) -> None:
    """Grafana keeps one policy tree per organisation: two definitions would overwrite each other."""
    trees = [r for r in resources if r.kind == NOTIFICATION_POLICY_TREE]
    if len(trees) > 1:
        raise DefinitionError.at(trees[-1].source, "the notification policy tree is defined twice ("
                                 + " and ".join(str(t.source) for t in trees) + "); an organisation has one tree")


def _check_rule_uids(groups: list[RuleGroup]) -> None:
    seen: dict[str, tuple[AlertRule, RuleGroup]] = {}
    for group in groups:
        for rule in group.rules:
            if rule.uid in seen:
                first, first_group = seen[rule.uid]
                if first is rule and first_group is group:
                    raise DefinitionError.at(group.source, f"alert rule {rule.uid!r} ({rule.source}) is listed twice "
                                             f"in rule group {group.title!r}: list it once")
                if first is rule:  # one definition listed twice: its source is the same line both times
                    raise DefinitionError.at(group.source, f"alert rule {rule.uid!r} ({rule.source}) is in two rule "
                                             f"groups, {first_group.title!r} and {group.title!r}: a rule belongs to "
                                             "one group; define a second rule with its own uid")
                raise DefinitionError.at(rule.source, f"alert rule uid {rule.uid!r} is defined twice: "
                                         f"{first.source} and {rule.source}; rule uids are unique per Grafana")
            seen[rule.uid] = rule, group
