"""Where the tests find the repository and the shared material beside it."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO / ".." / "shared").resolve()

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent (shared/ beside the repository "
                                  "holds Grafana's schemas and the corpus)")
