"""A rotated contact-point secret reaches Grafana the way a data-source one does, and leaks nowhere.

Grafana answers a contact point's webhook URL or integration key as `[REDACTED]`, so a
changed `PAGERDUTY_INTEGRATION_KEY` is invisible to a plain comparison. With
`GAC_SECRET_PEPPER` the stamp (`settings.gacSync.secretValues`) holds a keyed, salted, slow
fingerprint and the plan shows the rotation in the data sources' words; without it the plan
lists the contact points among the objects whose rotation cannot be detected, and
`gac sync --rotate-secrets` re-sends them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from generator.builders.notifications import SECRET_SETTINGS
from generator.errors import ConfigError
from generator.remote.secrets import required_secrets
from generator.resource import Resource, Source
from generator.secret_fingerprint import Fingerprint, Fingerprinter
from tests.conftest import CONTACT_POINT_SECRETS
from tests.grafana_emulator.testing import emulator_only
from tests.test_sync import Gac, gac, project  # noqa: F401  (fixtures)

pytestmark = emulator_only

CP = "oncall-pagerduty"
VARIABLE = "PAGERDUTY_INTEGRATION_KEY"
OLD, NEW = "pd-old-" + "o" * 24, "pd-new-" + "n" * 24
PEPPER = "pepper-" + "k" * 40
PROVISIONING = "/api/v1/provisioning/contact-points"


@pytest.fixture
def cp_gac(gac: Gac) -> Gac:  # noqa: F811
    gac.secrets += [OLD, NEW, PEPPER, *CONTACT_POINT_SECRETS.values()]
    return gac


def held_key(gac: Gac) -> str:
    return gac.emu.store.org(1).contact_points[CP].secure_settings["integrationKey"]


def stamp(gac: Gac) -> dict[str, Any]:
    return gac.emu.store.org(1).contact_points[CP].settings["gacSync"]


def contact_point_writes(gac: Gac) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in gac.emu.writes if r.path.startswith(PROVISIONING)]


def test_with_pepper_a_rotated_contact_point_secret_is_detected_and_pushed(cp_gac: Gac) -> None:
    gac = cp_gac
    env = {VARIABLE: OLD, "GAC_SECRET_PEPPER": PEPPER}
    assert gac("sync", env=env).exit_code == 0
    assert held_key(gac) == OLD and Fingerprint.from_json(stamp(gac).get("secretValues")) is not None
    gac.emu.clear_log()
    assert gac("sync", env=env).exit_code == 0 and gac.emu.writes == []  # unchanged secret: nothing written

    plan = gac("plan", env={**env, VARIABLE: NEW})
    assert plan.exit_code == 0, plan.output
    assert f"~ contact-point {CP}" in plan.output, plan.output
    assert 'secret values: "rotated in the environment since the last sync"' in plan.output, plan.output
    assert "~ contact-point platform-teams" not in plan.output  # its secret did not change
    assert "cannot be detected" not in plan.output

    synced = gac("sync", env={**env, VARIABLE: NEW})
    assert synced.exit_code == 0 and "1 updated" in synced.output, synced.output
    assert held_key(gac) == NEW
    gac.emu.clear_log()
    assert gac("sync", env={**env, VARIABLE: NEW}).exit_code == 0 and gac.emu.writes == []


def test_the_same_wording_as_a_data_source(cp_gac: Gac) -> None:
    """The plan's JSON names the rotation by the same path and words for both kinds."""
    gac = cp_gac
    env = {VARIABLE: OLD, "GAC_SECRET_PEPPER": PEPPER}
    assert gac("sync", env=env).exit_code == 0
    doc = json.loads(gac("plan", "--format", "json", env={**env, VARIABLE: NEW}).stdout)
    change = next(c for c in doc["changes"] if c["uid"] == CP)
    assert change["action"] == "update"
    text = json.dumps(change)
    assert "secret values" in text and "rotated in the environment since the last sync" in text


def test_a_contact_point_stamped_before_the_pepper_is_resent_once(cp_gac: Gac) -> None:
    gac = cp_gac
    assert gac("sync", env={VARIABLE: OLD}).exit_code == 0
    assert "secretValues" not in stamp(gac)  # nothing about the values is kept without a pepper
    env = {VARIABLE: OLD, "GAC_SECRET_PEPPER": PEPPER}
    plan = gac("plan", env=env)
    assert f"~ contact-point {CP}" in plan.output and "not fingerprinted yet" in plan.output, plan.output
    assert gac("sync", env=env).exit_code == 0
    gac.emu.clear_log()
    assert gac("sync", env=env).exit_code == 0 and gac.emu.writes == []


def test_without_pepper_the_note_lists_contact_points_and_rotate_secrets_resends(cp_gac: Gac) -> None:
    gac = cp_gac
    assert gac("sync", env={VARIABLE: OLD}).exit_code == 0

    plan = gac("plan", env={VARIABLE: NEW})
    assert plan.exit_code == 0 and "No changes" in plan.output, plan.output
    assert "cannot be detected without GAC_SECRET_PEPPER" in plan.output and "--rotate-secrets" in plan.output
    assert f"contact-point {CP}" in plan.output and "contact-point platform-teams" in plan.output
    assert held_key(gac) == OLD

    unknown = gac("sync", "--rotate-secrets", "nosuch", env={VARIABLE: NEW})
    assert unknown.exit_code == 2 and "nosuch" in unknown.output and f"contact-point {CP}" in unknown.output

    gac.emu.clear_log()
    rotated = gac("sync", "--rotate-secrets", CP, env={VARIABLE: NEW})
    assert rotated.exit_code == 0, rotated.output
    assert held_key(gac) == NEW
    assert contact_point_writes(gac) == [("PUT", f"{PROVISIONING}/{CP}")]
    assert "gacSync" in gac.emu.store.org(1).contact_points[CP].settings  # still gac's: no conflict next time
    gac.emu.clear_log()
    assert gac("sync", env={VARIABLE: NEW}).exit_code == 0 and gac.emu.writes == []

    # alone, --rotate-secrets re-sends every contact point with secrets
    gac.emu.clear_log()
    everything = gac("sync", "--rotate-secrets", env={VARIABLE: NEW})
    assert everything.exit_code == 0, everything.output
    assert sorted(contact_point_writes(gac)) == [("PUT", f"{PROVISIONING}/{CP}"),
                                                 ("PUT", f"{PROVISIONING}/platform-teams")]


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]


