"""Errors that stop a sync before (or instead of) writing, with DESIGN.md's exit codes.

Messages name what to fix (a variable, a setting) and never carry a token, a password or
a secret value: `connection.Redactor` scrubs anything built from Grafana's answers.
"""

from __future__ import annotations

from ..errors import GacError


class SyncError(GacError):
    """Usage, connection or configuration problem: exit 2."""

    exit_code = 2


class AuthError(SyncError):
    """Grafana refused the credentials (401) or the identity lacks permissions (403)."""


class ConnectionFailed(SyncError):
    """Grafana could not be reached (after retries) or is unhealthy."""


class Throttled(ConnectionFailed):
    """Grafana asked (429, Retry-After) for a longer wait than --max-retry-after allows. Nothing is
    wrong with what was written before it: a sync that wrote something reports a partial
    application (exit 1) that a later re-run continues."""


class MissingSecrets(SyncError):
    """A data-source secret's environment variable is unset: found before any write."""


class LintBlocked(GacError):
    """generated/ has lint errors: nothing is written (exit 2, as every stop before the first write)."""

    exit_code = 2


class ThresholdUnsupported(GacError):
    """Grafana 11 would refuse a rule group of the plan: a threshold type it lacks
    (sync/rule_thresholds.py). Nothing is written (exit 2, as every stop before the first write)."""

    exit_code = 2


class TitleClashBlocked(GacError):
    """Grafana 11 would refuse a rule group of the plan: two alert rules of a folder with one title
    (sync/rule_titles.py). Nothing is written (exit 2, as every stop before the first write)."""

    exit_code = 2
