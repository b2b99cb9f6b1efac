"""A checker for the Go text/template snippets in alert annotations and labels.

Grafana and Prometheus render annotations such as `{{ $labels.job }} is down ({{ humanize
$value }})` with Go's text/template. A typo (an unclosed `{{`, an unknown function, an `if`
without `end`, a variable never declared) breaks the notification at the worst moment, and
a reference to a refId that does not exist (`{{ $values.B }}`) renders as nothing. This
module parses the actions well enough to report those, and returns the labels and refIds a
template names so rules can cross-check them against the query.

Only references to the alert's own data are returned. Inside the body of a `range` or `with`
(and a `define`/`block`) Go rebinds the dot to the element or value at hand, so `.Labels.x`
there reads something else: in `{{ range query "..." }}{{ .Labels.x }}{{ end }}`, a sample of
that inner query. `$labels` and `$` are variables and keep meaning the alert there, and the
block's own pipeline (`{{ range ... .Labels.cluster | query }}`) is evaluated before the dot
moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

GO_BUILTINS = frozenset({
    "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge",
    "html", "js", "urlquery", "slice", "call",
})
#: Prometheus' template functions (also Grafana's for alert rule annotations and labels)
PROMETHEUS_FUNCS = frozenset({
    "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "title",
    "toUpper", "toLower", "match", "reReplaceAll", "graphLink", "tableLink", "args", "externalURL",
    "pathPrefix", "safeHtml", "label", "value", "first", "query", "sortByLabel", "strvalue", "stripPort",
    "stripDomain", "parseDuration", "toTime", "toDuration", "now", "since", "urlUnescape", "safeUrl",
})
#: Grafana's notification-template additions, also accepted in annotations
GRAFANA_FUNCS = frozenset({
    "join", "toJson", "stringSlice", "date", "tz", "data", "json", "trimSpace", "reReplaceAll",
})
KNOWN_FUNCS = GO_BUILTINS | PROMETHEUS_FUNCS | GRAFANA_FUNCS
KEYWORDS = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue",
                      "nil", "true", "false"})
OPENERS = frozenset({"if", "range", "with", "define", "block"})
#: blocks whose body sees another dot than the alert's data (an `else` branch of range/with does not)
REBINDS_DOT = frozenset({"range", "with", "define", "block"})
#: variables Grafana defines for alert rule templates
GRAFANA_VARIABLES = frozenset({"$", "$labels", "$values", "$value"})
#: variables Prometheus defines for alerting rule templates
PROMETHEUS_VARIABLES = frozenset({"$", "$labels", "$value", "$externalLabels", "$externalURL"})

_ACTION_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<str>"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)')
| (?P<badstr>["`'])
| (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
| (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)
| (?P<num>[-+]?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))
| (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
| (?P<decl>:=|=)
| (?P<punct>[|(),])
| (?P<other>.)
""", re.VERBOSE | re.DOTALL)


@dataclass
class TemplateResult:
    ok: bool = True
    error: str | None = None
    offset: int | None = None
    labels: list[tuple[str, int]] = field(default_factory=list)      # ($labels.x | .Labels.x, offset)
    ref_ids: list[tuple[str, int]] = field(default_factory=list)     # ($values.A | .Values.A, offset)
    #: offset of each entry of `labels` -> the reference as the template wrote it (`.Labels.x`,
    #: `$labels.x`, `index $labels "x"`), so a message quotes the author's spelling
    written: dict[int, str] = field(default_factory=dict)


@dataclass
class _Block:
    """An open if/range/with/define/block, and whether its current branch sees another dot."""
    keyword: str
    at: int
    rebinds_dot: bool


def check(text: str, known_funcs: frozenset[str] = KNOWN_FUNCS,
          variables: frozenset[str] = GRAFANA_VARIABLES) -> TemplateResult:
    """Parse every `{{ ... }}` action of a Go template; the first error stops the check."""
    result = TemplateResult()
    if "{{" not in text:
        return result
    declared: set[str] = set(variables)
    stack: list[_Block] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            return _fail(result, "unclosed action: '{{' has no matching '}}'", start)
        body_start = start + 2
        body_end = end
        if text.startswith("-", body_start) and text[body_start + 1:body_start + 2].isspace():
            body_start += 1
        if text[body_end - 1:body_end] == "-" and text[body_end - 2:body_end - 1].isspace():
            body_end -= 1
        body = text[body_start:body_end]
        stripped = body.strip()
        if stripped.startswith("/*"):
            if not stripped.endswith("*/"):
                return _fail(result, "unclosed comment in template action", start)
            pos = end + 2
            continue
        if not stripped:
            return _fail(result, "empty template action '{{}}'", start)
        error = _action(body, body_start, declared, stack, result, known_funcs)
        if error:
            return _fail(result, *error)
        pos = end + 2
    if stack:
        block = stack[-1]
        return _fail(result, f"unexpected end of template: {{{{ {block.keyword} }}}} has no {{{{ end }}}}",
                     block.at)
    return result


