"""SQLite file: URIs for paths that may hold # ? % (a home folder named "DJ #1" must open that folder's file)."""

from __future__ import annotations

import os
import urllib.parse


def sqlite_uri(path: str | os.PathLike[str], readonly: bool) -> str:
    return f"file:{urllib.parse.quote(os.path.abspath(path))}?mode={'ro' if readonly else 'rwc'}"
