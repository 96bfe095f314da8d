"""The managed tag fields in each file format, read and written with mutagen.

Only the frames/atoms/comments of the managed fields are touched; everything else in a tag (Traktor's
PRIV:TRAKTOR4 frame, GEOB cue data, pictures, ReplayGain, other programs' TXXX) stays as it was, because
mutagen keeps every frame it loaded and we only add, replace or delete ours.

ID3v2.4 in MP3, WAV and AIFF (a v2.3 tag stays v2.3 when `keep_v23`); Vorbis comments in FLAC, Ogg
Vorbis and Opus; MP4 atoms in M4A/ALAC. Blocking: call from a thread or a worker process.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mutagen
from mutagen import id3
from mutagen.mp4 import MP4FreeForm

from musictool.integrations.traktor import keys as keymod
from musictool.model.tags import KEY_NOTATIONS, TAG_FIELDS

FIELDS = TAG_FIELDS
NUMERIC = {"bpm", "rating", "year"}
EXTENSIONS = {
    ".mp3": "mp3",
    ".wav": "wav",
    ".wave": "wav",
    ".aif": "aiff",
    ".aiff": "aiff",
    ".aifc": "aiff",
    ".flac": "flac",
    ".ogg": "ogg",
    ".oga": "ogg",
    ".opus": "opus",
    ".m4a": "m4a",
    ".mp4": "m4a",
    ".alac": "m4a",
}
NOTATIONS = KEY_NOTATIONS
POPM_EMAIL = "MusicTool"
# Windows Media Player's POPM steps, which most DJ software reads
_POPM_OF_STARS = {0: 0, 1: 1, 2: 64, 3: 128, 4: 196, 5: 255}

_ID3_TEXT = {
    "title": "TIT2",
    "artist": "TPE1",
    "album": "TALB",
    "albumartist": "TPE2",
    "genre": "TCON",
    "label": "TPUB",
    "bpm": "TBPM",
    "key": "TKEY",
    "year": "TDRC",
    "isrc": "TSRC",
}
_ID3_TXXX = {
    "catalog_no": "CATALOGNUMBER",
    "mb_release_id": "MusicBrainz Album Id",
    "mb_release_group_id": "MusicBrainz Release Group Id",
    "mb_artist_id": "MusicBrainz Artist Id",
}
_MB_UFID = "http://musicbrainz.org"

_VORBIS = {
    "title": ("TITLE",),
    "artist": ("ARTIST",),
    "album": ("ALBUM",),
    "albumartist": ("ALBUMARTIST", "ALBUM ARTIST"),
    "genre": ("GENRE",),
    "comment": ("COMMENT", "DESCRIPTION"),
    "label": ("LABEL", "ORGANIZATION", "PUBLISHER"),
    "catalog_no": ("CATALOGNUMBER",),
    "bpm": ("BPM",),
    "key": ("INITIALKEY", "KEY"),
    "rating": ("RATING",),
    "year": ("DATE", "YEAR", "ORIGINALDATE"),
    "isrc": ("ISRC",),
    "mb_recording_id": ("MUSICBRAINZ_TRACKID",),
    "mb_release_id": ("MUSICBRAINZ_ALBUMID",),
    "mb_release_group_id": ("MUSICBRAINZ_RELEASEGROUPID",),
    "mb_artist_id": ("MUSICBRAINZ_ARTISTID",),
}
_FF = "----:com.apple.iTunes:"
_MP4 = {
    "title": "\xa9nam",
    "artist": "\xa9ART",
    "album": "\xa9alb",
    "albumartist": "aART",
    "genre": "\xa9gen",
    "comment": "\xa9cmt",
    "label": _FF + "LABEL",
    "catalog_no": _FF + "CATALOGNUMBER",
    "bpm": "tmpo",
    "key": _FF + "initialkey",
    "rating": _FF + "RATING",
    "year": "\xa9day",
    "isrc": _FF + "ISRC",
    "mb_recording_id": _FF + "MusicBrainz Track Id",
    "mb_release_id": _FF + "MusicBrainz Album Id",
    "mb_release_group_id": _FF + "MusicBrainz Release Group Id",
    "mb_artist_id": _FF + "MusicBrainz Artist Id",
}


class TagError(Exception):
    """The file's tags cannot be read or written; the message names the file and why."""


@dataclass
class TagInfo:
    format: str
    values: dict[str, Any]
    id3_version: str | None = None  # "2.3" / "2.4" for ID3 formats with a tag
    artwork: list[tuple[int, int]] = field(default_factory=list)  # (width, height) of each picture
    duration: float | None = None
    bitrate: int | None = None


