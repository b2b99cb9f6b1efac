"""Manager annotations (``grafana.app/managedBy`` & co.) and what Grafana enforces for them.

Read in Grafana's source:

* ``GetManagerProperties`` (pkg/apimachinery/utils/meta.go, id 140937308): an
  object is managed only when ``grafana.app/managerId`` is non-empty (or the
  old ``grafana.app/repoName`` is set); the kind is ``ParseManagerKindString``
  of ``grafana.app/managedBy`` -- an unknown kind parses as "" (unknown);
  ``managerAllowsEdits`` is true only for the exact string "true".
* apistore (pkg/storage/unified/apistore/managed.go, id 52573297792) runs
  ``checkManagerPropertiesOnUpdateSpec`` only when the generation moves: changing
  kind or id -> 403 "Cannot change resource manager; remove the existing
  manager first, then add the new one"; removing a ``repo`` manager -> 403
  "Can not remove resource manager from resource"; writing a ``repo``-managed
  object as anyone but the provisioning service -> "this resource is managed
  by a repository" (a plain error: 500 InternalError).  ``terraform``/``kubectl``
  objects are *not* protected by the server even with allowsEdits=false
  (``// TODO: check the kubectl+terraform resource``), nor are ``plugin``,
  ``classic-file-provisioning`` or ``grafana``.
* Grafana 13's legacy ``POST /api/dashboards/db`` refuses any managed
  dashboard whose manager does not allow edits: 400 "Cannot save provisioned
  dashboard" (``saveDashboardViaK8s``, id 54134187646).
* The frontend treats a managed, non-repo object without allowsEdits as read
  only (``managedResourceCannotBeEdited``, id 6972687): the UI-save controls
  refuse it.
"""

from __future__ import annotations

from . import errors

KIND = "grafana.app/managedBy"
ID = "grafana.app/managerId"
ALLOWS_EDITS = "grafana.app/managerAllowsEdits"
SUSPENDED = "grafana.app/managerSuspended"
OLD_REPO = "grafana.app/repoName"


def manager(annotations: dict[str, str], known_kinds: tuple[str, ...]) -> tuple[str, str, bool] | None:
    """(kind, id, allowsEdits) when managed, else None; an unknown kind is returned as ""."""
    ident = annotations.get(ID, "")
    if not ident:
        repo = annotations.get(OLD_REPO, "")
        return ("repo", repo, False) if repo else None
    kind = annotations.get(KIND, "")
    return (kind if kind in known_kinds else "", ident, annotations.get(ALLOWS_EDITS) == "true")


def legacy_save_blocked(annotations: dict[str, str], known_kinds: tuple[str, ...]) -> bool:
    """13's legacy POST: managed and the manager does not allow edits."""
    m = manager(annotations, known_kinds)
    return m is not None and not m[2]


def ui_read_only(annotations: dict[str, str]) -> bool:
    """The frontend's ``managedResourceCannotBeEdited``: a manager kind set, not repo, no allowsEdits."""
    kind = annotations.get(KIND, "")
    return bool(kind) and kind != "repo" and annotations.get(ALLOWS_EDITS) != "true"


def _enforce(annotations: dict[str, str], known_kinds: tuple[str, ...]) -> None:
    kind = annotations.get(KIND, "")
    if kind == "repo" and "repo" in known_kinds:
        raise errors.k8s_status(500, "InternalError", "Internal error occurred: this resource is managed by a repository")


def check_create(annotations: dict[str, str], known_kinds: tuple[str, ...]) -> None:
    _enforce(annotations, known_kinds)


def check_delete(annotations: dict[str, str], known_kinds: tuple[str, ...]) -> None:
    _enforce(annotations, known_kinds)


def check_update(new: dict[str, str], old: dict[str, str], known_kinds: tuple[str, ...]) -> None:
    """``checkManagerPropertiesOnUpdateSpec`` (only called when the generation moves)."""
    m_new, m_old = manager(new, known_kinds), manager(old, known_kinds)
    if m_new is None and m_old is None:
        return
    if m_new is None and m_old is not None:
        try:
            _enforce(old, known_kinds)
        except errors.ApiError:
            raise errors.k8s_status(403, "Forbidden", "Can not remove resource manager from resource") from None
        return
    assert m_new is not None
    if m_old is not None and (m_new[0] != m_old[0] or m_new[1] != m_old[1]):
        raise errors.k8s_status(403, "Forbidden", "Cannot change resource manager; remove the existing manager "
                                "first, then add the new one")
    _enforce(new, known_kinds)
