"""Emulator: alerting provisioning -- rules, rule groups, provenance, contact points, policies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.grafana_emulator import GrafanaEmulator, UserClient
from tests.grafana_emulator.testing import emulator_only

pytestmark = emulator_only

BASE = "/api/v1/provisioning"
NO_PROV = {"X-Disable-Provenance": "true"}


@pytest.fixture
def api(grafana_emulator: GrafanaEmulator) -> UserClient:
    c = grafana_emulator.client()
    assert c.post("/api/folders", json={"uid": "f1", "title": "Alerts"}).status_code == 200
    return c


def rule(title: str = "High CPU", **kw: Any) -> dict[str, Any]:
    return {
        "title": title, "ruleGroup": "g1", "folderUID": "f1", "condition": "B",
        "data": [
            {"refId": "A", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": "prom",
             "model": {"expr": "up", "refId": "A"}},
            {"refId": "B", "relativeTimeRange": {"from": 0, "to": 0}, "datasourceUid": "__expr__",
             "model": {"type": "threshold", "expression": "A", "refId": "B"}},
        ],
        "noDataState": "NoData", "execErrState": "Error", "for": "5m", **kw,
    }


def group(*rules: dict[str, Any], interval: int = 60) -> dict[str, Any]:
    return {"title": "g1", "folderUid": "f1", "interval": interval, "rules": list(rules)}


# --- single rules -----------------------------------------------------------------------------

def test_rule_crud_shape_and_normalisation(api: UserClient) -> None:
    r = api.post(f"{BASE}/alert-rules", json=rule(uid="r1", labels={"team": "sre"}, **{"for": "300s"}))
    assert r.status_code == 201
    got = r.json()
    assert got["uid"] == "r1" and got["orgID"] == 1 and got["folderUID"] == "f1" and got["ruleGroup"] == "g1"
    assert got["for"] == "5m" and got["keep_firing_for"] == "0s" and got["provenance"] == "api"
    assert got["data"][0]["model"] == {"expr": "up", "intervalMs": 1000, "maxDataPoints": 43200, "refId": "A"}
    assert got["data"][0]["queryType"] == "" and got["notification_settings"] is None and got["record"] is None
    assert got["labels"] == {"team": "sre"} and "annotations" not in got
    assert got["id"] > 0 and got["updated"].endswith("Z") and got["isPaused"] is False
    assert api.get(f"{BASE}/alert-rules/r1").json() == got
    assert [x["uid"] for x in api.get(f"{BASE}/alert-rules").json()] == ["r1"]
    r = api.put(f"{BASE}/alert-rules/r1", json=rule(title="Higher CPU"))
    assert r.status_code == 200 and r.json()["title"] == "Higher CPU"
    assert api.delete(f"{BASE}/alert-rules/r1").status_code == 204
    r = api.get(f"{BASE}/alert-rules/r1")
    assert r.status_code == 404 and r.content == b""


def test_rule_missing_put_is_404_empty(api: UserClient) -> None:
    r = api.put(f"{BASE}/alert-rules/nope", json=rule())
    assert r.status_code == 404 and r.content == b""


def test_post_joins_group_interval_or_default(api: UserClient) -> None:
    api.post(f"{BASE}/alert-rules", json=rule(uid="r1"))
    assert api.get(f"{BASE}/folder/f1/rule-groups/g1").json()["interval"] == 60  # default 1m
    api.put(f"{BASE}/folder/f1/rule-groups/g1", json={"interval": 120})  # rules omitted: interval only
    api.post(f"{BASE}/alert-rules", json=rule(uid="r2", title="Other"))
    g = api.get(f"{BASE}/folder/f1/rule-groups/g1").json()
    assert g["interval"] == 120 and [x["uid"] for x in g["rules"]] == ["r1", "r2"]


@pytest.mark.parametrize("change,message", [
    ({"data": []}, "invalid alert rule: no queries or expressions are found"),
    ({"title": ""}, "invalid alert rule: title is empty"),
    ({"noDataState": "Nope"}, "unknown NoData state option Nope"),
    ({"execErrState": ""}, "unknown Error state option "),
    ({"labels": {"__grafana_receiver__": "x"}}, "invalid alert rule: system reserved label __grafana_receiver__ cannot be defined"),
    ({"uid": "bad uid"}, "invalid alert rule: cannot create rule with UID 'bad uid'"),
    ({"folderUID": "missing"}, "invalid alert rule: folder 'missing' does not exist"),
])
def test_rule_validation(api: UserClient, change: dict, message: str) -> None:
    r = api.post(f"{BASE}/alert-rules", json=rule(**change))
    assert r.status_code == 400 and r.json()["message"].startswith(message)
    assert r.json()["traceID"] == ""


def test_keep_last_state_is_accepted(api: UserClient) -> None:
    r = api.post(f"{BASE}/alert-rules", json=rule(noDataState="KeepLast", execErrState="KeepLast"))
    assert r.status_code == 201


def test_rule_uid_conflict(api: UserClient) -> None:
    api.post(f"{BASE}/alert-rules", json=rule(uid="r1"))
    assert api.post(f"{BASE}/alert-rules", json=rule(uid="r1")).status_code == 400


# --- groups -----------------------------------------------------------------------------------

def test_group_put_full_replacement(api: UserClient) -> None:
    r = api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("A", uid="a"), rule("B", uid="b")))
    assert r.status_code == 200
    echo = r.json()
    assert echo["title"] == "g1" and echo["folderUid"] == "f1" and echo["interval"] == 60
    assert echo["rules"][0]["id"] == 0 and echo["rules"][0]["updated"] == "0001-01-01T00:00:00Z"  # the request echoed
    before = {x["uid"]: x for x in api.get(f"{BASE}/folder/f1/rule-groups/g1").json()["rules"]}
    r = api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("B2", uid="b"), rule("C"), interval=30))
    assert r.status_code == 200
    after = api.get(f"{BASE}/folder/f1/rule-groups/g1").json()
    assert after["interval"] == 30
    titles = [x["title"] for x in after["rules"]]
    assert titles == ["B2", "C"]  # a was deleted, b updated in place, C created
    assert after["rules"][0]["id"] == before["b"]["id"] and after["rules"][1]["uid"]
    assert api.get(f"{BASE}/alert-rules/a").status_code == 404


def test_group_put_identical_is_noop(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("A", uid="a")))
    stored = grafana_emulator.store.snapshot()[1].rules["a"].updated
    grafana_emulator.store.org(1).rules["a"].updated = "2000-01-01T00:00:00Z"
    api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("A", uid="a")))
    assert grafana_emulator.store.org(1).rules["a"].updated == "2000-01-01T00:00:00Z"
    assert stored.endswith("Z")


@pytest.mark.parametrize("interval,text", [(15, "15s"), (0, "0s"), (-10, "-10s"), (90 + 5, "1m35s")])
def test_group_interval_validation(api: UserClient, interval: int, text: str) -> None:
    r = api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule(), interval=interval))
    assert r.status_code == 400
    assert r.json() == {"message": f"invalid alert rule: interval ({text}) should be non-zero and divided "
                                   "exactly by scheduler interval: 10", "traceID": ""}


def test_group_get_missing_and_delete(api: UserClient) -> None:
    r = api.get(f"{BASE}/folder/f1/rule-groups/none")
    assert r.status_code == 404
    assert r.json() == {"statusCode": 404, "messageId": "alerting.alert-rule.notFound", "message": "Not found",
                        "traceID": ""}
    api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule(uid="a")))
    assert api.delete(f"{BASE}/folder/f1/rule-groups/g1").status_code == 204
    assert api.delete(f"{BASE}/folder/f1/rule-groups/g1").status_code == 404


# --- provenance -------------------------------------------------------------------------------

def test_provenance_default_api_and_header_none(api: UserClient) -> None:
    assert api.post(f"{BASE}/alert-rules", json=rule(uid="a")).json()["provenance"] == "api"
    r = api.post(f"{BASE}/alert-rules", json=rule(uid="b", title="B"), headers=NO_PROV)
    assert "provenance" not in r.json()
    # api -> none on the single-rule path is refused (500 in 11.x) ...
    r = api.put(f"{BASE}/alert-rules/a", json=rule(), headers=NO_PROV)
    assert r.status_code == 500 and r.json()["message"] == "Internal Server Error"
    assert api.delete(f"{BASE}/alert-rules/a", headers=NO_PROV).status_code == 500
    # ... none -> api is allowed (stored "" accepts anything).
    assert api.put(f"{BASE}/alert-rules/b", json=rule(title="B"), headers={}).json()["provenance"] == "api"


def test_group_put_can_take_over_api_rules_but_not_file(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule(uid="a")))
    r = api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule(uid="a")), headers=NO_PROV)
    assert r.status_code == 200
    assert "provenance" not in api.get(f"{BASE}/alert-rules/a").json()
    grafana_emulator.set_provenance("rule", "a", "file")
    assert api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule(uid="a"))).status_code == 500
    assert api.delete(f"{BASE}/folder/f1/rule-groups/g1").status_code == 500


def test_ui_edit_refused_for_provisioned_rule(grafana_emulator: GrafanaEmulator, api: UserClient) -> None:
    api.post(f"{BASE}/alert-rules", json=rule(uid="prov"))
    api.post(f"{BASE}/alert-rules", json=rule(uid="free", title="Free"), headers=NO_PROV)
    with pytest.raises(PermissionError):
        grafana_emulator.ui_edit_alert_rule("prov", {"title": "edited"})
    grafana_emulator.ui_edit_alert_rule("free", {"title": "edited by alice", "for": "600s"})
    got = api.get(f"{BASE}/alert-rules/free").json()
    assert got["title"] == "edited by alice" and got["for"] == "10m"


# --- contact points and policies ----------------------------------------------------------------

def test_contact_points(api: UserClient) -> None:
    default = api.get(f"{BASE}/contact-points").json()
    assert [c["name"] for c in default] == ["grafana-default-email"]
    cp = {"uid": "cp1", "name": "team-slack", "type": "slack",
          "settings": {"recipient": "#sre", "url": "https://hooks.example.invalid/x"}}
    r = api.post(f"{BASE}/contact-points", json=cp)
    assert r.status_code == 202 and r.json()["uid"] == "cp1" and r.json()["provenance"] == "api"
    assert [c["uid"] for c in api.get(f"{BASE}/contact-points?name=team-slack").json()] == ["cp1"]
    r = api.put(f"{BASE}/contact-points/cp1", json={**cp, "settings": {"recipient": "#ops", "url": "[REDACTED]"}})
    assert (r.status_code, r.json()) == (202, {"message": "contactpoint updated"})
    r = api.put(f"{BASE}/contact-points/cp1", json=cp, headers=NO_PROV)
    assert r.status_code == 500 and r.json()["message"] == "cannot change provenance from 'api' to ''"
    assert api.put(f"{BASE}/contact-points/nope", json=cp).status_code == 404
    assert api.post(f"{BASE}/contact-points", json={"name": "x", "type": "email", "settings": None}).status_code == 400
    r = api.delete(f"{BASE}/contact-points/cp1")
    assert (r.status_code, r.json()) == (202, {"message": "contactpoint deleted"})


def test_policies(api: UserClient) -> None:
    tree = api.get(f"{BASE}/policies").json()
    assert tree["receiver"] == "grafana-default-email"
    api.post(f"{BASE}/contact-points", json={"uid": "cp1", "name": "sre", "type": "email",
                                              "settings": {"addresses": "sre@example.com"}})
    new = {"receiver": "grafana-default-email", "group_by": ["alertname"],
           "routes": [{"receiver": "sre", "object_matchers": [["team", "=", "sre"]]}]}
    r = api.put(f"{BASE}/policies", json=new)
    assert (r.status_code, r.json()) == (202, {"message": "policies updated"})
    got = api.get(f"{BASE}/policies").json()
    assert got["routes"] == new["routes"] and got["provenance"] == "api"
    r = api.put(f"{BASE}/policies", json=new, headers=NO_PROV)
    assert r.status_code == 403 and r.json()["messageId"] == "alerting.notifications.invalidProvenance"
    bad = {"receiver": "grafana-default-email", "routes": [{"receiver": "ghost"}]}
    assert api.put(f"{BASE}/policies", json=bad).status_code == 400
    r = api.delete(f"{BASE}/policies")
    assert r.status_code == 202 and "routes" not in api.get(f"{BASE}/policies").json()


def test_templates_and_mute_timings_refuse_only_a_change_to_none(grafana_emulator: GrafanaEmulator,
                                                                  api: UserClient) -> None:
    """ValidateProvenanceRelaxed: a template or mute timing with a provenance may not lose it
    (403 invalidProvenance, nothing changed); `file` and `api` pass into each other; none may
    become anything."""
    mute = {"name": "nights", "time_intervals": [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}]}
    assert api.put(f"{BASE}/templates/t", json={"template": '{{ define "t" }}x{{ end }}'}).status_code == 202
    assert api.post(f"{BASE}/mute-timings", json=mute).status_code == 201
    for path, body in ((f"{BASE}/templates/t", {"template": '{{ define "t" }}y{{ end }}'}),
                       (f"{BASE}/mute-timings/nights", mute)):
        refused = api.put(path, json=body, headers=NO_PROV)
        assert refused.status_code == 403 and refused.json()["messageId"] == "alerting.notifications.invalidProvenance"
        assert api.delete(path, headers=NO_PROV).status_code == 403
    assert api.get(f"{BASE}/templates/t").json()["template"] == '{{ define "t" }}x{{ end }}'
    grafana_emulator.set_provenance("template", "t", "file")
    grafana_emulator.set_provenance("mute-timing", "nights", "file")
    taken = api.put(f"{BASE}/templates/t", json={"template": '{{ define "t" }}z{{ end }}'})
    assert taken.status_code == 202 and taken.json()["provenance"] == "api"
    assert api.put(f"{BASE}/mute-timings/nights", json=mute).json()["provenance"] == "api"
    assert api.put(f"{BASE}/templates/u", json={"template": '{{ define "u" }}x{{ end }}'}, headers=NO_PROV) \
        .status_code == 202
    assert api.put(f"{BASE}/templates/u", json={"template": '{{ define "u" }}x{{ end }}'}).json()["provenance"] == "api"


# --- titles: unique per folder on 11.x, free from 12.0 ------------------------------------------

UNIQUE_TITLE = "a conflicting alert rule is found: rule title under the same organisation and folder should be unique"


@pytest.fixture
def released(grafana_any_version: GrafanaEmulator) -> tuple[GrafanaEmulator, UserClient]:
    """Each modelled release with folders f1 and f2."""
    c = grafana_any_version.client()
    for uid in ("f1", "f2"):
        assert c.post("/api/folders", json={"uid": uid, "title": uid.upper()}).status_code == 200
    return grafana_any_version, c


def _conflict(new_uid: str, title: str, existing_uid: str, folder: str = "f1") -> str:
    return (f"[alerting.alert-rule.conflict] alert rule [rule_uid: '{new_uid}', title: '{title}', namespace_uid: "
            f"'{folder}'] conflicts with existing [rule_uid: '{existing_uid}', title: '{title}', namespace_uid: "
            f"'{folder}']: {UNIQUE_TITLE}")


def _rules(emu: GrafanaEmulator) -> dict[str, tuple[str, str, str, str]]:
    return {uid: (r.folder_uid, r.rule_group, r.body["title"], r.updated) for uid, r in emu.store.org(1).rules.items()}


def test_single_rule_title_unique_per_folder_on_11_only(released: tuple[GrafanaEmulator, UserClient]) -> None:
    emu, api = released
    assert api.post(f"{BASE}/alert-rules", json=rule(uid="r1")).status_code == 201
    assert api.post(f"{BASE}/alert-rules", json=rule(uid="other-folder", folderUID="f2")).status_code == 201
    r = api.post(f"{BASE}/alert-rules", json=rule(uid="r2", ruleGroup="g2"))  # another group of the same folder
    if emu.profile.key == "11.6":
        assert r.status_code == 400 and r.json() == {"message": _conflict("r2", "High CPU", "r1"), "traceID": ""}
        assert api.get(f"{BASE}/alert-rules/r2").status_code == 404
    else:
        assert r.status_code == 201 and r.json()["title"] == "High CPU"
    assert api.post(f"{BASE}/alert-rules", json=rule(uid="r3", title="Low CPU")).status_code == 201
    r = api.put(f"{BASE}/alert-rules/r3", json=rule(title="high cpu"))  # differs only in case (MySQL collation)
    if emu.profile.key == "11.6":
        assert r.status_code == 400 and r.json()["message"] == _conflict("r3", "high cpu", "r1")
        assert api.get(f"{BASE}/alert-rules/r3").json()["title"] == "Low CPU"
    else:
        assert r.status_code == 200


def test_group_put_title_clash_is_refused_whole_on_11(released: tuple[GrafanaEmulator, UserClient]) -> None:
    emu, api = released
    assert api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("A", uid="a"), rule("B", uid="b"))).status_code == 200
    before = _rules(emu)
    # g2 of the same folder: one new rule with a free title, one with g1's "A"
    g2 = {**group(rule("C", uid="c"), rule("A", uid="a2")), "title": "g2"}
    r = api.put(f"{BASE}/folder/f1/rule-groups/g2", json=g2)
    if emu.profile.key == "11.6":
        assert r.status_code == 400
        assert r.json() == {"message": "failed to insert alert rules: " + _conflict("a2", "A", "a"), "traceID": ""}
        assert _rules(emu) == before  # nothing of the group stored, not even "C"
        assert api.get(f"{BASE}/folder/f1/rule-groups/g2").status_code == 404
    else:
        assert r.status_code == 200 and sorted(x["title"] for x in api.get(f"{BASE}/alert-rules").json()) == \
            ["A", "A", "B", "C"]
    # the same group in another folder is fine everywhere
    assert api.put(f"{BASE}/folder/f2/rule-groups/g2", json={**g2, "folderUid": "f2"}).status_code == 200


def test_group_put_same_title_twice_in_one_group(released: tuple[GrafanaEmulator, UserClient]) -> None:
    emu, api = released
    r = api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("Latency", uid="warn"), rule("Latency", uid="crit")))
    if emu.profile.key == "11.6":
        assert r.status_code == 400 and r.json()["message"] == "failed to insert alert rules: " + \
            _conflict("crit", "Latency", "warn")
        assert emu.store.org(1).rules == {}
    else:
        assert r.status_code == 200 and len(api.get(f"{BASE}/folder/f1/rule-groups/g1").json()["rules"]) == 2


def test_group_put_rename_into_a_taken_title_rolls_back(released: tuple[GrafanaEmulator, UserClient]) -> None:
    emu, api = released
    api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("A", uid="a")))
    api.put(f"{BASE}/folder/f1/rule-groups/g2", json={**group(rule("B", uid="b"), rule("X", uid="x")), "title": "g2"})
    before = _rules(emu)
    # drops x and renames b to g1's "A": the delete runs first, then the update is refused
    r = api.put(f"{BASE}/folder/f1/rule-groups/g2", json={**group(rule("A", uid="b")), "title": "g2"})
    if emu.profile.key == "11.6":
        assert r.status_code == 400 and r.json()["message"] == "failed to update alert rules: " + _conflict("b", "A", "a")
        assert _rules(emu) == before  # x not deleted, b not renamed
    else:
        assert r.status_code == 200 and "x" not in emu.store.org(1).rules


def test_group_put_final_state_counts_within_one_save(released: tuple[GrafanaEmulator, UserClient]) -> None:
    """Inside one save only its end state meets the index: a swap of titles (temporary titles,
    preventIntermediateUniqueConstraintViolations) and a delete before an insert both pass on 11."""
    emu, api = released
    assert api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("A", uid="a"), rule("B", uid="b"))).status_code == 200
    assert api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("B", uid="a"), rule("A", uid="b"))).status_code == 200
    assert {u: t for u, (_f, _g, t, _d) in _rules(emu).items()} == {"a": "B", "b": "A"}
    assert api.put(f"{BASE}/folder/f1/rule-groups/g1", json=group(rule("B", uid="a"), rule("A", uid="new"))).status_code == 200
    assert set(emu.store.org(1).rules) == {"a", "new"}


def test_ui_title_edit_meets_the_same_index(released: tuple[GrafanaEmulator, UserClient]) -> None:
    emu, api = released
    api.post(f"{BASE}/alert-rules", json=rule(uid="a", title="A"), headers=NO_PROV)
    api.post(f"{BASE}/alert-rules", json=rule(uid="b", title="B", ruleGroup="g2"), headers=NO_PROV)
    if emu.profile.key == "11.6":
        with pytest.raises(ValueError, match=r"conflicts with existing \[rule_uid: 'a'"):
            emu.ui_edit_alert_rule("b", {"title": "A"})
        assert emu.store.org(1).rules["b"].body["title"] == "B"
    else:
        emu.ui_edit_alert_rule("b", {"title": "A"})
        assert emu.store.org(1).rules["b"].body["title"] == "A"
