"""The one type that travels every stage: a Grafana object as its HTTP API takes it.

Definitions become `Resource`s; the linter, the writer, plan, sync and drift all speak this
type, so kind-specific knowledge stays in `generator.handlers`.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FOLDER = "folder"
DATASOURCE = "datasource"
DASHBOARD = "dashboard"
ALERT_RULE_GROUP = "alert-rule-group"
CONTACT_POINT = "contact-point"
NOTIFICATION_TEMPLATE = "notification-template"
MUTE_TIMING = "mute-timing"
NOTIFICATION_POLICY_TREE = "notification-policy-tree"
#: the root folder's uid ("General"), which is no folder: Grafana's GeneralFolderUID
GENERAL_FOLDER = "general"


@dataclass(frozen=True, order=True)
class Source:
    """Where an object was defined: shown in every error and finding about it."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Resource:
    """A Grafana object: kind, uid, folder, the API body, and where it came from.

    For an alert rule group the uid is the group's title; groups are unique per folder,
    so `key` includes the folder uid.
    """

    kind: str
    uid: str
    body: dict[str, Any]
    folder_uid: str | None = None
    source: Source | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.folder_uid or "", self.uid)

    @property
    def title(self) -> str:
        return str(self.body.get("title") or self.body.get("name") or self.uid)

    def describe(self) -> str:
        return f"{self.kind} {self.uid!r}"


def display_name(kind: str, uid: str, title: str | None = None, folder: str | None = None) -> str:
    """How every report names an object: `dashboard otel-apm 'APM' in otel-apps`."""
    text = f"{kind} {uid}"
    if title and title != uid:
        text += f" {title!r}"
    if folder:
        text += f" in {folder}"
    return text


_OWN_DIR = Path(__file__).resolve().parent


def caller_source() -> Source | None:
    """The first stack frame outside this package and outside installed libraries.

    Builders call this when constructed, so a definition object remembers the line of the
    user's module that created it, which is what an error message should point at. It runs
    for every panel, so it walks `sys._getframe()` (cheap) rather than `inspect.stack()`,
    which reads the source lines of every frame; each file's verdict is cached.
    """
    cwd = os.getcwd()  # once per call, not once per frame: it runs for every panel and target
    frame = sys._getframe(1)
    while frame is not None:
        shown = _user_file_cached(frame.f_code.co_filename, cwd)
        if shown is not None:
            return Source(shown, frame.f_lineno)
        frame = frame.f_back  # type: ignore[assignment]
    return None


@functools.lru_cache(maxsize=None)
def _user_file_cached(filename: str, cwd: str) -> str | None:
    """`filename` relative to `cwd`, or None for our code, libraries and `<string>`.

    Cached per working directory, because the relative path depends on it.
    """
    if filename.startswith("<"):
        return None
    path = Path(filename).resolve()
    if path.is_relative_to(_OWN_DIR) or "site-packages" in path.parts:
        return None
    try:
        return os.path.relpath(path, cwd)
    except ValueError:
        return str(path)
