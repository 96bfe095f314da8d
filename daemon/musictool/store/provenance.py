"""Provenance of metadata values: one row per (track, field, source), and the conflicts between sources.

Every writer (Traktor NML, file tags, audio analysis, MusicBrainz, AcoustID, Discogs, the user) records
its value here; the effective value is chosen at read time by the configured Policy, so changing the
policy never needs a rewrite. Conflicts are kept up to date on every write, so listing them is one query.
"""

from __future__ import annotations

import json
import numbers
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from musictool.model.fields import SOURCES, disagreeing
from musictool.model.policy import DEFAULT_POLICY, Policy

Row = tuple[int, str, Any, str, float]  # track_id, field, value, source, confidence

_policy: Policy = DEFAULT_POLICY


def set_policy(policy: Policy) -> None:
    """Make policy the one effective() uses when none is passed (the enrich component sets it from config)."""
    global _policy
    _policy = policy


def current_policy() -> Policy:
    return _policy


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _check(track_id: int, field: str, source: str, confidence: float) -> None:
    if source not in SOURCES:
        raise ValueError(f"unknown provenance source {source!r} (known: {', '.join(SOURCES)})")
    if not isinstance(field, str) or not field or len(field) > 64:
        raise ValueError(f"metadata field must be a short non-empty string, not {field!r}")
    if not isinstance(track_id, numbers.Integral) or isinstance(track_id, bool):
        raise ValueError(f"track_id must be an integer, not {track_id!r}")
    if (
        not isinstance(confidence, numbers.Real)
        or isinstance(confidence, bool)
        or not 0.0 <= float(confidence) <= 1.0
    ):
        raise ValueError(f"confidence must be a number between 0 and 1, not {confidence!r}")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (analysis results) as plain JSON values; anything else is refused."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise ValueError(
        f"a metadata value must be JSON (text, number, list, object), not {type(value).__name__}"
    )


def encode(value: Any) -> str:
    """The stored JSON form of a value (compare stored values with this)."""
    try:
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain, allow_nan=False
        )
    except ValueError as exc:
        raise ValueError(f"metadata value {value!r:.80} cannot be stored: {exc}") from None


_encode = encode


_UPSERT = """
INSERT INTO metadata_values (track_id, field, value, source, confidence, recorded_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (track_id, field, source) DO UPDATE SET
    value = excluded.value, confidence = excluded.confidence, recorded_at = excluded.recorded_at
WHERE metadata_values.value IS NOT excluded.value OR metadata_values.confidence IS NOT excluded.confidence
"""


def write_rows(conn: sqlite3.Connection, rows: Iterable[Row]) -> int:
    """Upsert rows on the writer's connection (inside the caller's transaction) and refresh the conflicts
    of every (track, field) that changed. A value of None removes that source's value. Unchanged values
    keep their recorded_at. Returns the number of (track, field) pairs that changed."""
    at = now_iso()
    changed: dict[int, set[str]] = defaultdict(set)
    for track_id, field, value, source, confidence in rows:
        _check(track_id, field, source, confidence)
        track_id, confidence = int(track_id), float(confidence)
        if value is None:
            cur = conn.execute(
                "DELETE FROM metadata_values WHERE track_id = ? AND field = ? AND source = ?",
                (track_id, field, source),
            )
        else:
            cur = conn.execute(_UPSERT, (track_id, field, _encode(value), source, float(confidence), at))
        if cur.rowcount:
            changed[track_id].add(field)
    tids = list(changed)
    for i in range(0, len(tids), 500):
        _refresh_conflicts(conn, {t: changed[t] for t in tids[i : i + 500]}, at)
    return sum(len(f) for f in changed.values())


def _tuples(rows: list[Any]) -> list[tuple]:
    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]


def _refresh_conflicts(conn: sqlite3.Connection, changed: dict[int, set[str]], at: str) -> None:
    """Re-judge the changed (track, field) pairs of up to a few hundred tracks with two queries."""
    marks = ",".join("?" * len(changed))
    ids = list(changed)
    by_pair: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    for tid, f, source, value in _tuples(
        conn.execute(
            f"SELECT track_id, field, source, value FROM metadata_values WHERE track_id IN ({marks})", ids
        ).fetchall()
    ):
        if f in changed[tid]:
            by_pair[(tid, f)].append((source, value))
    listed = set(
        _tuples(
            conn.execute(
                f"SELECT track_id, field FROM metadata_conflicts WHERE track_id IN ({marks})", ids
            ).fetchall()
        )
    )
    for tid, fields in changed.items():
        for f in fields:
            entries = by_pair.get((tid, f), [])
            if len(entries) > 1 and disagreeing(f, [json.loads(v) for _, v in entries]):
                sources = _encode(sorted(src for src, _ in entries))
                conn.execute(
                    "INSERT INTO metadata_conflicts (track_id, field, sources, detected_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (track_id, field) DO UPDATE SET sources = excluded.sources, "
                    "detected_at = excluded.detected_at WHERE metadata_conflicts.sources IS NOT excluded.sources",
                    (tid, f, sources, at),
                )
            elif (tid, f) in listed:
                conn.execute("DELETE FROM metadata_conflicts WHERE track_id = ? AND field = ?", (tid, f))


def _write_in_txn(conn: sqlite3.Connection, rows: list[Row]) -> int:
    return write_rows(conn, rows)


async def record(
    db: Any, track_id: int, field: str, value: Any, source: str, confidence: float = 1.0
) -> bool:
    """Store one source's value for a track's field (None removes it). True if anything changed."""
    _check(track_id, field, source, confidence)
    return bool(await db.run_in_writer(_write_in_txn, [(track_id, field, value, source, confidence)]))