def format_of(path: str | Path) -> str:
    fmt = EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise TagError(f"{path}: not a format MusicTool tags (mp3, wav, aiff, flac, ogg, opus, m4a)")
    return fmt


def _load(path: str | Path) -> Any:
    try:
        f = mutagen.File(str(path))
    except FileNotFoundError:
        raise TagError(f"{path}: file not found") from None
    except PermissionError as exc:
        raise TagError(f"{path}: cannot be read ({exc.strerror})") from None
    except Exception as exc:  # noqa: BLE001 - mutagen raises many types on damaged files
        raise TagError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None
    if f is None:
        raise TagError(f"{path}: not a recognised audio file")
    return f


# -- value forms --------------------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _year(value: Any) -> int | None:
    text = str(value or "").strip()
    if len(text) >= 4 and text[:4].isdigit():
        y = int(text[:4])
        return y if 1000 < y < 3000 else None
    return None


def _bpm(value: Any) -> float | None:
    try:
        bpm = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None
    return round(bpm, 3) if 0 < bpm < 1000 else None


def _bpm_text(bpm: float) -> str:
    return f"{round(float(bpm), 2):g}"


def _key_in(value: Any) -> str | None:
    """A key as the library keeps it ("A minor"); text that is not a key is kept as written."""
    text = _text(value)
    if text is None:
        return None
    k = keymod.parse(text)
    return k.musical if k else text


def key_text(value: Any, notation: str) -> str | None:
    k = keymod.parse(str(value)) if value is not None else None
    if k is None:
        return _text(value)
    return {"open_key": k.open_key, "camelot": k.camelot}.get(notation, k.short)


def _stars_from_percent(value: Any) -> int | None:
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if x <= 5:
        return max(0, min(5, round(x)))
    return max(0, min(5, round(x / 20)))


def _stars_from_popm(rating: int) -> int:
    if rating <= 0:
        return 0
    return 1 if rating < 32 else 2 if rating < 96 else 3 if rating < 160 else 4 if rating < 224 else 5


def normalize(field: str, value: Any) -> Any:
    """A value in the form reads return it (so a read after a write compares equal)."""
    if value is None:
        return None
    if field == "bpm":
        return _bpm(value)
    if field == "year":
        return _year(value)
    if field == "rating":
        return _stars_from_percent(value)
    if field == "key":
        return _key_in(value)
    return _text(value)


def stored_form(fmt: str, field: str, value: Any) -> Any:
    """normalize(), and what the format can hold: an MP4 tmpo atom keeps whole BPM only."""
    v = normalize(field, value)
    if fmt == "m4a" and field == "bpm" and v is not None:
        return float(round(v))
    return v


# -- pictures -----------------------------------------------------------------------------------------------
def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or JPEG; (0, 0) when the header is not understood."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
    return 0, 0


def _pictures(f: Any, fmt: str) -> list[bytes]:
    tags = f.tags
    if fmt == "flac":
        return [p.data for p in f.pictures]
    if tags is None:
        return []
    if fmt in ("mp3", "wav", "aiff"):
        return [fr.data for fr in tags.getall("APIC")]
    if fmt == "m4a":
        return [bytes(c) for c in tags.get("covr", [])]
    out = []
    for raw in tags.get("METADATA_BLOCK_PICTURE", []):
        import base64

        from mutagen.flac import Picture

        try:
            out.append(Picture(base64.b64decode(raw)).data)
        except Exception:  # noqa: BLE001 - one bad picture block does not make the tags unreadable
            continue
    return out


