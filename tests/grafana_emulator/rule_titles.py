"""Grafana 11's unique index on alert rule titles: one title per organisation and folder.

Grafana 11's ``alert_rule`` table carries the unique index ``titleUniqueIndex`` on
(org_id, namespace_uid, title) (pkg/services/sqlstore/migrations/ualert/tables.go, id 338449342).
``DropTitleUniqueIndexMigration`` ("remove title in folder unique index", same file) drops it;
pkg/services/sqlstore/migrations/migrations.go registers it (id 165894016, commit d52b225c), from
PR grafana#102067 "Alerting: Remove constraints for uniqueness of rule title", listed in the
12.0.0 release notes (id 55218199402). So 12.x and 13.x accept two rules with one title in a
folder; the profile switch is ``VersionProfile.unique_rule_titles``.

How an 11.x save meets the index (pkg/services/ngalert/store/alert_rule.go, id 528951525):

* ``InsertAlertRules`` inserts the rules one by one in one transaction; ``UpdateAlertRules``
  updates them one by one, after ``preventIntermediateUniqueConstraintViolations`` gave every
  title-changing rule a temporary unique title when the new titles overlap the old ones (so a
  swap of titles inside one save succeeds: only the final state of the save counts against the
  other rules, and the rules already written by it).
* A violation becomes ``ErrAlertRuleConflictVerbose(existing, rule,
  ErrAlertRuleUniqueConstraintViolation)`` (``ruleConstraintViolationToErr``): the errutil
  ``alerting.alert-rule.conflict`` message "alert rule [rule_uid: .., title: .., namespace_uid: ..]
  conflicts with existing [rule_uid: <uid of the row with that title>, title: <the new rule's
  title>, namespace_uid: ..]: a conflicting alert rule is found: rule title under the same
  organisation and folder should be unique" (pkg/services/ngalert/models/errors.go, id 738204864;
  the sentinel's text: models/alert_rule.go, ids 34865693, 46626045). ``Error()`` prefixes the
  message id in brackets (errutil, id 43749350). The uid shown for an inserted rule is the one the
  request gave ("" when Grafana generates it: the store reports the rule it was handed).
* The provisioning service wraps the group save's errors: "failed to update alert rules: %w" and
  "failed to insert alert rules: %w" (``persistDelta``, pkg/services/ngalert/provisioning/
  alert_rules.go, id 1285484523); deletes run first. Single-rule POST/PUT return the store error
  as it is.
* The API maps ``errors.Is(err, ErrAlertRuleUniqueConstraintViolation)`` to 400 through
  ``ErrResp`` (``RoutePostAlertRule``, ``RoutePutAlertRule``, ``RoutePutAlertRuleGroup``,
  pkg/services/ngalert/api/api_provisioning.go, id 22565327): ``{"message": err.Error()}``.

Case: the same store code notes that "some supported databases perform case-insensitive
comparisons" (MySQL's default collation); whether two titles that differ only in case collide
depends on the database, so the harsher case is modelled: they do.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import errors
from .state import AlertRule, OrgState

UNIQUE_VIOLATION = ("a conflicting alert rule is found: rule title under the same organisation and folder "
                    "should be unique")


def title_key(title: str) -> str:
    """How the index compares titles (the harsher, case-insensitive database: see the module docstring)."""
    return title.lower()


def conflict_message(uid: str, title: str, folder_uid: str, existing_uid: str) -> str:
    """``err.Error()`` of ``ErrAlertRuleConflictVerbose`` for a title violation (errors.go, id 738204864)."""
    return (f"[alerting.alert-rule.conflict] alert rule [rule_uid: '{uid}', title: '{title}', namespace_uid: "
            f"'{folder_uid}'] conflicts with existing [rule_uid: '{existing_uid}', title: '{title}', "
            f"namespace_uid: '{folder_uid}']: {UNIQUE_VIOLATION}")


@dataclass
class _Row:
    id: int
    folder_uid: str
    key: str | None  # None: a temporary title, unique by construction


class TitleIndex:
    """The org's rows of the unique index, changed as one save changes them, without touching the store.

    A save runs its steps here first; only when none is refused does the handler write, so a
    refused save leaves nothing behind (Grafana's transaction is rolled back).
    """

    def __init__(self, org: OrgState) -> None:
        self._rows = {uid: _Row(r.id, r.folder_uid, title_key(str(r.body.get("title", ""))))
                      for uid, r in org.rules.items()}

    def delete(self, uid: str) -> None:
        self._rows.pop(uid, None)

    def _holder(self, uid: str, folder_uid: str, key: str) -> str | None:
        """The uid of another row with this folder and title (the lowest id, as a plain SELECT finds it)."""
        others = [(row.id, other) for other, row in self._rows.items()
                  if other != uid and row.folder_uid == folder_uid and row.key == key]
        return min(others)[1] if others else None

    def write(self, uid: str, shown_uid: str, row_id: int, folder_uid: str, title: str) -> str | None:
        """Insert or update one row; the conflict message when the index refuses it (nothing changed then)."""
        key = title_key(title)
        holder = self._holder(uid, folder_uid, key)
        if holder is not None:
            return conflict_message(shown_uid, title, folder_uid, holder)
        self._rows[uid] = _Row(row_id, folder_uid, key)
        return None

    def update_all(self, updates: list[tuple[AlertRule, str, str]]) -> str | None:
        """``UpdateAlertRules``: (stored rule, new folder, new title) in order; the first refusal's message."""
        changing = [(rule, title) for rule, _folder, title in updates if str(rule.body.get("title", "")) != title]
        old = {title_key(str(rule.body.get("title", ""))) for rule, _title in changing}
        if any(title_key(title) in old for _rule, title in changing):  # preventIntermediateUniqueConstraintViolations
            for rule, _title in changing:
                self._rows[rule.uid] = _Row(rule.id, self._rows[rule.uid].folder_uid, None)
        for rule, folder_uid, title in updates:
            refused = self.write(rule.uid, rule.uid, rule.id, folder_uid, title)
            if refused is not None:
                return refused
        return None


def refused(message: str) -> errors.ApiError:
    """The 400 the provisioning API answers for a title violation (``ErrResp``: shape 1, the Go error text)."""
    return errors.plain(400, message)
