"""The shape of grafana.yaml, as a JSON Schema, and errors a person can act on.

Why a schema: a misspelled key (`tokn_env`, `enviroments`, `basicAuthUsr`) used to be read
as "not set", so a sync went ahead with a default nobody chose. Every mapping here is
closed (`additionalProperties: false`), and an unknown key is reported with its path and
the closest key that is valid at that place.

Which keys a data source of a given type reads from `secureJsonData` is data-source
knowledge: it lives in the data-source handler (`handlers.datasource.SECURE_KEYS`) and is
checked against the compiled definitions, where the type is known.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .urls import has_credentials

#: the conventional form of an environment variable's name (POSIX: "uppercase letters, digits and
#: the <underscore>"). Deliberately stricter than what a shell accepts: a secret pasted where a
#: name belongs (`hunter2`, `glsa_Abc123...`) nearly always has a lower-case letter or a sign
#: in it, and is then refused -- without being echoed -- instead of being printed later as
#: the name of a variable that is "not set".
ENV_NAME_PATTERN = "^[A-Z_][A-Z0-9_]*$"
_ENV_NAME = re.compile(ENV_NAME_PATTERN)
_ENV_VAR = {"type": "string", "pattern": ENV_NAME_PATTERN}


def is_env_name(value: object) -> bool:
    """Is `value` an environment variable's name as grafana.yaml takes it (so it may be printed)?"""
    return isinstance(value, str) and _ENV_NAME.fullmatch(value) is not None

#: what an environment may say about one data source (besides its uid, the key above it)
_DATASOURCE_SETTINGS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "url": {"type": "string", "minLength": 1},
        "basicAuth": {"type": "boolean"},
        "basicAuthUser": {"type": "string"},
        "user": {"type": "string"},
        "database": {"type": "string"},
        "withCredentials": {"type": "boolean"},
        "secrets": {
            "type": "object",
            "description": "secureJsonData key -> NAME of the environment variable holding its value",
            "additionalProperties": _ENV_VAR,
        },
    },
}

#: what an environment says about one contact point (by uid): its secret settings' variables
_CONTACT_POINT_SETTINGS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "secrets": {
            "type": "object",
            "description": "secret settings key (url, integrationKey, password...) -> NAME of the environment variable",
            "additionalProperties": _ENV_VAR,
        },
    },
}

#: keys grafana.yaml no longer reads, and what replaced them (a "did you mean" would mislead)
_RETIRED = {
    "secrets_version": "no longer used: with GAC_SECRET_PEPPER set a rotated secret is detected, without it "
                       "`gac sync --rotate-secrets UID` re-sends it (README: Rotated secrets); remove this key",
}

_COLLECTOR: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "version": {"type": "string", "pattern": r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?$",
                    "description": "the collector's version, e.g. 0.146 or 0.146.0", "examples": ["0.146"]},
        "translation_strategy": {
            "enum": ["UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes",
                     "NoUTF8EscapingWithSuffixes", "NoTranslation"],
        },
    },
}

_ENVIRONMENT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "url": {"type": "string", "pattern": "^https?://", "description": "the Grafana URL, http(s)://host[:port]"},
        "token_env": _ENV_VAR,
        "org_id": {"anyOf": [{"type": "integer", "minimum": 1},
                             {"type": "string", "pattern": "^[0-9]+$", "description": "an organisation id"}]},
        "alerts_editable": {"type": "boolean"},
        "lock_ui_edits": {"type": "boolean", "description": "Grafana 12+: dashboards and folders gac manages are "
                                                           "read-only in Grafana's UI (manager annotations)"},
        "datasources": {"type": "object", "additionalProperties": _DATASOURCE_SETTINGS},
        "contact_points": {"type": "object", "additionalProperties": _CONTACT_POINT_SETTINGS},
        "collector": _COLLECTOR,
    },
}

#: the `lint:` section: its keys here, their contents in `lint.config.LintConfig` (one place)
_LINT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {key: {} for key in ("rules", "datasources", "catalog", "alerts", "ignore", "notifications")},
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "grafana.yaml",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "environments": {"type": "object", "additionalProperties": _ENVIRONMENT},
        "collector": _COLLECTOR,
        "lint": _LINT,
    },
}

_VALIDATOR = Draft202012Validator(SCHEMA)


def schema_errors(data: Any) -> list[str]:
    """One line per problem, `path: what is wrong (did you mean …)`, in document order."""
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [line for error in _leaves(errors) for line in _explain(error)] + _credentials_in_urls(data)


