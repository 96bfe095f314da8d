"""Shared fixtures: a temp home and real daemon processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testkit.daemon import Daemon
from testkit.fixtures_path import FIXTURES, SHARED


@pytest.fixture
def shared() -> Path:
    if not SHARED.exists():
        pytest.fail(f"shared fixtures not found at {SHARED}; set MUSICTOOL_SHARED")
    return SHARED


@pytest.fixture
def fixtures(shared: Path) -> Path:
    return FIXTURES


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def daemon_factory(tmp_path: Path) -> Iterator[Any]:
    """daemon_factory(config=None, env=None, home=None, start=True) -> Daemon; all are stopped at teardown."""
    made: list[Daemon] = []

    def make(
        config: dict | None = None, env: dict | None = None, home: Path | None = None, start: bool = True
    ) -> Daemon:
        d = Daemon(home or tmp_path / f"home{len(made)}", config, env)
        made.append(d)
        return d.start() if start else d

    yield make
    for d in made:
        try:
            d.stop(timeout=20)
        except Exception:  # noqa: BLE001 - teardown must reach every daemon
            d.kill()


@pytest.fixture
def daemon(daemon_factory: Any) -> Daemon:
    return daemon_factory()
