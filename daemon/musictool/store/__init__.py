"""The one SQLite database: connection handling, migrations, and one module per aggregate."""

from musictool.store.db import Database, StoreError

__all__ = ["Database", "StoreError"]