def _credentials_in_urls(data: Any) -> list[str]:
    """URLs of grafana.yaml that carry a user or password: a secret in a committed file, and
    one that plan, drift and backups would print. Said without the URL, with what to use.

    A data source authenticates with `basicAuth`/`basicAuthUser` and its password in a
    variable; Grafana itself with `token_env` or GRAFANA_USER/GRAFANA_PASSWORD; the lint
    catalog's Prometheus with a URL given on the command line. (GRAFANA_URL,
    an environment variable, may still carry user:password.)
    """
    out: list[str] = []
    envs = data.get("environments") if isinstance(data, dict) else None
    for name, env in sorted(envs.items(), key=lambda kv: str(kv[0])) if isinstance(envs, dict) else ():
        if not isinstance(env, dict):
            continue
        if isinstance(env.get("url"), str) and has_credentials(env["url"]):
            out.append(f"environments.{name}.url: holds a user or password (user:password@): remove it; "
                       "authenticate with token_env (a service-account token) or GRAFANA_USER/GRAFANA_PASSWORD")
        sources = env.get("datasources")
        for uid, settings in sorted(sources.items(), key=lambda kv: str(kv[0])) if isinstance(sources, dict) else ():
            url = settings.get("url") if isinstance(settings, dict) else None
            if isinstance(url, str) and has_credentials(url):
                out.append(f"environments.{name}.datasources.{uid}.url: holds a user or password (user:password@): "
                           "remove it and set basicAuth: true, basicAuthUser: USER and "
                           "secrets: {basicAuthPassword: VARIABLE} (the NAME of the variable holding the password)")
    lint = data.get("lint") if isinstance(data, dict) else None
    catalog = lint.get("catalog") if isinstance(lint, dict) else None
    url = catalog.get("prometheus_url") if isinstance(catalog, dict) else None
    if isinstance(url, str) and has_credentials(url):
        out.append("lint.catalog.prometheus_url: holds a user or password (user:password@): remove it from this "
                   "committed file; give a URL that needs credentials on the command line instead, from a secret "
                   "of your CI (gac lint --prometheus-url \"$PROMETHEUS_URL\")")
    return out


def _leaves(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """For an `anyOf`, the errors of the branch that came closest, not the whole union."""
    out: list[ValidationError] = []
    for error in errors:
        if error.validator == "anyOf" and error.context:
            deepest = max(len(e.absolute_path) for e in error.context)
            if deepest > len(error.absolute_path):
                out.extend(_leaves(e for e in error.context if len(e.absolute_path) == deepest))
                continue
        out.append(error)
    return out


def _explain(error: ValidationError) -> list[str]:
    """What is wrong, one line per offending key (an unknown-keys error may name several)."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        path = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        known = sorted(_schema_of(error).get("properties") or {})
        unknown = sorted(str(k) for k in error.instance if k not in known)
        if unknown:
            return [f"{_join(path, key)}: {_RETIRED[key]}" if key in _RETIRED
                    else f"{_join(path, key)}: unknown key{_closest(key, known)}" for key in unknown]
    return [_explain_value(error)]


def _schema_of(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _closest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else f" (valid here: {', '.join(known)})"


def _explain_value(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "enum":
        options = [str(c) for c in _schema_of(error).get("enum") or ()]
        choices = ", ".join(options)
        close = difflib.get_close_matches(str(error.instance), options, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{path}: {error.instance!r} is not one of {choices}{hint}"
    # below, the value itself is never quoted: a secret or a URL with credentials pasted into
    # the wrong place must not reach a log
    if error.validator == "pattern" and error.schema is _ENV_VAR:
        return (f"{path}: not an environment variable NAME (write the variable's name here, never its value: "
                "upper-case letters, digits and _, e.g. MIMIR_PASSWORD)")
    if error.validator == "pattern":
        return f"{path}: does not match {error.validator_value} ({_schema_of(error).get('description') or 'see README'})"
    if error.validator == "type":
        found = yaml_kind(error.instance)
        return f"{path}: expected {_type_name(error.validator_value)}, found {found}{_quote_hint(error)}"
    if error.validator == "minLength":
        return f"{path}: must not be empty"
    if error.validator == "minimum":
        return f"{path}: must be at least {error.validator_value}"
    if error.validator == "anyOf":
        branches: list[dict[str, Any]] = list(error.validator_value)  # type: ignore[arg-type]
        return f"{path}: expected {' or '.join(_expected(branch) for branch in branches)}"
    return f"{path}: invalid value ({error.validator} {error.validator_value!r} not satisfied)"


def _quote_hint(error: ValidationError) -> str:
    """For a number where a string with `examples` belongs (a version), how to write it: YAML took
    the unquoted text for a number, and a decimal one may have lost digits (0.10 is read as 0.1)."""
    value, examples = error.instance, _schema_of(error).get("examples")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not examples:
        return ""
    said = f": quote it ({error.absolute_path[-1]}: \"{examples[0]}\")"
    return said + (", as YAML reads an unquoted 0.10 as the number 0.1" if isinstance(value, float) else "")


def yaml_kind(value: Any) -> str:
    """What a value of grafana.yaml is, in a message: its YAML type, never its content (nor
    Python's type names)."""
    names: dict[type, str] = {type(None): "null (an empty value)", bool: "true/false", int: "a number",
                              float: "a number", str: "a string", list: "a list", dict: "a mapping"}
    return names.get(type(value), "a value of another kind")


def _expected(schema: dict[str, Any]) -> str:
    """One branch of an `anyOf`, as `_type_name` says it, with its bound and what it stands for."""
    said = _type_name(schema.get("type", "value"))
    if "minimum" in schema:
        said += f" of at least {schema['minimum']}"
    if "pattern" in schema:
        said += f" matching {schema['pattern']}"
    if "description" in schema:
        said += f" ({schema['description']})"
    return said


def _join(path: str, key: str) -> str:
    return key if path == "(top level)" else f"{path}.{key}"


def _type_name(value: Any) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "a string", "boolean": "true or false",
             "integer": "a whole number", "null": "nothing"}
    values = value if isinstance(value, list) else [value]
    return " or ".join(names.get(str(v), str(v)) for v in values)
