"""One file's tag write and restore, all or nothing: the original is never half-written.

write_file copies the file next to itself, lets mutagen edit the copy, saves the tag-block backup, fsyncs
and renames the copy over the original (a crash leaves the old file or the new one, never a mix; a full
disk or a read-only file fails that file only). restore_file puts a backup back the same way.
Blocking: run in a thread.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import blocks, formats


@dataclass
class FileWrite:
    changed: bool
    backup: Path | None = None
    backup_sha256: str | None = None
    old_sha256: str | None = None
    new_sha256: str | None = None
    backup_bytes: int = 0


def write_file(
    path: str | Path,
    values: dict[str, Any],
    backup_path: Path,
    *,
    key_notation: str = "musical",
    keep_v23: bool = False,
    artwork: tuple[bytes, str] | None = None,
) -> FileWrite:
    """Write tag values (and artwork: (image bytes, MIME type) as the front cover) into path safely, saving
    its tag-block backup at backup_path first.
    Raises formats.TagError / blocks.BackupError / OSError with the reason; the file is then unchanged."""
    path = Path(path)
    fmt = formats.format_of(path)
    reason = formats.writable_reason(path)
    if reason:
        raise formats.TagError(f"{path}: {reason}")
    if artwork is None and not formats.needs_write(formats.read(path), values, keep_v23=keep_v23):
        return FileWrite(changed=False)  # decided before copying anything: a synced library costs one read
    before = path.stat()
    old = path.read_bytes()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".mt-tmp" + path.suffix, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(old)
        changed = bool(values) and formats.write(tmp, values, key_notation=key_notation, keep_v23=keep_v23)
        if artwork is not None:
            formats.embed_artwork(tmp, *artwork)
            changed = True
        if not changed:
            tmp.unlink()
            return FileWrite(changed=False)
        new = tmp.read_bytes()
        backup = blocks.make_backup(old, new, fmt)
        raw = backup.to_bytes()
        backup_path.parent.mkdir(parents=True, exist_ok=True)
        with open(backup_path, "wb") as bh:
            bh.write(raw)
            bh.flush()
            os.fsync(bh.fileno())
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, before.st_mode & 0o7777)
        now = path.stat()
        if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise blocks.BackupError(f"{path}: changed by another program while its tags were written")
        os.replace(tmp, path)
        blocks.fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return FileWrite(
        changed=True,
        backup=backup_path,
        backup_sha256=blocks.sha256(raw),
        old_sha256=backup.meta["old_sha256"],
        new_sha256=backup.meta["new_sha256"],
        backup_bytes=len(raw),
    )


def restore_file(
    path: str | Path, backup_path: Path, backup_sha256: str | None, *, force: bool = False
) -> str:
    """Put the file back as it was before the write whose backup this is; returns the restored sha256.
    A damaged backup (its checksum or the one recorded for it) is refused unless force."""
    path = Path(path)
    try:
        raw = backup_path.read_bytes()
    except FileNotFoundError:
        raise blocks.BackupError(f"{path}: its backup {backup_path} is gone") from None
    if backup_sha256 and blocks.sha256(raw) != backup_sha256 and not force:
        raise blocks.BackupError(
            f"{path}: its backup is damaged (checksum mismatch); use --force to try anyway"
        )
    try:
        backup = blocks.Backup.from_bytes(raw, verify=not force)
    except blocks.BackupError as exc:
        raise blocks.BackupError(f"{path}: {exc}") from None
    except (ValueError, KeyError) as exc:
        raise blocks.BackupError(f"{path}: its backup is damaged ({exc})") from None
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        raise blocks.BackupError(f"{path}: file not found") from None
    try:
        old = blocks.restore_bytes(backup, current, force=force)
    except blocks.BackupError as exc:
        raise blocks.BackupError(f"{path}: {exc}") from None
    if old != current:
        reason = formats.writable_reason(path)
        if reason:
            raise blocks.BackupError(f"{path}: {reason}")
        blocks.atomic_replace(path, old)
    return blocks.sha256(old)
