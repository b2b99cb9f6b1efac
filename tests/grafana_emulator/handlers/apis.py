"""The Kubernetes-style resource APIs of Grafana 12+: ``/apis`` discovery, folders and dashboards.

One store, two APIs: ``/apis/folder.grafana.app`` and ``/apis/dashboard.grafana.app``
read and write the same ``Folder``/``Dashboard`` objects as ``/api/folders`` and
``/api/dashboards`` (dashboard writes go through dashboard_store.commit).

From Grafana's source (ids in versions.py, VERSIONS.md):

* Discovery: ``GET /apis`` is an ``APIGroupList``; each group lists the versions
  its ``GetGroupVersions`` returns, preferred first.  11.6 serves neither group (404).
* Namespace of org 1 is ``default``, org N ``org-N`` (``GetNamespaceMapper``);
  another org's namespace is refused (403 Status).
* Objects: ``metadata.name`` = uid, ``generation`` = the legacy ``version``,
  ``resourceVersion`` (string), ``labels["grafana.app/deprecatedInternalID"]``
  = legacy id; annotations ``grafana.app/folder`` (parent), ``createdBy`` and
  ``updatedBy`` as ``user:<uid>`` / ``service-account:<uid>``, ``updatedTimestamp``,
  ``message``, and the manager ones (managers.py) kept as written.
  ``grafana.app/createdBy``/``updatedBy``/``updatedTimestamp`` are server-set
  (prepare.go, id 619988386): client values are ignored.
* Update: a stale ``metadata.resourceVersion`` -> 409 Status ``Conflict``
  ("the object has been modified; please apply your changes to the latest
  version and try again"), an empty one = unconditional update (as the legacy
  path does).  Generation/updatedBy move only on a spec or folder change.
* Dashboards: the spec has no id/uid/version.  A v2-stored dashboard read as
  v1 (or a v1 one read as v2) carries ``status.conversion`` ``{failed,
  storedVersion}``; 12.x's v2->v1 conversion fails (id 182288309) -- the
  emulator then answers the object with ``failed: true`` and an empty spec,
  the shape of a failed conversion was not settled from source.  13.x converts lossily.
* Errors are ``metav1.Status`` bodies; RBAC uses the same actions as ``/api``.
* List: ``limit`` + ``continue`` (opaque token), ``labelSelector`` with ``k=v`` terms.
* Folder delete when it still holds anything -- alert rules, dashboards, subfolders
  (library elements are not modelled): refused by the folder admission's
  ``validateOnDelete`` (validate.go; 12.x-era id 10266968550, newest id 58983589112;
  wired in ``FolderAPIBuilder.Validate``, ids 173460610, 54500883757), which counts
  what the folder holds and answers ``folder.ErrFolderNotEmpty`` (model.go, id
  18591041: errutil BadRequest ``folder.not-empty``, "Folder cannot be deleted: folder
  is not empty") as a 400 Status.  Unlike the legacy ``DELETE /api/folders/:uid``, the
  /apis delete does not take the contents with it; the newest source cascades only
  with the ``kubernetesFolderCascadeDelete`` feature *and* ``gracePeriodSeconds=0`` in
  the delete options, which is not modelled.
* Folder update that moves it under itself or one of its descendants (A's parent
  B while B's parent is A): refused by the folder admission's ``validateOnUpdate``
  (pkg/registry/apis/folders/validate.go, ids 58983589112, 54513707453): the new
  parent's ancestors include the folder -> ``folder.ErrCircularReference``
  (pkg/services/folder/model.go, id 18591041: errutil BadRequest
  ``folder.circular-reference``, public message "Circular reference detected"),
  rendered by ``errutil.Error.Status`` (id 278899567) as a 400 Status, reason
  ``BadRequest``, ``details.uid`` the message id.  Checked after the
  resourceVersion, as the apiserver runs update admission after its precondition.
  An earlier build (id 10266968550) returned a plain error there (the apiserver
  answers those 500); both eras are modelled with the newest answer.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any, Callable

from .. import dashboard_store, errors, managers
from ..conversion import v1_to_v2, v2_to_v1
from ..routing import Ctx, Response, Router, namespace_of
from ..state import Dashboard, Folder, generate_uid, now_ms, now_rfc3339
from ..versions import DASHBOARD_GROUP, FOLDER_GROUP
from .common import body_object, check_uid

ANNO_FOLDER = dashboard_store.ANNO_FOLDER
INTERNAL_ID = "grafana.app/deprecatedInternalID"
RESOURCES = {DASHBOARD_GROUP: ("dashboards", "Dashboard"), FOLDER_GROUP: ("folders", "Folder")}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


# --- discovery -------------------------------------------------------------------------------------

def _served(ctx: Ctx) -> dict[str, tuple[str, ...]]:
    if not ctx.emulator.profile.apis:
        raise errors.plain(404, "Not found", trace=False)
    return ctx.emulator.profile.apis


def _group_entry(group: str, versions: tuple[str, ...]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_groups(ctx: Ctx) -> Response:
    groups = [_group_entry(g, vs) for g, vs in sorted(_served(ctx).items())]
    return Response(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})


def api_group(ctx: Ctx) -> Response:
    group = ctx.params["group"]
    served = _served(ctx)
    if group not in served:
        raise errors.plain(404, "Not found", trace=False)
    return Response(200, {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, served[group])})


def api_resources(ctx: Ctx) -> Response:
    group, version = _group_version(ctx)
    plural, kind = RESOURCES[group]
    return Response(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                          "resources": [{"name": plural, "singularName": kind.lower(), "namespaced": True,
                                         "kind": kind, "verbs": VERBS}]})


def _group_version(ctx: Ctx) -> tuple[str, str]:
    group, version = ctx.params["group"], ctx.params["version"]
    if version not in _served(ctx).get(group, ()):
        raise errors.plain(404, "Not found", trace=False)
    return group, version


# --- shared ---------------------------------------------------------------------------------------

def _gr(group: str) -> str:
    return f"{RESOURCES[group][0]}.{group}"


def _scope(ctx: Ctx, group: str, action: str) -> None:
    """Namespace must be the caller's org; the RBAC action as on /api, answered as a Status."""
    ident = ctx.identity
    assert ident is not None
    verb = action.split(":")[1]
    if ctx.params["ns"] != namespace_of(ident.org_id) or not ident.can(action):
        name = ctx.params.get("name", "")
        raise errors.k8s_status(403, "Forbidden",
                                f'{_gr(group)} "{name}" is forbidden: User "{ident.ref}" cannot {verb} resource '
                                f'"{RESOURCES[group][0]}" in API group "{group}" in the namespace "{ctx.params["ns"]}"',
                                {"name": name, "group": group, "kind": RESOURCES[group][0]})


