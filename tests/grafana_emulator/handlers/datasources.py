"""``/api/datasources`` (API.md section 6).

Settled from source while writing this (``pkg/services/datasources/models.go``,
``pkg/web/binding.go``): ``AddDataSourceCommand`` has ``type`` and ``access``
tagged ``binding:"Required"``; ``UpdateDataSourceCommand`` has ``name``,
``type`` and ``access``.  ``web.Bind`` rejects an empty required field, which
the handler answers with 400 ``{"message": "bad request data"}``.  That
resolves API.md's "required fields on PUT [UNCONFIRMED]".

Still [derived] as in API.md: on PUT, empty strings other than ``user`` are
not written (xorm skips zero values), so an omitted ``url``/``database``/
``basicAuthUser`` keeps its stored value, while ``user``, the booleans and
``jsonData`` (null -> ``{}``) are always written.  The version rule is the
SQL store's: new version = request ``version`` + 1; 0/omitted skips the check
(and so the version can go backwards to 1); a request version below the
stored one -> 409.

Data sources are Admin-only (``datasources:*`` is not in the Viewer/Editor
basic roles).  Read-only (provisioned) data sources are seeded through the
emulator controls (``provision_datasource``).
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlsplit

from .. import errors
from ..routing import Ctx, Response, Router
from ..state import DataSource, OrgState, generate_uid
from .common import body_object, get_bool, get_int, get_str

TYPE_NAMES = {
    "prometheus": "Prometheus", "loki": "Loki", "tempo": "Tempo", "elasticsearch": "Elasticsearch",
    "graphite": "Graphite", "influxdb": "InfluxDB", "mysql": "MySQL", "postgres": "PostgreSQL",
    "alertmanager": "Alertmanager", "jaeger": "Jaeger", "zipkin": "Zipkin", "testdata": "TestData",
}
MAX_NAME = 190
MAX_URL = 255


def not_found() -> errors.ApiError:
    return errors.plain(404, "Data source not found")


def _logo(ds_type: str) -> str:
    if ds_type in TYPE_NAMES:
        return f"public/app/plugins/datasource/{ds_type}/img/{ds_type}_logo.svg"
    return ""


def full_dto(ctx: Ctx, ds: DataSource) -> dict[str, Any]:
    dto: dict[str, Any] = {
        "id": ds.id, "uid": ds.uid, "orgId": ctx.org.id, "name": ds.name, "type": ds.type,
        "typeLogoUrl": _logo(ds.type), "access": ds.access, "url": ds.url, "user": ds.user,
        "database": ds.database, "basicAuth": ds.basic_auth, "basicAuthUser": ds.basic_auth_user,
        "withCredentials": ds.with_credentials, "isDefault": ds.is_default, "jsonData": ds.json_data,
        "secureJsonFields": {k: True for k, v in sorted(ds.secure_json_data.items()) if v},
        "version": ds.version, "readOnly": ds.read_only,
    }
    if ds.api_version:
        dto["apiVersion"] = ds.api_version
    if ctx.q_bool("accesscontrol"):
        dto["accessControl"] = {}
    return dto


def list_item(ctx: Ctx, ds: DataSource) -> dict[str, Any]:
    return {
        "id": ds.id, "uid": ds.uid, "orgId": ctx.org.id, "name": ds.name, "type": ds.type,
        "typeName": TYPE_NAMES.get(ds.type, ds.type), "typeLogoUrl": _logo(ds.type), "access": ds.access,
        "url": ds.url, "user": ds.user, "database": ds.database, "basicAuth": ds.basic_auth,
        "isDefault": ds.is_default, "jsonData": ds.json_data, "readOnly": ds.read_only,
    }


def list_datasources(ctx: Ctx) -> Response:
    items = sorted(ctx.org.datasources.values(), key=lambda d: d.name)
    return Response(200, [list_item(ctx, d) for d in items])


def _by_uid(org: OrgState, uid: str) -> DataSource:
    ds = org.datasources.get(uid)
    if ds is None:
        raise not_found()
    return ds


def _by_name(org: OrgState, name: str) -> DataSource:
    ds = next((d for d in org.datasources.values() if d.name == name), None)
    if ds is None:
        raise not_found()
    return ds


def _by_id(org: OrgState, raw: str) -> DataSource:
    try:
        ds_id = int(raw)
    except ValueError:
        raise errors.plain(400, "id is invalid") from None
    ds = next((d for d in org.datasources.values() if d.id == ds_id), None)
    if ds is None:
        raise not_found()
    return ds


def _validate_common(cmd: dict[str, Any], required: tuple[str, ...]) -> None:
    for key in required:
        if not get_str(cmd, key):
            raise errors.bad_request_data(f"required value {key[0].upper() + key[1:]} must not be empty")
    url = get_str(cmd, "url")
    if len(get_str(cmd, "name")) > MAX_NAME:
        raise errors.public(400, "datasource.nameInvalid", "Invalid datasource name.")
    if len(url) > MAX_URL:
        raise errors.public(400, "datasource.urlInvalid", "Invalid datasource url.")
    if url:
        candidate = url if "://" in url else "http://" + url
        try:
            parts = urlsplit(candidate)
            _ = parts.port
            if any(ch.isspace() or ord(ch) < 32 for ch in url):
                raise ValueError(url)
        except ValueError:
            raise errors.plain(400, "Validation error, invalid URL") from None


def _secure(cmd: dict[str, Any]) -> dict[str, str]:
    raw = cmd.get("secureJsonData")
    return {k: v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}


def _set_default(org: OrgState, ds: DataSource) -> None:
    if ds.is_default:
        for other in org.datasources.values():
            if other is not ds:
                other.is_default = False


def add_datasource(ctx: Ctx) -> Response:
    org = ctx.org
    cmd = body_object(ctx.body)
    _validate_common(cmd, ("type", "access"))
    ds_type = get_str(cmd, "type")
    name = get_str(cmd, "name")
    names = {d.name for d in org.datasources.values()}
    if not name:
        name, n = ds_type, 0
        while name in names:
            n += 1
            name = f"{ds_type}-{n}"
    if name in names:
        raise errors.plain(409, "data source with the same name already exists")
    uid = get_str(cmd, "uid")
    if uid and uid in org.datasources:
        raise errors.plain(409, "data source with the same uid already exists")
    json_data = cmd.get("jsonData")
    ds = DataSource(
        id=ctx.emulator.store.next_id("datasource"),
        uid=uid or generate_uid(),
        name=name,
        type=ds_type,
        access=get_str(cmd, "access"),
        url=get_str(cmd, "url"),
        user=get_str(cmd, "user"),
        database=get_str(cmd, "database"),
        basic_auth=get_bool(cmd, "basicAuth"),
        basic_auth_user=get_str(cmd, "basicAuthUser"),
        with_credentials=get_bool(cmd, "withCredentials"),
        is_default=get_bool(cmd, "isDefault") or not org.datasources,
        json_data=json_data if isinstance(json_data, dict) else {},
        secure_json_data=_secure(cmd),
        version=1,
        api_version=get_str(cmd, "apiVersion"),
    )
    org.datasources[ds.uid] = ds
    _set_default(org, ds)
    return Response(200, {"message": "Datasource added", "id": ds.id, "name": ds.name, "datasource": full_dto(ctx, ds)})


def _update(ctx: Ctx, lookup: Callable[[], DataSource]) -> Response:
    """Bind (required fields) and URL checks first, then the lookup, then read-only -- Grafana's order."""
    org = ctx.org
    cmd = body_object(ctx.body)
    _validate_common(cmd, ("name", "type", "access"))
    ds = lookup()
    if ds.read_only:
        raise errors.plain(403, "Cannot update read-only data source")
    name = get_str(cmd, "name")
    if any(d.name == name and d is not ds for d in org.datasources.values()):
        raise errors.plain(409, "Failed to update datasource: data source with the same name already exists")
    new_uid = get_str(cmd, "uid")
    if new_uid and new_uid != ds.uid and new_uid in org.datasources:
        raise errors.plain(409, "Failed to update datasource: data source with the same uid already exists")
    req_version = get_int(cmd, "version")
    if req_version and req_version < ds.version:
        raise errors.plain(409, "Datasource has already been updated by someone else. Please reload and try again")

    ds.name = name
    ds.type = get_str(cmd, "type")
    ds.access = get_str(cmd, "access")
    for attr, key in (("url", "url"), ("database", "database"), ("basic_auth_user", "basicAuthUser"),
                      ("api_version", "apiVersion")):
        if get_str(cmd, key):  # xorm does not write empty strings
            setattr(ds, attr, get_str(cmd, key))
    ds.user = get_str(cmd, "user")
    ds.basic_auth = get_bool(cmd, "basicAuth")
    ds.with_credentials = get_bool(cmd, "withCredentials")
    ds.is_default = get_bool(cmd, "isDefault")
    json_data = cmd.get("jsonData")
    ds.json_data = json_data if isinstance(json_data, dict) else {}
    ds.secure_json_data.update(_secure(cmd))
    ds.version = req_version + 1
    if new_uid and new_uid != ds.uid:
        del org.datasources[ds.uid]
        ds.uid = new_uid
        org.datasources[ds.uid] = ds
    _set_default(org, ds)
    return Response(200, {"message": "Datasource updated", "id": ds.id, "name": ds.name, "datasource": full_dto(ctx, ds)})


