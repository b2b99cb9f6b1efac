"""Keyed, slow fingerprints of secret values: detect a rotation without storing anything guessable.

Why: Grafana never answers with a secret (only `secureJsonFields: {key: true}`), so a
password changed in the environment (`MIMIR_PASSWORD` rotated) looks exactly like the one
gac sent last time, and the sync would never push it. To notice, the sync must remember
*something* about the values it sent, and the only place it can keep it is the object's
stamp -- for a data source `jsonData.gacSync`, which Grafana echoes to every Viewer of the
org, to `gac pull`'s files and to backups.

Threat model. Whoever can read the stamp (any Viewer, anyone with a backup or a pulled
file) must not be able to recover a secret, nor test guesses of it ("is it `Summer2024!`?").
A plain or salted hash fails the second: passwords are low-entropy and a hash is tested at
billions of guesses a second. Even HMAC keyed with something derived from the values
fails: the key is then guessable along with the value. So the fingerprint is

    HMAC-SHA256(pepper, "gac-secret-fingerprint/v1" | salt | scrypt(values, salt))

- `pepper`: a random key of at least 32 characters held only where the sync runs (the
  `GAC_SECRET_PEPPER` environment variable, a CI secret like the passwords themselves).
  Without it a fingerprint cannot be checked at all: a Viewer learns nothing and can test
  nothing offline.
- `salt`: 16 random bytes, new for every write, stored beside the fingerprint: no
  precomputation, and the same password in two data sources or two Grafanas fingerprints
  differently (nobody learns that two secrets are equal).
- scrypt (N=2^14, r=8, p=1: 16 MiB, ~0.1 s): if the pepper leaks too, each guess still
  costs a memory-hard computation.

Without a pepper nothing is stored and rotation is not detected; the sync says so and
offers `gac sync --rotate-secrets [UID...]`, which re-sends the configured secrets.
Anything with write-only secrets (data sources, notification contact points) uses the same
calls: `Fingerprinter.make` when writing (storing `Fingerprint.to_json()` in its own stamp)
and `values_state` when comparing, so every kind names a rotation in the same words.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import ConfigError

#: environment variable holding the pepper; unset = rotation is not detected
PEPPER_ENV = "GAC_SECRET_PEPPER"
MIN_PEPPER_CHARS = 32
_VERSION = 1
_DOMAIN = b"gac-secret-fingerprint/v1\x00"
_SALT_BYTES = 16
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2 ** 14, 8, 1


@dataclass(frozen=True)
class Fingerprint:
    """What a stamp stores: the salt and the keyed digest (both useless without the pepper)."""

    salt: str
    digest: str

    def to_json(self) -> dict[str, Any]:
        return {"v": _VERSION, "salt": self.salt, "fp": self.digest}

    @classmethod
    def from_json(cls, value: Any) -> "Fingerprint | None":
        """The stored fingerprint, or None when absent or of a shape (version) this gac cannot check."""
        if not isinstance(value, dict) or value.get("v") != _VERSION:
            return None
        salt, digest = value.get("salt"), value.get("fp")
        if not isinstance(salt, str) or not isinstance(digest, str):
            return None
        return cls(salt, digest)


class Fingerprinter:
    """Fingerprints secret values with the pepper; the pepper never leaves this object."""

    def __init__(self, pepper: str) -> None:
        if len(pepper) < MIN_PEPPER_CHARS:
            raise ConfigError(f"{PEPPER_ENV} must hold at least {MIN_PEPPER_CHARS} characters of a random key "
                              "(e.g. `openssl rand -base64 32`); unset it to go without rotation detection")
        self._pepper = pepper.encode("utf-8")

    def __repr__(self) -> str:
        return "Fingerprinter(<pepper hidden>)"

    def make(self, values: Mapping[str, str], salt: str | None = None) -> Fingerprint:
        """The fingerprint of a set of secret values (key → value), with a fresh salt unless given."""
        salt = salt if salt is not None else base64.urlsafe_b64encode(secrets.token_bytes(_SALT_BYTES)).decode()
        salt_bytes = salt.encode("ascii")
        material = json.dumps(sorted(values.items()), ensure_ascii=False).encode("utf-8")
        slow = hashlib.scrypt(material, salt=salt_bytes, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32,
                              maxmem=64 * 1024 * 1024)
        digest = hmac.new(self._pepper, _DOMAIN + salt_bytes + b"\x00" + slow, hashlib.sha256).hexdigest()
        return Fingerprint(salt, digest)

    def matches(self, values: Mapping[str, str], stored: Fingerprint) -> bool:
        """Were these the values fingerprinted as `stored`? (False for a fingerprint made with another pepper.)"""
        try:
            again = self.make(values, stored.salt)
        except (UnicodeEncodeError, ValueError):
            return False
        return hmac.compare_digest(again.digest, stored.digest)


#: how the comparison forms name the state of the secret values (never the values)
SECRETS_CURRENT = "as configured in the environment"
SECRETS_STALE = "rotated in the environment since the last sync"
SECRETS_UNKNOWN = "not fingerprinted yet (written without GAC_SECRET_PEPPER)"


def values_state(fingerprinter: Fingerprinter | None, values: Mapping[str, str], wanted: list[str],
                 stored: Any) -> str | None:
    """Whether Grafana holds the values the environment configures now, as far as a stamp's
    fingerprint (`stored`, its JSON) tells; None when it cannot tell (no pepper, or a
    configured value unset). A stamp without a fingerprint (written before the pepper was set)
    is "not known to be current": the first sync with the pepper re-sends once."""
    if fingerprinter is None or sorted(values) != sorted(wanted):
        return None
    fingerprint = Fingerprint.from_json(stored)
    if fingerprint is None:
        return SECRETS_UNKNOWN
    return SECRETS_CURRENT if fingerprinter.matches(values, fingerprint) else SECRETS_STALE


def fingerprinter_from(environ: Mapping[str, str]) -> Fingerprinter | None:
    """The run's fingerprinter, or None when no pepper is configured (rotation then goes undetected)."""
    pepper = environ.get(PEPPER_ENV) or ""
    return Fingerprinter(pepper) if pepper else None
