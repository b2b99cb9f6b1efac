"""Where the shared data layout lives.

The Grafana reference material (API.md, the OpenAPI spec) is shared between
checkouts and must never be copied into the repository, so it is located
relative to the repository root: ``<repo>/../shared``.  Everything that needs
it asks here, and copes with it being absent (the emulator then runs without
request validation and the tests that need it skip with a reason).
"""

from __future__ import annotations

from pathlib import Path

#: tests/grafana_emulator/paths.py -> parents[2] is the repository root.
REPO_ROOT: Path = Path(__file__).resolve().parents[2]
SHARED_DIR: Path = (REPO_ROOT / ".." / "shared").resolve()
GRAFANA_DIR: Path = SHARED_DIR / "grafana"
API_MD: Path = GRAFANA_DIR / "API.md"
OPENAPI_SPEC: Path = GRAFANA_DIR / "openapi" / "api-merged.json"


def openapi_spec_path() -> Path | None:
    """The OpenAPI spec if present, else None (validation is then skipped)."""
    return OPENAPI_SPEC if OPENAPI_SPEC.is_file() else None
