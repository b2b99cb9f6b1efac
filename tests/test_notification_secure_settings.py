"""gac's list of the settings Grafana keeps secret, per integration type, and the emulator's list
are written apart (the emulator imports nothing from generator/: it follows Grafana, not our
client), from the same Grafana sources; they must agree. And the emulator answers a secure
setting inside a settings object redacted at its path, as Grafana does."""

from __future__ import annotations

import pytest

from generator.builders.notifications import SECURE_SETTINGS
from tests.grafana_emulator import GrafanaEmulator
from tests.grafana_emulator.handlers.notifications import REDACTED, SECURE_KEYS
from tests.grafana_emulator.testing import emulator_only

BASE = "/api/v1/provisioning"


def test_gac_and_the_emulator_know_the_same_types_and_secure_settings() -> None:
    assert {t: sorted(keys) for t, keys in SECURE_SETTINGS.items()} == \
        {t: sorted(keys) for t, keys in SECURE_KEYS.items()}


@emulator_only
@pytest.mark.parametrize("cp_type, settings, secret_paths", [
    ("opsgenie", {"apiKey": "k", "apiUrl": "https://api.opsgenie.com/v2/alerts"}, [("apiKey",)]),
    ("webhook", {"url": "https://h.example.com", "tlsConfig": {"insecureSkipVerify": True, "clientKey": "k"},
                 "hmacConfig": {"secret": "s", "header": "X-Sig"}},
     [("tlsConfig", "clientKey"), ("hmacConfig", "secret")]),
    ("LINE", {"token": "t"}, [("token",)]),
    ("line", {"token": "t"}, [("token",)]),  # Grafana looks a type up without regard to case
])
def test_the_emulator_redacts_secure_settings_at_their_path(grafana_emulator: GrafanaEmulator, cp_type: str,
                                                            settings: dict, secret_paths: list) -> None:
    api = grafana_emulator.client()
    r = api.post(f"{BASE}/contact-points", json={"uid": "cp", "name": "cp", "type": cp_type, "settings": settings})
    assert r.status_code == 202, r.text
    [got] = [c for c in api.get(f"{BASE}/contact-points").json() if c["uid"] == "cp"]
    for path in secret_paths:
        node = got["settings"]
        for part in path:
            node = node[part]
        assert node == REDACTED
    if cp_type == "webhook":
        assert got["settings"]["tlsConfig"]["insecureSkipVerify"] is True
        assert got["settings"]["hmacConfig"]["header"] == "X-Sig"
    exported = api.get(f"{BASE}/contact-points/export", params={"decrypt": "true"}).json()
    [receiver] = [r for cp in exported["contactPoints"] for r in cp["receivers"] if r["uid"] == "cp"]
    assert receiver["settings"] == settings
