"""A secret whose value starts or ends with whitespace (the newline a secret file or
`kubectl get secret ... | base64 -d` leaves, a space from a copy) is refused before any
write: Grafana would store and send it as it is, and the contact point's or data source's
authentication would fail where nothing shows it. `plan` says so; the value is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.remote.secrets import SecretRef, check_secrets, padded_secrets
from generator.sync.errors import MissingSecrets
from tests.grafana_emulator.testing import emulator_only
from tests.test_sync import Gac, gac, project  # noqa: F401  (fixtures)

VALUE = "pd-" + "k" * 24


@pytest.mark.parametrize("padded", [VALUE + "\n", VALUE + "\r\n", " " + VALUE, VALUE + "\t"])
def test_a_padded_value_is_refused_without_showing_it(padded: str) -> None:
    refs = [SecretRef("oncall-pagerduty", "integrationKey", "PAGERDUTY_INTEGRATION_KEY"),
            SecretRef("teams", "url", "TEAMS_WEBHOOK_URL")]
    environ = {"PAGERDUTY_INTEGRATION_KEY": padded, "TEAMS_WEBHOOK_URL": "https://example.invalid/x"}
    assert padded_secrets(refs, environ) == refs[:1]
    with pytest.raises(MissingSecrets) as caught:
        check_secrets(refs, environ, "prod")
    message = str(caught.value)
    assert "PAGERDUTY_INTEGRATION_KEY ('oncall-pagerduty', integrationKey)" in message
    assert "whitespace" in message and "nothing was written" in message
    assert VALUE not in message and "TEAMS_WEBHOOK_URL" not in message


def test_inner_spaces_are_the_value_s_own() -> None:
    refs = [SecretRef("c", "password", "PASSWORD")]
    check_secrets(refs, {"PASSWORD": "correct horse battery staple"}, "prod")  # no error


@emulator_only
def test_sync_refuses_before_any_request_and_plan_says_why(gac: Gac) -> None:  # noqa: F811
    gac.secrets.append(VALUE)
    padded = {"PAGERDUTY_INTEGRATION_KEY": VALUE + "\n"}
    gac.emu.clear_log()
    result = gac("sync", env=padded)
    assert result.exit_code == 2, result.output
    assert "PAGERDUTY_INTEGRATION_KEY" in result.output and "whitespace" in result.output
    assert gac.emu.writes == []
    plan = gac("plan", env=padded)
    assert plan.exit_code == 0, plan.output
    assert "secrets that start or end with whitespace (sync refuses them): PAGERDUTY_INTEGRATION_KEY" in plan.output
    assert gac("sync", env={"PAGERDUTY_INTEGRATION_KEY": VALUE}).exit_code == 0
