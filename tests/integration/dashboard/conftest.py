"""One demo (Discogs fake + demo Traktor collection + a real daemon, synced) and one Chromium per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from testkit.demo import Demo
from tests.support.browser import chromium_path, sync_playwright


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    d = Demo(tmp_path_factory.mktemp("dashboard"))
    try:
        d.start()
        yield d
    finally:
        d.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watched:
    page: Any
    context: Any
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    unauthenticated: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()


def watch(browser: Any, demo: Demo, width: int = 1280, height: int = 900, scheme: str = "light") -> Watched:
    """A fresh tab that records console errors, page errors, requests to any other origin and API calls that
    went without the Bearer header."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    w = Watched(page, context)
    origin = demo.url

    def console(msg: Any) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        w.errors.append(f"{msg.text} ({where})")

    def request(req: Any) -> None:
        if not req.url.startswith(origin + "/") and not req.url.startswith(("data:", "blob:")):
            w.outside.append(req.url)
        elif req.url.startswith(origin + "/api/v1/") and not req.headers.get("authorization", "").startswith("Bearer "):
            w.unauthenticated.append(req.url)

    page.on("console", console)
    page.on("pageerror", lambda exc: w.errors.append(f"page error: {exc}"))
    page.on("request", request)
    return w
