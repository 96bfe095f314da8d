"""Debian's Chromium driven by Playwright (no browser download): the browser tests need both, and on Linux a
missing part is a failure with the command that installs it, never a skip."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "run scripts/setup.sh as root (apt-get install chromium; pip install playwright)"


def executable() -> str:
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if sys.platform.startswith("linux"):
        pytest.fail(f"Chromium is not installed: {INSTALL}")
    pytest.skip("the browser tests run on Linux with Debian's chromium")


def sync_playwright():  # noqa: ANN201 - playwright's context manager
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        pytest.fail(f"playwright is not installed: {INSTALL}")
    return start()
