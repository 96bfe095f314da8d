"""A real daemon over a small collection.nml: playlist depth from the tree (names holding "/"), NFC/NFD search,
and membership edits that name track ids SQLite cannot hold."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from musictool.cli.client import ApiError
from testkit.fixtures_path import REPO

SPEC = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text(encoding="utf-8"))
NFC = unicodedata.normalize("NFC", "Rosé")
NFD = unicodedata.normalize("NFD", "Rosé")


def check(instance: Any, schema_name: str) -> None:
    """The response matches its schema in api-spec/openapi.yaml."""
    jsonschema.Draft202012Validator({**SPEC, "$ref": f"#/components/schemas/{schema_name}"}).validate(
        instance
    )


def _entry(title: str, file: str) -> str:
    return (
        f'<ENTRY TITLE="{title}" ARTIST="Test"><LOCATION DIR="/:music/:" FILE="{file}" VOLUME="Mac" '
        'VOLUMEID="Mac"></LOCATION><INFO></INFO></ENTRY>'
    )


def _playlist(name: str, *files: str) -> str:
    keys = "".join(f'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="Mac/:music/:{f}"></PRIMARYKEY></ENTRY>' for f in files)
    return f'<NODE TYPE="PLAYLIST" NAME="{name}"><PLAYLIST ENTRIES="{len(files)}" TYPE="LIST">{keys}</PLAYLIST></NODE>'


def _folder(name: str, *nodes: str) -> str:
    return f'<NODE TYPE="FOLDER" NAME="{name}"><SUBNODES COUNT="{len(nodes)}">{"".join(nodes)}</SUBNODES></NODE>'


# name -> depth below $ROOT; every name but "Sets" and "Peak" holds a "/"
TREE = {"Sets": 0, "Warm/Up": 1, "2024/25": 1, "Peak": 2, "Top/Level": 0}


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    root = tmp_path / "Traktor"
    root.mkdir()
    tracks = [_entry(f"{NFC} Dawn", "a.mp3"), _entry(f"{NFD} Dusk", "b.mp3"), _entry("Other", "c.mp3")]
    tree = _folder(
        "$ROOT",
        _folder("Sets", _playlist("Warm/Up", "a.mp3"), _folder("2024/25", _playlist("Peak", "b.mp3"))),
        _playlist("Top/Level", "c.mp3"),
    )
    coll = root / "collection.nml"
    coll.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD COMPANY="www.native-'
        f'instruments.com" PROGRAM="Traktor"></HEAD><COLLECTION ENTRIES="{len(tracks)}">{"".join(tracks)}'
        f"</COLLECTION><PLAYLISTS>{tree}</PLAYLISTS></NML>\n",
        encoding="utf-8",
    )
    return coll


def _started(daemon_factory: Any, coll: Path) -> Any:
    d = daemon_factory(config={"traktor": {"collection": str(coll)}})
    d.wait_for(lambda: len(d.api().get("/playlists")["items"]) == len(TREE), timeout=60, what="initial ingest")
    return d


def test_depth_search_forms_and_track_id_bounds(daemon_factory: Any, collection: Path) -> None:
    d = _started(daemon_factory, collection)
    api = d.api()
    page = api.get("/playlists")
    for p in page["items"]:
        check(p, "Playlist")
    assert {p["name"]: p["depth"] for p in page["items"]} == TREE
    by_name = {p["name"]: p for p in page["items"]}
    assert api.get(f"/playlists/{by_name['Peak']['id']}")["depth"] == 2
    only = api.get("/playlists", type="playlist")["items"]  # depth holds without the folders in the page
    assert {p["name"]: p["depth"] for p in only} == {"Warm/Up": 1, "Peak": 2, "Top/Level": 0}

    for typed in (NFC, NFD):  # one track's title was written NFC, the other's NFD
        found = api.get("/tracks", q=typed.lower(), sort="id")["items"]
        assert [unicodedata.normalize("NFC", t["title"]) for t in found] == [f"{NFC} Dawn", f"{NFC} Dusk"]

    target = by_name["Warm/Up"]["id"]
    for bad in (2**70, 2**63, 0, -1, True, 1.5, "1", None):
        for field in ("add", "remove"):
            with pytest.raises(ApiError) as ei:
                api.post(f"/playlists/{target}/tracks", {field: [bad]})
            assert ei.value.status == 400, (field, bad)
            check(ei.value.body, "Problem")
            # a whole number beyond int64 arrives as the float it approximates (api/util.parse_json)
            shown = repr(float(bad)) if type(bad) is int and bad > 2**63 - 1 else json.dumps(bad)
            assert ei.value.body["detail"].endswith(f"not {shown}"), ei.value.body
    with pytest.raises(ApiError) as ei:  # the largest id SQLite holds is a well-formed id: just not a track
        api.post(f"/playlists/{target}/tracks", {"add": [2**63 - 1]})
    assert ei.value.status == 404


@pytest.mark.slow  # a CLI call pays ~1-4 s of interpreter start + imports
def test_cli_indents_by_tree_depth(daemon_factory: Any, collection: Path) -> None:
    d = _started(daemon_factory, collection)
    ids = {p["name"]: p["id"] for p in d.api().get("/playlists")["items"]}
    out = subprocess.run(
        [sys.executable, "-m", "musictool", "--home", str(d.home), "playlists"],
        capture_output=True, text=True, env=d.env(), timeout=60, check=True,
    ).stdout  # fmt: skip
    assert out.splitlines() == [
        f"{ids['Sets']:>5}  + Sets",
        f"{ids['Warm/Up']:>5}    - Warm/Up  (1)",
        f"{ids['2024/25']:>5}    + 2024/25",
        f"{ids['Peak']:>5}      - Peak  (1)",
        f"{ids['Top/Level']:>5}  - Top/Level  (1)",
    ]
