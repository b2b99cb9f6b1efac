"""A rotated data-source secret reaches Grafana, and nothing stored lets anyone test-guess it.

Grafana answers `secureJsonFields: {basicAuthPassword: true}` whatever the value, so a
changed `MIMIR_PASSWORD` is invisible to a plain comparison. With `GAC_SECRET_PEPPER` the
data source's stamp holds a keyed, salted, slow fingerprint and the plan shows the rotation;
without it the plan says rotation is undetectable and `--rotate-secrets` re-sends.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from generator.errors import ConfigError
from generator.secret_fingerprint import Fingerprint, Fingerprinter
from tests.grafana_emulator.testing import emulator_only
from tests.test_sync import Gac, _with_secret_env, gac, project  # noqa: F401  (fixtures)

pytestmark = emulator_only

OLD, NEW = "old-" + "o" * 20, "new-" + "n" * 20
PEPPER = "pepper-" + "k" * 40


@pytest.fixture
def secret_gac(gac: Gac, project: Path) -> Gac:  # noqa: F811
    _with_secret_env(project)
    gac.secrets += [OLD, NEW, PEPPER]
    return gac


def stored_password(gac: Gac) -> str:
    return gac.emu.store.org(1).datasources["prometheus"].secure_json_data["basicAuthPassword"]


def stamp(gac: Gac) -> dict:
    return gac.emu.store.org(1).datasources["prometheus"].json_data["gacSync"]


def test_without_pepper_the_plan_says_so_and_rotate_secrets_resends(secret_gac: Gac) -> None:
    gac = secret_gac
    assert gac("sync", env={"TEST_PROM_PASSWORD": OLD}).exit_code == 0
    assert "secrets" not in stamp(gac)  # nothing about the values is kept without a pepper

    plan = gac("plan", env={"TEST_PROM_PASSWORD": NEW})
    assert "No changes" in plan.output
    assert "cannot be detected without GAC_SECRET_PEPPER" in plan.output and "--rotate-secrets" in plan.output

    unknown = gac("sync", "--rotate-secrets", "nosuch", env={"TEST_PROM_PASSWORD": NEW})
    assert unknown.exit_code == 2 and "nosuch" in unknown.output and "prometheus" in unknown.output
    assert gac("sync", "loki", env={"TEST_PROM_PASSWORD": NEW}).exit_code == 2  # uids need --rotate-secrets
    assert stored_password(gac) == OLD

    gac.emu.clear_log()
    rotated = gac("sync", "--rotate-secrets", "prometheus", env={"TEST_PROM_PASSWORD": NEW})
    assert rotated.exit_code == 0, rotated.output
    assert stored_password(gac) == NEW
    assert [r.path for r in gac.emu.writes] == ["/api/datasources/uid/prometheus"]
    gac.emu.clear_log()
    assert gac("sync", env={"TEST_PROM_PASSWORD": NEW}).exit_code == 0 and gac.emu.writes == []


def test_with_pepper_a_rotation_is_detected_and_pushed(secret_gac: Gac) -> None:
    gac = secret_gac
    env = {"TEST_PROM_PASSWORD": OLD, "GAC_SECRET_PEPPER": PEPPER}
    assert gac("sync", env=env).exit_code == 0
    gac.emu.clear_log()
    assert gac("sync", env=env).exit_code == 0 and gac.emu.writes == []  # unchanged secret: nothing written

    plan = gac("plan", env={**env, "TEST_PROM_PASSWORD": NEW})
    assert "~ datasource prometheus" in plan.output, plan.output
    assert "rotated in the environment since the last sync" in plan.output
    synced = gac("sync", env={**env, "TEST_PROM_PASSWORD": NEW})
    assert synced.exit_code == 0 and "1 updated" in synced.output, synced.output
    assert stored_password(gac) == NEW
    gac.emu.clear_log()
    assert gac("sync", env={**env, "TEST_PROM_PASSWORD": NEW}).exit_code == 0 and gac.emu.writes == []


def test_the_stored_fingerprint_cannot_be_checked_without_the_pepper(secret_gac: Gac) -> None:
    gac = secret_gac
    assert gac("sync", env={"TEST_PROM_PASSWORD": OLD, "GAC_SECRET_PEPPER": PEPPER}).exit_code == 0
    stored = stamp(gac)["secrets"]
    text = json.dumps(stored)
    for digest in (hashlib.sha256(OLD.encode()).hexdigest(), hashlib.sha1(OLD.encode()).hexdigest(),
                   hashlib.md5(OLD.encode()).hexdigest()):
        assert digest[:16] not in text  # no plain hash of the password
    assert OLD not in text and PEPPER not in text
    fingerprint = Fingerprint.from_json(stored)
    assert fingerprint is not None
    values = {"basicAuthPassword": OLD}
    assert Fingerprinter(PEPPER).matches(values, fingerprint)
    assert not Fingerprinter(PEPPER).matches({"basicAuthPassword": NEW}, fingerprint)
    # the right guess, checked by anyone who can read the stamp but lacks the pepper: no match
    assert not Fingerprinter("another-" + "x" * 40).matches(values, fingerprint)
    # the same password fingerprints differently each write (a fresh salt): equal secrets stay unlinkable
    assert Fingerprinter(PEPPER).make(values).digest != fingerprint.digest


def test_a_stamp_from_before_the_pepper_resends_once(secret_gac: Gac) -> None:
    gac = secret_gac
    assert gac("sync", env={"TEST_PROM_PASSWORD": OLD}).exit_code == 0
    env = {"TEST_PROM_PASSWORD": OLD, "GAC_SECRET_PEPPER": PEPPER}
    plan = gac("plan", env=env)
    assert "~ datasource prometheus" in plan.output and "not fingerprinted yet" in plan.output
    assert gac("sync", env=env).exit_code == 0
    gac.emu.clear_log()
    assert gac("sync", env=env).exit_code == 0 and gac.emu.writes == []


def test_a_short_pepper_is_refused_before_any_request(secret_gac: Gac) -> None:
    gac = secret_gac
    result = gac("sync", env={"TEST_PROM_PASSWORD": OLD, "GAC_SECRET_PEPPER": "short"})
    assert result.exit_code == 2 and "GAC_SECRET_PEPPER" in result.output and "short" not in result.output
    assert gac.emu.requests == []
    with pytest.raises(ConfigError):
        Fingerprinter("short")
