"""`gac routes`: which policies and contact points an alert reaches, before anyone is paged."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..option_group import root_option
from ..routing.project import RoutesError, load
from . import matchers as m
from .matcher_syntax import quoted_for_people
from .explain import explain, render_text


def _labels(pairs: tuple[str, ...]) -> dict[str, str]:
    """An alert's labels: `name=value` each; matcher syntax (`==`, `=~`, `!=`) is a mistake here, since
    it would otherwise route an alert whose value starts with `=` or `~`, silently."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise RoutesError(f"label {pair!r} is not name=value (e.g. severity=critical)")
        if name.endswith(("!", "~")) or value.startswith(("=", "~")):
            raise RoutesError(f"label {pair!r}: give the alert's labels as name=value with one '=' "
                              "(e.g. severity=critical), not matchers")
        if value.startswith('"') and (len(value) < 2 or not value.endswith('"')):
            raise RoutesError(f"label {pair!r}: the value's quote is not closed (e.g. severity=\"critical\")")
        if name in out:
            raise RoutesError(f"label {name!r} is given twice: an alert has one value per label")
        try:
            out[name] = m.label_value(value)
        except m.MatcherError as exc:
            raise RoutesError(f"label {quoted_for_people(pair)}: {exc}") from None
    return out


def _moment(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.now(dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RoutesError(f"--at {text!r} is not an ISO time such as 2026-03-03T07:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@click.command("routes")
@root_option()
@click.option("--rule", "rule_uid", help="Route this alert rule (by uid): its labels, alertname, grafana_folder.")
@click.option("--at", "at", help="Evaluate mute timings at this time (ISO 8601; default now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="Print only the contact points reached, one per line (text format).")
@click.argument("labels", nargs=-1)
def routes_command(root: Path, rule_uid: str | None, at: str | None, fmt: str, quiet: bool,
                   labels: tuple[str, ...]) -> None:
    """Which policies and contact points an alert with LABELS (name=value ...) reaches."""
    project = load(root)
    given = _labels(labels)
    settings = None
    if rule_uid:
        rule = project.rules.get(rule_uid)
        if rule is None:
            known = ", ".join(sorted(project.rules)) or "none"
            raise RoutesError(f"no alert rule with uid {rule_uid!r} in generated/ (defined: {known})")
        given = {**rule.labels, **given}
        settings = rule.settings
    elif not given:
        raise RoutesError("give labels (e.g. `gac routes severity=critical service_name=checkout`) or --rule UID")
    try:
        result = explain(project.tree, given, project.mute_timings, _moment(at), settings)
    except m.UnevaluableMatcher as exc:
        raise RoutesError(f"cannot route this alert exactly: {exc}") from None
    except m.MatcherError as exc:
        raise RoutesError(f"the policy tree has an invalid matcher: {exc}; run `gac lint`") from None
    if fmt == "json":
        out = result.to_json()
        out["policy_tree"] = "generated/notification-policies/policy-tree.json" if project.tree_defined \
            else "Grafana's default (none defined)"
        click.echo(json.dumps(out, indent=2, sort_keys=True))
    else:
        if not project.tree_defined and not quiet:
            click.echo("no policy tree is defined: Grafana's default tree applies")
        click.echo(render_text(result, asked_at=bool(at), quiet=quiet))
    sys.stdout.flush()
