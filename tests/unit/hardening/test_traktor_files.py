"""Issue 11.2 and 11.9: backups are whole or absent, undo checks what it restores, writes keep the file's mode
and go through symlinks, and the Traktor check fails closed and is repeated right before the replace."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from musictool.integrations.traktor import running
from musictool.integrations.traktor.reader import read_all
from musictool.integrations.traktor.writer import EditError, TrackEdit, commit, list_backups, undo
from testkit.fixtures_path import REPO
from tests.unit.traktor.nmlfixtures import fx

SRC = fx("TravestyAudio__Collection/collection.nml")


def _key(data: bytes) -> str:
    tracks, _ = read_all(io.BytesIO(data))
    return tracks[0].location_key


def _setup(tmp_path: Path) -> tuple[Path, Path, bytes, str]:
    target = tmp_path / "collection.nml"
    data = SRC.read_bytes()
    target.write_bytes(data)
    return target, tmp_path / "backups", data, _key(data)


def test_a_backup_cut_short_by_a_full_disk_is_never_restored(tmp_path: Path) -> None:
    """The write runs in a child whose files may not grow past 64 KiB (RLIMIT_FSIZE: a full disk, for real)."""
    target, backups, original, key = _setup(tmp_path)
    assert len(original) > 200_000
    child = textwrap.dedent(
        f"""
        import resource, signal, sys
        from musictool.integrations.traktor.writer import TrackEdit, commit
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        try:
            commit({str(target)!r}, [TrackEdit({key!r}, {{"genre": "Never"}})], {str(backups)!r})
        except OSError as e:
            print("write failed:", e)
            sys.exit(3)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "daemon"), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 3, out.stdout + out.stderr
    assert target.read_bytes() == original
    partial = [p for p in backups.rglob("*") if p.is_file() and p.stat().st_size < len(original)]
    assert partial == [], "a cut-short backup was left where undo would find it"
    with pytest.raises(EditError, match="no backup"):
        undo(target, backups)
    assert target.read_bytes() == original


def test_undo_refuses_a_damaged_backup_unless_forced(tmp_path: Path) -> None:
    target, backups, original, key = _setup(tmp_path)
    commit(target, [TrackEdit(key, {"genre": "Ours"})], backups)
    ours = target.read_bytes()
    backup = list_backups(target, backups)[0]

    backup.write_bytes(original[:65536])  # truncated: not well-formed
    with pytest.raises(EditError) as ei:
        undo(target, backups)
    assert "not well-formed" in str(ei.value) and "force" in str(ei.value) and backup.name in str(ei.value)
    assert target.read_bytes() == ours

    tampered = original.replace(b'GENRE="', b'GENRE="x', 1)  # well-formed, but not what was backed up
    backup.write_bytes(tampered)
    with pytest.raises(EditError) as ei:
        undo(target, backups)
    assert "SHA-256" in str(ei.value) and "force" in str(ei.value)
    assert target.read_bytes() == ours

    undo(target, backups, force=True)
    assert target.read_bytes() == tampered


def test_an_intact_backup_restores(tmp_path: Path) -> None:
    target, backups, original, key = _setup(tmp_path)
    commit(target, [TrackEdit(key, {"genre": "Ours"})], backups)
    undo(target, backups)
    assert target.read_bytes() == original


def test_a_write_keeps_the_mode_and_goes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "Music" / "collection.nml"
    real.parent.mkdir()
    data = SRC.read_bytes()
    real.write_bytes(data)
    real.chmod(0o664)
    link = tmp_path / "Traktor" / "collection.nml"
    link.parent.mkdir()
    link.symlink_to(real)
    old = os.umask(0o077)  # the daemon's umask must not leak into the user's collection
    try:
        commit(link, [TrackEdit(_key(data), {"genre": "Linked"})], tmp_path / "backups")
        assert link.is_symlink() and link.resolve() == real
        assert b'GENRE="Linked"' in real.read_bytes()
        assert stat.S_IMODE(real.stat().st_mode) == 0o664
        undo(link, tmp_path / "backups")
        assert link.is_symlink() and real.read_bytes() == data
        assert stat.S_IMODE(real.stat().st_mode) == 0o664
    finally:
        os.umask(old)
    assert not [p for p in real.parent.iterdir() if p.name != "collection.nml"]  # no temp files left


def test_traktor_starting_during_a_write_stops_the_replace(tmp_path: Path) -> None:
    target, backups, original, key = _setup(tmp_path)
    calls = []

    def traktor_started() -> None:
        calls.append(1)
        raise running.TraktorRunning("Traktor")

    with pytest.raises(running.TraktorRunning):
        commit(target, [TrackEdit(key, {"genre": "Late"})], backups, check=traktor_started)
    assert calls == [1]
    assert target.read_bytes() == original
    assert list_backups(target, backups) == []  # no undo step for a write that did not happen


def _ps_dir(tmp_path: Path, script: str | None) -> str:
    d = tmp_path / "bin"
    d.mkdir()
    if script is not None:
        ps = d / "ps"
        ps.write_text("#!/bin/sh\n" + script)
        ps.chmod(0o755)
    return str(d)


@pytest.mark.parametrize(
    "script",
    [None, "echo 'ps: cannot read the process table' >&2\nexit 1\n", "exit 0\n"],
    ids=["no ps", "ps fails", "ps prints nothing"],
)
def test_the_check_fails_closed_when_ps_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str | None
) -> None:
    monkeypatch.setenv("PATH", _ps_dir(tmp_path, script))
    found = running.traktor_running(["Traktor"], lister=running.ps_names)
    assert found is not None and "could not" in found


def test_a_working_ps_says_whether_traktor_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _ps_dir(tmp_path, "echo COMM\necho launchd\necho 'Traktor Pro 4'\n"))
    assert running.traktor_running(["Traktor"], lister=running.ps_names) == "Traktor Pro 4"
    assert running.traktor_running(["Serato"], lister=running.ps_names) is None