def _delete(ctx: Ctx, ds: DataSource, with_id: bool = True) -> Response:
    if ds.read_only:
        raise errors.plain(403, "Cannot delete read-only data source")
    del ctx.org.datasources[ds.uid]
    body: dict[str, Any] = {"message": "Data source deleted"}
    if with_id:
        body["id"] = ds.id
    return Response(200, body)


def register(router: Router) -> None:
    router.add("GET", "/api/datasources", list_datasources, "datasources:read")
    router.add("POST", "/api/datasources", add_datasource, "datasources:create", body=True)
    router.add("GET", "/api/datasources/uid/:uid", lambda c: Response(200, full_dto(c, _by_uid(c.org, c.params["uid"]))), "datasources:read")
    router.add("PUT", "/api/datasources/uid/:uid", lambda c: _update(c, lambda: _by_uid(c.org, c.params["uid"])), "datasources:write", body=True)
    router.add("DELETE", "/api/datasources/uid/:uid", lambda c: _delete(c, _by_uid(c.org, c.params["uid"])), "datasources:delete")
    router.add("GET", "/api/datasources/name/:name", lambda c: Response(200, full_dto(c, _by_name(c.org, c.params["name"]))), "datasources:read")
    router.add("DELETE", "/api/datasources/name/:name", lambda c: _delete(c, _by_name(c.org, c.params["name"])), "datasources:delete")
    router.add("GET", "/api/datasources/id/:name", lambda c: Response(200, {"id": _by_name(c.org, c.params["name"]).id}), "datasources:read")
    router.add("GET", "/api/datasources/:id", lambda c: Response(200, full_dto(c, _by_id(c.org, c.params["id"]))), "datasources:read")
    router.add("PUT", "/api/datasources/:id", lambda c: _update(c, lambda: _by_id(c.org, c.params["id"])), "datasources:write", body=True)
    router.add("DELETE", "/api/datasources/:id", lambda c: _delete(c, _by_id(c.org, c.params["id"]), with_id=False), "datasources:delete")
