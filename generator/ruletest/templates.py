"""Grafana annotation and label templates → Prometheus alert templates.

Both are Go text/template with the same helper functions (Grafana copied Prometheus's:
`humanize`, `humanizePercentage`, ...). What differs is the data: Grafana gives `$values`, one
entry per reduce/math refId, and a `$value` *string* listing all of them; Prometheus gives the
alert's single sample value as `$value`. Only the reduce refId's value is the Prometheus
alert's value after translation, so only `$values.<reduce>` is mirrored; anything else is
refused rather than rendered differently.
"""

from __future__ import annotations

import re

from .model import Refusal

_VALUES = re.compile(r"(?:\$values|\.Values)\.([A-Za-z_][A-Za-z0-9_]*)(\.Value\b|\.Labels\b)?")
_BARE_VALUE = re.compile(r"\$value(?![A-Za-z0-9_])")
_DOT_VALUE = re.compile(r"(?<![A-Za-z0-9_$\]\)])\.Value\b")
_NAME = re.compile(r"(\$labels|\.Labels)\.__name__\b")

#: the label the translated query carries the series' `__name__` in (Prometheus alerts drop it)
NAME_LABEL = "__gac_name__"


def translate_template(text: str, reduce_ref: str, where: str) -> str | Refusal:
    """The Prometheus form of one Grafana template, or why it cannot be mirrored."""
    if _BARE_VALUE.search(text) or _DOT_VALUE.search(text):
        return Refusal(f"{where} uses Grafana's $value / .Value (a string of every refId's value), "
                       f"which Prometheus renders as one number: use $values.{reduce_ref}")
    problem: list[str] = []

    def replace(match: re.Match[str]) -> str:
        ref, attr = match.group(1), match.group(2)
        if ref != reduce_ref:
            problem.append(ref)
            return match.group(0)
        return "$labels" if attr == ".Labels" else "$value"

    out = _VALUES.sub(replace, text)
    if problem:
        return Refusal(f"{where} uses $values.{problem[0]}: only the reduced value $values.{reduce_ref} "
                       "is the translated alert's value")
    out = _NAME.sub(lambda m: f"{m.group(1)}.{NAME_LABEL}", out)
    # `$value` renders through Go's %v in both: only the variable changes
    return out
