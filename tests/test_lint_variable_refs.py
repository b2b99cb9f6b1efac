"""`template-variable-undefined` counts only what Grafana interpolates, once per place.

A Prometheus target's leftover InfluxDB `groupBy` never reaches a query; a query variable's
`definition` is the editor's copy of its `query`; `\\$SYS` in a regex is a literal dollar.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from generator.lint import LintConfig, lint_paths
from generator.lint.rules.dashboard_rules import _find_names, _text_of
from tests.lint_cases.builders import dashboard, lint_docs, only, panel, prom_target, variable


def _undefined(tmp_path: Path, *panels: dict, variables: list[dict] | None = None) -> list[str]:
    found = lint_docs(tmp_path, dashboard(*panels, variables=variables or []))
    return [f.message for f in only(found, "template-variable-undefined")]


def test_fields_a_prometheus_target_never_interpolates_are_not_uses(tmp_path: Path) -> None:
    legacy = prom_target("up", groupBy=[{"params": ["$interval"], "type": "time"}])
    assert _undefined(tmp_path, panel(legacy)) == []
    assert _undefined(tmp_path, panel(prom_target("up", legendFormat="$interval"))) == \
        ["variable $interval is used but not defined"]


def test_query_and_definition_are_reported_once(tmp_path: Path) -> None:
    var = variable("user", type="query", query='label_values(x{service="$service"}, user)',
                   definition='label_values(x{service="$service"}, user)')
    used = panel(prom_target('up{user="$user"}'))
    assert _undefined(tmp_path, used, variables=[var]) == ["variable $service is used but not defined"]


def test_an_escaped_dollar_is_no_variable(tmp_path: Path) -> None:
    assert _undefined(tmp_path, panel(prom_target('x{topic!~"SYSTEM.*|\\\\$SYS.*"}'))) == []


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value of strings and numbers, its strings and keys full of `$`, braces and brackets."""
    def text() -> str:
        return "".join(rng.choice("$[]{}ab_1 é\"\\\n:.") for _ in range(rng.randint(0, 12)))
    kind = rng.random()
    if depth > 3 or kind < 0.4:
        return text() if kind < 0.3 else rng.randint(-40, 40)
    if kind < 0.7:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {text(): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_the_fast_path_reads_the_names_a_json_dump_spells() -> None:
    """The variable rules' fast path counts a name wherever it is spelled outside `templating`:
    in any string or key, as it did when it scanned a JSON dump of the dashboard."""
    rng = random.Random(5)
    for _ in range(3000):
        dash = {"templating": {"list": [{"name": "$hidden"}]}, "$top": _random_json(rng), "x": _random_json(rng)}
        dumped = json.dumps({k: v for k, v in dash.items() if k != "templating"})
        expected = {n for n in _find_names(dumped) if not n.isdigit()}
        assert {n for n in _find_names(_text_of(dash, "templating")) if not n.isdigit()} == expected, dumped


def test_a_name_used_only_in_a_key_counts_as_used(tmp_path: Path) -> None:
    used = dashboard(panel(prom_target("up"), aliasColors={"$pod": "red"}), variables=[variable("pod")])
    assert not only(lint_docs(tmp_path, used), "template-variable-unused")
    unused = dashboard(panel(prom_target("up"), aliasColors={"pod": "red"}), variables=[variable("pod")])
    assert [f.message for f in only(lint_docs(tmp_path, unused), "template-variable-unused")] == \
        ["variable $pod is defined but never used"]


def test_a_dashboard_built_with_int_keys_has_its_names_read() -> None:
    dash = {"panels": [{"id": 1, "aliasColors": {1: "$job", "$pod": 2}}], "templating": {"list": []}}
    assert sorted(_find_names(_text_of(dash, "templating"))) == ["job", "pod"]


def _written(rng: random.Random, value: Any) -> str:
    """`value` as JSON, written as one of several writers would: compact or indented, non-ASCII
    escaped or not, or with random characters of its strings and keys written as `\\u` escapes
    (of ASCII ones among them, which may spell a `$` or a name's letters) and `/` as `\\/`."""
    style = rng.randrange(4)
    if style < 3:
        return json.dumps(value, ensure_ascii=style == 0, indent=2 if style == 1 else None)

    def string(text: str) -> str:
        def char(ch: str) -> str:
            if (ch.isalnum() or ch == "$") and rng.random() < 0.2:
                return f"\\u{ord(ch):04x}"
            return "\\/" if ch == "/" else json.dumps(ch, ensure_ascii=False)[1:-1]
        return '"' + "".join(map(char, text)) + '"'

    def write(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{string(k)}: {write(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(map(write, v)) + "]"
        return string(v) if isinstance(v, str) else json.dumps(v)
    return write(value)


def test_names_read_from_the_json_text_are_those_of_the_decoded_dashboard() -> None:
    """The variable rules read the names outside `templating` from the JSON text a dashboard was
    decoded from (escapes and all, `templating` anywhere among the members, or absent): the same
    names as the dashboard's decoded keys and strings give."""
    from generator.lint.engine import Engine, make_env
    from generator.lint.finding import Location
    from generator.lint.locate import decode_json
    from generator.lint.rules.dashboard_rules import _names_in_source, _names_outside_variables

    engine = Engine(make_env(LintConfig(), [], False))
    rng = random.Random(11)
    fast = 0
    for _ in range(2000):
        members = [("$top", _random_json(rng)), ("x/y", _random_json(rng)), ("panels", [_random_json(rng)])]
        if rng.random() < 0.8:
            members.insert(rng.randrange(len(members) + 1),
                           ("templating", {"list": [{"name": "hidden", "query": "$only_in_templating"}]}))
        text = _written(rng, dict(members))
        data, locator = decode_json(text)
        ctx = engine.dashboard_context(data, Location("d.json"), locator)
        fast += _names_in_source(data, locator) is not None
        assert _names_outside_variables(ctx) == set(_find_names(_text_of(data, "templating"))), text
    assert 1000 < fast < 2000  # most texts are read as written; those with escapes of name characters are not


def test_a_file_s_escapes_and_arrays_read_as_its_dashboard_says(tmp_path: Path) -> None:
    """Linted from its file: a use written with `\\u` escapes counts, a nested array of numbers
    or literals is no `[[name]]`, and a name spelled only in `templating` is no use."""
    variables = [variable("pod"), variable("node", query="$pod"), variable("17"), variable("true")]
    escaped = dashboard(panel(prom_target("up"), title="TITLE"), variables=variables, uid="escaped")
    arrays = dashboard(panel(prom_target("up"), aliasColors={"k": [[17, 2], [[True]]]}, title="$node"),
                       variables=variables, uid="arrays")
    (tmp_path / "escaped.json").write_text(json.dumps(escaped).replace("TITLE", "\\u0024n\\u006fde"))
    (tmp_path / "arrays.json").write_text(json.dumps(arrays, separators=(",", ":")))  # `[[17,2],[[true]]]`
    assert "[[true" in (tmp_path / "arrays.json").read_text()
    unused = [(f.dashboard, f.message) for f in lint_paths([tmp_path], LintConfig())
              if f.rule == "template-variable-unused"]
    assert sorted(unused) == [(uid, f"variable ${name} is defined but never used")
                              for uid in ("arrays", "escaped") for name in ("17", "true")]