async def record_many(db: Any, rows: Iterable[Row]) -> int:
    """Bulk form of record() in one transaction; returns the number of changed (track, field) pairs."""
    rows = list(rows)
    if not rows:
        return 0
    return await db.run_in_writer(_write_in_txn, rows)


async def forget_source(db: Any, track_id: int, source: str) -> int:
    """Remove every value one source holds for a track (e.g. MusicBrainz' after a failed re-match)."""
    fields = await db.fetchall(
        "SELECT field FROM metadata_values WHERE track_id = ? AND source = ?", (track_id, source)
    )
    return await record_many(db, [(track_id, r["field"], None, source, 1.0) for r in fields])


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["value"] = json.loads(row["value"])
    return out


async def values(db: Any, track_id: int, field: str | None = None) -> list[dict[str, Any]]:
    """Every stored value of a track: {field, value, source, confidence, recorded_at}."""
    sql = "SELECT field, value, source, confidence, recorded_at FROM metadata_values WHERE track_id = ?"
    params: list[Any] = [track_id]
    if field is not None:
        sql += " AND field = ?"
        params.append(field)
    rows = await db.fetchall(sql + " ORDER BY field, source", params)
    return [_decode(r) for r in rows]


def choose(rows: list[dict[str, Any]], policy: Policy) -> dict[str, dict[str, Any]]:
    """field -> winning row under policy, from decoded value rows."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[r["field"]].append(r)
    out = {}
    for f, candidates in grouped.items():
        best = policy.pick(f, candidates)
        if best is not None:
            out[f] = {k: best[k] for k in ("value", "source", "confidence", "recorded_at")}
    return out


async def effective(db: Any, track_id: int, policy: Policy | None = None) -> dict[str, dict[str, Any]]:
    """The effective value of each field of a track: {field: {value, source, confidence, recorded_at}}."""
    return choose(await values(db, track_id), policy or _policy)


async def effective_value(db: Any, track_id: int, field: str, policy: Policy | None = None) -> Any:
    """Just the winning value of one field (None when no source qualifies)."""
    rows = await values(db, track_id, field)
    chosen = choose(rows, policy or _policy).get(field)
    return None if chosen is None else chosen["value"]


async def describe(db: Any, track_id: int, policy: Policy | None = None) -> dict[str, dict[str, Any]]:
    """Per field: the effective value, every source's value (best first) and whether they disagree."""
    policy = policy or _policy
    rows = await values(db, track_id)
    conflicted = {
        r["field"]
        for r in await db.fetchall("SELECT field FROM metadata_conflicts WHERE track_id = ?", (track_id,))
    }
    chosen = choose(rows, policy)
    fields: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = fields.setdefault(r["field"], {"effective": chosen.get(r["field"]), "values": []})
        entry["values"].append({k: r[k] for k in ("source", "value", "confidence", "recorded_at")})
    for f, entry in fields.items():
        entry["values"].sort(key=lambda v: (policy.rank(f, v["source"]), -v["confidence"]))
        entry["conflict"] = f in conflicted
    return fields


async def conflicts(
    db: Any, limit: int, offset: int, field: str | None = None, policy: Policy | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Fields whose sources disagree, newest first: items {track_id, field, detected_at, values, effective}."""
    policy = policy or _policy
    where, params = "", []
    if field is not None:
        where, params = " WHERE field = ?", [field]
    total = await db.fetchval(f"SELECT count(*) FROM metadata_conflicts{where}", params)
    rows = await db.fetchall(
        f"SELECT track_id, field, detected_at FROM metadata_conflicts{where} "
        "ORDER BY detected_at DESC, track_id, field LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    grouped: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    if rows:
        wanted = {(r["track_id"], r["field"]) for r in rows}
        tids = sorted({r["track_id"] for r in rows})
        for v in await db.fetchall(
            "SELECT track_id, field, value, source, confidence, recorded_at FROM metadata_values "
            f"WHERE track_id IN ({','.join('?' * len(tids))})",
            tids,
        ):
            if (v["track_id"], v["field"]) in wanted:
                grouped[(v["track_id"], v["field"])].append(_decode(v))
    items = []
    for r in rows:
        vals = grouped.get((r["track_id"], r["field"]), [])
        chosen = choose(vals, policy).get(r["field"])
        items.append(
            {
                "track_id": r["track_id"],
                "field": r["field"],
                "detected_at": r["detected_at"],
                "effective": chosen,
                "values": [
                    {k: v[k] for k in ("source", "value", "confidence", "recorded_at")}
                    for v in sorted(vals, key=lambda v: policy.rank(r["field"], v["source"]))
                ],
            }
        )
    return items, int(total or 0)


async def conflict_count(db: Any) -> int:
    """How many (track, field) pairs have disagreeing sources; cached until the next write."""
    return int(await db.cached("val", "SELECT count(*) FROM metadata_conflicts") or 0)


async def max_track_id(db: Any, source: str) -> int:
    return int(await db.fetchval("SELECT max(track_id) FROM metadata_values WHERE source = ?", (source,)) or 0)


async def source_values(db: Any, source: str, lo: int, hi: int) -> list[dict[str, Any]]:
    """track_id, field, value (encoded), confidence of one source for track ids lo..hi."""
    return await db.fetchall(
        "SELECT track_id, field, value, confidence FROM metadata_values "
        "WHERE source = ? AND track_id BETWEEN ? AND ?",
        (source, lo, hi),
    )
