"""Push `generated/` to a Grafana through its HTTP API: plan, then apply, safely.

The pipeline: `desired` (generated/ resolved for one environment) and `state` (the live
objects, read through each kind's handler) meet in `plan` (create / update / delete /
conflict / unchanged, with a `semantic_diff` per update); `apply` writes the plan in
dependency order, level by level, in parallel within a level; `run` does both over a
session of `generator.remote` (connection, retries, preflight checks, secrets);
`report` turns results into text or JSON; `command` is the thin click layer.

Kind-specific knowledge (endpoints, tokens, markers) lives in `generator.handlers`.
"""
