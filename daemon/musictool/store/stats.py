"""Aggregates for the dashboard's charts: every figure is a GROUP BY in SQLite, so a chart at 100k tracks and
10k releases costs one indexed scan and ships a few hundred numbers, never the rows themselves."""

from __future__ import annotations

from typing import Any

from musictool.store.db import Database

_HAVE = "CASE WHEN m.status IN ('matched', 'confirmed') THEN 1 ELSE 0 END"
# when a record joined the collection: the first copy's Discogs date, else when we first saw it
_FIRST_ADDED = (
    "SELECT release_id, substr(min(coalesce(added_utc, first_seen_at)), 1, 7) AS month, "
    "substr(min(coalesce(added_utc, first_seen_at)), 1, 4) AS year "
    "FROM collection_items WHERE removed_at IS NULL GROUP BY release_id"
)


async def growth(db: Database) -> list[dict[str, Any]]:
    """Per month: records added, tracks imported into Traktor, and the digitisation rate of the collection as
    it stood at the end of that month (vinyl tracks of the records owned by then that have a digital copy)."""
    records = await db.cached("all", f"SELECT month, count(*) AS n FROM ({_FIRST_ADDED}) GROUP BY month")
    tracks = await db.cached(
        "all",
        "SELECT substr(import_date, 1, 7) AS month, count(*) AS n FROM tracks "
        "WHERE removed_at IS NULL AND import_date IS NOT NULL AND import_date != '' GROUP BY 1",
    )
    vinyl = await db.cached(
        "all",
        f"SELECT f.month, count(*) AS vinyl, sum({_HAVE}) AS digital FROM ({_FIRST_ADDED}) f "
        "JOIN matches m ON m.release_id = f.release_id AND m.ignored = 0 GROUP BY f.month",
    )
    months: dict[str, dict[str, Any]] = {}

    def row(month: str) -> dict[str, Any]:
        return months.setdefault(month, {"month": month, "records": 0, "tracks": 0, "vinyl": 0, "digital": 0})

    for r in records:
        row(r["month"])["records"] = r["n"]
    for r in tracks:
        row(r["month"])["tracks"] = r["n"]
    for r in vinyl:
        row(r["month"]).update(vinyl=r["vinyl"], digital=r["digital"])
    seen = sorted(m for m in months if m and len(m) == 7)
    shown = _every_month(seen)
    out, vinyl_total, digital_total = [], 0, 0
    for month in sorted(set(seen) | set(shown)):  # months cut off the start still count towards the rate
        r = months.get(month) or {"month": month, "records": 0, "tracks": 0, "vinyl": 0, "digital": 0}
        vinyl_total += r.pop("vinyl")
        digital_total += r.pop("digital")
        r["digitisation_rate"] = round(digital_total / vinyl_total, 4) if vinyl_total else None
        if month >= shown[0]:
            out.append(r)
    return out


def _every_month(months: list[str], most: int = 1200) -> list[str]:
    """The months from the first to the last seen, gaps included (a chart's time axis shows quiet months too);
    at most `most` of them, the latest kept, so a stray date in 1900 cannot make a huge answer."""
    if not months:
        return []
    try:
        y, m = int(months[0][:4]), int(months[0][5:7])
        end_y, end_m = int(months[-1][:4]), int(months[-1][5:7])
    except ValueError:
        return months
    span = (end_y - y) * 12 + end_m - m
    if span >= most:
        y, m = divmod(end_y * 12 + end_m - 1 - (most - 1), 12)
        m += 1
    out = []
    while (y, m) <= (end_y, end_m):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


async def genres(db: Database, top: int = 8) -> dict[str, Any]:
    """Genre and style share of the owned records, and how the top styles shifted by the year they were added.
    One query: counts per (year added, genre or style), summed here (a few hundred rows)."""
    rows = await db.cached(
        "all",
        f"WITH f AS ({_FIRST_ADDED}) "
        "SELECT f.year, 'genre' AS kind, j.value AS name, count(*) AS records "
        "FROM f JOIN releases r ON r.id = f.release_id, json_each(r.genres_json) j GROUP BY f.year, j.value "
        "UNION ALL SELECT f.year, 'style', j.value, count(*) "
        "FROM f JOIN releases r ON r.id = f.release_id, json_each(r.styles_json) j GROUP BY f.year, j.value",
    )
    totals: dict[str, dict[str, int]] = {"genre": {}, "style": {}}
    for r in rows:
        totals[r["kind"]][r["name"]] = totals[r["kind"]].get(r["name"], 0) + r["records"]

    def ranked(kind: str) -> list[dict[str, Any]]:
        return [{"name": n, "records": c} for n, c in sorted(totals[kind].items(), key=lambda x: (-x[1], x[0]))]

    styles = ranked("style")
    top_styles = [s["name"] for s in styles[:top]]
    by_year: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["kind"] != "style" or not r["year"]:
            continue
        counts = by_year.setdefault(r["year"], {})
        name = r["name"] if r["name"] in top_styles else "Other"
        counts[name] = counts.get(name, 0) + r["records"]
    return {
        "genres": ranked("genre"),
        "styles": styles,
        "top_styles": top_styles,
        "by_year_added": [{"year": y, "styles": c} for y, c in sorted(by_year.items())],
    }


async def library(db: Database) -> dict[str, Any]:
    """BPM histogram (whole BPM) and key counts (Camelot) of the live Traktor tracks: one scan of the narrow
    tracks_stats index grouped by (key, BPM), at most 24 x ~200 rows, summed here."""
    rows = await db.cached(
        "all",
        "SELECT key_camelot AS camelot, CAST(round(bpm) AS INTEGER) AS bpm, count(*) AS tracks FROM tracks "
        "WHERE removed_at IS NULL GROUP BY 1, 2",
    )
    bpm: dict[int, int] = {}
    keys: dict[str, int] = {}
    out = {"tracks": 0, "no_bpm": 0, "no_key": 0}
    for r in rows:
        out["tracks"] += r["tracks"]
        if r["bpm"] is None or r["bpm"] <= 0:
            out["no_bpm"] += r["tracks"]
        else:
            bpm[r["bpm"]] = bpm.get(r["bpm"], 0) + r["tracks"]
        if not r["camelot"]:
            out["no_key"] += r["tracks"]
        else:
            keys[r["camelot"]] = keys.get(r["camelot"], 0) + r["tracks"]
    return {
        **out,
        "bpm": [{"bpm": b, "tracks": n} for b, n in sorted(bpm.items())],
        "keys": [{"camelot": k, "tracks": n} for k, n in sorted(keys.items())],
    }


async def wishlist_costs(db: Database) -> list[dict[str, Any]]:
    """Per wishlist status: items, and the sum of the prices known (the rest are counted, not guessed)."""
    return await db.cached(
        "all",
        "SELECT status, count(*) AS items, count(target_price) AS priced, "
        "coalesce(sum(target_price), 0) AS priced_total FROM wishlist GROUP BY status ORDER BY status",
    )


async def collection_value(db: Database) -> dict[str, Any]:
    """What the owned records would fetch on the Discogs marketplace, from the lowest listings we fetched.
    Only records with a known price count; `priced` says how many that is."""
    row = await db.cached(
        "one",
        f"SELECT count(*) AS records, count(p.lowest_price) AS priced, "
        "coalesce(sum(p.lowest_price), 0) AS lowest_total, max(p.currency) AS currency "
        f"FROM ({_FIRST_ADDED}) f LEFT JOIN prices p ON p.release_id = f.release_id",
    )
    return dict(row or {"records": 0, "priced": 0, "lowest_total": 0, "currency": None})
