"""``/api/health``, ``/healthz`` and the ``/api/frontend/settings`` subset grafana-client reads.

Health needs no auth and answers pretty-printed JSON (``apiHealthHandler``).
``/api/frontend/settings`` is read by grafana-client's ``connect()``/``version``;
only its ``buildInfo`` is emulated.
"""

from __future__ import annotations

from ..routing import Ctx, Response, Router


def health(ctx: Ctx) -> Response:
    """``healthResponse``: ``database`` always; ``version``/``commit`` only when
    ``!cfg.Anonymous.HideVersion`` -- for every caller, signed in or not
    (pkg/api/http_server.go ``apiHealthHandler``, id 170964951). Modelled alike for 11.6, 12.x
    and 13.x: the gate is older than all three (``TestHealthAPI_AnonymousHideVersion``, id
    66184859153, expects it of a 7.4 build) and VERSIONS.md records no change to /api/health."""
    emu = ctx.emulator
    body = {"database": "failing" if emu.config.database_failing else "ok"}
    if not emu.config.hide_version:
        body.update(version=emu.config.version, commit=emu.config.commit)
    return Response(503 if emu.config.database_failing else 200, body, pretty=True)


def healthz(ctx: Ctx) -> Response:
    return Response(200, b"Ok", content_type="text/plain; charset=utf-8")


def frontend_settings(ctx: Ctx) -> Response:
    """``buildInfo`` keeps the version for a signed-in caller even with ``hide_version``
    (``hideVersion := cfg.Anonymous.HideVersion && !c.IsSignedIn``, pkg/api/frontendsettings.go,
    id 11398139; modelled alike for 11.6, 12.x and 13.x, as VERSIONS.md records no difference);
    this route needs a signed-in caller here, so the version is always shown."""
    cfg = ctx.emulator.config
    return Response(200, {
        "buildInfo": {
            "version": cfg.version,
            "commit": cfg.commit,
            "edition": "Open Source",
            "env": "production",
            "buildstamp": 0,
            "latestVersion": "",
            "hasUpdate": False,
            "hideVersion": False,
        },
        "appSubUrl": "",
        "unifiedAlertingEnabled": True,
    })


def register(router: Router) -> None:
    router.add("GET", "/api/health", health, auth=False)
    router.add("GET", "/healthz", healthz, auth=False)
    router.add("GET", "/api/frontend/settings", frontend_settings)
