"""Reading Discogs' collection export: the real columns, line numbers that match the file, stable ids."""

from __future__ import annotations

import json

import pytest

from musictool.integrations.discogs import csv_export

HEADER = (
    "Catalog#,Artist,Title,Label,Format,Rating,Released,release_id,CollectionFolder,Date Added,"
    "Collection Media Condition,Collection Sleeve Condition,Collection Notes,My Custom Field\n"
)
GOOD = (
    'LIES-040,Ron Morelli (2),Spit,L.I.E.S.,"2x12"", EP",4,2012-05-00,3630113,Techno,2019-10-26 09:21:11,'
    "Near Mint (NM or M-),Very Good Plus (VG+),,extra\n"
)


def test_a_real_layout_row_becomes_a_release_and_a_placeholder_copy() -> None:
    parsed = csv_export.parse("\ufeff" + HEADER + GOOD)
    assert parsed.errors == [] and parsed.rows == 1
    (release,) = parsed.releases
    assert (release["id"], release["title"], release["artists"], release["year"]) == (3630113, "Spit", "Ron Morelli", 2012)
    assert json.loads(release["labels_json"]) == [{"id": None, "name": "L.I.E.S.", "catno": "LIES-040"}]
    assert json.loads(release["formats_json"])[0] == {
        "name": '12"',
        "qty": "2",
        "descriptions": ["EP"],
        "text": '2x12", EP',
    }
    (copy,) = parsed.copies
    assert copy["instance_id"] == csv_export.placeholder_instance_id(3630113, 0) < 0
    assert copy["rating"] == 4 and copy["added_utc"] == "2019-10-26T09:21:11Z"
    assert json.loads(copy["notes_json"]) == [
        {"field_id": 1, "value": "Near Mint (NM or M-)"},
        {"field_id": 2, "value": "Very Good Plus (VG+)"},
    ]
    assert copy["folder_id"] < 0 and parsed.folders == {copy["folder_id"]: "Techno"}
    assert csv_export.folder_id("techno") == copy["folder_id"]  # the same name, the same id, every import


def test_bad_rows_are_reported_by_the_line_they_start_on_and_the_rest_import() -> None:
    text = (
        HEADER
        + 'X,A,"Two, with a comma",L,LP,,1999,101,,,,,"a note\nover two lines",\n'  # lines 2-3
        + "X,A,T,L,LP,6,1999,102,,,,,,\n"  # line 4: rating
        + "X,A,T,L,LP,,nineteen,103,,,,,,\n"  # line 5: released
        + "\n"  # line 6: blank, skipped
        + "X,A,T,L,LP,,,abc,,,,,,\n"  # line 7: release id
        + "X,A,T,L,LP,,,104,,yesterday,,,,\n"  # line 8: date added
        + "X,A,T\n"  # line 9: too few fields
        + "X,A,,L,LP,,,105,,,,,,\n"  # line 10: no title
        + GOOD  # line 11
        + GOOD  # line 12: a second copy of the same release
    )
    parsed = csv_export.parse(text)
    assert [(e["line"], e["message"].split()[0]) for e in parsed.errors] == [
        (4, "Rating"),
        (5, "Released"),
        (7, "release_id"),
        (8, "Date"),
        (9, "3"),
        (10, "Title"),
    ]
    assert [c["line"] for c in parsed.copies] == [2, 11, 12]
    assert [c["nth"] for c in parsed.copies] == [0, 0, 1]
    assert parsed.copies[1]["instance_id"] != parsed.copies[2]["instance_id"]
    assert len(parsed.releases) == 2 and parsed.rows == 9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("Artist,Title,BPM\nA,B,120\n", "no release_id column"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_as_a_whole(text: str, message: str) -> None:
    with pytest.raises(csv_export.ExportError, match=message):
        csv_export.parse(text)
