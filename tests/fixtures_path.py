"""Where the shared, read-only fixtures live (../shared beside the repo, or $MUSICTOOL_SHARED)."""

import os
from pathlib import Path

SHARED = Path(os.environ.get("MUSICTOOL_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
