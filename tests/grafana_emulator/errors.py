"""Grafana's three error body shapes, as one exception type.

Grafana answers errors in three JSON shapes depending on the code path
(API.md section 1).  A client that parses errors must cope with all three, so
the emulator reproduces each exactly instead of inventing one uniform shape:

1. plain message (``response.Error``): ``{"message": ...}`` plus ``"traceID"``
   when a Go error is attached.  The emulator behaves like Grafana in its
   default ``production`` app_mode, so no ``"error"`` key -- except for
   OpenAPI schema violations, where the detail is put under ``"error"`` (the
   key Grafana itself uses for the underlying error in development mode) so
   that ``message`` stays exactly Grafana's ``"bad request data"``.
2. status + message (dashboards/folders): ``{"status": ..., "message": ...}``.
3. errutil public error: ``{"statusCode", "messageId", "message", "extra"?,
   "traceID"}``.

An empty-body error (provisioning ``GET /alert-rules/:uid`` answers 404 with
no body) is ``ApiError(status, None)``.
"""

from __future__ import annotations

import random
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """An HTTP error answer: status, JSON body (or None for an empty body), extra headers."""

    def __init__(self, status: int, body: JSON | None, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


_DEFAULT_MESSAGES = {404: "Not Found", 500: "Internal Server Error"}


def plain(status: int, message: str = "", *, trace: bool = True, error: str | None = None) -> ApiError:
    """Shape 1, ``response.Error(status, msg, err)``; ``trace`` = a Go error was attached."""
    body: JSON = {"message": message or _DEFAULT_MESSAGES.get(status, "")}
    if error is not None:
        body["error"] = error
    if trace:
        body["traceID"] = ""
    return ApiError(status, body)


def status_message(status: int, code: str, message: str) -> ApiError:
    """Shape 2, ``DashboardErr.Body``: ``{"status": code, "message": text}``, no traceID."""
    return ApiError(status, {"status": code, "message": message})


def public(status: int, message_id: str, message: str = "", extra: JSON | None = None) -> ApiError:
    """Shape 3, errutil ``PublicError``; message/extra omitted when empty."""
    body: JSON = {"statusCode": status, "messageId": message_id}
    if message:
        body["message"] = message
    if extra:
        body["extra"] = extra
    body["traceID"] = ""
    return ApiError(status, body)


def empty(status: int) -> ApiError:
    """A status with an empty body (``response.Empty``)."""
    return ApiError(status, None)


def rbac_denied(action: str) -> ApiError:
    """403 from the RBAC middleware (``accesscontrol/middleware.go`` ``deny``; ids 1264051151, 449153623).

    ``action`` may be ``a|b``: an ``EvalAny`` evaluator, printed "any of a, b".
    """
    parts = action.split("|")
    action = parts[0] if len(parts) == 1 else "any of " + ", ".join(parts)
    ace = "ACE" + "".join(random.choice("0123456789") for _ in range(10))
    return ApiError(
        403,
        {
            "title": "Access denied",
            "message": "You'll need additional permissions to perform this action. "
            f"Permissions needed: {action}",
            "accessErrorId": ace,
        },
    )


def k8s_status(code: int, reason: str, message: str, details: JSON | None = None) -> ApiError:
    """A Kubernetes ``metav1.Status`` failure, the error body of every ``/apis`` endpoint."""
    body: JSON = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return ApiError(code, body)


def bad_request_data(detail: str | None = None) -> ApiError:
    """400 for a body Grafana's JSON binding rejects (``web.Bind`` failed)."""
    return plain(400, "bad request data", error=detail)
