"""Debian's Chromium driven by Playwright with the unpacked extension loaded (no browser download).

On Linux a missing chromium or playwright is a failure, not a skip: CI installs both (scripts/setup.sh).
Store pages are answered from the saved copies at their real URLs (Playwright routing), so the content
scripts' URL patterns match as on the real sites; every other request to the internet is aborted.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from testkit.fixtures_path import REPO

EXTENSION = REPO / "extension"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str:
    for path in CHROMIUM_CANDIDATES:
        if Path(path).exists():
            return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "chromium is not installed (scripts/setup.sh installs Debian's chromium)"
    if sys.platform.startswith("linux"):
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError  # unreachable


def sync_playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        pytest.fail("the playwright package is missing (pip install -e '.[dev]')")
    return start()


@contextmanager
def extension_browser(pages: Callable[[str], tuple[str, bytes] | None]) -> Iterator[tuple[Any, str]]:
    """A persistent Chromium context with the extension; yields (context, extension id).

    pages(url) answers an https URL with (content type, body) or None (the request is aborted)."""
    executable = chromium_path()
    args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--disable-extensions-except={EXTENSION}",
        f"--load-extension={EXTENSION}",
    ]
    with tempfile.TemporaryDirectory(prefix="mt-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=False,
            args=args,
            viewport={"width": 1100, "height": 760},
        )
        try:

            def handle(route: Any) -> None:
                answer = pages(route.request.url)
                if answer is None:
                    route.abort()
                else:
                    route.fulfill(status=200, content_type=answer[0], body=answer[1])

            context.route(lambda url: url.startswith("https://"), handle)
            worker = (
                context.service_workers[0]
                if context.service_workers
                else context.wait_for_event("serviceworker", timeout=15_000)
            )
            yield context, worker.url.split("/")[2]
        finally:
            context.close()
