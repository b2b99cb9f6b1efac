"""A connection to Grafana for reading, without generated/: pull works in an empty repository.

The same settings, credentials, retries and identity check as the sync's session
(`generator.sync`), minus the desired state -- adopting an existing Grafana starts before
anything was built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..config import load_config
from ..handlers.live import SyncContext
from ..sync.connection import Connection, settings_from
from ..sync.preflight import Target, check_grafana
from ..sync.session import Options, choose_environment


@dataclass
class LiveConnection:
    conn: Connection
    target: Target
    ctx: SyncContext
    env_name: str

    def close(self) -> None:
        self.conn.close()


def connect(options: Options, environ: Mapping[str, str]) -> LiveConnection:
    config = load_config(options.root)
    env_name, environment = choose_environment(config, options.env, environ)
    settings = settings_from(environment, environ, ca_cert=options.ca_cert, insecure=options.insecure,
                             timeout=options.timeout, env_name=env_name)
    conn = Connection(settings, policy=options.policy, pool_size=options.workers + 2)
    try:
        target = check_grafana(conn)
    except BaseException:
        conn.close()
        raise
    return LiveConnection(conn, target, SyncContext(org_id=target.org_id, login=target.login), env_name)