def _not_found(group: str, name: str) -> errors.ApiError:
    return errors.k8s_status(404, "NotFound", f'{_gr(group)} "{name}" not found',
                             {"name": name, "group": group, "kind": RESOURCES[group][0]})


def _conflict(group: str, name: str) -> errors.ApiError:
    return errors.k8s_status(409, "Conflict", f'Operation cannot be fulfilled on {_gr(group)} "{name}": the object '
                             "has been modified; please apply your changes to the latest version and try again",
                             {"name": name, "group": group, "kind": RESOURCES[group][0]})


def _exists(group: str, name: str) -> errors.ApiError:
    return errors.k8s_status(409, "AlreadyExists", f'{_gr(group)} "{name}" already exists',
                             {"name": name, "group": group, "kind": RESOURCES[group][0]})


def _metadata(ctx: Ctx, obj: Folder | Dashboard, name: str, parent: str) -> dict[str, Any]:
    annotations = dict(obj.annotations)
    if obj.created_by_ref:
        annotations[dashboard_store.ANNO_CREATED_BY] = obj.created_by_ref
    if obj.updated_by_ref:
        annotations[dashboard_store.ANNO_UPDATED_BY] = obj.updated_by_ref
        annotations[dashboard_store.ANNO_UPDATED_TS] = obj.updated
    if parent:
        annotations[ANNO_FOLDER] = parent
    return {"name": name, "namespace": ctx.namespace, "uid": obj.k8s_uid,
            "resourceVersion": str(obj.resource_version), "generation": obj.version,
            "creationTimestamp": obj.created, "labels": {**obj.labels, INTERNAL_ID: str(obj.id)},
            "annotations": annotations}


def _client_meta(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    annotations = {str(k): str(v) for k, v in (meta.get("annotations") or {}).items() if v is not None}
    labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()
              if v is not None and k != INTERNAL_ID}
    return meta, annotations, labels


