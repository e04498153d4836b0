"""Where ../shared/trackers lies beside the repository (CI lays a copy of shared/ there);
``REVBRIDGE_SHARED_TRACKERS`` points elsewhere (a worktree one level deeper)."""

import os
from pathlib import Path

SHARED_TRACKERS = Path(os.environ.get("REVBRIDGE_SHARED_TRACKERS")
                       or Path(__file__).resolve().parents[2] / "shared" / "trackers")
