"""Where the shared, read-only fixtures live: ../shared beside the repo, or $MUSICTOOL_SHARED."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MUSICTOOL_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"