def _fail(result: TemplateResult, message: str, offset: int) -> TemplateResult:
    result.ok = False
    result.error = message
    result.offset = offset
    return result


def _action(body: str, base: int, declared: set[str], stack: list[_Block], result: TemplateResult,
            known_funcs: frozenset[str]) -> tuple[str, int] | None:
    tokens = []
    for m in _ACTION_TOKEN.finditer(body):
        kind = m.lastgroup or "other"
        if kind == "ws":
            continue
        if kind == "badstr":
            return "unterminated string in template action", base + m.start()
        if kind == "other":
            return f"unexpected {m.group()!r} in template action", base + m.start()
        tokens.append((kind, m.group(), base + m.start()))
    if not tokens:
        return None
    # whether `.` in this action is something else than the alert's data; an opener's own
    # pipeline is evaluated before its body rebinds the dot, so it is judged before the push
    foreign_dot = any(block.rebinds_dot for block in stack)
    first_kind, first, first_at = tokens[0]
    if first_kind == "ident" and first in KEYWORDS:
        if first in OPENERS:
            stack.append(_Block(first, first_at, first in REBINDS_DOT))
        elif first == "end":
            if not stack:
                return "{{ end }} without a matching if, range or with", first_at
            stack.pop()
            return None
        elif first == "else":
            if not stack or stack[-1].keyword not in ("if", "range", "with"):
                return "{{ else }} outside if, range or with", first_at
            # the else branch of range/with runs with the enclosing dot, unless it is `else with`
            foreign_dot = any(block.rebinds_dot for block in stack[:-1])
            stack[-1].rebinds_dot = len(tokens) > 1 and tokens[1][1] == "with"
        elif first in ("break", "continue") and not any(block.keyword == "range" for block in stack):
            return f"{{{{ {first} }}}} outside range", first_at
        tokens = tokens[1:]
        if first == "else" and tokens and tokens[0][1] in ("if", "with"):
            tokens = tokens[1:]
        if first in ("define", "template", "block"):
            return None
    # declarations: $x := ..., $i, $x := range ...
    decl_index = next((i for i, t in enumerate(tokens) if t[0] == "decl"), None)
    if decl_index is not None:
        for kind, text, at in tokens[:decl_index]:
            if kind == "var":
                declared.add(text.split(".")[0])
            elif text != ",":
                return f"unexpected {text!r} before ':='", at
        tokens = tokens[decl_index + 1:]
        if tokens and tokens[0][1] == "range":
            stack.append(_Block("range", tokens[0][2], True))
            tokens = tokens[1:]
    depth = 0
    for kind, text, at in tokens:
        if kind == "var":
            root = text.split(".")[0]
            if root not in declared:
                return f"undefined variable {root!r}", at
            parts = text.split(".")
            if root == "$labels" and len(parts) > 1:
                _label(result, parts[1], at, f"$labels.{parts[1]}")
            elif root == "$values" and len(parts) > 1:
                result.ref_ids.append((parts[1], at))
            elif root == "$" and len(parts) > 2:  # $ is the alert's data wherever the dot is
                _field(result, parts[1], parts[2], at, "$.")
        elif kind == "field" and not foreign_dot:
            parts = text.split(".")
            if len(parts) > 2:
                _field(result, parts[1], parts[2], at, ".")
        elif kind == "ident" and text not in ("nil", "true", "false"):
            if text in KEYWORDS:
                return f"unexpected keyword {text!r} inside an action", at
            if text not in known_funcs:
                return f"function {text!r} not defined", at
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth < 0:
                return "unexpected ')' in template action", at
    if depth > 0:
        return "unclosed '(' in template action", base
    # `index $values "A"`: a refId given as a string
    alert_values = ("$values", "$.Values") if foreign_dot else ("$values", "$.Values", ".Values")
    alert_labels = ("$labels", "$.Labels") if foreign_dot else ("$labels", "$.Labels", ".Labels")
    for i in range(len(tokens) - 2):
        if tokens[i][1] != "index" or tokens[i + 2][0] != "str":
            continue
        name, at = tokens[i + 2][1].strip("\"`"), tokens[i + 2][2]
        if tokens[i + 1][1] in alert_values:
            result.ref_ids.append((name, at))
        elif tokens[i + 1][1] in alert_labels:
            _label(result, name, at, f"index {tokens[i + 1][1]} {tokens[i + 2][1]}")
    return None


def _field(result: TemplateResult, section: str, name: str, at: int, prefix: str) -> None:
    """Record `.Labels.x` / `.Values.A` (prefix `.`) or their `$.` spelling."""
    if section == "Labels":
        _label(result, name, at, f"{prefix}Labels.{name}")
    elif section == "Values":
        result.ref_ids.append((name, at))


def _label(result: TemplateResult, name: str, at: int, written: str) -> None:
    result.labels.append((name, at))
    result.written[at] = written
