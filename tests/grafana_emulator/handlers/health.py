"""``/api/health``, ``/healthz`` and the ``/api/frontend/settings`` subset grafana-client reads.

Health needs no auth and answers pretty-printed JSON (``apiHealthHandler``).
``/api/frontend/settings`` is read by grafana-client's ``connect()``/``version``;
only its ``buildInfo`` is emulated.
"""

from __future__ import annotations

from ..routing import Ctx, Response, Router


def health(ctx: Ctx) -> Response:
    emu = ctx.emulator
    if emu.config.database_failing:
        body = {"database": "failing", "version": emu.config.version, "commit": emu.config.commit}
        return Response(503, body, pretty=True)
    return Response(200, {"commit": emu.config.commit, "database": "ok", "version": emu.config.version}, pretty=True)


def healthz(ctx: Ctx) -> Response:
    return Response(200, b"Ok", content_type="text/plain; charset=utf-8")


def frontend_settings(ctx: Ctx) -> Response:
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
