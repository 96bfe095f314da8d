"""Where the audio payload sits in a file, and tag-block backups that restore a file byte for byte.

A tag write changes the bytes around the audio (an ID3 block in front, a FLAC metadata block, an MP4 moov
atom, a RIFF/AIFF chunk and its header size) but not the audio itself. So a backup keeps the old file's
bytes before and after the payload, plus the few payload bytes the write changed (an Ogg file whose
header grows by a page has every later page renumbered: 8 bytes a page), and hashes of the old and new
file. Restoring = the current payload, patched back, between the saved head and tail; the hash proves
the result is the old file exactly. A backup is a few kB to a few hundred kB, never the audio.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"MTTAGBK1"
MERGE_GAP = 16  # payload differences closer than this are kept as one hunk


class BackupError(Exception):
    """A backup that cannot be made or restored; the message names the file and the reason."""


# -- audio payload spans ------------------------------------------------------------------------------------
def _id3v2_end(data: bytes, pos: int = 0) -> int:
    while data[pos : pos + 3] == b"ID3" and len(data) >= pos + 10:
        flags = data[pos + 5]
        size = 0
        for b in data[pos + 6 : pos + 10]:
            size = (size << 7) | (b & 0x7F)
        pos += 10 + size + (10 if flags & 0x10 else 0)
    return pos


def _trailer_start(data: bytes, end: int) -> int:
    """Skip ID3v1 and APEv2 trailers at the end of an MP3 or FLAC."""
    changed = True
    while changed:
        changed = False
        if end >= 128 and data[end - 128 : end - 125] == b"TAG":
            end -= 128
            changed = True
        if end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
            size = struct.unpack("<I", data[end - 20 : end - 16])[0]
            flags = struct.unpack("<I", data[end - 12 : end - 8])[0]
            end -= size + (32 if flags & 0x80000000 else 0)
            changed = True
    return end


def _flac_span(data: bytes) -> tuple[int, int]:
    pos = _id3v2_end(data)
    if data[pos : pos + 4] != b"fLaC":
        raise BackupError("not a FLAC stream")
    pos += 4
    while True:
        header = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        pos += 4 + length
        if header & 0x80:
            break
    return pos, _trailer_start(data, len(data))


def _ogg_span(data: bytes) -> tuple[int, int]:
    """From the first page after the codec's header packets (Vorbis 3, Opus 2, Ogg FLAC 1 + its count) to
    the end: audio always starts on a fresh page, and a grown comment header only adds header pages."""
    pos, done, needed = 0, 0, None
    while pos + 27 <= len(data):
        if data[pos : pos + 4] != b"OggS":
            raise BackupError(f"Ogg page expected at byte {pos}")
        nseg = data[pos + 26]
        lacing = data[pos + 27 : pos + 27 + nseg]
        body = pos + 27 + nseg
        if needed is None:
            first = data[body : body + 9]
            if first.startswith(b"\x01vorbis"):
                needed = 3
            elif first.startswith(b"OpusHead"):
                needed = 2
            elif first.startswith(b"\x7fFLAC"):
                needed = 1 + int.from_bytes(data[body + 7 : body + 9], "big")
            else:
                raise BackupError("an Ogg stream of a codec MusicTool does not tag")
        done += sum(1 for v in lacing if v < 255)
        pos = body + sum(lacing)
        if done >= needed:
            return pos, len(data)
    return len(data), len(data)


def _chunks(data: bytes, start: int, end: int, big: bool, pad: bool = True) -> list[tuple[bytes, int, int]]:
    out = []
    pos = start
    fmt = ">I" if big else "<I"
    while pos + 8 <= end:
        cid = data[pos : pos + 4]
        size = struct.unpack(fmt, data[pos + 4 : pos + 8])[0]
        out.append((cid, pos + 8, min(pos + 8 + size, end)))
        pos += 8 + size + (size & 1 if pad else 0)
    return out


def _riff_span(data: bytes) -> tuple[int, int]:
    for cid, s, e in _chunks(data, 12, len(data), big=False):
        if cid == b"data":
            return s, e
    raise BackupError("no data chunk")


def _aiff_span(data: bytes) -> tuple[int, int]:
    for cid, s, e in _chunks(data, 12, len(data), big=True):
        if cid == b"SSND":
            return s, e
    raise BackupError("no SSND chunk")


def _mp4_span(data: bytes) -> tuple[int, int]:
    pos, best = 0, None
    while pos + 8 <= len(data):
        size = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = len(data) - pos
        if size < header:
            raise BackupError(f"bad MP4 atom at byte {pos}")
        if kind == b"mdat" and (best is None or size - header > best[1] - best[0]):
            best = (pos + header, pos + size)
        pos += size
    if best is None:
        raise BackupError("no mdat atom")
    return best


def audio_span(data: bytes, fmt: str) -> tuple[int, int]:
    """(start, end) of the audio payload bytes of a file of the given format (see formats.EXTENSIONS)."""
    try:
        if fmt == "mp3":
            return _id3v2_end(data), _trailer_start(data, len(data))
        if fmt == "flac":
            return _flac_span(data)
        if fmt in ("ogg", "opus"):
            return _ogg_span(data)
        if fmt == "wav":
            return _riff_span(data)
        if fmt == "aiff":
            return _aiff_span(data)
        if fmt == "m4a":
            return _mp4_span(data)
    except (IndexError, struct.error) as exc:
        raise BackupError(f"the {fmt} structure is damaged ({exc})") from None
    raise BackupError(f"no payload rule for {fmt}")


# -- backups ------------------------------------------------------------------------------------------------
def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hunks(old: bytes, new: bytes) -> list[tuple[int, int]]:
    """Ranges (offset, length) where two equally long byte strings differ, close ranges merged."""
    if old == new:
        return []
    a = np.frombuffer(old, dtype=np.uint8)
    b = np.frombuffer(new, dtype=np.uint8)
    idx = np.flatnonzero(a != b)
    out: list[tuple[int, int]] = []
    start = prev = int(idx[0])
    for i in idx[1:].tolist():
        if i - prev > MERGE_GAP:
            out.append((start, prev + 1 - start))
            start = i
        prev = i
    out.append((start, prev + 1 - start))
    return out


@dataclass
class Backup:
    meta: dict[str, Any]
    blob: bytes

    def to_bytes(self) -> bytes:
        meta = json.dumps(self.meta, sort_keys=True).encode()
        return MAGIC + struct.pack(">I", len(meta)) + meta + self.blob

    @classmethod
    def from_bytes(cls, raw: bytes, *, verify: bool = True) -> Backup:
        if raw[:8] != MAGIC:
            raise BackupError("not a MusicTool tag backup")
        (n,) = struct.unpack(">I", raw[8:12])
        meta = json.loads(raw[12 : 12 + n])
        blob = raw[12 + n :]
        if verify and sha256(blob) != meta.get("blob_sha256"):
            raise BackupError("the backup is damaged (its checksum does not match)")
        return cls(meta, blob)


def make_backup(old: bytes, new: bytes, fmt: str) -> Backup:
    """What it takes to turn `new` back into `old`, without the audio payload they share."""
    os_, oe = audio_span(old, fmt)
    ns, ne = audio_span(new, fmt)
    old_payload, new_payload = old[os_:oe], new[ns:ne]
    if len(old_payload) != len(new_payload):
        raise BackupError("the write changed the audio payload's length; refusing to keep it")
    hunks = _hunks(old_payload, new_payload)
    head, tail = old[:os_], old[oe:]
    patch = b"".join(old_payload[o : o + n] for o, n in hunks)
    blob = head + tail + patch
    meta = {
        "format": fmt,
        "old_size": len(old),
        "old_sha256": sha256(old),
        "new_size": len(new),
        "new_sha256": sha256(new),
        "head": len(head),
        "tail": len(tail),
        "payload": len(old_payload),
        "hunks": hunks,
        "blob_sha256": sha256(blob),
    }
    return Backup(meta, blob)


def restore_bytes(backup: Backup, current: bytes, *, force: bool = False) -> bytes:
    """The old file rebuilt from the backup and the current file. Refuses (BackupError) a file changed since
    the write unless force; then the current audio is kept and the saved tags put around it."""
    m = backup.meta
    if sha256(current) != m["new_sha256"] and not force:
        raise BackupError("the file changed since MusicTool wrote it (use --force to restore anyway)")
    cs, ce = audio_span(current, m["format"])
    payload = bytearray(current[cs:ce])
    if len(payload) != m["payload"]:
        raise BackupError("the audio in the file is not the audio the backup was made for")
    head = backup.blob[: m["head"]]
    tail = backup.blob[m["head"] : m["head"] + m["tail"]]
    pos = m["head"] + m["tail"]
    for o, n in m["hunks"]:
        payload[o : o + n] = backup.blob[pos : pos + n]
        pos += n
    old = head + bytes(payload) + tail
    if sha256(old) != m["old_sha256"] and not force:
        raise BackupError("the restored bytes do not match the original file's checksum")
    return old


def atomic_replace(path: Path, data: bytes) -> None:
    """Write data next to path, fsync, keep the file's mode, rename over it, fsync the folder."""
    st = path.stat()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".mt-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, st.st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
