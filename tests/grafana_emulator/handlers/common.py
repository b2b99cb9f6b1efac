"""Small helpers shared by the handler modules (URLs, uid checks, body access)."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..state import MAX_UID_LENGTH, UID_PATTERN, Folder, OrgState, slugify


def body_object(body: Any) -> dict[str, Any]:
    """The decoded body as a dict; Go decodes an empty body or ``null`` into a zero struct."""
    return body if isinstance(body, dict) else {}


def get_str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def get_bool(obj: dict[str, Any], key: str) -> bool:
    return obj.get(key) is True


def get_int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    return 0


def check_uid(uid: str) -> None:
    """Dashboard/folder uid rules (``ValidateDashboardBeforeSave``): charset, then length."""
    if not UID_PATTERN.match(uid):
        raise errors.plain(400, "uid contains illegal characters")
    if len(uid) > MAX_UID_LENGTH:
        raise errors.plain(400, "uid too long, max 40 characters")


def folder_url(folder: Folder) -> str:
    return f"/dashboards/f/{folder.uid}/{slugify(folder.title)}"


def dashboard_url(uid: str, title: str) -> str:
    return f"/d/{uid}/{slugify(title)}"


def folder_title(org: OrgState, folder_uid: str) -> str:
    folder = org.folders.get(folder_uid) if folder_uid else None
    return folder.title if folder else "General"
