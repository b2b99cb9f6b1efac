"""A checked connection to the Grafana of one environment: the one connect sequence.

`pull` uses it as is (it works in an empty repository: no generated/ needed); the
session of plan, sync and drift builds on it after its local checks. Both therefore get
the same settings, credentials, retries and identity check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..config import CONFIG_FILE, load_config
from ..config import environment as select_environment
from ..errors import ConfigError
from ..handlers.live import SyncContext
from .connection import Connection, Redactor, settings_from
from .options import Options
from .preflight import Target, check_grafana


@dataclass(frozen=True)
class Environment:
    """The environment of grafana.yaml a run targets ("" and {} when grafana.yaml defines none)."""

    name: str
    settings: dict[str, Any]
    #: all of grafana.yaml: lint reads its other sections
    config: dict[str, Any]


@dataclass
class LiveConnection:
    """A connection whose Grafana passed the preflight checks, and who we are there (`ctx`)."""

    conn: Connection
    target: Target
    ctx: SyncContext
    env_name: str

    def close(self) -> None:
        self.conn.close()


def choose_environment(config: dict[str, Any], name: str | None,
                       environ: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """`--env`, else GAC_ENV, else the only environment grafana.yaml defines."""
    from_variable = not name and bool(environ.get("GAC_ENV"))
    name = name or environ.get("GAC_ENV") or None
    envs = config.get("environments") or {}
    if from_variable and name not in envs:
        raise ConfigError(f"GAC_ENV is {name!r}, but {CONFIG_FILE} defines no such environment (defined: "
                          f"{', '.join(sorted(envs)) or 'none'}): set GAC_ENV to one of them, or pass --env NAME")
    if name is None:
        if len(envs) == 1:
            name = next(iter(envs))
        elif not envs:
            return "", {}
        else:
            raise ConfigError(f"grafana.yaml defines several environments ({', '.join(sorted(envs))}): choose one "
                              "with --env NAME (or GAC_ENV)")
    return name, select_environment(config, name)


def load_environment(options: Options, environ: Mapping[str, str]) -> Environment:
    """grafana.yaml under the root, and the environment the options (or GAC_ENV) choose."""
    config = load_config(options.root)
    named = options.env or environ.get("GAC_ENV")
    if named and not config and not (options.root / CONFIG_FILE).exists():
        raise ConfigError(f"{(options.root / CONFIG_FILE).resolve()} does not exist, so environment {named!r} "
                          f"({'--env' if options.env else 'GAC_ENV'}) cannot be read from it: run gac from the "
                          "repository root or pass --root")
    name, settings = choose_environment(config, options.env, environ)
    return Environment(name, settings, config)


def connect(options: Options, environ: Mapping[str, str], environment: Environment | None = None, *,
            redactor: Redactor | None = None) -> LiveConnection:
    """Connect and identify: health, then who we are and in which organisation.

    `environment`: when the caller already chose it (and checked what it needs locally);
    `redactor`: one that already knows the run's secrets, so no error message carries one.
    """
    env = environment if environment is not None else load_environment(options, environ)
    settings = settings_from(env.settings, environ, ca_cert=options.ca_cert, insecure=options.insecure,
                             timeout=options.timeout, env_name=env.name)
    conn = Connection(settings, policy=options.policy, pool_size=options.workers + 2, redactor=redactor,
                      on_wait=options.on_wait)
    try:
        target = check_grafana(conn)
    except BaseException:
        conn.close()
        raise
    ctx = SyncContext(org_id=target.org_id, login=target.login, apis=target.apis,
                      lock_ui_edits=bool(env.settings.get("lock_ui_edits", False)))
    return LiveConnection(conn, target, ctx, env.name)
