"""Where ../shared/trackers lies beside the repository (CI lays a copy of shared/ there)."""

from pathlib import Path

SHARED_TRACKERS = Path(__file__).resolve().parents[2] / "shared" / "trackers"
