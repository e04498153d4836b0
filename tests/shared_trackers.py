"""Where ../shared/trackers lies beside the repository (CI lays a copy of shared/ there);
``REVBRIDGE_SHARED`` names another shared/ folder (a worktree checked out elsewhere)."""

import os
from pathlib import Path

SHARED_TRACKERS = Path(
    os.environ.get("REVBRIDGE_SHARED") or Path(__file__).resolve().parents[2] / "shared"
) / "trackers"