def _page(ctx: Ctx, items: list[Any]) -> tuple[list[Any], str]:
    selector = [t.split("=", 1) for t in ctx.q("labelSelector").split(",") if "=" in t]
    items = [i for i in items if all(i.labels.get(k.strip()) == v.strip() for k, v in selector)]
    limit = ctx.q_int("limit")
    token = ctx.q("continue")
    offset = 0
    if token:
        try:
            offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
        except (ValueError, KeyError, TypeError):
            raise errors.k8s_status(400, "BadRequest", "continue key is not valid") from None
    if limit <= 0:
        return items[offset:], ""
    page = items[offset:offset + limit]
    more = offset + limit < len(items)
    return page, base64.urlsafe_b64encode(json.dumps({"o": offset + limit}).encode()).decode() if more else ""


def _list(ctx: Ctx, group: str, version: str, objects: list[Any], render: Callable[[Any], dict[str, Any]]) -> Response:
    page, token = _page(ctx, sorted(objects, key=lambda o: o.uid))
    meta: dict[str, Any] = {"resourceVersion": str(ctx.emulator.store.next_rv() - 1)}
    if token:
        meta["continue"] = token
    return Response(200, {"kind": f"{RESOURCES[group][1]}List", "apiVersion": f"{group}/{version}",
                          "metadata": meta, "items": [render(o) for o in page]})


def _check_rv(group: str, name: str, meta: dict[str, Any], current: int) -> None:
    rv = str(meta.get("resourceVersion") or "")
    if rv and rv != str(current):
        raise _conflict(group, name)


# --- folders --------------------------------------------------------------------------------------

def _folder_obj(ctx: Ctx, version: str, f: Folder) -> dict[str, Any]:
    spec: dict[str, Any] = {"title": f.title}
    if f.description:
        spec["description"] = f.description
    return {"kind": "Folder", "apiVersion": f"{FOLDER_GROUP}/{version}",
            "metadata": _metadata(ctx, f, f.uid, f.parent_uid), "spec": spec}


def folders_list(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, FOLDER_GROUP, "folders:read")
    return _list(ctx, FOLDER_GROUP, version, list(ctx.org.folders.values()), lambda f: _folder_obj(ctx, version, f))


def folders_get(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, FOLDER_GROUP, "folders:read")
    f = ctx.org.folders.get(ctx.params["name"])
    if f is None:
        raise _not_found(FOLDER_GROUP, ctx.params["name"])
    return Response(200, _folder_obj(ctx, version, f))


def _folder_spec(body: dict[str, Any]) -> tuple[str, str | None]:
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    title = str(spec.get("title") or "").strip()
    if not title:
        raise errors.k8s_status(400, "BadRequest", "folder title cannot be empty")
    desc = spec.get("description")
    return title, desc if isinstance(desc, str) else None


def _parent(ctx: Ctx, annotations: dict[str, str]) -> str:
    parent = annotations.pop(ANNO_FOLDER, "")
    if parent and parent not in ctx.org.folders:
        raise _not_found(FOLDER_GROUP, parent)
    return parent


def folders_create(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, FOLDER_GROUP, "folders:create")
    body = body_object(ctx.body)
    meta, annotations, labels = _client_meta(body)
    title, desc = _folder_spec(body)
    name = str(meta.get("name") or "") or (str(meta.get("generateName") or "") + generate_uid()[:8] if meta.get("generateName") else generate_uid())
    check_uid(name)
    org = ctx.org
    if name in org.folders or name in org.dashboards:
        raise _exists(FOLDER_GROUP, name)
    parent = _parent(ctx, annotations)
    for key in dashboard_store.SERVER_ANNOTATIONS + (dashboard_store.ANNO_MESSAGE,):
        annotations.pop(key, None)
    managers.check_create(annotations, ctx.emulator.profile.manager_kinds)
    ref = ctx.identity.ref if ctx.identity else ""
    legacy_sql = ctx.emulator.profile.folders_in_legacy_sql
    if legacy_sql:  # CreateLegacy(CreateFolderCommand{UID, Title, Description, ParentUID}): nothing else is kept
        annotations, labels = {}, {}
    updated_ms = now_ms()
    f = Folder(id=ctx.emulator.store.next_id("dashboard"), uid=name, title=title, parent_uid=parent,
               description=desc or "", created_by=ctx.login, updated_by=ctx.login, created_by_ref=ref,
               updated_by_ref=ref, resource_version=updated_ms if legacy_sql else ctx.emulator.store.next_rv(),
               annotations=annotations, labels=labels, updated_ms=updated_ms)
    org.folders[name] = f
    return Response(201, _folder_obj(ctx, version, f))


