"""Duplicate recordings: Chromaprint similarity (a re-encode or a trimmed copy still matches) or the same
normalised artist/title/version with durations within a tolerance. A version ("Dub", "Remix", "Radio
Edit") is never a duplicate of another version. Each group names the copy to keep and why.

Fingerprints are compared the way AcoustID does: the raw 32-bit sub-fingerprints of two files are aligned
by the offset most of their shared values vote for, and the share of equal bits at that offset is the
similarity (re-encodes score ~0.9+, different recordings ~0.5-0.6). Pure: runs in a worker process.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from typing import Any

import numpy as np

SIMILAR = 0.80  # bit agreement at the best offset from which two fingerprints are one recording
MIN_SHARED = 8  # shared sub-fingerprint keys before two files are compared at all
KEY_SHIFT = 12  # a candidate key is the top 20 bits of a sub-fingerprint
DURATION_TOLERANCE = 3.0  # seconds, for metadata duplicates
LOSSLESS_CODECS = {"flac", "alac", "pcm", "wav", "aiff", "pcm_s16le", "pcm_s16be", "pcm_s24le"}
_VERSION_WORDS = (
    r"remix|rmx|dub|mix|edit|version|vip|instrumental|acapella|a cappella|rework|bootleg|reprise|live|"
    r"extended|radio|club|remaster(?:ed)?|re-?edit|flip|refix|cover"
)
_BRACKETS = re.compile(r"[\(\[]([^\)\]]*)[\)\]]")
_DASH_VERSION = re.compile(rf"\s+-\s+([^-]*\b(?:{_VERSION_WORDS})\b[^-]*)$", re.IGNORECASE)
_FEAT = re.compile(r"\b(?:feat\.?|ft\.?|featuring)\s.*$", re.IGNORECASE)
_ORIGINAL = {"original mix", "original", "original version", "album version", ""}
_REMASTER = re.compile(r"\bremaster(?:ed)?\b(?:\s+\d{4})?|\b\d{4}\s+remaster(?:ed)?\b")


def _norm(text: Any) -> str:
    t = unicodedata.normalize("NFKD", str(text or "")).casefold()
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = t.replace("&", " and ")
    t = re.sub(r"[^\w\s]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def split_version(title: Any, mix: Any = None) -> tuple[str, str]:
    """(base title, version) with "Original Mix" and remaster notes as no version."""
    t = str(title or "")
    versions = [m.group(1) for m in _BRACKETS.finditer(t)]
    t = _BRACKETS.sub(" ", t)
    m = _DASH_VERSION.search(t)
    if m:
        versions.append(m.group(1))
        t = t[: m.start()]
    if mix:
        versions.append(str(mix))
    t = _FEAT.sub("", t)
    vs = []
    for v in versions:
        v = _norm(_REMASTER.sub("", _norm(v)))
        if v.startswith(("feat ", "ft ", "featuring ")) or v in _ORIGINAL:
            continue
        vs.append(v)
    return _norm(t), " / ".join(sorted(set(vs)))


def _artist(a: Any) -> str:
    return _norm(_FEAT.sub("", str(a or "")))


# -- fingerprints -------------------------------------------------------------------------------------------
def decode(fp: str) -> np.ndarray | None:
    """A compressed base64 Chromaprint fingerprint (what fpcalc prints and we store) as uint32 values."""
    try:
        import chromaprint

        raw, _ = chromaprint.decode_fingerprint(fp.encode() if isinstance(fp, str) else fp)
    except Exception:  # noqa: BLE001 - a damaged fingerprint is just not compared
        return None
    if not raw:
        return None
    return np.array(raw, dtype=np.int64).astype(np.uint32)


_POP = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount(x: np.ndarray) -> int:
    return int(_POP[x.view(np.uint8)].sum())


def similarity(a: np.ndarray, b: np.ndarray, offset: int | None = None) -> float:
    """Share of equal bits of a and b aligned at offset (b[i + offset] against a[i]); the voted offset when
    None. 1.0 identical, ~0.5 unrelated."""
    if offset is None:
        offset = best_offset(a, b)
        if offset is None:
            return 0.0
    best = 0.0
    for off in (offset - 1, offset, offset + 1):
        lo = max(0, -off)
        hi = min(len(a), len(b) - off)
        if hi - lo < 20:
            continue
        x = np.bitwise_xor(a[lo:hi], b[lo + off : hi + off])
        best = max(best, 1.0 - _popcount(x) / (32.0 * (hi - lo)))
    return best


def best_offset(a: np.ndarray, b: np.ndarray) -> int | None:
    pos_b: dict[int, list[int]] = defaultdict(list)
    for j, v in enumerate((b >> KEY_SHIFT).tolist()):
        pos_b[v].append(j)
    votes: Counter[int] = Counter()
    for i, v in enumerate((a >> KEY_SHIFT).tolist()):
        for j in pos_b.get(v, ()):
            votes[j - i] += 1
    return votes.most_common(1)[0][0] if votes else None


# -- keeper -------------------------------------------------------------------------------------------------
def _lossless(t: dict[str, Any]) -> bool:
    if t.get("lossless") is not None:
        return bool(t["lossless"])
    return str(t.get("path") or "").lower().rsplit(".", 1)[-1] in ("flac", "wav", "aif", "aiff")


def _bitrate(t: dict[str, Any]) -> int:
    return int(
        t.get("bitrate_kbps") or (t.get("bitrate") or 0) // (1000 if (t.get("bitrate") or 0) > 10_000 else 1)
    )


def keeper(tracks: list[dict[str, Any]]) -> tuple[int, str]:
    """The copy to keep and why: lossless over lossy, not a transcode, higher bitrate, has cues, more plays."""

    def rank(t: dict[str, Any]) -> tuple:
        return (
            _lossless(t),
            not t.get("transcode_suspected"),
            _bitrate(t),
            t.get("cue_count") or 0,
            t.get("play_count") or 0,
            -t["id"],
        )

    ordered = sorted(tracks, key=rank, reverse=True)
    best, second = ordered[0], ordered[1]
    if _lossless(best) and not _lossless(second):
        why = "lossless over lossy"
    elif not best.get("transcode_suspected") and second.get("transcode_suspected"):
        why = "the others look like transcodes"
    elif _bitrate(best) > _bitrate(second):
        why = f"higher bitrate ({_bitrate(best)} over {_bitrate(second)} kbps)"
    elif (best.get("cue_count") or 0) > (second.get("cue_count") or 0):
        why = f"has more cues ({best.get('cue_count')})"
    elif (best.get("play_count") or 0) > (second.get("play_count") or 0):
        why = f"played more ({best.get('play_count')} plays)"
    else:
        why = "oldest in the collection (the copies are otherwise equal)"
    return best["id"], why


# -- grouping -----------------------------------------------------------------------------------------------
def find_groups(
    tracks: list[dict[str, Any]], *, similar: float = SIMILAR, tolerance: float = DURATION_TOLERANCE
) -> list[dict[str, Any]]:
    """Groups [{track_ids (keeper first), keep, reason, method, score}] of one recording held twice or more."""
    by_id = {t["id"]: t for t in tracks}
    names = {
        t["id"]: (_artist(t.get("artist")), *split_version(t.get("title"), t.get("mix"))) for t in tracks
    }
    parent = {t["id"]: t["id"] for t in tracks}
    method: dict[int, str] = {}
    score: dict[int, float] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int, how: str, s: float | None = None) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        parent[rb] = ra
        method[ra] = "fingerprint" if "fingerprint" in (how, method.get(ra), method.get(rb)) else how
        if s is not None:
            score[ra] = min(s, score.get(ra, 1.0), score.get(rb, 1.0))

    def versions_differ(a: int, b: int) -> bool:
        return names[a][2] != names[b][2]

    # 1. fingerprints: candidates share many sub-fingerprint keys; then a real similarity
    fps = {}
    for t in tracks:
        if t.get("fingerprint"):
            arr = decode(t["fingerprint"])
            if arr is not None and len(arr) >= 20:
                fps[t["id"]] = arr
    index: dict[int, set[int]] = defaultdict(set)
    for tid, arr in fps.items():
        for k in set((arr >> KEY_SHIFT).tolist()):
            index[k].add(tid)
    shared: Counter[tuple[int, int]] = Counter()
    for ids in index.values():
        if 1 < len(ids) <= 50:  # a key in very many files is silence or a common pattern
            s = sorted(ids)
            for i, a in enumerate(s):
                for b in s[i + 1 :]:
                    shared[(a, b)] += 1
    for (a, b), n in shared.items():
        if n < MIN_SHARED or versions_differ(a, b):
            continue
        s = similarity(fps[a], fps[b])
        if s >= similar:
            union(a, b, "fingerprint", round(s, 3))

    # 2. metadata: same artist, base title and version, durations within the tolerance
    by_name: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for tid, (artist, base, version) in names.items():
        if artist and base:
            by_name[(artist, base, version)].append(tid)
    for ids in by_name.values():
        ids.sort(key=lambda i: by_id[i].get("duration") or 0)
        for a, b in zip(ids, ids[1:], strict=False):
            da, db_ = by_id[a].get("duration"), by_id[b].get("duration")
            if da and db_ and abs(da - db_) <= tolerance:
                if a in fps and b in fps and similarity(fps[a], fps[b]) < similar:
                    continue  # same name and length, but the audio says they differ
                union(a, b, "metadata")

    members: dict[int, list[int]] = defaultdict(list)
    for tid in parent:
        members[find(tid)].append(tid)
    out = []
    for root, ids in members.items():
        if len(ids) < 2:
            continue
        keep, why = keeper([by_id[i] for i in ids])
        out.append(
            {
                "track_ids": [keep, *sorted(i for i in ids if i != keep)],
                "keep": keep,
                "reason": why,
                "method": method.get(root, "metadata"),
                "score": score.get(root),
            }
        )
    out.sort(key=lambda g: g["keep"])
    return out
