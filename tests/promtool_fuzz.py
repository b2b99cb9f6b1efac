"""Mutate real PromQL queries and compare gac's `promql-syntax` verdict with promtool's.

The queries are the `expr` of every rule in the corpus rule files; each mutant inserts, deletes
or replaces one to three tokens (operators, keywords, durations, numbers, strings, functions).
All mutants go to one `promtool check rules` run (tests.promtool_agreement.promtool_verdicts).

    .venv/bin/python -m tests.promtool_fuzz [--seed 1] [--mutants 4000] [../shared/corpus ...]
    .venv/bin/python -m tests.promtool_fuzz --dashboards [--seed 1] [../shared/corpus-wild ...]

With `--dashboards`, half the targets' `expr` of every dashboard are mutated, in copies, and each
query goes to promtool as Grafana would send it (tests.promtool_agreement: variables at their
saved values), so the expander's placeholders are judged too.

The Debian promtool is Prometheus 2; gac follows Prometheus 3 (the conformance cases are from
its main branch). Disagreements that are that difference are counted apart, not listed:
durations as numbers (`x > 5m`), numbers as durations (`x[300]`, `offset 15`), quoted label
names (`{"a"="b"}`, `by ("a")`), and `start()`/`end()`, which Prometheus 3 takes with its
experimental duration expressions.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator.lint.promql_analysis import analyze
from tests.paths import SHARED
from tests.promtool_agreement import PROMTOOL, agreement, promtool_verdicts

TOKENS = ["(", ")", "[", "]", "{", "}", ",", " ", "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=",
          "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
          "@", "start()", "end()", "5m", "1h30m", "0", "1e3", "0x1f", "NaN", "Inf", "-Inf", '"a"', "'b'", "`c`",
          "=~", "!~", "=", "sum", "rate", "x", "__name__", "le", ":", "1.5", ".5", "5.", "1e-3", "9999999999",
          "topk", "quantile", "count_values", "histogram_quantile", "label_replace", "absent", "vector", "scalar",
          "time()", "#", "\n", "\\", "1y", "1w", "1d", "300ms", "1m1m", "5M", "group_left(a)", "on(a)", "[5m:1m]",
          "[5m:]", "@ 100", "offset -5m", '"le"', "label_join", "info", "limitk", "01e3", "1e308", '"a**"', "**"]

#: what promtool (Prometheus 2) says where Prometheus 3 differs
VERSION_DIFFERENCES = re.compile(r"unexpected duration|missing unit character|in offset, expected duration|"
                                 r"unknown function|unexpected string .* in (?:label matching|grouping opts)")
#: a duration where Prometheus 2 wants a number (a function argument), for its odd message
_DURATION_ARGUMENT = re.compile(r",\s*[0-9]+(?:ms|[smhdwy])")


def version_difference(text: str, said: str) -> bool:
    """Whether promtool refuses `text` (with `said`) where Prometheus 3 takes it."""
    return (VERSION_DIFFERENCES.search(said) is not None
            or 'unexpected "("' in said and ("start()" in text or "end()" in text)
            or "trailing commas not allowed" in said and _DURATION_ARGUMENT.search(text) is not None)


def rule_queries(roots: list[Path]) -> list[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            expr = value.get("expr")
            if isinstance(expr, str) and "$" not in expr and expr.strip():
                found.add(expr.strip())
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for root in roots:
        for path in sorted(root.rglob("*.y*ml")):
            try:
                for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                    walk(doc)
            except (yaml.YAMLError, UnicodeDecodeError):
                continue
    return sorted(found)


def mutate(rng: random.Random, query: str) -> str:
    tokens = re.findall(r"\w+|\s+|\S", query)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(tokens) + 1)
        roll = rng.random()
        if roll < 0.4 and tokens:
            del tokens[min(i, len(tokens) - 1)]
        elif roll < 0.8:
            tokens.insert(i, rng.choice(TOKENS))
        elif tokens:
            tokens[min(i, len(tokens) - 1)] = rng.choice(TOKENS)
    return "".join(tokens)


def mutated_dashboards(rng: random.Random, roots: list[Path], out: Path) -> int:
    """Copies of the dashboards under `roots` in `out`, half their targets' `expr` mutated; how many."""
    count = 0

    def walk(value: Any) -> None:
        nonlocal count
        if isinstance(value, dict):
            for key, item in list(value.items()):
                if key == "expr" and isinstance(item, str) and item.strip() and rng.random() < 0.5:
                    value[key] = mutate(rng, item)
                    count += 1
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for i, path in enumerate(sorted(p for root in roots for p in root.rglob("*.json"))):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        walk(doc)
        (out / f"d{i}.json").write_text(json.dumps(doc), encoding="utf-8")
    return count


def dashboards_main(args: argparse.Namespace) -> int:
    roots = args.roots or [SHARED / "corpus", SHARED / "corpus-wild"]
    with tempfile.TemporaryDirectory(prefix="gac-fuzz-") as tmp:
        count = mutated_dashboards(random.Random(args.seed), roots, Path(tmp))
        result = agreement([Path(tmp)])
    listed = [(q, said) for q, said in result.disagreements
              if not (q.gac_error is None and said is not None and version_difference(q.sent or "", said))]
    print(f"{count} targets mutated; {len(result.compared)} queries compared; {len(listed)} disagreements, and "
          f"{len(result.disagreements) - len(listed)} where Prometheus 3 differs from this promtool")
    for q, said in listed:
        print(f"{q.text!r}\n   sent:     {q.sent!r}\n   gac:      {q.gac_error}\n   promtool: {said}")
    return 1 if listed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("roots", nargs="*", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mutants", type=int, default=4000)
    parser.add_argument("--dashboards", action="store_true", help="mutate dashboard targets instead")
    args = parser.parse_args()
    if PROMTOOL is None:
        print("promtool is not on PATH (apt-get install prometheus)", file=sys.stderr)
        return 2
    if args.dashboards:
        return dashboards_main(args)
    roots = args.roots or [SHARED / "corpus", SHARED / "corpus-wild"]
    queries = rule_queries(roots)
    rng = random.Random(args.seed)
    mutants = sorted({m for m in (mutate(rng, rng.choice(queries)) for _ in range(args.mutants)) if m.strip()})
    verdicts = promtool_verdicts(mutants)
    versions = 0
    listed = []
    for text in mutants:
        ours, theirs = analyze(text).error, verdicts[text]
        if (ours is None) == (theirs is None):
            continue
        if ours is None and theirs is not None and version_difference(text, theirs):
            versions += 1
        else:
            listed.append((text, ours, theirs))
    print(f"{len(mutants)} mutants of {len(queries)} rule queries; {len(listed)} disagreements, and {versions} where "
          "Prometheus 3 differs from this promtool")
    for text, ours, theirs in listed:
        print(f"{text!r}\n   gac:      {ours}\n   promtool: {theirs}")
    return 1 if listed else 0


if __name__ == "__main__":
    raise SystemExit(main())
