"""`musictool import discogs-csv` and POST /discogs/import through a real daemon: a collection export in
Discogs' real column layout loads before any sync, bad rows are reported by line while the rest import,
tracklists follow from the (fake) Discogs, and a later sync reconciles by release id without duplicates."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from musictool.cli.client import ApiError
from testkit.fakes.discogs.server import FakeDiscogs, ServerThread
from tests.integration.discogs.test_daemon_discogs import TOKEN, discogs_config

HEADER = [
    "Catalog#",
    "Artist",
    "Title",
    "Label",
    "Format",
    "Rating",
    "Released",
    "release_id",
    "CollectionFolder",
    "Date Added",
    "Collection Media Condition",
    "Collection Sleeve Condition",
    "Collection Notes",
]


def export_rows(fake: FakeDiscogs, username: str) -> list[list[str]]:
    """The user's collection as Discogs' export writes it, one row per copy."""
    user = fake.users[username]
    rows = []
    for item in user.instances:
        basic = item["basic_information"]
        notes = {n["field_id"]: n["value"] for n in item.get("notes") or []}
        fmt = basic["formats"][0]
        qty = f"{fmt['qty']}x" if fmt.get("qty") not in (None, "1") else ""
        rows.append(
            [
                ", ".join(lb["catno"] for lb in basic["labels"]),
                " & ".join(a["name"] for a in basic["artists"]),
                basic["title"],
                ", ".join(lb["name"] for lb in basic["labels"]),
                ", ".join([qty + fmt["name"], *fmt.get("descriptions", [])]),
                str(item["rating"] or ""),
                str(basic.get("year") or ""),
                str(item["id"]),
                user.folders.get(item["folder_id"], "Uncategorized"),
                item["date_added"][:19].replace("T", " "),
                notes.get(1, ""),
                notes.get(2, ""),
                notes.get(3, ""),
            ]
        )
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MUSICTOOL_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "musictool", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_export_imports_with_line_numbered_errors_then_a_sync_reconciles_without_duplicates(
    daemon_factory: Any, tmp_path: Path
) -> None:
    fake = FakeDiscogs(limit=1000, window=1.0)
    fake.add_user("demo", token=TOKEN, releases=30, wants=2)
    rows = export_rows(fake, "demo")
    n = len(rows)
    # a second copy of the first record (Discogs lists every copy), a note that spans two lines,
    # and two bad rows: line numbers count the header as line 1 and the note's extra line
    rows.append(list(rows[0]))
    rows[1][12] = "bought in Berlin,\nsleeve signed"
    bad_id = ["X1", "Someone", "Broken", "Label", "LP", "", "1999", "not-a-number", "Uncategorized", "", "", "", ""]
    bad_rating = list(rows[2])
    bad_rating[5] = "9"
    rows[4:4] = [bad_id, bad_rating]  # rows 5 and 6 of the data: lines 7 and 8 (the note adds one)
    export = tmp_path / "demo-collection-20260101-1200.csv"
    write_csv(export, rows)

    with ServerThread(fake) as srv:
        d = daemon_factory(discogs_config(srv.base_url))
        api = d.api()
        before = len(fake.log)

        result = cli(d.home, "import", "discogs-csv", str(export))
        assert result.returncode == 1, result.stderr  # some rows were bad
        assert "Traceback" not in result.stderr
        assert "2 row(s) were not imported" in result.stderr
        err_lines = [ln.split() for ln in result.stderr.splitlines()[1:] if ln.strip()[:1].isdigit()]
        assert [ln[0] for ln in err_lines] == ["7", "8"], result.stderr
        assert "release_id must be a Discogs release id" in result.stderr
        assert "Rating must be a whole number from 0 to 5, not '9'" in result.stderr
        assert f"{n + 1} records: {n + 1} new" in result.stdout
        assert "succeeded" in result.stdout  # the tracklists job, followed to its end

        # only public release bodies were fetched: no collection call, no sync
        paths = [e.path for e in fake.log[before:]]
        assert paths and all(p.startswith("/releases/") for p in paths), paths
        status = api.get("/status")["discogs"]
        assert status["counts"] == {"copies": n + 1, "releases": n, "wants": 0, "without_details": 0}
        assert status["last_sync"] is None
        first_id = int(rows[0][7])
        one = api.get(f"/discogs/releases/{first_id}")
        assert len(one["instances"]) == 2 and all(i["instance_id"] < 0 for i in one["instances"])
        assert [t["title"] for t in one["tracklist"]] == [
            t["title"] for t in fake.catalog.release(first_id)["tracklist"]
        ]
        second = api.get(f"/discogs/releases/{int(rows[1][7])}")
        assert {"field_id": 3, "value": "bought in Berlin,\nsleeve signed"} in second["instances"][0]["notes"]

        # the same file again: the same copies, updated, none added
        again = api.post("/discogs/import", {"csv": export.read_text()})
        assert (again["added"], again["updated"], len(again["errors"])) == (0, n + 1, 2)
        assert api.get("/status")["discogs"]["counts"]["copies"] == n + 1

        # the first sync swaps each imported copy for the real one of the same release
        job = d.wait_job(api.post("/discogs/sync", {"full": True})["id"])
        assert job["status"] == "succeeded", job["error"]
        assert job["result"]["added"] == 0  # adopted, not added
        counts = api.get("/status")["discogs"]["counts"]
        assert counts["copies"] == n  # the extra copy the export claimed is not on Discogs: removed
        real = {i["id"]: i["instance_id"] for i in fake.users["demo"].instances}
        one = api.get(f"/discogs/releases/{first_id}")
        live = [i["instance_id"] for i in one["instances"] if i["removed_at"] is None]
        assert live == [real[first_id]]
        assert [i["instance_id"] < 0 for i in one["instances"] if i["removed_at"]] == [True]

        # importing after the sync changes nothing: those copies are known by their real ids now
        late = api.post("/discogs/import", {"csv": export.read_text()})
        # ...but the copy Discogs does not have, which the export still claims, until the next sync
        assert (late["added"], late["updated"], late["already_synced"]) == (0, 1, n)
        job = d.wait_job(api.post("/discogs/sync", {"full": True})["id"])
        assert job["status"] == "succeeded" and api.get("/status")["discogs"]["counts"]["copies"] == n


def test_a_file_that_is_not_an_export_is_refused_with_the_reason(daemon_factory: Any, tmp_path: Path) -> None:
    d = daemon_factory()
    other = tmp_path / "tracks.csv"
    other.write_text("Artist,Title,BPM\nA,B,120\n", encoding="utf-8")
    result = cli(d.home, "import", "discogs-csv", str(other))
    assert result.returncode == 1
    assert "not a Discogs collection export: no release_id column" in result.stderr
    only_bad = tmp_path / "bad.csv"
    write_csv(only_bad, [["X", "A", "T", "L", "LP", "", "", "abc", "", "", "", "", ""]])
    with pytest.raises(ApiError) as refused:
        d.api().post("/discogs/import", {"csv": only_bad.read_text()})
    assert refused.value.status == 422 and refused.value.body["errors"][0]["line"] == 2
    assert d.api().get("/discogs/releases")["total"] == 0
