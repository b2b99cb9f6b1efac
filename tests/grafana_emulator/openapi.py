"""Request-body validation against Grafana's OpenAPI (Swagger 2.0) spec.

Why two validators per operation
--------------------------------
Grafana does not validate requests against its swagger file.  It decodes the
body with Go's ``encoding/json`` (``pkg/web/binding.go`` ``Bind``: decode,
an empty body is accepted, then ``binding:"Required"`` tags / ``Validate()``),
and the handlers validate the rest with their own messages.  A faithful
emulator therefore must not be stricter than that, yet the swagger file is the
published contract and a client drifting from it is worth knowing about.  So
each operation gets:

* a **decode** validator -- what Go's decoder rejects, which Grafana answers
  with 400 ``{"message": "bad request data"}``: wrong JSON types (string for an
  int, float for an int64, object for an array, non-string map values, ...)
  and unparsable ``date-time`` / Prometheus ``duration`` strings.  JSON
  ``null`` is accepted everywhere, because Go's decoder accepts null for any
  field.  ``required``, ``enum``, ``pattern``, length and range keywords are
  dropped: Go does not enforce them at decode time (the handlers enforce what
  Grafana enforces, with Grafana's messages).  A failure is rejected with 400
  and recorded as a *schema violation*.
* a **contract** validator -- the swagger schema as published (Swagger 2.0
  semantics: ``format`` ignored, ``x-nullable`` honoured, additional
  properties allowed unless the schema says otherwise).  A failure here is
  accepted (Grafana accepts it) but recorded as a *contract warning*.

Swagger's own inaccuracies, corrected for decoding (each is a Go type with a
custom ``UnmarshalJSON`` that the swagger generator rendered wrongly):

* ``Matchers`` (alertmanager ``config.Matchers``) is sent as a list of
  strings (``["team=\"sre\""]``), not a list of objects.
* ``Duration`` inside ``RelativeTimeRange`` (``from``/``to``) is a number of
  seconds; Go also accepts a duration string.

Operations are resolved by method + path template (paths are relative to
``basePath`` ``/api``); literal segments win over parameters, so
``/datasources/uid/{uid}`` beats ``/datasources/{id}``.  The 2+ MB spec is
loaded and the validators compiled once per process.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .paths import openapi_spec_path

_DROP_FOR_DECODE = {
    "required", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "multipleOf", "readOnly", "example", "default",
    "description", "title", "discriminator", "externalDocs", "xml",
}
_CHECKED_FORMATS = {"date-time", "duration"}

#: Definitions whose Go type decodes differently from what swagger says.
DECODE_OVERRIDES: dict[str, dict[str, Any]] = {
    "Matchers": {"type": ["array", "null"], "items": {"type": ["string", "null"]}},
    "Duration": {"type": ["number", "string", "null"]},
}

#: The same corrections for the contract view (the swagger rendering is wrong, not the client).
CONTRACT_OVERRIDES: dict[str, dict[str, Any]] = {
    "Matchers": {"type": "array", "items": {"type": "string"}},
    "Duration": {"type": ["number", "string"]},
}

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
#: prometheus/common model.ParseDuration; "0" is accepted on its own.
_PROM_DURATION = re.compile(
    r"^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$"
)

_format_checker = jsonschema.FormatChecker(formats=())


@_format_checker.checks("date-time")
def _is_go_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@_format_checker.checks("duration")
def _is_prom_duration(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return value == "0" or (value != "" and bool(_PROM_DURATION.match(value)))


def _nullable(type_value: Any) -> Any:
    types = type_value if isinstance(type_value, list) else [type_value]
    return types if "null" in types else [*types, "null"]


def _to_decode_schema(node: Any) -> Any:
    """Swagger schema -> JSON Schema (draft 4) with Go-decoder semantics."""
    if isinstance(node, list):
        return [_to_decode_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP_FOR_DECODE or key.startswith("x-"):
            continue
        if key == "format":
            if value in _CHECKED_FORMATS:
                out[key] = value
            continue
        if key == "properties":
            out[key] = {name: _to_decode_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not"):
            out[key] = _to_decode_schema(value)
        else:
            out[key] = value
    if "type" in out:
        out["type"] = _nullable(out["type"])
    if "$ref" in out:
        # A $ref sibling keyword is ignored in draft 4; wrap to allow null.
        return {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
    return out


def _to_contract_schema(node: Any) -> Any:
    """Swagger schema -> JSON Schema (draft 4) as published: x-nullable honoured, format ignored."""
    if isinstance(node, list):
        return [_to_contract_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in ("format", "example", "readOnly", "discriminator"):
            continue
        if key == "properties":
            out[key] = {name: _to_contract_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not"):
            out[key] = _to_contract_schema(value)
        else:
            out[key] = value
    if node.get("x-nullable") and "type" in out:
        out["type"] = _nullable(out["type"])
    return out


@dataclass
class Operation:
    """One swagger operation that takes a JSON body."""

    method: str
    template: str
    operation_id: str
    schema_name: str
    decode: jsonschema.protocols.Validator
    contract: jsonschema.protocols.Validator


@dataclass(frozen=True)
class Finding:
    """One validation failure, formatted for a message and for assertions."""

    operation_id: str
    method: str
    path: str
    schema: str
    location: str
    message: str

    def __str__(self) -> str:
        where = self.location or "(body)"
        return f"OpenAPI {self.operation_id} ({self.schema}) at {where}: {self.message}"


@dataclass
class BodyValidator:
    """Resolves an operation by method and path and validates its JSON body."""

    spec_path: Path
    _routes: list[tuple[str, re.Pattern[str], int, str, dict[str, Any]]] = field(default_factory=list)
    _compiled: dict[tuple[str, str], Operation | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        spec = json.loads(self.spec_path.read_text(encoding="utf-8"))
        self.base_path: str = spec.get("basePath", "/api")
        self._definitions: dict[str, Any] = spec["definitions"]
        decode_defs = {name: _to_decode_schema(d) for name, d in self._definitions.items()}
        decode_defs.update(copy.deepcopy(DECODE_OVERRIDES))
        self._decode_defs = decode_defs
        contract_defs = {name: _to_contract_schema(d) for name, d in self._definitions.items()}
        contract_defs.update(copy.deepcopy(CONTRACT_OVERRIDES))
        self._contract_defs = contract_defs
        for template, ops in spec["paths"].items():
            literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
            pattern = re.compile(
                "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            )
            for method, op in ops.items():
                if method == "parameters" or not isinstance(op, dict):
                    continue
                self._routes.append((method.upper(), pattern, literal, template, op))
        # Most literal segments first, so fixed paths win over parameters.
        self._routes.sort(key=lambda r: -r[2])

    def resolve(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """(template, operation) for a request path under basePath, or None."""
        if not path.startswith(self.base_path + "/"):
            return None
        rel = path[len(self.base_path):]
        for m, pattern, _lit, template, op in self._routes:
            if m == method and pattern.match(rel):
                return template, op
        return None

    def _operation(self, method: str, template: str, op: dict[str, Any]) -> Operation | None:
        key = (method, template)
        with self._lock:
            if key in self._compiled:
                return self._compiled[key]
            body = next((p for p in op.get("parameters", []) if p.get("in") == "body"), None)
            compiled: Operation | None = None
            if body is not None and "schema" in body:
                raw = body["schema"]
                ref = raw.get("$ref", "")
                name = ref.rsplit("/", 1)[-1] if ref else "inline"
                decode_schema = {"definitions": self._decode_defs, **_root(_to_decode_schema(raw))}
                contract_schema = {"definitions": self._contract_defs, **_root(_to_contract_schema(raw))}
                compiled = Operation(
                    method=method,
                    template=template,
                    operation_id=op.get("operationId", template),
                    schema_name=name,
                    decode=jsonschema.Draft4Validator(decode_schema, format_checker=_format_checker),
                    contract=jsonschema.Draft4Validator(contract_schema),
                )
            self._compiled[key] = compiled
            return compiled

    def validate(self, method: str, path: str, body: Any) -> tuple[list[Finding], list[Finding]]:
        """(decode violations, contract warnings) for a parsed JSON body."""
        resolved = self.resolve(method, path)
        if resolved is None:
            return [], []
        template, op = resolved
        operation = self._operation(method, template, op)
        if operation is None:
            return [], []
        violations = [_finding(operation, path, e) for e in _errors(operation.decode, body)]
        if violations:
            return violations, []
        warnings = [_finding(operation, path, e) for e in _errors(operation.contract, body)]
        return [], warnings


def _root(schema: Any) -> dict[str, Any]:
    if isinstance(schema, dict) and "$ref" in schema and len(schema) == 1:
        return {"allOf": [schema]}
    return schema if isinstance(schema, dict) else {}


def _errors(validator: jsonschema.protocols.Validator, body: Any) -> list[jsonschema.ValidationError]:
    errors = list(validator.iter_errors(body))
    # Report the most specific failures (anyOf wrappers hide them in .context).
    flat: list[jsonschema.ValidationError] = []
    for err in errors:
        while err.context:
            # Skip the branch that only allows null (added for Go's decoder).
            real = [c for c in err.context if not (c.validator == "type" and c.validator_value == "null")]
            if not real:
                break
            err = real[0]
        flat.append(err)
    return sorted(flat, key=lambda e: list(map(str, e.absolute_path)))


def _finding(op: Operation, path: str, err: jsonschema.ValidationError) -> Finding:
    location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")
    return Finding(op.operation_id, op.method, path, op.schema_name, location, err.message)


_instance: BodyValidator | None = None
_instance_lock = threading.Lock()
_loaded = False


def get_validator() -> BodyValidator | None:
    """The process-wide validator, or None when the spec is absent."""
    global _instance, _loaded
    with _instance_lock:
        if not _loaded:
            spec = openapi_spec_path()
            _instance = BodyValidator(spec) if spec is not None else None
            _loaded = True
        return _instance
