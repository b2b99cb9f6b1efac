"""Plan, then apply, over an open session (`generator.remote.session`): the sync's two steps.

Reading the live state is part of planning, so a plan always compares with what Grafana
holds now; applying backs up what it overwrites under the session's root.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from ..handlers import HANDLERS
from ..handlers.live import ApiError
from ..remote.preflight import check_permissions
from ..remote.session import Session
from ..secret_fingerprint import PEPPER_ENV
from .apply import ApplyResult, OutcomeFn, apply_plan
from .backup import Backups
from .errors import ConnectionFailed, SyncError
from .plan import UNCHANGED, UPDATE, Plan, build_plan, read_actions, required_actions
from .rule_thresholds import check_threshold_types
from .rule_titles import check_rule_titles
from .state import ProgressFn, read_state


def make_plan(session: Session, *, prune: bool, force: bool, progress: ProgressFn | None = None,
              rotate: list[str] | None = None) -> Plan:
    """Read the live state (a token that may not read a kind is stopped first: exit 2), then judge;
    a plan Grafana 11 would refuse part way for alert rule titles stops here (rule_titles.py, exit 2).
    `rotate`: objects carrying secrets -- data sources, contact points -- (by uid; empty: all
    with secrets) whose configured secrets are re-sent although nothing else changed."""
    targets = rotation_targets(session, rotate) if rotate is not None else set()
    check_permissions(session.conn, read_actions(), doing="read what the plan compares")
    try:
        session.state = read_state(session.conn, session.ctx, set(session.desired.resources), prune=prune,
                                   workers=session.options.workers, progress=progress,
                                   meanwhile=lambda: session.desired.make_comparable(session.ctx))
    except ApiError as exc:
        raise ConnectionFailed(f"could not read the live state from {session.target.url}: {exc}") from None
    plan = build_plan(session.desired, session.state, session.ctx, prune=prune, force=force)
    # Grafana 11 would refuse a group part way through the writes: say so now, before any write
    check_rule_titles(plan, session.state, session.desired, session.target.version)
    check_threshold_types(plan, session.target.version)
    if targets:
        rotate_secrets(plan, targets)
    with_secrets = secret_holders(session)
    if with_secrets and session.ctx.fingerprinter is None and rotate is None:
        plan.notes.append(f"a rotated secret cannot be detected without {PEPPER_ENV} (the key gac needs to "
                          "fingerprint secret values safely): after changing one, run `gac sync --rotate-secrets "
                          f"[UID...]` ({_listed(session, with_secrets)})")
    plan.notes = session.notes + plan.notes
    return plan


def secret_holders(session: Session) -> set[str]:
    """Uids of defined objects whose writes carry secrets in this environment."""
    return {r.uid for r in session.desired.resources.values()
            if HANDLERS[r.kind].carries_secrets and session.ctx.secret_keys(r.uid)}


def _listed(session: Session, uids: set[str]) -> str:
    """`kind uid, …` for these uids, in a stable order (the reader sees which kinds are concerned)."""
    return ", ".join(sorted(f"{r.kind} {r.uid}" for r in session.desired.resources.values() if r.uid in uids))


def _secret_kinds() -> str:
    return " or ".join(sorted({h.kind for h in HANDLERS.values() if h.carries_secrets}))


def rotation_targets(session: Session, uids: list[str]) -> set[str]:
    """The uids `--rotate-secrets` names (all with secrets when none), checked before any read."""
    holders = secret_holders(session)
    unknown = sorted(set(uids) - holders)
    if unknown:
        raise SyncError(f"--rotate-secrets {' '.join(unknown)}: no {_secret_kinds()} with that uid has secrets in "
                        f"environment {session.env_name!r} (with secrets: {_listed(session, holders) or 'none'})")
    if not holders:
        raise SyncError(f"--rotate-secrets: no {_secret_kinds()} has secrets in environment {session.env_name!r}")
    return set(uids) or holders


def rotate_secrets(plan: Plan, uids: set[str]) -> None:
    """Turn "unchanged" into an update for these objects, so their secrets are written again.

    Conflicts stay conflicts (a person's edit is not overwritten for a rotation); creates and
    updates send the secrets anyway.
    """
    for change in plan.changes:
        if change.uid in uids and HANDLERS[change.kind].carries_secrets and change.action in (UNCHANGED, UPDATE):
            change.action = UPDATE
            change.reason = "; ".join(filter(None, [change.reason, "secrets re-sent (--rotate-secrets)"]))


def apply(session: Session, plan: Plan, *, on_outcome: OutcomeFn | None = None) -> tuple[ApplyResult, Backups]:
    """Write the plan; a token that may not make its writes is stopped first (AuthError, exit 2).
    Ctrl-C or SIGTERM while writing stops cleanly (see `stop_on_interrupt`)."""
    check_permissions(session.conn, required_actions(plan))
    backups = Backups(session.options.root)
    with stop_on_interrupt() as stop:
        result = apply_plan(plan, session.conn, session.ctx, backups, workers=session.options.workers,
                            on_outcome=on_outcome, stop=stop)
    return result, backups


#: what stops a sync's writes: Ctrl-C, and SIGTERM (a cancelled CI job, a stopped pod)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _or_default(signum: int, handler: Any) -> Any:
    if handler is not None:
        return handler
    return signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL


@contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """While writing, the first Ctrl-C (SIGINT) or SIGTERM asks the apply to stop instead of
    killing it.

    A KeyboardInterrupt raised into the middle of a write loop would abandon the report of
    what was already applied ("Aborted!", while writes had landed). Instead the first
    signal sets the event: requests in flight finish (bounded by --timeout), none is
    started, and the result lists what was and was not applied. A second one gets the
    handlers back (a KeyboardInterrupt: cli._terminate_as_interrupt for SIGTERM) for someone
    who will not wait. Outside the main thread signals cannot be handled; the event is then
    never set.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum: int, frame: Any) -> None:
        stop.set()
        restore()

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    # what each had (None: set outside Python, which cannot be put back: Python's default for it)
    previous = {signum: _or_default(signum, signal.signal(signum, handle)) for signum in STOP_SIGNALS}
    try:
        yield stop
    finally:
        restore()