# -- read ---------------------------------------------------------------------------------------------------
def read(path: str | Path) -> TagInfo:
    """The managed fields of a file (fields without a value are absent). Raises TagError."""
    fmt = format_of(path)
    f = _load(path)
    values: dict[str, Any] = {}
    version = None
    if fmt in ("mp3", "wav", "aiff"):
        if f.tags is not None:
            values = _read_id3(f.tags)
            version = f"2.{f.tags.version[1]}"
    elif fmt == "m4a":
        values = _read_mp4(f.tags) if f.tags is not None else {}
    else:
        values = _read_vorbis(f.tags) if f.tags is not None else {}
    info = getattr(f, "info", None)
    bitrate = getattr(info, "bitrate", None)
    return TagInfo(
        format=fmt,
        values={k: v for k, v in values.items() if v is not None},
        id3_version=version,
        artwork=[image_size(p) for p in _pictures(f, fmt)],
        duration=round(float(info.length), 3) if info is not None and getattr(info, "length", 0) else None,
        bitrate=int(bitrate // 1000) if bitrate else None,
    )


def _read_id3(tags: id3.ID3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, frame_id in _ID3_TEXT.items():
        frame = tags.get(frame_id)
        if frame is not None and frame.text:
            out[name] = normalize(name, str(frame.text[0]))
    for name, desc in _ID3_TXXX.items():
        frame = tags.get(f"TXXX:{desc}")
        if frame is not None and frame.text:
            out[name] = normalize(name, str(frame.text[0]))
    comms = [c for c in tags.getall("COMM") if c.desc == "" and c.text]
    if comms:
        out["comment"] = _text(comms[0].text[0])
    popms = tags.getall("POPM")
    if popms:
        mine = [p for p in popms if p.email == POPM_EMAIL] or popms
        out["rating"] = _stars_from_popm(int(mine[0].rating))
    ufid = tags.get(f"UFID:{_MB_UFID}")
    if ufid is not None and ufid.data:
        out["mb_recording_id"] = ufid.data.decode("ascii", errors="replace")
    return out


def _read_vorbis(tags: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    have = {k.upper(): v for k, v in tags.items()}
    for name, keys in _VORBIS.items():
        for k in keys:
            vals = have.get(k)
            if vals:
                out[name] = normalize(name, vals[0])
                break
    return out


def _read_mp4(tags: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, atom in _MP4.items():
        vals = tags.get(atom)
        if not vals:
            continue
        v = vals[0]
        if isinstance(v, bytes | MP4FreeForm):
            v = bytes(v).decode("utf-8", errors="replace")
        out[name] = normalize(name, v)
    return out


# -- write --------------------------------------------------------------------------------------------------
def write(
    path: str | Path,
    values: dict[str, Any],
    *,
    key_notation: str = "musical",
    keep_v23: bool = False,
) -> bool:
    """Set the given fields in the file in place (None deletes a field; fields not given are left alone).
    Returns False, without saving, when the file already holds these values. Raises TagError."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TagError(f"unknown tag fields: {', '.join(sorted(unknown))}")
    fmt = format_of(path)
    current = read(path)
    wanted = {k: stored_form(fmt, k, v) for k, v in values.items()}
    if not needs_write(current, values, keep_v23=keep_v23):
        return False
    f = _load(path)
    try:
        if fmt in ("mp3", "wav", "aiff"):
            if f.tags is None:
                f.add_tags()
            _write_id3(f.tags, wanted, key_notation)
            _save_id3(f, 3 if keep_v23 and current.id3_version == "2.3" else 4)
        elif fmt == "m4a":
            if f.tags is None:
                f.add_tags()
            _write_mp4(f.tags, wanted, key_notation)
            f.save()
        else:
            if f.tags is None:
                f.add_tags()
            _write_vorbis(f.tags, wanted, key_notation)
            f.save()
    except OSError as exc:
        raise TagError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    except Exception as exc:  # noqa: BLE001 - mutagen's errors on odd files
        raise TagError(f"{path}: tags could not be written ({type(exc).__name__}: {exc})") from None
    return True


def needs_write(current: TagInfo, values: dict[str, Any], *, keep_v23: bool = False) -> bool:
    """Whether writing values would change a file whose tags read as current."""
    if _needs_upgrade(current, keep_v23):
        return True
    return any(current.values.get(k) != stored_form(current.format, k, v) for k, v in values.items())


def _save_id3(f: Any, version: int) -> None:
    """mutagen keeps frames as v2.4 in memory; for a v2.3 save they must be converted first (TDRC -> TYER)."""
    if version == 3:
        f.tags.update_to_v23()
    else:
        f.tags.update_to_v24()
    f.save(v2_version=version)


def _needs_upgrade(info: TagInfo, keep_v23: bool) -> bool:
    return info.id3_version == "2.3" and not keep_v23


def _write_id3(tags: id3.ID3, values: dict[str, Any], notation: str) -> None:
    for name, v in values.items():
        if name in _ID3_TEXT:
            frame_id = _ID3_TEXT[name]
            tags.delall(frame_id)
            if v is None:
                continue
            text = _bpm_text(v) if name == "bpm" else key_text(v, notation) if name == "key" else str(v)
            tags.add(getattr(id3, frame_id)(encoding=3, text=[text]))
        elif name in _ID3_TXXX:
            tags.delall(f"TXXX:{_ID3_TXXX[name]}")
            if v is not None:
                tags.add(id3.TXXX(encoding=3, desc=_ID3_TXXX[name], text=[str(v)]))
        elif name == "comment":
            for c in [c for c in tags.getall("COMM") if c.desc == ""]:
                del tags[c.HashKey]
            if v is not None:
                tags.add(id3.COMM(encoding=3, lang="eng", desc="", text=[str(v)]))
        elif name == "rating":
            popms = tags.getall("POPM")
            email = (
                [p.email for p in popms if p.email == POPM_EMAIL] or [p.email for p in popms] or [POPM_EMAIL]
            )[0]
            old = [p for p in popms if p.email == email]
            count = old[0].count if old and hasattr(old[0], "count") else 0
            tags.delall(f"POPM:{email}")
            if v is not None:
                tags.add(id3.POPM(email=email, rating=_POPM_OF_STARS[int(v)], count=count))
        elif name == "mb_recording_id":
            tags.delall(f"UFID:{_MB_UFID}")
            if v is not None:
                tags.add(id3.UFID(owner=_MB_UFID, data=str(v).encode("ascii", errors="replace")))


def _vorbis_value(name: str, v: Any, notation: str) -> str:
    if name == "bpm":
        return _bpm_text(v)
    if name == "key":
        return key_text(v, notation) or ""
    if name == "rating":
        return str(int(v) * 20)
    return str(v)


def _write_vorbis(tags: Any, values: dict[str, Any], notation: str) -> None:
    present = {k.upper(): k for k in tags.keys()}  # noqa: SIM118 - a VComment iterates as (key, value) pairs
    for name, v in values.items():
        keys = _VORBIS[name]
        for k in keys:
            if k in present:
                del tags[present[k]]
        if v is not None:
            tags[keys[0]] = [_vorbis_value(name, v, notation)]


def _write_mp4(tags: Any, values: dict[str, Any], notation: str) -> None:
    for name, v in values.items():
        atom = _MP4[name]
        if atom in tags:
            del tags[atom]
        if v is None:
            continue
        if name == "bpm":
            tags[atom] = [int(round(float(v)))]
        elif atom.startswith(_FF):
            tags[atom] = [MP4FreeForm(_vorbis_value(name, v, notation).encode("utf-8"))]
        else:
            tags[atom] = [str(v)]


def embed_artwork(path: str | Path, data: bytes, mime: str) -> None:
    """Make `data` the file's front cover (replacing an existing front cover only). Raises TagError."""
    if mime not in ("image/jpeg", "image/png") or image_size(data) == (0, 0):
        raise TagError(f"{path}: the artwork is not a JPEG or PNG image")
    try:
        _embed(path, data, mime)
    except OSError as exc:
        raise TagError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    except TagError:
        raise
    except Exception as exc:  # noqa: BLE001 - mutagen's errors on odd files
        raise TagError(f"{path}: artwork could not be embedded ({type(exc).__name__}: {exc})") from None


def _embed(path: str | Path, data: bytes, mime: str) -> None:
    fmt = format_of(path)
    f = _load(path)
    if fmt in ("mp3", "wav", "aiff"):
        if f.tags is None:
            f.add_tags()
        for fr in [fr for fr in f.tags.getall("APIC") if fr.type == 3]:
            del f.tags[fr.HashKey]
        f.tags.add(id3.APIC(encoding=3, mime=mime, type=3, desc="", data=data))
        _save_id3(f, 3 if f.tags.version[1] == 3 else 4)
    elif fmt == "flac":
        from mutagen.flac import Picture

        pic = Picture()
        pic.type, pic.mime, pic.data = 3, mime, data
        pic.width, pic.height = image_size(data)
        keep = [p for p in f.pictures if p.type != 3]
        f.clear_pictures()
        for p in [*keep, pic]:
            f.add_picture(p)
        f.save()
    elif fmt == "m4a":
        from mutagen.mp4 import MP4Cover

        kind = MP4Cover.FORMAT_PNG if mime == "image/png" else MP4Cover.FORMAT_JPEG
        if f.tags is None:
            f.add_tags()
        f.tags["covr"] = [MP4Cover(data, imageformat=kind)]
        f.save()
    else:
        import base64

        from mutagen.flac import Picture

        pic = Picture()
        pic.type, pic.mime, pic.data = 3, mime, data
        pic.width, pic.height = image_size(data)
        f.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(pic.write()).decode("ascii")]
        f.save()


def writable_reason(path: str | Path) -> str | None:
    """Why the file cannot be rewritten (checked by mode bits too: root ignores them), or None."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return exc.strerror or str(exc)
    if not st.st_mode & 0o222:
        return "the file is read-only"
    if not os.access(p.parent, os.W_OK | os.X_OK):
        return "its folder is not writable"
    return None
