"""One run against one Grafana: everything `plan` and `sync` share, in the order that keeps
them safe -- local checks (config, generated/, lint, secrets) before any request, Grafana's
health and identity before reading, reading before planning, planning before writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..config import environment as select_environment
from ..config import load_config
from ..errors import ConfigError
from ..handlers.live import ApiError, SyncContext
from .apply import ApplyResult, OutcomeFn, apply_plan
from .backup import Backups
from .connection import DEFAULT_TIMEOUT, Connection, settings_from
from .desired import Desired, load_generated, resolve
from .errors import ConnectionFailed
from .plan import Plan, build_plan
from .preflight import Target, check_grafana, check_lint
from .retry import RetryPolicy
from .secrets import SecretSource, check_secrets, missing_secrets, required_secrets
from .state import LiveState, ProgressFn, read_state


@dataclass
class Options:
    root: Path = Path(".")
    env: str | None = None
    ca_cert: str | None = None
    insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT
    workers: int = 8
    policy: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class Session:
    options: Options
    env_name: str
    environment: dict[str, Any]
    desired: Desired
    conn: Connection
    target: Target
    ctx: SyncContext
    notes: list[str] = field(default_factory=list)
    state: LiveState | None = None

    def close(self) -> None:
        self.conn.close()


def choose_environment(config: dict[str, Any], name: str | None, environ: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """`--env`, else GAC_ENV, else the only environment grafana.yaml defines."""
    name = name or environ.get("GAC_ENV") or None
    envs = config.get("environments") or {}
    if name is None:
        if len(envs) == 1:
            name = next(iter(envs))
        elif not envs:
            return "", {}
        else:
            raise ConfigError(f"grafana.yaml defines several environments ({', '.join(sorted(envs))}): choose one "
                              "with --env NAME (or GAC_ENV)")
    return name, select_environment(config, name)


def open_session(options: Options, environ: Mapping[str, str], *, for_write: bool) -> Session:
    """Local checks, then connect and identify. `for_write`: lint errors and missing secrets stop it."""
    config = load_config(options.root)
    env_name, environment = choose_environment(config, options.env, environ)
    raw = load_generated(options.root)
    notes: list[str] = []
    refs = required_secrets(raw, environment)
    if for_write:
        check_lint(raw, config)
        check_secrets(refs, environ, env_name)
    else:
        # plan does not lint (sync does, before writing): a plan of a thousand dashboards stays fast
        missing = missing_secrets(refs, environ)
        if missing:
            notes.append("secrets not set (sync needs them): " + ", ".join(sorted({r.variable for r in missing})))
    editable = bool(environment.get("alerts_editable", False))
    desired = resolve(raw, environment, SyncContext(alerts_editable=editable))
    settings = settings_from(environment, environ, ca_cert=options.ca_cert, insecure=options.insecure,
                             timeout=options.timeout, env_name=env_name)
    conn = Connection(settings, policy=options.policy, pool_size=options.workers + 2)
    try:
        secrets = SecretSource(refs, environ, conn.redactor)
        target = check_grafana(conn)
    except BaseException:
        conn.close()
        raise
    ctx = SyncContext(org_id=target.org_id, login=target.login, alerts_editable=editable,
                      secure_json_data=secrets.values, secret_keys=secrets.keys)
    return Session(options, env_name, environment, desired, conn, target, ctx, notes)


def make_plan(session: Session, *, prune: bool, force: bool, progress: ProgressFn | None = None) -> Plan:
    try:
        session.state = read_state(session.conn, session.ctx, set(session.desired.resources), prune=prune,
                                   workers=session.options.workers, progress=progress)
    except ApiError as exc:
        raise ConnectionFailed(f"could not read the live state from {session.target.url}: {exc}") from None
    plan = build_plan(session.desired, session.state, session.ctx, prune=prune, force=force)
    if session.target.login is None and any(c.kind == "folder" and c.action == "conflict" for c in plan.changes):
        plan.notes.append("Grafana did not say who the sync identity is (GET /api/user unavailable), so a folder "
                          "renamed in Grafana cannot be told from one renamed by gac: folder changes show as conflicts")
    plan.notes = session.notes + plan.notes
    return plan


def apply(session: Session, plan: Plan, *, on_outcome: OutcomeFn | None = None) -> tuple[ApplyResult, Backups]:
    backups = Backups(session.options.root)
    result = apply_plan(plan, session.conn, session.ctx, backups, workers=session.options.workers,
                        on_outcome=on_outcome)
    return result, backups