def folders_update(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, FOLDER_GROUP, "folders:write")
    name = ctx.params["name"]
    f = ctx.org.folders.get(name)
    if f is None:
        raise _not_found(FOLDER_GROUP, name)
    body = body_object(ctx.body)
    meta, annotations, labels = _client_meta(body)
    legacy_sql = ctx.emulator.profile.folders_in_legacy_sql
    if not legacy_sql:  # the legacy store updates with Overwrite: true, whatever resourceVersion says
        _check_rv(FOLDER_GROUP, name, meta, f.resource_version)
    title, desc = _folder_spec(body)
    parent = _parent(ctx, annotations)
    if parent and parent != f.parent_uid and (parent == name or name in {a.uid for a in ctx.org.ancestors(parent)}):
        raise errors.k8s_status(400, "BadRequest", "Circular reference detected",
                                {"uid": "folder.circular-reference"})
    for key in dashboard_store.SERVER_ANNOTATIONS:
        annotations.pop(key, None)
    changed = (title, desc if desc is not None else f.description, parent) != (f.title, f.description, f.parent_uid)
    if changed:
        managers.check_update(annotations, f.annotations, ctx.emulator.profile.manager_kinds)
        f.version += 1
        f.updated = now_rfc3339()
        f.updated_ms = now_ms()
        f.updated_by = ctx.login
        f.updated_by_ref = ctx.identity.ref if ctx.identity else ""
    f.title, f.parent_uid = title, parent
    if desc is not None:
        f.description = desc
    if legacy_sql:  # only title, description and parent reach the table; resourceVersion is Updated in ms
        f.resource_version = f.updated_ms
    else:
        f.annotations, f.labels = annotations, labels
        f.resource_version = ctx.emulator.store.next_rv()
    return Response(200, _folder_obj(ctx, version, f))


def folders_delete(ctx: Ctx) -> Response:
    _group_version(ctx)
    _scope(ctx, FOLDER_GROUP, "folders:delete")
    name = ctx.params["name"]
    org = ctx.org
    f = org.folders.get(name)
    if f is None:
        raise _not_found(FOLDER_GROUP, name)
    managers.check_delete(f.annotations, ctx.emulator.profile.manager_kinds)
    if any(r.folder_uid == name for r in org.rules.values()) or \
            any(d.folder_uid == name for d in org.dashboards.values()) or \
            any(c.parent_uid == name for c in org.folders.values()):
        raise errors.k8s_status(400, "BadRequest", "Folder cannot be deleted: folder is not empty",
                                {"uid": "folder.not-empty"})
    del org.folders[name]
    return Response(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                          "details": {"name": name, "group": FOLDER_GROUP, "kind": "folders", "uid": f.k8s_uid}})


# --- dashboards -----------------------------------------------------------------------------------

def _dash_obj(ctx: Ctx, version: str, d: Dashboard) -> dict[str, Any]:
    status: dict[str, Any] = {}
    wants_v2 = version.startswith("v2")
    if wants_v2 and d.is_v2:
        spec = copy.deepcopy(d.spec_v2 or {})
    elif wants_v2:
        spec = v1_to_v2(d.data, layout="GridLayout")
        status["conversion"] = {"failed": False, "storedVersion": d.api_version}
    elif d.is_v2 and ctx.emulator.profile.v2_legacy_get == "406":
        spec = {}
        status["conversion"] = {"failed": True, "storedVersion": d.api_version,
                                "error": f"conversion from {d.api_version} to {version} is not supported"}
    elif d.is_v2:
        spec = {k: v for k, v in v2_to_v1(d.spec_v2 or {}, uid=d.uid).items() if k not in ("id", "uid", "version")}
        status["conversion"] = {"failed": False, "storedVersion": d.api_version}
    else:
        # a new top-level dict over the stored body, which saves replace and never mutate (handlers/dashboards.py
        # get_dashboard): a snapshot without a deep copy per object, which made a list page of 500 cost ~0.5 s
        spec = dashboard_store.comparable(d.data)
    return {"kind": "Dashboard", "apiVersion": f"{DASHBOARD_GROUP}/{version}",
            "metadata": _metadata(ctx, d, d.uid, d.folder_uid), "spec": spec, "status": status}


def dashboards_list(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, DASHBOARD_GROUP, "dashboards:read")
    return _list(ctx, DASHBOARD_GROUP, version, list(ctx.org.dashboards.values()),
                 lambda d: _dash_obj(ctx, version, d))


