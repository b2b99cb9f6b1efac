"""How a command reaches Grafana, as one value: every remote command takes the same options.

Kept apart from click (`cli_options` builds it from flags) so library code and tests make
one directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .connection import DEFAULT_TIMEOUT
from .retry import RetryPolicy


@dataclass
class Options:
    """Repository root, environment, TLS, timeout, parallelism and retries of one run."""

    root: Path = Path(".")
    env: str | None = None
    ca_cert: str | None = None
    insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT
    workers: int = 8
    policy: RetryPolicy = field(default_factory=RetryPolicy)
