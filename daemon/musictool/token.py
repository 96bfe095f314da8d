"""The API token: a secret file only the user can read, made on first start, rotated on request."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from musictool.home import write_private


def ensure(path: Path) -> str:
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            os.chmod(path, 0o600)
            return value
    return rotate(path)


def rotate(path: Path) -> str:
    value = secrets.token_urlsafe(32)
    write_private(path, (value + "\n").encode())
    return value


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
