"""Matchers as gac writes them (route labels in `gac routes`, the Alertmanager configuration the
amtool tests load) are what Alertmanager reads back: a label name that is not a classic one
(`[a-zA-Z_][a-zA-Z0-9_]*`) is double-quoted, as Alertmanager's UTF-8 matcher syntax writes it
(`"a b"="c"`). Unquoted (`a b="c"`), no Alertmanager could load it.
"""

from __future__ import annotations

import random

import pytest
import yaml

from generator.routing import alertmanager, command, tree
from generator.routing import matchers as m


@pytest.mark.parametrize(("name", "op", "value", "text"), [
    ("severity", "=", "critical", 'severity="critical"'),
    ("_a1", "=~", 'x"y\\z\n', '_a1=~"x\\"y\\\\z\\n"'),
    ("a b", "=", "c", '"a b"="c"'),
    ("é", "!=", "x", '"é"!="x"'),
    ("a.b", "=~", "x.*", '"a.b"=~"x.*"'),
    ("1a", "=", "b", '"1a"="b"'),
    ("a:b", "!~", "\\d+", '"a:b"!~"\\\\d+"'),
    ('q"uote', "=", "tab\there", '"q\\"uote"="tab\\there"'),
    ("bell\x07", "=", "\x7f\u200b", '"bell\\a"="\\x7f\\u200b"'),
])
def test_a_matcher_is_written_as_alertmanager_writes_it(name: str, op: str, value: str, text: str) -> None:
    matcher = m.Matcher(name, op, value)
    assert matcher.text() == text
    assert m.parse_all(text) == [matcher]


def test_any_matcher_written_reads_back_the_same() -> None:
    rng = random.Random(11)
    alphabet = ["a", "Z", "_", "0", " ", "-", ".", ":", "é", "日", '"', "\\", "\n", "\t", "\x00", "\x1b", "{", "}",
                ",", "=", "~", "!", "'", "`", "\u00a0", "\u2028", "\U0001F600"]
    for _ in range(3000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        op = rng.choice(["=", "!="])
        matcher = m.Matcher(name, op, value)
        assert m.parse_all(matcher.text()) == [matcher], matcher.text()


def test_the_alertmanager_configuration_quotes_utf8_names() -> None:
    raw = {"receiver": "team", "routes": [{"receiver": "oncall", "object_matchers": [
        ["service name", "=", "checkout"], ["severity", "=~", "crit.*"]]}]}
    config = yaml.safe_load(alertmanager.config(raw, ["team", "oncall"]))
    written = config["route"]["routes"][0]["matchers"]
    assert written == ['"service name"="checkout"', 'severity=~"crit.*"']
    assert [x for text in written for x in m.parse_all(text)] == m.of_route(raw["routes"][0])
    assert tree.build(raw).routes[0].label() == '{"service name"="checkout", severity=~"crit.*"}'


def test_no_option_is_promised_that_gac_routes_does_not_have() -> None:
    """The exporter's docstring named `gac routes --alertmanager-config`, which never existed."""
    options = {opt for param in command.routes_command.params for opt in param.opts}
    assert "--alertmanager-config" not in options
    assert "--alertmanager-config" not in (alertmanager.__doc__ or "")


def test_lint_says_when_it_cannot_tell_where_an_alert_goes() -> None:
    """A script class (`\\p{Greek}`) on a value whose script Python cannot tell: notification-unrouted
    says gac cannot decide, where it failed as a rule ('please report it')."""
    from tests.lint_cases import notifications as nt
    from tests.lint_cases.builders import lint_project
    tree = nt.with_route(receiver="oncall", object_matchers=[["team", "=~", "\\p{Greek}+"]])
    rule = {**nt.RULE, "labels": {"severity": "warning", "team": "αβ"}}
    found = [f for f in lint_project(*nt.setup(tree=tree, rules=(rule,))) if f.rule in ("notification-unrouted",
                                                                                      "lint-internal-error")]
    assert [f.rule for f in found] == ["notification-unrouted"] and "gac cannot tell where it goes" in found[0].message
