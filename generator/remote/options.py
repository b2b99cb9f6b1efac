"""How a command reaches Grafana, as one value: every remote command takes the same options.

Kept apart from click (`cli_options` builds it from flags) so library code and tests make
one directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .connection import DEFAULT_TIMEOUT
from .retry import RetryPolicy, WaitFn


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
    #: use generated/ as is, without checking it is what the definitions build to (an image that
    #: carries only generated/; --skip-build-check or GAC_SKIP_BUILD_CHECK=1)
    skip_build_check: bool = False
    #: told about every pause before a retry (the command says so on stderr); None: nobody
    on_wait: WaitFn | None = None
