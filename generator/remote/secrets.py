"""Data-source secrets: names from grafana.yaml, values from environment variables, late.

grafana.yaml maps each secureJsonData key to the NAME of an environment variable. The
presence of every variable is checked in preflight (so a missing one stops the run before
the first write, naming the variable); the values are read only when a write body is
built, handed to the redactor, and never stored in a Resource, a plan, a report, a log or
a backup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..config_schema import is_env_name
from ..errors import ConfigError
from ..handlers import HANDLERS
from ..resource import Resource
from ..sync.errors import MissingSecrets
from .connection import Redactor


@dataclass(frozen=True)
class SecretRef:
    uid: str
    key: str
    variable: str


def required_secrets(resources: list[Resource], environment: dict[str, Any]) -> list[SecretRef]:
    """Every secret the resources need in this environment, in a stable order.

    Secrets are looked up by uid (and `--rotate-secrets` names uids), while uids are unique
    only per kind: a data source and a contact point sharing a uid would mix their secrets,
    so that is refused."""
    refs = []
    owner: dict[str, Resource] = {}
    for resource in resources:
        needed = HANDLERS[resource.kind].secrets_needed(resource, environment)
        other = owner.setdefault(resource.uid, resource) if needed else resource
        if other is not resource:
            raise ConfigError(f"{other.kind} {resource.uid!r} ({other.source}) and {resource.kind} {resource.uid!r} "
                              f"({resource.source}) both carry secrets under one uid; secrets are found by uid, "
                              "so rename one of them")
        refs += [SecretRef(resource.uid, key, variable) for key, variable in needed.items()]
    return sorted(refs, key=lambda r: (r.uid, r.key))


def missing_secrets(refs: list[SecretRef], environ: Mapping[str, str]) -> list[SecretRef]:
    return [ref for ref in refs if not environ.get(ref.variable)]


def variable_text(ref: SecretRef) -> str:
    """The variable's name as a message may show it: grafana.yaml's schema lets only names
    through, but whatever reaches here without it (a secret pasted as the name) is not echoed."""
    return ref.variable if is_env_name(ref.variable) else f"(the variable named for {ref.uid!r} {ref.key}: not a NAME)"


def padded_secrets(refs: list[SecretRef], environ: Mapping[str, str]) -> list[SecretRef]:
    """Secrets whose value starts or ends with whitespace: a newline from a secret file or a
    `kubectl get secret` output, a space from a copy. Grafana stores and sends the value as it
    is, and the integration's or data source's authentication then fails where nothing shows it."""
    return [ref for ref in refs if (value := environ.get(ref.variable)) and value != value.strip()]


def check_secrets(refs: list[SecretRef], environ: Mapping[str, str], env_name: str) -> None:
    """Raise MissingSecrets naming every unset variable, or every value padded with whitespace
    (never a value)."""
    missing = missing_secrets(refs, environ)
    if missing:
        names = ", ".join(f"{variable_text(ref)} ({ref.uid!r}, {ref.key})" for ref in missing)
        raise MissingSecrets(f"environment {env_name!r} needs secrets that are not set: {names}. Export them "
                             "before syncing; nothing was written")
    padded = padded_secrets(refs, environ)
    if padded:
        names = ", ".join(f"{variable_text(ref)} ({ref.uid!r}, {ref.key})" for ref in padded)
        raise MissingSecrets(f"environment {env_name!r}: the value of {names} starts or ends with whitespace (a "
                             "newline from a file, a space from a copy), which Grafana would store and send as it "
                             "is. Export it without the whitespace; "
                             "nothing was written")


class SecretSource:
    """Secret values per data source uid, read from the environment when a write needs them."""

    def __init__(self, refs: list[SecretRef], environ: Mapping[str, str], redactor: Redactor) -> None:
        self._refs = refs
        self._environ = environ
        self._redactor = redactor
        # known from the start, so no message built before a write can carry one either
        redactor.add(*(environ.get(ref.variable) for ref in refs))

    def keys(self, uid: str) -> list[str]:
        return sorted(ref.key for ref in self._refs if ref.uid == uid)

    def values(self, uid: str) -> dict[str, str]:
        out = {}
        for ref in self._refs:
            if ref.uid == uid and self._environ.get(ref.variable):
                value = self._environ[ref.variable]
                self._redactor.add(value)
                out[ref.key] = value
        return out