def dashboards_get(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, DASHBOARD_GROUP, "dashboards:read")
    d = ctx.org.dashboards.get(ctx.params["name"])
    if d is None:
        raise _not_found(DASHBOARD_GROUP, ctx.params["name"])
    return Response(200, _dash_obj(ctx, version, d))


def _dash_write(ctx: Ctx, version: str, existing: Dashboard | None, name: str, body: dict[str, Any]) -> Dashboard:
    meta, annotations, labels = _client_meta(body)
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    title = str(spec.get("title") or "").strip()
    if not title:
        raise errors.k8s_status(400, "BadRequest", "Dashboard title cannot be empty")
    folder_uid = annotations.pop(ANNO_FOLDER, "")
    if folder_uid and folder_uid not in ctx.org.folders:
        raise _not_found(FOLDER_GROUP, folder_uid)
    message = annotations.pop(dashboard_store.ANNO_MESSAGE, "")
    if version.startswith("v2"):
        data, spec_v2 = v2_to_v1(spec, uid=name), copy.deepcopy(spec)
    else:
        data, spec_v2 = dashboard_store.comparable(copy.deepcopy(spec)), None
    return dashboard_store.commit(ctx.emulator, ctx.org, existing=existing, uid=name, data=data,
                                  folder_uid=folder_uid, writer=ctx.identity.principal if ctx.identity else None,
                                  message=message, api_version=version, spec_v2=spec_v2,
                                  annotations=annotations, labels=labels)


def dashboards_create(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, DASHBOARD_GROUP, "dashboards:create")
    body = body_object(ctx.body)
    meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    name = str(meta.get("name") or "") or generate_uid()
    check_uid(name)
    if name in ctx.org.dashboards or name in ctx.org.folders:
        raise _exists(DASHBOARD_GROUP, name)
    return Response(201, _dash_obj(ctx, version, _dash_write(ctx, version, None, name, body)))


def dashboards_update(ctx: Ctx) -> Response:
    _, version = _group_version(ctx)
    _scope(ctx, DASHBOARD_GROUP, "dashboards:write")
    name = ctx.params["name"]
    d = ctx.org.dashboards.get(name)
    if d is None:
        raise _not_found(DASHBOARD_GROUP, name)
    body = body_object(ctx.body)
    meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    _check_rv(DASHBOARD_GROUP, name, meta, d.resource_version)
    return Response(200, _dash_obj(ctx, version, _dash_write(ctx, version, d, name, body)))


def dashboards_delete(ctx: Ctx) -> Response:
    _group_version(ctx)
    _scope(ctx, DASHBOARD_GROUP, "dashboards:delete")
    name = ctx.params["name"]
    d = ctx.org.dashboards.get(name)
    if d is None:
        raise _not_found(DASHBOARD_GROUP, name)
    if d.provisioned_external_id is not None:
        raise errors.k8s_status(400, "BadRequest", "provisioned dashboard cannot be deleted")
    managers.check_delete(d.annotations, ctx.emulator.profile.manager_kinds)
    del ctx.org.dashboards[name]
    return Response(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                          "details": {"name": name, "group": DASHBOARD_GROUP, "kind": "dashboards", "uid": d.k8s_uid}})


def register(router: Router) -> None:
    router.add("GET", "/apis", api_groups)
    router.add("GET", "/apis/:group", api_group)
    router.add("GET", "/apis/:group/:version", api_resources)
    for group, handlers in ((FOLDER_GROUP, (folders_list, folders_create, folders_get, folders_update, folders_delete)),
                            (DASHBOARD_GROUP, (dashboards_list, dashboards_create, dashboards_get, dashboards_update,
                                               dashboards_delete))):
        plural = RESOURCES[group][0]
        base = f"/apis/:group/:version/namespaces/:ns/{plural}"
        lst, create, get, update, delete = handlers
        router.add("GET", base, _only(group, lst))
        router.add("POST", base, _only(group, create), body=True)
        router.add("GET", base + "/:name", _only(group, get))
        router.add("PUT", base + "/:name", _only(group, update), body=True)
        router.add("DELETE", base + "/:name", _only(group, delete))


def _only(group: str, handler: Callable[[Ctx], Response]) -> Callable[[Ctx], Response]:
    """Route ``/apis/<group>/...`` templates to the handler of their group; others are 404."""
    def wrapped(ctx: Ctx) -> Response:
        if ctx.params["group"] != group:
            raise errors.plain(404, "Not found", trace=False)
        return handler(ctx)
    return wrapped
