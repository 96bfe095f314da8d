"""Issue 11.3: rotating the token never leaves it readable by others, whatever was in the folder before."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from musictool import token


def test_rotate_ignores_a_world_readable_leftover_temp_file(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "api-token"
        leftover = tmp_path / "api-token.tmp"
        leftover.write_text("stale\n")
        leftover.chmod(0o644)
        value = token.rotate(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().strip() == value
    finally:
        os.umask(old)


def test_rotate_does_not_write_through_a_planted_symlink(tmp_path: Path) -> None:
    path = tmp_path / "api-token"
    elsewhere = tmp_path / "attacker-reads-this"
    elsewhere.write_text("")
    (tmp_path / "api-token.tmp").symlink_to(elsewhere)
    value = token.rotate(path)
    assert value not in elsewhere.read_text()
    assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert token.ensure(path) == value


def test_ensure_tightens_an_existing_token_file(tmp_path: Path) -> None:
    path = tmp_path / "api-token"
    path.write_text("an-existing-token-value\n")
    path.chmod(0o644)
    assert token.ensure(path) == "an-existing-token-value"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
