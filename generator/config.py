"""grafana.yaml: environments (Grafana URL, data-source endpoints, secret variable names).

Only names of environment variables live in the file, never secret values; `resolve_env`
reads the variables at sync time.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .config_schema import schema_errors, yaml_kind
from .errors import ConfigError, checked_scalar_tags, refuse_duplicate_keys, unreadable

CONFIG_FILE = "grafana.yaml"


def load_config(root: Path) -> dict[str, Any]:
    """The parsed grafana.yaml at `root` ({} when absent: build and lint need none)."""
    path = root / CONFIG_FILE
    if not path.exists():
        if path.is_symlink():  # taken for "no grafana.yaml": built without its declared data sources and settings
            raise ConfigError(f"{path}: a broken link (or a loop of links): point it at the project's grafana.yaml, "
                              "or remove it")
        return {}
    return load_config_file(path)


class _ConfigLoader(yaml.SafeLoader):
    """grafana.yaml's reader: PyYAML's safe loader, refusing a tagged value that is none of its tag."""


checked_scalar_tags(_ConfigLoader)
refuse_duplicate_keys(_ConfigLoader)


def load_config_file(path: Path) -> dict[str, Any]:
    """A grafana.yaml, parsed and checked against the schema (`gac lint --config` names any file)."""
    text = None
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a directory, or a FIFO that would be waited on for ever
            raise ConfigError(f"{path}: not a regular file; give the path of a grafana.yaml")
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_ConfigLoader) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}{yaml_problem(exc)}. Fix the syntax and run again.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: cannot read: {unreadable(exc, text)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {yaml_kind(data)}.")
    problems = schema_errors(data)
    if problems:
        listed = "\n  ".join(problems)
        raise ConfigError(f"{path}: {len(problems)} problem(s); fix them and run again:\n  {listed}")
    return data


@contextmanager
def naming_file(path: Path) -> Iterator[None]:
    """ConfigErrors raised while a section of the grafana.yaml at `path` is read (`lint.catalog.metrics_files[0]:
    expected ...`) said with the file, as `load_config_file` says its own: the sections are read where they are
    used, from the parsed mapping, which knows no file."""
    try:
        yield
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """`:LINE:COLUMN: not valid YAML: what`, without the excerpt of the line PyYAML quotes:
    that line may be a secret pasted where a variable's name belongs."""
    where, what = yaml_error_parts(exc)
    return f"{where}: not valid YAML: {what}"


def yaml_error_parts(exc: yaml.YAMLError) -> tuple[str, str]:
    """(`:LINE:COLUMN` or "", what is wrong) of a YAML error, on one line and without the excerpt
    of the line (`yaml_problem`), for messages that put other words between the two."""
    mark = getattr(exc, "problem_mark", None)
    where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or "syntax error"
    context = getattr(exc, "context", None)
    return where, problem + (f" ({context})" if context else "")


def environment(config: dict[str, Any], name: str) -> dict[str, Any]:
    """One environment's settings, or a ConfigError listing the ones that exist."""
    envs = config.get("environments") or {}
    if name not in envs:
        known = ", ".join(sorted(envs)) or "none"
        raise ConfigError(f"{CONFIG_FILE}: no environment {name!r} (defined: {known}). Use --env with one of them.")
    return envs[name]


@dataclass(frozen=True)
class DeclaredDatasource:
    """A data source that exists in Grafana but is not defined in this repository."""

    uid: str
    type: str
    name: str | None = None


def project_declared_datasources(root: Path) -> dict[str, DeclaredDatasource]:
    """`lint.datasources` of the grafana.yaml at `root` ({} without one), errors naming the file."""
    lint = load_config(root).get("lint")
    with naming_file(root / CONFIG_FILE):
        return declared_datasources(lint.get("datasources") if isinstance(lint, Mapping) else None)


def declared_datasources(value: Any) -> dict[str, DeclaredDatasource]:
    """`lint.datasources` of grafana.yaml: data sources managed elsewhere that definitions may use,
    as `uid: type`, `uid: {type, name}` or a list of `{uid, type, name}`."""
    out: dict[str, DeclaredDatasource] = {}
    if value is None:
        return out
    if isinstance(value, Mapping):
        for uid, ds_type in value.items():
            where = f"lint.datasources.{uid}"
            if isinstance(ds_type, Mapping):
                out[str(uid)] = _declared(where, {**ds_type, "uid": uid}, ("type", "name"))
            else:
                out[str(uid)] = DeclaredDatasource(str(uid), setting_text(ds_type, where, "its type, e.g. prometheus"))
        return out
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, Mapping) or "uid" not in item or "type" not in item:
                raise ConfigError(f"lint.datasources[{i}]: each entry needs uid and type "
                                  f"({{uid: loki-ops, type: loki}}), found {yaml_kind(item)}")
            out[str(item["uid"])] = _declared(f"lint.datasources[{i}]", item, ("uid", "type", "name"))
        return out
    raise ConfigError(f"lint.datasources: expected a mapping uid → type or a list of {{uid, type, name}}, "
                      f"found {yaml_kind(value)}")


def _declared(where: str, entry: Mapping[Any, Any], keys: tuple[str, ...]) -> DeclaredDatasource:
    unknown = sorted(str(k) for k in entry if k not in keys and k != "uid")
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(keys)})")
    uid = entry["uid"] if isinstance(entry["uid"], int) and not isinstance(entry["uid"], bool) else \
        setting_text(entry["uid"], f"{where}.uid", "the data source's uid")
    name = entry.get("name")
    return DeclaredDatasource(str(uid), setting_text(entry.get("type"), f"{where}.type", "its type, e.g. prometheus"),
                              None if name is None else setting_text(name, f"{where}.name", "its name in Grafana"))


def setting_text(value: Any, where: str, what: str) -> str:
    """A non-empty string of grafana.yaml, or a ConfigError saying what belongs there (the value is not
    quoted: a secret pasted into the wrong place must not reach a log)."""
    if not isinstance(value, str) or not value.strip():
        found = "an empty string" if isinstance(value, str) else yaml_kind(value)
        raise ConfigError(f"{where}: expected a string ({what}), found {found}")
    return value


