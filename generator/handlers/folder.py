"""Folders: `{"uid", "title", "parentUid"}`; concurrency token is the folder `version`."""

from __future__ import annotations

from .base import Handler


class FolderHandler(Handler):
    kind = "folder"
    directory = "folders"
    level = 0
    server_fields = frozenset({"id", "version", "url", "created", "updated", "createdBy", "updatedBy",
                               "canAdmin", "canDelete", "canEdit", "canSave", "hasAcl", "orgId",
                               "parents", "managedBy", "accessControl"})
