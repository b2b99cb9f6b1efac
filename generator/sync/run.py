"""Plan, then apply, over an open session (`generator.remote.session`): the sync's two steps.

Reading the live state is part of planning, so a plan always compares with what Grafana
holds now; applying backs up what it overwrites under the session's root.
"""

from __future__ import annotations

from ..handlers.live import ApiError
from ..remote.preflight import check_permissions
from ..remote.session import Session
from .apply import ApplyResult, OutcomeFn, apply_plan
from .backup import Backups
from .errors import ConnectionFailed
from .plan import Plan, build_plan, read_actions, required_actions
from .state import ProgressFn, read_state


def make_plan(session: Session, *, prune: bool, force: bool, progress: ProgressFn | None = None) -> Plan:
    """Read the live state (a token that may not read a kind is stopped first: exit 2), then judge."""
    check_permissions(session.conn, read_actions(), doing="read what the plan compares")
    try:
        session.state = read_state(session.conn, session.ctx, set(session.desired.resources), prune=prune,
                                   workers=session.options.workers, progress=progress)
    except ApiError as exc:
        raise ConnectionFailed(f"could not read the live state from {session.target.url}: {exc}") from None
    plan = build_plan(session.desired, session.state, session.ctx, prune=prune, force=force)
    plan.notes = session.notes + plan.notes
    return plan


def apply(session: Session, plan: Plan, *, on_outcome: OutcomeFn | None = None) -> tuple[ApplyResult, Backups]:
    """Write the plan; a token that may not make its writes is stopped first (AuthError, exit 2)."""
    check_permissions(session.conn, required_actions(plan))
    backups = Backups(session.options.root)
    result = apply_plan(plan, session.conn, session.ctx, backups, workers=session.options.workers,
                        on_outcome=on_outcome)
    return result, backups
