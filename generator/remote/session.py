"""One run of plan, sync or drift against one Grafana, in the order that keeps it safe:
local checks (config, generated/ built from the definitions, lint, secrets) before any
request, then `connect`
(Grafana's health and identity) before reading; planning and writing (`generator.sync`)
come after.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from ..collector import release_kept
from ..config import CONFIG_FILE
from ..errors import ConfigError
from ..handlers.live import SyncContext
from ..sync.desired import Desired, load_generated, resolve
from ..sync.state import LiveState
from .build_check import check_build
from .connect import Environment, connect, load_environment
from .connection import Connection, Redactor
from .options import Options
from .preflight import Target, check_lint
from ..secret_fingerprint import PEPPER_ENV, fingerprinter_from
from .secrets import SecretSource, check_secrets, missing_secrets, padded_secrets, required_secrets, variable_text


@dataclass
class Session:
    """What plan, sync and drift hold for the whole run: the desired state and a checked connection.

    `state` is filled by reading (planning), so a plan and the writes after it see the same
    live objects.
    """

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
        """The connections, and what the run's phases kept from the cycle collector (`collector_paused(keep=True)`)."""
        self.conn.close()
        release_kept()


def open_session(options: Options, environ: Mapping[str, str], *, for_write: bool) -> Session:
    """Local checks, then connect and identify. `for_write`: lint errors and missing secrets stop it."""
    env = load_environment(options, environ)
    notes: list[str] = []
    if options.skip_build_check:
        notes.append("generated/ used as it is, not checked against the definitions (--skip-build-check or "
                     "GAC_SKIP_BUILD_CHECK)" + ("" if for_write else "; sync lints it before writing, and writes "
                                               "nothing if it finds errors (`gac lint generated/` tells now)"))
    else:
        check_build(options.root)
    raw = load_generated(options.root)
    with _environment_needed(env, options):
        refs = required_secrets(raw, env.settings)
    if for_write:
        check_lint(raw, env.config)
        check_secrets(refs, environ, env.name)
    else:
        # plan does not lint (sync does, before writing): a plan of a thousand dashboards stays
        # fast; where the build check vouched for generated/, the build linted it already
        missing = missing_secrets(refs, environ)
        if missing:
            notes.append("secrets not set (sync needs them): " + ", ".join(sorted({variable_text(r) for r in missing})))
        padded = padded_secrets(refs, environ)
        if padded:
            notes.append("secrets that start or end with whitespace (sync refuses them): "
                         + ", ".join(sorted({variable_text(r) for r in padded})))
    editable = bool(env.settings.get("alerts_editable", False))
    with _environment_needed(env, options):
        desired = resolve(raw, env.settings, SyncContext(alerts_editable=editable))
    fingerprinter = fingerprinter_from(environ)  # a bad pepper stops the run before any request
    redactor = Redactor()
    redactor.add(environ.get(PEPPER_ENV))
    secrets = SecretSource(refs, environ, redactor)  # known to the redactor before the first request
    live = connect(options, environ, env, redactor=redactor)
    replaced = live.conn.settings.replaced_url
    if replaced is not None:  # the environment's data-source URLs and secrets go to another Grafana than its own
        notes.append(f"GRAFANA_URL ({live.conn.settings.url}) is used in place of the `url` of environment "
                     f"{env.name!r} in grafana.yaml ({replaced})")
    ctx = dataclasses.replace(live.ctx, alerts_editable=editable, secure_json_data=secrets.values,
                              secret_keys=secrets.keys, fingerprinter=fingerprinter)
    return Session(options, env.name, env.settings, desired, live.conn, live.target, ctx, notes)


@contextmanager
def _environment_needed(env: Environment, options: Options) -> Iterator[None]:
    """What a definition needs of the environment (a data-source URL, a secret's variable), said
    with why there is none, where grafana.yaml has no environment to choose."""
    try:
        yield
    except ConfigError as exc:
        if env.name:
            raise
        path = options.root / CONFIG_FILE
        why = f"{path} does not exist" if not path.exists() else f"{path} defines no environments"
        raise ConfigError(f"{why}, and the definitions need one ({exc}): add an environment there (see the "
                          "README's grafana.yaml example), or run from the repository root or with --root") from None
