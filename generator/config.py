"""grafana.yaml: environments (Grafana URL, data-source endpoints, secret variable names).

Only names of environment variables live in the file, never secret values; `resolve_env`
reads the variables at sync time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

CONFIG_FILE = "grafana.yaml"


def load_config(root: Path) -> dict[str, Any]:
    """The parsed grafana.yaml at `root` ({} when absent: build and lint need none)."""
    path = root / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}. Fix the syntax and run again.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(data).__name__}.")
    envs = data.get("environments", {})
    if not isinstance(envs, dict):
        raise ConfigError(f"{path}: 'environments' must be a mapping of name → settings.")
    for name, env in envs.items():
        if not isinstance(env, dict):
            raise ConfigError(f"{path}: environment {name!r} must be a mapping.")
    return data


def environment(config: dict[str, Any], name: str) -> dict[str, Any]:
    """One environment's settings, or a ConfigError listing the ones that exist."""
    envs = config.get("environments") or {}
    if name not in envs:
        known = ", ".join(sorted(envs)) or "none"
        raise ConfigError(f"{CONFIG_FILE}: no environment {name!r} (defined: {known}). Use --env with one of them.")
    return envs[name]