def someone_edits_through_the_api(gac: Gac) -> None:
    """A person changes a plain setting through the API (the stamp stays, its hash no longer matches)."""
    admin = gac.emu.as_user("admin")
    dto = next(c for c in admin.get(PROVISIONING).json() if c["uid"] == CP)
    dto["settings"]["client"] = "edited in Grafana"
    assert admin.put(f"{PROVISIONING}/{CP}", json=dto).status_code == 202


def test_no_contact_point_secret_in_any_output_file_or_backup(cp_gac: Gac) -> None:
    gac = cp_gac
    env = {VARIABLE: OLD, "GAC_SECRET_PEPPER": PEPPER}
    new = {**env, VARIABLE: NEW}
    outputs = [gac("sync", "--verbose", env=env)]
    someone_edits_through_the_api(gac)
    outputs += [gac("plan", "--verbose", env=new), gac("plan", "--format", "json", env=new), gac("drift", env=new),
                gac("sync", "--verbose", env=new)]
    assert held_key(gac) == OLD  # a conflict: nothing written
    outputs += [gac("sync", "--force", "--format", "json", env=new),
                gac("sync", "--rotate-secrets", CP, "--verbose", env={VARIABLE: OLD})]
    assert held_key(gac) == OLD
    for result in outputs:  # Gac also checks every output for each secret (OLD, NEW, PEPPER, ...)
        assert not any(s in result.output for s in (OLD, NEW, PEPPER))

    backups = [p for p in _files_under(gac.root / "backups") if CP in p.name]
    assert len(backups) == 1, backups  # the forced overwrite backed the contact point up
    backed_up = json.loads(backups[0].read_text())
    assert backed_up["settings"]["integrationKey"] == "[REDACTED]"
    assert Fingerprint.from_json(backed_up["settings"]["gacSync"]["secretValues"]) is not None
    for path in _files_under(gac.root):
        data = path.read_bytes()
        for secret in (OLD, NEW, PEPPER, *CONTACT_POINT_SECRETS.values()):
            assert secret.encode() not in data, f"a secret reached {path.relative_to(gac.root)}"


def test_the_fingerprint_a_reader_of_contact_points_sees_tests_no_guess(cp_gac: Gac) -> None:
    """Anyone who may read contact points reads the stamp: it recovers nothing, checks nothing."""
    gac = cp_gac
    assert gac("sync", env={VARIABLE: OLD, "GAC_SECRET_PEPPER": PEPPER}).exit_code == 0
    listed = gac.emu.as_user("admin").get(PROVISIONING).json()
    seen = next(c for c in listed if c["uid"] == CP)["settings"]
    text = json.dumps(seen)
    assert OLD not in text and PEPPER not in text
    for digest in (hashlib.sha256(OLD.encode()).hexdigest(), hashlib.sha1(OLD.encode()).hexdigest(),
                   hashlib.md5(OLD.encode()).hexdigest()):
        assert digest[:16] not in text  # no plain hash of the key
    stored = Fingerprint.from_json(seen["gacSync"]["secretValues"])
    assert stored is not None
    values = {"integrationKey": OLD}
    assert Fingerprinter(PEPPER).matches(values, stored)
    assert not Fingerprinter("another-" + "x" * 40).matches(values, stored)  # the right guess, wrong pepper


def test_secrets_version_is_refused_with_what_replaced_it(cp_gac: Gac) -> None:
    gac = cp_gac
    config = gac.root / "grafana.yaml"
    config.write_text(config.read_text().replace(
        f"      {CP}:\n        secrets:\n", f"      {CP}:\n        secrets_version: 2\n        secrets:\n", 1))
    result = gac("sync")
    assert result.exit_code == 2, result.output
    assert f"contact_points.{CP}.secrets_version" in result.output and "--rotate-secrets" in result.output
    assert "GAC_SECRET_PEPPER" in result.output and "did you mean" not in result.output
    assert gac.emu.requests == []


def test_a_data_source_and_a_contact_point_may_not_share_a_uid_with_secrets() -> None:
    """Secrets (and --rotate-secrets) go by uid; uids are unique per kind only: refuse the mix-up."""
    ds = Resource("datasource", "shared", {"uid": "shared", "type": "prometheus"}, None, Source("generated/ds.json"))
    cp = Resource("contact-point", "shared", {"uid": "shared", "type": "pagerduty", SECRET_SETTINGS: ["integrationKey"]},
                  None, Source("generated/cp.json"))
    environment = {"datasources": {"shared": {"secrets": {"basicAuthPassword": "DS_PASSWORD"}}},
                   "contact_points": {"shared": {"secrets": {"integrationKey": "PD_KEY"}}}}
    with pytest.raises(ConfigError, match="both carry secrets under one uid"):
        required_secrets([ds, cp], environment)
    alone = {"contact_points": environment["contact_points"]}
    assert [(r.uid, r.key, r.variable) for r in required_secrets([ds, cp], alone)] == [("shared", "integrationKey",
                                                                                          "PD_KEY")]
