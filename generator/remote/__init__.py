"""Reaching a live Grafana: what `plan`, `sync`, `drift` and `pull` share.

`options` is the one value the commands' connection flags become (`cli_options` builds it
from click); `connection` and `retry` are how every request travels; `connect` turns an
environment of grafana.yaml into a checked connection (`preflight`: health, identity,
organisation); `session` adds what plan, sync and drift compare against -- generated/
resolved for the environment, with its `secrets` -- doing every local check before the
first request.

Kind-specific knowledge stays in `generator.handlers`; planning and writing in
`generator.sync`.
"""
